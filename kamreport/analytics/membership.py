"""Fast membership tests for id columns: which values occur in a set of ids.

pandas 3 keeps text in Arrow, but ``Series.isin`` and ``Index.isin`` on Arrow
text first turn every candidate value into a Python object, which costs
seconds when the candidates are millions of ids (an order line's account, an
activity's contact). ``is_in`` gives the same answer and stays in Arrow when
both sides are Arrow text; anything else goes through pandas unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _arrow_text(values: Any) -> pa.Array | pa.ChunkedArray | None:
    """The Arrow text array behind a Series, Index or array, or None when it has none."""
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.StringDtype):
        arrow_backed = dtype.storage == "pyarrow"
    elif isinstance(dtype, pd.ArrowDtype):
        arrow_backed = pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(
            dtype.pyarrow_dtype
        )
    else:
        arrow_backed = False
    if not arrow_backed:
        return None
    array = values.array if isinstance(values, pd.Series | pd.Index) else values
    return array.__arrow_array__()


def is_in(values: pd.Series | pd.Index, allowed: Iterable[Any]) -> np.ndarray:
    """Boolean array: for each of ``values``, whether it occurs in ``allowed``.

    The same result as ``values.isin(allowed)`` (a missing value matches only when
    ``allowed`` holds one too), computed in Arrow when both are Arrow text.
    """
    column, candidates = _arrow_text(values), _arrow_text(allowed)
    if column is None or candidates is None:
        return np.asarray(values.isin(allowed), dtype=bool)
    value_set = pc.unique(candidates)
    if isinstance(value_set, pa.ChunkedArray):
        value_set = value_set.combine_chunks()
    if len(value_set) == 0:
        return np.zeros(len(column), dtype=bool)
    result = pc.is_in(column, value_set=value_set.cast(column.type))
    return np.asarray(result.to_numpy(zero_copy_only=False), dtype=bool)


def positions(values: pd.Series, index: pd.Index) -> np.ndarray:
    """For each of ``values``, its position in ``index`` (-1 when absent).

    The same as ``index.get_indexer(values)``, but each distinct value is looked
    up once: Arrow text is encoded in Arrow instead of becoming one Python object
    per row.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return index.get_indexer(uniques)[codes]
