"""Receivables (应收账款): open and overdue amounts, aging (账龄), DSO, collection rate (回款率).

Definitions (docs/metrics.md, "Receivables"), all as of the as-of date A and over
the invoices dated ≤ A:

- paid by A: ``paid_amount`` when its ``paid_date`` is ≤ A or unknown, else 0;
- outstanding: max(amount − paid by A, 0); open amount: Σ outstanding;
- overdue: outstanding of invoices with ``due_date`` < A; days overdue: A − due_date;
- aging buckets of the overdue amount: 1–30, 31–60, 61–90 and 90+ days overdue
  (plus "not yet due" for the rest of the open amount);
- DSO: open amount / invoiced amount of the last 90 days × 90 (None without invoices);
- collection rate: of the invoices due in the LTM window, Σ min(paid by A, amount) /
  Σ amount (None when none fell due);
- punctuality: of the invoices due in the LTM window, the share paid in full on or
  before their due date; average days late: mean of max(paid_date − due_date, 0)
  over those of them paid in full by A.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.membership import by_position, positions
from kamreport.analytics.periods import as_timestamp, ltm

DSO_DAYS = 90
# The invoice columns the portfolio-wide figures read (not the invoice ids, for instance).
AMOUNT_COLUMNS = ("account_id", "invoice_date", "due_date", "amount", "paid_amount", "paid_date")
AGING_BUCKETS = ("not_due", "d1_30", "d31_60", "d61_90", "d90_plus")
SUMMARY_COLUMNS = (
    "open_amount", "overdue_amount", "not_due", "d1_30", "d31_60", "d61_90", "d90_plus",
    "dso_days", "collection_rate", "punctuality", "avg_days_late", "max_days_overdue",
)  # fmt: skip


def paid_by(invoices: pd.DataFrame, end: pd.Timestamp) -> pd.Series:
    """What each invoice had paid by ``end``: ``paid_amount`` (0 when missing) when its
    ``paid_date`` is ≤ end or unknown, else 0."""
    return pd.Series(paid_amounts(invoices, end), index=invoices.index, name="paid_amount")


def paid_amounts(
    invoices: pd.DataFrame, end: pd.Timestamp, rows: np.ndarray | None = None
) -> np.ndarray:
    """:func:`paid_by` as a new array, of the ``rows`` only (a boolean mask) when given:
    no full-length temporaries for a figure that reads a part of the invoices."""
    count = len(invoices) if rows is None else int(np.count_nonzero(rows))
    if "paid_amount" not in invoices:
        return np.zeros(count)
    paid = invoices["paid_amount"].to_numpy(float, na_value=np.nan)
    paid = paid.copy() if rows is None else paid[rows]  # never the column itself
    paid[np.isnan(paid)] = 0.0
    if "paid_date" in invoices:
        paid_on = invoices["paid_date"].to_numpy().astype("datetime64[ns]", copy=False)
        paid[(paid_on if rows is None else paid_on[rows]) > np.datetime64(end, "ns")] = 0.0
    return paid


def invoice_amounts(invoices: pd.DataFrame, end: pd.Timestamp) -> tuple[pd.DataFrame, np.ndarray]:
    """Invoices dated ≤ end with paid_asof, outstanding and days_overdue, and each one's
    aging bucket as a position in :data:`AGING_BUCKETS`."""
    dated = (invoices["invoice_date"] <= end).to_numpy()
    # a new frame either way (the caller's keeps its columns); rows copied only when some go
    inv = invoices.copy(deep=False) if dated.all() else invoices.loc[dated]
    paid = paid_by(inv, end)
    if "paid_date" not in inv:
        inv["paid_date"] = pd.NaT
    inv["paid_asof"] = paid
    inv["outstanding"] = (inv["amount"] - paid).clip(lower=0)
    days = (end - inv["due_date"]).dt.days
    inv["days_overdue"] = days.where((days > 0) & (inv["outstanding"] > 0), 0)
    limits = [days <= 0, days <= 30, days <= 60, days <= 90]
    code = np.select(limits, [0, 1, 2, 3], 4).astype(np.int8)  # a byte per invoice
    return inv, code


def used_columns(invoices: pd.DataFrame) -> list[str]:
    """The :data:`AMOUNT_COLUMNS` ``invoices`` has: filtering only these copies no text
    the figures do not read."""
    return [column for column in AMOUNT_COLUMNS if column in invoices]


def invoice_status(invoices: pd.DataFrame, as_of: dt.date | pd.Timestamp) -> pd.DataFrame:
    """Invoices dated ≤ as_of with paid_asof, outstanding, days_overdue and bucket columns."""
    inv, code = invoice_amounts(invoices, as_timestamp(as_of))
    # text through five categories: no string per invoice is built in Python
    inv["bucket"] = pd.Categorical.from_codes(code, categories=AGING_BUCKETS).astype(str)
    return inv


def receivables_by_account(
    invoices: pd.DataFrame | None, as_of: dt.date | pd.Timestamp, accounts: pd.Index
) -> pd.DataFrame:
    """:data:`SUMMARY_COLUMNS` per account (vectorised); NaN rows without an invoices table."""
    if invoices is None:
        return pd.DataFrame(np.nan, index=accounts, columns=list(SUMMARY_COLUMNS))
    end = as_timestamp(as_of)
    inv, bucket = invoice_amounts(invoices[used_columns(invoices)], end)
    # grouped on positions in ``accounts``: one lookup of the text ids, not one per figure
    by = positions(inv["account_id"], accounts)
    out = pd.DataFrame(index=accounts)
    out["open_amount"] = by_position(inv["outstanding"].groupby(by).sum(), accounts)
    # one integer key per (account, bucket), negative for an account not listed (-1): the
    # groups and sums of grouping on the pair, without a pair index of millions of rows
    width = len(AGING_BUCKETS)
    pair = by * width + bucket
    sums = inv["outstanding"].groupby(pair).sum()
    sums = sums.loc[sums.index.to_numpy() >= 0]
    keys = sums.index.to_numpy()
    aging = np.zeros((len(accounts), width))
    aging[keys // width, keys % width] = sums.to_numpy()
    for code, name in enumerate(AGING_BUCKETS):
        out[name] = aging[:, code]
    out = out.fillna(0.0)
    out["overdue_amount"] = out[list(AGING_BUCKETS[1:])].sum(axis=1)
    recent = (inv["invoice_date"] > end - pd.Timedelta(days=DSO_DAYS)).to_numpy()
    billed = by_position(inv["amount"].loc[recent].groupby(by[recent]).sum(), accounts)
    billed = billed.reindex(accounts)
    out["dso_days"] = out["open_amount"] / billed.where(billed > 0) * DSO_DAYS
    inside = ltm(end).mask(inv["due_date"]).to_numpy()
    due = inv.loc[inside, ["amount", "paid_asof", "paid_date", "due_date"]]  # what is read
    due_by = by[inside]

    def per_account(values: pd.Series, how: str) -> pd.Series:
        return by_position(values.groupby(due_by).agg(how), accounts).reindex(accounts)

    amount = per_account(due["amount"], "sum")
    collected = per_account(np.minimum(due["paid_asof"], due["amount"]), "sum")
    out["collection_rate"] = collected / amount.where(amount > 0)
    full = due["paid_asof"] >= due["amount"] - 0.005
    on_time = full & (due["paid_date"] <= due["due_date"])
    counts = per_account(on_time, "size")
    out["punctuality"] = per_account(on_time, "sum") / counts
    late = (due["paid_date"] - due["due_date"]).dt.days.clip(lower=0).where(full)
    out["avg_days_late"] = per_account(late, "mean")
    overdue = by_position(inv["days_overdue"].groupby(by).max(), accounts)
    out["max_days_overdue"] = overdue.reindex(accounts).fillna(0)
    return out[list(SUMMARY_COLUMNS)]


@dataclass(frozen=True)
class Receivables:
    """One account's receivables: the summary figures and its overdue invoices."""

    summary: pd.Series
    overdue: pd.DataFrame  # invoice_id, invoice_date, due_date, outstanding, days_overdue
    invoices: int

    @property
    def has_data(self) -> bool:
        return self.invoices > 0


def account_receivables(
    invoices: pd.DataFrame | None, account_id: str, as_of: dt.date | pd.Timestamp
) -> Receivables | None:
    """The receivables section of one account; None without an invoices table."""
    if invoices is None:
        return None
    own = invoices.loc[invoices["account_id"] == account_id]
    index = pd.Index([account_id], name="account_id")
    summary = receivables_by_account(own, as_of, index).iloc[0]
    status = invoice_status(own, as_of)
    overdue = status.loc[status["days_overdue"] > 0].sort_values("days_overdue", ascending=False)
    columns = ["invoice_id", "invoice_date", "due_date", "outstanding", "days_overdue"]
    return Receivables(
        summary=summary, overdue=overdue[columns].reset_index(drop=True), invoices=len(status)
    )
