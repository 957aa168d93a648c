"""Target proposals and their back-test, against plain-loop computations on a tiny dataset."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamreport.analytics.target_proposals import (
    backtest_cutoff,
    backtest_factors,
    choose_methods,
    default_goal,
    interval_factors,
    propose,
    round_to,
    seasonal_profiles,
    spread_monthly,
)
from kamreport.analytics.targets import targets_by_account
from kamreport.params import TargetsParams

AS_OF = dt.date(2026, 9, 30)
YEAR = 2027
# account: (tier, KA manager, region, monthly base, yearly growth, seasonal swing)
ACCOUNTS = {
    "A1": ("key", "王伟", "华东", 100_000.0, 0.10, 0.3),
    "A2": ("key", "王伟", "华北", 50_000.0, -0.05, 0.0),
    "A3": ("key", "Li Na", "华东", 80_000.0, 0.70, 0.1),
    "A4": ("growth", "王伟", "华北", 20_000.0, 0.60, 0.2),
    "A5": ("growth", "Li Na", "华东", 30_000.0, 0.00, 0.5),
    "A6": ("maintain", "", "华北", 10_000.0, 0.05, 0.0),
}
WALLET = {("A1", 2026): 2_000_000.0, ("A2", 2025): 900_000.0, ("A4", 2026): 100_000.0}


def order_rows() -> list[tuple[str, dt.date, float]]:
    """One order per account and month from January 2023 to September 2026."""
    rows = []
    for account, (_, _, _, base, growth, swing) in ACCOUNTS.items():
        for year in range(2023, 2027):
            for month in range(1, 13):
                day = dt.date(year, month, 15)
                if day > AS_OF:
                    continue
                season = 1 + swing * math.sin(month / 12 * 2 * math.pi)
                amount = round(base * (1 + growth) ** (year - 2023) * season, 2)
                if account == "A6" and (year, month) == (2025, 3):
                    amount = -2_000.0  # a credit note
                rows.append((account, day, amount))
    return rows


def tables() -> dict[str, pd.DataFrame]:
    rows = order_rows()
    lines = pd.DataFrame(
        {
            "order_id": [f"O{i:05d}" for i in range(len(rows))],
            "line_no": 1,
            "account_id": [r[0] for r in rows],
            "product_id": "P1",
            "order_date": pd.to_datetime([r[1] for r in rows]),
            "quantity": 1.0,
            "net_amount": [r[2] for r in rows],
        }
    )
    accounts = pd.DataFrame(
        {
            "account_id": list(ACCOUNTS),
            "name": [f"客户 {a} & Co <x>" for a in ACCOUNTS],
            "ka_manager": [v[1] or None for v in ACCOUNTS.values()],
            "region": [v[2] for v in ACCOUNTS.values()],
        }
    )
    wallet = pd.DataFrame(
        [{"account_id": a, "year": y, "category_spend": v} for (a, y), v in WALLET.items()]
    )
    products = pd.DataFrame({"product_id": ["P1"], "name": ["产品一"]})
    return {"accounts": accounts, "order_lines": lines, "wallet": wallet, "products": products}


def tiers() -> pd.Series:
    return pd.Series({a: v[0] for a, v in ACCOUNTS.items()}, name="tier")


def write_csv_folder(folder: Path) -> Path:
    """The tiny dataset as a CSV data source (dates as YYYY-MM-DD)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables().items():
        out = frame.copy()
        if "order_date" in out:
            out["order_date"] = out["order_date"].dt.strftime("%Y-%m-%d")
        out.to_csv(folder / f"{name}.csv", index=False)
    return folder


# --- independent computations: plain loops over the rows ---------------------------


def loop_sum(account: str, start: dt.date, end: dt.date, rows=None) -> float:
    """Σ amounts with start < d ≤ end."""
    return sum(a for acc, d, a in rows or order_rows() if acc == account and start < d <= end)


def loop_profile(account: str, years: list[int], rows) -> list[float]:
    own = [0.0] * 12
    portfolio = [0.0] * 12
    for acc, d, amount in rows:
        if d.year in years:
            portfolio[d.month - 1] += amount
            if acc == account:
                own[d.month - 1] += amount
    own = [max(v, 0.0) for v in own]
    portfolio = [max(v, 0.0) for v in portfolio]
    p_total = sum(portfolio)
    if sum(own) <= 0:
        return [p / p_total for p in portfolio]
    return [0.5 * o / sum(own) + 0.5 * p / p_total for o, p in zip(own, portfolio, strict=True)]


