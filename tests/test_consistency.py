"""One concept, one window, one number: each planted story account's review shows a
concept with the same number in its highlights, tables, chart data, the metrics JSON
(``kamreport metrics``) and the email, in both languages, with its window named.

The portfolio figures, reviews, metrics and email summaries are built once for the
module; charts (the slow part) are drawn for the price buyer only, the other views get
placeholder charts (the view reads no chart content).
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import math
import re
from types import SimpleNamespace

import pytest

from kamreport.analytics.highlights import FLAT
from kamreport.charts import Chart
from kamreport.dataset import Dataset
from kamreport.i18n import Formatter
from kamreport.mail.message import render_email
from kamreport.mail.summary import customer_summary
from kamreport.metrics import to_json
from kamreport.params import Params
from kamreport.provenance import Provenance
from kamreport.reports import customer as report
from kamreport.sample.stories import PLANTED
from kamreport.views.customer_sales import recent, wallet_year, year_earlier
from kamreport.views.display import Display
from kamreport.views.email import email_display, email_view

AS_OF = dt.date(2026, 9, 30)
ACCOUNTS = sorted({a for accounts in PLANTED.values() for a in accounts})
LOCALES = ("en", "zh-CN")
RENDERED = ("KA0013", "KA0006", "KA0008", "KA0001")  # through the HTML renderer too
DRAWN = "KA0013"  # with its real charts
PROVENANCE = Provenance(
    version="0", as_of=AS_OF.isoformat(), data_hash="d" * 64, params={}, params_hash="p" * 64,
    source="test", generated_at="2026-10-01T08:00:00", confidentiality="INTERNAL", locale="en",
    python="3",
)  # fmt: skip
PLACEHOLDERS = {key: Chart(key, "<svg></svg>", key) for key in report.CHART_KEYS}


@pytest.fixture(scope="module")
def world(sample_tables):
    dataset = Dataset(tables=sample_tables, currency="CNY")
    params = Params()
    context = report.portfolio(dataset, AS_OF, params)
    ids = sorted({*ACCOUNTS, *RENDERED})
    return SimpleNamespace(
        dataset=dataset,
        params=params,
        values=context.valuation.accounts,
        reviews={a: report.analyse(dataset, a, AS_OF, params, context) for a in ids},
        # as `kamreport metrics --customer` prints it (numbers tidied: cents, four decimals)
        metrics={a: json.loads(to_json(report.review_metrics(context, a))) for a in ids},
        # the same row before it leaves for JSON: what the report formats
        exact={a: context.metrics.set_index("account_id").loc[a].to_dict() for a in ids},
        summaries={a: customer_summary(dataset, a, AS_OF, params, context) for a in ids},
    )


class Shown:
    """One account's review in one language: the view, the email view and the display."""

    def __init__(self, world, account_id: str, locale: str, charts=None):
        self.review = world.reviews[account_id]
        self.metrics = world.metrics[account_id]
        self.exact = world.exact[account_id]
        self.summary = world.summaries[account_id]
        self.fmt = Formatter(locale, "CNY")
        self.display = Display.for_accounts(self.fmt, world.dataset.accounts)
        chart_map = charts if charts is not None else PLACEHOLDERS
        self.view = report.view(
            self.review, chart_map, self.fmt, PROVENANCE, world.params,
            accounts=world.dataset.accounts,
        )  # fmt: skip
        self.email = email_view(
            self.summary,
            email_display(self.fmt, self.summary, world.dataset.accounts),
            confidentiality="Internal", data_hash="d" * 64, params_hash="p" * 64,
            version="0", attachment_note="",
        )  # fmt: skip

    def highlight(self, metric: str):
        """(analytics highlight, its sentence) for ``metric``, or (None, None): among the
        highlights, or in "What needs attention", which tells an issue as its highlight."""
        for h, shown in zip(self.review.highlights, self.view.highlights.items, strict=True):
            if h.metric == metric:
                return h, shown.text
        told = zip(self.review.attention_told, self.view.attention.entries, strict=False)
        for h, entry in told:
            if h is not None and h.metric == metric:
                return h, entry.reason
        return None, None

    def email_kpi(self, key: str):
        line = next((k for k in self.summary.kpis if k.key == key), None)
        table = self.email.sections[0].table
        row = next((r for r in table.rows if ("data-metric", key) in r.attrs), None)
        return line, row


