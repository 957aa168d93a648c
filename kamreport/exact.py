"""Numbers as they leave kamreport in machine-readable form (JSON, CSV).

Sums of floating-point amounts carry dust (``4887323.700000001``, ``5.7e-14``
instead of 0). Every number written to the metrics JSON, accounts.csv or a
workbook cell goes through :func:`tidy`: money to cents, everything else to
four decimal places (a share of 0.1234 is 12.34%), negative zero as zero. The
rule is documented in docs/metrics.md ("Exact numbers").
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

MONEY_DIGITS = 2
OTHER_DIGITS = 4

# Columns holding amounts of money, by name: whole names and name stems.
_MONEY_WORDS = ("revenue", "margin", "amount", "target", "forecast", "spend", "clv", "cost")
_NOT_MONEY = ("growth", "pct", "share", "rate", "attainment", "change", "method", "class", "days")


def is_money(column: str) -> bool:
    """Whether a column name denotes an amount of money (``revenue_ltm``, ``clv_low``)."""
    name = column.lower()
    if any(word in name for word in _NOT_MONEY):
        return False
    return any(word in name for word in _MONEY_WORDS)


def tidy(value: float, *, money: bool = False) -> float:
    """``value`` rounded to what it means (cents or four decimals), with no negative zero.

    Infinite values are returned as they are: the caller decides (JSON refuses them).
    """
    if math.isnan(value) or math.isinf(value):
        return value
    return round(value, MONEY_DIGITS if money else OTHER_DIGITS) + 0.0


def tidy_frame(frame: pd.DataFrame, money: Iterable[str] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with every float column tidied (money columns by name)."""
    out = frame.copy()
    money_columns = set(money) if money is not None else {c for c in out if is_money(str(c))}
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column].dtype):
            digits = MONEY_DIGITS if column in money_columns else OTHER_DIGITS
            values = out[column].to_numpy(dtype=float, na_value=np.nan)
            out[column] = np.round(values, digits) + 0.0
    return out


__all__ = ["MONEY_DIGITS", "OTHER_DIGITS", "is_money", "tidy", "tidy_frame"]
