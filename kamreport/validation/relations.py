"""Checks across tables: references, currencies, and warnings about coverage."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kamreport.analytics.groups import parent_cycles
from kamreport.analytics.membership import is_in
from kamreport.analytics.periods import default_as_of
from kamreport.dataset import TEXT_DTYPE
from kamreport.errors import Issue
from kamreport.repeated_text import constant, per_value
from kamreport.schema import TABLES
from kamreport.validation.messages import (
    and_list,
    distinct_first,
    empty_cells,
    row_issue,
    values_phrase,
)
from kamreport.validation.tables import Checked

AMOUNT_COLUMNS = ("net_amount", "cost_amount", "list_amount")


def _valid(checked: Checked, column: str) -> np.ndarray:
    """Cells of ``column`` that hold a usable value (present and converted)."""
    values = checked.frame[column].notna().to_numpy()
    bad = checked.invalid.get(column)
    return values if bad is None else values & ~bad


def references(tables: dict[str, Checked]) -> list[Issue]:
    """Errors for ids that point at rows the referenced table does not have."""
    issues = []
    for spec in TABLES:
        checked = tables.get(spec.name)
        if checked is None:
            continue
        for column, ref_table, ref_column in spec.references:
            target = tables.get(ref_table)
            if column not in checked.frame or target is None or ref_column not in target.frame:
                continue
            known = target.frame[ref_column].dropna()
            unknown = _valid(checked, column) & ~is_in(checked.frame[column], known)
            if not unknown.any():
                continue
            firsts, count = distinct_first(checked.frame[column][unknown])
            what = ref_table.replace("_", " ")
            issues.append(
                row_issue(
                    checked.raw,
                    unknown,
                    severity="error",
                    code="unknown_reference",
                    problem=f"Unknown {column} (not in {ref_table})",
                    column=column,
                    expected=f"{ref_column} values listed in {ref_table} ({target.raw.short})",
                    found=values_phrase(firsts, count),
                    fix=f"Add the missing {what} to {ref_table}, or correct the ids (look for "
                    "dropped leading zeros and extra spaces).",
                )
            )
    return issues


def account_warnings(tables: dict[str, Checked]) -> list[Issue]:
    """Warnings: unknown parent companies, accounts without any order line."""
    accounts = tables.get("accounts")
    if accounts is None or "account_id" not in accounts.frame:
        return []
    issues = []
    ids = accounts.frame["account_id"]
    parents = pd.Series(dtype=object)
    if "parent_id" in accounts.frame:
        parents = accounts.frame["parent_id"]
        orphan = parents.notna().to_numpy() & ~is_in(parents, ids.dropna())
        if orphan.any():
            issues.append(
                row_issue(
                    accounts.raw,
                    orphan,
                    severity="warning",
                    code="unknown_parent",
                    problem="Unknown parent_id (not an account_id in accounts)",
                    column="parent_id",
                    found_from=parents,
                    expected="the account_id of the group company, or an empty cell",
                    fix="Add the group company to accounts, or leave parent_id empty; until "
                    "then these accounts are not grouped.",
                )
            )
        issues.extend(_cycles(accounts))
    lines = tables.get("order_lines")
    if lines is not None and "account_id" in lines.frame and len(lines.frame):
        buying = is_in(ids, lines.frame["account_id"].dropna())
        buying |= ids.isin(list(lines.raw.later_accounts)).to_numpy()
        idle = ids.notna().to_numpy() & ~buying
        idle &= ~is_in(ids, parents.dropna())  # groups buy via subsidiaries
        if idle.any():
            issues.append(
                row_issue(
                    accounts.raw,
                    idle,
                    severity="warning",
                    code="no_orders",
                    problem="No order lines for this account"
                    if idle.sum() == 1
                    else "No order lines for the accounts",
                    column="account_id",
                    expected="order lines for every account",
                    found="none for " + values_phrase(*distinct_first(ids[idle])),
                    fix="Nothing to do for new or inactive accounts; otherwise check that the "
                    "order-line export covers them.",
                )
            )
    return issues


def _cycles(accounts: Checked) -> list[Issue]:
    """An error for accounts whose parent_id leads back to themselves (A → B → A)."""
    frame = accounts.frame
    cycles = parent_cycles(frame.loc[frame["account_id"].notna()])
    if not cycles:
        return []
    looped = {a for cycle in cycles for a in cycle}
    shown = "; ".join(" → ".join((*c, c[0])) for c in cycles)
    return [
        row_issue(
            accounts.raw,
            frame["account_id"].isin(looped).to_numpy(),
            severity="error",
            code="parent_cycle",
            problem=f"parent_id goes round in a circle ({shown})",
            column="parent_id",
            expected="a group company at the top of every chain of parent_id",
            found_from=frame["parent_id"],
            fix="Leave parent_id empty for the group company at the top (the account that "
            "belongs to no other), so every chain of parent_id ends there.",
        )
    ]


def cost_warnings(tables: dict[str, Checked]) -> list[Issue]:
    """Warnings when margins cannot be computed: no cost column, or empty costs."""
    lines = tables.get("order_lines")
    if lines is None or not len(lines.frame):
        return []
    if "cost_amount" not in lines.frame:
        return [
            Issue(
                "warning",
                "missing_cost",
                "order_lines",
                'Column cost_amount not supplied; margin figures will say "no data".',
                source=lines.raw.source,
                column="cost_amount",
                fix="Add cost_amount (cost of goods sold per line) to the order lines to get "
                "margins; without costs, set clv.assumed_margin (e.g. 0.25) in the params file "
                "to value the accounts on an assumed margin.",
            )
        ]
    empty = lines.frame["cost_amount"].isna().to_numpy() & ~lines.invalid["cost_amount"]
    if not empty.any():
        return []
    accounts = lines.frame.get("account_id")
    found = empty_cells(empty)
    if accounts is not None:
        firsts, count = distinct_first(accounts[empty])
        if firsts:
            found += f" for account{'s' if count > 1 else ''} {values_phrase(firsts, count)}"
    return [
        row_issue(
            lines.raw,
            empty,
            severity="warning",
            code="missing_cost",
            problem="Empty cost_amount",
            column="cost_amount",
            expected="a cost for every order line",
            found=found,
            fix="Fill in the cost of goods sold; until then margin figures of these accounts "
            'say "no data" for periods that include these lines.',
        )
    ]


def late_lines(tables: dict[str, Checked], as_of: dt.date | None) -> list[Issue]:
    """A warning for order lines after the last complete month before ``as_of``
    (default: the data's own last complete month)."""
    lines = tables.get("order_lines")
    if lines is None or "order_date" not in lines.frame or lines.frame["order_date"].isna().all():
        return []
    day = (
        pd.Timestamp(as_of)
        if as_of is not None
        else pd.Timestamp(default_as_of(lines.frame["order_date"].max()))
    )
    end = day if day.is_month_end else day.replace(day=1) - pd.Timedelta(days=1)
    dates = lines.frame["order_date"]
    late = (dates > end).to_numpy()
    if not late.any():
        return []
    return [
        row_issue(
            lines.raw,
            late,
            severity="warning",
            code="incomplete_month",
            problem=f"Order date in an incomplete month (after {end:%Y-%m-%d})",
            column="order_date",
            expected=f"order dates up to {end:%Y-%m-%d}",
            found=f"dates up to {dates.max():%Y-%m-%d}",
            fix="Nothing to do if the export is current: the month in progress is incomplete. "
            "Dates in the future point at an export error.",
        )
    ]


def convert_currencies(tables: dict[str, Checked], currency: str) -> list[Issue]:
    """Convert order-line amounts into ``currency`` with fx_rates, or report why not.

    Lines with an empty currency are taken to be in ``currency`` already. After
    conversion the ``currency`` column holds the reporting currency.
    """
    lines = tables.get("order_lines")
    if lines is None or "currency" not in lines.frame or not len(lines.frame):
        return []
    codes = lines.frame["currency"]
    foreign = codes.notna().to_numpy() & (codes != currency).fillna(False).to_numpy()
    if not foreign.any():
        return []
    fx = tables.get("fx_rates")
    if fx is None or "currency" not in fx.frame or "rate" not in fx.frame:
        counts = codes.astype(TEXT_DTYPE).fillna(currency).value_counts(sort=False)
        found = ", ".join(
            f"{code} ({n} line{'s' if n > 1 else ''})" for code, n in sorted(counts.items())
        )
        listed = and_list(sorted(counts.index))
        return [
            Issue(
                "error",
                "mixed_currency",
                "order_lines",
                f"Order lines are in {listed} but there is no fx_rates table to convert them "
                f"to {currency} (data.currency).",
                source=lines.raw.source,
                column="currency",
                expected=f"every amount in {currency}, or an fx_rates table with a rate for "
                "each other currency",
                found=found,
                fix=f"Add an fx_rates table (columns currency and rate, in {currency} per one "
                "unit), or set data.currency to the currency of the data if it uses only one.",
            )
        ]
    rates = fx.frame.dropna(subset=["currency", "rate"]).drop_duplicates("currency")
    known = dict(zip(rates["currency"], rates["rate"], strict=True))
    known[currency] = 1.0
    issues = []
    missing = foreign & ~codes.isin(list(known)).to_numpy()
    for code in pd.unique(codes[missing]):
        issues.append(
            row_issue(
                lines.raw,
                (codes == code).fillna(False).to_numpy(),
                severity="error",
                code="missing_fx_rate",
                problem=f"No rate for {code} in fx_rates",
                column="currency",
                expected=f"a row in fx_rates ({fx.raw.short}) for {code}",
                found="none",
                fix=f"Add {code} to fx_rates with its rate in {currency} per one {code}.",
            )
        )
    factor = per_value(codes, lambda code: code.map(known).fillna(1.0).astype("float64"))
    frame = lines.frame.copy()
    for column in AMOUNT_COLUMNS:
        if column in frame:
            frame[column] = frame[column] * factor
    frame["currency"] = constant(currency, frame.index)
    lines.frame = frame
    return issues
