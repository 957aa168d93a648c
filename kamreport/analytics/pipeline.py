"""Pipeline (销售漏斗): open opportunities by stage, weighted value, closes, won and lost.

Definitions (docs/metrics.md, "Pipeline"), as of A:

- open: stage not won or lost, created ≤ A (or no created date);
- weighted value: amount × probability, where a missing probability takes the
  stage default (:data:`STAGE_PROBABILITY`);
- expected closes: open opportunities with an expected close in the next
  :data:`CLOSE_HORIZON_MONTHS` months after A (or already past it: overdue);
- won / lost in the last year: closed_date in the LTM window (stage won / lost);
  win rate: won / (won + lost) by count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.periods import as_timestamp, ltm

STAGE_PROBABILITY = {"lead": 0.1, "qualified": 0.25, "proposal": 0.5, "negotiation": 0.75}
OPEN_STAGES = tuple(STAGE_PROBABILITY)
CLOSE_HORIZON_MONTHS = 6


@dataclass(frozen=True)
class Pipeline:
    by_stage: pd.DataFrame  # stage, count, amount, weighted (open stages, in order)
    open: pd.DataFrame  # name, stage, amount, probability, weighted, expected_close, overdue
    closes: pd.DataFrame  # subset of open closing within the horizon (or overdue)
    won_count: int
    won_amount: float
    lost_count: int
    lost_amount: float

    @property
    def weighted_total(self) -> float:
        return float(self.by_stage["weighted"].sum())

    @property
    def open_total(self) -> float:
        return float(self.by_stage["amount"].sum())

    @property
    def win_rate(self) -> float | None:
        closed = self.won_count + self.lost_count
        return self.won_count / closed if closed else None


def account_pipeline(
    opportunities: pd.DataFrame | None, account_id: str, as_of: dt.date | pd.Timestamp
) -> Pipeline | None:
    """The pipeline of one account; None when it has no opportunities."""
    if opportunities is None:
        return None
    end = as_timestamp(as_of)
    own = opportunities.loc[opportunities["account_id"] == account_id].copy()
    if own.empty:
        return None
    for column in ("probability", "created_date", "expected_close", "closed_date"):
        if column not in own:
            own[column] = pd.NaT if column != "probability" else float("nan")
    own["probability"] = own["probability"].fillna(own["stage"].map(STAGE_PROBABILITY))
    own["weighted"] = own["amount"] * own["probability"].fillna(0.0)
    is_open = own["stage"].isin(OPEN_STAGES) & (
        own["created_date"].isna() | (own["created_date"] <= end)
    )
    open_ = own.loc[is_open].copy()
    open_["overdue"] = open_["expected_close"] < end
    open_ = open_.sort_values(["expected_close", "amount"], ascending=[True, False])
    columns = ["name", "stage", "amount", "probability", "weighted", "expected_close", "overdue"]
    open_ = open_[columns].reset_index(drop=True)
    horizon = end + pd.DateOffset(months=CLOSE_HORIZON_MONTHS)
    closes = open_.loc[open_["expected_close"] <= horizon].reset_index(drop=True)
    grouped = open_.groupby("stage").agg(
        count=("name", "size"), amount=("amount", "sum"), weighted=("weighted", "sum")
    )
    by_stage = grouped.reindex(list(OPEN_STAGES), fill_value=0).reset_index()
    by_stage = by_stage.rename(columns={"index": "stage"})
    recent = own.loc[ltm(end).mask(own["closed_date"])]
    won, lost = recent.loc[recent["stage"] == "won"], recent.loc[recent["stage"] == "lost"]
    return Pipeline(
        by_stage=by_stage,
        open=open_,
        closes=closes,
        won_count=len(won),
        won_amount=float(won["amount"].sum()),
        lost_count=len(lost),
        lost_amount=float(lost["amount"].sum()),
    )