def loop_forecast(account: str, cutoff: dt.date) -> dict[str, float]:
    rows = [r for r in order_rows() if r[1] <= cutoff]
    year = cutoff.year
    ytd = loop_sum(account, dt.date(year - 1, 12, 31), cutoff, rows)
    ltm = loop_sum(account, cutoff.replace(year=year - 1), cutoff, rows)
    years = [y for y in (year - 3, year - 2, year - 1) if y >= 2023]
    profile = loop_profile(account, years, rows)
    rest = sum(profile[cutoff.month :])  # cutoff is a month end
    forecast = ytd + ltm * rest
    days = (cutoff - dt.date(year, 1, 1)).days + 1
    run_rate = ytd / days * (366 if year % 4 == 0 else 365)
    return {"ytd": ytd, "ltm": ltm, "forecast": forecast, "run_rate": run_rate}


@pytest.fixture(scope="module")
def proposals():
    t = tables()
    return propose(t["order_lines"], t["wallet"], AS_OF, YEAR, tiers(), TargetsParams())


def test_run_rate_and_ltm_seasonal_match_plain_loops(proposals):
    for account in ACCOUNTS:
        expected = loop_forecast(account, AS_OF)
        row = proposals.accounts.loc[account]
        assert row["revenue_ytd"] == pytest.approx(expected["ytd"])
        assert row["p_run_rate"] == pytest.approx(expected["run_rate"])
        assert row["p_ltm_seasonal"] == pytest.approx(expected["forecast"])
        assert row["forecast"] == pytest.approx(expected["forecast"])
        for year in (2023, 2024, 2025):
            full = loop_sum(account, dt.date(year - 1, 12, 31), dt.date(year, 12, 31))
            assert row[f"revenue_{year}"] == pytest.approx(full)


def test_trend_is_capped_and_potential_uses_latest_wallet(proposals):
    cap = TargetsParams().trend_cap
    for account in ACCOUNTS:
        row = proposals.accounts.loc[account]
        forecast = loop_forecast(account, AS_OF)["forecast"]
        y2024 = loop_sum(account, dt.date(2023, 12, 31), dt.date(2024, 12, 31))
        slope = (forecast - y2024) / 2  # least squares over three equally spaced points
        change = max(-cap * forecast, min(cap * forecast, slope))
        assert row["p_trend"] == pytest.approx(forecast + change)
    # A3 grows 70% a year: the trend is capped at +25%
    assert proposals.accounts.at["A3", "p_trend"] == pytest.approx(
        1.25 * proposals.accounts.at["A3", "forecast"]
    )
    a1 = proposals.accounts.loc["A1"]
    assert a1["p_potential"] == pytest.approx(a1["forecast"] + 0.2 * (2_000_000 - a1["forecast"]))
    # A2's latest wallet (2025) is used; A4's wallet is below its forecast: no headroom
    a2 = proposals.accounts.loc["A2"]
    assert a2["headroom"] == pytest.approx(900_000 - a2["forecast"])
    assert proposals.accounts.at["A4", "headroom"] == 0
    # no wallet: the potential method falls back to ltm_seasonal
    a5 = proposals.accounts.loc["A5"]
    assert math.isnan(a5["wallet"])
    assert a5["p_potential"] == pytest.approx(a5["p_ltm_seasonal"])


def test_seasonal_profiles_sum_to_one_and_follow_the_data():
    t = tables()
    profile = seasonal_profiles(t["order_lines"], AS_OF, pd.Index(list(ACCOUNTS)))
    assert profile.sum(axis=1).to_numpy() == pytest.approx([1.0] * len(ACCOUNTS))
    expected = loop_profile("A5", [2023, 2024, 2025], order_rows())
    assert profile.loc["A5"].to_numpy() == pytest.approx(expected)


