"""Closing last year's loop: a hand-built year 2025 whose every figure is worked out in the
comments, when there is no review, and the totals of the groups for any data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamreport.analytics.target_loop import (
    ACCOUNT_COLUMNS,
    last_year_loop,
    review_year,
    unavailable_reason,
)

AS_OF = dt.date(2026, 9, 30)  # review year 2025
METHODS = {"key": "trend", "growth": "ltm_seasonal", "maintain": "run_rate"}
TIERS = pd.Series({"K1": "key", "K2": "key", "K3": "key", "G1": "growth", "M1": "maintain",
                   "X1": "key"}, name="tier")  # fmt: skip
MANAGERS = pd.Series({"K1": "王伟", "K2": "Li Na", "K3": "Li Na", "G1": "王伟", "M1": None,
                      "X1": "王伟"})  # fmt: skip


def orders() -> pd.DataFrame:
    """2025 actuals: K1 1000, K2 2000, K3 2000, G1 500, M1 −50 (a credit note above its sale),
    X1 700 (no target); orders in 2024 and 2026 do not count."""
    rows = [
        ("K1", "2024-01-10", 9_999.0),
        ("K1", "2025-01-01", 400.0),
        ("K1", "2025-12-31", 600.0),
        ("K2", "2025-06-15", 2_000.0),
        ("K3", "2025-03-01", 1_500.0),
        ("K3", "2025-11-30", 500.0),
        ("K3", "2026-01-01", 8_888.0),
        ("G1", "2025-07-07", 500.0),
        ("M1", "2025-02-02", 300.0),
        ("M1", "2025-02-20", -350.0),
        ("X1", "2025-05-05", 700.0),
    ]
    return pd.DataFrame(
        {
            "account_id": [r[0] for r in rows],
            "order_date": pd.to_datetime([r[1] for r in rows]),
            "net_amount": [r[2] for r in rows],
        }
    )


def months(account: str, amounts: list[float], proposed=None, source=None, method=None):
    return [
        {
            "account_id": account,
            "month": pd.Timestamp(2025, m + 1, 1),
            "revenue_target": amounts[m],
            "proposed_target": proposed[m] if proposed is not None else np.nan,
            "target_source": source[m] if source is not None else None,
            "target_method": method[m] if method is not None else None,
        }
        for m in range(12)
    ]


def targets() -> pd.DataFrame:
    """Agreed 2025: K1 1200 (proposed 960, override), K2 1800 (proposed 1800, bottom-up in
    7 months of 12), K3 2500 (proposed 3000, override; method trend in 8 months of 12),
    G1 550 (one month without a proposal: recomputed; no source), M1 300 (no proposal, no
    back-test; "Override " as typed). 2024 and 2026 rows do not count."""
    rows = (
        months("K1", [100.0] * 12, [80.0] * 12, ["override"] * 12, ["trend"] * 12)
        + months(
            "K2",
            [150.0] * 12,
            [150.0] * 12,
            ["bottom_up"] * 7 + ["top_down"] * 5,
            ["run_rate"] * 12,
        )
        + months(
            "K3",
            [200.0] * 11 + [300.0],
            [250.0] * 12,
            ["override"] * 12,
            ["trend"] * 8 + ["potential"] * 4,
        )
        + months("G1", [45.0] * 11 + [55.0], [30.0] * 11 + [np.nan])
        + months("M1", [25.0] * 12, None, ["Override "] * 12)
    )
    frame = pd.DataFrame(rows)
    other = pd.DataFrame(
        [
            {"account_id": "K1", "month": pd.Timestamp(2026, 1, 1), "revenue_target": 5e6},
            {"account_id": "X1", "month": pd.Timestamp(2024, 12, 1), "revenue_target": 5e6},
        ]
    )
    return pd.concat([frame, other], ignore_index=True)


def backtest() -> pd.DataFrame:
    """The back-test's 2025 rows (and one of 2024 that must not be used)."""
    rows = [
        (2025, "K1", "key", "run_rate", 900.0, 1000.0),
        (2025, "K2", "key", "run_rate", 2000.0, 2000.0),
        (2025, "K3", "key", "run_rate", 2000.0, 2000.0),
        (2025, "K1", "key", "trend", 1100.0, 1000.0),
        (2025, "K2", "key", "trend", 1800.0, 2000.0),
        (2025, "K3", "key", "trend", 2600.0, 2000.0),
        (2025, "G1", "growth", "ltm_seasonal", 400.0, 500.0),
        (2025, "G1", "growth", "trend", 450.0, 500.0),
        (2025, "X1", "key", "trend", 5000.0, 700.0),
        (2024, "G1", "growth", "ltm_seasonal", 9999.0, 500.0),
    ]
    frame = pd.DataFrame(
        rows, columns=["year", "account_id", "tier", "method", "proposal", "actual"]
    )
    frame["ape"] = (frame["proposal"] - frame["actual"]).abs() / frame["actual"]
    return frame