def row(table, metric: str):
    (found,) = [r for r in table.rows if ("data-metric", metric) in r.attrs]
    return found


def card(cards, metric: str):
    (found,) = [c for c in cards if c.metric == metric]
    return found


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def agree(*values) -> None:
    """All the numbers are the same (or all missing), up to the metrics JSON's rounding
    (cents for amounts, four decimals for the rest)."""
    if all(missing(v) for v in values):
        return
    assert not any(missing(v) for v in values), values
    first = float(values[0])
    tolerance = 0.0051 if abs(first) >= 10 else 0.000051
    assert all(float(v) == pytest.approx(first, rel=1e-9, abs=tolerance) for v in values), values


@pytest.fixture(scope="module", params=[(a, loc) for a in ACCOUNTS for loc in LOCALES],
                ids=lambda p: f"{p[0]}-{p[1]}")  # fmt: skip
def shown(request, world) -> Shown:
    return Shown(world, *request.param)


def test_revenue_growth_margin_and_orders_of_the_last_12_months(shown):
    r, m, d = shown.review, shown.metrics, shown.display
    x = shown.exact
    revenue = x["revenue_ltm"]
    trend = r.monthly.tail(12)["revenue"].sum()  # the trend chart's last twelve months
    line, email_row = shown.email_kpi("revenue")
    agree(
        m["revenue_ltm"],
        revenue,
        r.ltm.revenue.current,
        r.profitability.revenue,
        trend,
        line.current,
    )
    agree(m["revenue_prior_ltm"], r.ltm.revenue.prior, line.prior)
    agree(m["revenue_growth"], r.ltm.revenue.growth, line.growth)
    full = d.money(revenue)
    assert row(shown.view.kpis.table, "revenue").cells[1].text == full
    assert row(shown.view.profitability.table, "revenue").cells[1].text == full
    assert email_row.cells[1].text == full
    revenue_card = card(shown.view.kpis.cards, "revenue")
    assert revenue_card.value == d.money(revenue, compact=True)
    assert shown.fmt.t("report.period_ltm") in revenue_card.label
    h, text = shown.highlight("revenue_growth")
    if h is not None:
        agree(h.values["revenue"][1], revenue)
        assert d.money(revenue, compact=True) in text
        if not missing(x["revenue_growth"]) and abs(x["revenue_growth"]) >= FLAT:
            assert d.percent(abs(x["revenue_growth"])) in text
            growth = row(shown.view.kpis.table, "revenue").cells[3].change.text
            assert growth == revenue_card.change.text == email_row.cells[3].change.text
    margin_line, margin_row = shown.email_kpi("margin_pct")
    agree(m["margin_pct_ltm"], r.ltm.margin_pct.current, margin_line.current)
    agree(m["gross_margin_ltm"], r.ltm.gross_margin.current, r.profitability.gross_margin)
    margin_card = card(shown.view.kpis.cards, "margin_pct")
    assert margin_card.value == margin_row.cells[1].text == d.percent(x["margin_pct_ltm"])
    assert shown.fmt.t("report.period_ltm") in margin_card.label
    h, text = shown.highlight("gross_margin_ltm")
    assert h is None or d.percent(x["margin_pct_ltm"]) in text
    orders_line, _ = shown.email_kpi("orders")
    agree(m["orders_ltm"], r.ltm.orders.current, orders_line.current)
    assert card(shown.view.kpis.cards, "orders").value == d.number(x["orders_ltm"])


