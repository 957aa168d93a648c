"""Targets beyond revenue: cadence history and proposal, category mix, whole monthly counts."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamreport.analytics.service_targets import (
    NO_CATEGORY,
    category_mix,
    monthly_counts,
    propose_service,
    service_history,
)

AS_OF = dt.date(2026, 11, 30)
ACCOUNTS = pd.Index(["A1", "A2", "A3"], name="account_id")


def activities() -> pd.DataFrame:
    rows = [
        ("A1", "2026-01-10", "visit", "done"),
        ("A1", "2026-02-10", "visit", None),  # no status: done
        ("A1", "2026-03-10", "visit", "planned"),  # not done: not counted
        ("A1", "2025-11-30", "visit", "done"),  # on the window's start: outside
        ("A1", "2025-12-01", "senior_visit", "done"),  # first day inside
        ("A1", "2026-12-01", "training", "done"),  # after as-of
        ("A2", "2026-06-01", "training", "done"),
        ("A2", "2026-06-02", "training", "cancelled"),
        ("A2", "2026-06-03", "call", "done"),
        ("A9", "2026-06-03", "visit", "done"),  # not in scope
    ]
    frame = pd.DataFrame(rows, columns=["account_id", "date", "type", "status"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def test_history_counts_done_activities_of_the_last_twelve_months():
    history = service_history(activities(), AS_OF, ACCOUNTS)
    assert history.to_dict("index") == {
        "A1": {"visits": 2, "senior_visits": 1, "training": 0},
        "A2": {"visits": 0, "senior_visits": 0, "training": 1},
        "A3": {"visits": 0, "senior_visits": 0, "training": 0},
    }
    assert service_history(None, AS_OF, ACCOUNTS).to_numpy().sum() == 0


def test_proposal_is_the_larger_of_service_level_and_history():
    history = pd.DataFrame(
        {"visits": [14, 2, 0], "senior_visits": [1, 0, 3], "training": [0, 1, 0]}, index=ACCOUNTS
    )
    tiers = pd.Series({"A1": "key", "A2": "growth", "A3": "ordinary"})
    levels = {"key": {"visits": 12, "senior_visits": 4, "training": 2}, "growth": {"visits": 6}}
    proposed = propose_service(history, tiers, levels)
    assert proposed.to_dict("index") == {
        "A1": {"visits": 14, "senior_visits": 4, "training": 2},  # history above the level
        "A2": {"visits": 6, "senior_visits": 0, "training": 1},  # no level: the history
        "A3": {"visits": 0, "senior_visits": 3, "training": 0},  # tier without levels
    }


def test_category_mix_shares_of_ltm_revenue():
    lines = pd.DataFrame(
        {
            "account_id": ["A1", "A1", "A1", "A1", "A2", "A2", "A3"],
            "product_id": ["P1", "P2", "P1", "PX", "P2", "P2", "P1"],
            "order_date": pd.to_datetime(
                [
                    *("2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"),
                    *("2026-05-01", "2024-05-01", "2026-05-01"),
                ]
            ),
            "net_amount": [300.0, 200.0, 100.0, 400.0, 50.0, 999.0, -10.0],
        }
    )
    products = pd.DataFrame({"product_id": ["P1", "P2"], "category": ["feed grade", "premix"]})
    mix = category_mix(lines, products, AS_OF, ACCOUNTS)
    assert mix.values.tolist() == [
        ["A1", "feed grade", 400.0, 0.4],
        ["A1", NO_CATEGORY, 400.0, 0.4],  # PX has no category: tie broken by name
        ["A1", "premix", 200.0, 0.2],
        ["A2", "premix", 50.0, 1.0],  # 2024 is outside the window; A3 only has a credit
    ]
    without = category_mix(lines, None, AS_OF, ACCOUNTS)
    assert without.loc[without["account_id"] == "A1", "category"].tolist() == [NO_CATEGORY]


def test_category_mix_follows_the_accounts_order_with_categorical_ids():
    """The dataset's account ids are categoricals: the rows still follow ``accounts``
    (here not in id order), and the ids come back as text."""
    from kamreport.repeated_text import stored_once

    ids = ["A1", "A2", "A3", "A3"]
    lines = pd.DataFrame(
        {
            "account_id": stored_once(pd.Series(ids, dtype="str")),
            "product_id": ["P1", "P1", "P1", "P2"],
            "order_date": pd.to_datetime(["2026-05-01"] * 4),
            "net_amount": [10.0, 20.0, 30.0, 40.0],
        }
    )
    order = pd.Index(["A3", "A1", "A2"], name="account_id")
    mix = category_mix(lines, None, AS_OF, order)
    assert mix["account_id"].tolist() == ["A3", "A1", "A2"]
    assert not isinstance(mix["account_id"].dtype, pd.CategoricalDtype)


def test_monthly_counts_fall_evenly_in_whole_numbers():
    counts = monthly_counts(pd.Series({"A1": 4, "A2": 12, "A3": 0, "A4": 5}))
    assert counts.loc["A1"].tolist() == [0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1]
    assert counts.loc["A2"].tolist() == [1] * 12
    assert counts.loc["A3"].tolist() == [0] * 12
    assert counts.loc["A4"].tolist() == [0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1]


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=20))
def test_monthly_counts_add_up_and_differ_by_at_most_one(values):
    counts = monthly_counts(pd.Series(values, index=[f"A{i}" for i in range(len(values))]))
    assert counts.sum(axis=1).tolist() == values
    assert ((counts.max(axis=1) - counts.min(axis=1)) <= 1).all()
    assert (counts >= 0).all().all()


@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_a_few_visits_fall_at_the_end_of_equal_periods(n):
    months = [m for m, c in monthly_counts(pd.Series({"A": n})).loc["A"].items() if c]
    assert months == [12 // n * k for k in range(1, n + 1)]
