"""Target proposals and their back-test, against plain-loop computations on a tiny dataset."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from kamreport.analytics.target_proposals import (
    backtest_cutoff,
    choose_methods,
    propose,
    round_to,
    seasonal_profiles,
    spread_monthly,
)
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
