"""ABC classes and concentration: hand-checked cases and invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamreport.analytics.abc import abc_classes, hhi, pareto_curve, top_n_share, top_share


def test_small_case_by_hand():
    # total 100; sorted: a 50 (before 0) b 25 (50) c 10 (75) d 6 (85) e 5 (91) f 4 (96)
    values = pd.Series({"d": 6.0, "a": 50.0, "f": 4.0, "c": 10.0, "b": 25.0, "e": 5.0})
    classes = abc_classes(values)
    assert classes.to_dict() == {"d": "B", "a": "A", "f": "C", "c": "A", "b": "A", "e": "B"}
    assert list(classes.index) == list(values.index)


def test_the_account_crossing_the_threshold_is_a():
    # before c: 79.9% < 80% so c is A although the cumulative share with it is 89.9%
    values = pd.Series({"a": 50.0, "b": 29.9, "c": 10.0, "d": 10.1})
    assert abc_classes(values).to_dict() == {"a": "A", "b": "A", "d": "A", "c": "B"}
    # exactly 80% before an account: it is no longer A
    exact = pd.Series({"a": 80.0, "b": 15.0, "c": 5.0})
    assert abc_classes(exact).to_dict() == {"a": "A", "b": "B", "c": "C"}


def test_non_positive_and_missing_values_are_c_and_excluded_from_the_total():
    values = pd.Series({"a": 60.0, "b": 40.0, "z": 0.0, "n": -500.0, "m": np.nan})
    classes = abc_classes(values)
    assert classes.to_dict() == {"a": "A", "b": "A", "z": "C", "n": "C", "m": "C"}
    assert abc_classes(pd.Series({"a": 0.0, "b": -1.0})).tolist() == ["C", "C"]


def test_thresholds_are_parameters():
    values = pd.Series({"a": 50.0, "b": 30.0, "c": 20.0})
    assert abc_classes(values, 0.5, 0.8).to_dict() == {"a": "A", "b": "B", "c": "C"}
    with pytest.raises(ValueError, match="0 < a ≤ b ≤ 1"):
        abc_classes(values, 0.9, 0.8)


def test_ties_are_broken_by_index():
    values = pd.Series({"y": 40.0, "x": 40.0, "w": 20.0})
    # x comes before y: before x 0%, before y 40%, before w 80%
    assert abc_classes(values, 0.4, 0.8).to_dict() == {"x": "A", "y": "B", "w": "C"}


values_strategy = st.lists(
    st.one_of(st.floats(-100, 1e6, allow_nan=False), st.just(0.0), st.just(100.0)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(values=values_strategy, seed=st.integers(0, 2**32 - 1))
def test_result_does_not_depend_on_row_order(values, seed):
    series = pd.Series(values, index=[f"K{i:03d}" for i in range(len(values))])
    shuffled = series.sample(frac=1.0, random_state=seed % (2**32 - 1))
    assert abc_classes(shuffled).sort_index().equals(abc_classes(series).sort_index())
    pd.testing.assert_frame_equal(pareto_curve(shuffled), pareto_curve(series))
    assert top_share(shuffled) == top_share(series) or np.isnan(top_share(series))


@settings(max_examples=150, deadline=None)
@given(values=values_strategy)
def test_shares_are_consistent(values):
    series = pd.Series(values, index=[f"K{i:03d}" for i in range(len(values))])
    positive = series.clip(lower=0)
    if positive.sum() <= 0:
        assert np.isnan(hhi(series))
        return
    shares = positive / positive.sum()
    assert shares.sum() == pytest.approx(1.0)
    curve = pareto_curve(series)
    assert curve["value_share"].iloc[-1] == pytest.approx(1.0)
    assert (np.diff(curve["value_share"]) >= -1e-12).all()
    assert top_n_share(series, len(series)) == pytest.approx(1.0)
    assert 1 / (series > 0).sum() - 1e-12 <= hhi(series) <= 1 + 1e-12
    a_share = positive[abc_classes(series) == "A"].sum() / positive.sum()
    assert a_share >= 0.8 - 1e-9


def test_pareto_curve_and_top_shares_by_hand():
    values = pd.Series({"a": 50.0, "b": 25.0, "c": 10.0, "d": 10.0, "e": 5.0, "f": 0.0})
    curve = pareto_curve(values)
    assert list(curve.index) == ["a", "b", "c", "d", "e", "f"]
    np.testing.assert_allclose(curve["account_share"], np.arange(1, 7) / 6)
    np.testing.assert_allclose(curve["value_share"], [0.5, 0.75, 0.85, 0.95, 1.0, 1.0])
    # top 20% of 6 accounts = ceil(1.2) = 2 accounts
    assert top_share(values, 0.2) == pytest.approx(0.75)
    # 20% of 5 accounts is exactly 1 account
    assert top_share(values.drop("f"), 0.2) == pytest.approx(0.5)
    assert top_n_share(values, 3) == pytest.approx(0.85)


@pytest.mark.parametrize("n", [1, 2, 5, 37])
def test_hhi_of_n_equal_accounts_is_one_over_n(n):
    assert hhi(pd.Series(np.full(n, 7.5))) == pytest.approx(1 / n)


def test_hhi_by_hand():
    assert hhi(pd.Series([60.0, 40.0, 0.0, -10.0])) == pytest.approx(0.36 + 0.16)
