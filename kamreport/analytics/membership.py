"""Fast membership tests for id columns: which values occur in a set of ids.

pandas 3 keeps text in Arrow, but ``Series.isin`` and ``Index.isin`` on Arrow
text first turn every candidate value into a Python object, which costs
seconds when the candidates are millions of ids (an order line's account, an
activity's contact). ``is_in`` gives the same answer and stays in Arrow when
both sides are Arrow text; anything else goes through pandas unchanged.

Columns kept as categoricals (:mod:`kamreport.repeated_text`) have their codes already:
every function here works on those codes and looks each distinct id up once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kamreport.arrow_text import is_text_type
from kamreport.repeated_text import distinct_values, is_categorical, used_categories


def _arrow_text(values: Any) -> pa.Array | pa.ChunkedArray | None:
    """The Arrow text array behind a Series, Index or array, or None when it has none."""
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.StringDtype):
        arrow_backed = dtype.storage == "pyarrow"
    elif isinstance(dtype, pd.ArrowDtype):
        arrow_backed = is_text_type(dtype.pyarrow_dtype)
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
    if is_categorical(values):  # each distinct value looked up once
        return is_in(distinct_values(values), allowed)[values.cat.codes.to_numpy()]
    dtype = getattr(allowed, "dtype", None)
    if isinstance(dtype, pd.CategoricalDtype):  # the values its rows hold, once each
        allowed = pd.Series(allowed.unique()).astype(dtype.categories.dtype)
    column, candidates = _arrow_text(values), _arrow_text(allowed)
    if column is None or candidates is None:
        return np.array(values.isin(allowed), dtype=bool)  # a copy the caller may change
    value_set = pc.unique(candidates)
    if isinstance(value_set, pa.ChunkedArray):
        value_set = value_set.combine_chunks()
    if len(value_set) == 0:
        return np.zeros(len(column), dtype=bool)
    result = pc.is_in(column, value_set=value_set.cast(column.type))
    return np.asarray(result.to_numpy(zero_copy_only=False), dtype=bool)


# Recently encoded Arrow text columns: (the immutable Arrow array, its codes, its uniques).
_KNOWN: list[tuple[pa.ChunkedArray, np.ndarray, pd.Index]] = []
_KNOWN_SIZE = 6  # the id columns of the large tables of one run
_REMEMBERED_FROM = 100_000  # rows: smaller columns are quick to encode again
_ENCODING = threading.Lock()


def arrow_chunks(values: Any) -> pa.ChunkedArray | None:
    """The immutable Arrow array behind Arrow-backed text, or None."""
    chunks = getattr(getattr(values, "array", None), "_pa_array", None)
    return chunks if isinstance(chunks, pa.ChunkedArray) else None


def factorized(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(values)`` (codes, -1 for a missing value, and the distinct values in
    order of appearance), remembered for the last few large Arrow text columns: an
    Arrow array never changes (a changed column is a new array), so the many
    per-account figures of one run encode a table's ten million ids once. Treat
    the codes as read-only.
    """
    if is_categorical(values):
        return category_codes(values)
    chunks = arrow_chunks(values)
    if chunks is None:
        codes, uniques = pd.factorize(values)
        return codes, pd.Index(uniques)
    with _ENCODING:  # figures computed in two threads encode a column once, not twice
        return _factorized(values, chunks)


def _factorized(values: pd.Series, chunks: pa.ChunkedArray) -> tuple[np.ndarray, pd.Index]:
    for known, codes, uniques in _KNOWN:
        if known is chunks:
            return codes, uniques
    codes, uniques = pd.factorize(values)
    uniques = pd.Index(uniques)
    if len(codes) >= _REMEMBERED_FROM:
        codes = codes.astype(np.int32) if len(uniques) < 2**31 - 1 else codes  # half the memory
        codes.setflags(write=False)
        _KNOWN.insert(0, (chunks, codes, uniques))
        del _KNOWN[_KNOWN_SIZE:]
    return codes, uniques


