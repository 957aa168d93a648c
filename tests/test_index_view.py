"""The batch index's view and page: names, tiers, links, failures, against the rows given."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from kamreport.analytics.attention import AttentionItem, by_account
from kamreport.batch import index as index_page
from kamreport.i18n import Formatter
from kamreport.provenance import Provenance
from kamreport.views.display import Display
from kamreport.views.index import index_view

AS_OF = dt.date(2026, 9, 30)
MINUS = "\u2212"
ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["A", "B", "C", "D", "E"],
        "name": ["甲公司", "<b>Beta & Co</b>", "丙科技", "丁食品", ""],
        "name_en": ["Alpha Ltd", None, "Bing Tech", None, None],
        "ka_manager": ["王磊", "Li", "王磊", None, "Li"],
    }
)
METRICS = pd.DataFrame(
    {
        "account_id": ["A", "B", "C", "D", "E"],
        "tier": ["key", "ordinary", "key", "growth", None],
        "revenue_ltm": [1_250_000.0, 0.0, 80_000.0, 420_000.0, math.nan],
        "revenue_growth": [0.081, math.nan, -0.123, 0.0001, math.nan],
        "margin_pct_ltm": [0.3, math.nan, 0.25, 0.2, math.nan],
        "score": [77.5, 12.0, 65.25, 40.0, math.nan],
        "rank": [2, 4, 1, 3, math.nan],
        "clv": [3.8e6, 0.0, 1.0e6, 2.0e6, math.nan],
        "risk_flags": ["ORDER_GAP;REVENUE_DECLINE", "", "LOW_P_ALIVE", "", ""],
    }
)
STATUS = {"A": "rendered", "B": "failed", "C": "skipped", "D": "rendered", "E": "failed"}
# What needs attention, by hand: weights A 1.3M (high), D 1.1M (high), C 2.0M × ½ = 1.0M.
ISSUES = (
    AttentionItem("A", "ORDER_GAP", "high", 1_300_000.0, 135.0, 64.0, 32.0, "王磊"),
    AttentionItem("A", "REVENUE_DECLINE", "high", 100_000.0, -0.3, -0.15, 1.4e6, "王磊"),
    AttentionItem("C", "LOW_P_ALIVE", "medium", 2_000_000.0, 0.3, 0.5, math.nan, "王磊"),
    AttentionItem("D", "MARGIN_FALL", "high", 1_100_000.0, 1.0e6, 0.1, 2.1e6, ""),
)


def provenance() -> Provenance:
    return Provenance(
        version="0.1.0",
        as_of=AS_OF.isoformat(),
        data_hash="d" * 64,
        params={},
        params_hash="p" * 64,
        source="test",
        generated_at="2026-10-01T08:00:00+00:00",
        confidentiality="Internal",
        locale="en",
        python="3.11",
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A run folder where A has its report and PDF, C and D only the report, B and E none."""
    root = tmp_path / "2026-09-30"
    for account, files in {"A": ("report.html", "report.pdf"), "C": ("report.html",),
                           "D": ("report.html",)}.items():  # fmt: skip
        folder = root / "customers" / account
        folder.mkdir(parents=True)
        for name in files:
            (folder / name).write_text("x")
    return root


def rows(root: Path, locale: str, attention=()):
    errors = {
        "B": ("ValueError: <script>alert(1)</script>", str(root / "customers/B/failed.ipynb")),
        "E": ("KeyError: 'x'", ""),
    }
    targets = {a: root / "customers" / a for a in ACCOUNTS["account_id"]}
    ids = list(ACCOUNTS["account_id"])
    return index_page.rows(
        ids, ACCOUNTS, METRICS, STATUS, errors, targets, root, locale, by_account(attention)
    )


def view(root: Path, locale: str = "en", tier: str | None = None, attention=()):
    display = Display(Formatter(locale, "CNY"))
    return index_view(rows(root, locale, attention), display, provenance(), AS_OF, tier)


def column(table, label: str) -> list:
    at = [c.label for c in table.columns].index(label)
    return [row.cells[at] for row in table.rows]


