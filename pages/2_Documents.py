"""Documents: upload files into the library and see what is in it."""

import streamlit as st

import core  # noqa: F401 - sets offline mode before any library is imported
from core.text import local_time, plural
from ui.resources import docchat, settings

st.set_page_config(page_title="Documents · Private DocChat", page_icon="📄", layout="wide")
st.title("📄 Documents")

if built_with := docchat().needs_reindex():
    model = settings().embedding_model
    st.warning(f"This library was indexed with **{built_with}**, but the settings choose **{model}**. "
               "Questions and uploads need one model: re-index the library (its passages are embedded "
               "again, nothing is re-read or lost).", icon="🔁")
    if st.button(f"Re-index with {model}", type="primary"):
        bar = st.progress(0.0, text="Re-indexing…")
        count = docchat().reindex(lambda done: bar.progress(min(done, 1.0), text="Re-indexing…"))
        st.success(f"Re-indexed {plural(count, 'passage')} with {model}.")

with st.form("upload", clear_on_submit=True):
    files = st.file_uploader(
        "Drop PDFs, text, Markdown, Word, PowerPoint, Excel, HTML or CSV files",
        accept_multiple_files=True,
    )
    password = st.text_input("Password for encrypted PDFs (optional)", type="password")
    submitted = st.form_submit_button("Add to library", type="primary")

if submitted and not files:
    st.warning("Choose at least one file first.")
if submitted and files:
    app = docchat()
    bar = st.progress(0.0, text="Starting…")
    for position, upload in enumerate(files):

        def on_progress(event, position=position) -> None:
            overall = (position + event.fraction) / len(files)
            bar.progress(min(overall, 1.0), text=f"{event.name}: {event.stage}")

        with st.spinner(f"Reading {upload.name}…"):
            result = app.ingest_file(upload.name, upload.getvalue(), password or None, on_progress)
        if not result.ok:
            st.error(f"**{result.name}**: {result.message}", icon="⚠️")
        elif result.duplicate:
            st.info(f"**{result.name}**: {result.message}", icon="ℹ️")
        else:
            st.success(f"**{result.name}**: {result.message}", icon="✅")
    bar.progress(1.0, text="Done")

documents = docchat().library.documents()
st.subheader(f"Library ({plural(len(documents), 'document')})")
if not documents:
    st.info("The library is empty. Add a file above to start.")
else:
    # A new key after each delete, so the table's row selection never points at removed rows.
    version = st.session_state.setdefault("library_version", 0)
    table = st.dataframe(
        [
            {"name": d.name, "type": d.type, "pages": d.pages or "", "chunks": d.chunks,
             "size (KB)": round(d.size / 1024, 1), "added": local_time(d.added), "note": d.note}
            for d in documents
        ],
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="multi-row",
        key=f"library_table_{version}",
    )
    selected = [documents[i] for i in table.selection.rows if i < len(documents)]
    if not selected:
        st.caption("Select rows to delete documents.")
    else:
        with st.popover(f"Delete {plural(len(selected), 'document')}…"):
            st.write("These documents, their passages and their stored copies will be removed:")
            for d in selected:
                st.text(d.name)
            if st.button("Delete for good", type="primary"):
                for d in selected:
                    docchat().delete(d.sha256)
                st.session_state.library_version = version + 1
                st.toast(f"Deleted {plural(len(selected), 'document')}")
                st.rerun()
st.caption(f"Files larger than {settings().max_upload_mb} MB are refused.")
