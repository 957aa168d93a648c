"""The score back-test: the Mann–Whitney AUC, hit rates by decile, outcomes."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pandas as pd
import pytest

from kamreport.analytics.backtest import auc_mann_whitney, backtest, score_deciles


def brute_force_auc(pos, neg) -> float:
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


def test_auc_hand_checked():
    # pairs: 3>2, 3>0, 1<2, 1>0 → 3 of 4
    assert auc_mann_whitney(np.array([3, 1]), np.array([2, 0])) == 0.75
    # a tie counts half: (2 vs 2) ½, (2 vs 1) 1 → 1.5 / 2
    assert auc_mann_whitney(np.array([2]), np.array([2, 1])) == 0.75
    assert auc_mann_whitney(np.array([5, 6]), np.array([1, 2])) == 1.0
    assert auc_mann_whitney(np.array([1]), np.array([1])) == 0.5
    assert np.isnan(auc_mann_whitney(np.array([]), np.array([1.0])))


def test_auc_matches_a_plain_double_loop():
    rng = random.Random(7)
    for _ in range(20):
        pos = [rng.randint(0, 9) for _ in range(rng.randint(1, 15))]
        neg = [rng.randint(0, 9) for _ in range(rng.randint(1, 15))]
        assert auc_mann_whitney(np.array(pos), np.array(neg)) == pytest.approx(
            brute_force_auc(pos, neg)
        )


def test_deciles_group_lowest_scores_first_and_count_hits():
    ids = [f"A{i:02d}" for i in range(20)]
    score = pd.Series(range(20), index=ids, dtype=float)
    bad = pd.Series([i in (0, 1, 2, 9) for i in range(20)], index=ids)
    deciles = score_deciles(score, bad)
    assert deciles["accounts"].tolist() == [2] * 10
    assert deciles["bad"].tolist() == [2, 1, 0, 0, 1, 0, 0, 0, 0, 0]
    assert deciles["hit_rate"].iloc[0] == 1.0
    assert deciles["score_min"].tolist() == [float(2 * k) for k in range(10)]


def test_outcomes_threshold_and_direction():
    before = pd.Series({"a": 100.0, "b": 100.0, "c": 100.0, "d": 100.0, "e": 0.0})
    after = pd.Series({"a": 0.0, "b": 70.0, "c": 70.01, "d": 150.0, "e": 50.0})
    score = pd.Series({"a": 10.0, "b": 20.0, "c": 80.0, "d": 90.0, "e": 5.0})
    flags = pd.Series({"a": 3, "b": 1})
    result = backtest(score, before, after, flags, shrink=0.3)
    assert list(result.accounts.index) == ["a", "b", "c", "d"]  # e had no revenue before
    assert result.accounts["lost"].tolist() == [True, False, False, False]
    assert result.accounts["bad"].tolist() == [True, True, False, False]  # −30% counts
    assert result.auc_score == 1.0  # the bad accounts scored lowest
    assert result.auc_flags == 1.0  # and had the most flags
    assert result.base_rate == 0.5 and result.bad == 2 and result.followed == 4


def test_lifetime_value_back_test_by_hand():
    """Three accounts ordering monthly from 2024-01; as of T = 2025-09-30: A keeps ordering
    (12 orders after T), B stopped in 2025-08 (none after T), C stopped in 2025-03 (one
    order after T). Rule at T: limit max(2 × ~30 days, 30); too few repeat buyers for the
    model, so the model side is n/a with its reason."""
    from kamreport.analytics.clv_backtest import clv_backtest

    def monthly(account, start, stop):
        return [(account, d, 100.0) for d in pd.date_range(start, stop, freq="MS")]

    rows = monthly("A", "2024-01-01", "2026-09-01") + monthly("B", "2024-01-01", "2025-08-01")
    rows += [*monthly("C", "2024-01-01", "2025-03-01"), ("C", pd.Timestamp("2026-02-01"), 50.0)]
    lines = pd.DataFrame(rows, columns=["account_id", "order_date", "net_amount"])
    bt = clv_backtest(lines, "2026-09-30")
    assert bt.then.isoformat() == "2025-09-30" and bt.followed == 3
    assert bt.model is None and bt.model_unavailable == "too_few_repeaters"
    assert bt.verdict == "backtest_unavailable" and not bt.model_better
    # at T: A last ordered 2025-09-01 (29 days), B 2025-08-01 (60), C 2025-03-01 (213);
    # median monthly interval 31 days → limit 62: A and B still buying, C 62/213
    rule = bt.rule
    p = np.array([1.0, 1.0, 62 / 213])
    assert rule.p_alive_mean == pytest.approx(p.mean())
    # ordered again: A and C → AUC = P(p of A or C > p of B) = (½ + 0) / 2
    assert rule.auc == pytest.approx(0.25)
    assert rule.ordered_again == pytest.approx(2 / 3)
    # expected orders: LTM occasions at T (A 12, B 11, C 6: 2024-10..2025-03) × p
    expected = np.array([12.0, 11.0, 6 * 62 / 213])
    actual = np.array([12.0, 0.0, 1.0])
    assert rule.orders_predicted == pytest.approx(expected.mean())
    assert rule.orders_actual == pytest.approx(actual.mean())
    assert rule.orders_mae == pytest.approx(np.abs(expected - actual).mean())
