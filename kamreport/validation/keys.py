"""Rows whose key occurs more than once, found by hashing before comparing.

Sorting ten million text keys to compare neighbours takes seconds; a 64-bit hash
of each row's key (:mod:`kamreport.row_hashes`, read from the Arrow buffers)
sorts in a tenth of that. Equal keys always hash alike, so only rows whose hash
occurs twice can be repeated: those few (none in clean data) are then compared
exactly. A collision costs a little time, never a wrong answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kamreport.row_hashes import row_hashes


def repeated_rows(frame: pd.DataFrame, key: list[str]) -> np.ndarray:
    """Rows whose values in ``key`` occur in another row too (``duplicated(keep=False)``).

    Rows with an empty key cell may be marked either way; the caller leaves them out.
    """
    hashes = row_hashes(frame, key)
    if hashes is None:
        return _repeated_exactly(frame, key)
    ordered = np.sort(hashes)
    shared = ordered[1:][ordered[1:] == ordered[:-1]]
    repeated = np.zeros(len(frame), dtype=bool)
    if len(shared):
        candidates = np.isin(hashes, shared)
        subset = frame.loc[candidates, key].reset_index(drop=True)
        repeated[candidates] = _repeated_exactly(subset, key)
    return repeated


def _repeated_exactly(frame: pd.DataFrame, key: list[str]) -> np.ndarray:
    """Rows whose key occurs more than once, by sorting the keys in Arrow and comparing
    neighbours (faster than hashing millions of distinct ids in pandas)."""
    if len(frame) < 2:
        return np.zeros(len(frame), dtype=bool)
    try:
        keys = pa.table({k: pa.array(frame[k]) for k in key})
    except (pa.ArrowException, TypeError, ValueError):
        return frame.duplicated(subset=key, keep=False).to_numpy()
    order = pc.sort_indices(keys, sort_keys=[(k, "ascending") for k in key])
    ranked = keys.take(order)
    same = np.ones(len(frame) - 1, dtype=bool)
    for k in key:
        column = ranked[k]
        equal = pc.equal(column[1:], column[:-1]).fill_null(False)
        same &= equal.to_numpy(zero_copy_only=False)
    marked = np.zeros(len(frame), dtype=bool)
    marked[1:] |= same
    marked[:-1] |= same
    repeated = np.empty(len(frame), dtype=bool)
    repeated[order.to_numpy()] = marked
    return repeated
