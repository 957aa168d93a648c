"""Reporting windows and sales figures against independent computations."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamreport.analytics.periods import default_as_of, ltm, months_back, prior_ltm, ytd
from kamreport.analytics.sales import (
    growth,
    ltm_kpis,
    margin_by,
    margin_by_account,
    monthly,
    sales_figures,
)


def lines_frame(rows):
    frame = pd.DataFrame(
        rows, columns=["order_id", "order_date", "quantity", "net_amount", "cost_amount"]
    )
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    return frame


def test_ltm_is_start_exclusive_end_inclusive():
    window = ltm(dt.date(2026, 9, 30))
    dates = pd.Series(pd.to_datetime(["2025-09-30", "2025-10-01", "2026-09-30", "2026-10-01"]))
    assert window.mask(dates).tolist() == [False, True, True, False]
    assert prior_ltm(dt.date(2026, 9, 30)).end == pd.Timestamp("2025-09-30")


def test_ytd_starts_on_first_of_january():
    window = ytd(dt.date(2026, 3, 31))
    dates = pd.Series(pd.to_datetime(["2025-12-31", "2026-01-01", "2026-03-31"]))
    assert window.mask(dates).tolist() == [False, True, True]


def test_months_back_covers_whole_months():
    window = months_back(dt.date(2026, 9, 30), 36)
    assert window.start == pd.Timestamp("2023-09-30")
    assert window.end == pd.Timestamp("2026-09-30")


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        ("2026-09-30", "2026-09-30"),
        ("2026-10-15", "2026-09-30"),
        ("2024-02-29", "2024-02-29"),
        ("2024-03-01", "2024-02-29"),
    ],
)
def test_default_as_of_is_last_complete_month(last, expected):
    assert default_as_of(pd.Timestamp(last)) == dt.date.fromisoformat(expected)


def test_sales_figures_hand_checked():
    lines = lines_frame(
        [
            ("O1", "2026-01-10", 10, 1000.0, 700.0),
            ("O1", "2026-01-10", 5, 500.0, 300.0),
            ("O2", "2026-05-01", 2, 200.0, 150.0),
            ("CN1", "2026-06-01", -1, -100.0, -70.0),  # credit note: revenue, not an order
            ("O3", "2025-06-01", 1, 9999.0, 1.0),  # outside the window
        ]
    )
    figures = sales_figures(lines, ltm(dt.date(2026, 9, 30)))
    assert figures.revenue == 1600.0
    assert figures.volume == 16
    assert figures.gross_margin == pytest.approx(1600.0 - 1080.0)
    assert figures.orders == 2
    assert figures.avg_order_size == 800.0
    assert figures.margin_pct == pytest.approx(520 / 1600)


def test_margin_is_no_data_without_costs():
    lines = lines_frame([("O1", "2026-01-10", 1, 100.0, np.nan)])
    assert sales_figures(lines, ltm(dt.date(2026, 9, 30))).gross_margin is None


def test_growth_definition():
    assert growth(120.0, 100.0) == pytest.approx(0.2)
    assert growth(120.0, 0.0) is None
    assert growth(120.0, -5.0) is None
    assert growth(None, 100.0) is None


def random_lines(seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 1400, n)
    frame = pd.DataFrame(
        {
            "order_id": [f"O{i // 3}" for i in range(n)],
            "order_date": pd.Timestamp("2022-12-01") + pd.to_timedelta(days, unit="D"),
            "quantity": rng.integers(-2, 50, n).astype(float),
            "net_amount": rng.normal(1000, 800, n).round(2),
        }
    )
    frame["cost_amount"] = (frame["net_amount"] * 0.7).round(2)
    return frame


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_ltm_revenue_matches_a_plain_loop(seed):
    lines = random_lines(seed)
    as_of = dt.date(2026, 9, 30)
    expected = sum(
        amount
        for date, amount in zip(lines["order_date"], lines["net_amount"], strict=True)
        if dt.date(2025, 9, 30) < date.date() <= as_of
    )
    assert ltm_kpis(lines, as_of).revenue.current == pytest.approx(expected)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_monthly_totals_survive_regrouping_and_row_order(seed):
    lines = random_lines(seed)
    window = months_back(dt.date(2026, 9, 30), 36)
    table = monthly(lines, window)
    shuffled = monthly(lines.sample(frac=1, random_state=seed), window)
    assert len(table) == 36
    assert table["revenue"].sum() == pytest.approx(sales_figures(lines, window).revenue)
    pd.testing.assert_frame_equal(table, shuffled)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [("2026-01-01", (1, 365)), ("2026-09-30", (273, 365)), ("2024-12-31", (366, 366))],
)
def test_year_elapsed_counts_days_inclusive(as_of, expected):
    from kamreport.analytics.periods import year_elapsed

    assert year_elapsed(dt.date.fromisoformat(as_of)) == expected


def test_margin_by_group_is_no_data_where_a_cost_is_missing():
    from kamreport.analytics.sales import margin_by

    lines = lines_frame(
        [
            ("O1", "2026-01-10", 1, 100.0, 60.0),
            ("O2", "2026-01-11", 1, 50.0, np.nan),
            ("O3", "2026-01-12", 1, 80.0, 20.0),
        ]
    )
    lines["account_id"] = ["A", "B", "A"]
    margins = margin_by(lines, "account_id")
    assert margins["A"] == 100.0 and np.isnan(margins["B"])
    assert margin_by(lines.drop(columns="cost_amount"), "account_id") is None


def _random_lines(n: int = 50_000, seed: int = 5) -> pd.DataFrame:
    """Lines with amounts of very different sizes (the order of addition shows), credit
    notes, lines without an order or account id, ids out of order."""
    rng = np.random.default_rng(seed)
    accounts = np.array([f"K{i:03d}" for i in rng.permutation(300)] + [None], dtype=object)
    orders = np.array([f"O{i:05d}" for i in rng.permutation(9000)] + [None], dtype=object)
    net = rng.standard_normal(n) * 10.0 ** rng.integers(-2, 8, n)
    return pd.DataFrame(
        {
            "order_id": pd.array(orders[rng.integers(0, len(orders), n)], dtype="str"),
            "account_id": pd.array(accounts[rng.integers(0, len(accounts), n)], dtype="str"),
            "order_date": pd.Timestamp("2024-06-01")
            + pd.to_timedelta(rng.integers(0, 860, n), unit="D"),
            "quantity": rng.integers(0, 50, n).astype(float),
            "net_amount": net,
            "cost_amount": net * rng.random(n),
        }
    )


@pytest.mark.parametrize(
    "window", [ltm(pd.Timestamp("2026-09-30")), prior_ltm(pd.Timestamp("2026-09-30"))]
)
def test_sales_figures_and_margins_match_the_copied_window(window):
    """Sales figures and gross margin per account, against the window's lines copied and
    grouped on their ids, to the last digit."""
    lines = _random_lines()
    inside = lines.loc[window.mask(lines["order_date"])]
    per_order = inside.groupby("order_id", sort=False)["net_amount"].sum()
    got = sales_figures(lines, window)
    assert got.revenue == float(inside["net_amount"].sum())
    assert got.volume == float(inside["quantity"].sum())
    assert got.gross_margin == float((inside["net_amount"] - inside["cost_amount"]).sum())
    assert got.orders == int((per_order > 0).sum()) > 100
    expected = margin_by(inside, "account_id")
    pd.testing.assert_series_equal(
        margin_by_account(lines, window), expected, check_exact=True, check_names=False
    )
    lines.loc[lines.index[window.mask(lines["order_date"])][:3], "cost_amount"] = np.nan
    assert sales_figures(lines, window).gross_margin is None