def test_discount_depth_of_the_recent_months(shown):
    r, m, d = shown.review, shown.metrics, shown.display
    x = shown.exact
    pr, months = r.profitability, m["recent_months"]
    chart = pr.quarterly["discount_depth"]  # the discount chart's series
    # A is a quarter end: the point four quarters back covers the same months a year earlier
    flag = r.flags.loc[r.flags["code"] == "DISCOUNT_PRESSURE"]
    now = [m["discount_depth"], pr.discount_depth, chart.iloc[-1]]
    before = [m["discount_depth_year_earlier"], pr.discount_depth_year_earlier, chart.iloc[-5]]
    if len(flag):
        now.append(flag["value"].iloc[0])
        before.append(flag["baseline"].iloc[0])
    agree(*now)
    agree(*before)
    table = shown.view.profitability.table
    depth, earlier = row(table, "discount_depth"), row(table, "discount_depth_year_earlier")
    assert depth.cells[1].text == d.percent(x["discount_depth"])
    assert earlier.cells[1].text == d.percent(x["discount_depth_year_earlier"])
    assert recent(d, months) in depth.cells[0].text
    assert year_earlier(d, months) in earlier.cells[0].text
    h, text = shown.highlight("DISCOUNT_PRESSURE")
    assert (h is None) == flag.empty
    if h is not None:
        assert d.percent(x["discount_depth"]) in text
        assert d.percent(x["discount_depth_year_earlier"]) in text
        assert d.number(months) in text


def test_products_bought_of_the_recent_months(shown):
    r, m, d = shown.review, shown.metrics, shown.display
    x = shown.exact
    pr = r.profitability
    breadth = pr.quarterly["products"]  # the breadth table's series
    flag = r.flags.loc[r.flags["code"] == "NARROWING_BREADTH"]
    now = [m["products_bought"], pr.products_recent, breadth.iloc[-1]]
    before = [m["products_bought_year_earlier"], pr.products_year_earlier, breadth.iloc[-5]]
    if len(flag):
        now.append(flag["value"].iloc[0])
        before.append(flag["baseline"].iloc[0])
    agree(*now)
    agree(*before)
    pair = f"{d.number(x['products_bought'])} / {d.number(x['products_bought_year_earlier'])}"
    assert row(shown.view.profitability.table, "products_bought").cells[1].text == pair
    shown_breadth = row(shown.view.profitability.breadth, "products").cells
    assert shown_breadth[-1].text == d.number(x["products_bought"])
    h, text = shown.highlight("NARROWING_BREADTH")
    assert (h is None) == flag.empty
    if h is not None:
        assert d.number(x["products_bought"]) in text
        assert d.number(x["products_bought_year_earlier"]) in text


def test_lapsed_categories_are_shown_not_none(shown):
    mx, view = shown.review.mix, shown.view.mix
    if mx.lapsed.empty:
        assert view.lapsed is None
        return
    assert [r.cells[0].text for r in view.lapsed.rows] == [
        shown.display.value("category", c) for c in mx.lapsed["category"]
    ]
    assert view.whitespace_none != shown.fmt.t("review.mix.no_whitespace")


def test_share_of_wallet_of_one_calendar_year(shown):
    r, m, d = shown.review, shown.metrics, shown.display
    x = shown.exact
    if r.wallet is None or r.wallet.yearly.empty:
        assert m["share_of_wallet"] is None
        return
    s, yearly = r.wallet.summary, r.wallet.yearly  # the chart's points
    agree(m["wallet_year"], s["wallet_year"], yearly["year"].iloc[-1])
    agree(m["share_of_wallet"], s["share_of_wallet"], yearly["share"].iloc[-1])
    agree(m["category_spend"], s["category_spend"], yearly["category_spend"].iloc[-1])
    if len(yearly) > 1:
        agree(m["wallet_prior_year"], yearly["year"].iloc[-2])
        agree(m["share_of_wallet_prior"], s["share_of_wallet_prior"], yearly["share"].iloc[-2])
        agree(m["wallet_change"], yearly["share"].iloc[-1] - yearly["share"].iloc[-2])
    year = wallet_year(d, x["wallet_year"], AS_OF.year)
    share_card = card(shown.view.wallet.cards, "share_of_wallet")
    assert share_card.value == d.percent(x["share_of_wallet"]) and year in share_card.label
    if not missing(x["wallet_change"]):
        assert share_card.change.text == d.change(x["wallet_change"], "points").text
    flag = r.flags.loc[r.flags["code"] == "WALLET_SHARE_FALL"]
    h, text = shown.highlight("WALLET_SHARE_FALL" if len(flag) else "share_of_wallet")
    if h is not None:
        assert d.percent(x["share_of_wallet"]) in text and year in text
        prior = wallet_year(d, x["wallet_prior_year"], AS_OF.year)
        assert prior in text
        if len(flag):  # the flag quotes both shares, the highlight the change
            assert d.percent(x["share_of_wallet_prior"]) in text
        else:
            assert d.text("points", x["wallet_change"]) in text
    if len(flag):
        agree(flag["value"].iloc[0], m["share_of_wallet"])
        agree(flag["baseline"].iloc[0], m["share_of_wallet_prior"])


