"""Portfolio analytics on tiny hand-made data: every figure against a hand check or a loop."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kamreport.analytics import risk, scoring
from kamreport.analytics.collections import (
    collection_progress,
    collection_rate,
    dso_trend,
    month_ends,
)
from kamreport.analytics.migration import migration_matrix, movements
from kamreport.analytics.periods import months_back, ytd
from kamreport.analytics.portfolio import (
    _ordered_by,
    concentration,
    risk_summary,
    sensitivity_summary,
)
from kamreport.analytics.receivables import DSO_DAYS, invoice_amounts
from kamreport.analytics.segments import segment_table
from kamreport.analytics.team import scorecards
from kamreport.dataset import Dataset
from kamreport.params import RiskParams

AS_OF = dt.date(2026, 9, 30)
D = pd.Timestamp


def tiny() -> Dataset:
    accounts = pd.DataFrame(
        {
            "account_id": ["A", "B", "C"],
            "name": ["甲公司", "乙公司", "丙公司"],
            "region": ["华东", "华东", None],
            "ka_manager": ["王磊", "李娜", "王磊"],
        }
    )
    lines = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o5", "o6", "o0"],
            "account_id": ["A", "A", "B", "B", "C", "A", "C"],
            "product_id": ["p1", "p2", "p1", "p1", "p2", "p1", "p2"],
            "order_date": [
                D("2026-09-10"),
                D("2025-06-01"),
                D("2026-01-15"),
                D("2025-03-01"),
                D("2026-09-30"),
                D("2025-09-30"),
                D("2024-10-01"),  # a line of nothing: the export covers the prior LTM
            ],
            "quantity": [1.0] * 6 + [0.0],
            "net_amount": [100.0, 50.0, 200.0, 100.0, 40.0, 10.0, 0.0],
            "cost_amount": [60.0, 30.0, 150.0, 80.0, 10.0, 5.0, 0.0],
        }
    )
    products = pd.DataFrame(
        {"product_id": ["p1", "p2"], "name": ["x", "y"], "category": ["feed grade", "food grade"]}
    )
    invoices = pd.DataFrame(
        {
            "invoice_id": ["i1", "i2", "i3", "i4"],
            "account_id": ["A", "A", "B", "C"],
            "invoice_date": [D("2026-08-01"), D("2026-08-15"), D("2026-07-01"), D("2026-09-20")],
            "due_date": [D("2026-09-05"), D("2026-09-25"), D("2026-08-30"), D("2026-10-20")],
            "amount": [100.0, 50.0, 80.0, 40.0],
            "paid_amount": [100.0, 20.0, 0.0, 0.0],
            "paid_date": [D("2026-09-04"), D("2026-09-28"), pd.NaT, pd.NaT],
        }
    )
    targets = pd.DataFrame(
        {
            "account_id": ["A", "B", "C", "A"],
            "month": [D("2026-09-01"), D("2026-09-01"), D("2026-09-01"), D("2026-08-01")],
            "revenue_target": [80.0, 10.0, 50.0, 30.0],
            "visits_target": [2.0, 1.0, 1.0, 1.0],
        }
    )
    activities = pd.DataFrame(
        {
            "activity_id": ["v1", "v2", "v3", "v4"],
            "account_id": ["A", "A", "B", "C"],
            "date": [D("2026-09-02"), D("2026-09-20"), D("2026-09-03"), D("2026-09-05")],
            "type": ["visit", "call", "senior_visit", "visit"],
            "status": ["done", "done", "done", "cancelled"],
        }
    )
    complaints = pd.DataFrame(
        {"complaint_id": ["c1"], "account_id": ["C"], "opened_date": [D("2026-09-12")]}
    )
    return Dataset(
        {
            "accounts": accounts,
            "order_lines": lines,
            "products": products,
            "invoices": invoices,
            "targets": targets,
            "activities": activities,
            "complaints": complaints,
        }
    )


def test_segments_by_region_and_by_product_category():
    data = tiny()
    region = segment_table(data, AS_OF, "region")
    # LTM (2025-09-30, 2026-09-30]: A 100, B 200, C 40; prior: A 50 + 10, B 100
    assert region.loc["华东", "revenue_ltm"] == 300
    assert region.loc["华东", "revenue_prior_ltm"] == 160
    assert region.loc["华东", "growth"] == pytest.approx(300 / 160 - 1)
    assert region.loc["华东", "gross_margin_ltm"] == 90
    assert region.loc["华东", "accounts"] == 2
    assert region.loc["—", "revenue_ltm"] == 40 and np.isnan(region.loc["—", "growth"])
    assert region["share"].sum() == pytest.approx(1)
    category = segment_table(data, AS_OF, "product_category")
    assert category.loc["feed grade", "revenue_ltm"] == 300
    assert category.loc["food grade", "revenue_ltm"] == 40
    assert category.loc["food grade", "revenue_prior_ltm"] == 50
    assert list(category.index) == ["feed grade", "food grade"]  # largest first


def test_collection_progress_of_the_month_and_rate():
    progress = collection_progress(tiny().get("invoices"), months_back(AS_OF, 1), AS_OF)
    # due in September: i1 100 (paid 100), i2 50 (20 paid on 28 Sep); i3 due in August
    assert progress.loc["A"].to_dict() == {
        "due": 150,
        "collected": 120,
        "outstanding": 30,
        "rate": 0.8,
    }
    assert list(progress.index) == ["A"]
    assert collection_rate(progress) == 0.8
    before = collection_progress(tiny().get("invoices"), months_back(AS_OF, 1), D("2026-09-27"))
    assert before.loc["A", "collected"] == 100  # the 28 Sep payment is not known yet


def test_dso_trend_hand_checked():
    trend = dso_trend(tiny().get("invoices"), AS_OF, months=2)
    assert [d.date() for d in trend["month_end"]] == [dt.date(2026, 8, 31), AS_OF]
    # 30 Sep: open i2 30 + i3 80 + i4 40 = 150; invoiced since 2 Jul: 100 + 50 + 40 = 190
    last = trend.iloc[-1]
    assert last["open"] == 150 and last["invoiced_90d"] == 190
    assert last["dso"] == pytest.approx(150 / 190 * 90)
    assert last["overdue"] == 110  # i2 (due 25 Sep) and i3 (due 30 Aug)
    # 31 Aug: open 100 + 50 + 80 = 230 over 230 invoiced in the 90 days → 90 days
    assert trend.iloc[0]["dso"] == pytest.approx(90)


def test_scorecards_of_the_month():
    card = scorecards(tiny(), months_back(AS_OF, 1), AS_OF)
    wang, li = card.loc["王磊"], card.loc["李娜"]
    assert wang["accounts"] == 2 and li["accounts"] == 1
    assert wang["revenue"] == 140 and wang["target"] == 130  # A 100 + C 40; 80 + 50
    assert wang["attainment"] == pytest.approx(140 / 130)
    assert wang["visits"] == 1 and wang["visits_plan"] == 3  # not the call, not cancelled
    assert li["visits"] == 1  # a senior visit is a visit
    assert wang["collection_rate"] == 0.8 and np.isnan(li["collection_rate"])
    assert wang["new_accounts"] == 1  # C's first order is in September
    assert wang["complaints"] == 1 and li["complaints"] == 0
    year = scorecards(tiny(), ytd(AS_OF), AS_OF)
    assert year.loc["李娜", "revenue"] == 200


def test_scorecard_attainment_counts_only_accounts_with_a_target():
    data = tiny()
    targets = data.tables["targets"]
    without_c = Dataset(
        tables={**data.tables, "targets": targets.loc[targets["account_id"] != "C"]},
        currency=data.currency,
    )
    wang = scorecards(without_c, months_back(AS_OF, 1), AS_OF).loc["王磊"]
    assert wang["revenue"] == 140  # A 100 + C 40: C still counts as revenue
    assert wang["target"] == 80 and wang["revenue_targeted"] == 100
    assert wang["attainment"] == pytest.approx(100 / 80)  # not 140 / 80


def test_migration_matrix_and_movements():
    then = pd.Series({"a": "key", "b": "growth", "c": "ordinary", "d": "key"})
    now = pd.Series({"a": "key", "b": "key", "c": "maintain", "d": "ordinary", "e": "growth"})
    matrix = migration_matrix(then, now)
    assert matrix.loc["key", "key"] == 1 and matrix.loc["growth", "key"] == 1
    assert matrix.loc["new", "growth"] == 1 and matrix.to_numpy().sum() == 5
    moves = movements(then, now)["direction"].to_dict()
    assert moves == {"b": "up", "c": "up", "d": "down", "e": "new"}


def test_concentration_against_plain_loops():
    values = pd.Series({"a": 50.0, "b": 30.0, "c": 10.0, "d": 5.0, "e": 5.0, "f": 0.0, "g": -3.0})
    conc = concentration(values, 0.8, 0.95)
    # before-shares: a 0, b .5, c .8 (not < .8 → B), d .9, e .95 (not < .95 → C)
    assert conc.classes.to_dict() == {
        "a": "A",
        "b": "A",
        "c": "B",
        "d": "B",
        "e": "C",
        "f": "C",
        "g": "C",
    }
    assert conc.top20_count == 2  # ⌈7 × 0.2⌉
    assert conc.top20_share == pytest.approx(0.8)
    assert conc.hhi == pytest.approx(sum((v / 100) ** 2 for v in (50, 30, 10, 5, 5)))
    assert conc.table.loc["A", "value"] == 80 and conc.table.loc["C", "accounts"] == 3
    assert conc.table["share"].sum() == pytest.approx(1)


def test_risk_summary_levels_and_order():
    flags = pd.DataFrame(
        {
            "account_id": ["x", "x", "y", "z"],
            "code": ["ORDER_GAP", "REVENUE_DECLINE", "NO_SENIOR_VISIT", "ORDER_GAP"],
            "severity": ["medium", "high", "medium", "medium"],
        }
    )
    values = pd.DataFrame({"revenue_ltm": [10.0, 30.0, 20.0, 40.0]}, index=["x", "y", "z", "w"])
    at_risk, levels = risk_summary(flags, values)
    assert list(at_risk.index) == ["x", "y", "z"]  # high first, then by revenue
    assert at_risk.loc["x", "codes"] == ("ORDER_GAP", "REVENUE_DECLINE")
    assert levels["accounts"].to_dict() == {"high": 1, "medium": 2, "none": 1}
    assert levels["revenue_ltm"].to_dict() == {"high": 10, "medium": 50, "none": 40}


def test_sensitivity_summary_counts_moves_per_direction():
    sens = pd.DataFrame({"criterion": ["spend", "spend", "risk"], "change": [0.2, -0.2, 0.2]})
    summary = sensitivity_summary(sens, {"spend": 0.6, "risk": 0.4})
    assert summary.loc["spend"].to_dict() == {"weight": 0.6, "up": 1, "down": 1}
    assert summary.loc["risk", "down"] == 0


def _headline_data(first_prior_day: str = "2024-10-10") -> tuple[Dataset, pd.DataFrame]:
    """A +50 revenue / +10 margin, B −80 / −70, C −10 / −5 (LTM against the prior LTM)."""
    accounts = pd.DataFrame({"account_id": ["A", "B", "C"], "name": ["a", "b", "c"]})
    rows = [
        ("A", first_prior_day, 100.0, 60.0), ("A", "2026-01-10", 150.0, 100.0),
        ("B", "2025-05-01", 200.0, 100.0), ("B", "2026-05-01", 120.0, 90.0),
        ("C", "2025-06-01", 50.0, 40.0), ("C", "2026-06-01", 40.0, 35.0),
        ("C", "2026-10-05", 999.0, 0.0),  # after the as-of date: ignored
    ]  # fmt: skip
    lines = pd.DataFrame(rows, columns=["account_id", "order_date", "net_amount", "cost_amount"])
    lines["order_date"] = pd.to_datetime(lines["order_date"])
    lines["order_id"] = [f"o{i}" for i in range(len(lines))]
    lines["product_id"], lines["quantity"] = "p", 1.0
    end = D(AS_OF)
    now, before = (
        lines["order_date"].between(D("2025-10-01"), end),
        lines["order_date"] <= D("2025-09-30"),
    )
    values = pd.DataFrame(index=pd.Index(["A", "B", "C"], name="account_id"))
    values["revenue_ltm"] = lines[now].groupby("account_id")["net_amount"].sum()
    values["revenue_prior_ltm"] = lines[before].groupby("account_id")["net_amount"].sum()
    margin = lines["net_amount"] - lines["cost_amount"]
    values["gross_margin_ltm"] = margin[now].groupby(lines["account_id"]).sum()
    return Dataset({"accounts": accounts, "order_lines": lines}), values


def test_headline_covers_revenue_and_margin_and_names_the_movers():
    from kamreport.analytics.headline import portfolio_headline

    data, values = _headline_data()
    h = portfolio_headline(data, D(AS_OF), values)
    assert h.prior_covered and h.data_start == dt.date(2024, 10, 10)
    assert (h.kpis.revenue.current, h.kpis.revenue.prior) == (310.0, 350.0)
    assert (h.kpis.gross_margin.current, h.kpis.gross_margin.prior) == (85.0, 150.0)
    assert h.kpis.gross_margin.growth == pytest.approx(85 / 150 - 1)
    assert h.kpis.margin_pct.change == pytest.approx(85 / 310 - 150 / 350)
    assert h.revenue_movers.to_dict() == {"B": -80.0, "C": -10.0}  # the way revenue moved
    assert h.margin_movers.to_dict() == {"B": -70.0, "C": -5.0}


def test_headline_says_nothing_about_change_when_the_prior_year_is_not_covered():
    from kamreport.analytics.headline import headline_kpis, portfolio_headline, prior_covered

    data, values = _headline_data(first_prior_day="2024-11-01")  # a month after it began
    lines = data.order_lines
    assert not prior_covered(lines, AS_OF)
    assert prior_covered(_headline_data("2024-10-30")[0].order_lines, AS_OF)  # its first month
    h = portfolio_headline(data, D(AS_OF), values)
    assert not h.prior_covered
    assert h.kpis.revenue.current == 310.0 and h.kpis.revenue.growth is None
    assert h.kpis.gross_margin.growth is None and h.kpis.margin_pct.change is None
    assert h.revenue_movers.empty and h.margin_movers.empty
    assert headline_kpis(lines, AS_OF) == h.kpis


def test_movers_follow_the_total_and_break_ties_by_account():
    from kamreport.analytics.headline import movers

    now = pd.Series({"x": 5.0, "b": 0.0, "a": 0.0, "n": np.nan, "u": 9.0})
    before = pd.Series({"x": 1.0, "b": 3.0, "a": 3.0, "n": 1.0, "u": 1.0})
    assert movers(now, before, -1.0).to_dict() == {"a": -3.0, "b": -3.0}
    assert movers(now, before, 2.0).to_dict() == {"u": 8.0, "x": 4.0}
    assert movers(now, before, 0.0).empty and movers(now, before, None).empty


def test_risk_summary_matches_grouping_per_account():
    """The flagged accounts, against pandas' groupby with a function per account, exactly:
    ids out of order, several flags per account, their codes in the flags' order."""
    rng = np.random.default_rng(7)
    codes = ["ORDER_GAP", "REVENUE_DECLINE", "NO_SENIOR_VISIT", "LOW_P_ALIVE"]
    n = 400
    flags = pd.DataFrame(
        {
            "account_id": pd.array([f"K{i:03d}" for i in rng.integers(0, 120, n)], dtype="str"),
            "code": [codes[i] for i in rng.integers(0, len(codes), n)],
            "severity": np.where(rng.random(n) < 0.2, "high", "medium"),
        }
    )
    values = pd.DataFrame(
        {"revenue_ltm": rng.gamma(2.0, 1000.0, 150)},
        index=pd.Index([f"K{i:03d}" for i in range(150)], dtype="str"),
    )
    at_risk, levels = risk_summary(flags, values)
    grouped = flags.groupby("account_id")
    high = grouped["severity"].apply(lambda s: bool((s == "high").any()))
    expected = pd.DataFrame(
        {
            "severity": high.map({True: "high", False: "medium"}),
            "flags": grouped.size(),
            "codes": grouped["code"].apply(tuple),
        }
    )
    expected["revenue_ltm"] = values["revenue_ltm"].reindex(expected.index).fillna(0.0)
    expected["_o"] = expected["severity"].map({"high": 0, "medium": 1})
    expected = expected.sort_values(["_o", "revenue_ltm"], ascending=[True, False])
    pd.testing.assert_frame_equal(at_risk, expected.drop(columns="_o"), check_exact=True)
    assert levels["accounts"].sum() == len(values)