@pytest.fixture(scope="module")
def review():
    result = last_year_loop(targets(), orders(), backtest(), METHODS, TIERS, MANAGERS, AS_OF)
    assert result is not None
    return result


def test_each_account_has_its_proposal_target_source_and_actual(review):
    accounts = review.accounts
    assert review.year == 2025
    assert list(accounts.columns) == list(ACCOUNT_COLUMNS)
    assert accounts.index.name == "account_id"
    assert list(accounts.index) == ["K1", "K2", "K3", "G1", "M1"]  # by tier; X1 has no target
    expected = {
        # proposal, recorded, agreed, source, method, actual, proposal APE, agreed APE
        "K1": (960.0, True, 1200.0, "override", "trend", 1000.0, 0.04, 0.2),
        "K2": (1800.0, True, 1800.0, "bottom_up", "run_rate", 2000.0, 0.1, 0.1),
        "K3": (3000.0, True, 2500.0, "override", "trend", 2000.0, 0.5, 0.25),
        "G1": (400.0, False, 550.0, "unknown", "ltm_seasonal", 500.0, 0.2, 0.1),
        "M1": (np.nan, False, 300.0, "override", "run_rate", -50.0, np.nan, np.nan),
    }
    for account, (
        proposal,
        recorded,
        agreed,
        source,
        method,
        actual,
        p_ape,
        a_ape,
    ) in expected.items():
        row = accounts.loc[account]
        assert row["proposal"] == pytest.approx(proposal, nan_ok=True)
        assert row["proposal_recorded"] == recorded
        assert row["agreed"] == pytest.approx(agreed)
        assert (row["source"], row["method"]) == (source, method)
        assert row["actual"] == pytest.approx(actual)
        assert row["proposal_ape"] == pytest.approx(p_ape, nan_ok=True)
        assert row["agreed_ape"] == pytest.approx(a_ape, nan_ok=True)
    assert accounts["override_effect"].tolist() == pytest.approx(
        [0.16, 0.0, -0.25, -0.1, np.nan], nan_ok=True
    )
    assert accounts.loc["K1", ["tier", "ka_manager"]].tolist() == ["key", "王伟"]
    assert review.notes == (
        "proposals_recomputed",
        "proposals_missing",
        "sources_unknown",
        "actuals_not_positive",
    )


def test_by_source_compares_proposal_and_agreed_on_the_same_accounts(review):
    table = review.by_source.set_index("source")
    assert list(table.index) == ["bottom_up", "override", "unknown"]
    assert table["accounts"].tolist() == [1, 2, 1]  # M1 (no proposal, actual < 0) is not
    assert table["accounts_all"].tolist() == [1, 3, 1]
    override = table.loc["override"]
    assert override["mape_proposal"] == pytest.approx((0.04 + 0.5) / 2)
    assert override["mape_agreed"] == pytest.approx((0.2 + 0.25) / 2)
    assert override["total_error_proposal"] == pytest.approx((960 + 3000) / 3000 - 1)
    assert override["total_error_agreed"] == pytest.approx((1200 + 2500) / 3000 - 1)
    assert table.loc["bottom_up", ["mape_proposal", "mape_agreed"]].tolist() == [0.1, 0.1]
    assert table.loc["unknown", "total_error_proposal"] == pytest.approx(400 / 500 - 1)
    assert table.loc["unknown", "total_error_agreed"] == pytest.approx(550 / 500 - 1)