def test_backtest_mape_by_tier_matches_an_independent_computation(proposals):
    cutoff = dt.date(2024, 9, 30)
    assert backtest_cutoff(AS_OF, 2025, "same_day").date() == cutoff
    assert set(proposals.backtest["year"]) == {2025}
    for method in ("run_rate", "ltm_seasonal"):
        errors: dict[str, list[float]] = {}
        sums: dict[str, list[float]] = {}
        for account, (tier, *_rest) in ACCOUNTS.items():
            proposal = loop_forecast(account, cutoff)[
                "run_rate" if method == "run_rate" else "forecast"
            ]
            actual = loop_sum(account, dt.date(2024, 12, 31), dt.date(2025, 12, 31))
            errors.setdefault(tier, []).append(abs(proposal - actual) / actual)
            sums.setdefault(tier, [0.0, 0.0])
            sums[tier][0] += proposal
            sums[tier][1] += actual
        summary = proposals.summary.set_index(["tier", "method"])
        for tier, values in errors.items():
            row = summary.loc[(tier, method)]
            assert row["accounts"] == len(values)
            assert row["mape"] == pytest.approx(sum(values) / len(values))
            assert row["total_error"] == pytest.approx(sums[tier][0] / sums[tier][1] - 1)


def test_each_tier_uses_its_best_method_unless_params_say_otherwise(proposals):
    summary = proposals.summary
    for tier in ("key", "growth", "maintain"):
        rows = summary.loc[summary["tier"] == tier]
        fewest = TargetsParams().backtest_min_accounts
        if rows["accounts"].max() >= fewest:
            assert proposals.methods[tier] == rows.loc[rows["mape"].idxmin(), "method"]
        else:
            assert proposals.methods[tier] == "ltm_seasonal"  # too few accounts: fallback
    assert proposals.methods["growth"] == "ltm_seasonal"  # 2 accounts < 3
    chosen = choose_methods(summary, TargetsParams(methods={"key": "potential"}))
    assert chosen["key"] == "potential"
    for _account, row in proposals.accounts.iterrows():
        raw = row[f"p_{row['method']}"]
        assert row["proposal"] == round_to(pd.Series([raw]), 1000).iloc[0]
        assert row["proposal"] % 1000 == 0
    assert list(proposals.accounts.index) == ["A1", "A2", "A3", "A4", "A5", "A6"]


def test_spread_monthly_adds_up_exactly():
    yearly = pd.Series({"A1": 1_000_000.0, "A2": 100.0})
    even = spread_monthly(yearly, 2027)
    assert len(even) == 24
    assert even["month"].min() == pd.Timestamp("2027-01-01")
    assert even.groupby("account_id")["revenue_target"].sum().to_dict() == pytest.approx(
        yearly.to_dict(), abs=1e-9
    )
    assert even.loc[even["account_id"] == "A2", "revenue_target"].iloc[0] == 8.33
    shares = pd.DataFrame(
        [[2.0] + [1.0] * 11, [0.0] * 12], index=["A1", "A2"], columns=range(1, 13)
    )
    seasonal = spread_monthly(yearly, 2027, shares)
    a1 = seasonal.loc[seasonal["account_id"] == "A1", "revenue_target"].to_numpy()
    assert a1[0] == pytest.approx(2 * a1[1], abs=0.02)
    assert a1.sum() == pytest.approx(1_000_000.0, abs=1e-6)
    a2 = seasonal.loc[seasonal["account_id"] == "A2", "revenue_target"]
    assert a2.sum() == pytest.approx(100.0, abs=1e-9)  # no profile: one twelfth each


def test_target_year_must_follow_the_as_of_year():
    t = tables()
    with pytest.raises(ValueError, match="after the as-of year"):
        propose(t["order_lines"], t["wallet"], AS_OF, 2026, tiers(), TargetsParams())


# --- inactivity, the default goal and the proposal's range -------------------------

LAST_A2_ORDER = dt.date(2026, 5, 15)  # A2 stops ordering after May in the inactive variant


def gap_flags(rows: dict[str, tuple[float, float]], severity: str = "high") -> pd.DataFrame:
    """A risk.risk_flags table with an ORDER_GAP flag per account: (days since, usual)."""
    return pd.DataFrame(
        [
            {
                "account_id": account,
                "code": "ORDER_GAP",
                "severity": severity,
                "value": since,
                "threshold": 2 * usual,
                "baseline": usual,
                "unit": "days",
            }
            for account, (since, usual) in rows.items()
        ]
    )


