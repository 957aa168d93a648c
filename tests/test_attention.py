"""What needs attention: money at stake per kind of issue, the ranking and its tie-breaks,
checked against figures worked out by hand, and the two cases planted in the sample data."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd
import pytest

from kamreport.analytics.attention import (
    ACCOUNT_SHOWN,
    MARGIN_FALL,
    AttentionItem,
    attention_items,
    by_account,
    lapsed_revenue,
    margins,
    money_at_stake,
    rank_key,
)
from kamreport.analytics.periods import recent_and_year_earlier
from kamreport.dataset import Dataset
from kamreport.i18n import Formatter
from kamreport.params import Params
from kamreport.provenance import make_provenance
from kamreport.reports import customer as report
from kamreport.views.attention import account_block, portfolio_block
from kamreport.views.display import Display

AS_OF = dt.date(2026, 9, 30)
FLAG_COLUMNS = ["account_id", "code", "severity", "value", "threshold", "baseline", "unit"]


def line(account: str, day: str, product: str, net: float, cost: float | None) -> dict:
    return {"account_id": account, "order_id": f"{account}-{day}-{product}", "product_id": product,
            "order_date": pd.Timestamp(day), "quantity": 1.0, "net_amount": net,
            "cost_amount": math.nan if cost is None else cost}  # fmt: skip


# X: gross margin 400 + 200 = 600 in the prior LTM, 1 200 − 900 = 300 in the LTM (−50%);
#    P2 (500 in Apr–Sep 2025) not bought since. Y: margin 1 000 → 900 (−10%, the limit).
#    Z: a line without its cost, so no margin. W: 300 of revenue, nothing before.
LINES = pd.DataFrame(
    [
        line("X", "2025-06-15", "P1", 1000.0, 600.0),
        line("X", "2025-06-20", "P2", 500.0, 300.0),
        line("X", "2026-06-15", "P1", 1200.0, 900.0),
        line("Y", "2025-05-01", "P1", 2000.0, 1000.0),
        line("Y", "2026-05-01", "P1", 2000.0, 1100.0),
        line("Z", "2025-05-01", "P1", 900.0, None),
        line("Z", "2026-05-01", "P1", 100.0, 90.0),
        line("W", "2026-05-01", "P3", 300.0, 100.0),
        line("X", "2026-10-15", "P2", 5000.0, 0.0),  # after the as-of date: never counted
        line("W", "2024-10-01", "P3", 0.0, 0.0),  # the export starts here: the prior LTM is covered
    ]
)
METRICS = pd.DataFrame(
    {
        "account_id": ["X", "Y", "Z", "W"],
        "revenue_ltm": [1200.0, 2000.0, 100.0, 300.0],
        "revenue_prior_ltm": [1500.0, 2000.0, 900.0, 0.0],
        "share_of_wallet": [math.nan, 0.3, math.nan, math.nan],
        "share_of_wallet_prior": [math.nan, 0.5, math.nan, math.nan],
        "category_spend": [math.nan, 5000.0, math.nan, math.nan],
        "discount_depth": [math.nan, 0.15, math.nan, math.nan],
        "discount_depth_year_earlier": [math.nan, 0.05, math.nan, math.nan],
    }
)
FLAGS = pd.DataFrame(
    [
        ("X", "REVENUE_DECLINE", "medium", -0.2, -0.15, 1500.0, "growth"),
        ("X", "NARROWING_BREADTH", "medium", 1.0, 1.0, 2.0, "count"),
        ("Y", "ORDER_GAP", "high", 150.0, 64.0, 32.0, "days"),
        ("Y", "WALLET_SHARE_FALL", "high", 0.3, 0.05, 0.5, "fraction"),
        ("Y", "OVERDUE_RECEIVABLES", "medium", 0.4, 0.3, 800.0, "fraction"),
        ("Y", "DISCOUNT_PRESSURE", "medium", 0.15, 0.03, 0.05, "fraction"),
        ("W", "COMPLAINT_SPIKE", "high", 6.0, 3.0, 0.5, "count"),
    ],
    columns=FLAG_COLUMNS,
)
ACCOUNTS = pd.DataFrame(
    {"account_id": ["X", "Y", "Z", "W"], "name": ["<b>X & Co</b>", "Y", "Z", "W"],
     "ka_manager": ["王磊", None, "Li", "Li"]}
)  # fmt: skip


def items(**kw) -> tuple[AttentionItem, ...]:
    return attention_items(METRICS, FLAGS, LINES, ACCOUNTS, AS_OF, **kw)


def test_money_at_stake_per_kind_of_issue_by_hand():
    got = {(i.account_id, i.kind): (i.severity, i.at_stake) for i in items()}
    assert got == {
        ("X", "MARGIN_FALL"): ("high", 300.0),  # 600 − 300; a fall of 50% ≥ 2 × 10%
        ("X", "REVENUE_DECLINE"): ("medium", 300.0),  # 1 500 − 1 200
        ("X", "NARROWING_BREADTH"): ("medium", 500.0),  # P2 in Apr–Sep 2025
        ("Y", "ORDER_GAP"): ("high", 2000.0),  # a year of business: max(2 000, 2 000)
        ("Y", "WALLET_SHARE_FALL"): ("high", pytest.approx(1000.0)),  # (0.5 − 0.3) × 5 000
        ("Y", "OVERDUE_RECEIVABLES"): ("medium", 800.0),  # the overdue amount
        ("Y", "DISCOUNT_PRESSURE"): ("medium", pytest.approx(200.0)),  # 0.10 × 2 000
        ("Y", "MARGIN_FALL"): ("medium", 100.0),  # 1 000 − 900: exactly the 10% limit
        ("W", "COMPLAINT_SPIKE"): ("high", 300.0),  # max(300, 0)
    }  # Z: a line lacks its cost, so its margin is unknown and cannot fall
    margin = next(i for i in items() if i.kind == "MARGIN_FALL" and i.account_id == "X")
    assert (margin.value, margin.baseline, margin.threshold) == (300.0, 600.0, MARGIN_FALL)
    assert margin.owner == "王磊"


def test_ranked_by_weighted_money_then_severity_then_kind_then_account():
    ranked = [(i.account_id, i.kind) for i in items()]
    assert ranked == [
        ("Y", "ORDER_GAP"),  # 2 000
        ("Y", "WALLET_SHARE_FALL"),  # 1 000
        ("Y", "OVERDUE_RECEIVABLES"),  # 800 × ½ = 400
        ("X", "MARGIN_FALL"),  # 300, high; a tie with W broken by the kind's place
        ("W", "COMPLAINT_SPIKE"),  # 300, high
        ("X", "NARROWING_BREADTH"),  # 500 × ½ = 250
        ("X", "REVENUE_DECLINE"),  # 300 × ½ = 150
        ("Y", "DISCOUNT_PRESSURE"),  # 200 × ½ = 100
        ("Y", "MARGIN_FALL"),  # 100 × ½ = 50
    ]
    a = AttentionItem("A", "ORDER_GAP", "high", 100.0, 0, 0, 0)
    b = AttentionItem("B", "ORDER_GAP", "medium", 200.0, 0, 0, 0)  # same weight: high first
    c = AttentionItem("C", "ORDER_GAP", "high", 100.0, 0, 0, 0)  # all equal: by account id
    assert sorted([c, b, a], key=rank_key) == [a, c, b]


def test_accounts_rank_by_their_first_issue_with_their_owner():
    accounts = by_account(items())
    assert [(a.account_id, a.top.kind, a.owner) for a in accounts] == [
        ("Y", "ORDER_GAP", ""), ("X", "MARGIN_FALL", "王磊"), ("W", "COMPLAINT_SPIKE", "Li"),
    ]  # fmt: skip
    assert [i.kind for i in accounts[1].items] == [
        "MARGIN_FALL", "NARROWING_BREADTH", "REVENUE_DECLINE",
    ]  # fmt: skip


def test_one_account_gets_the_same_issues_as_in_the_whole_portfolio():
    whole = [i for i in items() if i.account_id == "X"]
    assert list(items(account_ids=["X"])) == whole


def test_the_block_words_the_issues_in_both_languages():
    own = [i for i in items() if i.account_id == "X"]
    en = account_block(Display(Formatter("en", "CNY")), own, 2)
    first = en.entries[0]
    assert (first.title, first.severity, first.severity_text) == (
        "Gross margin falling", "high", "High severity",
    )  # fmt: skip
    assert first.reason == (
        "Gross margin of the last 12 months fell 50.0% to CN¥300 (prior 12 months: CN¥600);"
        " the flag starts at a fall of 10%."
    )
    assert (first.stake, first.owner) == ("CN¥300 at stake", "Owner: 王磊")
    assert first.action.startswith("Find what erodes the margin")
    assert en.more == "1 more issue(s) under Risk flags below."
    zh = account_block(Display(Formatter("zh-CN", "CNY")), own, 2).entries[0]
    assert zh.reason == ("近12个月毛利下降50.0%，降至¥300（前12个月：¥600）；下降达到10%即提示。")
    assert (zh.stake, zh.owner) == ("涉及金额¥300", "负责人：王磊")
    assert zh.severity_text == "风险等级：高"
    for text in (zh.reason, zh.owner):  # full-width punctuation inside Chinese sentences
        assert not re.search(r"[\u4e00-\u9fff][,:;()]|[,:;()][\u4e00-\u9fff]", text)
    nothing = account_block(Display(Formatter("en")), [], ACCOUNT_SHOWN)
    assert nothing.entries == () and nothing.none.startswith("Nothing needs attention")


def test_the_portfolio_block_names_accounts_and_their_other_issues():
    display = Display.for_accounts(Formatter("en", "CNY"), ACCOUNTS)
    block = portfolio_block(
        display, by_account(items()), 2, {"X": "customers/X/report.html"}, "Retention and risk"
    )
    y, x = block.entries
    # Y's name is its id: shown once, not "Y Y"
    assert (y.account, y.account_note, y.link, y.owner) == ("Y", "", "", "Owner: not assigned")
    assert y.also == (
        "Also: Share of wallet falling, Overdue receivables, Rising discount pressure,"
        " Gross margin falling"
    )
    assert (x.account, x.account_note, x.link) == ("<b>X & Co</b>", "X", "customers/X/report.html")
    assert block.more == "1 more account(s) need attention: see Retention and risk."


@pytest.fixture(scope="module")
def sample(sample_tables):
    dataset = Dataset(tables=sample_tables, currency="CNY")
    params = Params()
    figures = report.portfolio(dataset, AS_OF, params)
    reviews = {a: report.analyse(dataset, a, AS_OF, params, figures) for a in ("KA0013", "KA0008")}
    return dataset, figures, reviews


def hand_margin(lines: pd.DataFrame, start: str, end: str) -> float:
    inside = lines.loc[(lines["order_date"] > start) & (lines["order_date"] <= end)]
    assert inside["cost_amount"].notna().all()
    return float(inside["net_amount"].sum() - inside["cost_amount"].sum())


def test_ka0013s_margin_collapse_ranks_first_in_its_review(sample):
    dataset, _, reviews = sample
    review = reviews["KA0013"]
    first = review.attention[0]
    own = dataset.order_lines.loc[dataset.order_lines["account_id"] == "KA0013"]
    now = hand_margin(own, "2025-09-30", "2026-09-30")
    before = hand_margin(own, "2024-09-30", "2025-09-30")
    assert (first.kind, first.severity) == ("MARGIN_FALL", "high")
    assert first.at_stake == pytest.approx(before - now)
    assert (before - now) / before == pytest.approx(0.26, abs=0.005)  # the collapse, −26%
    assert first.owner == dataset.accounts.set_index("account_id").at["KA0013", "ka_manager"]
    # told once: the margin sentence is not repeated among the highlights
    assert "gross_margin_ltm" not in {h.metric for h in review.highlights}


def test_ka0008s_order_gap_comes_before_any_good_news(sample):
    dataset, figures, reviews = sample
    review = reviews["KA0008"]
    assert review.attention[0].kind == "ORDER_GAP"
    revenue = figures.metrics.set_index("account_id").loc["KA0008"]
    year = max(revenue["revenue_ltm"], revenue["revenue_prior_ltm"])
    assert review.attention[0].at_stake == pytest.approx(year)
    fmt = Formatter("en", "CNY")
    provenance = make_provenance(Params(), dataset, AS_OF)
    html = report.render_html(review, dict.fromkeys(report.CHART_KEYS), fmt, provenance, Params())
    gap = html.index('data-kind="ORDER_GAP"')
    assert gap < html.index('id="highlights"') < html.index('id="profile"')
    good = [m.start() for m in re.finditer(r'<li class="positive"', html)]
    assert all(gap < at for at in good)
    assert "metric: " not in html and "<code>" not in html  # no codes shown to readers


def test_ka0008_tops_the_portfolio(sample):
    dataset, figures, _ = sample
    lines, accounts = dataset.order_lines, dataset.accounts
    ranked = by_account(attention_items(figures.metrics, figures.flags, lines, accounts, AS_OF))
    assert ranked[0].account_id == "KA0008"


def test_sample_items_match_money_at_stake_on_pandas_rows(sample):
    """Every issue of the sample, against money_at_stake read from each account's pandas
    row and each flag as a Series (the row-by-row way), to the last digit."""
    dataset, figures, _ = sample
    lines, accounts = dataset.order_lines, dataset.accounts
    got = attention_items(figures.metrics, figures.flags, lines, accounts, AS_OF)
    rows = figures.metrics.set_index(figures.metrics["account_id"].astype(str))
    rows = rows.join(margins(lines.loc[lines["order_date"] <= pd.Timestamp(AS_OF)], AS_OF))
    lapsed = lapsed_revenue(lines, AS_OF, 6)
    expected = []
    for _, flag in figures.flags.iterrows():
        row = rows.loc[str(flag["account_id"])]
        lost = float(lapsed.get(str(flag["account_id"]), 0.0))
        expected.append(
            (str(flag["account_id"]), flag["code"], money_at_stake(flag["code"], row, flag, lost))
        )
    fall = (rows["margin_prior"] - rows["margin"]) / rows["margin_prior"].where(
        rows["margin_prior"] > 0
    )
    for account_id in rows.index[(fall >= MARGIN_FALL).to_numpy(bool)]:
        stake = money_at_stake("MARGIN_FALL", rows.loc[account_id], None, 0.0)
        expected.append((account_id, "MARGIN_FALL", stake))
    assert len(got) == len(expected) > 20
    assert sorted((i.account_id, i.kind, i.at_stake) for i in got) == sorted(expected)


def _lapsed_by_merge(lines: pd.DataFrame, as_of: dt.date, months: int) -> pd.Series:
    """Lapsed revenue the direct way: the two windows' lines copied, grouped on the
    (account, product) ids and merged."""
    now, before = recent_and_year_earlier(as_of, months)
    recent = lines.loc[now.mask(lines["order_date"])]
    earlier = lines.loc[before.mask(lines["order_date"])]
    key = ["account_id", "product_id"]
    bought_now = recent.loc[recent["net_amount"] > 0, key].drop_duplicates()
    then = earlier.groupby(key)["net_amount"].sum()
    then = then.loc[then > 0].reset_index()
    merged = then.merge(bought_now, on=key, how="left", indicator=True)
    gone = merged.loc[merged["_merge"] == "left_only"]
    return gone.groupby(gone["account_id"].astype(str))["net_amount"].sum().astype(float)


@pytest.mark.parametrize("months", [3, 6])
def test_lapsed_revenue_matches_the_merge_on_ids(months):
    """Random lines (amounts of very different sizes, credit notes, lines without an
    account or product, ids in several scripts and cases out of order), exactly."""
    rng = np.random.default_rng(months)
    n = 60_000
    accounts = [f"{p}{i:03d}" for p in ("KA", "ka", "客户", "Zé") for i in range(60)] + [None]
    products = [f"{p}{i:02d}" for p in ("P", "p", "产品", "Ä") for i in range(30)] + [None]
    net = rng.standard_normal(n) * 10.0 ** rng.integers(-2, 8, n)
    lines = pd.DataFrame(
        {
            "account_id": pd.array(rng.choice(np.array(accounts, dtype=object), n), dtype="str"),
            "product_id": pd.array(rng.choice(np.array(products, dtype=object), n), dtype="str"),
            "order_date": pd.Timestamp("2024-10-01")
            + pd.to_timedelta(rng.integers(0, 730, n), unit="D"),
            "net_amount": net,
        }
    )
    expected = _lapsed_by_merge(lines, AS_OF, months)
    got = lapsed_revenue(lines, AS_OF, months)
    assert len(expected) > 100
    pd.testing.assert_series_equal(got, expected, check_exact=True)
