"""Targets and the KA managers' scorecards (销售代表月度考核表).

Attainment and the year-end forecast per account come from
:mod:`kamreport.analytics.targets` (the account review shows the same figures).
A scorecard sums, per KA manager and for one window, the figures of the
accounts they look after. Definitions in docs/metrics.md, "Portfolio".
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kamreport.analytics.collections import collection_progress
from kamreport.analytics.coverage import covers, data_start
from kamreport.analytics.membership import grouped_by_id
from kamreport.analytics.periods import Window, as_timestamp
from kamreport.analytics.targets import targets_by_account
from kamreport.dataset import Dataset

VISIT_TYPES = ("visit", "senior_visit")
UNASSIGNED = "—"


def _revenue(lines: pd.DataFrame, window: Window) -> pd.Series:
    inside = window.mask(lines["order_date"]).to_numpy(dtype=bool)
    return grouped_by_id(lines["net_amount"], lines["account_id"], "sum", inside)


def _targets(dataset: Dataset, window: Window, column: str) -> pd.Series:
    targets = dataset.get("targets")
    if targets is None or column not in targets:
        return pd.Series(dtype=float)
    inside = targets.loc[window.mask(targets["month"])]
    return inside.groupby("account_id")[column].sum(min_count=1)


def attainment(
    dataset: Dataset, as_of: dt.date | pd.Timestamp, flags: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per account with a target in the as-of year: the columns of
    ``targets_by_account`` (YTD attainment, forecast; ``flags``, the risk flags as of
    ``as_of``, mark the inactive accounts whose forecast is not the run rate) plus
    forecast_attainment (forecast / full-year target) and gap_fy (full-year target
    − forecast; positive: the forecast falls short). Sorted by gap, largest first.
    """
    targets = dataset.get("targets")
    if targets is None:
        return pd.DataFrame()
    accounts = pd.Index(dataset.accounts["account_id"], name="account_id")
    out = targets_by_account(dataset.order_lines, targets, as_of, accounts, flags)
    out = out.loc[out["target_fy"] > 0].copy()
    out["forecast_attainment"] = out["forecast_fy"] / out["target_fy"]
    out["gap_fy"] = out["target_fy"] - out["forecast_fy"]
    return out.sort_values("gap_fy", ascending=False, kind="stable")


def by_manager(frame: pd.DataFrame, accounts: pd.DataFrame, sums: list[str]) -> pd.DataFrame:
    """``sums`` columns of a per-account ``frame`` added up per KA manager."""
    manager = _managers(accounts).reindex(frame.index).fillna(UNASSIGNED)
    out = frame[sums].groupby(manager).sum()
    out.index.name = "ka_manager"
    return out


def _managers(accounts: pd.DataFrame) -> pd.Series:
    if "ka_manager" not in accounts:
        return pd.Series(UNASSIGNED, index=accounts["account_id"])
    return accounts.set_index("account_id")["ka_manager"].fillna(UNASSIGNED).astype(object)


def first_order_dates(lines: pd.DataFrame) -> pd.Series:
    """The first order date with a positive amount of each account."""
    positive = (lines["net_amount"] > 0).to_numpy(dtype=bool)
    return grouped_by_id(lines["order_date"], lines["account_id"], "min", positive)


def scorecards(
    dataset: Dataset, window: Window, as_of: dt.date | pd.Timestamp | None = None
) -> pd.DataFrame:
    """One scorecard row per KA manager for ``window`` (payments counted up to ``as_of``,
    default the window's end).

    Columns: accounts, revenue, target, revenue_targeted (revenue of the accounts
    with a target), attainment (revenue_targeted / target), visits (done visits and senior
    visits), visits_plan (Σ visits_target), visit_rate, due, collected,
    collection_rate, new_accounts (first positive order inside the window; n/a when the
    data does not cover the twelve months before the window, where an old customer's
    first order in the data would count as new), complaints (opened inside the window).
    Sorted by revenue.
    """
    as_of = window.end if as_of is None else as_timestamp(as_of)
    managers = _managers(dataset.accounts)
    frame = pd.DataFrame(index=managers.index)
    frame["accounts"] = 1
    frame["revenue"] = _revenue(dataset.order_lines, window)
    frame["target"] = _targets(dataset, window, "revenue_target")
    frame["visits_plan"] = _targets(dataset, window, "visits_target")
    # Attainment compares like with like: revenue of the accounts that have a target.
    frame["revenue_targeted"] = frame["revenue"].where(frame["target"] > 0)
    activities = dataset.get("activities")
    if activities is not None:
        done = activities["status"].fillna("done") == "done" if "status" in activities else True
        visits = activities.loc[
            done & activities["type"].isin(VISIT_TYPES) & window.mask(activities["date"])
        ]
        frame["visits"] = visits.groupby("account_id").size()
    invoices = dataset.get("invoices")
    if invoices is not None:
        progress = collection_progress(invoices, window, as_of)
        frame["due"] = progress["due"]
        frame["collected"] = progress["collected"]
    lookback = Window(window.start - pd.DateOffset(months=12), window.start)
    new_known = covers(data_start(dataset.order_lines), lookback)
    if new_known:
        frame["new_accounts"] = window.mask(first_order_dates(dataset.order_lines)).astype(int)
    else:
        frame["new_accounts"] = np.nan
    complaints = dataset.get("complaints")
    if complaints is not None:
        opened = complaints.loc[window.mask(complaints["opened_date"])]
        frame["complaints"] = opened.groupby("account_id").size()
    unknown = (
        "target",
        "visits_plan",
        "revenue_targeted",
        *(() if new_known else ("new_accounts",)),
    )
    frame = frame.fillna({c: 0 for c in frame.columns if c not in unknown})
    out = frame.groupby(managers.reindex(frame.index)).sum(min_count=1)
    out.index.name = "ka_manager"
    for column in ("visits", "due", "collected"):
        if column not in out:
            out[column] = np.nan
    if "complaints" not in out:
        out["complaints"] = np.nan
    out["attainment"] = (out["revenue_targeted"] / out["target"]).where(out["target"] > 0)
    out["visit_rate"] = (out["visits"] / out["visits_plan"]).where(out["visits_plan"] > 0)
    out["collection_rate"] = (out["collected"] / out["due"]).where(out["due"] > 0)
    return out.sort_values("revenue", ascending=False, kind="stable")


__all__ = ["attainment", "by_manager", "first_order_dates", "scorecards"]
