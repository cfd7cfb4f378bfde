"""Documents: upload files into the library, find them again and manage them."""

import streamlit as st

import core  # noqa: F401 - sets offline mode before any library is imported
from core.ingest.records import Upload
from core.text import local_time, plural
from ui import scope
from ui.access import require_password
from ui.render import inert_text
from ui.repair import repair_vectors, report_missing_originals
from ui.resources import docchat, settings
from ui.uploads import ingest, named, show_pending, within_upload_limit

st.set_page_config(page_title="Documents · Private DocChat", page_icon="📄", layout="wide")
require_password()
st.title("📄 Documents")
NO_COLLECTION = "(none)"
repair_vectors()
report_missing_originals()

if built_with := docchat().needs_reindex():
    model = inert_text(settings().embedding_model)
    st.warning(f"This library was indexed with **{inert_text(built_with)}**, but the settings choose **{model}**. "
               "Questions and uploads need one model: re-index the library (its passages are embedded "
               "again, nothing is re-read or lost).", icon="🔁")
    if st.button(f"Re-index with {model}", type="primary"):
        bar = st.progress(0.0, text="Re-indexing…")
        count = docchat().reindex(lambda done: bar.progress(min(done, 1.0), text="Re-indexing…"))
        st.success(f"Re-indexed {plural(count, 'passage')} with {model}.")

collections = docchat().collections()
with st.form("upload", clear_on_submit=True):
    files = st.file_uploader(
        "Drop PDFs, text, Markdown, Word, PowerPoint, Excel, HTML, CSV or Hangul (HWP, HWPX) files",
        accept_multiple_files=True,
        max_upload_size=settings().max_upload_mb,  # the browser refuses a larger file before sending it
    )
    left, right = st.columns(2)
    collection = left.selectbox("Collection", [NO_COLLECTION, *collections], accept_new_options=True,
                                help="Type a new name to start a collection. Chat can be limited to collections.")
    password = right.text_input("Password for encrypted PDFs (optional)", type="password")
    submitted = st.form_submit_button("Add to library", type="primary")

if submitted and not files:
    st.warning("Choose at least one file first.")
if submitted and (fitting := within_upload_limit(files or [], settings().max_upload_mb)):
    bar = st.progress(0.0, text="Starting…")
    chosen = "" if collection in (None, NO_COLLECTION) else collection
    ingest([Upload(f.name, f.getvalue(), password=password or None, collection=chosen) for f in fitting],
           # overall: set on every event of a batch (core.ingest.batch), None only outside one
           lambda event: bar.progress(min(event.overall or 0.0, 1.0), text=inert_text(event.words())))
    bar.progress(1.0, text="Done")
show_pending()

all_documents = docchat().documents()
st.subheader(f"Library ({plural(len(all_documents), 'document')})")
if not all_documents:
    st.info("The library is empty. Add a file above to start.")
    st.stop()

find, within = st.columns([2, 1])
needle = find.text_input("Filter by name", placeholder="part of a file name").strip().casefold()
shown_collections = within.multiselect("Collections", collections, placeholder="all")
documents = [d for d in all_documents if needle in d.name.casefold()
             and (not shown_collections or d.collection in shown_collections)]
# A new key after each change, so the table's row selection never points at removed rows.
version = st.session_state.setdefault("library_version", 0)
table = st.dataframe(
    [
        {"name": d.name, "collection": d.collection, "type": d.kind, "pages": d.pages, "chunks": d.chunks,
         "size (KB)": round(d.size / 1024, 1), "added": local_time(d.added), "status": d.note or "ready"}
        for d in documents
    ],
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="multi-row",
    key=f"library_table_{version}_{needle}_{shown_collections}",
)
if len(documents) < len(all_documents):
    st.caption(f"Showing {len(documents)} of {len(all_documents)}.")
selected = [documents[i] for i in table.selection.rows if i < len(documents)]


def changed(message: str) -> None:
    st.session_state.library_version = version + 1
    st.toast(message)
    st.rerun()


if not selected:
    st.caption("Select rows to ask about, download, move, read again or delete documents.")
else:
    ask, download, move, reread, delete = st.columns(5)
    with ask:
        scope.link([d.sha256 for d in selected],
                   "Ask about this document" if len(selected) == 1 else f"Ask about these {len(selected)}")
    if len(selected) == 1 and (original := docchat().original(selected[0].sha256)) is not None:
        download.download_button("Download original", original, file_name=selected[0].name,
                                 mime="application/octet-stream")
    with move.popover("Move to collection…"):
        target = st.selectbox("Collection", [NO_COLLECTION, *collections], accept_new_options=True, key="move_to")
        if st.button("Move"):
            for d in selected:
                docchat().set_collection(d.sha256, None if target == NO_COLLECTION else target)
            changed(f"Moved {plural(len(selected), 'document')}")
    if reread.button("Read again", help="Parse the stored files again with the current chunk settings"):
        with st.spinner("Reading again…"):
            results = [docchat().reread(d.sha256) for d in selected]
        for result in results:
            (st.success if result.ok else st.error)(named(result.name, result.message))
    with delete.popover(f"Delete {plural(len(selected), 'document')}…"):
        st.write("These documents, their passages and their stored copies will be removed:")
        for d in selected:
            st.text(d.name)
        if st.button("Delete for good", type="primary"):
            for d in selected:
                docchat().delete(d.sha256)
            changed(f"Deleted {plural(len(selected), 'document')}")
st.caption(f"Files larger than {settings().max_upload_mb} MB are refused.")
