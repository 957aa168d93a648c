"""Comparisons only where the data covers them (docs/metrics.md, "Coverage").

A short export — the sample cut to its last thirteen months, as a real export often is —
must not report growth against a few days, a bridge of "new" accounts, a tier migration
from "not yet a customer" or back-tests on days of history: each is n/a with the date the
data starts, left out of the headlines, and named once in data quality. On the full
sample nothing changes (the snapshots pin that).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from kamreport.analytics.coverage import COMPARISONS, Coverage, coverage, covers
from kamreport.analytics.periods import Window, prior_ltm
from kamreport.dataset import Dataset
from kamreport.figures import compute_figures
from kamreport.i18n import Formatter
from kamreport.mail.summary import customer_summary, portfolio_summary
from kamreport.params import Params
from kamreport.provenance import make_provenance
from kamreport.reports import customer as customer_report
from kamreport.reports import portfolio as report
from kamreport.views.email import email_display, email_view
from kamreport.views.portfolio import headlines, portfolio_display, portfolio_view

AS_OF = dt.date(2026, 9, 30)
START = dt.date(2025, 9, 22)  # nine days of the prior twelve months
NOW = dt.datetime(2026, 10, 5, 8, 0, tzinfo=dt.UTC)
LOCALES = ("en", "zh-CN")
D = pd.Timestamp


# --- the rule --------------------------------------------------------------------------


def test_a_trend_begins_with_the_data():
    from kamreport.analytics.coverage import covered_months

    assert covered_months(D("2023-01-01"), AS_OF, 36) == 36
    assert covered_months(D("2025-09-22"), AS_OF, 36) == 13  # Sep 2025 … Sep 2026
    assert covered_months(D("2025-08-31"), AS_OF, 36) == 14  # (Jul 31, Aug 31] covered
    assert covered_months(D("2026-09-29"), AS_OF, 36) == 1
    assert covered_months(None, AS_OF, 36) == 36


def test_a_window_is_covered_up_to_one_month_after_it_starts():
    window = Window(D("2024-09-30"), D("2025-09-30"))
    assert covers(D("2024-09-01"), window)
    assert covers(D("2024-10-30"), window)  # its first month: still covered
    assert not covers(D("2024-10-31"), window)
    year = Window(D("2024-12-31"), D("2025-12-31"))
    assert covers(D("2025-01-31"), year) and not covers(D("2025-02-01"), year)


@pytest.mark.parametrize(
    ("start", "missing"),
    [
        ("2023-01-01", ()),
        ("2024-10-30", ()),
        # prior LTM (2024-09-30, 2025-09-30]; prior YTD (2024-12-31, 2025-09-30];
        # the same six months a year earlier (2025-03-30, 2025-09-30]
        ("2024-11-01", ("ltm", "tiers_then", "clv_backtest")),
        ("2025-02-01", ("ltm", "ytd", "tiers_then", "clv_backtest")),
        ("2025-09-22", COMPARISONS),
    ],
)
def test_coverage_names_each_comparison_whose_earlier_window_starts_too_early(start, missing):
    lines = pd.DataFrame({"order_date": [D(start), D("2026-09-30")]})
    got = coverage(lines, AS_OF, 6)
    assert got.data_start == D(start).date()
    assert got.not_covered == missing
    assert got.complete == (not missing)
    assert all(got.covered(c) == (c not in missing) for c in COMPARISONS)
    with pytest.raises(ValueError):
        got.covered("nonsense")


def test_no_revenue_decline_against_a_prior_year_the_data_covers_in_part():
    from kamreport.analytics.risk import risk_flags

    def flags(first_day: str) -> pd.DataFrame:
        accounts = pd.DataFrame({"account_id": ["A"], "name": ["a"]})
        # four order days in the prior year (a regular buyer, risk.min_orders_for_interval)
        prior = [D(first_day) + pd.Timedelta(days=7 * k) for k in range(4)]
        lines = pd.DataFrame(
            {
                "account_id": ["A"] * 5,
                "order_id": ["o1", "o2", "o3", "o4", "o5"],
                "product_id": ["p"] * 5,
                "order_date": [*prior, D("2026-09-01")],
                "quantity": [1.0] * 5,
                "net_amount": [250.0] * 4 + [100.0],
            }
        )
        data = Dataset({"accounts": accounts, "order_lines": lines})
        return risk_flags(data, AS_OF, Params().risk)

    # covered: revenue fell from 1 000 to 100 in a year — a real decline
    assert "REVENUE_DECLINE" in set(flags("2024-10-15")["code"])
    # the data starts 2024-11-15: the prior twelve months are not known, no decline
    assert "REVENUE_DECLINE" not in set(flags("2024-11-15")["code"])


def test_the_gross_margin_fall_needs_the_prior_year_covered():
    from kamreport.analytics.attention import margins

    lines = pd.DataFrame(
        {
            "account_id": ["A", "A"],
            "order_date": [D("2025-09-25"), D("2026-06-01")],
            "net_amount": [1000.0, 500.0],
            "cost_amount": [500.0, 400.0],
        }
    )
    short = margins(lines, AS_OF)
    assert short.loc["A", "margin"] == 100.0 and np.isnan(short.loc["A", "margin_prior"])
    known = margins(lines, AS_OF, start=D("2024-10-01"))  # the whole data starts earlier
    assert known.loc["A", "margin_prior"] == 500.0


def test_quarters_before_the_data_are_na_not_zero():
    from kamreport.analytics.profitability import quarterly_profitability

    lines = pd.DataFrame(
        {
            "account_id": ["A", "A"],
            "order_date": [D("2025-09-25"), D("2026-05-01")],
            "product_id": ["p", "q"],
            "category": ["x", "y"],
            "net_amount": [100.0, 200.0],
            "cost_amount": [50.0, 100.0],
        }
    )
    window = Window(D("2024-12-31"), D("2026-09-30"))
    q = quarterly_profitability(lines, None, window, 6, D("2025-09-25"))
    assert q.index[0] == D("2025-01-01")
    # Q1–Q3 2025 start before the data: n/a; Q4 2025 on: known (0 where nothing was bought)
    assert q["revenue"].isna().tolist() == [True, True, True, False, False, False, False]
    assert q["revenue"].iloc[3:].tolist() == [0.0, 0.0, 200.0, 0.0]
    # six months up to each quarter end: known from the one ending 2026-03-31, as
    # (2025-09-30, 2026-03-31] starts less than a month before the data
    assert q["products"].isna().tolist() == [True] * 4 + [False] * 3
    assert q["products"].iloc[4:].tolist() == [0.0, 1.0, 1.0]
    full = quarterly_profitability(lines, None, window, 6, D("2024-01-01"))
    assert full["revenue"].tolist() == [0.0, 0.0, 100.0, 0.0, 0.0, 200.0, 0.0]


# --- a short export --------------------------------------------------------------------


@pytest.fixture(scope="module")
def short(sample_tables) -> Dataset:
    tables = dict(sample_tables)
    lines = tables["order_lines"]
    tables["order_lines"] = lines.loc[lines["order_date"] >= D(START)].reset_index(drop=True)
    return Dataset(tables)


@pytest.fixture(scope="module")
def figures(short):
    return compute_figures(short, AS_OF, Params())


@pytest.fixture(scope="module")
def review(short, figures):
    return report.analyse(short, AS_OF, Params(), figures)


@pytest.fixture(scope="module")
def provenance(short):
    return make_provenance(Params(), short, AS_OF, data_hash="0" * 64, now=NOW)


def na_text(locale: str) -> str:
    fmt = Formatter(locale, "CNY")
    return fmt.t("coverage.na", date=fmt.date(START))


def test_the_short_export_covers_no_comparison(review):
    assert review.coverage == Coverage(START, COMPARISONS, 6)
    # by hand: the earliest order line against each earlier window's start + one month
    assert D(START) > prior_ltm(AS_OF).start + pd.DateOffset(months=1)


def test_no_growth_no_bridge_no_migration_no_backtests(review, figures):
    assert review.bridge is None and review.lost.empty
    assert review.migration is None and review.moves is None and review.values_then is None
    assert review.backtest is None
    assert figures.valuation.clv_choice.backtest.unavailable == "history_short"
    assert review.headline.kpis.revenue.growth is None
    for dimension, table in review.segments.items():
        assert table["growth"].isna().all(), dimension
        assert table["revenue_prior_ltm"].isna().all(), dimension
    values = figures.values
    assert values["growth"].isna().all() and values["revenue_prior_ltm"].isna().all()
    metrics = figures.metrics
    assert metrics["revenue_growth"].isna().all() and metrics["revenue_prior_ltm"].isna().all()
    assert metrics["discount_depth_year_earlier"].isna().all()
    codes = set(figures.flags["code"])
    assert not codes & {"REVENUE_DECLINE", "DISCOUNT_PRESSURE", "NARROWING_BREADTH"}


def test_an_unknown_growth_is_left_out_of_the_score_not_counted_as_zero(figures):
    from kamreport.analytics.scoring import score_accounts

    values = figures.values
    weights = dict(Params().scoring.weights)
    assert values["norm_growth"].isna().all() and values["contrib_growth"].isna().all()
    # independently: the score with the growth weight spread over the other criteria
    # (risk keeps its weight, as for any criterion an account lacks)
    risk, growth = weights.pop("risk"), weights.pop("growth")
    scale = (1 - risk) / (1 - risk - growth)
    spread = {c: w * scale for c, w in weights.items()} | {"growth": 0.0, "risk": risk}
    expected = score_accounts(values.drop(columns="growth"), spread)["score"]
    assert values["score"].to_numpy() == pytest.approx(expected.to_numpy())


@pytest.mark.parametrize("locale", LOCALES)
def test_headlines_leave_the_changes_out_and_say_where_the_data_starts(review, locale):
    display = portfolio_display(Formatter(locale, "CNY"), review)
    shown = {dict(line.attrs)["data-metric"]: line.text for line in headlines(review, display)}
    start = display.date(START)
    assert start in shown["revenue_ltm"] and start in shown["gross_margin_ltm"]
    assert "bridge_components" not in shown
    assert display.t("portfolio.summary.tiers_no_moves", keys="", share="").strip("。.") in (
        re.sub(r"[\d,.%]+", "", shown["tier_table"])
    )
    assert "revenue_at_risk" in shown and "auc" not in shown


@pytest.mark.parametrize("locale", LOCALES)
def test_every_comparison_section_says_na_with_the_date(review, provenance, locale):
    fmt = Formatter(locale, "CNY")
    display = portfolio_display(fmt, review)
    view = portfolio_view(review, report.charts(review, fmt), display, provenance, Params(), {})
    na = na_text(locale)
    assert view.bridge.no_data == na and view.bridge.table is None
    assert view.tiers.migration is not None and view.tiers.migration.empty == na
    assert view.backtest.no_data == na
    assert view.backtest.clv is not None and view.backtest.clv.no_data == na
    assert view.retention.lost.empty == na
    for part in view.segments.parts:
        growth = [row.cells[3] for row in part.table.rows]
        assert growth and all(cell.text == na and cell.change is None for cell in growth)
    note = view.quality.coverage
    assert display.date(START) in note
    for code in COMPARISONS:
        assert fmt.t(f"coverage.comparison.{code}", months="6") in note
    html = report.render_html(review, report.charts(review, fmt), fmt, provenance, params=Params())
    assert html.count("data-coverage") == 1  # said once, in data quality


def test_the_accounts_csv_has_no_bridge_category(review, short):
    table = report.accounts_table(review, short, Params())
    assert table["bridge_category"].isna().all()
    assert table["revenue_growth"].isna().all()


@pytest.mark.parametrize("locale", LOCALES)
def test_the_portfolio_email_says_na_with_the_date_and_why_once(short, figures, locale):
    summary = portfolio_summary(short, AS_OF, Params(), figures)
    assert all(k.growth is None for k in summary.kpis)
    assert summary.monthly["month"].iloc[0] == D("2025-09-01")
    fmt = Formatter(locale, "CNY")
    view = email_view(
        summary,
        email_display(fmt, summary),
        confidentiality="Internal",
        data_hash="d" * 64,
        params_hash="p" * 64,
        version="0.1.0",
        attachment_note="attached",
    )
    na = na_text(locale)
    kpis = next(s for s in view.sections if s.section_id == "kpis")
    assert all(row.cells[3].text == na for row in kpis.table.rows)
    assert len(kpis.notes) == 1 and fmt.date(START) in kpis.notes[0]


def test_the_customer_email_does_not_compare_with_nine_days(short, figures):
    summary = customer_summary(short, "KA0001", AS_OF, Params(), figures)
    assert all(k.prior is None and k.growth is None for k in summary.kpis)
    assert summary.monthly["month"].iloc[0] == D("2025-09-01")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_account_review_says_na_with_the_date(short, figures, provenance, locale):
    review = customer_report.analyse(short, "KA0001", AS_OF, Params(), figures)
    assert review.ltm.revenue.prior is None and review.ytd.revenue.prior is None
    assert review.profitability.contribution_prior is None
    assert review.mix.lapsed.empty
    # the trend begins with the data's month, not with 23 months of zeros before it
    assert review.monthly["month"].iloc[0] == D("2025-09-01") and len(review.monthly) == 13
    assert review.mix.quarterly.index[0] == D("2025-07-01")
    fmt = Formatter(locale, "CNY")
    view = customer_report.view(review, {}, fmt, provenance)
    na = na_text(locale)
    assert all(card.change.text == na for card in view.kpis.cards)
    changes = [row.cells[i].change.text for row in view.kpis.table.rows for i in (3, 6)]
    assert changes and all(text == na for text in changes)
    said = [h.text for h in view.highlights.items]
    assert not any(fmt.t("review.hl.revenue_new", revenue="") in text for text in said)
    assert any(fmt.date(START) in text for text in said)
    notes = view.data_quality.notes
    assert fmt.date(START) in notes[0].text
    assert sum(fmt.date(START) in n.text for n in notes) == 1


# --- the full sample: unchanged --------------------------------------------------------


def test_the_full_sample_covers_every_comparison_and_keeps_its_new_accounts(sample_tables):
    data = Dataset(sample_tables)
    figures = compute_figures(data, AS_OF, Params())
    review = report.analyse(data, AS_OF, Params(), figures)
    assert review.coverage.complete and review.bridge is not None
    assert review.migration is not None and review.backtest is not None
    display = portfolio_display(Formatter("en", "CNY"), review)
    view = portfolio_view(review, {}, display, make_provenance(
        Params(), data, AS_OF, data_hash="0" * 64, now=NOW), Params(), {})  # fmt: skip
    assert view.quality.coverage == ""
    # an account new in a covered year is still new: growth n/a, counted in the bridge
    new = review.bridge.accounts.index[review.bridge.accounts["category"] == "new"]
    assert (
        len(new) and figures.metrics.set_index("account_id").loc[new, "revenue_growth"].isna().all()
    )
    assert (figures.metrics.set_index("account_id").loc[new, "revenue_prior_ltm"] == 0).all()


def test_lifetime_value_takes_the_default_retention_not_one_observed_on_days(short, figures):
    from kamreport.analytics.clv import observed_retention

    assert np.isnan(observed_retention(short.order_lines, AS_OF))
    assert figures.valuation.clv.retention == Params().clv.default_retention
