"""A 64-bit hash of each row of a table, read from the columns' own buffers.

pandas' ``hash_pandas_object`` turns Arrow text into one Python string per cell
first: at ten million order lines that is seconds and gigabytes. Here text is
hashed from the Arrow buffers eight bytes at a time and numbers, dates and
flags by their bits, a block of rows at a time, so a table of ten million rows hashes
in about a second with one array of a word per row; a categorical hashes as its values.
Columns of other kinds are hashed by pandas.

Equal rows always hash alike (the same values in the same column order, whatever
the Arrow chunks or offset width); different rows hash alike by chance only. Two
uses: finding repeated keys (``kamreport.validation.keys``, where rows whose hash
repeats are then compared exactly) and naming a dataset's content
(``Dataset.content_hash``, where a missing value and a zero hash apart).
"""

from __future__ import annotations

from collections.abc import Iterator, Sized

import numpy as np
import pandas as pd

from kamreport.arrow_text import TextChunk, text_chunks

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(31)
_MISSING = np.uint64(0xC2B2AE3D27D4EB4F)
_WORD = 8
_BLOCK = 1 << 20  # rows hashed at a time: the temporaries are a million words each


def row_hashes(
    frame: pd.DataFrame, columns: list[str], *, missing_apart: bool = False
) -> np.ndarray | None:
    """One hash per row of ``columns``. Without ``missing_apart`` a missing value may hash
    like a zero or an empty text, and a column of a kind not hashed here gives None
    (the caller compares such rows another way); with it, missing values hash apart
    and every column is hashed (by pandas when not here).

    Each column is hashed a block of rows at a time (every row's hash is its own), so
    ten million rows need one array of a word per row and a few of a block each, not
    several of ten million words; the content hash is computed while the figures are."""
    combined = np.zeros(len(frame), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for name in columns:
            values = frame[name]
            blocks = _column_blocks(values)
            if blocks is None:
                if not missing_apart:
                    return None
                blocks = [(0, pd.util.hash_pandas_object(values, index=False).to_numpy())]
            for start, column in blocks:
                stop = start + len(column)
                if missing_apart:
                    missing = values.iloc[start:stop].isna().to_numpy()
                    column = column ^ (missing * _MISSING)  # new: ``column`` may be the data
                part = combined[start:stop]
                part ^= column
                _mix(part)
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
    blocks = _column_blocks(values)
    if blocks is None:
        return None
    parts = [hashes for _, hashes in blocks]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


Blocks = Iterator[tuple[int, np.ndarray]]  # (first row, the hashes of the rows from it)


def _column_blocks(values: pd.Series) -> Blocks | None:
    """:func:`column_hashes` a block of rows at a time, or None for a column of another
    kind. A block's array may be a view of the column's own data: not to be changed."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):  # text as its values: each category hashed once
        if not pd.api.types.is_string_dtype(dtype.categories.dtype):
            return None
        categories = np.append(np.asarray(dtype.categories, dtype=object), None)
        distinct = column_hashes(pd.Series(categories, dtype=dtype.categories.dtype))
        if distinct is None:
            return None
        codes = values.cat.codes.to_numpy()
        return ((start, distinct[codes[start : start + _BLOCK]]) for start in _starts(codes))
    chunks = text_chunks(values)
    if chunks is not None:
        return _text_blocks(chunks)
    if pd.api.types.is_bool_dtype(dtype):
        convert = _flags
    elif pd.api.types.is_integer_dtype(dtype):
        convert = _integers
    elif pd.api.types.is_float_dtype(dtype):
        convert = _floats
    elif pd.api.types.is_datetime64_dtype(dtype):
        convert = _ticks
    else:
        return None
    return ((start, convert(values.iloc[start : start + _BLOCK])) for start in _starts(values))


def _starts(values: Sized) -> range:
    return range(0, len(values), _BLOCK)


def _flags(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype=np.uint64, na_value=0)


def _integers(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype=np.int64, na_value=0).view(np.uint64)


def _floats(values: pd.Series) -> np.ndarray:
    numbers = values.to_numpy(dtype=np.float64, na_value=0.0)
    numbers = np.where(np.isnan(numbers), 0.0, numbers) + 0.0  # -0.0 is 0.0
    return numbers.view(np.uint64)


def _ticks(values: pd.Series) -> np.ndarray:
    ticks = values.to_numpy().astype("datetime64[ns]").view(np.int64)
    return np.where(ticks == np.iinfo(np.int64).min, 0, ticks).view(np.uint64)


def _text_blocks(chunks: list[TextChunk]) -> Blocks:
    """A hash of each value's bytes and length, read eight bytes at a time; a block of
    at most :data:`_BLOCK` values of one chunk at a time."""
    row = 0
    for chunk in chunks:
        count = len(chunk.offsets) - 1
        for first in range(0, count, _BLOCK):
            last = min(first + _BLOCK, count)
            offsets = chunk.offsets[first : last + 1]
            data = chunk.data[offsets[0] : offsets[-1]]  # the block's bytes only
            yield row + first, _text_hash(offsets - offsets[0], data)
        row += count


def _text_hash(offsets: np.ndarray, data: np.ndarray) -> np.ndarray:
    """The hash of value ``i``, ``data[offsets[i]:offsets[i + 1]]``, and its length: one
    round per eight of its bytes, so a value hashes alike whatever values share its block."""
    starts = offsets[:-1]
    lengths = offsets[1:] - starts
    with np.errstate(over="ignore"):
        # Eight bytes from any position: the data with a zero tail, as unaligned words.
        padded = np.zeros(len(data) + _WORD, dtype=np.uint8)
        padded[: len(data)] = data
        words = np.ndarray((len(data) + 1,), dtype="<u8", buffer=padded, strides=(1,))
        hashes = _mix(lengths.astype(np.uint64))  # a fresh array: mixed in place
        for at in range(0, int(lengths.max(initial=0)), _WORD):
            longer = lengths > at  # the values with bytes from ``at`` on
            if longer.all():
                hashes ^= _word(words, starts + at, lengths - at)
                _mix(hashes)
            else:
                chosen = np.flatnonzero(longer)
                part = hashes[chosen]
                part ^= _word(words, starts[chosen] + at, lengths[chosen] - at)
                hashes[chosen] = _mix(part)
    return hashes


def _word(words: np.ndarray, at: np.ndarray, rest: np.ndarray) -> np.ndarray:
    """The eight bytes from each of ``at``, only the value's own when ``rest`` (its bytes
    from there) is fewer."""
    word = words[at]
    partial = rest < _WORD
    keep = np.left_shift(np.uint64(1), (np.clip(rest, 0, 7) * 8).astype(np.uint64))
    return np.where(partial, word & (keep - np.uint64(1)), word)
