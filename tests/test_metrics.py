"""The metrics table against plain-loop computations, and the report showing the same numbers."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys

import pytest

from kamreport.dataset import Dataset
from kamreport.i18n import Formatter
from kamreport.metrics import KEYS, account_metrics, customer_metrics, records
from kamreport.params import Params
from tests.conftest import ROOT

AS_OF = dt.date(2026, 9, 30)
LTM_START = dt.date(2025, 9, 30)
ACCOUNTS = ("KA0015", "KA0006", "KA0003", "KA0091")


@pytest.fixture(scope="module")
def dataset(sample_tables) -> Dataset:
    return Dataset(tables=sample_tables, currency="CNY")


@pytest.fixture(scope="module")
def metrics(dataset):
    return account_metrics(dataset, AS_OF, Params())


def day(value) -> dt.date:
    return value.date()


def test_has_the_keys_and_one_row_per_account(metrics, dataset):
    required = {
        "account_id", "as_of", "revenue_ltm", "revenue_prior_ltm", "revenue_growth",
        "gross_margin_ltm", "orders_ltm", "revenue_ytd", "target_ytd", "attainment_ytd",
        "share_of_wallet", "overdue_amount", "dso_days", "collection_rate", "p_alive", "clv",
        "score", "tier", "abc_class", "risk_flags",
    }  # fmt: skip
    assert required <= set(metrics.columns)
    assert list(metrics.columns) == list(KEYS)
    assert sorted(metrics["account_id"]) == sorted(dataset.accounts["account_id"])
    assert (metrics["as_of"] == "2026-09-30").all()


@pytest.mark.parametrize("account_id", ACCOUNTS)
def test_sales_by_plain_loop(metrics, sample_tables, account_id):
    revenue = prior = margin = 0.0
    per_order: dict[str, float] = {}
    for row in sample_tables["order_lines"].itertuples():
        if row.account_id != account_id:
            continue
        d = day(row.order_date)
        if LTM_START < d <= AS_OF:
            revenue += row.net_amount
            margin += row.net_amount - row.cost_amount
            per_order[row.order_id] = per_order.get(row.order_id, 0.0) + row.net_amount
        elif dt.date(2024, 9, 30) < d <= LTM_START:
            prior += row.net_amount
    got = customer_metrics(metrics, account_id)
    assert got["revenue_ltm"] == pytest.approx(revenue)
    assert got["revenue_prior_ltm"] == pytest.approx(prior)
    assert got["gross_margin_ltm"] == pytest.approx(margin)
    assert got["orders_ltm"] == sum(1 for v in per_order.values() if v > 0)
    if prior > 0:
        assert got["revenue_growth"] == pytest.approx(revenue / prior - 1, abs=5e-5)


@pytest.mark.parametrize("account_id", ACCOUNTS)
def test_receivables_by_plain_loop(metrics, sample_tables, account_id):
    open_ = overdue = recent = due_amount = collected = 0.0
    for row in sample_tables["invoices"].itertuples():
        if row.account_id != account_id or day(row.invoice_date) > AS_OF:
            continue
        paid = 0.0
        if row.paid_amount == row.paid_amount and (
            row.paid_date != row.paid_date or day(row.paid_date) <= AS_OF
        ):
            paid = row.paid_amount
        outstanding = max(row.amount - paid, 0.0)
        open_ += outstanding
        if day(row.due_date) < AS_OF:
            overdue += outstanding
        if (AS_OF - day(row.invoice_date)).days < 90:
            recent += row.amount
        if LTM_START < day(row.due_date) <= AS_OF:
            due_amount += row.amount
            collected += min(paid, row.amount)
    got = customer_metrics(metrics, account_id)
    assert got["open_amount"] == pytest.approx(open_)
    assert got["overdue_amount"] == pytest.approx(overdue)
    if recent:
        assert got["dso_days"] == pytest.approx(open_ / recent * 90, abs=5e-5)
    if due_amount:
        assert got["collection_rate"] == pytest.approx(collected / due_amount, abs=5e-5)
        assert 0 <= got["collection_rate"] <= 1


@pytest.mark.parametrize("account_id", ACCOUNTS)
def test_targets_and_wallet_by_plain_loop(metrics, sample_tables, account_id):
    ytd = ltm = 0.0
    for row in sample_tables["order_lines"].itertuples():
        d = day(row.order_date)
        if row.account_id == account_id and d.year == 2026 and d <= AS_OF:
            ytd += row.net_amount
        if row.account_id == account_id and LTM_START < d <= AS_OF:
            ltm += row.net_amount
    target = sum(
        r.revenue_target
        for r in sample_tables["targets"].itertuples()
        if r.account_id == account_id and r.month.year == 2026 and r.month.month <= 9
    )
    spend = {
        r.year: r.category_spend
        for r in sample_tables["wallet"].itertuples()
        if r.account_id == account_id
    }
    got = customer_metrics(metrics, account_id)
    assert got["revenue_ytd"] == pytest.approx(ytd)
    if target:
        assert got["target_ytd"] == pytest.approx(target)
        assert got["attainment_ytd"] == pytest.approx(ytd / target, abs=5e-5)
    if 2026 in spend:  # calendar 2026 to A (273 of 365 days) annualised, over 2026's estimate
        assert got["wallet_year"] == 2026
        share = ytd * 365 / 273 / spend[2026]
        assert got["share_of_wallet"] == pytest.approx(share, abs=5e-5)  # four decimals


@pytest.mark.parametrize("account_id", ACCOUNTS)
def test_discount_depth_and_products_over_the_last_six_months(metrics, sample_tables, account_id):
    windows = {"now": (dt.date(2026, 3, 30), AS_OF), "before": (dt.date(2025, 3, 30), LTM_START)}
    sums = {w: [0.0, 0.0] for w in windows}
    products: dict[str, set] = {w: set() for w in windows}
    for row in sample_tables["order_lines"].itertuples():
        for name, (start, end) in windows.items():
            if row.account_id == account_id and start < day(row.order_date) <= end:
                if row.list_amount > 0:
                    sums[name][0] += row.net_amount
                    sums[name][1] += row.list_amount
                if row.net_amount > 0:
                    products[name].add(row.product_id)
    got = customer_metrics(metrics, account_id)
    assert got["recent_months"] == 6
    now = 1 - sums["now"][0] / sums["now"][1]
    before = 1 - sums["before"][0] / sums["before"][1]
    assert got["discount_depth"] == pytest.approx(now, abs=5e-5)  # four decimals
    assert got["discount_depth_year_earlier"] == pytest.approx(before, abs=5e-5)
    assert got["products_bought"] == len(products["now"])
    assert got["products_bought_year_earlier"] == len(products["before"])


def test_json_is_plain(metrics):
    rows = records(metrics)
    text = json.dumps(rows, allow_nan=False)
    assert "NaN" not in text
    assert all(isinstance(r["risk_flags"], list) for r in rows)


def cell(html: str, metric: str) -> str:
    match = re.search(rf'<tr data-metric="{metric}">.*?<td class="num">(.*?)</td>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_report_shows_the_same_numbers(dataset, locale):
    from kamreport.provenance import make_provenance
    from kamreport.reports import customer as report

    params = Params()
    context = report.portfolio(dataset, AS_OF, params)
    review = report.analyse(dataset, "KA0015", AS_OF, params, context)
    fmt = Formatter(locale, "CNY")
    html = report.render_html(
        review, dict.fromkeys(report.CHART_KEYS), fmt,
        make_provenance(params, dataset, AS_OF), params,
    )  # fmt: skip
    m = report.review_metrics(context, "KA0015")
    assert cell(html, "revenue") == fmt.money(m["revenue_ltm"])
    assert cell(html, "revenue_ytd") == fmt.money(m["revenue_ytd"])
    assert cell(html, "target_ytd") == fmt.money(m["target_ytd"])
    assert cell(html, "overdue_amount") == fmt.money(m["overdue_amount"])
    assert cell(html, "dso_days") == fmt.number(m["dso_days"], digits=1)
    assert cell(html, "collection_rate") == fmt.percent(m["collection_rate"])
    assert cell(html, "clv") == fmt.money(m["clv"])
    assert cell(html, "p_alive") == fmt.percent(m["p_alive"])
    for code in m["risk_flags"]:
        assert f'data-flag="{code}"' in html


@pytest.mark.slow
def test_cli_metrics_customer_and_all(sample_dir):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "kamreport.cli", "metrics", "--source", str(sample_dir), *args],
            capture_output=True, text=True, cwd=ROOT, timeout=300,
        )  # fmt: skip

    one = run("--customer", "KA0015")
    assert one.returncode == 0, one.stderr
    data = json.loads(one.stdout)
    assert data["account_id"] == "KA0015" and "OVERDUE_RECEIVABLES" in data["risk_flags"]
    table = run("--all", "--format", "csv")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].startswith("account_id,as_of,revenue_ltm")
    assert len(lines) > 100
    unknown = run("--customer", "NOPE")
    assert unknown.returncode != 0 and "NOPE" in unknown.stderr


@pytest.mark.parametrize("shared_order", [False, True])
def test_orders_ltm_by_plain_loop_also_when_an_order_names_two_accounts(shared_order):
    """LTM orders with a positive net amount, per account: summed per order when each order
    has one account, per (account, order) when an export gives an order two accounts."""
    import numpy as np
    import pandas as pd

    from kamreport.metrics import orders_ltm
    from kamreport.repeated_text import stored_once

    rng = np.random.default_rng(7)
    n = 400
    order = rng.integers(0, 60, n)
    lines = pd.DataFrame(
        {
            "order_id": pd.Series([f"SO{o}" for o in order], dtype="str"),
            "account_id": stored_once(pd.Series([f"KA{o % 7}" for o in order], dtype="str")),
            "order_date": pd.Timestamp("2026-03-01")
            + pd.to_timedelta(rng.integers(-500, 200, n), "D"),
            "net_amount": rng.choice([-120.0, -5.0, 0.0, 40.0, 75.5], n),
        }
    )
    if shared_order:  # one order number with a line for each of two accounts
        extra = pd.DataFrame(
            {
                "order_id": pd.Series(["SO999", "SO999"], dtype="str"),
                "account_id": ["KA1", "KA2"],
                "order_date": [pd.Timestamp("2026-06-01")] * 2,
                "net_amount": [50.0, 30.0],
            }
        )
        lines = pd.concat([lines, extra], ignore_index=True)
        lines["account_id"] = stored_once(lines["account_id"].astype("str"))
    accounts = pd.Index([f"KA{i}" for i in range(8)], dtype="str")  # KA7 without orders
    end = pd.Timestamp("2026-09-30")
    got = orders_ltm(lines, end, accounts)
    per_pair: dict[tuple[str, str], float] = {}
    for row in lines.itertuples():
        if end - pd.DateOffset(years=1) < row.order_date <= end:
            key = (str(row.account_id), row.order_id)
            per_pair[key] = per_pair.get(key, 0.0) + row.net_amount
    expected = {a: sum(1 for (b, _), v in per_pair.items() if b == a and v > 0) for a in accounts}
    assert got.to_dict() == expected
    assert got["KA7"] == 0 and got.sum() > 0
