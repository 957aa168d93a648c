"""Plausible ranges: amounts, quantities and dates no real export holds.

A typed value can still be absurd: an amount of 1e308 is a number, but summing two of
them overflows to infinity; an order dated 1900-01-01 is a date, but no export goes
back that far. The ranges are parameters (``data.bounds``, docs/data-model.md):

* an amount or quantity beyond its maximum (either sign) is an **error** — it cannot be
  right, and every figure built on it would be meaningless or infinite;
* an event (order, invoice, payment, activity, …) dated more than ``future_days`` after
  the as-of date cannot have happened yet: an **error**;
* a date before ``earliest_date`` is implausible but possible: a **warning**.

Values beyond a maximum are blanked in the typed frame, like other invalid cells.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kamreport.errors import Issue
from kamreport.params import BoundsParams
from kamreport.schema import DATE, FLOAT, table
from kamreport.validation.messages import row_issue
from kamreport.validation.tables import Checked

# Columns that say when something happened; the others (due dates, expected closes,
# target months, the start of the relationship) may lie in the future.
EVENT_DATES = {
    ("order_lines", "order_date"),
    ("invoices", "invoice_date"),
    ("invoices", "paid_date"),
    ("activities", "date"),
    ("opportunities", "created_date"),
    ("opportunities", "closed_date"),
    ("surveys", "survey_date"),
    ("complaints", "opened_date"),
    ("complaints", "closed_date"),
    ("service_costs", "month"),
}
# Dates that may lie far back (a relationship older than the earliest export).
OLD_DATES_ALLOWED = {("accounts", "customer_since")}
QUANTITY_COLUMNS = {("order_lines", "quantity")}


def bound_issues(
    tables: dict[str, Checked], bounds: BoundsParams, as_of: dt.date | None
) -> list[Issue]:
    """Check every table against ``bounds``; blank the impossible values in place."""
    issues: list[Issue] = []
    latest = pd.Timestamp(as_of or dt.date.today()) + pd.Timedelta(days=bounds.future_days)
    earliest = pd.Timestamp(bounds.earliest_date)
    for name, checked in tables.items():
        spec = table(name)
        for column in spec.columns:
            if column.name not in checked.frame:
                continue
            key = (name, column.name)
            if column.dtype == FLOAT and column.unit == "currency":
                issues += _too_large(
                    checked, column.name, bounds.max_amount, "an amount", "max_amount"
                )
            elif key in QUANTITY_COLUMNS:
                issues += _too_large(
                    checked, column.name, bounds.max_quantity, "a quantity", "max_quantity"
                )
            elif column.dtype == DATE:
                if key in EVENT_DATES:
                    issues += _too_late(checked, column.name, latest, as_of, bounds)
                if key not in OLD_DATES_ALLOWED:
                    issues += _too_early(checked, column.name, earliest)
    return issues


def _too_large(checked: Checked, column: str, limit: float, what: str, param: str) -> list[Issue]:
    values = checked.frame[column]
    numbers = values.astype("float64").to_numpy()
    beyond = (numbers > limit) | (numbers < -limit)  # a missing value (NaN) is neither
    if not beyond.any():
        return []
    issue = row_issue(
        checked.raw,
        beyond,
        severity="error",
        code="out_of_range",
        problem="Value beyond the plausible range",
        column=column,
        expected=f"{what} between -{limit:,.0f} and {limit:,.0f} (data.bounds.{param})",
        fix="Correct the values (look for a misplaced decimal point, digits typed twice or a "
        f"number in scientific notation); if values this large are real, raise "
        f"data.bounds.{param} in the params file.",
    )
    checked.frame[column] = values.where(~beyond)
    return [issue]


def _too_late(
    checked: Checked,
    column: str,
    latest: pd.Timestamp,
    as_of: dt.date | None,
    bounds: BoundsParams,
) -> list[Issue]:
    dates = checked.frame[column]
    late = (dates > latest).fillna(False).to_numpy(dtype=bool)
    if not late.any():
        return []
    base = f"the as-of date {as_of}" if as_of else "today"
    issue = row_issue(
        checked.raw,
        late,
        severity="error",
        code="out_of_range",
        problem=f"Date after {latest:%Y-%m-%d}, {bounds.future_days} days after {base}",
        column=column,
        expected=f"dates up to {latest:%Y-%m-%d} (data.bounds.future_days)",
        fix="Correct the dates (look for a wrong year or day and month swapped); an event "
        "cannot lie in the future.",
    )
    checked.frame[column] = dates.where(~late)
    return [issue]


def _too_early(checked: Checked, column: str, earliest: pd.Timestamp) -> list[Issue]:
    dates = checked.frame[column]
    early = (dates < earliest).fillna(False).to_numpy(dtype=bool)
    if not early.any():
        return []
    return [
        row_issue(
            checked.raw,
            early,
            severity="warning",
            code="implausible_date",
            problem=f"Date before {earliest:%Y-%m-%d}",
            column=column,
            expected=f"dates from {earliest:%Y-%m-%d} on (data.bounds.earliest_date)",
            fix="Correct the dates (placeholders such as 1900-01-01 often stand for "
            '"unknown": leave such cells empty); if the data really goes back this far, '
            "set data.bounds.earliest_date in the params file.",
        )
    ]
