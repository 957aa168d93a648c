"""The gap, spread: each rule against amounts worked out by hand, and the properties every
spread keeps (Σ spread = gap to the cent, no negative proposal, shares within a cent)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamreport.analytics.target_gap import DEFAULT_TIER_WEIGHTS, GAP_RULES, spread_gap

NAN = np.nan


def frame(
    baseline: list[float],
    bottom_up: list[float] | None = None,
    headroom: list[float] | None = None,
    tier: list[str | None] | None = None,
) -> pd.DataFrame:
    n = len(baseline)
    ids = pd.Index([f"A{i + 1}" for i in range(n)], name="account_id")
    return pd.DataFrame(
        {
            "baseline": baseline,
            "bottom_up": bottom_up if bottom_up is not None else [NAN] * n,
            "headroom": headroom if headroom is not None else [NAN] * n,
            "tier": tier if tier is not None else ["key"] * n,
        },
        index=ids,
    )


# A1 has no bottom-up (starts at its baseline 100), A2's manager entered 250, A3 starts
# at 300: Σ start = 650.
THREE = frame(
    baseline=[100.0, 200.0, 300.0],
    bottom_up=[NAN, 250.0, NAN],
    headroom=[100.0, NAN, 300.0],
    tier=["key", "growth", "maintain"],
)


def cents(values) -> list[int]:
    return [round(v * 100) for v in values]


def test_pro_rata_spreads_the_shortfall_by_start_with_the_largest_remainders():
    # gap 1000 − 650 = 350; exact cents 350 × (100, 250, 300) / 650 × 100 =
    # 5384.615…, 13461.538…, 16153.846… → 5384 + 13461 + 16153 = 34998, the 2 cents left
    # go to the largest remainders, A3 (.846) and A1 (.615).
    result = spread_gap(THREE, 1000.0, "pro_rata")
    assert (result.goal, result.bottom_up_total, result.gap) == (1000.0, 650.0, 350.0)
    assert (result.applied, result.fallback) == ("pro_rata", None)
    accounts = result.accounts
    assert accounts.index.name == "account_id"
    assert accounts["start"].tolist() == [100.0, 250.0, 300.0]
    assert accounts["entered"].tolist() == [False, True, False]
    assert accounts["basis"].tolist() == [100.0, 250.0, 300.0]
    assert accounts["share"].tolist() == pytest.approx([100 / 650, 250 / 650, 300 / 650])
    assert accounts["spread"].tolist() == [53.85, 134.61, 161.54]
    assert accounts["proposed"].tolist() == [153.85, 384.61, 461.54]
    assert sum(cents(accounts["proposed"])) == 100_000


def test_headroom_spreads_by_positive_headroom_and_leaves_accounts_without_any():
    # headroom 100, unknown, 300 → shares 1/4, 0, 3/4 of 350
    result = spread_gap(THREE, 1000.0, "headroom")
    assert (result.applied, result.fallback) == ("headroom", None)
    assert result.accounts["basis"].tolist() == [100.0, 0.0, 300.0]
    assert result.accounts["share"].tolist() == [0.25, 0.0, 0.75]
    assert result.accounts["spread"].tolist() == [87.5, 0.0, 262.5]
    assert result.accounts["proposed"].tolist() == [187.5, 250.0, 562.5]
    # a negative headroom counts as none: (−50 → 0, 0, 200) → all of it to A3
    minus = THREE.assign(headroom=[-50.0, 0.0, 200.0])
    assert spread_gap(minus, 1000.0, "headroom").accounts["spread"].tolist() == [0.0, 0.0, 350.0]


def test_headroom_skips_an_account_with_nothing_to_build_on():
    # A2 has no baseline and no bottom-up (it stopped ordering): its headroom of 900 does not
    # count, so A1 (100) and A3 (300) share 350 as 1/4 and 3/4
    stopped = frame([200.0, 0.0, 450.0], headroom=[100.0, 900.0, 300.0])
    result = spread_gap(stopped, 1000.0, "headroom")
    assert result.accounts["spread"].tolist() == [87.5, 0.0, 262.5]
    assert result.applied == "headroom"


def test_headroom_without_any_falls_back_to_pro_rata_and_says_so():
    none = THREE.assign(headroom=[NAN, -5.0, 0.0])
    result = spread_gap(none, 1000.0, "headroom")
    assert (result.rule, result.applied, result.fallback) == ("headroom", "pro_rata", "no_headroom")
    assert result.accounts["spread"].tolist() == [53.85, 134.61, 161.54]
    without_column = spread_gap(THREE.drop(columns="headroom"), 1000.0, "headroom")
    assert without_column.fallback == "no_headroom"


def test_tier_spreads_by_start_times_the_tier_weight_and_weights_can_be_overridden():
    assert dict(DEFAULT_TIER_WEIGHTS) == {
        "key": 1.0,
        "growth": 1.5,
        "maintain": 0.5,
        "ordinary": 0.5,
    }
    # basis 100 × 1, 250 × 1.5, 300 × 0.5 = 100, 375, 150 (Σ 625) → 56, 210, 84
    result = spread_gap(THREE, 1000.0, "tier")
    assert (result.applied, result.fallback) == ("tier", None)
    assert result.accounts["basis"].tolist() == [100.0, 375.0, 150.0]
    assert result.accounts["share"].tolist() == pytest.approx([0.16, 0.6, 0.24])
    assert result.accounts["spread"].tolist() == [56.0, 210.0, 84.0]
    # growth at 1 instead: 100, 250, 150 (Σ 500) → 70, 175, 105
    custom = spread_gap(THREE, 1000.0, "tier", tier_weights={"growth": 1.0})
    assert custom.tier_weights["growth"] == 1.0 and custom.tier_weights["maintain"] == 0.5
    assert custom.accounts["spread"].tolist() == [70.0, 175.0, 105.0]
    # a tier without a weight (or none at all) counts 1: 100 × 1, 250 × 1, 300 × 0.5
    odd = THREE.assign(tier=[None, "strategic", "maintain"])
    assert spread_gap(odd, 1000.0, "tier").accounts["basis"].tolist() == [100.0, 250.0, 150.0]


def test_tier_weights_of_zero_everywhere_fall_back_to_pro_rata():
    zero = {"key": 0.0, "growth": 0.0, "maintain": 0.0}
    result = spread_gap(THREE, 1000.0, "tier", tier_weights=zero)
    assert (result.applied, result.fallback) == ("pro_rata", "no_basis")
    assert result.accounts["spread"].tolist() == [53.85, 134.61, 161.54]


@pytest.mark.parametrize("rule", GAP_RULES)
def test_a_reduction_is_pro_rata_by_start_whatever_the_rule(rule):
    # goal 500 − 650 = −150: exact cents 15000 × (100, 250, 300) / 650 = 2307.69…,
    # 5769.23…, 6923.07… → 14999, the last cent to A1 (.69)
    result = spread_gap(THREE, 500.0, rule)
    assert result.gap == -150.0
    assert result.applied == "pro_rata"
    assert result.fallback == (None if rule == "pro_rata" else "reduction")
    assert result.accounts["spread"].tolist() == [-23.08, -57.69, -69.23]
    assert result.accounts["proposed"].tolist() == [76.92, 192.31, 230.77]


def test_a_goal_of_zero_takes_everything_and_nothing_below_zero():
    result = spread_gap(THREE, 0.0, "headroom")
    assert result.accounts["proposed"].tolist() == [0.0, 0.0, 0.0]
    assert result.accounts["spread"].tolist() == [-100.0, -250.0, -300.0]


def test_ties_go_to_the_account_listed_first_and_no_start_means_evenly():
    # three equal headrooms, 100.00 to spread: 3333 cents each, the cent left to A1
    equal = frame([10.0, 10.0, 10.0], headroom=[1.0, 1.0, 1.0])
    assert spread_gap(equal, 130.0, "headroom").accounts["spread"].tolist() == [
        33.34,
        33.33,
        33.33,
    ]
    # nothing to be proportional to (all starts 0, pro rata): one share each
    empty = frame([0.0, 0.0, 0.0])
    result = spread_gap(empty, 100.0, "pro_rata")
    assert (result.applied, result.fallback) == ("even", "no_basis")
    assert result.accounts["spread"].tolist() == [33.34, 33.33, 33.33]
    assert result.accounts["share"].tolist() == pytest.approx([1 / 3] * 3)
    headroom = spread_gap(empty, 100.0, "headroom")
    assert (headroom.applied, headroom.fallback) == ("even", "no_headroom")


def test_no_gap_spreads_nothing_and_starts_are_rounded_to_cents():
    result = spread_gap(frame([100.004, 199.996]), 300.0, "pro_rata")
    assert result.accounts["start"].tolist() == [100.0, 200.0]
    assert result.gap == 0.0
    assert result.accounts["spread"].tolist() == [0.0, 0.0]
    assert result.accounts["proposed"].tolist() == [100.0, 200.0]


def test_no_accounts_cannot_take_a_gap():
    result = spread_gap(frame([]), 100.0, "tier")
    assert result.accounts.empty and result.gap == 100.0
    assert result.fallback == "no_accounts"
    assert spread_gap(frame([]), 0.0, "tier").fallback != "no_accounts"


def test_bad_input_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="headroom, tier, pro_rata"):
        spread_gap(THREE, 1000.0, "evenly")
    with pytest.raises(ValueError, match="goal"):
        spread_gap(THREE, -1.0)
    with pytest.raises(ValueError, match="goal"):
        spread_gap(THREE, math.nan)
    with pytest.raises(ValueError, match="tier weights"):
        spread_gap(THREE, 1000.0, "tier", tier_weights={"key": -1.0})
    with pytest.raises(ValueError, match="A2"):
        spread_gap(THREE.assign(bottom_up=[NAN, -1.0, NAN]), 1000.0)


amounts = st.one_of(
    st.just(0.0),
    st.floats(0, 1e4, allow_nan=False),
    st.floats(0, 5e8, allow_nan=False),
)
optional = st.one_of(st.just(NAN), amounts)
accounts = st.lists(
    st.tuples(
        amounts,
        optional,
        st.one_of(st.just(NAN), st.floats(-1e7, 1e8, allow_nan=False)),
        st.sampled_from(["key", "growth", "maintain", "ordinary", None]),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(accounts, st.floats(0, 2e9, allow_nan=False), st.sampled_from(GAP_RULES))
def test_every_spread_adds_up_to_the_gap_to_the_cent_and_proposes_nothing_negative(
    rows, goal, rule
):
    data = frame(
        baseline=[r[0] for r in rows],
        bottom_up=[r[1] for r in rows],
        headroom=[r[2] for r in rows],
        tier=[r[3] for r in rows],
    )
    result = spread_gap(data, goal, rule)
    out = result.accounts
    start = [round(b * 100) if math.isnan(u) else round(u * 100) for b, u, _, _ in rows]
    assert cents(out["start"]) == start
    assert round(result.bottom_up_total * 100) == sum(start)
    assert round(result.gap * 100) == round(goal * 100) - sum(start)
    assert sum(cents(out["spread"])) == round(result.gap * 100)
    assert sum(cents(out["proposed"])) == round(goal * 100)
    assert [p - s for p, s in zip(cents(out["proposed"]), start, strict=True)] == cents(
        out["spread"]
    )
    assert (out["proposed"] >= 0).all()
    if result.gap:
        assert out["share"].sum() == pytest.approx(1.0)
        # each account's amount is its exact share of the gap, less than a cent off
        exact = out["share"] * round(result.gap * 100)
        assert (np.abs(np.array(cents(out["spread"])) - exact) < 1 + 1e-3).all()
        sign = np.sign(result.gap)
        assert (np.sign(out["spread"]) * sign >= 0).all()
        assert (out.loc[out["basis"] == 0, "spread"] == 0).all()
    if result.gap < 0:
        assert result.applied == "pro_rata"
