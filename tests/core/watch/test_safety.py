"""What a watch must never do: read work in progress, follow a link out of the folder, stop at one
unreadable file, delete the library's copies because a drive went away or a cache was lost, or let one
file's new version replace another file's document."""

from __future__ import annotations

import builtins
import hashlib
import os
import shutil

import pytest

from core.watch import scan
from core.watch.state import STATE_FILE
from core.watch.sync import Timing
from tests.core.watch.helpers import OLD, Watch, watch_cli, write


def test_hidden_lock_partial_and_backup_files_are_skipped(watch: Watch):
    for name in (".hidden.txt", ".git/notes.txt", "~$report.docx", ".~lock.report.docx#", "video.txt.part",
                 "paper.pdf.crdownload", "save.txt.tmp", "book.pdf.download", "notes.txt~", "sub/.cache/x.txt"):
        write(watch.folder / name, "Work in progress")
    write(watch.folder / "sub" / "real.txt", "A finished document")
    watch.add()
    assert [rel for rel, _ in watch.sync().added] == ["sub/real.txt"]
    assert watch.ingested == ["real.txt"]


def test_a_file_still_being_written_waits_for_the_next_pass(watch: Watch):
    watch.timing = Timing(grace_seconds=0, settle_seconds=5)
    path = write(watch.folder / "download.txt", "Arriving", mtime=None)  # written just now
    watch.add()
    report = watch.sync()
    assert report.waiting == ["download.txt"] and report.added == [] and watch.ingested == []
    assert report.next_due is not None and report.next_due > watch.clock.now
    watch.clock.now = os.stat(path).st_mtime + 6  # quiet for longer than the settling time
    assert [rel for rel, _ in watch.sync().added] == ["download.txt"]


def test_a_file_that_changes_while_it_is_hashed_waits(watch: Watch, monkeypatch):
    path = write(watch.folder / "growing.txt", "Growing")
    watch.add()
    real = scan.hash_file

    def hash_and_grow(target):
        digest = real(target)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(" and growing")
        return digest

    monkeypatch.setattr("core.watch.sync.hash_file", hash_and_grow)
    assert watch.sync().waiting == ["growing.txt"] and watch.ingested == []


def _unreadable(watch: Watch, monkeypatch, path) -> None:
    """chmod 000; as root that changes nothing, so opening it is made to fail instead."""
    path.chmod(0)
    if os.geteuid() == 0:
        real_open = builtins.open

        def refusing(file, *args, **kwargs):
            if str(file) == str(path):
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(scan, "open", refusing, raising=False)


def test_a_permission_error_is_reported_and_the_pass_goes_on(watch: Watch, monkeypatch):
    locked = write(watch.folder / "a-locked.txt", "Private")
    write(watch.folder / "b-open.txt", "Public")
    _unreadable(watch, monkeypatch, locked)
    watch.add()
    report = watch.sync()
    assert report.failed == [("a-locked.txt", "cannot read file (Permission denied)")]
    assert [rel for rel, _ in report.added] == ["b-open.txt"]
    assert watch.sync().failed == []  # not retried while unchanged
    monkeypatch.delattr(scan, "open", raising=False)
    locked.chmod(0o644)  # a permission change is a change: retried
    assert [rel for rel, _ in watch.sync().added] == ["a-locked.txt"]


def test_an_unreadable_sub_folder_deletes_nothing(watch: Watch, monkeypatch):
    inside = write(watch.folder / "private" / "notes.txt", "Notes")
    watch.add()
    watch.sync()
    real_scandir = os.scandir

    def refusing(path):
        if str(path) == str(inside.parent):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(scan.os, "scandir", refusing)
    report = watch.sync()
    assert report.missing == [] and report.removed == [] and list(watch.names()) == ["notes.txt"]


def test_a_folder_that_disappears_pauses_and_deletes_nothing(watch: Watch, tmp_path):
    write(watch.folder / "a.txt", "Kept")
    write(watch.folder / "b.txt", "Kept too")
    watch.add()
    watch.sync()
    away = watch.folder.rename(tmp_path / "unmounted")
    report = watch.sync()
    assert report.paused and report.removed == [] and report.missing == []
    assert set(watch.names()) == {"a.txt", "b.txt"}
    assert any(line.startswith(f"paused   {watch.folder}") for line in watch.lines)
    away.rename(watch.folder)  # the drive is back: nothing to do
    assert watch.sync().lines() == [] and len(watch.ingested) == 2


def test_an_empty_mount_point_on_another_device_deletes_nothing(watch: Watch):
    write(watch.folder / "a.txt", "On the external drive")
    watch.add()
    watch.sync()
    assert watch.runner is not None
    watch.runner.state.folders[str(watch.folder)].device = -1  # the drive's device, now unmounted
    (watch.folder / "a.txt").unlink()  # what is left is the empty mount point
    report = watch.sync()
    assert "another device" in report.paused and watch.names().keys() == {"a.txt"}


