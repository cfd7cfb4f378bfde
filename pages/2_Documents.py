"""Documents: upload files into the library and see what is in it."""

import streamlit as st

import core  # noqa: F401 - sets offline mode before any library is imported
from core.text import local_time, plural
from ui.resources import docchat, settings

st.set_page_config(page_title="Documents · Private DocChat", page_icon="📄", layout="wide")
st.title("📄 Documents")

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
    st.dataframe(
        [
            {"name": d.name, "type": d.type, "pages": d.pages or "", "chunks": d.chunks,
             "size (KB)": round(d.size / 1024, 1), "added": local_time(d.added), "note": d.note}
            for d in documents
        ],
        hide_index=True,
        width="stretch",
    )
st.caption(f"Files larger than {settings().max_upload_mb} MB are refused.")
