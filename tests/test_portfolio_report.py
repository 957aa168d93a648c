"""The portfolio report on the sample data: figures, planted stories, both languages."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import defaultdict

import pandas as pd
import pytest

from kamreport.dataset import Dataset
from kamreport.errors import ParamsError
from kamreport.i18n import Formatter
from kamreport.layout import Layout
from kamreport.params import load_params
from kamreport.provenance import make_provenance
from kamreport.reports import portfolio as report
from kamreport.sample import PLANTED
from kamreport.sample.stories import DUPLICATE_PAIR, ESCAPING_NAMES

AS_OF = dt.date(2026, 9, 30)
NOW = dt.datetime(2026, 10, 5, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def dataset(sample_tables) -> Dataset:
    return Dataset(sample_tables)


@pytest.fixture(scope="module")
def params():
    return load_params(overrides={"portfolio": {"table_rows": 20}})


@pytest.fixture(scope="module")
def review(dataset, params):
    return report.analyse(dataset, AS_OF, params)


@pytest.fixture(scope="module")
def html(review, dataset, params):
    pages = {}
    provenance = make_provenance(params, dataset, AS_OF, data_hash="0" * 64, now=NOW)
    for locale in ("en", "zh-CN"):
        fmt = Formatter(locale, "CNY")
        charts = report.charts(review, fmt)
        pages[locale] = report.render_html(
            review, charts, fmt, provenance, params=params, links={"KA0019": "x/report.html"}
        )
    return pages


def ltm_revenue_loop(lines: pd.DataFrame) -> dict[str, float]:
    """LTM revenue per account with a plain loop: as_of − 12 months < d ≤ as_of."""
    totals: dict[str, float] = defaultdict(float)
    start, end = pd.Timestamp("2025-09-30"), pd.Timestamp("2026-09-30")
    for account, day, amount in lines[["account_id", "order_date", "net_amount"]].itertuples(
        index=False
    ):
        if start < day <= end:
            totals[account] += amount
    return totals


def section(page: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}".*?</section>', page, re.S)
    assert match, section_id
    return match.group(0)


def text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


def test_every_section_in_both_languages(html):
    for page in html.values():
        ids = re.findall(r'<section id="([^"]+)"', page)
        assert tuple(ids) == report.SECTIONS
    assert "重点客户组合" in html["zh-CN"] and 'lang="zh-CN"' in html["zh-CN"]
    assert "Key account portfolio" in html["en"]


def test_concentration_matches_an_independent_computation(review, dataset, html):
    totals = ltm_revenue_loop(dataset.order_lines)
    values = sorted(
        (max(totals.get(a, 0.0), 0.0) for a in dataset.accounts["account_id"]), reverse=True
    )
    total = sum(values)
    top = math.ceil(len(values) * 0.2)
    assert review.revenue.top20_share == pytest.approx(sum(values[:top]) / total)
    assert review.revenue.top10_share == pytest.approx(sum(values[:10]) / total)
    assert review.revenue.hhi == pytest.approx(sum((v / total) ** 2 for v in values))
    # ABC by the boundary rule, from the loop's totals
    cumulative, count_a = 0.0, 0
    for v in values:
        if v > 0 and cumulative / total < 0.8:
            count_a += 1
        cumulative += v
    assert review.revenue.table.loc["A", "accounts"] == count_a
    fmt = Formatter("en")
    conc = section(html["en"], "concentration")
    assert fmt.percent(sum(values[:top]) / total) in conc
    assert fmt.number(review.revenue.hhi * 10_000) in conc
    row = re.search(r'<tr data-class="A">(.*?)</tr>', conc, re.S).group(1)
    assert f">{count_a}<" in row


def test_score_explanation_sums_to_the_score(review, html):
    v = review.values
    contributions = v[[c for c in v.columns if c.startswith("contrib_")]].sum(axis=1)
    assert (contributions - v["score"]).abs().max() < 1e-9
    rows = re.findall(r'<tr data-account="(\w+)">(.*?)</tr>', section(html["en"], "tiers"), re.S)
    checked = 0
    for _account, row in rows:
        score = re.search(r'data-score="([^"]+)"', row)
        if not score:
            continue
        parts = re.findall(r'data-contrib="\w+">([\d.,-]+)<', row)
        assert len(parts) == 7
        assert sum(float(p) for p in parts) == pytest.approx(float(score.group(1)), abs=0.36)
        checked += 1
    assert checked == 20


def test_bad_weights_are_rejected_through_the_params_path(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("scoring:\n  weights: {spend: 0.5, growth: 0.3}\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"scoring.weights must sum to 1, found 0.8"):
        load_params(path)
    path.write_text("scoring:\n  weights: {spend: 0.9, loyality: 0.1}\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"Unknown scoring criterion 'loyality'.*'loyalty'"):
        load_params(path)


def test_growing_accounts_show_in_the_bridge(review, html):
    accounts = review.bridge.accounts
    for account in PLANTED["growing"]:
        assert accounts.at[account, "category"] == "growth"
        assert accounts.at[account, "current"] > 1.4 * accounts.at[account, "prior"]
    growth = section(html["en"], "bridge")
    assert 'data-account="KA0019"' in growth  # a top-tier grower leads the table
    assert 'href="x/report.html"' in growth


def test_churning_accounts_show_in_retention(review, html):
    for account in PLANTED["churning"]:
        assert review.at_risk.at[account, "severity"] == "high"
        assert "ORDER_GAP" in review.at_risk.at[account, "codes"]
        assert f'data-account="{account}"' in section(html["en"], "retention")
    retention = text(section(html["en"], "retention"))
    assert "No order for" in retention


def test_late_payers_lead_receivables(review, html):
    top = list(review.aging.index[:2])
    assert sorted(top) == sorted(PLANTED["late_payer"])
    assert review.aging.loc[top, "d61_90"].gt(0).all()
    receivables = section(html["zh-CN"], "receivables")
    assert "回款进度表" in receivables
    for account in PLANTED["late_payer"]:  # nothing collected of what fell due this month
        assert review.progress.at[account, "rate"] == 0
    first = re.search(
        r'<table class="data" data-table="aging">.*?data-account="(\w+)"', receivables, re.S
    ).group(1)
    assert first in PLANTED["late_payer"]


def test_duplicate_pair_and_warnings_in_data_quality(html):
    quality = section(html["zh-CN"], "data-quality")
    assert f'data-pair="{DUPLICATE_PAIR[0]}-{DUPLICATE_PAIR[1]}"' in quality
    assert "疑似重复客户" in quality


def test_backtest_reports_an_auc_and_deciles(review, html):
    bt = review.backtest
    assert bt is not None and 0 <= bt.auc_score <= 1
    assert bt.deciles["accounts"].sum() == bt.followed
    assert Formatter("en").number(bt.auc_score, digits=2) in section(html["en"], "backtest")


def test_summary_has_five_to_nine_traceable_sentences(html):
    for page in html.values():
        items = re.findall(
            r'<li data-metric="(\w+)">.*?<a class="source" href="#([\w-]+)"',
            section(page, "summary"),
            re.S,
        )
        assert 5 <= len(items) <= 9
        assert {s for _, s in items} <= set(report.SECTIONS)


def test_tables_are_capped_with_a_note(html, dataset):
    n = len(dataset.accounts)
    assert f"Top 20 of {n}." in section(html["en"], "concentration")
    assert f"仅列出前 20 个，共 {n} 个。" in section(html["zh-CN"], "concentration")


def test_no_contact_details_and_names_escaped(html, sample_tables):
    contacts = sample_tables["contacts"]
    managers = set(sample_tables["accounts"]["ka_manager"].dropna())  # our own staff
    for page in html.values():
        for column in ("email", "phone", "name", "name_en"):
            for value in contacts[column].dropna().astype(str):
                if value not in managers:
                    assert value not in page, (column, value)
        assert "<Labs>" not in page
    assert "R&amp;D &lt;Labs&gt;" in html["en"] or ESCAPING_NAMES[1] not in html["en"]


def test_accounts_csv_has_one_row_per_account(review, dataset, params):
    table = report.accounts_table(review, dataset, params)
    assert len(table) == len(dataset.accounts) == table["account_id"].nunique()
    assert {
        "name",
        "ka_manager",
        "revenue_ltm",
        "score",
        "tier",
        "abc_class",
        "abc_class_margin",
        "clv",
        "risk_flags",
        "bridge_category",
    } <= set(table.columns)
    assert not {"email", "phone", "address"} & set(table.columns)
    totals = ltm_revenue_loop(dataset.order_lines)
    row = table.set_index("account_id").loc["KA0019"]
    assert row["revenue_ltm"] == pytest.approx(totals["KA0019"])


def test_links_only_to_existing_account_reports(review, tmp_path):
    layout = Layout.of(tmp_path, AS_OF, "en")
    assert report.report_links(review, layout) == {}
    for account, locale in (("KA0003", "en"), ("KA0005", "zh-CN")):
        folder = layout.customer_dir(account)
        folder.mkdir(parents=True)
        (folder / "report.html").write_text("x")
        manifest = {"locale": locale, "outputs": ["report.html"]}
        (folder / "manifest.json").write_text(json.dumps(manifest))
    stray = layout.customer_dir("KA0007")  # a report without a manifest is no run's output
    stray.mkdir(parents=True)
    (stray / "report.html").write_text("x")
    assert report.report_links(review, layout) == {"KA0003": "../customers/KA0003/report.html"}


def test_sections_say_so_when_their_data_is_missing(sample_tables, params):
    lines = sample_tables["order_lines"].drop(columns=["cost_amount"])
    bare = Dataset({"accounts": sample_tables["accounts"][["account_id", "name"]],
                    "order_lines": lines})  # fmt: skip
    review = report.analyse(bare, AS_OF, params)
    fmt = Formatter("en")
    provenance = make_provenance(params, bare, AS_OF, data_hash="0" * 64, now=NOW)
    page = report.render_html(review, report.charts(review, fmt), fmt, provenance, params=params)
    assert tuple(re.findall(r'<section id="([^"]+)"', page)) == report.SECTIONS
    assert "No invoices table" in section(page, "receivables")
    assert "No targets for this year" in section(page, "targets")
    assert "No cost data" in section(page, "concentration")
    assert "No warnings when the data was loaded." in section(page, "data-quality")