def test_without_issues_rows_are_sorted_by_rank_with_unranked_last(root):
    accounts = view(root).accounts
    assert [dict(r.attrs)["data-account"] for r in accounts.rows] == ["C", "A", "D", "B", "E"]
    assert [c.text for c in column(accounts, "Rank")] == ["1", "2", "3", "4", "n/a"]


def test_rows_are_sorted_by_attention_and_carry_every_other_order(root):
    accounts = view(root, attention=ISSUES).accounts
    ids = [dict(r.attrs)["data-account"] for r in accounts.rows]
    assert ids == ["A", "D", "C", "B", "E"]  # 1.3M, 1.1M, 1.0M weighted; then by rank
    places = {
        order: [i for _, i in sorted((int(dict(r.attrs)[f"data-order-{order}"]), a)
                                     for r, a in zip(accounts.rows, ids, strict=True))]
        for order in ("attention", "score", "name", "revenue")
    }  # fmt: skip
    assert places == {
        "attention": ["A", "D", "C", "B", "E"],
        "score": ["C", "A", "D", "B", "E"],
        "name": ["B", "A", "C", "E", "D"],  # "<b>Beta…", "Alpha…", "Bing…", "E", "丁食品"
        "revenue": ["A", "D", "C", "B", "E"],  # 1.25M, 420K, 80K, 0, none
    }
    cells = dict(zip(ids, column(accounts, "Needs attention"), strict=True))
    a, c, b = cells["A"], cells["C"], cells["B"]
    assert (a.text, a.badge, a.note, a.items) == (
        "High", "sev-high", "CN¥1.3M at stake", ("No order for much longer than usual",),
    )  # fmt: skip
    assert (c.text, c.badge, c.note) == ("Medium", "sev-medium", "CN¥2M at stake")
    assert cells["D"].items == ("Gross margin falling",)
    assert (b.text, b.badge) == ("Nothing to do", "sev-none")
    others = dict(zip(ids, column(accounts, "Other issues"), strict=True))
    assert others["A"].text == "Revenue falling" and others["C"].text == ""
    assert dict(others["A"].attrs)["data-flags"] == "ORDER_GAP REVENUE_DECLINE"
    zh = view(root, "zh-CN", attention=ISSUES).accounts
    first = column(zh, "需要关注")[0]
    assert (first.text, first.note) == ("高", "涉及金额¥130万")


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_page_is_in_attention_order_without_script_and_sorts_with_it(root, locale):
    fmt = Formatter(locale, "CNY")
    html = index_page.render_index(rows(root, locale, ISSUES), fmt, provenance(), AS_OF)
    body = html.split('data-table="accounts"', 1)[1]
    order = re.findall(r'<tr [^>]*data-account="([A-E])"', body)[:5]
    assert order == ["A", "D", "C", "B", "E"]
    assert '<div class="index-sort" id="sort" hidden>' in html  # shown by the script only
    for key in ("attention", "score", "name", "revenue"):
        assert f'data-sort="{key}"' in html
    assert 'aria-pressed="true">' + fmt.t("attention.sort.attention") in html
    assert "sort.hidden = false" in html
    assert fmt.t("attention.index_note") in html


@pytest.mark.parametrize(
    ("locale", "names", "notes"),
    [
        (
            "en",
            ["Bing Tech", "Alpha Ltd", "丁食品", "<b>Beta & Co</b>", "E"],
            ["C · 丙科技", "A · 甲公司", "D", "B", "E"],
        ),
        (
            "zh-CN",
            ["丙科技", "甲公司", "丁食品", "<b>Beta & Co</b>", "E"],
            ["C · Bing Tech", "A · Alpha Ltd", "D", "B", "E"],
        ),
    ],
)
def test_accounts_are_named_in_the_page_language(root, locale, names, notes):
    cells = column(view(root, locale).accounts, "Account" if locale == "en" else "客户")
    assert [c.text for c in cells] == names
    assert [c.note for c in cells] == notes


