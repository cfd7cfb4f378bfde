"""The Documents page manages the library: collections, replacing a changed file after a click,
filtering, downloading originals, and the optional password gate (Streamlit AppTest, headless)."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = str(ROOT / "pages" / "2_Documents.py")


@pytest.fixture(autouse=True)
def fresh_library(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCCHAT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DOCCHAT_EMBEDDING_MODEL", "all-MiniLM-L6-v2")
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def documents_page() -> AppTest:
    return AppTest.from_file(DOCUMENTS, default_timeout=120).run()


def add(at: AppTest, name: str, data: bytes, collection: str | None = None) -> AppTest:
    at.file_uploader[0].set_value([(name, data, "text/plain")])
    if collection:  # an existing one: AppTest cannot type a new option into a selectbox
        [box] = [s for s in at.selectbox if s.label == "Collection"][:1]
        box.set_value(collection)
    [submit] = [b for b in at.button if b.label == "Add to library"]
    submit.click().run()
    assert not at.exception
    return at


def test_upload_into_a_collection_then_filter_by_name_and_collection():
    from core.service import DocChat
    from core.settings import load_settings

    DocChat(load_settings()).ingest_file("rota.txt", b"Travel rota for the keepers. " * 5, collection="travel")
    at = documents_page()
    add(at, "ferry.txt", b"The ferry leaves at nine. " * 5, collection="travel")
    add(at, "budget.txt", b"The budget is tight this year. " * 5)
    table = at.dataframe[0].value
    assert dict(zip(table["name"], table["collection"], strict=True)) == {
        "rota.txt": "travel", "ferry.txt": "travel", "budget.txt": ""}
    [needle] = [t for t in at.text_input if t.label == "Filter by name"]
    needle.set_value("FERRY").run()
    assert list(at.dataframe[0].value["name"]) == ["ferry.txt"]
    needle.set_value("").run()
    [within] = [m for m in at.multiselect if m.label == "Collections"]
    within.set_value(["travel"]).run()
    assert list(at.dataframe[0].value["name"]) == ["rota.txt", "ferry.txt"]


def test_a_changed_file_with_the_same_name_waits_for_confirmation():
    at = documents_page()
    add(at, "notes.txt", b"The lamp is lit at dusk. " * 5)
    add(at, "notes.txt", b"The lamp is now lit at six. " * 5)
    assert any("another version" in w.value for w in at.warning)
    assert len(at.dataframe[0].value) == 1
    [replace] = [b for b in at.button if b.label == "Replace it"]
    replace.click().run()
    assert not at.exception
    assert any("replaced" in s.value for s in at.success)
    assert not any("another version" in w.value for w in at.warning)
    from core.settings import load_settings
    from core.store.sqlite_store import SqliteStore

    [doc] = SqliteStore(load_settings().data_dir).documents()
    assert SqliteStore(load_settings().data_dir).original(doc.sha256).startswith(b"The lamp is now lit at six.")


def test_keeping_the_old_version_changes_nothing():
    at = documents_page()
    add(at, "notes.txt", b"Old text of the notes. " * 5)
    add(at, "notes.txt", b"New text of the notes. " * 5)
    [keep] = [b for b in at.button if b.label == "Keep the library's version"]
    keep.click().run()
    assert not any("another version" in w.value for w in at.warning)
    assert len(at.dataframe[0].value) == 1


def test_the_password_gate_stops_every_page_until_unlocked():
    at = AppTest.from_file(DOCUMENTS, default_timeout=60)
    at.secrets["password"] = "open sesame"
    at.run()
    assert not at.file_uploader and at.text_input[0].label == "Password"
    at.text_input[0].set_value("wrong")
    at.button[0].click().run()
    assert any("Wrong password" in e.value for e in at.error) and not at.file_uploader
    at.text_input[0].set_value("open sesame")
    at.button[0].click().run()
    assert at.file_uploader


def _encrypted_pdf(tmp_path, password: str) -> bytes:
    import io

    from pypdf import PdfReader, PdfWriter

    from tests.conftest import make_pdf

    writer = PdfWriter(clone_from=PdfReader(make_pdf(tmp_path / "plain.pdf", ["The vault code is 4471."])))
    writer.encrypt(user_password=password, owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_encrypted_pdf_asks_for_its_password_and_a_wrong_one_asks_again(tmp_path):
    at = documents_page()
    at.file_uploader[0].set_value([("vault.pdf", _encrypted_pdf(tmp_path, "s3cret"), "application/pdf")])
    [submit] = [b for b in at.button if b.label == "Add to library"]
    submit.click().run()
    assert any(r"password\-protected" in w.value for w in at.warning)  # messages are shown escaped
    [field] = [t for t in at.text_input if t.label == "Password"]
    field.set_value("nope")
    [unlock] = [b for b in at.button if b.label == "Unlock and add"]
    unlock.click().run()
    assert any("wrong password" in w.value for w in at.warning) and not at.dataframe
    [field] = [t for t in at.text_input if t.label == "Password"]
    field.set_value("s3cret")
    [unlock] = [b for b in at.button if b.label == "Unlock and add"]
    unlock.click().run()
    assert not at.exception
    assert any(r"vault\.pdf" in s.value for s in at.success)
    assert list(at.dataframe[0].value["name"]) == ["vault.pdf"]


def _renders_as_text(markdown: str, text: str) -> None:
    """What a browser would get from this Markdown: ``text`` as it was typed, and no image (a fetch) or link."""
    import html
    import re

    from markdown_it import MarkdownIt

    from ui.render import WORD_JOINER

    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    assert "<img" not in rendered and "<a " not in rendered, rendered
    assert text in html.unescape(re.sub(r"<[^>]+>", "", rendered)).replace(WORD_JOINER, ""), rendered


HOSTILE = "![x](http:127.0.0.1:9) [click](http:evil) www.evil.example me@evil.example <b>*_`~$:smile:.txt"


def test_a_hostile_file_name_is_shown_as_text_never_as_an_image_or_a_link():
    from ui.render import WORD_JOINER, inert_text

    at = documents_page()
    add(at, HOSTILE, b"The harbour master keeps the tide tables. " * 5)
    [done] = [s.value for s in at.success if "chunk" in s.value]
    assert done.startswith(f"**{inert_text(HOSTILE)}**: ")
    assert f"www{WORD_JOINER}\\.evil" in done and f"@{WORD_JOINER}evil" in done  # bare links too (ui/render.py)
    assert "![x](" not in done and "[click](" not in done
    _renders_as_text(done, HOSTILE)
    add(at, HOSTILE, b"The harbour master moved the tide tables. " * 5)  # another version: the question quotes it
    [asked] = [w.value for w in at.warning if "another version" in w.value]
    assert "![x](" not in asked and asked.count(inert_text(HOSTILE)) == 2
    _renders_as_text(asked, HOSTILE)


def test_an_upload_over_the_limit_is_refused_from_its_size_without_copying_its_bytes(monkeypatch):
    from streamlit.runtime.uploaded_file_manager import UploadedFile

    copied: list[str] = []
    real = UploadedFile.getvalue

    def getvalue(self):
        copied.append(self.name)
        return real(self)

    monkeypatch.setattr(UploadedFile, "getvalue", getvalue)
    monkeypatch.setenv("DOCCHAT_MAX_UPLOAD_MB", "1")
    at = documents_page()
    assert at.file_uploader[0].proto.max_upload_size_mb == 1  # the browser's limit is the setting too
    at.file_uploader[0].set_value([("[big](http:evil).txt", b"a" * (1024 * 1024 + 1), "text/plain"),
                                   ("small.txt", b"The lamp is lit at dusk. " * 5, "text/plain")])
    [submit] = [b for b in at.button if b.label == "Add to library"]
    submit.click().run()
    assert not at.exception
    [refused] = [e.value for e in at.error]
    assert refused == r"**\[big\]\(http\:evil\)\.txt**: file is 1\.0 MB, larger than the 1 MB limit \(max\_upload\_mb\)"
    assert copied == ["small.txt"]
    assert list(at.dataframe[0].value["name"]) == ["small.txt"]
    assert any("1 MB are refused" in c.value for c in at.caption)


def test_a_deleted_index_is_rebuilt_on_the_page_and_a_missing_original_is_named(tmp_path):
    """Issue 15: the index file is derived data. Deleted, it costs no document: the app embeds the
    stored passages again in the background (the page does not wait for it; keyword search works
    meanwhile); an original deleted by hand is named, not dropped."""
    at = add(documents_page(), "kept.txt", b"The lighthouse keeper climbs the stairs at dusk.\n")
    add(at, "other.txt", b"An orchard of apple trees beside the river.\n")
    from tests.pages.conftest import wait_for_vectors

    wait_for_vectors()  # the uploads' vectors are in the index file
    data = tmp_path / "data"
    (data / "index.faiss").unlink()
    [original] = [p for p in (data / "uploads").iterdir() if p.read_bytes().startswith(b"An orchard")]
    original.unlink()
    st.cache_resource.clear()  # a restarted app
    at = documents_page()
    assert not at.exception
    assert any("other" in w.value and "missing" in w.value for w in at.warning)
    wait_for_vectors()
    from core.service import DocChat
    from core.settings import load_settings

    library = DocChat(load_settings()).store
    assert sorted(d.name for d in library.documents()) == ["kept.txt", "other.txt"]
    assert library.missing_vectors() == []


def test_documents_without_pages_list_with_an_empty_page_count_not_a_mixed_column(lighthouse_pdf):
    """A TXT has no pages: the column held numbers and "" and pyarrow logged ArrowInvalid on every
    listing (issue 17); it holds numbers and nulls now, and a null is drawn as a dash, not the word None."""
    import pyarrow as pa

    at = add(documents_page(), "notes.txt", b"The bakery opens at six.")
    at.file_uploader[0].set_value([("lighthouse.pdf", lighthouse_pdf.read_bytes(), "application/pdf")])
    [submit] = [b for b in at.button if b.label == "Add to library"]
    submit.click().run()
    table = at.dataframe[0].value
    pages = dict(zip(table["name"], table["pages"], strict=True))
    assert pages["lighthouse.pdf"] == 2 and (pages["notes.txt"] is None or pages["notes.txt"] != pages["notes.txt"])
    pa.Table.from_pandas(table)  # raised ArrowInvalid before
    assert at.dataframe[0].proto.placeholder == "–"


def test_an_upload_is_listed_at_once_and_its_vectors_follow_in_the_background(monkeypatch):
    """Issue 20: the upload ends when the file is read; the page shows what still waits for vectors,
    the Chat page says so too, and once the embedder is done the status reads "ready"."""
    from core.service import DocChat
    from tests.pages.conftest import wait_for_vectors

    embed_pending = DocChat.embed_pending
    monkeypatch.setattr(DocChat, "embed_pending", lambda self, *args, **kwargs: 0)  # the embedder held back
    at = add(documents_page(), "kept.txt", b"The lighthouse keeper climbs the stairs at dusk.\n")
    assert list(at.dataframe[0].value["status"]) == ["embedding 0/1"]
    assert any("Embedding in the background: 0 of 1 passages of 1 document" in p.text for p in at.progress)
    heading = _place(at, "Library (1 document)")
    chat = AppTest.from_file(str(ROOT / "pages" / "1_Chat.py"), default_timeout=120).run()
    assert any("1 document is still being indexed" in c.value for c in chat.caption)
    chat_elements = len(chat.main.children)

    monkeypatch.setattr(DocChat, "embed_pending", embed_pending)  # let it go
    at.run()
    wait_for_vectors()
    at.run()
    assert list(at.dataframe[0].value["status"]) == ["ready"] and not at.progress
    # the upload's outcome and the progress line keep their slots (empty now): a browser shows the page's
    # previous elements until a run replaces them, and a heading that moved up showed twice while it ran
    assert _place(at, "Library (1 document)") == heading
    chat.run()
    assert not any("still being indexed" in c.value for c in chat.caption)
    assert len(chat.main.children) == chat_elements


def _place(at: AppTest, text: str) -> int:
    """Where the page draws the element showing ``text``: its index among the main area's elements."""
    return next(i for i, node in at.main.children.items() if text in str(getattr(node, "value", "")))


