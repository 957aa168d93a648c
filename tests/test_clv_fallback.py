"""Lifetime value falls back to the order-rhythm rule when the model cannot be trusted,
and P(alive) agrees with the ORDER_GAP flag: planted churners never look "still buying"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamreport.analytics.backtest import auc_mann_whitney
from kamreport.analytics.clv import (
    BGNBDFit,
    RhythmRule,
    bgnbd_degeneracy,
    daily_net,
    fit_bgnbd,
    implied_yearly_dropout,
    order_rhythm,
    rhythm_rule,
)
from kamreport.analytics.clv_backtest import clv_backtest, score_method
from kamreport.analytics.valuation import clv_choice, value_portfolio
from kamreport.dataset import Dataset
from kamreport.params import ClvParams, RiskParams, ScoringParams

AS_OF = pd.Timestamp("2026-09-30")
CDNOW = BGNBDFit(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=float("nan"), n=0)


def _lines(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["account_id", "order_date", "net_amount"])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    frame["order_id"] = [f"o{i}" for i in range(len(frame))]
    return frame


@pytest.fixture(scope="module")
def sample():
    from kamreport.sample import generate_sample

    dataset = Dataset(generate_sample())
    valuation = value_portfolio(dataset, AS_OF, ScoringParams(), ClvParams(), RiskParams())
    return dataset, valuation


def test_rule_by_hand():
    """Orders every 10 days until 2026-06-01: usual interval 10, limit max(2×10, 30) = 30;
    121 days since the last order → p = 30/121; 12 orders in the LTM."""
    dates = pd.date_range("2026-02-11", "2026-06-01", freq="10D")
    lines = _lines([("A", d, 100.0) for d in dates] + [("B", "2026-09-20", 5.0)])
    end = pd.Timestamp("2026-09-30")
    rhythm = order_rhythm(daily_net(lines, end), end, RhythmRule())
    assert rhythm.loc["A", "usual_days"] == 10
    assert rhythm.loc["A", "limit_days"] == 30
    assert rhythm.loc["A", "days_since"] == 121
    ruled = rhythm_rule(rhythm)
    assert ruled.loc["A", "p_alive"] == pytest.approx(30 / 121)
    # first order 232 days before the end: 12 orders annualised over 232 of 365 days
    annual = 365 / 232
    assert ruled.loc["A", "expected_orders_12m"] == pytest.approx(30 / 121 * 12 * annual)
    # B: one order 10 days ago, no interval → limit 30, still buying; exposure floored at 91
    assert ruled.loc["B", "p_alive"] == 1.0
    assert ruled.loc["B", "expected_orders_12m"] == pytest.approx(365 / 91)


def test_cdnow_fit_is_not_degenerate():
    """The published CDNOW parameters on a CDNOW-like summary (weeks, ~39-week calibration)."""
    rng = np.random.default_rng(1)
    summary = pd.DataFrame(
        {"frequency": rng.poisson(1.0, 500).astype(float), "T": rng.uniform(27, 39, 500)}
    )
    assert bgnbd_degeneracy(CDNOW, summary, min_yearly_dropout=0.01) == ()
    assert implied_yearly_dropout(CDNOW, summary, 52.18) > 0.3


def test_nobody_drops_out_is_degenerate():
    """a → 0 (the real wholesaler's one-year fit): no one ever drops out, and at the bound."""
    fit = BGNBDFit(r=1.5, alpha=1.7, a=1e-5, b=3.0, log_likelihood=float("nan"), n=0)
    summary = pd.DataFrame({"frequency": [20.0, 40.0, 0.0], "T": [52.0, 52.0, 10.0]})
    assert bgnbd_degeneracy(fit, summary, min_yearly_dropout=0.01) == ("at_bound", "no_dropout")
    # by hand: E[(1-p)^n] = B(a, b+n)/B(a, b) with n = median(20/52, 40/52) × 52 = 30
    from scipy.special import beta

    n = 30.0
    expected = 1 - beta(fit.a, fit.b + n) / beta(fit.a, fit.b)
    assert implied_yearly_dropout(fit, summary, 52.0) == pytest.approx(expected)


def test_back_test_scores_by_hand():
    p = np.array([0.9, 0.2, 0.6, 0.1])
    predicted = np.array([3.0, 1.0, 2.0, 0.0])
    actual = np.array([4.0, 0.0, 1.0, 0.0])
    score = score_method(p, predicted, actual)
    assert score.auc == auc_mann_whitney([0.9, 0.6], [0.2, 0.1]) == 1.0
    assert score.orders_mae == pytest.approx((1 + 1 + 1 + 0) / 4)
    assert score.orders_predicted == 1.5 and score.orders_actual == 1.25
    assert score.ordered_again == 0.5


def test_back_test_is_na_on_short_history():
    lines = _lines([("A", "2026-01-05", 10.0), ("A", "2026-03-05", 10.0)])
    bt = clv_backtest(lines, AS_OF)
    assert bt.unavailable == "history_short" and bt.verdict == "backtest_unavailable"
    assert not bt.model_better


def test_sample_uses_the_rule_and_says_why(sample):
    _, valuation = sample
    choice = valuation.clv_choice
    assert clv_choice(valuation.accounts) is choice
    assert choice.method == "rule" and "no_dropout" in choice.reasons
    bt = choice.backtest
    assert bt.followed > 200 and bt.model is not None and bt.rule is not None
    assert 0.5 < bt.rule.auc <= 1 and bt.rule.orders_mae > 0
    # the model's own back-test at T, refitted here
    assert bt.model.auc == pytest.approx(bt.model.auc)  # finite
    assert np.isfinite(bt.model.orders_mae)


def test_planted_churners_are_not_still_buying(sample):
    from kamreport.sample.stories import PLANTED

    _, valuation = sample
    values, flags = valuation.accounts, valuation.flags
    for account in PLANTED["churning"]:
        assert values.loc[account, "p_alive"] < 0.5, account
        assert values.loc[account, "expected_orders_12m"] < 5, account  # 5 in the LTM
        codes = set(flags.loc[flags["account_id"] == account, "code"])
        assert {"ORDER_GAP", "LOW_P_ALIVE"} <= codes, account
    for account in PLANTED["healthy"]:
        assert values.loc[account, "p_alive"] == 1.0, account


def test_p_alive_agrees_with_the_order_gap_flag(sample):
    """ORDER_GAP raised ⟺ P(alive) < 1; ORDER_GAP high ⟺ P(alive) < ½ (= LOW_P_ALIVE),
    for the accounts with enough order days to have a usual interval; the others (one-off
    and occasional buyers) are valued by the rule but raise neither flag."""
    dataset, valuation = sample
    values, flags = valuation.accounts, valuation.flags
    gap = flags.loc[flags["code"] == "ORDER_GAP"].set_index("account_id")["severity"]
    low = set(flags.loc[flags["code"] == "LOW_P_ALIVE", "account_id"])
    lines = dataset.order_lines.loc[dataset.order_lines["order_date"] <= pd.Timestamp(AS_OF)]
    daily = lines.groupby(["account_id", "order_date"])["net_amount"].sum()
    order_days = daily[daily > 0].groupby(level="account_id").size()
    regular = order_days.index[order_days >= RiskParams().min_orders_for_interval]
    p_all = values["p_alive"].dropna()
    p = p_all[p_all.index.isin(regular)]
    assert (p_all < 1).sum() > (p < 1).sum()  # the sample has a one-off buyer behind its rhythm
    assert set(p.index[p < 1]) == set(gap.index)
    assert set(p.index[p < 0.5]) == set(gap.index[gap == "high"]) == low
    # and the probability is the flag's own numbers: limit ÷ days since the last order
    order_gap = flags.loc[flags["code"] == "ORDER_GAP"].set_index("account_id")
    expected = order_gap["threshold"] / order_gap["value"]
    np.testing.assert_allclose(p.reindex(expected.index), expected, rtol=1e-12)


def test_sample_interval_brackets_the_lifetime_value(sample):
    _, valuation = sample
    v = valuation.accounts
    assert (v["clv_low"] <= v["clv"] + 1e-6).all() and (v["clv"] <= v["clv_high"] + 1e-6).all()
    buying = v["clv"] > 0
    assert (v.loc[buying, "clv_high"] > v.loc[buying, "clv_low"]).all()


def test_model_used_when_it_fits_and_earns_its_place():
    """A simulated portfolio with real drop-outs: the fit is sound and, when the back-test
    says it beat the rule, the model is used; when not, the rule and the reason."""
    from kamreport.analytics.clv import account_clv

    rng = np.random.default_rng(3)
    rows = []
    start = pd.Timestamp("2023-01-02")
    for i in range(150):
        rate, drop, size = rng.gamma(2.0, 0.25), rng.beta(2, 8), rng.gamma(4.0, 25.0)
        week = rng.exponential(1 / rate)
        while week < 195:
            rows.append(
                (f"K{i:03d}", start + pd.Timedelta(days=int(week * 7)), size * rng.gamma(8, 1 / 8))
            )
            if rng.random() < drop:
                break
            week += rng.exponential(1 / rate)
    lines = _lines(rows)
    fit = account_clv(lines, AS_OF, margin_rate=0.3, interval_resamples=5)
    assert fit.reasons == () and fit.bgnbd is not None
    assert bgnbd_degeneracy(fit.bgnbd, _summary(lines), min_yearly_dropout=0.01) == ()
    refused = account_clv(
        lines, AS_OF, margin_rate=0.3, model_earned=False, earned_reason="backtest_not_better"
    )
    assert refused.reasons == ("backtest_not_better",)
    assert (refused.accounts["method"] == "rule").all()


def _summary(lines: pd.DataFrame) -> pd.DataFrame:
    from kamreport.analytics.clv import rfm_summary

    return rfm_summary(lines, AS_OF)


def test_fit_bgnbd_from_a_start_reproduces_the_full_fit():
    rng = np.random.default_rng(5)
    summary = pd.DataFrame(
        {
            "frequency": rng.poisson(2.0, 300).astype(float),
            "T": np.full(300, 40.0),
        }
    )
    summary["recency"] = np.where(summary["frequency"] > 0, rng.uniform(1, 40, 300), 0.0)
    full = fit_bgnbd(summary)
    again = fit_bgnbd(summary, start=full)
    assert again.log_likelihood == pytest.approx(full.log_likelihood, rel=1e-6)
