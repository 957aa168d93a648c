"""A 64-bit hash of each row of a table, read from the columns' own buffers.

pandas' ``hash_pandas_object`` turns Arrow text into one Python string per cell
first: at ten million order lines that is seconds and gigabytes. Here text is
hashed from the Arrow buffers eight bytes at a time and numbers, dates and
flags by their bits, so a table of ten million rows hashes in about a second
with a few arrays of one word per row; a categorical hashes as its values. Columns of
other kinds are hashed by pandas.

Equal rows always hash alike (the same values in the same column order, whatever
the Arrow chunks or offset width); different rows hash alike by chance only. Two
uses: finding repeated keys (``kamreport.validation.keys``, where rows whose hash
repeats are then compared exactly) and naming a dataset's content
(``Dataset.content_hash``, where a missing value and a zero hash apart).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamreport.arrow_text import TextChunk, text_chunks

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(31)
_MISSING = np.uint64(0xC2B2AE3D27D4EB4F)
_WORD = 8


def row_hashes(
    frame: pd.DataFrame, columns: list[str], *, missing_apart: bool = False
) -> np.ndarray | None:
    """One hash per row of ``columns``. Without ``missing_apart`` a missing value may hash
    like a zero or an empty text, and a column of a kind not hashed here gives None
    (the caller compares such rows another way); with it, missing values hash apart
    and every column is hashed (by pandas when not here)."""
    combined = np.zeros(len(frame), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for name in columns:
            values = frame[name]
            column = column_hashes(values)
            if column is None:
                if not missing_apart:
                    return None
                column = pd.util.hash_pandas_object(values, index=False).to_numpy()
            elif missing_apart:
                column = column ^ (values.isna().to_numpy() * _MISSING)
            combined ^= column
            _mix(combined)
    return combined


def _mix(values: np.ndarray) -> np.ndarray:
    """Spread every bit of ``values`` over the whole word (in place: ten million fresh
    words per step would cost more than the arithmetic)."""
    np.multiply(values, _MULTIPLIER, out=values)
    values ^= values >> _SHIFT
    return values


def column_hashes(values: pd.Series) -> np.ndarray | None:
    """Per value: its bits (numbers, dates, flags; a missing one as 0) or a hash of its
    bytes (Arrow text); None for a column of another kind."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):  # text as its values: each category hashed once
        if not pd.api.types.is_string_dtype(dtype.categories.dtype):
            return None
        categories = np.append(np.asarray(dtype.categories, dtype=object), None)
        distinct = column_hashes(pd.Series(categories, dtype=dtype.categories.dtype))
        return None if distinct is None else distinct[values.cat.codes.to_numpy()]
    chunks = text_chunks(values)
    if chunks is not None:
        return _text_hash(chunks)
    if pd.api.types.is_bool_dtype(dtype):
        return values.to_numpy(dtype=np.uint64, na_value=0)
    if pd.api.types.is_integer_dtype(dtype):
        return values.to_numpy(dtype=np.int64, na_value=0).view(np.uint64)
    if pd.api.types.is_float_dtype(dtype):
        numbers = values.to_numpy(dtype=np.float64, na_value=0.0)
        numbers = np.where(np.isnan(numbers), 0.0, numbers) + 0.0  # -0.0 is 0.0
        return numbers.view(np.uint64)
    if pd.api.types.is_datetime64_dtype(dtype):
        ticks = values.to_numpy().astype("datetime64[ns]").view(np.int64)
        return np.where(ticks == np.iinfo(np.int64).min, 0, ticks).view(np.uint64)
    return None


def _text_hash(chunks: list[TextChunk]) -> np.ndarray:
    """A hash of each value's bytes and length, read eight bytes at a time."""
    parts = []
    with np.errstate(over="ignore"):
        for chunk in chunks:
            data, starts = chunk.data, chunk.starts
            lengths = chunk.ends - starts
            # Eight bytes from any position: the data with a zero tail, as unaligned words.
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
