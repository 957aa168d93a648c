"""Lifetime value: BG/NBD and Gamma-Gamma recover simulated parameters, formulas, fallback."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from kamreport.analytics.clv import (
    BGNBDFit,
    GammaGammaFit,
    ModelFitError,
    account_clv,
    annuity_factor,
    bgnbd_log_likelihood,
    discounted_clv,
    expected_average_value,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
    probability_alive,
    rfm_summary,
)
from kamreport.errors import KamReportError

# Published CDNOW estimates: BG/NBD (Fader, Hardie & Lee 2005), Gamma-Gamma (Fader & Hardie 2013).
CDNOW = BGNBDFit(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=float("nan"), n=0)
CDNOW_GG = GammaGammaFit(p=6.25, q=3.74, v=15.44, log_likelihood=float("nan"), n=0)


def simulate_bgnbd(n, r, alpha, a, b, T, rng) -> pd.DataFrame:
    """Draw λ ~ Gamma(r, α), p ~ Beta(a, b); Poisson purchases over (0, T], after each
    repeat purchase the customer drops out with probability p."""
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x, tx, t = np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        t[idx] += rng.exponential(1 / lam[idx])
        over = t[idx] > T[idx]
        active[idx[over]] = False
        bought = idx[~over]
        x[bought] += 1
        tx[bought] = t[bought]
        active[bought[rng.random(len(bought)) < p[bought]]] = False
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T})


def simulate_gamma_gamma(n, p, q, v, rng) -> pd.DataFrame:
    """ν ~ Gamma(q, v) per customer, x purchases each Gamma(p, ν); m = their mean."""
    x = rng.poisson(1.0, n) + 1
    nu = rng.gamma(q, 1 / v, n)
    values = [rng.gamma(p, 1 / nu[i], x[i]) for i in range(n)]
    return pd.DataFrame({"frequency": x, "monetary_value": [v_.mean() for v_ in values]})


def close(estimate: float, truth: float, tolerance: float) -> bool:
    return abs(estimate / truth - 1) <= tolerance


def test_bgnbd_recovers_simulated_parameters():
    rng = np.random.default_rng(20051)
    n = 10_000
    summary = simulate_bgnbd(n, 0.24, 4.41, 0.79, 2.43, rng.uniform(39, 104, n), rng)
    fit = fit_bgnbd(summary)
    assert fit.n == n
    for name, truth in (("r", 0.24), ("alpha", 4.41), ("a", 0.79), ("b", 2.43)):
        assert close(getattr(fit, name), truth, 0.20), (name, getattr(fit, name), truth)
    # the maximum is a maximum: the true parameters fit no better
    at_truth = bgnbd_log_likelihood(0.24, 4.41, 0.79, 2.43, **_cols(summary)).sum()
    assert fit.log_likelihood >= at_truth


def _cols(summary: pd.DataFrame) -> dict:
    return {"frequency": summary["frequency"], "recency": summary["recency"], "T": summary["T"]}


def test_gamma_gamma_recovers_simulated_parameters():
    rng = np.random.default_rng(2013)
    data = simulate_gamma_gamma(20_000, 6.25, 3.74, 15.44, rng)
    fit = fit_gamma_gamma(data)
    for name, truth in (("p", 6.25), ("q", 3.74), ("v", 15.44)):
        assert close(getattr(fit, name), truth, 0.20), (name, getattr(fit, name), truth)
    # the population mean value p v / (q − 1) is identified much more tightly
    assert close(fit.p * fit.v / (fit.q - 1), 6.25 * 15.44 / 2.74, 0.03)


def _plain_bgnbd_ll(r, alpha, a, b, x, tx, T) -> float:
    """Fader, Hardie & Lee (2005) eq. 6 written out with math.lgamma, no log-sum-exp."""
    a1 = math.exp(math.lgamma(r + x) - math.lgamma(r) + r * math.log(alpha))
    a2 = math.exp(math.lgamma(a + b) + math.lgamma(b + x) - math.lgamma(b) - math.lgamma(a + b + x))
    a3 = (1 / (alpha + T)) ** (r + x)
    a4 = (a / (b + x - 1)) * (1 / (alpha + tx)) ** (r + x) if x > 0 else 0.0
    return math.log(a1 * a2 * (a3 + a4))


def test_bgnbd_log_likelihood_matches_the_plain_formula_at_cdnow_parameters():
    customers = [(0, 0.0, 38.86), (2, 30.43, 38.86), (1, 1.71, 38.86), (7, 29.43, 32.71)]
    x, tx, big_t = (np.array(c, dtype=float) for c in zip(*customers, strict=True))
    ours = bgnbd_log_likelihood(CDNOW.r, CDNOW.alpha, CDNOW.a, CDNOW.b, x, tx, big_t)
    for i, (xi, txi, ti) in enumerate(customers):
        expected = _plain_bgnbd_ll(CDNOW.r, CDNOW.alpha, CDNOW.a, CDNOW.b, xi, txi, ti)
        assert ours[i] == pytest.approx(expected, rel=1e-10)


def _plain_gg_ll(p, q, v, x, m) -> float:
    return (
        math.lgamma(p * x + q)
        - math.lgamma(p * x)
        - math.lgamma(q)
        + q * math.log(v)
        + (p * x - 1) * math.log(m)
        + p * x * math.log(x)
        - (p * x + q) * math.log(v + m * x)
    )


def test_gamma_gamma_log_likelihood_matches_the_plain_formula():
    for x, m in ((1, 20.0), (3, 35.5), (10, 12.25)):
        ours = gamma_gamma_log_likelihood(6.25, 3.74, 15.44, [x], [m])[0]
        assert ours == pytest.approx(_plain_gg_ll(6.25, 3.74, 15.44, x, m), rel=1e-10)


def test_conditional_expectation_published_example():
    """FHL (2005) section 5: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in 39 weeks."""
    value = expected_purchases(CDNOW, 39, 2, 30.43, 38.86)
    assert float(value) == pytest.approx(1.226, abs=0.002)


def test_expected_purchases_agrees_with_the_untransformed_formula():
    x = np.array([0.0, 1, 3, 10, 40])
    tx = np.array([0.0, 5, 20, 30, 38])
    big_t = np.full(5, 39.0)
    r, alpha, a, b = CDNOW.r, CDNOW.alpha, CDNOW.a, CDNOW.b
    t = 52.0
    z = t / (alpha + big_t + t)
    bracket = 1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * special.hyp2f1(
        r + x, b + x, a + b + x - 1, z
    )
    odds = np.where(x > 0, a / (b + x - 1) * ((alpha + big_t) / (alpha + tx)) ** (r + x), 0)
    direct = (a + b + x - 1) / (a - 1) * bracket / (1 + odds)
    np.testing.assert_allclose(expected_purchases(CDNOW, t, x, tx, big_t), direct, rtol=1e-10)


def test_expected_purchases_stay_finite_for_very_frequent_buyers():
    value = expected_purchases(CDNOW, 156, 3000.0, 3120.0, 3121.0)
    assert np.isfinite(value) and value > 0


def test_expected_purchases_grow_with_t():
    t = np.arange(0, 200, 5, dtype=float)
    for x, tx in ((0, 0.0), (1, 10.0), (5, 35.0), (5, 5.0)):
        values = expected_purchases(CDNOW, t, x, tx, 39.0)
        assert values[0] == 0
        assert np.all(np.diff(values) > 0)


def test_probability_alive_is_one_without_repeat_purchases():
    assert np.all(probability_alive(CDNOW, [0, 0, 0], [0, 0, 0], [1.0, 30.0, 500.0]) == 1.0)


@settings(max_examples=200, deadline=None)
@given(
    x=st.integers(0, 500),
    tx_share=st.floats(0, 1),
    big_t=st.floats(0.1, 1000),
    r=st.floats(0.01, 10),
    alpha=st.floats(0.01, 100),
    a=st.floats(0.01, 10),
    b=st.floats(0.01, 10),
)
def test_probability_alive_is_a_probability(x, tx_share, big_t, r, alpha, a, b):
    fit = BGNBDFit(r, alpha, a, b, 0.0, 0)
    value = float(probability_alive(fit, x, tx_share * big_t if x else 0.0, big_t))
    assert 0.0 <= value <= 1.0


def test_expected_average_value_shrinks_towards_the_population_mean():
    population = CDNOW_GG.p * CDNOW_GG.v / (CDNOW_GG.q - 1)
    assert expected_average_value(CDNOW_GG, 0, 0.0) == pytest.approx(population)
    few, many = expected_average_value(CDNOW_GG, [1, 50], [100.0, 100.0])
    assert population < few < many < 100.0


def test_discounted_clv_is_the_documented_sum():
    x, tx, big_t, m, margin = 4.0, 30.0, 39.0, 50.0, 0.3
    periods_per_year = 52.0
    horizon = 104
    clv = discounted_clv(
        CDNOW, CDNOW_GG, [x], [tx], [big_t], [m], horizon, 0.1, [margin], periods_per_year
    )[0]
    value = float(expected_average_value(CDNOW_GG, x, m))
    expected = 0.0
    for k in range(1, horizon + 1):
        purchases = float(expected_purchases(CDNOW, k, x, tx, big_t)) - float(
            expected_purchases(CDNOW, k - 1, x, tx, big_t)
        )
        expected += purchases * value * margin / 1.1 ** (k / periods_per_year)
    assert clv == pytest.approx(expected, rel=1e-10)
    undiscounted = discounted_clv(
        CDNOW, CDNOW_GG, [x], [tx], [big_t], [m], horizon, 0.0, [margin], periods_per_year
    )[0]
    assert undiscounted > clv


def _lines(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["account_id", "order_id", "order_date", "net_amount"])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    frame["quantity"] = 1.0
    return frame


def test_rfm_summary_by_hand():
    lines = _lines(
        [
            ("A", "o1", "2026-01-05", 100.0),
            ("A", "o2", "2026-01-05", 20.0),  # same day: one purchase occasion of 120
            ("A", "o3", "2026-01-19", 60.0),
            ("A", "c1", "2026-01-26", -50.0),  # credit note only: not an occasion
            ("A", "o4", "2026-02-02", 40.0),
            ("A", "o5", "2026-03-02", 999.0),  # after as_of
            ("B", "o6", "2026-02-09", 70.0),
        ]
    )
    summary = rfm_summary(lines, "2026-02-16")
    assert summary.loc["A"].to_dict() == {
        "frequency": 2.0,
        "recency": 4.0,
        "T": 6.0,
        "monetary_value": 50.0,
    }
    assert summary.loc["B"].to_dict() == {
        "frequency": 0.0,
        "recency": 0.0,
        "T": 1.0,
        "monetary_value": 0.0,
    }


def test_annuity_factor():
    assert annuity_factor(1.0, 0.0, 36) == pytest.approx(3.0)
    assert annuity_factor(0.8, 0.1, 24) == pytest.approx(1 / 1.1 + 0.8 / 1.1**2)
    assert annuity_factor(0.8, 0.1, 18) == pytest.approx(1 / 1.1 + 0.5 * 0.8 / 1.1**2)


def _portfolio(n_accounts: int, rng) -> pd.DataFrame:
    """Accounts buying at their own weekly rate for two years, a third of them stopping."""
    rows = []
    start = pd.Timestamp("2024-10-01")
    for i in range(n_accounts):
        rate = rng.gamma(2.0, 0.1)
        stop = 104 if i % 3 else rng.integers(10, 104)
        size = rng.gamma(4.0, 250.0)
        week = rng.exponential(1 / rate)
        while week < stop:
            day = start + pd.Timedelta(days=int(week * 7))
            rows.append((f"K{i:03d}", f"o{i}-{week:.3f}", day, size * rng.gamma(8, 1 / 8)))
            week += rng.exponential(1 / rate)
    return _lines(rows)


def test_account_clv_fits_and_reports_per_account():
    rng = np.random.default_rng(7)
    lines = _portfolio(150, rng)
    result = account_clv(lines, "2026-09-30", margin_rate=0.25)
    frame = result.accounts
    assert result.bgnbd is not None and result.gamma_gamma is not None
    assert result.model_used and result.reasons == ()
    assert set(frame["method"]) <= {"bgnbd+gg", "rule"}
    model = frame["method"] == "bgnbd+gg"
    assert (frame.loc[model, "frequency"] > 0).all()
    assert (frame.loc[~model, "frequency"] == 0).all()
    assert frame["p_alive"].between(0, 1).all()
    assert (frame["clv"] >= 0).all() and (frame["expected_orders_12m"] >= 0).all()
    assert set(result.fallback_accounts) == set(frame.index[~model])
    # the bootstrap interval brackets the point estimate
    assert (frame["clv_low"] <= frame["clv"] + 1e-9).all()
    assert (frame["clv_high"] >= frame["clv"] - 1e-9).all()
    assert (frame.loc[model, "clv_high"] > frame.loc[model, "clv_low"]).all()


def test_account_clv_falls_back_when_the_model_cannot_be_fitted():
    lines = _lines(
        [
            ("A", "o1", "2025-03-01", 100.0),
            ("A", "o2", "2025-11-01", 300.0),
            ("B", "o3", "2025-01-01", 50.0),
            ("B", "o4", "2026-06-01", 50.0),
            ("C", "o5", "2025-02-01", 80.0),
            ("C", "o0", "2024-10-01", 0.0),  # nothing bought: the data covers the prior LTM
        ]
    )
    result = account_clv(
        lines, "2026-09-30", margin_rate=pd.Series({"A": 0.5, "B": 0.2}), discount_rate=0.1
    )
    assert result.bgnbd is None and result.reasons == ("too_few_repeaters",)
    assert "order-rhythm rule for every account" in result.message
    frame = result.accounts
    assert (frame["method"] == "rule").all()
    # retention observed: A, B and C bought in the prior LTM, only A and B again in the LTM
    assert result.retention == pytest.approx(2 / 3)
    factor = annuity_factor(2 / 3, 0.1, 36)
    # A: one order interval (245 days) → limit 490 days; last order 333 days ago: still buying.
    # LTM (2025-09-30, 2026-09-30]: one order of 300 at margin 0.5.
    assert frame.loc["A", "p_alive"] == 1.0
    assert frame.loc["A", "expected_orders_12m"] == pytest.approx(1.0)
    assert frame.loc["A", "clv"] == pytest.approx(300 * 0.5 * factor)
    assert frame.loc["A", "expected_margin_12m"] == pytest.approx(150)
    # B: interval 516 days → limit 1032; last order 121 days ago.
    assert frame.loc["B", "clv"] == pytest.approx(50 * 0.2 * factor)
    # C: one order 606 days ago, no interval → limit 30 days: p = 30/606, nothing in the LTM
    assert frame.loc["C", "p_alive"] == pytest.approx(30 / 606)
    assert frame.loc["C", "clv"] == 0.0
    # the interval comes from resampled retention: it brackets the point estimate
    assert frame.loc["A", "clv_low"] <= frame.loc["A", "clv"] <= frame.loc["A", "clv_high"]


def test_fit_errors_are_kamreport_errors():
    summary = pd.DataFrame({"frequency": [0.0, 1.0], "recency": [0.0, 2.0], "T": [5.0, 6.0]})
    with pytest.raises(ModelFitError, match="at least 10 customers with a repeat purchase"):
        fit_bgnbd(summary)
    assert issubclass(ModelFitError, KamReportError)


def test_unidentified_model_is_a_fit_error():
    """Identical customers who never pause: no heterogeneity, no drop-out to estimate."""
    same = pd.DataFrame(
        {"frequency": [10.0] * 50, "recency": [10.0] * 50, "T": [10.0] * 50,
         "monetary_value": [5.0] * 50}
    )  # fmt: skip
    with pytest.raises(ModelFitError, match="did not converge"):
        fit_bgnbd(same)
    with pytest.raises(ModelFitError, match="did not converge"):
        fit_gamma_gamma(same)


def _rhythm_grouped_on_ids(daily: pd.DataFrame, end: pd.Timestamp, rule) -> pd.DataFrame:
    """order_rhythm's figures, each grouping the days on the account ids themselves."""
    from kamreport.analytics.clv import MIN_EXPOSURE_DAYS
    from kamreport.analytics.periods import ltm

    used = daily.loc[(daily["net_amount"] > 0) & (daily["order_date"] <= end)]
    ids = used["account_id"]
    last = used.groupby(ids)["order_date"].max()
    first = used.groupby(ids)["order_date"].min()
    recent = used.loc[used["order_date"] > end - pd.DateOffset(months=rule.history_months)]
    gaps = recent.groupby(recent["account_id"])["order_date"].diff().dt.days
    usual = gaps.groupby(recent["account_id"]).median().reindex(last.index)
    window = ltm(end)
    ltm_days = float((window.end - window.start).days)
    in_ltm = used.loc[used["order_date"] > window.start]
    occasions = in_ltm.groupby(in_ltm["account_id"]).size().reindex(last.index, fill_value=0)
    return pd.DataFrame(
        {
            "days_since": (end - last).dt.days.astype(float),
            "usual_days": usual.astype(float),
            "limit_days": (usual * rule.factor).clip(lower=rule.min_days).fillna(rule.min_days),
            "occasions_ltm": occasions.astype(float),
            "exposure_days": ((end - first).dt.days.astype(float) + 1).clip(
                MIN_EXPOSURE_DAYS, ltm_days
            ),
            "ltm_days": ltm_days,
        }
    ).rename_axis("account_id")


@pytest.mark.parametrize("shuffled", [False, True])
def test_order_rhythm_equals_grouping_on_the_account_ids(shuffled):
    from kamreport.analytics.clv import RhythmRule, order_rhythm

    rng = np.random.default_rng(11)
    n = 4_000
    daily = pd.DataFrame(
        {
            "account_id": pd.Series(rng.choice(["A", "B<", "中", "D", None], n), dtype="str"),
            "order_date": pd.Timestamp("2023-01-01")
            + pd.to_timedelta(rng.integers(0, 900, n), "D"),
            "net_amount": rng.normal(40, 60, n),
        }
    )
    daily = daily.sample(frac=1, random_state=1) if shuffled else daily
    end = pd.Timestamp("2025-03-31")
    for rule in (RhythmRule(), RhythmRule(3.0, 10, 12)):
        got = order_rhythm(daily, end, rule)
        pd.testing.assert_frame_equal(got, _rhythm_grouped_on_ids(daily, end, rule))
    assert order_rhythm(daily.iloc[:0], end, RhythmRule()).empty