def test_targets_and_receivables(shown):
    r, m, d = shown.review, shown.metrics, shown.display
    x = shown.exact
    if r.targets is not None:
        agree(m["attainment_ytd"], r.targets.attainment_ytd)
        attainment = card(shown.view.targets.cards, "attainment_ytd").value
        assert attainment == d.percent(x["attainment_ytd"])
        agree(m["forecast_fy"], r.targets.forecast_fy)
        forecast = card(shown.view.targets.cards, "forecast_fy")
        assert forecast.value == d.money(x["forecast_fy"], compact=True)
        assert str(AS_OF.year) in forecast.label
        note = shown.view.targets.note  # a forecast that is not the run rate says why
        if r.targets.inactive:
            assert d.money(r.targets.run_rate_fy) in note
            assert d.number(r.targets.days_since_order) in note
        else:
            assert note == ""
        h, text = shown.highlight("attainment_ytd")
        assert h is None or attainment in text
    if r.receivables is not None and r.receivables.has_data:
        summary = r.receivables.summary
        for key in ("open_amount", "overdue_amount", "dso_days", "collection_rate"):
            agree(m[key], summary[key])
        as_of = shown.fmt.t("review.window.as_of", date=d.date(AS_OF))
        overdue = card(shown.view.receivables.cards, "overdue_amount")
        assert overdue.value == d.money(x["overdue_amount"], compact=True)
        assert as_of in overdue.label


def test_the_stories_read_as_a_manager_would_conclude(world):
    for churner in ("KA0008", "KA0042"):
        assert world.reviews[churner].targets.inactive
    assert not any(world.reviews[a].targets.inactive for a in ("KA0003", "KA0011", "KA0026"))
    price = world.metrics["KA0013"]
    assert price["discount_depth"] == pytest.approx(0.159, abs=0.0005)
    assert price["products_bought"] == 5 and price["products_bought_year_earlier"] == 8
    assert sorted(world.reviews["KA0013"].mix.lapsed["category"]) == [
        "cosmetic grade", "food grade",
    ]  # fmt: skip
    # KA0001's share of wallet is flat in the highlight as on its chart
    steady = world.metrics["KA0001"]
    assert abs(steady["wallet_change"]) < 0.01
    falling = world.metrics["KA0006"]
    assert falling["wallet_change"] < -0.05 and "WALLET_SHARE_FALL" in falling["risk_flags"]


