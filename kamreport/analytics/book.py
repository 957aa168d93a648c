"""A KA manager's monthly book (述职): their accounts, the month and the year to date.

Every figure an account review or the portfolio also shows is taken from the same
place: LTM revenue, growth, YTD revenue, target and attainment, open and overdue
receivables from the metrics table (:func:`kamreport.metrics.account_metrics`); the
month's collection progress (回款进度) from
:func:`kamreport.analytics.collections.collection_progress`; the scorecard
(销售代表月度考核表) from :func:`kamreport.analytics.team.scorecards`. Pure.

Who to visit next: priority = days since the last done visit (or senior visit; at
most :data:`VISIT_DAYS_CAP`, and that cap for an account never visited) × LTM revenue
in units of :data:`VALUE_UNIT` × (1 + open risk flags). The largest first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.collections import collection_progress
from kamreport.analytics.periods import Window, as_timestamp, months_back, ytd
from kamreport.analytics.relationships import done_activities
from kamreport.analytics.satisfaction import survey_scores
from kamreport.analytics.targets import revenue_by_account
from kamreport.analytics.team import VISIT_TYPES, scorecards
from kamreport.dataset import Dataset

VISIT_DAYS_CAP = 365
VALUE_UNIT = 10_000.0
VISIT_NEXT = 10  # accounts listed under "visit next"
FROM_METRICS = (
    "revenue_ltm", "revenue_prior_ltm", "revenue_growth", "revenue_ytd", "target_ytd",
    "attainment_ytd", "open_amount", "overdue_amount", "tier",
)  # fmt: skip


@dataclass(frozen=True)
class ManagerBook:
    """Everything a manager's book shows, as plain tables."""

    manager: str
    as_of: dt.date
    month: Window  # the calendar month of the as-of date, up to it
    accounts: pd.DataFrame  # index account_id: FROM_METRICS, month figures, collection, flags
    scorecard: pd.DataFrame  # index month | ytd: the manager's scorecard rows, growth, satisfaction
    visit_next: pd.DataFrame  # index account_id: days, value, flags, priority (largest first)


def month_figures(
    dataset: Dataset, month: Window, as_of: pd.Timestamp, accounts: pd.Index
) -> pd.DataFrame:
    """Per account: revenue and revenue target of the month, attainment (revenue of an
    account with a target / its target), and the month's collection progress (invoices
    falling due in the month: due, collected by the as-of date, rate)."""
    out = pd.DataFrame(index=accounts)
    out["revenue_month"] = revenue_by_account(dataset.order_lines, month, accounts)
    targets = dataset.get("targets")
    out["target_month"] = np.nan
    if targets is not None:
        inside = targets.loc[month.mask(targets["month"])]
        out["target_month"] = inside.groupby("account_id")["revenue_target"].sum(min_count=1)
    target = out["target_month"]
    out["attainment_month"] = out["revenue_month"] / target.where(target > 0)
    out["due"] = out["collected"] = np.nan
    invoices = dataset.get("invoices")
    if invoices is not None:
        progress = collection_progress(invoices, month, as_of)
        out["due"] = progress["due"].reindex(accounts).fillna(0.0)
        out["collected"] = progress["collected"].reindex(accounts).fillna(0.0)
    out["collection_rate"] = out["collected"] / out["due"].where(out["due"] > 0)
    return out


def last_visits(
    activities: pd.DataFrame | None, as_of: pd.Timestamp, accounts: pd.Index
) -> pd.Series:
    """The date of each account's last done visit or senior visit up to the as-of date."""
    if activities is None or activities.empty:
        return pd.Series(pd.NaT, index=accounts, dtype="datetime64[ns]")
    done = done_activities(activities, as_of)
    visits = done.loc[done["type"].isin(VISIT_TYPES)]
    return visits.groupby("account_id")["date"].max().reindex(accounts)


