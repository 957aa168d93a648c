"""The account review's view model: every figure, name and sentence as the reader sees it,
checked against expectations worked out by hand, and a template that formats nothing."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from kamreport.analytics.account_review import AccountReview
from kamreport.analytics.profile import ProfileCard
from kamreport.analytics.sales import Comparison, KpiBlock
from kamreport.dataset import Dataset
from kamreport.i18n import Formatter
from kamreport.params import Params
from kamreport.provenance import Provenance
from kamreport.reports import customer as report
from kamreport.views.blocks import to_plain

AS_OF = dt.date(2026, 9, 30)
PROVENANCE = Provenance(
    version="0", as_of=AS_OF.isoformat(), data_hash="d" * 64, params={}, params_hash="p" * 64,
    source="test", generated_at="2026-10-01T08:00:00", confidentiality="INTERNAL", locale="en",
    python="3",
)  # fmt: skip
NO_CHARTS = dict.fromkeys(report.CHART_KEYS)


def hand_review(name: str = "华东饲料有限公司", name_en: str | None = "East Feed Ltd.", **extra):
    """A review with key figures only: every other section is missing."""
    profile = ProfileCard(
        account_id="A1", name=name, name_en=name_en, industry="feed", region="华东",
        country="中国", size_band="large", ka_manager="王磊", customer_since=dt.date(2016, 3, 31),
        relationship_years=10.5, parent_id=None, parent_name=None, subsidiaries=(),
        first_order=dt.date(2016, 4, 2), last_order=dt.date(2026, 9, 28),
    )  # fmt: skip
    block = KpiBlock(
        revenue=Comparison(1_234_567.0, 1_000_000.0),
        volume=Comparison(942.0, 1000.0),  # −5.8%
        gross_margin=Comparison(None, None),
        margin_pct=Comparison(0.25, 0.2),  # +5.0 pp
        orders=Comparison(12.0, 12.0),
        avg_order_size=Comparison(102_880.6, 83_333.3),
    )  # fmt: skip
    monthly = pd.DataFrame({"month": pd.to_datetime(["2026-09-01"]), "revenue": [1.0]})
    return AccountReview(
        account_id="A1", as_of=AS_OF, profile=profile, ltm=block, ytd=block, monthly=monthly,
        warnings=(), **extra,
    )  # fmt: skip


def view(review, locale="en", charts=NO_CHARTS):
    return report.view(review, charts, Formatter(locale, "CNY"), PROVENANCE, Params())


def row(table, metric: str):
    (found,) = [r for r in table.rows if ("data-metric", metric) in r.attrs]
    return found


def test_a_fall_reads_with_a_true_minus_and_points_are_signed():
    figures = view(hand_review()).kpis
    volume = row(figures.table, "volume").cells
    assert volume[3].change.text == "▼ −5.8%" and volume[3].change.direction == "down"
    margin = row(figures.table, "margin_pct").cells
    assert margin[3].change.text == "▲ +5.0 pp" and margin[3].change.direction == "up"
    orders = row(figures.table, "orders").cells
    assert orders[3].change.text == "0.0%" and orders[3].change.direction == "neutral"
    assert [c.text for c in volume[1:3]] == ["942", "1,000"]


def test_money_reads_in_wan_in_chinese():
    figures = view(hand_review(), "zh-CN").kpis
    assert figures.cards[0].value == "¥123.5万"
    assert figures.cards[0].note == "前12个月：¥100万"
    assert row(figures.table, "revenue").cells[1].text == "¥1,234,567"
    assert [c.label for c in figures.cards] == [
        "销售额 · 近12个月",
        "订单数 · 近12个月",
    ]  # no costs, no margin


def test_missing_sections_say_no_data():
    shown = view(hand_review())
    t = Formatter("en").t
    assert shown.targets.no_data == t("review.no_data.targets")
    assert shown.mix.no_data == t("review.no_data.mix")
    assert shown.pipeline.no_data == t("review.no_data.pipeline")
    assert shown.value.no_data == t("review.no_data.value")
    assert shown.highlights.no_data == t("review.no_data.highlights")
    assert shown.trend.no_data == t("common.no_data") and shown.trend.chart is None
    assert shown.risks.no_data == t("common.no_data")
    assert shown.data_quality.none == t("data_quality.none")
    html = report.render_html(hand_review(), NO_CHARTS, Formatter("en"), PROVENANCE, Params())
    for sentence in (t("review.no_data.targets"), t("review.no_data.value")):
        assert f'<p class="no-data">{sentence}</p>' in html


def test_english_name_first_in_english_with_the_other_name_under_it():
    en = view(hand_review()).page
    assert (en.heading, en.heading_note) == ("East Feed Ltd.", "华东饲料有限公司")
    assert en.title == "Account review · East Feed Ltd."
    assert en.subtitle == "A1 · Feed · East China · KA manager: 王磊 · as of Sep 30, 2026"
    zh = view(hand_review(), "zh-CN").page
    assert (zh.heading, zh.heading_note) == ("华东饲料有限公司", "East Feed Ltd.")
    alone = view(hand_review(name_en=None)).page
    assert (alone.heading, alone.heading_note) == ("华东饲料有限公司", "")


def test_a_name_with_markup_is_escaped():
    review = hand_review(name="<script>alert('x')</script> & Co", name_en=None)
    html = report.render_html(review, NO_CHARTS, Formatter("en"), PROVENANCE, Params())
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in html


def test_risk_flags_read_as_the_flag_catalog_says():
    flags = pd.DataFrame(
        {"account_id": ["A1"], "code": ["OVERDUE_RECEIVABLES"], "severity": ["high"],
         "value": [0.25], "threshold": [0.1], "baseline": [52_000.0], "unit": ["fraction"]}
    )  # fmt: skip
    (flag,) = view(hand_review(flags=flags)).risks.flags
    assert flag.reason == (
        "CN¥52K is overdue beyond the grace period: 25.0% of the open receivables (flag at 10.0%)."
    )
    assert (flag.severity, flag.severity_text) == ("high", "High")
    assert flag.action.startswith("Agree a payment plan")
    nothing = view(hand_review(flags=flags.iloc[:0])).risks
    assert nothing.none == "No risk flags." and not nothing.flags


@pytest.fixture(scope="module")
def sample(sample_tables):
    dataset = Dataset(tables=sample_tables, currency="CNY")
    context = report.portfolio(dataset, AS_OF, Params())
    return {
        account: report.analyse(dataset, account, AS_OF, Params(), context)
        for account in ("KA0013", "KA0001")
    }


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_mix_shares_add_up_to_the_whole(sample, locale):
    review = sample["KA0013"]
    fmt = Formatter(locale, "CNY")
    mix = view(review, locale, report.charts(review, fmt)).mix
    revenue = review.mix.ltm_by_category
    shares = [float(r.cells[2].text.rstrip("%")) for r in mix.categories.rows]
    assert sum(shares) == pytest.approx(100, abs=0.05 * len(shares))
    assert shares == [round(100 * v / revenue.sum(), 1) for v in revenue]


def test_story_account_figures(sample):
    shown = view(sample["KA0013"])
    flags = [(f.code, f.severity_text) for f in shown.risks.flags]
    assert flags == [
        ("DISCOUNT_PRESSURE", "High"),
        ("NARROWING_BREADTH", "Medium"),
        ("PRICE_BUYING", "Medium"),
    ]
    aging = [dict(r.attrs)["data-bucket"] for r in shown.receivables.aging.rows]
    assert aging == ["not_due", "d1_30", "d31_60", "d61_90", "d90_plus"]
    points = sample["KA0013"].value.contributions
    assert [c.bar for c in shown.value.criteria] == [round(6 * p, 1) for p in points]
    assert [c.points for c in shown.value.criteria] == [f"{p:.1f}" for p in points]


@pytest.mark.parametrize("account", ["KA0013", "KA0001"])
def test_the_view_is_plain_text(sample, account):
    plain = to_plain(view(sample[account], "zh-CN"))
    json.dumps(plain, ensure_ascii=False)  # no pandas or numpy value left in it

    def leaves(node):
        if isinstance(node, dict):
            for value in node.values():
                yield from leaves(value)
        elif isinstance(node, list):
            for value in node:
                yield from leaves(value)
        else:
            yield node

    assert {type(v) for v in leaves(plain)} <= {str, bool, float}
