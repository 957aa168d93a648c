"""Text that repeats a few values over many rows, stored once per distinct value.

Ten million order lines name twenty thousand accounts and a few dozen products. As
text every row holds its own copy of the id (140 MB for the account ids alone); as a
pandas categorical every row holds a small integer code (20 MB) and each id is kept
once. The columns marked ``repeats`` in :mod:`kamreport.schema` are kept that way
from the reader (Parquet's dictionary-encoded pages) through validation (which
cleans and checks each distinct value once) into the :class:`~kamreport.dataset.Dataset`.

Categories are text, sorted and all used, so sorting, grouping and comparing such a
column behave as they would on the text itself: a groupby lists the groups in the same
order, ``==`` against a string works, and a merge with a text column gives text.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from kamreport.dataset import TEXT_DTYPE


def is_categorical(values: pd.Series | pd.Index) -> bool:
    return isinstance(values.dtype, pd.CategoricalDtype)


def stored_once(values: pd.Series) -> pd.Series:
    """``values`` (text, or a categorical of any values) as a categorical of text whose
    categories are sorted and all used; missing values stay missing."""
    if is_categorical(values):
        if _in_shape(values):
            return values
        return per_category(values, lambda categories: categories.astype(TEXT_DTYPE))
    codes, uniques = pd.factorize(values, sort=True)
    return _from_codes(codes, pd.Index(uniques).astype(TEXT_DTYPE), values)


def per_category(values: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """A categorical with ``transform`` (a Series of text in, the same length out) applied to
    each distinct value once: values that become equal share a category, values that
    become missing are missing. The result is in the shape of :func:`stored_once`."""
    old = pd.Series(values.cat.categories)
    done = pd.Series(transform(old)).reset_index(drop=True)
    if len(done) != len(old):
        raise ValueError("a per-category transform must keep one value per category")
    new_codes, uniques = pd.factorize(done, sort=True)
    uniques = pd.Index(uniques).astype(TEXT_DTYPE)
    codes = values.cat.codes.to_numpy()
    if uniques.equals(values.cat.categories) and _in_shape(values):
        return values  # nothing changed (the usual case): no second copy of the codes
    # code -1 (missing) takes the appended -1; categories never used are dropped below
    mapping = np.append(new_codes, -1).astype(_code_dtype(len(uniques)))
    return _from_codes(mapping[codes], uniques, values)


def constant(value: str, index: pd.Index) -> pd.Series:
    """A categorical holding ``value`` in every row of ``index`` (one category, one byte a
    row), as :func:`stored_once` would make of such a column without reading it."""
    codes = np.zeros(len(index), dtype=np.int8)
    return _from_codes(codes, pd.Index([value], dtype=TEXT_DTYPE), index=index)


def from_codes(codes: np.ndarray, categories: pd.Index) -> pd.Series:
    """A categorical Series of ``categories`` (distinct, sorted text) by ``codes`` (-1:
    missing), in the shape of :func:`stored_once`."""
    return _from_codes(codes, categories, index=pd.RangeIndex(len(codes)))


def distinct_values(values: pd.Series) -> pd.Series:
    """A categorical's categories, then a missing value: what its codes number, code -1
    (missing) taking the last, so ``f(distinct_values(v))[v.cat.codes]`` is ``f`` of
    every row with ``f`` computed once per distinct value."""
    categories = values.cat.categories
    distinct = pd.Series(np.append(np.asarray(categories, dtype=object), None))
    # text keeps its dtype (Arrow), other values stay objects (an int64 holds no missing)
    return distinct.astype(categories.dtype) if categories.dtype == TEXT_DTYPE else distinct


def per_value(values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``func(values)`` (any Series in, one value per row out, such as a lookup), computed once
    per category for a categorical and taken back to the rows; a missing value gets
    what ``func`` gives a missing one."""
    if not is_categorical(values):
        return func(values)
    results = np.asarray(func(distinct_values(values)))
    return pd.Series(results[values.cat.codes.to_numpy()], index=values.index, name=values.name)


def filled(values: pd.Series, default: str) -> pd.Series:
    """``values.fillna(default)`` for text or a categorical (the default a category)."""
    if not is_categorical(values):
        return values.fillna(default)
    if not values.isna().any():
        return values
    if default not in values.cat.categories:
        values = values.cat.add_categories([default])
    return stored_once(values.fillna(default))


def _in_shape(values: pd.Series) -> bool:
    categories = values.cat.categories
    return (
        categories.dtype == TEXT_DTYPE
        and categories.is_monotonic_increasing
        and _all_used(values.cat.codes.to_numpy(), len(categories))
    )


def used_categories(codes: np.ndarray, categories: pd.Index) -> tuple[np.ndarray, pd.Index]:
    """``codes`` (-1: missing) and ``categories`` without the categories no code uses (a
    subset of a table keeps its table's), the codes renumbered; as they are when every
    category is used."""
    used = _used(codes, len(categories))
    if used.all():
        return codes, categories
    renumber = np.full(len(categories) + 1, -1, dtype=codes.dtype)
    renumber[:-1][used] = np.arange(int(used.sum()), dtype=codes.dtype)
    return renumber[codes], categories[used]  # code -1 takes the last entry: -1


def _used(codes: np.ndarray, n: int) -> np.ndarray:
    """For each of ``n`` categories, whether a code names it (marked on the small codes
    as they are: no copy of ten million codes as 64-bit integers, as counting makes)."""
    used = np.zeros(n + 1, dtype=bool)
    used[codes] = True  # code -1, a missing value, marks the last slot: not a category
    return used[:-1]


def _all_used(codes: np.ndarray, n: int) -> bool:
    return bool(_used(codes, n).all())


def _code_dtype(n: int) -> type:
    for dtype in (np.int8, np.int16, np.int32):
        if n < np.iinfo(dtype).max:
            return dtype
    return np.int64


def _from_codes(
    codes: np.ndarray,
    categories: pd.Index,
    like: pd.Series | None = None,
    *,
    index: pd.Index | None = None,
) -> pd.Series:
    """A categorical Series named and indexed as ``like`` (or on ``index``); unused
    categories dropped."""
    codes, categories = used_categories(np.asarray(codes), categories)
    small = codes.astype(_code_dtype(len(categories)), copy=False)
    dtype = pd.CategoricalDtype(categories, ordered=False)
    array = pd.Categorical.from_codes(small, dtype=dtype, validate=False)
    if like is not None:
        index = like.index
    return pd.Series(array, index=index, name=None if like is None else like.name, copy=False)
