"""The value layer end to end: one row per account, consistent columns, the sample's stories."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from test_scoring import AS_OF, tiny_dataset

from kamreport.analytics.abc import abc_classes
from kamreport.analytics.scoring import account_features, score_accounts
from kamreport.analytics.tiers import TIERS, assign_tiers
from kamreport.analytics.valuation import (
    margin_rates,
    shifted_weights,
    value_accounts,
    value_portfolio,
    weight_sensitivity,
)
from kamreport.dataset import Dataset
from kamreport.params import SCORING_CRITERIA, ClvParams, ScoringParams

EXPECTED_COLUMNS = [
    "revenue_ltm",
    "gross_margin_ltm",
    *SCORING_CRITERIA,
    "score",
    *(f"contrib_{c}" for c in SCORING_CRITERIA),
    "tier",
    "abc_class",
    "abc_class_margin",
    "rank",
    "p_alive",
    "expected_orders_12m",
    "expected_margin_12m",
    "clv",
    "clv_method",
]


def test_value_accounts_on_a_tiny_portfolio():
    values = value_accounts(tiny_dataset(), AS_OF, ScoringParams(), ClvParams())
    assert list(values.index) == ["A", "B", "C", "D", "E"]
    assert set(EXPECTED_COLUMNS) <= set(values.columns)
    assert values.loc["A", "revenue_ltm"] == 1800.0
    assert values["abc_class"].to_dict() == abc_classes(values["revenue_ltm"]).to_dict()
    assert np.isnan(values.loc["D", "gross_margin_ltm"])
    # no known margin: no margin class (n/a), not class C
    assert pd.isna(values.loc["D", "abc_class_margin"])
    assert set(values["tier"]) <= set(TIERS)
    # too few accounts to fit the models: every account uses the order-rhythm rule
    assert (values["clv_method"] == "rule").all()
    assert values.loc["E", "clv"] == 0.0  # never ordered
    assert values["rank"].min() == 1
    assert values.loc[values["score"].idxmax(), "rank"] == 1


def test_margin_rates_fall_back_to_the_portfolio_rate():
    features = pd.DataFrame(
        {"revenue_ltm": [100.0, 300.0, 0.0, 50.0], "gross_margin_ltm": [50.0, 50.0, 0.0, np.nan]},
        index=list("abcd"),
    )
    rates, portfolio = margin_rates(features)
    assert portfolio == pytest.approx(100 / 400)
    assert rates.tolist() == pytest.approx([0.5, 1 / 6, 0.25, 0.25])


def test_shifted_weights_keep_the_sum():
    weights = dict(ScoringParams().weights)
    up = shifted_weights(weights, "spend", 0.2)
    assert up["spend"] == pytest.approx(0.30)
    assert sum(up.values()) == pytest.approx(1.0, abs=1e-12)
    # the others keep their proportions
    assert up["growth"] / up["risk"] == pytest.approx(0.15 / 0.10)
    assert shifted_weights({"spend": 1.0}, "spend", 0.2) is None
    assert shifted_weights({"spend": 0.5, "risk": 0.5, "growth": 0.0}, "growth", 0.2) is None


def test_weight_sensitivity_lists_exactly_the_accounts_changing_tier():
    rng = np.random.default_rng(3)
    n = 60
    features = pd.DataFrame(
        {c: rng.gamma(2.0, 1.0, n) for c in SCORING_CRITERIA},
        index=[f"K{i:02d}" for i in range(n)],
    )
    features["growth"] = rng.normal(0.05, 0.2, n)
    rules = ScoringParams()
    changes = weight_sensitivity(features, rules.weights, rules)
    base = assign_tiers(score_accounts(features, rules.weights), features, rules)
    for criterion in SCORING_CRITERIA:
        for change in (0.2, -0.2):
            shifted = shifted_weights(rules.weights, criterion, change)
            tiers = assign_tiers(score_accounts(features, shifted), features, rules)
            expected = set(tiers.index[tiers != base])
            rows = changes[(changes["criterion"] == criterion) & (changes["change"] == change)]
            assert set(rows["account_id"]) == expected
            assert (rows["tier_from"] != rows["tier_to"]).all()
    assert not changes.empty


def test_weight_sensitivity_without_changes_is_empty():
    features = pd.DataFrame({"spend": [1.0, 2.0]}, index=["x", "y"])
    rules = ScoringParams(weights={"spend": 1.0})
    result = weight_sensitivity(features, rules.weights, rules)
    assert result.empty and "tier_to" in result.columns


@pytest.fixture(scope="module")
def sample_dataset():
    from kamreport.sample import generate_sample

    return Dataset(generate_sample())


@pytest.fixture(scope="module")
def sample_valuation(sample_dataset):
    return value_portfolio(sample_dataset, pd.Timestamp("2026-09-30"), ScoringParams(), ClvParams())


def test_sample_healthy_and_big_accounts_are_class_a(sample_valuation):
    from kamreport.sample.stories import PLANTED, STORY_SIZE_QUANTILE

    values = sample_valuation.accounts
    for account in PLANTED["healthy"]:
        assert values.loc[account, "abc_class"] == "A", account
        assert values.loc[account, "tier"] == "key", account
    big = [a for a, q in STORY_SIZE_QUANTILE.items() if q <= 0.02 and a not in PLANTED["churning"]]
    assert all(values.loc[a, "abc_class"] == "A" for a in big)


def test_sample_value_layer_runs_end_to_end(sample_valuation):
    values = sample_valuation.accounts
    assert set(EXPECTED_COLUMNS) <= set(values.columns)
    assert set(values["tier"]) == set(TIERS)  # every tier is populated
    assert set(values["abc_class"]) == {"A", "B", "C"}
    assert sample_valuation.clv.bgnbd is not None and sample_valuation.clv.gamma_gamma is not None
    # the sample's fit says almost nobody stops buying: the order-rhythm rule is used
    assert sample_valuation.clv_choice.method == "rule"
    assert "no_dropout" in sample_valuation.clv_choice.reasons
    assert (values["clv_method"] == "rule").all()
    assert values["p_alive"].dropna().between(0, 1).all()
    contrib = values[[f"contrib_{c}" for c in SCORING_CRITERIA]].sum(axis=1)
    np.testing.assert_allclose(contrib, values["score"], atol=1e-9)
    # ABC on revenue: A holds at least 80% of the positive revenue, B and C the rest
    revenue = values["revenue_ltm"].clip(lower=0)
    assert revenue[values["abc_class"] == "A"].sum() / revenue.sum() >= 0.8


def test_sample_value_layer_is_fast(sample_dataset):
    """Well under 2 s for ~260 accounts and ~100k lines (best of three, for busy machines)."""
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        value_accounts(sample_dataset, pd.Timestamp("2026-09-30"), ScoringParams(), ClvParams())
        timings.append(time.perf_counter() - start)
    assert min(timings) < 2.0


def test_features_cover_every_account_of_the_sample(sample_dataset):
    features = account_features(sample_dataset, pd.Timestamp("2026-09-30"))
    assert len(features) == len(sample_dataset.accounts)
    # risk comes from the risk flags (scoring.with_flag_risk), not from the features
    own = [c for c in SCORING_CRITERIA if c != "risk"]
    assert features[own].notna().mean().min() > 0.5


def test_sample_features_agree_with_a_plain_computation(sample_dataset):
    from kamreport.analytics.periods import ltm
    from kamreport.analytics.sales import sales_figures

    as_of = pd.Timestamp("2026-09-30")
    features = account_features(sample_dataset, as_of)
    lines = sample_dataset.order_lines
    window = ltm(as_of)
    for account in ("KA0003", "KA0008", "KA0074", "KA0091", "KA0150"):
        own = lines.loc[lines["account_id"] == account]
        figures = sales_figures(own, window)
        assert features.loc[account, "revenue_ltm"] == pytest.approx(figures.revenue)
        assert features.loc[account, "gross_margin_ltm"] == pytest.approx(figures.gross_margin)
        per_day: dict = {}
        for date, net in zip(own["order_date"], own["net_amount"], strict=True):
            if window.start < date <= window.end:
                per_day[date] = per_day.get(date, 0.0) + net
        assert features.loc[account, "order_days_ltm"] == sum(v > 0 for v in per_day.values())
