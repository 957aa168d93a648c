"""The QBR figures against a computation by hand on the sample, and quarter parsing."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kamreport.analytics.coverage import data_start
from kamreport.analytics.qbr import Quarter, parse_quarter, qbr_figures, qbr_internal, quarter_of
from kamreport.analytics.sales import ytd_kpis
from kamreport.analytics.targets import account_targets
from kamreport.errors import ParamsError

ACCOUNT = "KA0001"
AS_OF = dt.date(2026, 9, 30)


def figures(tables, quarter: str, as_of: dt.date = AS_OF, account: str = ACCOUNT, lines=None):
    lines = tables["order_lines"] if lines is None else lines
    return qbr_figures(
        lines,
        account,
        parse_quarter(quarter),
        as_of,
        data_start=data_start(lines),
        products=tables["products"],
        targets=tables["targets"],
        complaints=tables["complaints"],
        plans=tables["account_plans"],
        activities=tables["activities"],
    )


def by_hand(tables, account: str, first: str, last: str) -> tuple[float, int]:
    """Revenue and orders (order ids summing to a positive amount) of a date range."""
    lines = tables["order_lines"]
    own = lines.loc[
        (lines["account_id"] == account)
        & (lines["order_date"] >= pd.Timestamp(first))
        & (lines["order_date"] <= pd.Timestamp(last))
    ]
    per_order = own.groupby("order_id")["net_amount"].sum()
    return float(own["net_amount"].sum()), int((per_order > 0).sum())


def test_quarter_figures_match_a_computation_by_hand(sample_tables):
    f = figures(sample_tables, "2026Q3")
    revenue, orders = by_hand(sample_tables, ACCOUNT, "2026-07-01", "2026-09-30")
    prior_revenue, prior_orders = by_hand(sample_tables, ACCOUNT, "2025-07-01", "2025-09-30")
    assert f.current.revenue == pytest.approx(revenue)
    assert f.current.orders == orders
    assert f.prior is not None
    assert f.prior.revenue == pytest.approx(prior_revenue)
    assert f.prior.orders == prior_orders
    assert f.revenue_growth == pytest.approx(revenue / prior_revenue - 1)
    targets = sample_tables["targets"]
    own = targets.loc[(targets["account_id"] == ACCOUNT) & (targets["month"].dt.year == 2026)]
    target = float(own.loc[own["month"].dt.month.between(7, 9), "revenue_target"].sum())
    assert f.target == pytest.approx(target)
    assert f.attainment == pytest.approx(revenue / target)
    assert f.next_target == pytest.approx(
        float(own.loc[own["month"].dt.month.between(10, 12), "revenue_target"].sum())
    )
    assert not f.to_date
    assert f.monthly["revenue"].sum() == pytest.approx(revenue)


def test_categories_match_a_computation_by_hand(sample_tables):
    f = figures(sample_tables, "2026Q3")
    lines = sample_tables["order_lines"]
    own = lines.loc[
        (lines["account_id"] == ACCOUNT)
        & lines["order_date"].between(pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30"))
    ]
    category = own["product_id"].map(sample_tables["products"].set_index("product_id")["category"])
    expected = own.groupby(category)["net_amount"].sum()
    expected = expected.loc[expected != 0].sort_values(ascending=False)
    got = f.by_category.set_index("category")["revenue"]
    got = got.loc[got != 0]
    assert list(got.index) == list(expected.index)
    assert got.to_numpy() == pytest.approx(expected.to_numpy())
    assert f.by_category["share"].sum() == pytest.approx(1.0)


def test_complaints_of_the_quarter_with_their_status(sample_tables):
    complaints = sample_tables["complaints"]
    counts = complaints.loc[complaints["opened_date"].between("2026-01-01", "2026-09-30")]
    account = counts["account_id"].value_counts().index[0]  # an account with complaints
    f = figures(sample_tables, "2026Q3", account=account)
    own = complaints.loc[
        (complaints["account_id"] == account)
        & complaints["opened_date"].between(pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30"))
    ]
    assert len(f.complaints) == len(own)
    resolved = own["closed_date"].notna() & (own["closed_date"] <= pd.Timestamp("2026-09-30"))
    assert int((f.complaints["status"] == "resolved").sum()) == int(resolved.sum())


def test_a_quarter_to_date_ends_at_the_as_of_date(sample_tables):
    as_of = dt.date(2026, 8, 15)
    f = figures(sample_tables, "2026Q3", as_of=as_of)
    assert f.to_date and f.end == as_of
    revenue, orders = by_hand(sample_tables, ACCOUNT, "2026-07-01", "2026-08-15")
    assert f.current.orders == orders
    prior_revenue, _ = by_hand(sample_tables, ACCOUNT, "2025-07-01", "2025-08-15")
    assert f.current.revenue == pytest.approx(revenue)
    assert f.prior is not None and f.prior.revenue == pytest.approx(prior_revenue)
    targets = sample_tables["targets"]
    own = targets.loc[
        (targets["account_id"] == ACCOUNT)
        & targets["month"].isin([pd.Timestamp("2026-07-01"), pd.Timestamp("2026-08-01")])
    ]
    assert f.target == pytest.approx(float(own["revenue_target"].sum()))
    assert len(f.monthly) == 2


def test_quarters_add_up_to_the_account_reviews_year_to_date(sample_tables):
    """One concept, one number: Q1 + Q2 + Q3 are the review's YTD revenue and target."""
    quarters = [figures(sample_tables, f"2026Q{n}") for n in (1, 2, 3)]
    lines = sample_tables["order_lines"]
    own = lines.loc[lines["account_id"] == ACCOUNT]
    ytd = ytd_kpis(own, AS_OF)
    status = account_targets(lines, sample_tables["targets"], ACCOUNT, AS_OF)
    assert sum(q.current.revenue for q in quarters) == pytest.approx(ytd.revenue.current)
    assert sum(q.target or 0 for q in quarters) == pytest.approx(status.target_ytd)


