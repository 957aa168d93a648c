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
    release_freed_memory()  # first: its first call sets up Arrow's pool, in the heap
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


def _pool_in_fresh_process(environment: dict[str, str]) -> str:
    """The Arrow pool a fresh process uses after kamreport's choice (the choice is made
    once per process, so each case gets its own)."""
    import subprocess

    code = "from kamreport.heap import use_arrow_jemalloc; print(use_arrow_jemalloc())"
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env | environment, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return done.stdout.strip()


def test_arrow_allocates_with_jemalloc_where_pyarrow_has_it():
    import pyarrow as pa

    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        expected = pa.default_memory_pool().backend_name  # left as it is (Windows builds)
    else:
        expected = "jemalloc"
    assert _pool_in_fresh_process({}) == expected


def test_a_pool_chosen_in_the_environment_is_kept():
    assert _pool_in_fresh_process({"ARROW_DEFAULT_MEMORY_POOL": "system"}) == "system"


def test_loading_chooses_the_pool_before_reading(monkeypatch, sample_dir):
    import kamreport.loading as loading
    from kamreport.params import DataParams

    order = []
    monkeypatch.setattr(loading, "use_arrow_jemalloc", lambda: order.append("pool"))
    read = loading.read_source
    monkeypatch.setattr(
        loading, "read_source", lambda *a, **k: order.append("read") or read(*a, **k)
    )
    loading.check_dataset(DataParams(source=str(sample_dir)))
    assert order == ["pool", "read"]


def test_data_from_the_run_cache_is_read_into_the_chosen_pool_too(monkeypatch, tmp_path):
    import kamreport.cache as cache
    import kamreport.heap as heap

    order = []
    monkeypatch.setattr(heap, "use_arrow_jemalloc", lambda: order.append("pool"))
    monkeypatch.setattr(cache, "load_pickle", lambda path: order.append("read"))
    assert cache.read_dataset(tmp_path / "data-x.pkl") is None
    assert order == ["pool", "read"]
