"""The portfolio view model on the sample data, against independent expectations."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict

import pandas as pd
import pytest

from kamreport.dataset import Dataset
from kamreport.i18n import Formatter
from kamreport.params import load_params
from kamreport.provenance import make_provenance
from kamreport.render import render
from kamreport.reports import portfolio as report
from kamreport.sample import PLANTED
from kamreport.sample.stories import ESCAPING_NAMES
from kamreport.views.blocks import Cell, ChartView, Table, to_plain
from kamreport.views.display import MINUS, Display
from kamreport.views.portfolio import SECTIONS, portfolio_display, portfolio_view

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
def provenance(dataset, params):
    return make_provenance(params, dataset, AS_OF, data_hash="0" * 64, now=NOW)


@pytest.fixture(scope="module")
def views(review, params, provenance):
    out = {}
    for locale in ("en", "zh-CN"):
        fmt = Formatter(locale, "CNY")
        display = portfolio_display(fmt, review)
        charts = report.charts(review, fmt)
        out[locale] = portfolio_view(review, charts, display, provenance, params, {})
    return out


def figure(text: str) -> float:
    """The number in a shown figure ("CN¥1,234", "12.3%", "−4.0%")."""
    cleaned = text.replace(MINUS, "-").replace(",", "")
    return float(re.search(r"-?[\d.]+", cleaned).group(0))


def column(table: Table, index: int) -> list[Cell]:
    return [row.cells[index] for row in table.rows]


def attr(row, name: str) -> str:
    return dict(row.attrs)[name]


def test_the_page_lists_every_section_in_order(views):
    assert SECTIONS == report.SECTIONS
    for view in views.values():
        assert tuple(anchor for anchor, _ in view.page.nav) == report.SECTIONS
    assert views["en"].page.heading == "Key account portfolio"
    assert views["zh-CN"].page.lang == "zh-CN"
    assert "260 accounts, 251 with revenue" in views["en"].page.subtitle


def test_abc_shares_add_up_to_the_whole(views):
    for view in views.values():
        for part in view.concentration.abc:
            shares = [figure(c.text) for c in column(part.table, 3)]
            assert sum(shares) == pytest.approx(100.0, abs=0.15)  # three roundings of 0.05
            counts = [int(figure(c.text)) for c in column(part.table, 1)]
            assert sum(counts) == 260
            assert [attr(r, "data-class") for r in part.table.rows] == ["A", "B", "C"]


def test_migration_totals_are_the_row_sums(review, views):
    expected = {}
    for tier_then, row in review.migration.iterrows():
        total = 0
        for count in row.tolist():
            total += int(count)
        expected[tier_then] = total
    table = views["en"].tiers.migration.table
    shown = {attr(r, "data-tier-then"): int(figure(r.cells[-1].text)) for r in table.rows}
    assert shown == expected
    assert sum(shown.values()) == len(review.values)
    diagonal = [c for r in table.rows for c in r.cells if ("data-diagonal", "true") in c.attrs]
    assert len(diagonal) == len(review.migration.columns)


def test_headlines_quote_the_ltm_revenue(dataset, views):
    totals: dict[str, float] = defaultdict(float)
    start, end = pd.Timestamp("2025-09-30"), pd.Timestamp("2026-09-30")
    lines = dataset.order_lines
    for account, day, amount in lines[["account_id", "order_date", "net_amount"]].itertuples(
        index=False
    ):
        if start < day <= end:
            totals[account] += amount
    revenue = sum(totals.values())
    for locale, view in views.items():
        display = Display(Formatter(locale, "CNY"))
        first = view.headlines[0]
        assert display.money(revenue, compact=True) in first.text
        assert first.link == "#bridge" and ("data-metric", "revenue_ltm") in first.attrs
        assert 5 <= len(view.headlines) <= 9
        for line in view.headlines:
            assert line.link.removeprefix("#") in SECTIONS and line.link_text


def test_names_in_the_report_language(sample_tables, review, views):
    accounts = sample_tables["accounts"].set_index("account_id")
    for locale, name_column in (("en", "name_en"), ("zh-CN", "name")):
        top = views[locale].concentration.top.table
        for row in top.rows:
            account = attr(row, "data-account")
            cell = row.cells[1]
            assert cell.text == accounts.at[account, name_column]
            assert cell.note == account
        change = review.bridge.accounts["change"]
        grower = change.index[change.to_numpy().argmax()]
        assert accounts.at[grower, name_column] in views[locale].headlines[1].text


def test_a_name_with_markup_is_escaped(review, provenance):
    everyone = load_params(overrides={"portfolio": {"table_rows": 400}})
    for locale, name in (("en", ESCAPING_NAMES[1]), ("zh-CN", ESCAPING_NAMES[0])):
        fmt = Formatter(locale, "CNY")
        view = portfolio_view(review, {}, portfolio_display(fmt, review), provenance, everyone, {})
        names = [c.text for c in column(view.tiers.scores.table, 1)]
        assert name in names  # every account is listed: the view holds the name as it is
        html = render("portfolio.html.j2", fmt, page=view.page, view=view)
        assert "<Labs>" not in html
        assert name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in html


def test_a_fall_shows_a_true_minus(review, views):
    region = review.segments["region"]
    falling = region.index[region["growth"] < 0]
    assert len(falling)
    segments = {p.table.table_id: p.table for p in views["en"].segments.parts if p.table}
    rows = {attr(r, "data-segment"): r for r in segments["segment-region"].rows}
    for seg in falling:
        change = rows[seg].cells[3].change
        assert change.direction == "down"
        assert change.text.startswith(f"▼ {MINUS}") and "-" not in change.text
    lost = {attr(r, "data-component"): r for r in views["en"].bridge.table.rows}["lost"]
    assert lost.cells[2].text.startswith(f"{MINUS}CN¥")


def test_flag_reasons_are_the_shared_sentences(review, views):
    display = portfolio_display(Formatter("en", "CNY"), review)
    table = views["en"].retention.at_risk.table
    rows = {attr(r, "data-account"): r for r in table.rows}
    for account in PLANTED["churning"]:
        flags = review.flags[review.flags["account_id"] == account]
        expected = tuple(
            display.flag_reason(f.code, f.value, f.threshold, f.baseline)
            for f in flags.itertuples()
        )
        assert rows[account].cells[3].items == expected
        assert rows[account].cells[1].badge == "high"
    assert any("No order for" in item for r in table.rows for item in r.cells[3].items)


def test_tables_are_capped_with_a_note(views):
    view = views["en"]
    assert len(view.concentration.top.table) == 20
    assert view.concentration.top.table.more == "Top 20 of 260."
    assert len(view.bridge.movers[0].table) == 10
    assert views["zh-CN"].tiers.scores.table.more == "仅列出前 20 个，共 260 个。"


def test_hit_rate_bars_scale_to_the_highest(views):
    bars = [c.bar for c in column(views["en"].backtest.deciles, 5)]
    assert max(bars) == 100.0 and min(bars) >= 0


def test_the_view_is_text_only(views):
    """Every leaf is text (or a flag, or a bar width in px): nothing left to format."""

    for view in views.values():
        plain = to_plain(view)
        json.dumps(plain, ensure_ascii=False)
        for value in _walk(plain):
            assert isinstance(value, (str, bool, float)), value
        assert isinstance(view.concentration.chart, ChartView)


def _walk(value):
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "bar":
                assert isinstance(v, float)
                continue
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)
    else:
        yield value


def test_sections_without_data_carry_their_sentence(sample_tables, params):
    bare = Dataset(
        {
            "accounts": sample_tables["accounts"][["account_id", "name"]],
            "order_lines": sample_tables["order_lines"].drop(columns=["cost_amount"]),
        }
    )
    review = report.analyse(bare, AS_OF, params)
    provenance = make_provenance(params, bare, AS_OF, data_hash="0" * 64, now=NOW)
    display = portfolio_display(Formatter("en"), review)
    view = portfolio_view(review, {}, display, provenance, params, {})
    assert view.receivables.no_data.startswith("No invoices table")
    assert view.targets.no_data.startswith("No targets for this year")
    assert view.concentration.abc[1].table is None
    assert view.concentration.abc[1].empty.startswith("No cost data")
    assert view.quality.warnings_empty == "No warnings when the data was loaded."
    assert not view.concentration.no_data and view.concentration.chart is None


def test_no_revenue_at_all_has_no_headlines(sample_tables, params):
    accounts = sample_tables["accounts"][["account_id", "name"]]
    lines = sample_tables["order_lines"].iloc[:0]
    review = report.analyse(Dataset({"accounts": accounts, "order_lines": lines}), AS_OF, params)
    empty = Dataset({"accounts": accounts, "order_lines": lines})
    provenance = make_provenance(params, empty, AS_OF, data_hash="0" * 64, now=NOW)
    view = portfolio_view(
        review, {}, portfolio_display(Formatter("en"), review), provenance, params, {}
    )
    assert view.headlines == ()
    assert view.summary.no_data.startswith("No figures to summarise")
    assert view.concentration.no_data and view.bridge.no_data and view.segments.no_data


def test_lifetime_value_back_test_shows_model_and_rule_side_by_side(review, views):
    from kamreport.analytics.valuation import clv_choice

    choice = clv_choice(review.values)
    bt = choice.backtest
    for locale, view in views.items():
        part = view.backtest.clv
        assert part is not None and not part.no_data, locale
        rows = {attr(row, "data-figure"): row for row in part.table.rows}
        assert set(rows) == {"auc", "p_alive_mean", "orders_mean", "orders_mae"}
        model, rule = rows["auc"].cells[1].text, rows["auc"].cells[2].text
        assert figure(model) == round(bt.model.auc, 2) and figure(rule) == round(bt.rule.auc, 2)
        mae = rows["orders_mae"].cells
        assert figure(mae[1].text) == round(bt.model.orders_mae, 1)
        assert figure(mae[2].text) == round(bt.rule.orders_mae, 1)
        assert figure(rows["orders_mean"].cells[3].text) == round(bt.rule.orders_actual, 1)
    # the sample's fit says nobody drops out: the rule is in use and the page says why
    assert "order-rhythm rule" in views["en"].backtest.clv.method
    assert "almost nobody ever stops buying" in views["en"].backtest.clv.method
    assert "下单节奏规则" in views["zh-CN"].backtest.clv.method
