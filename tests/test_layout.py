"""The output layout: paths cannot escape outputs/, languages never share a folder, a
folder holds exactly its last run's files, writes are atomic and get the user's umask,
and what killed runs left behind is removed."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import time
from pathlib import Path

import pytest

from kamreport.layout import (
    Layout,
    inside,
    make_staging,
    publish,
    read_manifest,
    remove_stale_staging,
    run_file,
    safe_dir_name,
    write_staged,
)
from kamreport.outputs import atomic_write_bytes, atomic_write_json, atomic_write_text

AS_OF = dt.date(2026, 9, 30)


@pytest.mark.parametrize(
    "bad",
    ["../../etc", "..", ".", "/etc/passwd", "a/../../b", "KA 01/x", "~root", "C:\\Windows", ""],
)
def test_unsafe_ids_map_inside_the_parent(tmp_path, bad):
    name = safe_dir_name(bad)
    assert "/" not in name and "\\" not in name and name not in ("", ".", "..")
    inside(tmp_path, tmp_path / name)


def test_plain_ids_are_kept():
    assert safe_dir_name("KA0001") == "KA0001"


def test_distinct_unsafe_ids_stay_distinct():
    assert safe_dir_name("a/b") != safe_dir_name("a?b")


def test_inside_rejects_escape(tmp_path):
    with pytest.raises(ValueError):
        inside(tmp_path, tmp_path / ".." / "x")


def test_atomic_write_leaves_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    atomic_write_text(target, "good")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("kamreport.outputs.os.replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write_text(target, "half")
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_removed_staging_folder_does_not_come_back(tmp_path):
    """An interrupted run removes its staging folder while its kernel may still be writing
    the report: the kernel's write fails instead of making the folder again (debris)."""
    staging = make_staging(tmp_path / "KA0001")
    staging.rmdir()
    with pytest.raises(FileNotFoundError):
        write_staged(staging, {"account": "KA0001"}, {"report.html": "late"})
    assert not staging.exists()
    assert list(tmp_path.iterdir()) == []


def stage(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(name)
    return folder


def test_publish_writes_the_manifest_last_and_removes_staging(tmp_path):
    staging, target = stage(tmp_path / "s", "report.html", "a.ipynb"), tmp_path / "t"
    moved = publish(staging, target, {"outputs": ["a.ipynb", "report.html", "manifest.json"]})
    assert [p.name for p in moved][-1] == "manifest.json"
    assert not staging.exists()
    assert sorted(p.name for p in target.iterdir()) == ["a.ipynb", "manifest.json", "report.html"]


def test_a_folder_holds_exactly_the_files_of_its_last_run(tmp_path):
    """An html+pdf run, then an html-only run: the old PDF goes, a user's own file stays."""
    target = tmp_path / "t"
    names = ["report.html", "report.pdf", "manifest.json"]
    publish(stage(tmp_path / "s1", "report.html", "report.pdf"), target, {"outputs": names})
    (target / "notes.txt").write_text("mine")
    publish(stage(tmp_path / "s2", "report.html"), target, {"outputs": names[::2]})
    assert sorted(p.name for p in target.iterdir()) == ["manifest.json", "notes.txt", "report.html"]
    assert read_manifest(target)["outputs"] == ["report.html", "manifest.json"]


def test_a_manifest_cannot_make_publish_delete_outside_its_folder(tmp_path):
    target = stage(tmp_path / "t", "report.html")
    (tmp_path / "keep.txt").write_text("x")
    outputs = ["../keep.txt", "/etc/hostname", "report.html"]
    (target / "manifest.json").write_text(json.dumps({"outputs": outputs}))
    publish(stage(tmp_path / "s", "other.html"), target, {"outputs": ["other.html"]})
    assert (tmp_path / "keep.txt").exists()


def test_run_file_needs_the_manifest_to_list_it_in_the_same_language_and_data(tmp_path):
    folder = stage(tmp_path / "t", "report.html", "report.pdf")
    assert run_file(folder, "report.html") is None  # no manifest: not a run's output
    manifest = {"outputs": ["report.html", "manifest.json"], "locale": "en", "data_hash": "h1"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert run_file(folder, "report.html", locale="en", data_hash="h1") == folder / "report.html"
    assert run_file(folder, "report.pdf", locale="en") is None  # left by an older run
    assert run_file(folder, "report.html", locale="zh-CN") is None
    assert run_file(folder, "report.html", data_hash="h2") is None


def test_each_language_and_date_has_its_own_folders(tmp_path):
    en, zh = Layout(tmp_path, AS_OF, "en"), Layout(tmp_path, AS_OF, "zh-CN")
    assert en.customer_dir("KA1") == tmp_path / "2026-09-30" / "en" / "customers" / "KA1"
    assert zh.customer_dir("KA1") != en.customer_dir("KA1")
    assert en.portfolio_dir != zh.portfolio_dir and en.index_file != zh.index_file
    assert en.email_dir("portfolio") != zh.email_dir("portfolio")
    assert en.send_log == zh.send_log == tmp_path / "email" / "send-log.jsonl"
    assert en.customer_dir("../../etc").parent == en.run_dir / "customers"


@pytest.fixture
def umask():
    """Run the test under a chosen umask; the process's own comes back afterwards."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    ("mask", "file_mode", "dir_mode"),
    [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700), (0o002, 0o664, 0o775)],
)
def test_outputs_get_the_users_umask(tmp_path, umask, mask, file_mode, dir_mode):
    """Files are 0o666 & ~umask and folders 0o777 & ~umask, as any program's are; before,
    every written file was 0600 whatever the umask, so colleagues could not open it."""
    umask(mask)
    written = [
        atomic_write_text(tmp_path / "a" / "report.html", "x"),
        atomic_write_bytes(tmp_path / "a" / "targets.xlsx", b"x"),
        atomic_write_json(tmp_path / "a" / "m.json", {}),
    ]
    assert [oct(mode(p)) for p in written] == [oct(file_mode)] * 3
    target = tmp_path / "out" / "customers" / "KA1"
    staging = make_staging(target)
    atomic_write_text(staging / "report.html", "x")
    moved = publish(staging, target, {"outputs": ["report.html", "manifest.json"]})
    assert {oct(mode(p)) for p in moved} == {oct(file_mode)}
    assert oct(mode(target)) == oct(dir_mode) and oct(mode(target.parent)) == oct(dir_mode)


def test_stale_staging_and_temporary_files_of_killed_runs_are_removed(tmp_path):
    target = tmp_path / "customers" / "KA0001"
    target.mkdir(parents=True)
    old = [make_staging(target), make_staging(target)]
    (old[0] / "report.html").write_text("half")
    half_written = target / ".manifest.json.x1y2.tmp"
    half_written.write_text("{")
    an_hour_ago = time.time() - 3600
    for path in [*old, half_written]:
        os.utime(path, (an_hour_ago, an_hour_ago))
    started = time.time() - 60
    current = make_staging(target)  # made after this run started: another run's, kept
    neighbour = make_staging(tmp_path / "customers" / "KA0002")  # another report's
    os.utime(neighbour, (an_hour_ago, an_hour_ago))
    (target / "report.html").write_text("good")
    removed = remove_stale_staging(target, older_than=started)
    assert sorted(removed) == sorted([*old, half_written])
    assert current.is_dir() and neighbour.is_dir()
    assert (target / "report.html").read_text() == "good"
    assert remove_stale_staging(tmp_path / "nowhere" / "KA9") == []
