"""Freed memory goes back to the system after loading (glibc's heap, Arrow's pool)."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from kamreport.heap import _malloc_trim, release_freed_memory


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or _malloc_trim() is None,
    reason="glibc's malloc_trim only (Linux with glibc)",
)
def test_holes_left_in_the_heap_go_back_to_the_system():
    # 64 KB blocks stay in the heap (below the allocator's mapping threshold); freeing
    # every other one leaves 60 MB of holes that only a trim can give back
    blocks = [np.ones(8 * 1024) for _ in range(2000)]
    del blocks[::2]
    before = resident_mb()
    release_freed_memory()
    assert resident_mb() < before - 30, (before, resident_mb())
    assert all(block[0] == 1 for block in blocks)  # what is still used is untouched


def test_release_is_harmless_without_anything_to_release():
    release_freed_memory()
    release_freed_memory()


def test_loading_releases_what_reading_and_validating_freed(monkeypatch, sample_dir):
    import kamreport.loading as loading
    from kamreport.params import DataParams

    calls = []
    monkeypatch.setattr(loading, "release_freed_memory", lambda: calls.append(1))
    dataset, report = loading.check_dataset(DataParams(source=str(sample_dir)))
    assert report.ok and dataset is not None and calls == [1]
