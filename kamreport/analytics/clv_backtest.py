"""Does the lifetime-value model work? P(alive) and expected orders of a year ago
against what happened next, for the BG/NBD model and for the order-rhythm rule.

As of T = as_of − 12 months, both are computed from the orders up to T for every
account with a purchase occasion by then, and compared with the twelve months
after T: the AUC of P(alive) for "ordered again" (Mann–Whitney, as the score's
back-test) and the calibration of expected against actual orders (means and the
mean absolute error per account). Definitions in docs/metrics.md, "Lifetime value".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.backtest import auc_mann_whitney
from kamreport.analytics.clv import (
    WEEKS_PER_YEAR,
    ModelFitError,
    RhythmRule,
    _rfm_from_daily,
    daily_net,
    expected_purchases,
    fit_bgnbd,
    order_rhythm,
    probability_alive,
    rhythm_rule,
)
from kamreport.analytics.coverage import covers, data_start
from kamreport.analytics.periods import Window, as_timestamp

MIN_HISTORY_MONTHS = 12  # orders needed before T for the back-test to run


@dataclass(frozen=True)
class MethodScore:
    """How one method's figures as of T compare with the twelve months after T."""

    auc: float  # P(alive) for "ordered again"; NaN when everyone (or no one) did
    p_alive_mean: float
    ordered_again: float  # share of followed accounts with an order after T
    orders_predicted: float  # mean expected orders per account
    orders_actual: float  # mean actual orders per account
    orders_mae: float  # mean |expected − actual| per account


@dataclass(frozen=True)
class ClvBacktest:
    """The back-test of both methods; ``unavailable`` is a reason code when it did not run
    ("history_short", "no_accounts"), ``model_unavailable`` when the model could not be
    fitted as of T (a :data:`~kamreport.analytics.clv.DEGENERATE_REASONS` code)."""

    then: dt.date
    followed: int
    model: MethodScore | None
    rule: MethodScore | None
    unavailable: str = ""
    model_unavailable: str = ""

    @property
    def model_better(self) -> bool:
        """The model earns its place: higher AUC and lower MAE than the rule."""
        m, r = self.model, self.rule
        if m is None or r is None or not (np.isfinite(m.auc) and np.isfinite(r.auc)):
            return False
        return m.auc > r.auc and m.orders_mae < r.orders_mae

    @property
    def verdict(self) -> str:
        """Reason code when the model did not earn its place, "" when it did."""
        if self.unavailable:
            return "backtest_unavailable"
        if self.model is None:
            return "backtest_unavailable"
        return "" if self.model_better else "backtest_not_better"


def score_method(p_alive: np.ndarray, predicted: np.ndarray, actual: np.ndarray) -> MethodScore:
    """AUC of ``p_alive`` for actual > 0, and calibration of ``predicted`` against ``actual``."""
    again = actual > 0
    return MethodScore(
        auc=auc_mann_whitney(p_alive[again], p_alive[~again]),
        p_alive_mean=float(np.mean(p_alive)),
        ordered_again=float(np.mean(again)),
        orders_predicted=float(np.mean(predicted)),
        orders_actual=float(np.mean(actual)),
        orders_mae=float(np.mean(np.abs(predicted - actual))),
    )


def clv_backtest(
    order_lines: pd.DataFrame,
    as_of: dt.date | pd.Timestamp,
    *,
    rule: RhythmRule | None = None,
    min_repeat_customers: int = 20,
    daily: pd.DataFrame | None = None,
) -> ClvBacktest:
    """Back-test of the BG/NBD model and the order-rhythm rule as of as_of − 12 months.

    ``daily`` is ``clv.daily_net(order_lines, as_of)`` when the caller has it already."""
    rule = rule if rule is not None else RhythmRule()
    end = as_timestamp(as_of)
    then = end - pd.DateOffset(months=12)
    daily = daily_net(order_lines, end) if daily is None else daily
    history = Window(then - pd.DateOffset(months=MIN_HISTORY_MONTHS), then)
    if daily.empty or not covers(data_start(order_lines), history):
        return ClvBacktest(then.date(), 0, None, None, unavailable="history_short")
    before = daily.loc[daily["order_date"] <= then]
    summary = _rfm_from_daily(before, then, "W")
    if summary.empty:
        return ClvBacktest(then.date(), 0, None, None, unavailable="no_accounts")
    after = daily.loc[(daily["order_date"] > then) & (daily["net_amount"] > 0)]
    actual = after.groupby("account_id").size().reindex(summary.index, fill_value=0).to_numpy(float)
    ruled = rhythm_rule(order_rhythm(before, then, rule)).reindex(summary.index)
    rule_score = score_method(
        ruled["p_alive"].to_numpy(float), ruled["expected_orders_12m"].to_numpy(float), actual
    )
    model_score, model_reason = None, ""
    try:
        fit = fit_bgnbd(summary, min_repeat_customers=min_repeat_customers)
    except ModelFitError as exc:
        model_reason = exc.reason
    else:
        x, tx, big_t = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
        model_score = score_method(
            probability_alive(fit, x, tx, big_t),
            expected_purchases(fit, WEEKS_PER_YEAR, x, tx, big_t),
            actual,
        )
    return ClvBacktest(
        then=then.date(),
        followed=len(summary),
        model=model_score,
        rule=rule_score,
        model_unavailable=model_reason,
    )


__all__ = ["MIN_HISTORY_MONTHS", "ClvBacktest", "MethodScore", "clv_backtest", "score_method"]
