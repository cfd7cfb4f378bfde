"""ui/watched.py's check of a typed folder path, before core's own checks: one sentence for each refusal."""

from pathlib import Path

from ui.watched import refusal


def test_a_typed_path_must_be_an_existing_folder(tmp_path: Path):
    (tmp_path / "note.txt").write_text("x")
    assert refusal("  ") == "Type the path of a folder first."
    assert refusal(str(tmp_path / "nowhere")).endswith(" does not exist on this computer.")
    assert refusal(str(tmp_path / "note.txt")).endswith(" is a file, not a folder.")
    assert refusal(f"  {tmp_path}  ") is None


def test_sync_now_while_the_apps_runner_is_starting_waits_for_it_not_blaming_another_process(app, monkeypatch):
    """The runner's thread takes the run lock before it builds its runner: a click in between found no
    runner, tried the lock (held by this very process) and said another process kept the folders."""
    import threading

    from core.watch.runner import Runner
    from ui import watched

    release = threading.Event()
    build = Runner.__post_init__

    def slow_build(self) -> None:
        release.wait(10)
        build(self)

    monkeypatch.setattr(Runner, "__post_init__", slow_build)
    monkeypatch.setattr(watched, "STARTED_SECONDS", 0.05)
    keeper = watched.Keeper(app)
    try:
        keeper.start()
        assert keeper.running and keeper.runner is None  # the lock is taken, the runner not yet built
        threading.Timer(0.3, release.set).start()
        assert keeper.sync_now() == []  # a pass ran (no folder is watched), not "another process"
        assert not keeper.elsewhere
    finally:
        release.set()
        keeper.close()


def test_sync_now_says_another_process_when_one_holds_the_lock(app):
    from core.watch.runner import hold_run_lock
    from ui import watched

    lock = hold_run_lock(app.settings.data_dir)
    keeper = watched.Keeper(app)
    try:
        done: list[object] = []
        import threading

        worker = threading.Thread(target=lambda: done.append(keeper.start() or keeper.sync_now()))
        worker.start()  # another thread: the run lock counts per thread, as it does per process
        worker.join(30)
        assert done == [None] and keeper.elsewhere
    finally:
        keeper.close()
        lock.release()
