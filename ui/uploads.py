"""Uploads that wait for the user: an encrypted PDF's password, or the confirmation that a
changed file replaces the library's version. Kept per session, with the bytes, so nothing is
uploaded twice and nothing is replaced without a click. File names and messages are the user's
text, shown inert (ui/render.py inert_text): a name is never a link or an image here. Messages come
from core (``core.i18n`` Texts) and are said in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import streamlit as st

from core.ingest.limits import upload_refusal
from core.ingest.names import display_name
from core.ingest.records import IngestResult, ProgressCallback, Upload
from ui import indexing
from ui.i18n import _, said
from ui.render import inert_text
from ui.resources import docchat

if TYPE_CHECKING:
    from streamlit.runtime.uploaded_file_manager import UploadedFile

PENDING = "pending_uploads"
ANSWERED = "answered_uploads"  # results of answered questions, shown once after the rerun


@dataclass
class PendingUpload:
    name: str
    data: bytes
    collection: str
    needs: str  # "password" | "replace"
    message: str
    password: str | None = None  # kept for a replacement of an encrypted PDF


def named(name: str, message: str) -> str:
    """"**name**: message" as Markdown, both escaped: the message may quote names too. The message is
    core's (a refusal, an upload's result), said in the reader's language; the name never is."""
    return f"**{inert_text(name)}**: {inert_text(said(message))}"


def show_result(result: IngestResult) -> None:
    if not result.ok and result.needs:
        return  # asked below, with the controls to answer
    if not result.ok:
        st.error(named(result.name, result.message), icon="⚠️")
    elif result.duplicate:
        st.info(named(result.name, result.message), icon="ℹ️")
    else:
        st.success(named(result.name, result.message), icon="✅")


def within_upload_limit(files: list[UploadedFile], max_upload_mb: int) -> list[UploadedFile]:
    """The files that fit; each one over the limit is refused from its size alone, so its bytes are
    never copied (``getvalue``) into an ``Upload`` only to be refused after."""
    fitting = []
    for file in files:
        if refusal := upload_refusal(file.size, max_upload_mb):
            st.error(named(display_name(file.name), refusal), icon="⚠️")
        else:
            fitting.append(file)
    return fitting


def ingest(uploads: list[Upload], on_progress: ProgressCallback | None = None) -> list[IngestResult]:
    """Ingest files (the next read while one is stored); one that needs the user is parked in the
    session instead of failing. Each is committed as soon as it is read, so leaving the page does not
    lose it, and the background embedder adds its search vectors."""
    uploads = [replace(u, defer_vectors=True) for u in uploads]  # committed once read; vectors follow
    by_name = {display_name(u.name): u for u in uploads}
    results = []
    for result in docchat().ingest_uploads(uploads, on_progress):
        if result.ok and not result.duplicate:
            indexing.embedder().poke()
        if not result.ok and result.needs and (upload := by_name.get(result.name)):
            queue: list[PendingUpload] = st.session_state.setdefault(PENDING, [])
            queue[:] = [p for p in queue if p.name != result.name]
            queue.append(PendingUpload(result.name, upload.read(), upload.collection, result.needs, result.message,
                                       upload.password))
        show_result(result)
        results.append(result)
    return results


def _retry(item: PendingUpload, password: str | None, replace: bool) -> None:
    st.session_state[PENDING].remove(item)
    with st.spinner(_("Reading {name}…").format(name=inert_text(item.name))):
        results = ingest([Upload(item.name, item.data, password=password, collection=item.collection,
                                 replace=replace)])
    st.session_state[ANSWERED] = results
    st.rerun()


def show_pending() -> None:
    """One box per waiting upload, with the question and the controls that answer it."""
    for result in st.session_state.pop(ANSWERED, []):
        show_result(result)
    for n, item in enumerate(list(st.session_state.get(PENDING, []))):
        with st.container(border=True):
            st.warning(named(item.name, item.message), icon="🔒" if item.needs == "password" else "♻️")
            if item.needs == "password":
                with st.form(f"unlock_{n}"):
                    password = st.text_input(_("Password"), type="password", key=f"password_{n}")
                    if st.form_submit_button(_("Unlock and add")):
                        _retry(item, password, replace=False)
            else:
                keep, swap = st.columns(2)
                if swap.button(_("Replace it"), key=f"replace_{n}", type="primary"):
                    _retry(item, item.password, replace=True)
                if keep.button(_("Keep the library's version"), key=f"keep_{n}"):
                    st.session_state[PENDING].remove(item)
                    st.rerun()