def stopped_tables() -> dict[str, pd.DataFrame]:
    """The tiny dataset with A2's orders after LAST_A2_ORDER removed."""
    t = tables()
    lines = t["order_lines"]
    keep = ~((lines["account_id"] == "A2") & (lines["order_date"] > pd.Timestamp(LAST_A2_ORDER)))
    return {**t, "order_lines": lines.loc[keep].reset_index(drop=True)}


def stopped_rows() -> list[tuple[str, dt.date, float]]:
    return [r for r in order_rows() if not (r[0] == "A2" and r[1] > LAST_A2_ORDER)]


@pytest.fixture(scope="module")
def stopped():
    """Proposals with A2 inactive (no order since May, a high ORDER_GAP flag) and A5 flagged
    high while still ordering (its recent revenue carries its forecast)."""
    t = stopped_tables()
    flags = gap_flags({"A2": (138.0, 31.0), "A5": (70.0, 30.0)})
    return propose(
        t["order_lines"], t["wallet"], AS_OF, YEAR, tiers(), TargetsParams(), lambda day: flags
    )


def test_inactive_forecast_and_baseline_follow_the_recent_window(stopped):
    rows = stopped_rows()
    accounts = stopped.accounts
    elapsed, days_left = 273, 365 - 273  # 2026-09-30
    for account in ("A2", "A5"):
        row = accounts.loc[account]
        ytd = loop_sum(account, dt.date(2025, 12, 31), AS_OF, rows)
        recent = loop_sum(account, dt.date(2026, 6, 30), AS_OF, rows)  # last 3 months
        rate = recent / 92  # 2026-06-30 < d ≤ 2026-09-30
        assert bool(row["inactive"])
        assert row["revenue_recent"] == pytest.approx(recent)
        assert row["run_rate_fy"] == pytest.approx(ytd / elapsed * 365)
        assert row["forecast"] == pytest.approx(ytd + rate * days_left)
        for method in ("run_rate", "ltm_seasonal", "trend", "potential"):
            assert row[f"p_{method}"] == pytest.approx(rate * 365)
        assert row["proposal"] == round_to(pd.Series([rate * 365]), 1000).iloc[0]
    a2 = accounts.loc["A2"]
    naive = loop_forecast("A2", AS_OF)  # the unadjusted figures would ignore the stop
    assert a2["forecast"] == pytest.approx(loop_sum("A2", dt.date(2025, 12, 31), AS_OF, rows))
    assert a2["forecast"] < 0.75 * a2["run_rate_fy"]
    assert a2["proposal"] == 0 and a2[f"naive_{a2['method']}"] > 200_000
    assert naive["forecast"] > a2["forecast_unadjusted"] > a2["forecast"]
    # the range of a stopped account reaches its unadjusted baseline, if it comes back
    assert a2["proposal_low"] == 0
    naive_proposal = round_to(pd.Series([a2[f"naive_{a2['method']}"]]), 1000).iloc[0]
    assert a2["proposal_unadjusted"] == naive_proposal == a2["proposal_high"]
    # accounts without a high flag keep the usual methods
    for account in ("A1", "A3", "A4", "A6"):
        row = accounts.loc[account]
        assert not bool(row["inactive"])
        assert row["p_ltm_seasonal"] == pytest.approx(loop_forecast(account, AS_OF)["forecast"])
        assert row["forecast"] == row["forecast_unadjusted"]


def test_a_medium_order_gap_flag_changes_nothing():
    t = tables()
    flags = gap_flags({"A2": (40.0, 31.0)}, severity="medium")
    medium = propose(
        t["order_lines"], t["wallet"], AS_OF, YEAR, tiers(), TargetsParams(), lambda day: flags
    )
    plain = propose(t["order_lines"], t["wallet"], AS_OF, YEAR, tiers(), TargetsParams())
    pd.testing.assert_series_equal(medium.accounts["proposal"], plain.accounts["proposal"])
    assert not medium.accounts["inactive"].any()


