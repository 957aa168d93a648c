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
