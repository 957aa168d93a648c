"""Rows without an account: order lines (and invoices) whose ``account_id`` is empty.

Exports often hold sales without a customer (guest orders, cash sales). They cannot
belong to any account, so by default they are an error with their count and amount;
``data.lines_without_account: exclude`` leaves them out of every figure instead, and
a warning with the same count and amount says so (docs/data-model.md, "Rows without
an account"). Either way the rows are taken out before the other checks, so they are
not reported a second time as empty cells.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from kamreport.errors import Issue
from kamreport.sources.raw import RawTable
from kamreport.validation.messages import row_issue
from kamreport.validation.parse import as_text, to_float

# The tables with an account on every row: the amount column the message totals, and
# what one row and several rows are called.
_TABLES = {
    "order_lines": ("net_amount", "order line", "order lines"),
    "invoices": ("amount", "invoice", "invoices"),
}


def split_unassigned(raw: RawTable, policy: str, currency: str) -> tuple[RawTable, Issue | None]:
    """``raw`` without its rows that have no ``account_id``, and the issue about them.

    ``policy`` is ``refuse`` (the issue is an error) or ``exclude`` (a warning). Tables
    other than order lines and invoices, or without empty ids, come back unchanged.
    """
    frame = raw.frame
    if raw.name not in _TABLES or "account_id" not in frame or not len(frame):
        return raw, None
    empty = as_text(frame["account_id"]).isna().to_numpy()
    if not empty.any():
        return raw, None
    kept = dataclasses.replace(raw, frame=frame.loc[~empty])
    return kept, _issue(raw, empty, policy, currency)


# Per policy: severity, code, problem and fix of the issue about the rows.
_POLICIES = {
    "exclude": (
        "warning",
        "excluded_no_account",
        "Left out of every figure (data.lines_without_account: exclude): no account_id",
        "Nothing to do if these are sales without a customer (such as guest orders); "
        "otherwise fill in account_id.",
    ),
    "refuse": (
        "error",
        "no_account",
        "No account_id",
        "Fill in account_id; or, if these are sales without a customer (such as guest "
        "orders), set data.lines_without_account: exclude in the params file to leave them "
        "out of every figure (their count and amount are then reported as a warning).",
    ),
}


def _issue(raw: RawTable, empty: np.ndarray, policy: str, currency: str) -> Issue:
    count = int(empty.sum())
    _column, one, many = _TABLES[raw.name]
    what = f"{count:,} {one if count == 1 else many}"
    amount = _amount(raw, empty, currency)
    severity, code, problem, fix = _POLICIES[policy]
    return row_issue(
        raw,
        empty,
        severity=severity,
        code=code,
        problem=problem,
        column="account_id",
        expected="an account_id in every row",
        found=f"{what} without one" + (f", {amount}" if amount else ""),
        fix=fix,
    )


def _amount(raw: RawTable, empty: np.ndarray, currency: str) -> str:
    """``net_amount 1,234.50 GBP in total`` for the rows, in the file's own currency when
    lines carry another one (before conversion); empty when there is no amount column."""
    column = _TABLES[raw.name][0]
    if column not in raw.frame:
        return ""
    rows = raw.frame.loc[empty]  # only these rows are converted: the others are checked later
    numbers, _bad = to_float(rows[column])
    total = float(np.nansum(numbers.to_numpy()))
    unit = currency
    if "currency" in rows:
        codes = as_text(rows["currency"]).dropna().str.upper().unique()
        if len(codes) > 1 or (len(codes) == 1 and codes[0] != currency):
            unit = "in the rows' own currencies"
    return f"{column} {total:,.2f} {unit} in total"


__all__ = ["split_unassigned"]
