"""Documents: upload files into the library, find them again and manage them."""

import streamlit as st

import core  # noqa: F401 - sets offline mode before any library is imported
from core.ingest.records import Upload
from ui import i18n, indexing, nav, scope
from ui.access import require_password
from ui.i18n import _, ngettext
from ui.library_table import library_table
from ui.render import inert_text
from ui.repair import report_missing_originals
from ui.resources import docchat, settings
from ui.uploads import ingest, named, show_pending, within_upload_limit
from ui.watched import watched_folders

st.set_page_config(page_title=_("Documents · Private DocChat"), page_icon="📄", layout="wide")
require_password()
nav.sidebar()
st.title(_("📄 Documents"))
NO_COLLECTION = _("(none)")
report_missing_originals()

# What comes and goes between runs (a warning, an upload's progress and outcome) is drawn inside a slot
# that is always there: the elements after it keep their places, so a run that drops them replaces the
# page in place instead of showing the old library heading beside the new one while it runs.
with st.container():
    if built_with := docchat().needs_reindex():
        model = inert_text(settings().embedding_model)
        st.warning(_("This library was indexed with **{built_with}**, but the settings choose **{model}**. Questions "
                     "and uploads need one model: re-index the library (its passages are embedded again, nothing is "
                     "re-read or lost).").format(built_with=inert_text(built_with), model=model), icon="🔁")
        if st.button(_("Re-index with {model}").format(model=model), type="primary"):
            reindexing = _("Re-indexing…")
            bar = st.progress(0.0, text=reindexing)
            count = docchat().reindex(lambda done: bar.progress(min(done, 1.0), text=reindexing))
            st.success(ngettext("Re-indexed {n} passage with {model}.", "Re-indexed {n} passages with {model}.", count,
                                model=model))

collections = docchat().collections()
with st.form("upload", clear_on_submit=True):
    files = st.file_uploader(
        _("Drop PDFs, text, Markdown, Word, PowerPoint, Excel, HTML, CSV or Hangul (HWP, HWPX) files"),
        accept_multiple_files=True,
        max_upload_size=settings().max_upload_mb,  # the browser refuses a larger file before sending it
    )
    left, right = st.columns(2)
    collection = left.selectbox(_("Collection"), [NO_COLLECTION, *collections], accept_new_options=True,
                                help=_("Type a new name to start a collection. Chat can be limited to collections."))
    password = right.text_input(_("Password for encrypted PDFs (optional)"), type="password")
    submitted = st.form_submit_button(_("Add to library"), type="primary")

with st.container():
    if submitted and not files:
        st.warning(_("Choose at least one file first."))
    if submitted and (fitting := within_upload_limit(files or [], settings().max_upload_mb)):
        bar = st.progress(0.0, text=_("Starting…"))
        chosen = "" if collection in (None, NO_COLLECTION) else collection
        ingest([Upload(f.name, f.getvalue(), password=password or None, collection=chosen) for f in fitting],
               # overall: set on every event of a batch (core.ingest.batch), None only outside one
               lambda event: bar.progress(min(event.overall or 0.0, 1.0), text=inert_text(i18n.said(event.words()))))
        bar.progress(1.0, text=_("Done"))
    show_pending()
indexing.remember_drawn()  # before the fragments below first run, and before the list is read
pending = indexing.start()  # documents still waiting for search vectors (the embedder is poked), asked once a run
indexing.progress(pending)
watched_folders()  # listed, added, synced; the app's runner keeps them in sync meanwhile

all_documents = docchat().documents()
st.subheader(ngettext("Library ({n} document)", "Library ({n} documents)", len(all_documents)))
if not all_documents:
    st.info(_("The library is empty. Add a file above to start."))
    st.stop()

find, within = st.columns([2, 1])
needle = find.text_input(_("Filter by name"), placeholder=_("part of a file name")).strip().casefold()
shown_collections = within.multiselect(_("Collections"), collections, placeholder=_("all"))
documents = [d for d in all_documents if needle in d.name.casefold()
             and (not shown_collections or d.collection in shown_collections)]
# A new key after each change, so the table's row selection never points at removed rows.
version = st.session_state.setdefault("library_version", 0)
selected = library_table(documents, len(all_documents), pending, f"{version}_{needle}_{shown_collections}")


def changed(message: str) -> None:
    st.session_state.library_version = version + 1
    st.toast(message)
    st.rerun()


if not selected:
    st.caption(_("Select rows to ask about, download, move, read again or delete documents."))
else:
    ask, download, move, reread, delete = st.columns(5)
    with ask:
        scope.link([d.sha256 for d in selected],
                   _("Ask about this document") if len(selected) == 1
                   else _("Ask about these {count}").format(count=len(selected)))
    if len(selected) == 1 and (original := docchat().original(selected[0].sha256)) is not None:
        download.download_button(_("Download original"), original, file_name=selected[0].name,
                                 mime="application/octet-stream")
    with move.popover(_("Move to collection…")):
        target = st.selectbox(_("Collection"), [NO_COLLECTION, *collections], accept_new_options=True, key="move_to")
        if st.button(_("Move")):
            for d in selected:
                docchat().set_collection(d.sha256, None if target == NO_COLLECTION else target)
            changed(ngettext("Moved {n} document", "Moved {n} documents", len(selected)))
    if reread.button(_("Read again"), help=_("Parse the stored files again with the current chunk settings")):
        with st.spinner(_("Reading again…")):
            results = [docchat().reread(d.sha256) for d in selected]
        for result in results:
            (st.success if result.ok else st.error)(named(result.name, result.message))
    with delete.popover(ngettext("Delete {n} document…", "Delete {n} documents…", len(selected))):
        st.write(_("These documents, their passages and their stored copies will be removed:"))
        for d in selected:
            st.text(d.name)
        if st.button(_("Delete for good"), type="primary"):
            for d in selected:
                docchat().delete(d.sha256)
            changed(ngettext("Deleted {n} document", "Deleted {n} documents", len(selected)))
st.caption(_("Files larger than {mb} MB are refused.").format(mb=settings().max_upload_mb))
