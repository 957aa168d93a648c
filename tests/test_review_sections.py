"""The account review shows every section, in both languages, and says "no data" in one
line when a section's table is missing; section figures against hand-checked cases."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from kamreport.analytics.plan import account_plan
from kamreport.analytics.targets import account_targets
from kamreport.dataset import Dataset
from kamreport.i18n import Formatter
from kamreport.params import Params
from kamreport.provenance import make_provenance
from kamreport.reports import customer as report

AS_OF = dt.date(2026, 9, 30)
OPTIONAL = (
    "products", "invoices", "targets", "activities", "contacts", "opportunities", "surveys",
    "complaints", "wallet", "competitors", "service_costs", "account_plans",
)  # fmt: skip


def render(dataset: Dataset, account_id: str, locale: str, with_charts: bool = False) -> str:
    params = Params()
    review = report.analyse(dataset, account_id, AS_OF, params)
    fmt = Formatter(locale, "CNY")
    charts = report.charts(review, fmt) if with_charts else dict.fromkeys(report.CHART_KEYS)
    return report.render_html(review, charts, fmt, make_provenance(params, dataset, AS_OF), params)


def section_ids(html: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)"', html)


@pytest.fixture(scope="module")
def full(sample_tables) -> Dataset:
    return Dataset(tables=sample_tables, currency="CNY")


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_every_section_in_both_languages(full, locale):
    html = render(full, "KA0013", locale, with_charts=True)
    assert section_ids(html) == list(report.SECTION_IDS)
    # every chart drawn for a story account with full data, wide and for phones
    assert html.count('<div class="chart-wide"><svg') == 7
    assert html.count('<div class="chart-narrow"><svg') == 7
    assert "review." not in re.sub(r"<[^>]+>", "", html)  # no untranslated catalog key


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_missing_tables_say_no_data(sample_tables, locale):
    tables = {k: v for k, v in sample_tables.items() if k not in OPTIONAL}
    html = render(Dataset(tables=tables, currency="CNY"), "KA0013", locale)
    assert section_ids(html) == list(report.SECTION_IDS)
    fmt = Formatter(locale)
    for key in ("targets", "wallet", "receivables", "relationships", "pipeline",
                "satisfaction", "plan"):  # fmt: skip
        assert fmt.t(f"review.no_data.{key}") in html, key


# Where tests, the metrics output and the print stylesheet find the figures, in page order.
MARKED = (  # what needs attention, then the highlights (problems first), then the sections
    "metric:MARGIN_FALL metric:NARROWING_BREADTH metric:DISCOUNT_PRESSURE "
    "metric:revenue_growth metric:PRICE_BUYING metric:attainment_ytd metric:share_of_wallet "
    "metric:pipeline_weighted metric:revenue metric:gross_margin metric:margin_pct metric:orders "
    "metric:revenue metric:volume metric:gross_margin metric:margin_pct "
    "metric:orders metric:avg_order_size metric:attainment_ytd metric:forecast_fy "
    "metric:revenue_ytd metric:target_ytd metric:target_fy metric:forecast_fy "
    "metric:share_of_wallet metric:category_spend metric:revenue "
    "metric:gross_margin metric:discount_depth metric:discount_depth_year_earlier "
    "metric:products_bought metric:products metric:categories metric:open_amount "
    "metric:overdue_amount metric:dso_days metric:collection_rate bucket:not_due bucket:d1_30 "
    "bucket:d31_60 bucket:d61_90 bucket:d90_plus metric:overdue_amount metric:dso_days "
    "metric:collection_rate metric:clv metric:score metric:clv metric:clv_range "
    "metric:expected_orders_12m "
    "metric:expected_margin_12m metric:p_alive flag:DISCOUNT_PRESSURE flag:NARROWING_BREADTH "
    "flag:PRICE_BUYING"
)


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_figures_keep_their_data_attributes(full, locale):
    html = render(full, "KA0013", locale)
    found = re.findall(r'data-(metric|bucket|flag)="([^"]+)"', html)
    assert " ".join(f"{kind}:{key}" for kind, key in found) == MARKED
    fmt = Formatter(locale, "CNY")
    kpis = re.search(r'<tr data-metric="revenue">(.*?)</tr>', html).group(1)
    assert f'<td class="num">{fmt.money(22_577_193.89)}</td>' in kpis  # LTM of the sample
    assert re.search(r'<td class="num"><span class="growth down">▼ −3\.7%</span></td>', kpis)


def test_names_are_escaped(full):
    html = render(full, "KA0091", "en")
    assert "R&amp;D &lt;Labs&gt;" in html
    assert "<Labs>" not in html


def test_targets_hand_checked():
    lines = pd.DataFrame(
        {
            "account_id": "A",
            "order_id": ["1", "2"],
            "order_date": pd.to_datetime(["2026-02-10", "2026-06-30"]),
            "net_amount": [300.0, 600.0],
        }
    )
    targets = pd.DataFrame(
        {
            "account_id": "A",
            "month": pd.date_range("2026-01-01", periods=12, freq="MS"),
            "revenue_target": 100.0,
        }
    )
    got = account_targets(lines, targets, "A", dt.date(2026, 6, 30))
    assert got.target_ytd == 600 and got.attainment_ytd == pytest.approx(1.5)
    # 181 days elapsed of 365: 900 / 181 × 365
    assert got.forecast_fy == pytest.approx(900 / 181 * 365)
    assert got.gap == pytest.approx(1200 - 900 / 181 * 365)
    assert got.needed_per_month == pytest.approx((1200 - 900) / 6)


def test_plan_states():
    plans = pd.DataFrame(
        {
            "item_id": ["1", "2", "3", "4"],
            "account_id": "A",
            "kind": ["objective", "action", "action", "action"],
            "title": ["a", "b", "c", "d"],
            "due_date": pd.to_datetime(["2026-01-01", "2026-12-01", "2026-01-01", None]),
            "status": ["open", "open", "done", "cancelled"],
        }
    )
    got = account_plan(plans, "A", AS_OF)
    assert got.counts == {"overdue": 1, "open": 1, "done": 1, "cancelled": 1}
    assert got.items["state"].iloc[0] == "overdue"


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_account_without_any_data_says_no_data(sample_tables, locale):
    tables = dict(sample_tables)
    extra = tables["accounts"].iloc[[0]].assign(account_id="ZZ01", name="空客户")
    tables["accounts"] = pd.concat([tables["accounts"], extra], ignore_index=True)
    html = render(Dataset(tables=tables, currency="CNY"), "ZZ01", locale, with_charts=True)
    assert section_ids(html) == list(report.SECTION_IDS)
    assert "<svg" not in html
    fmt = Formatter(locale)
    assert fmt.t("common.no_data") in html  # the trend
    for key in ("targets", "mix", "wallet", "profitability", "receivables", "relationships",
                "pipeline", "satisfaction", "plan"):  # fmt: skip
        assert fmt.t(f"review.no_data.{key}") in html, key
