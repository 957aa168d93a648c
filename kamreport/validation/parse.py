"""Vectorised conversion of raw columns to data-model types.

Each converter returns the typed values and a boolean mask of the cells that
were not empty but could not be converted; validation turns the mask into one
issue per column. Text columns take a fast path for the common format first and
look closer only at the cells that did not match, so clean data costs little.
Typed columns (from SQL or Parquet) are cast, never formatted as text first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamreport.arrow_text import is_arrow_text, text_chunks
from kamreport.dataset import TEXT_DTYPE
from kamreport.repeated_text import is_categorical, per_category

DATE_FORMATS_TEXT = "YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD or YYYY年M月D日"
_DATE = (
    r"^(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    r"(?:(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_CURRENCY_SIGN = r"^([+-]?)\s*[¥￥]\s*"
_THOUSANDS = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"
_WIDE = "datetime64[us]"  # wide enough for 9999-12-31 before the range check
_MIN_DATE = pd.Timestamp("1677-09-22")
_MAX_DATE = pd.Timestamp("2262-04-11")
_TRUE = {"true", "yes", "y", "1", "是", "t"}
_FALSE = {"false", "no", "n", "0", "否", "f"}


def as_text(values: pd.Series) -> pd.Series:
    """Values as stripped strings; empty cells and missing values become NaN. A
    categorical stays one (each distinct value cleaned once)."""
    dtype = values.dtype
    if is_categorical(values):
        return per_category(values, as_text)
    if pd.api.types.is_bool_dtype(dtype):
        out = values.map({True: "true", False: "false"})
    elif pd.api.types.is_integer_dtype(dtype):
        out = values.astype("Int64").astype("string").astype(object)
    elif pd.api.types.is_float_dtype(dtype):
        out = _float_text(values)
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        out = values.dt.strftime("%Y-%m-%d %H:%M:%S").astype(object)
    elif pd.api.types.is_object_dtype(dtype):
        out = values.map(_cell_text, na_action="ignore")
    else:  # a string dtype: already text
        out = values
    text = out if out.dtype == TEXT_DTYPE else pd.Series(out, index=values.index).astype(TEXT_DTYPE)
    if is_arrow_text(text):  # stripping runs in Arrow: faster than factorising first
        return _strip(text)
    return per_unique(text, _strip)


def _strip(text: pd.Series) -> pd.Series:
    if is_arrow_text(text):
        suspects = _edge_suspects(text)
        if suspects is not None and suspects.sum() <= len(text) // 4:
            checked = text[suspects]
            stripped = checked.str.strip()
            if (stripped != "").all() and stripped.equals(checked):
                return text  # clean already (the usual case): keep the data, no second copy
    stripped = text.str.strip()
    kept = stripped != ""
    if is_arrow_text(text) and kept.all() and stripped.equals(text):
        return text
    return stripped.where(kept)


# Bytes that may begin or end a value that stripping changes: ASCII whitespace and
# control characters, and any byte of a multi-byte character (Unicode spaces such as
# U+3000 are multi-byte).
_EDGE_SUSPECT = np.zeros(256, dtype=bool)
_EDGE_SUSPECT[: ord(" ") + 1] = True
_EDGE_SUSPECT[0x7F:] = True


def _edge_suspects(text: pd.Series) -> np.ndarray | None:
    """Rows whose value is empty or starts or ends with a byte in :data:`_EDGE_SUSPECT`:
    every other value is certainly unchanged by stripping. Read from the Arrow buffers'
    first and last byte of each value (no string is built), so a clean id column of
    ten million rows is checked in under a tenth of a second instead of being
    stripped into a second copy. None when the values are not plain Arrow text.
    """
    chunks = text_chunks(text)
    if chunks is None:
        return None
    parts = []
    for chunk in chunks:
        suspect = chunk.ends <= chunk.starts  # empty (or missing: masked below)
        filled = ~suspect
        first, last = chunk.data[chunk.starts[filled]], chunk.data[chunk.ends[filled] - 1]
        suspect[filled] = _EDGE_SUSPECT[first] | _EDGE_SUSPECT[last]
        if chunk.valid is not None:
            suspect &= chunk.valid
        parts.append(suspect)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def per_unique(text: pd.Series, func) -> pd.Series:
    """Apply a string transformation once per distinct value, not once per row.

    Id and code columns repeat a few values over millions of rows; factorising
    first keeps string work proportional to the distinct values. A categorical has
    its distinct values already, and stays a categorical.
    """
    if is_categorical(text):
        return per_category(text, func)
    if len(text) < 10_000:
        return func(text)
    codes, uniques = pd.factorize(text)
    if len(uniques) > len(text) // 2:
        return func(text)
    distinct = pd.Series(uniques, dtype=text.dtype)
    done = func(distinct)
    if done.equals(distinct):
        return text  # nothing to change (the usual case): no second copy of the column
    taken = done.array.take(codes, allow_fill=True)  # code -1 (missing) stays missing
    return pd.Series(taken, index=text.index)


def upper_case_already(text: pd.Series) -> bool:
    """Whether upper-casing would change no value, seen from the bytes of Arrow text: no
    lower-case ASCII letter and nothing beyond ASCII (where case rules are Unicode's).
    False when unsure, and for text that is not Arrow's (then upper-case it)."""
    chunks = text_chunks(text)
    if chunks is None:
        return False
    for chunk in chunks:  # the whole data buffer: a slice's bytes too
        data = chunk.data
        if ((data >= ord("a")) & (data <= ord("z")) | (data >= 0x80)).any():
            return False
    return True


def to_text(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Text columns: strings without surrounding spaces; nothing is ever invalid."""
    return as_text(values), np.zeros(len(values), dtype=bool)


def to_float(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Numbers as float64. Text may carry spaces, thousands separators and a ¥/￥ sign."""
    dtype = values.dtype
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        numbers = values.astype("float64")
        bad = np.isinf(numbers.to_numpy())
        return (numbers.where(~bad) if bad.any() else numbers), bad
    text = as_text(values)
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    pending = text.notna().to_numpy() & ~np.isfinite(numbers.to_numpy())
    if pending.any():
        rest = text[pending].str.replace(_CURRENCY_SIGN, r"\1", regex=True).str.strip()
        grouped = rest.str.fullmatch(_THOUSANDS).fillna(False).astype(bool)
        rest = rest.where(~grouped, rest.str.replace(",", "", regex=False))
        numbers.loc[pending] = pd.to_numeric(rest, errors="coerce").astype("float64")
    bad = text.notna().to_numpy() & ~np.isfinite(numbers.to_numpy())
    return numbers.where(~bad), bad


def to_int(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Whole numbers as nullable Int64; ``3.0`` is fine, ``3.5`` is not, and neither is a
    number beyond 2**53, which a float cannot hold exactly (nor, past 2**63, Int64)."""
    if pd.api.types.is_integer_dtype(values.dtype) and not isinstance(
        values.dtype, pd.api.extensions.ExtensionDtype
    ):
        # Typed whole numbers (Parquet, SQL): no detour through float64 unless too large.
        array = values.to_numpy()
        beyond = (array > 2**53) | (array < -(2**53))
        if not beyond.any():
            return values.astype("Int64"), beyond
    numbers, bad = to_float(values)
    array = numbers.to_numpy()
    with np.errstate(invalid="ignore"):
        inexact = np.isfinite(array) & ((array != np.round(array)) | (np.abs(array) > 2**53))
    bad = bad | inexact
    return numbers.where(~bad).astype("Int64"), bad


def to_date(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Calendar dates as datetime64[ns] at midnight, from typed dates or text."""
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
        dtype = values.dtype
    if pd.api.types.is_datetime64_dtype(dtype):
        if dtype == "datetime64[ns]" and _at_midnight(values):
            # Typed dates at midnight (Parquet, SQL): always in range, kept as they are.
            return values, np.zeros(len(values), dtype=bool)
        dates = values.dt.normalize()
        bad = np.zeros(len(values), dtype=bool)
    elif pd.api.types.is_numeric_dtype(dtype):
        bad = values.notna().to_numpy()
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"), bad
    else:
        text = as_text(values)
        dates = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").astype(_WIDE)
        pending = text.notna().to_numpy() & dates.isna().to_numpy()
        if pending.any():
            with_time = pd.to_datetime(text[pending], format="%Y-%m-%d %H:%M:%S", errors="coerce")
            dates.loc[pending] = with_time.astype(_WIDE)
            pending = text.notna().to_numpy() & dates.isna().to_numpy()
        if pending.any():
            parts = text[pending].str.extract(_DATE)
            matched = parts["year"].notna()
            if matched.any():
                found = pd.to_datetime(parts.loc[matched].astype("int64"), errors="coerce")
                dates.loc[found.index] = found.astype(_WIDE)
        bad = text.notna().to_numpy() & dates.isna().to_numpy()
    in_range = dates.isna() | ((dates >= _MIN_DATE) & (dates <= _MAX_DATE))
    out_of_range = ~in_range.to_numpy()
    bad = bad | out_of_range
    dates = dates.where(~out_of_range).dt.normalize().astype("datetime64[ns]")
    return dates, bad


def _at_midnight(values: pd.Series) -> bool:
    """Whether every datetime64[ns] value (missing ones aside) is at midnight."""
    ticks = values.to_numpy().view(np.int64)
    # on the whole column, missing ones masked after: no copy of ten million values
    past_midnight = (ticks % (86_400 * 10**9)) != 0
    return not (past_midnight & (ticks != np.iinfo(np.int64).min)).any()


def to_bool(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Booleans from true/false, yes/no, 1/0, 是/否 (any case)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean"), np.zeros(len(values), dtype=bool)
    text = as_text(values).str.lower()
    result = pd.Series(pd.NA, index=values.index, dtype="boolean")
    result[text.isin(_TRUE).to_numpy()] = True
    result[text.isin(_FALSE).to_numpy()] = False
    bad = text.notna().to_numpy() & result.isna().to_numpy()
    return result, bad


def normalize_choice(text: pd.Series) -> pd.Series:
    """Allowed-value text compared loosely: lower case, ``_`` for spaces and hyphens."""
    return per_unique(text, lambda u: u.str.lower().str.replace(r"[\s\-]+", "_", regex=True))


def _float_text(values: pd.Series) -> pd.Series:
    array = values.to_numpy(dtype="float64")
    whole = np.isfinite(array) & (array == np.round(array)) & (np.abs(array) < 2**53)
    out = values.astype(object).map(repr, na_action="ignore")
    if whole.any():
        out[whole] = values[whole].astype("int64").astype(str).to_numpy(dtype=object)
    return out.where(values.notna())


def _cell_text(value: object) -> object:
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        if np.isnan(value):
            return np.nan
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)
