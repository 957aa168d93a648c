"""Output paths cannot escape outputs/, and writes are atomic."""

from __future__ import annotations

from pathlib import Path

import pytest

from kamreport.outputs import atomic_write_text, publish
from kamreport.paths import inside, safe_dir_name


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


def test_publish_moves_manifest_last(tmp_path):
    staging, target = tmp_path / "s", tmp_path / "t"
    staging.mkdir()
    for name in ("manifest.json", "report.html", "a.ipynb"):
        (staging / name).write_text(name)
    moved = publish(staging, target)
    assert [p.name for p in moved][-1] == "manifest.json"
    assert not staging.exists()
    assert sorted(p.name for p in Path(target).iterdir()) == [
        "a.ipynb",
        "manifest.json",
        "report.html",
    ]