def test_a_big_library_is_shown_a_page_at_a_time_and_a_selection_is_of_the_page_shown(monkeypatch):
    from core.service import DocChat
    from core.settings import load_settings
    from ui import library_table

    monkeypatch.setattr(library_table, "PAGE_ROWS", 2)
    app = DocChat(load_settings())
    for n in range(5):
        app.ingest_file(f"note-{n}.txt", f"Note {n} about the harbour. ".encode() * 5)
    at = documents_page()
    assert list(at.dataframe[0].value["name"]) == ["note-0.txt", "note-1.txt"]
    assert any("Showing 1–2 of 5 (5 in the library)." in c.value for c in at.caption)
    [page] = [n for n in at.number_input if n.label == "Page"]
    assert page.max == 3
    page.set_value(3).run()
    assert list(at.dataframe[0].value["name"]) == ["note-4.txt"]
    [needle] = [t for t in at.text_input if t.label == "Filter by name"]
    needle.set_value("note-3").run()  # one page: no page control, and the filter starts over
    assert list(at.dataframe[0].value["name"]) == ["note-3.txt"]
    assert not [n for n in at.number_input if n.label == "Page"]


def _redrawing_script() -> None:
    """A page that draws the library, then finds it changed behind its back on its first run (a watched
    folder's pass, another session or the CLI), then asks the fragments' question."""
    import streamlit as st

    from core.service import DocChat
    from core.settings import load_settings
    from ui import indexing

    runs = st.session_state["runs"] = st.session_state.get("runs", 0) + 1
    indexing.remember_drawn()
    if runs == 1 and st.session_state.get("change"):
        DocChat(load_settings()).ingest_file("late.txt", b"A late note about the ferry timetable. " * 5)
    indexing.redraw_if_changed()


def test_the_documents_page_runs_again_by_itself_when_the_library_changed_behind_it():
    """The watched folders' status and the embedding progress refresh on their own; when the library's passages
    changed since the page drew its list, the whole page runs again, so the new documents show without a click."""
    quiet = AppTest.from_function(_redrawing_script, default_timeout=120)
    quiet.run()
    assert quiet.session_state["runs"] == 1 and not quiet.exception
    changed = AppTest.from_function(_redrawing_script, default_timeout=120)
    changed.session_state["change"] = True
    changed.run()
    assert changed.session_state["runs"] == 2 and not changed.exception
