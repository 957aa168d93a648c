"""The buffers behind pandas' Arrow text: each chunk's value offsets and bytes.

pandas 3 keeps text columns in Arrow. Checks that only need to look at bytes
(is a value clean of surrounding spaces, is it upper case already, what is its
hash) read the buffers directly with numpy instead of making a Python string of
every cell, which costs seconds at ten million rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa


@dataclass(frozen=True)
class TextChunk:
    """One Arrow chunk of text: value ``i`` is ``data[offsets[i]:offsets[i + 1]]``;
    ``valid`` is None when no value is missing (a missing value has no bytes)."""

    offsets: np.ndarray  # int64, one more than the values
    data: np.ndarray  # uint8: the chunk's whole data buffer
    valid: np.ndarray | None

    @property
    def starts(self) -> np.ndarray:
        return self.offsets[:-1]

    @property
    def ends(self) -> np.ndarray:
        return self.offsets[1:]


def is_text_type(arrow_type: pa.DataType) -> bool:
    """Whether an Arrow type is text (``string`` or ``large_string``)."""
    return pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)


def is_arrow_text(values: pd.Series) -> bool:
    """Whether ``values`` is text kept in Arrow (pandas' default text from pandas 3)."""
    return isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"


def text_chunks(values: pd.Series) -> list[TextChunk] | None:
    """The chunks of Arrow text ``values``, or None when it is not plain Arrow text
    (then the caller looks at the values another way)."""
    if not is_arrow_text(values):
        return None
    array = values.array.__arrow_array__()
    chunks = []
    for chunk in array.chunks if isinstance(array, pa.ChunkedArray) else [array]:
        if pa.types.is_large_string(chunk.type):
            offset_type = np.int64
        elif pa.types.is_string(chunk.type):
            offset_type = np.int32
        else:
            return None
        _, offset_buffer, data_buffer = chunk.buffers()
        offsets = np.frombuffer(offset_buffer, dtype=offset_type)
        offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1].astype(np.int64, copy=False)
        data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer else np.empty(0, np.uint8)
        valid = chunk.is_valid().to_numpy(zero_copy_only=False) if chunk.null_count else None
        chunks.append(TextChunk(offsets, data, valid))
    return chunks
