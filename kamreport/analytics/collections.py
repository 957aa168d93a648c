"""Portfolio receivables: collection progress of a month (回款进度表) and the DSO trend.

Built on :mod:`kamreport.analytics.receivables` (per-account aging, open and
overdue amounts, the "paid by A" rule), so the account review and the
portfolio report show the same figures. Definitions in docs/metrics.md,
"Portfolio".
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kamreport.analytics.membership import grouped_by_id
from kamreport.analytics.periods import Window, as_timestamp
from kamreport.analytics.receivables import DSO_DAYS, paid_by, receivables_by_account


def aging_by_account(invoices: pd.DataFrame, as_of: dt.date | pd.Timestamp) -> pd.DataFrame:
    """Receivables per account with an open amount at ``as_of`` (columns of
    ``receivables_by_account``), most overdue first (overdue amount, then open amount)."""
    accounts = pd.Index(invoices["account_id"].unique(), name="account_id").astype(str)
    out = receivables_by_account(invoices, as_of, accounts)
    out = out.loc[out["open_amount"] > 0.005]
    return out.sort_values(["overdue_amount", "open_amount"], ascending=False, kind="stable")


def collection_progress(
    invoices: pd.DataFrame, window: Window, as_of: dt.date | pd.Timestamp
) -> pd.DataFrame:
    """回款进度表: per account, the invoices falling due inside ``window`` and how much
    of them was collected by ``as_of`` (the "paid by A" rule of receivables).

    Columns: due (amount falling due), collected (Σ min(paid by A, amount)),
    outstanding (due − collected), rate (collected / due). Sorted by outstanding.
    """
    # The "paid by A" rule on the whole columns, summed per account over the invoices
    # dated by A and due inside the window, in their own order (grouped on the account
    # codes): the sums of copying those invoices and grouping on their ids.
    end = as_timestamp(as_of)
    amount = invoices["amount"]
    frame = pd.DataFrame({"due": amount, "collected": np.minimum(paid_by(invoices, end), amount)})
    inside = (invoices["invoice_date"] <= end) & window.mask(invoices["due_date"])
    out = grouped_by_id(frame, invoices["account_id"], "sum", inside.to_numpy(dtype=bool))
    out["outstanding"] = out["due"] - out["collected"]
    out["rate"] = (out["collected"] / out["due"]).where(out["due"] > 0)
    return out.sort_values(["outstanding", "due"], ascending=False, kind="stable")


def collection_rate(progress: pd.DataFrame) -> float:
    """Σ collected / Σ due of a collection-progress table (NaN when nothing fell due)."""
    due = float(progress["due"].sum())
    return float(progress["collected"].sum()) / due if due > 0 else float("nan")


def month_ends(as_of: dt.date | pd.Timestamp, months: int) -> list[pd.Timestamp]:
    """The last ``months`` month ends up to ``as_of`` (the last one is ``as_of`` itself)."""
    end = as_timestamp(as_of)
    ends = [(end.to_period("M") - k).to_timestamp(how="end").normalize() for k in range(months)]
    return sorted(min(e, end) for e in ends)


def dso_trend(
    invoices: pd.DataFrame, as_of: dt.date | pd.Timestamp, months: int = 12
) -> pd.DataFrame:
    """Portfolio DSO at each of the last ``months`` month ends up to ``as_of``.

    DSO = open amount at the month end / amount invoiced in the 90 days up to it
    × 90, as in receivables. Columns: month_end, open, overdue, invoiced_90d, dso.
    """
    rows = []
    dated, due, amount = invoices["invoice_date"], invoices["due_date"], invoices["amount"]
    for month_end in month_ends(as_of, months):
        # receivables.invoice_amounts' figures on the whole columns, then summed over the
        # invoices dated by the month end in their own order: the same numbers added in
        # the same order, without copying the invoices for each month.
        outstanding = (amount - paid_by(invoices, month_end)).clip(lower=0)
        issued = (dated <= month_end).to_numpy(dtype=bool)
        recent = issued & (dated > month_end - pd.Timedelta(days=DSO_DAYS)).to_numpy(dtype=bool)
        # at least one whole day past due (days overdue > 0) and something still open
        late = issued & (due <= month_end - pd.Timedelta(days=1)).to_numpy(dtype=bool)
        late &= (outstanding > 0).to_numpy(dtype=bool)
        invoiced = float(amount[recent].sum())
        open_total = float(outstanding[issued].sum())
        overdue = float(outstanding[late].sum())
        rows.append(
            {
                "month_end": month_end,
                "open": open_total,
                "overdue": overdue,
                "invoiced_90d": invoiced,
                "dso": open_total / invoiced * DSO_DAYS if invoiced > 0 else float("nan"),
            }
        )
    return pd.DataFrame(rows)


__all__ = ["aging_by_account", "collection_progress", "collection_rate", "dso_trend", "month_ends"]