def test_tiers_then_new_accounts_match_isin_on_the_lines():
    """Accounts with an order line by a date, against ``isin`` of those lines' ids."""
    dataset = tiny()
    lines = dataset.order_lines
    index = pd.Index(["A", "B", "C", "D"], dtype="str")
    for day in ("2024-09-30", "2024-10-01", "2025-03-01", "2025-06-01", "2026-09-30"):
        expected = index.isin(lines.loc[lines["order_date"] <= D(day), "account_id"])
        assert list(_ordered_by(lines, D(day), index)) == list(expected), day


def _dso_by_month_copies(invoices: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """DSO by month the direct way: each month's invoices copied and their status built
    (receivables.invoice_amounts), then summed."""
    rows = []
    for month_end in month_ends(as_of, 12):
        status, _ = invoice_amounts(invoices, month_end)
        recent = status["invoice_date"] > month_end - pd.Timedelta(days=DSO_DAYS)
        invoiced = float(status.loc[recent, "amount"].sum())
        open_total = float(status["outstanding"].sum())
        overdue = float(status.loc[status["days_overdue"] > 0, "outstanding"].sum())
        dso = open_total / invoiced * DSO_DAYS if invoiced > 0 else float("nan")
        rows.append({"month_end": month_end, "open": open_total, "overdue": overdue,
                     "invoiced_90d": invoiced, "dso": dso})  # fmt: skip
    return pd.DataFrame(rows)


def _random_invoices(drop: tuple[str, ...]) -> pd.DataFrame:
    """Invoices with amounts of very different sizes, unpaid, paid late, part paid,
    overpaid, without dates, times of day; ``drop`` the columns left out."""
    rng = np.random.default_rng(11)
    n = 5000
    issued = D("2025-06-01") + pd.to_timedelta(rng.integers(0, 480, n), unit="D")
    issued = issued + pd.to_timedelta(rng.integers(0, 2, n) * rng.integers(0, 86400, n), unit="s")
    due = pd.Series(issued + pd.to_timedelta(rng.integers(-5, 90, n), unit="D"))
    due[rng.random(n) < 0.02] = pd.NaT
    amount = rng.standard_normal(n) ** 2 * 10.0 ** rng.integers(0, 7, n)
    paid_date = pd.Series(due + pd.to_timedelta(rng.integers(-30, 120, n), unit="D"))
    paid_date[rng.random(n) < 0.2] = pd.NaT
    paid = amount * rng.choice([0.0, 0.5, 1.0, 1.1], n)
    paid[rng.random(n) < 0.05] = np.nan
    invoices = pd.DataFrame(
        {"account_id": pd.array(rng.choice(["A", "B", "C"], n), dtype="str"),
         "invoice_date": issued, "due_date": due, "amount": amount,
         "paid_amount": paid, "paid_date": paid_date}
    ).drop(columns=list(drop))  # fmt: skip
    invoices.loc[rng.random(n) < 0.01, "account_id"] = None
    return invoices


DROPS = [(), ("paid_date",), ("paid_amount", "paid_date")]


@pytest.mark.parametrize("drop", DROPS)
def test_dso_trend_matches_each_months_invoices_copied(drop):
    """Every figure of the DSO trend as the direct way, exactly."""
    invoices = _random_invoices(drop)
    expected = _dso_by_month_copies(invoices, AS_OF)
    assert expected["overdue"].gt(0).any() and expected["open"].gt(0).all()
    pd.testing.assert_frame_equal(dso_trend(invoices, AS_OF), expected, check_exact=True)


@pytest.mark.parametrize("drop", DROPS)
def test_collection_progress_matches_the_invoices_copied(drop):
    """Collection progress per account against the invoices dated by A and due in the
    window copied with their status and grouped on their ids, exactly."""
    invoices = _random_invoices(drop)
    for window, as_of in ((months_back(AS_OF, 1), AS_OF), (ytd(AS_OF), D("2026-08-14"))):
        status, _ = invoice_amounts(invoices, D(as_of))
        inside = status.loc[window.mask(status["due_date"])]
        frame = pd.DataFrame(
            {
                "account_id": inside["account_id"],
                "due": inside["amount"],
                "collected": np.minimum(inside["paid_asof"], inside["amount"]),
            }
        )
        expected = frame.groupby("account_id")[["due", "collected"]].sum()
        expected["outstanding"] = expected["due"] - expected["collected"]
        expected["rate"] = (expected["collected"] / expected["due"]).where(expected["due"] > 0)
        expected = expected.sort_values(["outstanding", "due"], ascending=False, kind="stable")
        got = collection_progress(invoices, window, as_of)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        assert len(got) == 3


@pytest.mark.parametrize("drop", DROPS)
def test_overdue_share_and_flag_match_the_invoices_copied(drop):
    """The score's overdue share and the overdue-receivables flag per account, against
    the invoices dated by A copied with their status and grouped on their ids, exactly."""
    invoices = _random_invoices(drop)
    dataset = Dataset({"accounts": tiny().accounts, "invoices": invoices}, currency="CNY")
    accounts = pd.Index(["A", "B", "C", "D"], dtype="str", name="account_id")
    for as_of in (D("2026-09-30"), D("2026-03-14")):
        status, _ = invoice_amounts(invoices, as_of)
        grouped = status.groupby("account_id")
        total = grouped["outstanding"].sum().reindex(accounts, fill_value=0.0)
        late = status["outstanding"].where(status["days_overdue"] > 7, 0.0)
        late = late.groupby(status["account_id"]).sum().reindex(accounts, fill_value=0.0)
        p = RiskParams(overdue_grace_days=7, overdue_min_share=0.01)
        flags = risk._overdue(dataset, as_of, p, accounts)
        flagged = flags.set_index("account_id")
        assert list(flagged.index) == ["A", "B", "C"]
        assert flagged["baseline"].tolist() == late.loc[flagged.index].tolist()
        assert flagged["value"].tolist() == (late / total).loc[flagged.index].tolist()
        # the score's share: outstanding overdue (due before A) over outstanding
        due_before = status["outstanding"].where(status["due_date"] < as_of, 0.0)
        share = due_before.groupby(status["account_id"]).sum() / grouped["outstanding"].sum()
        expected = share.reindex(accounts).fillna(0.0)
        got = scoring._overdue_share(dataset, as_of, accounts)
        assert got.tolist() == expected.tolist()