def test_forecast_fy_reacts_to_the_flag_and_is_the_run_rate_otherwise():
    t = stopped_tables()
    accounts = pd.Index(list(ACCOUNTS))
    flags = gap_flags({"A2": (138.0, 31.0)})
    adjusted = targets_by_account(t["order_lines"], None, AS_OF, accounts, flags)
    plain = targets_by_account(t["order_lines"], None, AS_OF, accounts)
    rows = stopped_rows()
    ytd = loop_sum("A2", dt.date(2025, 12, 31), AS_OF, rows)
    assert plain.at["A2", "forecast_fy"] == pytest.approx(ytd / 273 * 365)
    assert adjusted.at["A2", "forecast_fy"] == pytest.approx(ytd)  # nothing in the last 3 months
    assert (
        adjusted.at["A2", "days_since_order"] == 138 and adjusted.at["A2", "usual_interval"] == 31
    )
    others = [a for a in ACCOUNTS if a != "A2"]
    pd.testing.assert_series_equal(
        adjusted.loc[others, "forecast_fy"], plain.loc[others, "forecast_fy"]
    )


def test_default_goal_is_growth_over_this_years_forecast(stopped):
    for growth in (0.05, 0.0, 0.12):
        params = TargetsParams(default_growth=growth)
        expected = round((1 + growth) * stopped.accounts["forecast"].sum() / 1000) * 1000
        assert default_goal(stopped, params) == pytest.approx(expected)
    # not the sum of the proposals (A3's capped trend alone lifts them above the forecast)
    assert default_goal(stopped, TargetsParams()) != stopped.accounts["proposal"].sum()


def test_interval_brackets_the_proposal_and_matches_the_months_and_the_backtest(proposals):
    accounts = proposals.accounts
    assert (accounts["proposal_low"] <= accounts["proposal"]).all()
    assert (accounts["proposal"] <= accounts["proposal_high"]).all()
    assert (accounts["proposal_high"] > accounts["proposal_low"]).all()
    # the tiers with ≥ 3 back-tested proposals: actual 2025 / proposal of the chosen method
    by_tier = {}
    for tier in ("key", "growth", "maintain"):
        members = [a for a, v in ACCOUNTS.items() if v[0] == tier]
        if len(members) < 3:
            continue
        detail = proposals.backtest.set_index(["account_id", "method"])
        method = proposals.methods[tier]
        ratios = [
            loop_sum(a, dt.date(2024, 12, 31), dt.date(2025, 12, 31))
            / detail.at[(a, method), "proposal"]
            for a in members
        ]
        by_tier[tier] = tuple(np.quantile(ratios, [0.1, 0.9]))
    assert list(by_tier) == ["key"]
    factors = backtest_factors(proposals.backtest, proposals.methods, 0.8, 3)
    assert factors.loc["key"].tolist() == pytest.approx(list(by_tier["key"]))
    rng = np.random.default_rng(7)
    for account in ACCOUNTS:
        months = [
            loop_sum(account, dt.date(y, m, 1) - dt.timedelta(days=1), _month_end(y, m))
            for y, m in [(2025, m) for m in range(10, 13)] + [(2026, m) for m in range(1, 10)]
        ]
        draws = rng.choice(months, size=(20_000, 12)).sum(axis=1) / sum(months)
        low, high = np.quantile(draws, [0.1, 0.9])
        tier = accounts.at[account, "tier"]
        if tier in by_tier:  # widened to how far the tier's back-tested proposals were off
            low, high = min(low, by_tier[tier][0]), max(high, by_tier[tier][1])
        proposal = accounts.at[account, "proposal"]
        assert accounts.at[account, "proposal_low"] == pytest.approx(
            min(proposal, math.floor(proposal * low / 1000) * 1000), abs=0.02 * proposal + 1000
        )
        assert accounts.at[account, "proposal_high"] == pytest.approx(
            max(proposal, math.ceil(proposal * high / 1000) * 1000), abs=0.02 * proposal + 1000
        )
    # a wider level gives a wider range
    t = tables()
    wide = propose(
        t["order_lines"], t["wallet"], AS_OF, YEAR, tiers(), TargetsParams(interval_level=0.95)
    ).accounts
    assert (wide["proposal_high"] >= accounts["proposal_high"]).all()
    assert (wide["proposal_low"] <= accounts["proposal_low"]).all()


def _month_end(year: int, month: int) -> dt.date:
    return (pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)).date()


def test_interval_factors_of_a_steady_account_are_one():
    months = pd.DataFrame([[5.0] * 12, [0.0] * 12], index=["steady", "none"])
    factors = interval_factors(months, 0.8)
    assert factors.loc["steady"].tolist() == pytest.approx([1.0, 1.0])
    assert factors.loc["none"].isna().all()
