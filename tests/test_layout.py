"""The output layout: paths cannot escape outputs/, languages never share a folder, a
folder holds exactly its last run's files, and writes are atomic."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kamreport.layout import Layout, inside, publish, read_manifest, run_file, safe_dir_name
from kamreport.outputs import atomic_write_text

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