def factorized_rows(values: pd.Series, rows: np.ndarray) -> np.ndarray:
    """The codes of ``pd.factorize(values[rows])`` (``rows`` a boolean mask; -1 for a
    missing value). Arrow text is filtered in Arrow, chunk by chunk: pandas' boolean
    indexing of ten million Arrow strings held 0.3 GB more than the rows it kept."""
    chunks = arrow_chunks(values)
    if chunks is None:
        return pd.factorize(values[rows])[0]
    kept = chunks.filter(pa.array(np.asarray(rows, dtype=bool)))
    return pd.factorize(pd.Series(pd.arrays.ArrowExtensionArray(kept)))[0]


def category_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """A categorical's codes (-1 for a missing value) and the categories they number, as
    plain values; categories no row uses (a subset of a table keeps its table's) are
    left out and the codes renumbered, so the result is what ``pd.factorize`` gives but
    in category order."""
    categories = pd.Index(np.asarray(values.cat.categories), dtype=values.cat.categories.dtype)
    return used_categories(values.cat.codes.to_numpy(), categories)


def labels_per_row(
    ids: pd.Series, mapping: pd.Series | None, missing: str
) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the code of the label ``mapping`` gives its id, and the labels by
    code. Each distinct id is looked up once (:func:`factorized`), not once per row; a
    row without an id, or whose id has no label, gets ``missing``; without a mapping
    every row does."""
    if mapping is None:
        return np.zeros(len(ids), dtype=np.intp), np.array([missing], dtype=object)
    codes, uniques = factorized(ids)
    named = pd.Series(uniques).map(mapping).fillna(missing).astype(object).to_numpy()
    named = np.append(named, missing)  # code -1: a row without an id
    label, labels = pd.factorize(named)
    return label[codes], np.asarray(labels, dtype=object)


def positions(values: pd.Series, index: pd.Index, rows: np.ndarray | None = None) -> np.ndarray:
    """For each of ``values``, its position in ``index`` (-1 when absent); with ``rows`` (a
    boolean mask), for the rows it keeps only: ``positions(values, index)[rows]``.

    The same as ``index.get_indexer(values)``, but each distinct value is looked
    up once (:func:`factorized`): Arrow text is encoded in Arrow instead of
    becoming one Python object per row. A categorical's codes are read as they are
    (its categories looked up, used or not), and kept rows are chosen on those small
    codes: at ten million lines no full-length array of positions is made to be cut.
    """
    if is_categorical(values):
        codes, uniques = values.cat.codes.to_numpy(), values.cat.categories
    else:
        codes, uniques = factorized(values)
    found = np.append(index.get_indexer(uniques), index.get_indexer(pd.Index([None])))
    if rows is not None:
        codes = codes[rows]
    return found[codes]  # code -1, a missing value, takes the last: where index has one


def by_position(result: pd.Series | pd.DataFrame, accounts: pd.Index) -> pd.Series | pd.DataFrame:
    """A result grouped by :func:`positions` in ``accounts``, labelled with the account ids
    again (the group of ids not in ``accounts``, position -1, dropped).

    Grouping on integer positions gives pandas' own sums, means and counts without
    hashing millions of text ids once per figure: ``frame.groupby(codes).sum()``
    then ``by_position(…, accounts)`` is ``frame.groupby(ids).sum()`` restricted to
    ``accounts``.
    """
    known = result.loc[np.asarray(result.index) >= 0]
    known.index = accounts[np.asarray(known.index)]
    return known


def grouped_by_id(
    values: pd.Series | pd.DataFrame, ids: pd.Series, how: str, rows: np.ndarray | None = None
) -> pd.Series | pd.DataFrame:
    """``values[rows].groupby(ids[rows]).agg(how)``: the same groups (sorted by id, a
    missing id in none) and the same figures, grouped on the ids' codes
    (:func:`factorized`, encoded once per run) in the rows' own order, so only the
    values are copied and no text id is hashed again. ``rows`` is a boolean mask
    (all rows when None). Ids that are not Arrow text are grouped by pandas as they are.
    """
    if arrow_chunks(ids) is None and not is_categorical(ids):
        if rows is None:
            return values.groupby(ids).agg(how)
        rows = np.asarray(rows, dtype=bool)
        return values[rows].groupby(ids[rows]).agg(how)
    codes, uniques = factorized(ids)
    take = codes >= 0 if rows is None else np.asarray(rows, dtype=bool) & (codes >= 0)
    result = values[take].groupby(codes[take]).agg(how)
    result.index = pd.Index(uniques[result.index.to_numpy()], name=ids.name)
    return result.sort_index()
