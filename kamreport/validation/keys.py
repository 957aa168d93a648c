"""Rows whose key occurs more than once, found by hashing before comparing.

Sorting ten million text keys to compare neighbours takes seconds; a 64-bit hash
of each row's key, computed from the Arrow buffers eight bytes at a time, sorts
in a tenth of that. Equal keys always hash alike, so only rows whose hash occurs
twice can be repeated: those few (none in clean data) are then compared exactly.
A collision costs a little time, never a wrong answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(31)
_WORD = 8


def repeated_rows(frame: pd.DataFrame, key: list[str]) -> np.ndarray:
    """Rows whose values in ``key`` occur in another row too (``duplicated(keep=False)``).

    Rows with an empty key cell may be marked either way; the caller leaves them out.
    """
    hashes = _row_hashes(frame, key)
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


def _row_hashes(frame: pd.DataFrame, key: list[str]) -> np.ndarray | None:
    """One 64-bit hash per row of the ``key`` columns, or None when a column is of a kind
    not hashed here (then the rows are compared exactly)."""
    combined = np.zeros(len(frame), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for name in key:
            column = _column_hash(frame[name])
            if column is None:
                return None
            combined ^= column
            _mix(combined)
    return combined


def _mix(values: np.ndarray) -> np.ndarray:
    """Spread every bit of ``values`` over the whole word (in place: ten million
    fresh words per step would cost more than the arithmetic)."""
    np.multiply(values, _MULTIPLIER, out=values)
    values ^= values >> _SHIFT
    return values


def _column_hash(values: pd.Series) -> np.ndarray | None:
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return _text_hash(values.array.__arrow_array__())
    if pd.api.types.is_bool_dtype(dtype):
        return values.to_numpy(dtype=np.uint64, na_value=0)
    if pd.api.types.is_integer_dtype(dtype):
        return values.to_numpy(dtype=np.int64, na_value=0).view(np.uint64)
    if pd.api.types.is_float_dtype(dtype):
        numbers = values.to_numpy(dtype=np.float64, na_value=0.0) + 0.0  # -0.0 is 0.0
        return numbers.view(np.uint64)
    if pd.api.types.is_datetime64_dtype(dtype):
        return values.to_numpy().astype("datetime64[ns]").view(np.int64).view(np.uint64)
    return None


def _text_hash(array: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """A hash of each value's bytes and length, read eight bytes at a time."""
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    parts = []
    for chunk in chunks:
        if pa.types.is_large_string(chunk.type):
            offset_type = np.int64
        elif pa.types.is_string(chunk.type):
            offset_type = np.int32
        else:
            return None
        _, offset_buffer, data_buffer = chunk.buffers()
        offsets = np.frombuffer(offset_buffer, dtype=offset_type)
        offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1].astype(np.int64)
        data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer else np.empty(0, np.uint8)
        starts, lengths = offsets[:-1], np.diff(offsets)
        # Eight bytes from any position: the data with a zero tail, read as unaligned words.
        padded = np.zeros(len(data) + _WORD, dtype=np.uint8)
        padded[: len(data)] = data
        words = np.ndarray((len(data) + 1,), dtype="<u8", buffer=padded, strides=(1,))
        hashes = _mix(lengths.astype(np.uint64))  # a fresh array: mixed in place
        for at in range(0, int(lengths.max(initial=0)), _WORD):
            rest = lengths - at
            word = words[np.minimum(starts + at, len(data))]
            partial = rest < _WORD  # keep only this value's bytes of the last word
            keep = np.left_shift(np.uint64(1), (np.clip(rest, 0, 7) * 8).astype(np.uint64))
            word = np.where(partial, word & (keep - np.uint64(1)), word)
            hashes ^= word
            _mix(hashes)
        parts.append(hashes)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


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