def test_by_tier_and_by_manager_add_up_the_targets_and_actuals(review):
    tier = review.by_tier.set_index("tier")
    assert list(tier.index) == ["key", "growth", "maintain"]
    assert tier["accounts"].tolist() == [3, 1, 1]
    assert tier["target"].tolist() == [5500.0, 550.0, 300.0]
    assert tier["actual"].tolist() == [5000.0, 500.0, -50.0]
    assert tier["attainment"].tolist() == pytest.approx([5000 / 5500, 500 / 550, -50 / 300])
    assert tier["mape_agreed"].tolist() == pytest.approx(
        [(0.2 + 0.1 + 0.25) / 3, 0.1, np.nan], nan_ok=True
    )
    manager = review.by_manager.set_index("ka_manager")
    assert list(manager.index) == ["Li Na", "王伟", "—"]
    assert manager["accounts"].tolist() == [2, 2, 1]
    assert manager["target"].tolist() == [4300.0, 1750.0, 300.0]
    assert manager["actual"].tolist() == [4000.0, 1500.0, -50.0]
    assert manager["attainment"].tolist() == pytest.approx([4000 / 4300, 1500 / 1750, -50 / 300])
    assert manager["mape_agreed"].tolist() == pytest.approx(
        [(0.1 + 0.25) / 2, (0.2 + 0.1) / 2, np.nan], nan_ok=True
    )
    assert review.overall["accounts"] == 5
    assert review.overall["target"] == 6350.0 and review.overall["actual"] == 5450.0
    assert review.overall["attainment"] == pytest.approx(5450 / 6350)
    assert review.overall["mape_agreed"] == pytest.approx((0.2 + 0.1 + 0.25 + 0.1) / 4)


def test_by_method_is_the_backtest_of_the_year_for_the_accounts_in_scope(review):
    table = review.by_method.set_index(["tier", "method"])
    assert list(review.by_method.columns) == [
        "tier",
        "method",
        "accounts",
        "mape",
        "total_error",
        "chosen",
    ]
    # key, trend: K1 1100, K2 1800, K3 2600 against 1000, 2000, 2000 (X1 has no target)
    trend = table.loc[("key", "trend")]
    assert trend["accounts"] == 3
    assert trend["mape"] == pytest.approx((0.1 + 0.1 + 0.3) / 3)
    assert trend["total_error"] == pytest.approx(5500 / 5000 - 1)
    assert bool(trend["chosen"])
    run_rate = table.loc[("key", "run_rate")]
    assert run_rate["mape"] == pytest.approx(0.1 / 3)
    assert run_rate["total_error"] == pytest.approx(4900 / 5000 - 1)
    assert not bool(run_rate["chosen"])
    # growth, ltm_seasonal: G1 400 against 500, not 2024's 9999
    growth = table.loc[("growth", "ltm_seasonal")]
    assert (growth["accounts"], growth["mape"], bool(growth["chosen"])) == (1, 0.2, True)
    assert table.loc[("all", "trend"), "mape"] == pytest.approx((0.1 + 0.1 + 0.3 + 0.1) / 4)
    assert table.loc[("all", "trend"), "total_error"] == pytest.approx(5950 / 5500 - 1)
    assert table.loc[("key", "potential"), "accounts"] == 0


def test_accounts_without_a_positive_actual_are_left_out_of_the_comparison():
    # M1 has a recorded proposal but its actual is −50: no APE, and not in the totals
    rows = months("K1", [100.0] * 12, [90.0] * 12, ["override"] * 12)
    rows += months("M1", [25.0] * 12, [20.0] * 12, ["override"] * 12)
    result = last_year_loop(
        pd.DataFrame(rows), orders(), backtest(), METHODS, TIERS, MANAGERS, AS_OF
    )
    assert result is not None
    assert result.accounts.loc["M1", ["proposal_ape", "agreed_ape"]].isna().all()
    override = result.by_source.set_index("source").loc["override"]
    assert (override["accounts"], override["accounts_all"]) == (1, 2)
    assert override["mape_proposal"] == pytest.approx(0.08)
    assert override["mape_agreed"] == pytest.approx(0.2)
    assert override["total_error_proposal"] == pytest.approx(1080 / 1000 - 1)
    assert override["total_error_agreed"] == pytest.approx(1200 / 1000 - 1)
    assert result.notes == ("actuals_not_positive",)


def test_a_tie_between_sources_goes_to_the_earlier_and_junk_is_unknown():
    rows = months("K1", [100.0] * 12, None, ["override"] * 6 + ["top_down"] * 6)
    rows += months("K2", [100.0] * 12, None, ["manual"] * 12)
    result = last_year_loop(
        pd.DataFrame(rows), orders(), backtest(), METHODS, TIERS, MANAGERS, AS_OF
    )
    assert result is not None
    assert result.accounts["source"].tolist() == ["top_down", "unknown"]
    # no proposed_target at all: both recomputed from the back-test with the tier's method
    assert result.accounts["proposal"].tolist() == [1100.0, 1800.0]
    assert not result.accounts["proposal_recorded"].any()


