"""Satisfaction (满意度) and complaints (投诉) of one account.

Definitions (docs/metrics.md, "Satisfaction and complaints"), as of A:

- score trend: the survey scores (0–10) dated ≤ A, averaged per survey date;
  latest score and its change against the survey before;
- complaints in the LTM window: opened in it; open at A: opened ≤ A and not
  closed by A (age in days: A − opened);
- resolution time: median of closed_date − opened_date in days over the
  complaints closed in the LTM window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.periods import as_timestamp, ltm


@dataclass(frozen=True)
class Satisfaction:
    surveys: pd.DataFrame | None  # survey_date, score
    latest_score: float | None
    score_change: float | None
    complaints_ltm: int | None
    complaints_prior: int | None
    open_complaints: pd.DataFrame | None  # complaint_id, opened_date, category, severity, age
    resolution_days: float | None
    by_category: pd.Series | None  # LTM complaints per category


def open_at(complaints: pd.DataFrame, as_of: dt.date | pd.Timestamp) -> pd.Series:
    """Mask of complaints opened ≤ as_of and not closed by then."""
    end = as_timestamp(as_of)
    mask = complaints["opened_date"] <= end
    if "closed_date" in complaints:
        mask &= complaints["closed_date"].isna() | (complaints["closed_date"] > end)
    return mask


def account_satisfaction(
    surveys: pd.DataFrame | None,
    complaints: pd.DataFrame | None,
    account_id: str,
    as_of: dt.date | pd.Timestamp,
) -> Satisfaction | None:
    """The satisfaction section of one account; None when it has no surveys or complaints."""
    if surveys is None and complaints is None:
        return None
    end = as_timestamp(as_of)
    has_surveys = surveys is not None and (surveys["account_id"] == account_id).any()
    has_complaints = complaints is not None and (complaints["account_id"] == account_id).any()
    if not has_surveys and not has_complaints:
        return None
    scores = latest = change = None
    if surveys is not None:
        own = surveys.loc[(surveys["account_id"] == account_id) & (surveys["survey_date"] <= end)]
        scores = own.groupby("survey_date", as_index=False)["score"].mean()
        if len(scores):
            latest = float(scores["score"].iloc[-1])
        if len(scores) > 1:
            change = latest - float(scores["score"].iloc[-2])
    ltm_count = prior_count = resolution = None
    open_list = by_category = None
    if complaints is not None:
        own = complaints.loc[complaints["account_id"] == account_id].copy()
        window = ltm(end)
        prior = window.shifted_years(1)
        ltm_count = int(window.mask(own["opened_date"]).sum())
        prior_count = int(prior.mask(own["opened_date"]).sum())
        opened = own.loc[open_at(own, end)].copy()
        opened["age"] = (end - opened["opened_date"]).dt.days
        for column in ("category", "severity"):
            if column not in opened:
                opened[column] = None
        open_list = opened.sort_values("opened_date")[
            ["complaint_id", "opened_date", "category", "severity", "age"]
        ].reset_index(drop=True)
        if "closed_date" in own:
            closed = own.loc[window.mask(own["closed_date"])]
            if len(closed):
                resolution = float((closed["closed_date"] - closed["opened_date"]).dt.days.median())
        recent = own.loc[window.mask(own["opened_date"])]
        if "category" in recent:
            by_category = recent["category"].fillna("other").value_counts()
    return Satisfaction(
        surveys=scores,
        latest_score=latest,
        score_change=change,
        complaints_ltm=ltm_count,
        complaints_prior=prior_count,
        open_complaints=open_list,
        resolution_days=resolution,
        by_category=by_category,
    )