def test_tier_counts_equal_the_rows_of_each_tier(root):
    v = view(root)
    expected = Counter(t for t in METRICS["tier"] if isinstance(t, str))
    shown = {dict(c.attrs)["data-tier-count"]: c.text for c in v.tiers}
    assert list(shown) == ["key", "growth", "ordinary"]  # tier order; maintain has no account
    assert shown == {
        "key": f"Key · {expected['key']}",
        "growth": f"Growth · {expected['growth']}",
        "ordinary": f"Ordinary · {expected['ordinary']}",
    }
    html = index_page.render_index(rows(root, "en"), Formatter("en", "CNY"), provenance(), AS_OF)
    for tier, count in expected.items():
        assert len(re.findall(rf'<tr [^>]*data-tier="{tier}"', html)) == count
    zh = view(root, "zh-CN")
    assert [c.text for c in zh.tiers] == ["重点客户 · 2", "潜在客户 · 1", "普通客户 · 1"]


def test_figures_are_formatted_once_with_a_true_minus(root):
    accounts = view(root).accounts
    growth = [c.change for c in column(accounts, "Growth")]
    assert [g.text for g in growth] == [f"▼ {MINUS}12.3%", "▲ +8.1%", "0.0%", "n/a", "n/a"]
    assert [g.direction for g in growth] == ["down", "up", "neutral", "neutral", "neutral"]
    assert [c.text for c in column(accounts, "Revenue LTM")][:3] == [
        "CN¥80K",
        "CN¥1.2M",
        "CN¥420K",
    ]
    assert [c.text for c in column(accounts, "Score")][:2] == ["65.2", "77.5"]


def test_report_and_pdf_links_only_when_the_files_exist(root):
    accounts = view(root).accounts
    reports = dict(zip([dict(r.attrs)["data-account"] for r in accounts.rows],
                       column(accounts, "Report"), strict=True))  # fmt: skip
    assert reports["A"].link == "customers/A/report.html"
    assert reports["A"].links == (("PDF", "customers/A/report.pdf"),)
    assert reports["C"].link == "customers/C/report.html" and reports["C"].links == ()
    assert reports["B"].link == "" and reports["B"].text == "no report"
    statuses = [c.text for c in column(accounts, "Status")]
    assert statuses == ["unchanged", "rendered", "rendered", "failed", "failed"]


def test_failures_list_each_failed_account_with_its_error(root):
    v = view(root)
    assert v.failures_title == "Failures (2)"
    assert [dict(r.attrs)["data-account"] for r in v.failures.rows] == ["B", "E"]
    first = v.failures.rows[0].cells
    assert first[1].text == "ValueError: <script>alert(1)</script>"
    assert first[1].links == (("failed notebook", "customers/B/failed.ipynb"),)
    assert v.failures.rows[1].cells[1].links == ()


def test_no_failures_says_so(root):
    ok = [r for r in rows(root, "en") if r.status != "failed"]
    html = index_page.render_index(ok, Formatter("en", "CNY"), provenance(), AS_OF)
    assert "Failures (0)" in html
    assert "Every report in scope was rendered or is unchanged." in html
    assert 'data-table="failures"' not in html


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_page_keeps_its_attributes_filter_and_escapes_data(root, locale):
    fmt = Formatter(locale, "CNY")
    html = index_page.render_index(rows(root, locale), fmt, provenance(), AS_OF, "key")
    assert (
        '<tr class="failed" data-account="B" data-status="failed" data-tier="ordinary"'
        ' data-order-attention="3" data-order-score="3" data-order-name="0"'
        ' data-order-revenue="3">'
    ) in html
    assert 'data-table="accounts"' in html and 'data-table="failures"' in html
    assert '<input type="search" id="filter"' in html
    assert "document.querySelectorAll('table[data-table=\"accounts\"] tbody tr')" in html
    assert "<b>Beta" not in html and "&lt;b&gt;Beta &amp; Co&lt;/b&gt;" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="customers/A/report.pdf"' in html
    assert 'href="customers/B/report.html"' not in html
    assert 'href="customers/B/failed.ipynb"' in html
    scope = "Tier: Key" if locale == "en" else "客户级别：重点客户"
    assert scope in html