def test_only_the_plain_targets_table_recomputes_everything():
    plain = targets()[["account_id", "month", "revenue_target"]]
    result = last_year_loop(plain, orders(), backtest(), METHODS, TIERS, MANAGERS, AS_OF)
    assert result is not None
    assert set(result.accounts["source"]) == {"unknown"}
    assert result.accounts["proposal"].tolist() == pytest.approx(
        [1100.0, 1800.0, 2600.0, 400.0, np.nan], nan_ok=True
    )
    assert result.by_source["source"].tolist() == ["unknown"]
    no_backtest = last_year_loop(
        plain, orders(), backtest().iloc[:0], METHODS, TIERS, MANAGERS, AS_OF
    )
    assert no_backtest is not None and no_backtest.by_method.empty
    assert "no_backtest" in no_backtest.notes
    assert no_backtest.accounts["proposal"].isna().all()


def test_the_year_reviewed_and_when_there_is_nothing_to_review():
    assert review_year(dt.date(2026, 9, 30)) == 2025
    assert review_year(dt.date(2026, 1, 1)) == 2025
    assert review_year(dt.date(2025, 12, 31)) == 2025
    assert review_year(dt.date(2025, 12, 30)) == 2024
    args = (backtest(), METHODS, TIERS, MANAGERS)
    # the data starts after 31 January 2025: 2025 is not covered
    late = orders().loc[lambda f: f["order_date"] > "2025-01-31"]
    assert unavailable_reason(targets(), late, AS_OF) == "data_not_covered"
    assert last_year_loop(targets(), late, *args, AS_OF) is None
    on_time = pd.concat([late, orders().iloc[[0]].assign(order_date=pd.Timestamp("2025-01-31"))])
    assert last_year_loop(targets(), on_time, *args, AS_OF) is not None
    # no target for 2025
    later = targets().loc[lambda f: f["month"].dt.year != 2025]
    assert unavailable_reason(later, orders(), AS_OF) == "no_targets"
    assert last_year_loop(later, orders(), *args, AS_OF) is None
    assert unavailable_reason(None, orders(), AS_OF) == "no_targets"
    assert unavailable_reason(targets(), orders(), AS_OF) is None
    # as of 31 December 2025 the review is of 2025 itself
    at_end = last_year_loop(targets(), orders(), *args, dt.date(2025, 12, 31))
    assert at_end is not None and at_end.year == 2025


names = st.sampled_from(["王伟", "Li Na", "", None])
tiers_ = st.sampled_from(["key", "growth", "maintain", None])
row = st.tuples(
    tiers_, names, st.floats(0, 1e7, allow_nan=False), st.floats(-1e4, 1e7, allow_nan=False)
)


@settings(max_examples=100, deadline=None)
@given(st.lists(row, min_size=1, max_size=8))
def test_groups_add_up_to_the_accounts_for_any_data(rows):
    ids = [f"A{i}" for i in range(len(rows))]
    target_rows = [
        {"account_id": a, "month": pd.Timestamp(2025, m, 1), "revenue_target": r[2] / 12}
        for a, r in zip(ids, rows, strict=True)
        for m in range(1, 13)
    ]
    lines = pd.DataFrame(
        {
            "account_id": ["A0", *ids],
            "order_date": pd.to_datetime(["2025-01-01"] + ["2025-06-30"] * len(ids)),
            "net_amount": [0.0] + [r[3] for r in rows],
        }
    )
    tiers = pd.Series([r[0] for r in rows], index=ids, dtype=object)
    managers = pd.Series([r[1] for r in rows], index=ids, dtype=object)
    result = last_year_loop(
        pd.DataFrame(target_rows), lines, backtest().iloc[:0], METHODS, tiers, managers, AS_OF
    )
    assert result is not None
    accounts = result.accounts
    assert sorted(accounts.index) == sorted(ids)
    assert accounts["actual"].reindex(ids).tolist() == pytest.approx([r[3] for r in rows])
    assert accounts["agreed"].reindex(ids).tolist() == pytest.approx([r[2] for r in rows])
    for table in (result.by_tier, result.by_manager):
        assert table["accounts"].sum() == len(ids) == result.overall["accounts"]
        assert table["target"].sum() == pytest.approx(accounts["agreed"].sum())
        assert table["actual"].sum() == pytest.approx(accounts["actual"].sum())
        assert table["target"].sum() == pytest.approx(result.overall["target"])
    assert result.by_source["accounts_all"].sum() == len(ids)
