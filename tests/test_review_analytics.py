"""Section figures of the account review against hand-checked cases."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kamreport.analytics.account_review import data_notes
from kamreport.analytics.mix import category_revenue, lapsed_categories, whitespace, with_category
from kamreport.analytics.periods import months_back
from kamreport.analytics.pipeline import account_pipeline
from kamreport.analytics.profitability import account_profitability, discount_depth
from kamreport.analytics.receivables import account_receivables
from kamreport.analytics.relationships import account_relationships
from kamreport.analytics.satisfaction import account_satisfaction
from kamreport.analytics.wallet import account_wallet, first_covered_year
from kamreport.dataset import Dataset

AS_OF = dt.date(2026, 9, 30)
D = pd.Timestamp


def lines_frame(rows) -> pd.DataFrame:
    """rows: (account, product, date, net, cost, list)."""
    frame = pd.DataFrame(
        rows,
        columns=["account_id", "product_id", "order_date", "net_amount", "cost_amount",
                 "list_amount"],
    )  # fmt: skip
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    frame["order_id"] = [f"O{i}" for i in range(len(frame))]
    frame["quantity"] = 1.0
    return frame


def test_receivables_aging_buckets_and_rates():
    invoices = pd.DataFrame(
        {
            "invoice_id": list("abcdef"),
            "account_id": "A",
            "invoice_date": pd.to_datetime(
                ["2026-03-01", "2026-06-01", "2026-07-01", "2026-08-01", "2026-09-10", "2026-05-01"]
            ),
            "due_date": pd.to_datetime(
                ["2026-05-01", "2026-07-31", "2026-08-20", "2026-09-20", "2026-10-10", "2026-06-30"]
            ),
            "amount": [100.0, 200.0, 300.0, 400.0, 500.0, 600.0],
            "paid_amount": [0.0, 50.0, 0.0, 0.0, 0.0, 600.0],
            "paid_date": pd.to_datetime([None, "2026-08-15", None, None, None, "2026-07-05"]),
        }
    )
    got = account_receivables(invoices, "A", AS_OF).summary
    # days overdue at 2026-09-30: a 152, b 61, c 41, d 10, e not due; f paid 5 days late
    assert got["d90_plus"] == 100 and got["d61_90"] == 150 and got["d31_60"] == 300
    assert got["d1_30"] == 400 and got["not_due"] == 500
    assert got["overdue_amount"] == 950 and got["open_amount"] == 1450
    # invoiced in the last 90 days (after 2026-07-02): d 400 + e 500
    assert got["dso_days"] == pytest.approx(1450 / 900 * 90)
    # due in the LTM: all but e → paid 50 + 600 of 1600
    assert got["collection_rate"] == pytest.approx(650 / 1600)
    assert got["punctuality"] == 0  # f was paid in full, but late
    assert got["avg_days_late"] == 5


def test_portfolio_aging_buckets_by_plain_loop():
    """Each account's open amount per aging bucket, as the portfolio computes it for every
    account at once, against a loop over the invoices (an account outside the index and
    one without invoices included)."""
    from kamreport.analytics.receivables import AGING_BUCKETS, receivables_by_account
    from kamreport.repeated_text import stored_once

    rng = np.random.default_rng(3)
    n = 300
    due = pd.Timestamp(AS_OF) + pd.to_timedelta(rng.integers(-150, 40, n), "D")
    amount = rng.choice([100.0, 250.5, 990.0], n)
    invoices = pd.DataFrame(
        {
            "invoice_id": [f"I{i}" for i in range(n)],
            "account_id": stored_once(pd.Series(rng.choice(["A", "B", "C", "Z"], n), dtype="str")),
            "invoice_date": due - pd.Timedelta(days=30),
            "due_date": due,
            "amount": amount,
            "paid_amount": np.where(
                rng.random(n) < 0.4, amount * rng.choice([0.5, 1.0], n), np.nan
            ),
            "paid_date": pd.NaT,
        }
    )
    accounts = pd.Index(["A", "B", "C", "D"], dtype="str")  # Z not listed, D without invoices
    got = receivables_by_account(invoices, AS_OF, accounts)
    expected = pd.DataFrame(0.0, index=accounts, columns=list(AGING_BUCKETS))
    end = pd.Timestamp(AS_OF)
    for row in invoices.itertuples():
        if row.account_id not in accounts or row.invoice_date > end:
            continue
        paid = 0.0 if np.isnan(row.paid_amount) else row.paid_amount
        days = (end - row.due_date).days
        bucket = (
            0 if days <= 0 else 1 if days <= 30 else 2 if days <= 60 else 3 if days <= 90 else 4
        )
        expected.loc[row.account_id, AGING_BUCKETS[bucket]] += max(row.amount - paid, 0.0)
    pd.testing.assert_frame_equal(got[list(AGING_BUCKETS)], expected, check_names=False)
    assert (got.loc["D", list(AGING_BUCKETS)] == 0).all() and got["d90_plus"].sum() > 0


def test_whitespace_from_industry_peers():
    products = pd.DataFrame({"product_id": ["p1", "p2", "p3"], "category": ["x", "y", "z"]})
    rows = [("A", "p1", "2026-05-01", 10, 5, 10)]
    # three peers: all buy x, two buy y (120 and 80), one buys z
    rows += [("B", "p1", "2026-05-01", 5, 1, 5), ("B", "p2", "2026-05-01", 120, 1, 120)]
    rows += [("C", "p1", "2026-05-01", 5, 1, 5), ("C", "p2", "2026-05-01", 80, 1, 80)]
    rows += [("D", "p1", "2026-05-01", 5, 1, 5), ("D", "p3", "2026-05-01", 50, 1, 50)]
    rows += [("E", "p3", "2026-05-01", 999, 1, 999)]  # other industry
    rows += [("B", "p3", "2025-06-01", 70, 1, 70)]  # before the LTM: does not count
    accounts = pd.DataFrame(
        {"account_id": list("ABCDE"), "name": list("ABCDE"), "industry": ["f"] * 4 + ["g"]}
    )
    by_category = category_revenue(lines_frame(rows), products, AS_OF)
    assert by_category.loc["B", "z"] == 0 and by_category.loc["E", "z"] == 999
    got = whitespace(by_category, accounts, "A")
    assert got["category"].tolist() == ["y"]
    assert got["peers_buying"].iloc[0] == 2 and got["peers"].iloc[0] == 3
    assert got["potential"].iloc[0] == 100  # median of 120 and 80


@pytest.mark.parametrize("with_products", ["categories", "no category column", "no table"])
def test_category_revenue_is_the_lines_grouped_by_account_and_category_name(with_products):
    """The table grouped on codes equals the plain grouping of the lines by account id and
    category name (lines without a product or with an unknown one are "other"; lines
    without an account are in no row)."""
    rng = np.random.default_rng(7)
    n = 3_000
    lines = pd.DataFrame(
        {
            "account_id": pd.Series(rng.choice(["A", "B", "C<", None], n), dtype="str"),
            "product_id": pd.Series(rng.choice(["p1", "p2", "p3", "p9", None], n), dtype="str"),
            "order_date": pd.Timestamp("2025-06-01")
            + pd.to_timedelta(rng.integers(0, 500, n), "D"),
            "net_amount": rng.normal(100, 80, n).round(2),
        }
    )
    products = {
        "categories": pd.DataFrame(
            {"product_id": ["p1", "p2", "p3"], "category": ["x", None, "y"]}
        ).astype("str"),
        "no category column": pd.DataFrame({"product_id": ["p1"]}).astype("str"),
        "no table": None,
    }[with_products]
    got = category_revenue(lines, products, AS_OF)
    inside = lines.loc[(lines["order_date"] > D("2025-09-30")) & (lines["order_date"] <= D(AS_OF))]
    if products is not None and "category" in products:
        category = inside["product_id"].map(products.set_index("product_id")["category"])
    else:
        category = pd.Series(None, index=inside.index, dtype=object)
    expected = (
        inside.assign(category=category.fillna("other").astype(str))
        .groupby(["account_id", "category"])["net_amount"]
        .sum()
        .unstack(fill_value=0.0)
    )
    expected.columns.name = None
    assert got.index.tolist() == ["A", "B", "C<"]
    pd.testing.assert_frame_equal(got, expected)


def test_wallet_share_and_yearly_trend():
    rows = [("A", "p", "2025-06-01", 300, 0, 0), ("A", "p", "2026-03-01", 200, 0, 0)]
    rows += [("A", "p", "2024-12-01", 100, 0, 0), ("A", "p", "2026-10-05", 999, 0, 0)]
    rows += [("B", "p", "2024-01-20", 5, 0, 0)]  # the data covers 2024 from its start
    wallet = pd.DataFrame({"account_id": "A", "year": [2024, 2025, 2026],
                           "category_spend": [1000.0, 1000.0, 2000.0]})  # fmt: skip
    got = account_wallet(lines_frame(rows), wallet, None, "A", AS_OF)
    # calendar years against their own estimate: 2026 is YTD annualised (273 of 365 days),
    # the prior share is 2025's; the October line is after A
    share_2026 = 200 / 273 * 365 / 2000
    assert got.summary["share_of_wallet"] == pytest.approx(share_2026)
    assert got.summary["share_of_wallet_prior"] == pytest.approx(0.3)
    assert got.summary["wallet_change"] == pytest.approx(share_2026 - 0.3)
    assert (got.summary["wallet_year"], got.summary["wallet_prior_year"]) == (2026, 2025)
    assert got.summary["category_spend"] == 2000
    yearly = got.yearly.set_index("year")
    assert yearly.loc[2024, "share"] == pytest.approx(0.1)
    assert yearly.loc[2025, "share"] == pytest.approx(0.3)
    assert yearly.loc[2026, "share"] == pytest.approx(share_2026)  # the chart's last point
    assert yearly["annualised"].tolist() == [False, False, True]


def test_wallet_share_without_an_estimate_for_the_as_of_year_uses_the_latest_year():
    rows = [("A", "p", "2025-06-01", 300, 0, 0), ("A", "p", "2026-03-01", 200, 0, 0)]
    rows += [("B", "p", "2023-01-02", 5, 0, 0)]
    wallet = pd.DataFrame({"account_id": "A", "year": [2023, 2025], "category_spend": 1000.0})
    got = account_wallet(lines_frame(rows), wallet, None, "A", AS_OF).summary
    assert (got["wallet_year"], got["wallet_prior_year"]) == (2025, 2023)
    assert got["share_of_wallet"] == pytest.approx(0.3) and got["share_of_wallet_prior"] == 0


def test_wallet_share_leaves_out_a_year_the_data_covers_in_part():
    # a one-year export starting in October 2025: 2025 holds three months, not a year
    rows = [("A", "p", "2025-10-03", 900, 0, 0), ("A", "p", "2026-03-01", 273, 0, 0)]
    wallet = pd.DataFrame({"account_id": "A", "year": [2025, 2026], "category_spend": 1000.0})
    got = account_wallet(lines_frame(rows), wallet, None, "A", AS_OF)
    assert got.summary["wallet_year"] == 2026 and pd.isna(got.summary["wallet_prior_year"])
    assert got.summary["share_of_wallet"] == pytest.approx(273 / 273 * 365 / 1000)
    assert pd.isna(got.summary["wallet_change"])  # no change against a part-year
    assert got.yearly["year"].tolist() == [2026]
    assert first_covered_year(lines_frame(rows)) == 2026
    assert first_covered_year(lines_frame([("A", "p", "2025-01-31", 1, 0, 0)])) == 2025


def test_profitability_contribution_and_discount():
    rows = [("A", "p1", "2026-05-01", 90, 50, 100), ("A", "p2", "2026-06-01", 160, 100, 200)]
    rows += [("A", "p3", "2026-01-15", 50, 30, 100)]  # LTM, before the last 6 months
    rows += [("A", "p1", "2025-05-01", 95, 60, 100), ("A", "p4", "2025-07-01", 190, 100, 200)]
    lines = with_category(lines_frame(rows), None)
    costs = pd.DataFrame({"account_id": "A", "month": pd.to_datetime(["2026-05-01", "2026-06-01"]),
                          "cost_type": ["rebate", "logistics"], "amount": [10.0, 5.0]})  # fmt: skip
    got = account_profitability(lines, costs, "A", AS_OF, months_back(AS_OF, 15), 6)
    # revenue, margin and contribution over the LTM; the prior LTM has no costs
    assert got.revenue == 300 and got.gross_margin == 120 and got.contribution == 105
    assert got.contribution_pct == pytest.approx(105 / 300)
    assert got.contribution_prior == 125
    # discount depth and products over (2026-03-31, 2026-09-30] and a year earlier
    assert got.discount_depth == pytest.approx(1 - 250 / 300)
    assert got.discount_depth_year_earlier == pytest.approx(1 - 285 / 300)
    assert got.products_recent == 2 and got.products_year_earlier == 2
    # the quarterly series: the same 6 months up to each quarter end, its last one = the table
    q = got.quarterly
    assert q["discount_depth"].iloc[-1] == pytest.approx(got.discount_depth)
    assert q.loc[D("2026-01-01"), "discount_depth"] == pytest.approx(0.5)  # p3 only
    assert q.loc[D("2026-01-01"), "products"] == 1 and q["products"].iloc[-1] == 2
    assert q.loc[D("2025-07-01"), "discount_depth"] == pytest.approx(
        got.discount_depth_year_earlier
    )
    assert discount_depth(lines.drop(columns="list_amount")) is None


def test_pipeline_weighting_and_closes():
    opps = pd.DataFrame(
        {
            "opportunity_id": list("abcde"),
            "account_id": "A",
            "name": list("abcde"),
            "stage": ["lead", "proposal", "negotiation", "won", "lost"],
            "amount": [100.0, 200.0, 400.0, 50.0, 70.0],
            "probability": [None, 0.4, None, 1.0, 0.0],
            "created_date": pd.to_datetime(["2026-01-01"] * 5),
            "expected_close": pd.to_datetime(
                ["2027-06-01", "2026-12-01", "2026-09-01", None, None]
            ),
            "closed_date": pd.to_datetime([None, None, None, "2026-02-01", "2024-01-01"]),
        }
    )
    got = account_pipeline(opps, "A", AS_OF)
    assert got.weighted_total == pytest.approx(100 * 0.1 + 200 * 0.4 + 400 * 0.75)
    assert got.open_total == 700
    assert sorted(got.closes["name"]) == ["b", "c"]  # a closes after A + 6 months
    assert bool(got.closes.set_index("name").loc["c", "overdue"])
    assert (got.won_count, got.lost_count, got.win_rate) == (1, 0, 1.0)


def test_satisfaction_and_complaints():
    surveys = pd.DataFrame({"account_id": "A", "survey_date": pd.to_datetime(
        ["2025-06-30", "2026-06-30", "2026-06-30"]), "score": [8.0, 6.0, 7.0]})  # fmt: skip
    complaints = pd.DataFrame(
        {
            "complaint_id": list("abc"),
            "account_id": "A",
            "opened_date": pd.to_datetime(["2026-01-01", "2026-03-01", "2025-01-01"]),
            "closed_date": pd.to_datetime(["2026-01-11", None, "2025-01-05"]),
        }
    )
    got = account_satisfaction(surveys, complaints, "A", AS_OF)
    assert got.latest_score == 6.5 and got.score_change == -1.5
    assert (got.complaints_ltm, got.complaints_prior) == (2, 1)
    assert got.open_complaints["age"].tolist() == [213]
    assert got.resolution_days == 10


def test_relationships_coverage_and_visits():
    contacts = pd.DataFrame({"contact_id": ["c1", "c2"], "account_id": "A", "name": ["x", "y"],
                             "role": ["decision_maker", "purchaser"]})  # fmt: skip
    activities = pd.DataFrame(
        {
            "activity_id": list("abcde"),
            "account_id": "A",
            "date": pd.to_datetime(
                ["2026-01-10", "2026-09-01", "2026-08-01", "2025-12-01", "2026-11-01"]
            ),
            "type": ["visit", "visit", "senior_visit", "visit", "visit"],
            "status": ["done", "done", "done", "done", "planned"],
            "contact_id": ["c1", "c2", "c2", "c1", "c1"],
        }
    )
    targets = pd.DataFrame({"account_id": "A", "month": pd.date_range("2026-01-01", periods=12,
                            freq="MS"), "revenue_target": 1.0, "visits_target": 1.0})  # fmt: skip
    got = account_relationships(contacts, activities, targets, "A", AS_OF, 120)
    coverage = got.coverage.set_index("role")
    assert not coverage.loc["decision_maker", "met_recently"]  # last met 2026-01-10
    assert coverage.loc["purchaser", "days_since"] == 29
    assert (got.visits_done_ytd, got.visits_target_ytd) == (2, 9.0)
    assert got.senior_visits_ltm == 1 and got.days_since_senior_visit == 60
    assert got.planned["date"].tolist() == [D("2026-11-01")]


def test_relationships_of_contacts_never_met():
    """Contacts, and only planned activities: no one met yet (it used to fail on casting
    no dates at all)."""
    contacts = pd.DataFrame({"contact_id": ["c1", "c2"], "account_id": "A", "name": ["x", "y"],
                             "role": ["decision_maker", "purchaser"]})  # fmt: skip
    activities = pd.DataFrame(
        {
            "activity_id": ["a"], "account_id": "A", "date": pd.to_datetime(["2026-11-01"]),
            "type": ["visit"], "status": ["planned"], "contact_id": ["c1"],
        }
    )  # fmt: skip
    got = account_relationships(contacts, activities, None, "A", AS_OF, 120)
    coverage = got.coverage.set_index("role")
    assert not coverage["met_recently"].any()
    assert coverage["days_since"].isna().all()
    assert got.planned["type"].tolist() == ["visit"]


def test_data_notes_find_the_duplicate_pair(sample_tables):
    notes = data_notes(Dataset(tables=sample_tables), "KA0097", AS_OF)
    assert any(n.message == "review.dq.duplicate" and n.values["id"] == "KA0054" for n in notes)
    assert not any(n.message == "review.dq.duplicate" for n in data_notes(
        Dataset(tables=sample_tables), "KA0003", AS_OF))  # fmt: skip


def test_lapsed_categories_bought_a_year_earlier_not_in_the_last_months():
    rows = [("A", "x1", "2025-05-01", 100, 0, 0), ("A", "y1", "2025-06-01", 50, 0, 0)]
    rows += [("A", "x1", "2026-06-01", 80, 0, 0)]  # x bought again: not lapsed
    rows += [("A", "y1", "2026-02-10", 30, 0, 0)]  # y's last order, before the last 6 months
    rows += [("A", "z1", "2025-11-01", 70, 0, 0)]  # z only between the windows: not lapsed
    rows += [("A", "w1", "2025-07-01", 40, 0, 0), ("A", "w1", "2026-07-01", -40, 0, 0)]  # a return
    products = pd.DataFrame(
        {"product_id": ["x1", "y1", "z1", "w1"], "category": ["x", "y", "z", "w"]}
    )
    got = lapsed_categories(with_category(lines_frame(rows), products), AS_OF, 6)
    assert got["category"].tolist() == ["y", "w"]  # largest revenue a year earlier first
    assert got["revenue_year_earlier"].tolist() == [50, 40]
    assert got["last_order"].tolist() == [D("2026-02-10"), D("2025-07-01")]
    # over 12 months y, x and z were bought in the LTM; w only returned
    yearly = lapsed_categories(with_category(lines_frame(rows), products), AS_OF, 12)
    assert yearly["category"].tolist() == ["w"]


def test_year_earlier_figures_are_unknown_when_the_data_starts_later():
    rows = [("A", "p1", "2026-05-01", 90, 50, 100), ("A", "p2", "2025-06-01", 160, 100, 200)]
    lines = with_category(lines_frame(rows), None)
    window = months_back(AS_OF, 12)
    # the same months a year earlier are (2025-03-30, 2025-09-30]
    covered = account_profitability(lines, None, "A", AS_OF, window, 6, D("2025-04-20"))
    assert covered.products_year_earlier == 1
    assert covered.discount_depth_year_earlier == pytest.approx(0.2)
    late = account_profitability(lines, None, "A", AS_OF, window, 6, D("2025-05-01"))
    assert late.products_year_earlier is None and late.discount_depth_year_earlier is None
    assert late.products_recent == 1 and late.discount_depth == pytest.approx(0.1)


def test_paid_amounts_are_what_was_paid_by_the_date_and_leave_the_data_alone():
    from kamreport.analytics.receivables import paid_amounts, paid_by

    invoices = pd.DataFrame(
        {
            "amount": [100.0, 200.0, 300.0, 400.0],
            "paid_amount": [100.0, None, 300.0, 50.0],
            "paid_date": pd.to_datetime(["2026-09-01", None, "2026-10-02", None]),
        }
    )
    end = pd.Timestamp("2026-09-30")
    before = invoices.copy()
    # by hand: paid in time; nothing paid; paid after the date; paid, date unknown
    assert paid_amounts(invoices, end).tolist() == [100.0, 0.0, 0.0, 50.0]
    rows = np.array([False, True, True, True])
    assert paid_amounts(invoices, end, rows).tolist() == [0.0, 0.0, 50.0]
    assert paid_by(invoices, end).tolist() == [100.0, 0.0, 0.0, 50.0]
    assert paid_amounts(invoices.drop(columns="paid_amount"), end, rows).tolist() == [0.0] * 3
    pd.testing.assert_frame_equal(invoices, before)
