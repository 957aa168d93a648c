"""Building issues that name rows the way the user sees them.

When one problem hits many rows, validation makes one issue that lists the
first few rows and says how many more there are ("rows 4, 9, 17, 18, 30 and
112 more"), and shows the first few distinct values found.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kamreport.errors import Issue
from kamreport.sources.raw import RawTable

LISTED = 5


def rows_phrase(labels: Sequence[int | str], total: int) -> str:
    """``row 4``, ``rows 4 and 9``, ``rows 4, 9, 17, 18, 30 and 112 more``."""
    shown = [str(label) for label in labels[:LISTED]]
    sep = "; " if any(", " in s for s in shown) else ", "
    if total == 1:
        return f"row {shown[0]}"
    if total <= len(shown):
        return f"rows {sep.join(shown[:-1])} and {shown[-1]}"
    return f"rows {sep.join(shown)} and {total - len(shown)} more"


def values_phrase(values: Sequence[object], total: int | None = None) -> str:
    """The first distinct values, quoted: ``'C999', 'C998' and 3 more``."""
    total = len(values) if total is None else total
    shown = ", ".join(show(v) for v in values[:LISTED])
    return shown if total <= LISTED else f"{shown} and {total - LISTED} more"


def and_list(items: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def show(value: object) -> str:
    """A value as it appears in messages: text quoted, numbers and dates plain."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def empty_cells(mask) -> str:
    """ "an empty cell" or "empty cells", as many as ``mask`` marks."""
    return "empty cells" if int(mask.sum()) > 1 else "an empty cell"


def distinct_first(values: pd.Series) -> tuple[list[object], int]:
    """The first distinct non-missing values in row order, and how many distinct there are."""
    present = values[values.notna()]
    unique = pd.unique(present.to_numpy())
    return [_plain(v) for v in unique[:LISTED]], len(unique)


def row_issue(
    raw: RawTable,
    mask: np.ndarray,
    *,
    severity: str,
    code: str,
    problem: str,
    column: str | None,
    expected: str | None = None,
    found: str | None = None,
    found_from: pd.Series | None = None,
    fix: str | None = None,
) -> Issue:
    """One issue for every row where ``mask`` is true.

    With one row the row goes into :attr:`Issue.row`; with more, the message
    lists them. ``found`` defaults to the first distinct values of
    ``found_from`` (or of the raw column) in those rows.
    """
    positions = np.flatnonzero(mask)
    total = len(positions)
    labels = raw.row_labels(positions[:LISTED])
    accounts: tuple[str, ...] = ()
    if "account_id" in raw.frame:
        ids = raw.frame["account_id"].iloc[positions].dropna().astype(str)
        accounts = tuple(sorted(set(ids)))
    if found is None:
        cells = found_from if found_from is not None else raw.frame.get(column)
        if cells is not None:
            firsts, count = distinct_first(cells.iloc[positions])
            found = values_phrase(firsts, count) if firsts else None
    if total == 1:
        return Issue(
            severity,
            code,
            raw.name,
            f"{problem}.",
            source=raw.source,
            column=column,
            row=labels[0],
            expected=expected,
            found=found,
            fix=fix,
            account_ids=accounts,
        )
    return Issue(
        severity,
        code,
        raw.name,
        f"{problem} in {rows_phrase(labels, total)}.",
        source=raw.source,
        column=column,
        expected=expected,
        found=found,
        fix=fix,
        account_ids=accounts,
    )


def _plain(value: object) -> object:
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    if isinstance(value, np.generic):
        return value.item()
    return value