def text_of(markup: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


def marked(markup: str, metric: str) -> list[str]:
    """The texts of the elements marked ``data-metric="metric"`` (rows, cards, lines)."""
    found = re.findall(rf'<(\w+)[^>]*data-metric="{metric}"[^>]*>(.*?)</\1>', markup, re.S)
    assert found, metric
    return [text_of(inner) for _tag, inner in found]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("account_id", RENDERED)
def test_the_rendered_report_and_email_show_the_same_numbers(world, account_id, locale):
    fmt = Formatter(locale, "CNY")
    review = world.reviews[account_id]
    charts = report.charts(review, fmt) if account_id == DRAWN else PLACEHOLDERS
    shown = Shown(world, account_id, locale, charts)
    page = report.render_html(
        review, charts, fmt, PROVENANCE, world.params, accounts=world.dataset.accounts
    )
    m, d, x = shown.metrics, shown.display, shown.exact
    depth = d.percent(x["discount_depth"])
    assert all(depth in text for text in marked(page, "discount_depth"))
    if "DISCOUNT_PRESSURE" in m["risk_flags"]:
        assert all(depth in text for text in marked(page, "DISCOUNT_PRESSURE"))
    products = f"{d.number(x['products_bought'])} / {d.number(x['products_bought_year_earlier'])}"
    assert all(products in text for text in marked(page, "products_bought"))
    if m["share_of_wallet"] is not None:  # the card, and the highlight when there is one
        share = d.percent(x["share_of_wallet"])
        assert all(share in text for text in marked(page, "share_of_wallet"))
    revenue, short = d.money(x["revenue_ltm"]), d.money(x["revenue_ltm"], compact=True)
    card_text, *rows = marked(page, "revenue")  # the card, the key figures and profitability
    assert short in card_text and len(rows) == 2 and all(revenue in text for text in rows)
    assert short in marked(page, "revenue_growth")[0]
    if not review.mix.lapsed.empty:
        assert 'data-table="lapsed"' in page
    mail = render_email(
        shown.summary, (), fmt, confidentiality="Internal", data_hash="d" * 64,
        params_hash="p" * 64, accounts=world.dataset.accounts,
    )  # fmt: skip
    assert revenue in text_of(mail.html) and revenue in mail.text
    if account_id == DRAWN:
        title = fmt.t("review.chart.discount_title", months=m["recent_months"])
        assert charts["discount"] is not None and charts["discount"].alt == title


def flags_of(world, account_id: str) -> dict[str, str]:
    flags = world.reviews[account_id].flags
    return dict(zip(flags["code"], flags["severity"], strict=True))


def test_each_story_says_what_its_account_manager_would_conclude(world):
    """The planted stories' figures, not only their sections: the conclusions a KA manager
    draws from each (kamreport/sample/stories.py) hold, and no healthy account is accused."""
    m, values = world.metrics, world.values
    for churner in ("KA0008", "KA0042"):  # stopped ordering: not "still buying 98%"
        flags = flags_of(world, churner)
        assert flags["ORDER_GAP"] == "high" and "LOW_P_ALIVE" in flags
        assert "SATISFACTION_FALL" in flags and flags["REVENUE_DECLINE"] == "high"
        assert m[churner]["p_alive"] < 0.5
        assert m[churner]["expected_orders_12m"] < m[churner]["orders_ltm"]
        assert values.loc[churner, "contrib_risk"] == 0  # the score's risk follows the flags
        assert m[churner]["forecast_fy"] < 0.8 * world.reviews[churner].targets.run_rate_fy
        assert m[churner]["revenue_growth"] < -0.4
    for grower in ("KA0019", "KA0074"):
        assert m[grower]["revenue_growth"] >= 0.4 and not flags_of(world, grower)
    for late in ("KA0015", "KA0037"):
        assert flags_of(world, late) == {"OVERDUE_RECEIVABLES": "high"}
        assert m[late]["overdue_amount"] > 0
    assert flags_of(world, "KA0022") == {"COMPLAINT_SPIKE": "high"}
    assert "WALLET_SHARE_FALL" in flags_of(world, "KA0006")
    assert abs(m["KA0006"]["revenue_growth"]) < 0.05  # flat revenue, falling share
    assert flags_of(world, "KA0013")["DISCOUNT_PRESSURE"] == "high"
    assert {"NO_DECISION_MAKER_CONTACT", "NO_SENIOR_VISIT"} <= set(flags_of(world, "KA0030"))
    for healthy in ("KA0003", "KA0011", "KA0026"):
        assert not flags_of(world, healthy)
        assert m[healthy]["p_alive"] > 0.9 and values.loc[healthy, "contrib_risk"] > 0
        assert m[healthy]["tier"] == "key"
    # more or worse flags never earn more risk points
    load = values["risk_flag_load"]
    assert (values.loc[load > 0, "contrib_risk"].max()) < values.loc[
        load == 0, "contrib_risk"
    ].min()


@pytest.mark.parametrize("locale", LOCALES)
def test_the_risk_table_names_the_window_of_each_windowed_flag(world, locale):
    view = Shown(world, "KA0013", locale).view
    reasons = {f.code: f.reason for f in view.risks.flags}
    months = {"en": "last 6 months", "zh-CN": "近6个月"}[locale]
    assert months in reasons["DISCOUNT_PRESSURE"] and months in reasons["NARROWING_BREADTH"]
    spike = {f.code: f.reason for f in Shown(world, "KA0022", locale).view.risks.flags}
    assert {"en": "last 90 days", "zh-CN": "近90天"}[locale] in spike["COMPLAINT_SPIKE"]