def test_a_damaged_state_file_is_rebuilt_and_nothing_is_deleted(watch: Watch):
    write(watch.folder / "a.txt", "Stays")
    write(watch.folder / "b.txt", "Deleted while the state was lost")
    watch.add()
    watch.sync()
    (watch.app.settings.data_dir / STATE_FILE).write_text("{garbage", encoding="utf-8")
    (watch.folder / "b.txt").unlink()
    report = watch.sync(fresh=True)
    assert any("could not be read" in line and "nothing is removed" in line for line in watch.lines)
    assert report.removed == [] and set(watch.names()) == {"a.txt", "b.txt"}
    assert len(watch.ingested) == 2  # rebuilt by hashing: nothing read or embedded again
    assert watch.sync(fresh=True).lines() == []  # the rebuilt state was saved
    (watch.folder / "a.txt").unlink()  # a.txt is known again as the folder's own: it goes with its file
    assert watch.sync().removed == [("a.txt", "a.txt")]


def test_symlinks_are_never_followed(watch: Watch, tmp_path):
    outside = tmp_path / "outside"
    secret = write(outside / "secret.txt", "Outside the watched folder")
    before = secret.stat()
    (watch.folder / "link.txt").symlink_to(secret)
    (watch.folder / "linked-dir").symlink_to(outside, target_is_directory=True)
    write(watch.folder / "inside.txt", "Inside")
    (watch.folder / "inside-link.txt").symlink_to(watch.folder / "inside.txt")
    watch.add()
    report = watch.sync()
    assert [rel for rel, _ in report.added] == ["inside.txt"] and watch.ingested == ["inside.txt"]
    assert secret.stat().st_mtime_ns == before.st_mtime_ns and secret.stat().st_atime_ns == before.st_atime_ns


def test_same_names_in_two_sub_folders_never_replace_each_other(watch: Watch):
    write(watch.folder / "a" / "report.txt", "The report of team A")
    write(watch.folder / "b" / "report.txt", "The report of team B")
    watch.add()
    report = watch.sync()
    assert sorted(report.added) == [("a/report.txt", "report.txt"), ("b/report.txt", "report (b).txt")]
    a_sha = watch.names()["report.txt"]
    write(watch.folder / "b" / "report.txt", "The report of team B, second version", mtime=OLD + 9)
    assert watch.sync().replaced == ["b/report.txt"]
    names = watch.names()
    assert set(names) == {"report.txt", "report (b).txt"} and names["report.txt"] == a_sha
    assert any(line.endswith("b/report.txt as report (b).txt") for line in watch.lines)


def test_a_document_uploaded_by_hand_is_never_replaced_or_deleted(watch: Watch):
    by_hand = watch.app.ingest_file("report.txt", b"The report as uploaded by hand, not in any folder. " * 3)
    write(watch.folder / "report.txt", "The watched folder's own report")
    (watch.folder / "copy.txt").write_bytes(b"The report as uploaded by hand, not in any folder. " * 3)
    watch.add(collection="work")
    report = watch.sync()
    assert report.added == [("report.txt", "report (2).txt")]
    assert report.linked == [("copy.txt", "report.txt")]
    assert watch.names()["report.txt"] == by_hand.sha256
    (watch.folder / "copy.txt").unlink()
    assert watch.sync().removed == []
    assert watch.names()["report.txt"] == by_hand.sha256  # it was there before the folder was watched


def test_the_files_in_the_folder_are_never_written(watch: Watch, monkeypatch):
    paths = [write(watch.folder / name, f"Original {name}") for name in ("a.txt", "b.txt")]
    before = {p: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in paths}
    real_open = builtins.open
    modes = []

    def spying(file, mode="r", *args, **kwargs):
        if str(file).startswith(str(watch.folder)):
            modes.append(mode)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(scan, "open", spying, raising=False)
    watch.add()
    watch.sync()
    write(paths[0], "Changed", mtime=OLD + 1)
    before[paths[0]] = (paths[0].stat().st_mtime_ns, hashlib.sha256(paths[0].read_bytes()).hexdigest())
    watch.sync()
    assert modes and set(modes) == {"rb"}
    assert {p: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in paths} == before


def test_removing_a_watched_folder_keeps_its_documents(watch: Watch):
    write(watch.folder / "a.txt", "Kept after the folder is no longer watched")
    watch.add()
    watch.sync()
    assert watch_cli(watch.app, "remove", str(watch.folder)) == 0
    shutil.rmtree(watch.folder)
    assert watch.runner is not None and watch.runner.sync_once() == []
    assert list(watch.names()) == ["a.txt"]


def test_a_file_over_the_upload_limit_is_refused_without_being_read(watch: Watch, monkeypatch):
    watch.app.settings = watch.app.settings.replace(max_upload_mb=1)
    big = watch.folder / "huge.log"
    big.write_bytes(b"a line of a log that keeps growing\n" * 40_000)  # 1.4 MB
    os.utime(big, (OLD, OLD))
    monkeypatch.setattr("core.watch.sync.hash_file", lambda path: pytest.fail(f"{path} was read"))
    watch.add()
    [(rel, reason)] = watch.sync().failed
    assert rel == "huge.log" and "larger than the 1 MB limit (max_upload_mb)" in reason
