"""Give memory that is free again back to the system.

Reading and validating ten million order lines allocates and frees about half a gigabyte
of temporary arrays. glibc's allocator keeps much of that in its heap (holes between
arrays still in use), where it counts towards the process's resident memory until it is
reused, and Arrow's memory pool keeps what it freed for a while. Once the data is loaded
:func:`release_freed_memory` hands both back, so the figures computed next start from
the data itself: at 10M lines the peak of a run is about 0.15 GB lower, for a few
hundredths of a second (README, "Data at scale").

Arrow's own allocations (the data read from Parquet, its text, and what Arrow computes
while the figures run) go to jemalloc where this pyarrow has it
(:func:`use_arrow_jemalloc`): pyarrow's default, mimalloc, kept 0.3-0.45 GB more
resident at the figures' peak at 10M lines, in the same time.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import sys
from collections.abc import Callable

import pyarrow as pa


def release_freed_memory() -> None:
    """Return the freed memory of Arrow's pool and of the C heap (glibc) to the system;
    nothing where neither applies."""
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None (another C library or system)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)  # the symbols the process has loaded, the C library's too
    except OSError:
        return None
    return getattr(libc, "malloc_trim", None)


ARROW_POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"


@functools.cache
def use_arrow_jemalloc() -> str:
    """Make jemalloc Arrow's memory pool, unless the user chose one in the environment
    (``ARROW_DEFAULT_MEMORY_POOL``, Arrow's own setting) or this pyarrow was built without
    it (Windows); the name of the pool in use. Called wherever data enters (read from the
    source, or from the run cache), before it does; what was allocated before stays in
    its pool until freed."""
    if not os.environ.get(ARROW_POOL_VARIABLE):
        # pyarrow.lib.ArrowNotImplementedError, a NotImplementedError: built without it
        with contextlib.suppress(NotImplementedError):
            pa.set_memory_pool(pa.jemalloc_memory_pool())
    return pa.default_memory_pool().backend_name