def test_last_year_is_na_when_the_data_does_not_cover_it(sample_tables):
    lines = sample_tables["order_lines"]
    short = lines.loc[lines["order_date"] >= pd.Timestamp("2026-01-01")]
    f = figures(sample_tables, "2026Q3", lines=short)
    assert f.prior is None and f.revenue_growth is None
    assert f.data_start == short["order_date"].min().date()
    assert f.monthly["prior_revenue"].isna().all()


def test_plan_items_and_activities(sample_tables):
    f = figures(sample_tables, "2026Q3")
    plans = sample_tables["account_plans"]
    own = plans.loc[plans["account_id"] == ACCOUNT]
    due = own.loc[own["due_date"].between(pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30"))]
    assert sorted(f.actions["title"]) == sorted(due["title"])
    overdue = (due["status"] == "open") & (due["due_date"] < pd.Timestamp(AS_OF))
    assert int((f.actions["state"] == "overdue").sum()) == int(overdue.sum())
    acts = sample_tables["activities"]
    done = acts.loc[
        (acts["account_id"] == ACCOUNT)
        & acts["date"].between(pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30"))
        & (acts["status"].fillna("done") == "done")
    ]
    assert f.activities.to_dict() == done["type"].value_counts().to_dict()
    planned = acts.loc[
        (acts["account_id"] == ACCOUNT)
        & acts["date"].between(pd.Timestamp("2026-10-01"), pd.Timestamp("2026-12-31"))
        & (acts["status"] == "planned")
    ]
    assert len(f.next_activities) == len(planned)
    pending = own.loc[(own["status"] == "open") & (own["due_date"] <= pd.Timestamp("2026-12-31"))]
    assert sorted(f.next_actions["title"]) == sorted(pending["title"])


def test_internal_figures_come_from_the_value_layer_and_the_flags(sample_tables):
    f = figures(sample_tables, "2026Q3")
    values = pd.DataFrame({"score": [71.5], "rank": [3], "tier": ["key"]}, index=[ACCOUNT])
    flags = pd.DataFrame(
        {
            "account_id": [ACCOUNT, "KA0002", ACCOUNT],
            "code": ["ORDER_GAP", "ORDER_GAP", "REVENUE_DECLINE"],
            "severity": ["medium", "high", "high"],
            "value": [1.0, 2.0, 3.0],
            "unit": ["days", "days", "growth"],
        }
    )
    internal = qbr_internal(f, values, flags)
    assert internal.score == 71.5 and internal.rank == 3 and internal.tier == "key"
    assert list(internal.flags["code"]) == ["REVENUE_DECLINE", "ORDER_GAP"]  # high first
    lines = sample_tables["order_lines"]
    own = lines.loc[
        (lines["account_id"] == ACCOUNT)
        & lines["order_date"].between(pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30"))
    ]
    margin = float((own["net_amount"] - own["cost_amount"]).sum())
    assert internal.gross_margin == pytest.approx(margin)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026Q3", Quarter(2026, 3)), ("2026-q1", Quarter(2026, 1)), (" 2025Q4 ", Quarter(2025, 4))],
)
def test_quarters_parse(text, expected):
    assert parse_quarter(text) == expected


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "Q3 2026", "2026", "", "26Q3", "2026Q3x"])
def test_bad_quarters_name_the_accepted_form(text):
    with pytest.raises(ParamsError, match=r"YYYYQn .*e\.g\. 2026Q3"):
        parse_quarter(text)


def test_quarter_arithmetic():
    q = Quarter(2026, 4)
    assert q.shifted(1) == Quarter(2027, 1) and q.shifted(-4) == Quarter(2025, 4)
    assert q.first_day == pd.Timestamp("2026-10-01") and q.last_day == pd.Timestamp("2026-12-31")
    assert quarter_of(dt.date(2026, 9, 30)) == Quarter(2026, 3)


def test_a_quarter_after_the_as_of_date_is_refused(sample_tables):
    with pytest.raises(ParamsError, match="starts after the as-of date 2026-09-30"):
        figures(sample_tables, "2026Q4")
    with pytest.raises(ParamsError, match="ends before the data starts"):
        figures(sample_tables, "2020Q1")
