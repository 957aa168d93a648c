"""Satisfaction (满意度) and complaints (投诉) of one account.

Definitions (docs/metrics.md, "Satisfaction and complaints"), as of A:

- score trend: the survey scores (0–10) dated ≤ A, averaged per survey date;
  latest score with its date and its change against the survey before (with
  that survey's date);
- stale: the latest survey is dated on or before A − ``risk.survey_stale_months``;
- fall: mean of the surveys dated in the ``risk.satisfaction_baseline_months``
  before the latest one (latest − months ≤ d < latest) minus the latest score
  (the SATISFACTION_FALL flag compares it with ``risk.satisfaction_fall``);
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
from kamreport.params import RiskParams


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
    latest_date: dt.date | None = None
    previous_date: dt.date | None = None  # the survey score_change compares with
    stale: bool = False  # latest survey dated ≤ A − risk.survey_stale_months
    stale_months: int = 12
    baseline_score: float | None = None  # mean of the surveys before, see survey_summary
    baseline_from: dt.date | None = None  # the first day the baseline looks back to
    baseline_surveys: int = 0

    @property
    def fall(self) -> float | None:
        """baseline_score − latest_score (positive: satisfaction fell); None without both."""
        if self.latest_score is None or self.baseline_score is None:
            return None
        return self.baseline_score - self.latest_score


SUMMARY_COLUMNS = [
    "latest_date", "latest_score", "previous_date", "previous_score", "baseline_from",
    "baseline_score", "baseline_surveys", "stale",
]  # fmt: skip


def survey_scores(surveys: pd.DataFrame, as_of: dt.date | pd.Timestamp) -> pd.DataFrame:
    """Surveys dated ≤ as_of, one row per account and survey date with the mean score
    over its respondents (account_id, survey_date, score), in date order."""
    end = as_timestamp(as_of)
    used = surveys.loc[surveys["survey_date"] <= end, ["account_id", "survey_date", "score"]]
    used = used.loc[used["score"].notna()]
    scores = used.groupby(["account_id", "survey_date"], as_index=False)["score"].mean()
    return scores.sort_values(["account_id", "survey_date"], kind="stable").reset_index(drop=True)


def survey_summary(
    surveys: pd.DataFrame, as_of: dt.date | pd.Timestamp, risk: RiskParams
) -> pd.DataFrame:
    """Per account with a survey ≤ as_of (index account_id): :data:`SUMMARY_COLUMNS`.

    latest / previous: the last two survey dates and their scores; baseline_score:
    mean score of the surveys dated in the ``risk.satisfaction_baseline_months``
    before the latest (latest − months ≤ d < latest; NaN without any), baseline_from
    that first day; stale: latest_date ≤ as_of − ``risk.survey_stale_months``.
    """
    end = as_timestamp(as_of)
    scores = survey_scores(surveys, end)
    if scores.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS).rename_axis("account_id")
    by = scores.groupby("account_id")
    latest = by.tail(1).set_index("account_id")
    previous = scores.loc[by.cumcount(ascending=False) == 1].set_index("account_id")
    start = latest["survey_date"] - pd.DateOffset(months=risk.satisfaction_baseline_months)
    own_latest = scores["account_id"].map(latest["survey_date"])
    own_start = scores["account_id"].map(start)
    before = scores.loc[(scores["survey_date"] >= own_start) & (scores["survey_date"] < own_latest)]
    baseline = before.groupby("account_id")["score"].agg(["mean", "size"])
    out = pd.DataFrame(index=latest.index)
    out["latest_date"] = latest["survey_date"]
    out["latest_score"] = latest["score"]
    out["previous_date"] = previous["survey_date"].reindex(out.index)
    out["previous_score"] = previous["score"].reindex(out.index)
    out["baseline_from"] = start
    out["baseline_score"] = baseline["mean"].reindex(out.index)
    out["baseline_surveys"] = baseline["size"].reindex(out.index).fillna(0).astype(int)
    out["stale"] = out["latest_date"] <= end - pd.DateOffset(months=risk.survey_stale_months)
    return out[SUMMARY_COLUMNS]


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
    risk: RiskParams | None = None,
) -> Satisfaction | None:
    """The satisfaction section of one account; None when it has no surveys or complaints.

    ``risk`` gives the staleness limit and the baseline window of the surveys
    (defaults when not given; the account review passes the run's).
    """
    risk = risk if risk is not None else RiskParams()
    if surveys is None and complaints is None:
        return None
    end = as_timestamp(as_of)
    has_surveys = surveys is not None and (surveys["account_id"] == account_id).any()
    has_complaints = complaints is not None and (complaints["account_id"] == account_id).any()
    if not has_surveys and not has_complaints:
        return None
    scores = latest = change = None
    dated: dict[str, object] = {"stale_months": risk.survey_stale_months}
    if surveys is not None:
        own = surveys.loc[surveys["account_id"] == account_id]
        scores = survey_scores(own, end)[["survey_date", "score"]]
        summary = survey_summary(own, end, risk)
        if len(summary):
            row = summary.iloc[0]
            latest = float(row["latest_score"])
            if pd.notna(row["previous_score"]):
                change = latest - float(row["previous_score"])
                dated["previous_date"] = row["previous_date"].date()
            dated["latest_date"] = row["latest_date"].date()
            dated["stale"] = bool(row["stale"])
            dated["baseline_from"] = row["baseline_from"].date()
            dated["baseline_surveys"] = int(row["baseline_surveys"])
            if pd.notna(row["baseline_score"]):
                dated["baseline_score"] = float(row["baseline_score"])
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
        **dated,  # type: ignore[arg-type]
    )
