"""`watch run`: one pass and exit for scripts (`--once`), or the real watchdog observer seeing a file
dropped into the folder; one runner per data dir."""

from __future__ import annotations

import json
import threading
import time

import pytest

from core.watch.runner import AlreadyRunning, Runner, hold_run_lock
from core.watch.sync import Timing
from tests.core.watch.helpers import Watch, watch_cli, write

DEADLINE_SECONDS = 60  # generous: the CPU is shared; the observer itself reacts in well under a second


def test_run_once_prints_what_it_did_and_exits(watch: Watch, capsys):
    write(watch.folder / "good.txt", "A good file")
    (watch.folder / "empty.txt").write_bytes(b"")
    watch.app.settings.data_dir.mkdir(parents=True, exist_ok=True)
    watch.app.settings = watch.app.settings.replace(watch_settle_seconds=0)
    watch.add()
    assert watch_cli(watch.app, "run", "--once") == 1  # a file failed
    out = capsys.readouterr().out
    assert f"added    {watch.folder}/good.txt" in out and f"failed   {watch.folder}/empty.txt" in out
    assert watch_cli(watch.app, "run", "--once") == 0  # nothing new; the failure is not retried
    assert capsys.readouterr().out == ""
    assert watch_cli(watch.app, "list") == 0
    listed = capsys.readouterr().out
    assert "1 file in the library; 1 failed" in listed and "failed   empty.txt: empty file (0 bytes)" in listed


def test_one_runner_per_data_dir(watch: Watch, capsys):
    lock = hold_run_lock(watch.app.settings.data_dir)
    try:
        with pytest.raises(AlreadyRunning):
            hold_run_lock(watch.app.settings.data_dir)
        assert watch_cli(watch.app, "run", "--once") == 1
        assert "already keeping" in capsys.readouterr().err
    finally:
        lock.release()


def test_watch_run_ingests_a_file_dropped_into_the_folder(watch: Watch):
    write(watch.folder / "first.txt", "There before the watch started")
    watch.add(collection="dropped")
    runner = Runner(watch.app, watch.app.settings.data_dir, Timing(grace_seconds=0, settle_seconds=0),
                    watch.lines.append)
    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            runner.run_forever(stop)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        _until(lambda: "first.txt" in watch.names(), "the start-up pass")
        write(watch.folder / "sub" / "dropped.txt", "Dropped in while the watch runs", mtime=None)
        _until(lambda: "dropped.txt" in watch.names(), "the dropped file")
        assert [d.collection for d in watch.app.documents() if d.name == "dropped.txt"] == ["dropped"]
        (watch.folder / "first.txt").unlink()
        _until(lambda: "first.txt" not in watch.names(), "the deleted file's removal")
    finally:
        stop.set()
        thread.join(timeout=DEADLINE_SECONDS)
    assert not thread.is_alive() and errors == []


def test_watch_run_picks_a_folder_up_again_when_it_comes_back(watch: Watch, tmp_path):
    """Unmounted and mounted again (here: moved away and back): paused meanwhile, nothing removed, then
    observed again as the new folder it is to the OS."""
    write(watch.folder / "kept.txt", "On the drive")
    watch.add()
    stop, thread = _started(watch)
    try:
        _until(lambda: "kept.txt" in watch.names(), "the start-up pass")
        away = watch.folder.rename(tmp_path / "unmounted")
        _until(lambda: any(line.startswith("paused") for line in watch.lines), "the pause")
        write(away / "while-away.txt", "Written while the drive was elsewhere")
        away.rename(watch.folder)
        _until(lambda: "while-away.txt" in watch.names(), "the file written while away")
        write(watch.folder / "after.txt", "Written after it came back", mtime=None)
        _until(lambda: "after.txt" in watch.names(), "a change seen by the new watch")
        assert "kept.txt" in watch.names()
    finally:
        stop.set()
        thread.join(timeout=DEADLINE_SECONDS)
    assert not thread.is_alive()


def _started(watch: Watch) -> tuple[threading.Event, threading.Thread]:
    runner = Runner(watch.app, watch.app.settings.data_dir, Timing(grace_seconds=0, settle_seconds=0),
                    watch.lines.append)
    stop = threading.Event()
    thread = threading.Thread(target=runner.run_forever, args=(stop,), daemon=True)
    thread.start()
    return stop, thread


def _until(done, what: str) -> None:
    ends = time.monotonic() + DEADLINE_SECONDS
    while not done():
        assert time.monotonic() < ends, f"gave up waiting for {what}"
        time.sleep(0.05)


def test_python_m_core_watch_is_the_same_command(watch: Watch, monkeypatch, capsys):
    from core.cli import main

    monkeypatch.setattr("core.cli.open_library", lambda args: watch.app)
    write(watch.folder / "a.txt", "Through python -m core")
    assert main(["watch", "add", str(watch.folder), "--collection", "cli"]) == 0
    assert main(["watch", "run", "--once", "--lang", "en"]) == 0
    assert f"added    {watch.folder}/a.txt" in capsys.readouterr().out
    assert main(["watch", "list", "--json"]) == 0
    [folder] = json.loads(capsys.readouterr().out)["folders"]
    assert folder["collection"] == "cli" and folder["documents"] == 1
    assert [d.collection for d in watch.app.documents()] == ["cli"]


def test_with_a_background_embedder_files_are_committed_once_read_and_it_is_poked(watch: Watch):
    """The app's and `watch run`'s runner: a file's words are searchable as soon as it is read; the
    embedder (here one that only counts) adds the vectors afterwards."""
    write(watch.folder / "keeper.txt", "The lighthouse keeper rows out at dawn. " * 20)
    watch.app.settings = watch.app.settings.replace(watch_settle_seconds=0)
    watch.add()
    pokes: list[int] = []

    class Counting:
        def poke(self) -> None:
            pokes.append(1)

    runner = Runner(watch.app, watch.app.settings.data_dir, Timing(grace_seconds=0, settle_seconds=0),
                    watch.lines.append, background=Counting())  # type: ignore[arg-type]
    runner.sync_once()
    assert set(watch.names()) == {"keeper.txt"} and pokes == [1]
    assert watch.app.store.vector_count() == 0 and watch.app.pending()
    assert watch.app.search("lighthouse keeper", k=1, mode="keyword")[0].source == "keeper.txt"
    runner.sync_once()
    assert pokes == [1]  # nothing new, no poke
    assert watch.app.embed_pending() == watch.app.store.chunk_count()
