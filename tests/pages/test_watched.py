"""Watched folders on the Documents page (issue 20, ui/watched.py): add a folder, see it listed, sync now,
stop watching (documents stay), a refused path, the app's own runner, and a headless `watch run` that holds
the folders already. Streamlit AppTest on a temporary library, as tests/pages/test_documents.py."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ui import watched
from ui.render import inert_text

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = str(ROOT / "pages" / "2_Documents.py")
NOTE = "The harbour master keeps the tide tables in the blue ledger. " * 5


@pytest.fixture(autouse=True)
def fresh_library(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCCHAT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DOCCHAT_EMBEDDING_MODEL", "all-MiniLM-L6-v2")
    monkeypatch.setenv("DOCCHAT_WATCH_SETTLE_SECONDS", "0")
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    yield
    watched.stop_all()
    st.cache_resource.clear()


@pytest.fixture
def clicks_only(monkeypatch):
    """No background runner: only the page's buttons sync, so what Sync now did is the test's to see."""
    monkeypatch.setattr(watched, "BACKGROUND", False)


def page(**context: str) -> AppTest:
    at = AppTest.from_file(DOCUMENTS, default_timeout=120)
    if context:
        at.context = context
    return at.run()


def watch(at: AppTest, path: str, collection: str = "") -> AppTest:
    [folder] = [t for t in at.text_input if t.label == "Folder path"]
    folder.set_value(path)
    if collection:
        [named] = [t for t in at.text_input if t.label == "Collection (optional)"]
        named.set_value(collection)
    [submit] = [b for b in at.button if b.label == "Watch this folder"]
    submit.click().run()
    assert not at.exception
    return at


def button(at: AppTest, label: str):
    [found] = [b for b in at.button if b.label == label]
    return found


def names(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["name"]) if at.dataframe else []


def test_watch_sync_now_and_stop_watching(tmp_path, clicks_only):
    docs = tmp_path / "docs"
    docs.mkdir()
    at = watch(page(), str(docs), collection="harbour")
    shown = inert_text(str(docs.resolve()))
    assert any(shown in m.value and "0 documents in the library" in m.value for m in at.markdown)
    (docs / "tides.txt").write_text(NOTE)
    button(at, "Sync now").click().run()
    assert not at.exception
    assert any(inert_text(f"added    {docs.resolve()}/tides.txt") == s.value for s in at.success)
    assert names(at) == ["tides.txt"]
    assert list(at.dataframe[0].value["collection"]) == ["harbour"]
    assert any("1 document in the library" in m.value for m in at.markdown)
    button(at, "Sync now").click().run()
    assert [s.value for s in at.success] == ["Nothing changed: the library matches the watched folders."]
    button(at, "Stop watching").click().run()
    assert not at.exception
    assert not any(shown in m.value for m in at.markdown)
    assert names(at) == ["tides.txt"]  # its documents stay
    assert not [b for b in at.button if b.label == "Sync now"]


def test_a_path_that_is_not_a_folder_gets_one_sentence(tmp_path, clicks_only):
    at = watch(page(), str(tmp_path / "nowhere"))
    assert [e.value for e in at.error] == [inert_text(str(tmp_path / "nowhere")) + " does not exist on this computer."]
    (tmp_path / "file.txt").write_text("x")
    at = watch(at, str(tmp_path / "file.txt"))
    assert [e.value for e in at.error] == [inert_text(str(tmp_path / "file.txt")) + " is a file, not a folder."]
    at = watch(at, str(tmp_path))  # around the library's own data dir: core refuses it
    assert len(at.error) == 1 and "holds the library itself" in at.error[0].value
    assert not [b for b in at.button if b.label == "Stop watching"]


def test_the_apps_runner_ingests_a_new_file_without_a_click(tmp_path):
    import time

    docs = tmp_path / "docs"
    docs.mkdir()
    at = watch(page(), str(docs))
    (docs / "tides.txt").write_text(NOTE)
    deadline = time.monotonic() + 90
    while "tides.txt" not in names(at) and time.monotonic() < deadline:
        time.sleep(1)
        at.run()
    assert names(at) == ["tides.txt"]
    assert any("Keeping the watched folders in sync" in c.value for c in at.caption)


def test_a_headless_watch_run_keeps_the_folders_and_the_app_starts_none(tmp_path):
    from core.watch.runner import hold_run_lock

    docs = tmp_path / "docs"
    docs.mkdir()
    lock = hold_run_lock(tmp_path / "data")  # as `python -m core watch run` holds it
    try:
        at = watch(page(), str(docs))
        assert any("Another process" in i.value for i in at.info)
        assert not [b for b in at.button if b.label == "Sync now"]
        (docs / "tides.txt").write_text(NOTE)
        at.run()
        assert names(at) == []  # nobody in this process synced it
    finally:
        lock.release()


def test_the_block_in_korean(tmp_path, clicks_only):
    docs = tmp_path / "docs"
    docs.mkdir()
    at = page(locale="ko-KR")
    assert [e.label for e in at.expander if e.label == "지켜보는 폴더"]
    labels = {t.label for t in at.text_input} | {b.label for b in at.button}
    assert {"폴더 경로", "컬렉션(선택)", "이 폴더 지켜보기"} <= labels
    [folder] = [t for t in at.text_input if t.label == "폴더 경로"]
    folder.set_value(str(tmp_path / "nowhere"))
    button(at, "이 폴더 지켜보기").click().run()
    assert [e.value for e in at.error] == [inert_text(str(tmp_path / "nowhere")) + "은(는) 이 컴퓨터에 없어요."]
    [folder] = [t for t in at.text_input if t.label == "폴더 경로"]
    folder.set_value(str(docs))
    button(at, "이 폴더 지켜보기").click().run()
    assert {"동기화하기", "지켜보기 중지"} <= {b.label for b in at.button}