def visit_priority(accounts: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Who to visit next (module docstring): days, value, flags, priority; largest first."""
    days = (as_of - accounts["last_visit"]).dt.days.astype(float)
    days = days.fillna(VISIT_DAYS_CAP).clip(upper=VISIT_DAYS_CAP)
    out = pd.DataFrame(index=accounts.index)
    out["last_visit"] = accounts["last_visit"]
    out["days"] = days
    out["value"] = accounts["revenue_ltm"].clip(lower=0) / VALUE_UNIT
    out["flags"] = accounts["flags"]
    out["priority"] = out["days"] * out["value"] * (1 + out["flags"])
    order = out.reset_index().sort_values(
        ["priority", "account_id"], ascending=[False, True], kind="stable"
    )
    return out.loc[order["account_id"]]


def _satisfaction(surveys: pd.DataFrame | None, as_of: pd.Timestamp, ids: list[str]) -> float:
    """Mean of the latest survey score (≤ as-of, last 12 months) of the accounts."""
    if surveys is None or surveys.empty:
        return float("nan")
    scores = survey_scores(surveys, as_of)
    recent = scores.loc[
        scores["account_id"].isin(ids) & (scores["survey_date"] > as_of - pd.DateOffset(months=12))
    ]
    latest = recent.groupby("account_id")["score"].last()
    return float(latest.mean()) if len(latest) else float("nan")


def manager_scorecard(
    dataset: Dataset, manager: str, as_of: pd.Timestamp, accounts: pd.DataFrame
) -> pd.DataFrame:
    """The manager's rows of the portfolio's scorecards (the month and the year to date),
    with LTM growth (Σ LTM revenue / Σ prior LTM revenue − 1 of their accounts) and
    satisfaction (mean latest survey score of the last 12 months)."""
    rows = {}
    for key, window in (("month", months_back(as_of, 1)), ("ytd", ytd(as_of))):
        cards = scorecards(dataset, window, as_of)
        row = cards.loc[manager] if manager in cards.index else pd.Series(dtype=float)
        rows[key] = row
    out = pd.DataFrame(rows).T
    prior = float(accounts["revenue_prior_ltm"].sum(min_count=1))
    growth = float(accounts["revenue_ltm"].sum()) / prior - 1 if prior > 0 else float("nan")
    out["growth_ltm"] = growth
    out["satisfaction"] = _satisfaction(dataset.get("surveys"), as_of, list(accounts.index))
    return out


def manager_book(
    dataset: Dataset,
    as_of: dt.date,
    manager: str,
    account_ids: list[str],
    metrics: pd.DataFrame,
    flags: pd.DataFrame,
) -> ManagerBook:
    """The book of ``manager`` (whose accounts are ``account_ids``) as of ``as_of``;
    ``metrics`` and ``flags`` are the run's metrics table and risk flags."""
    end = as_timestamp(as_of)
    index = pd.Index(account_ids, name="account_id")
    table = metrics.set_index("account_id").reindex(index)
    accounts = table[[c for c in FROM_METRICS if c in table]].copy()
    month = months_back(end, 1)
    accounts = accounts.join(month_figures(dataset, month, end, index))
    accounts["overdue_amount"] = accounts["overdue_amount"].fillna(0.0)
    own = flags.loc[flags["account_id"].isin(account_ids)]
    accounts["flags"] = own.groupby("account_id").size().reindex(index, fill_value=0)
    codes = own.groupby("account_id")["code"].agg(tuple)
    accounts["flag_codes"] = [codes.get(a, ()) for a in index]
    accounts["last_visit"] = last_visits(dataset.get("activities"), end, index)
    accounts = accounts.sort_values("revenue_ltm", ascending=False, kind="stable")
    return ManagerBook(
        manager=manager,
        as_of=end.date(),
        month=month,
        accounts=accounts,
        scorecard=manager_scorecard(dataset, manager, end, accounts),
        visit_next=visit_priority(accounts, end).head(VISIT_NEXT),
    )


__all__ = [
    "VALUE_UNIT",
    "VISIT_DAYS_CAP",
    "ManagerBook",
    "manager_book",
    "manager_scorecard",
    "month_figures",
    "visit_priority",
]
