"""The portfolio headline covers gross margin as well as revenue, names the accounts behind
the change, and quotes the same numbers as the portfolio email (the sample data)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kamreport.dataset import Dataset
from kamreport.figures import compute_figures
from kamreport.i18n import Formatter
from kamreport.mail.summary import portfolio_summary
from kamreport.params import Params
from kamreport.reports import portfolio as report
from kamreport.views.email import kpi_table
from kamreport.views.portfolio import headlines, portfolio_display

AS_OF = dt.date(2026, 9, 30)


@pytest.fixture(scope="module")
def dataset(sample_tables) -> Dataset:
    return Dataset(sample_tables)


@pytest.fixture(scope="module")
def review(dataset):
    return report.analyse(dataset, AS_OF, Params())


def _plain_margin(dataset: Dataset, start: str, end: str) -> float:
    lines = dataset.order_lines
    inside = lines.loc[(lines["order_date"] > start) & (lines["order_date"] <= end)]
    return float((inside["net_amount"] - inside["cost_amount"]).sum())


def test_the_sample_margin_fell_while_revenue_grew(dataset, review):
    k = review.headline.kpis
    margin = _plain_margin(dataset, "2025-09-30", "2026-09-30")
    prior = _plain_margin(dataset, "2024-09-30", "2025-09-30")
    assert k.gross_margin.current == pytest.approx(margin)
    assert k.gross_margin.growth == pytest.approx(margin / prior - 1)
    assert k.gross_margin.growth == pytest.approx(-0.055, abs=0.001)
    assert k.revenue.growth > 0
    # the largest margin fall is a churning account's
    assert review.headline.margin_movers.index[0] == "KA0008"
    assert (review.headline.margin_movers < 0).all()


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_headline_and_email_quote_the_same_revenue_and_margin(dataset, review, locale):
    fmt = Formatter(locale, "CNY")
    display = portfolio_display(fmt, review)
    lines = headlines(review, display)
    revenue_line, margin_line = lines[0], lines[2]
    assert ("data-metric", "gross_margin_ltm") in margin_line.attrs
    k = review.headline.kpis
    assert display.money(k.gross_margin.current, compact=True) in margin_line.text
    assert display.growth_words(k.gross_margin.growth) in margin_line.text
    assert display.points_words(k.margin_pct.change) in margin_line.text
    for account in review.headline.margin_movers.index:
        assert display.name(account) in margin_line.text
    for account in review.headline.revenue_movers.index:
        assert display.name(account) in revenue_line.text
    summary = portfolio_summary(dataset, AS_OF, Params(), compute_figures(dataset, AS_OF, Params()))
    email = {line.key: line for line in summary.kpis}
    assert email["revenue"].current == k.revenue.current  # one number, shown in full there
    assert email["gross_margin"].current == k.gross_margin.current
    assert display.money(email["revenue"].current, compact=True) in revenue_line.text
    assert display.money(email["gross_margin"].current, compact=True) in margin_line.text
    table = kpi_table(summary.kpis, display)
    shown = {dict(r.attrs)["data-metric"]: r.cells for r in table.rows}
    assert display.growth(k.revenue.growth) in shown["revenue"][3].change.text
    assert display.growth(k.gross_margin.growth) in shown["gross_margin"][3].change.text
    assert display.growth_words(k.revenue.growth) in revenue_line.text


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_short_history_says_na_with_the_reason(sample_tables, locale):
    tables = dict(sample_tables)
    lines = tables["order_lines"]
    tables["order_lines"] = lines.loc[lines["order_date"] >= pd.Timestamp("2025-01-01")]
    data = Dataset(tables)
    short = report.analyse(data, AS_OF, Params())
    fmt = Formatter(locale, "CNY")
    display = portfolio_display(fmt, short)
    shown = {dict(line.attrs)["data-metric"]: line.text for line in headlines(short, display)}
    start = display.date(dt.date(2025, 1, 1))
    assert start in shown["revenue_ltm"] and start in shown["gross_margin_ltm"]
    assert "bridge_components" not in shown  # no bridge without the prior LTM
    assert short.headline.kpis.revenue.growth is None
    email = portfolio_summary(data, AS_OF, Params(), compute_figures(data, AS_OF, Params()))
    assert all(k.growth is None for k in email.kpis)
