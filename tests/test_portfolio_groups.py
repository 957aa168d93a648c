"""portfolio.group_accounts: groups as one row in the tables that add up, every total
of the portfolio the same with and without it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kamreport.analytics.groups import group_ids
from kamreport.dataset import Dataset
from kamreport.figures import compute_figures
from kamreport.i18n import Formatter
from kamreport.params import load_params
from kamreport.provenance import make_provenance
from kamreport.reports import portfolio as report
from kamreport.views.blocks import to_plain
from kamreport.views.portfolio import portfolio_display, portfolio_view

AS_OF = dt.date(2026, 9, 30)
GROUPS = {"KA0002": 4, "KA0017": 3, "KA0045": 5}  # the sample's groups and their sizes


@pytest.fixture(scope="module")
def dataset(sample_tables) -> Dataset:
    return Dataset(sample_tables, currency="CNY")


@pytest.fixture(scope="module")
def reviews(dataset):
    out = {}
    for grouped in (False, True):
        params = load_params(overrides={"portfolio": {"group_accounts": grouped}})
        figures = compute_figures(dataset, AS_OF, params)
        out[grouped] = (report.analyse(dataset, AS_OF, params, figures), params)
    return out


def test_default_is_per_account(reviews):
    review, params = reviews[False]
    assert params.portfolio.group_accounts is False
    assert review.groups is None


def test_groups_are_one_row_and_standalone_accounts_stay(dataset, reviews):
    flat, grouped = reviews[False][0], reviews[True][0]
    assert grouped.groups.to_dict() == GROUPS
    members = group_ids(dataset.accounts)
    subsidiaries = set(members.index[members != members.index])
    for frame in (grouped.revenue.curve, grouped.attainment, grouped.aging):
        assert not subsidiaries & set(frame.index)
    standalone = "KA0001"
    assert (
        grouped.revenue.curve.at[standalone, "value"] == flat.revenue.curve.at[standalone, "value"]
    )
    group = [a for a, g in members.items() if g == "KA0002"]
    assert grouped.revenue.curve.at["KA0002", "value"] == pytest.approx(
        flat.values.loc[group, "revenue_ltm"].sum()
    )
    assert len(grouped.revenue.curve) == len(flat.revenue.curve) - sum(GROUPS.values()) + 3


def totals(review) -> dict[str, float]:
    a, ta = review.aging, review.attainment
    return {
        "revenue_ltm": review.revenue_ltm,
        "revenue_prior_ltm": review.revenue_prior_ltm,
        "concentration": float(review.revenue.table["value"].sum()),
        "concentration_curve": float(review.revenue.curve["value"].sum()),
        "margin": float(review.margin.table["value"].sum()),
        "revenue_ytd": float(ta["revenue_ytd"].sum()),
        "target_ytd": float(ta["target_ytd"].sum()),
        "target_fy": float(ta["target_fy"].sum()),
        "forecast_fy": float(ta["forecast_fy"].sum()),
        "gap_fy": float(ta["gap_fy"].sum()),
        "open": float(a["open_amount"].sum()),
        "overdue": float(a["overdue_amount"].sum()),
        **{bucket: float(a[bucket].sum()) for bucket in ("not_due", "d1_30", "d90_plus")},
        "managers": float(review.attainment_managers["revenue_ytd"].sum()),
        "tiers": float(review.tier_table["revenue_ltm"].sum()),
        "progress": float(review.progress["due"].sum()),
    }


def test_every_total_is_unchanged_by_the_switch(reviews):
    flat, grouped = totals(reviews[False][0]), totals(reviews[True][0])
    assert grouped == pytest.approx(flat, abs=0.01)


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_page_shows_the_same_totals_and_marks_group_rows(dataset, reviews, locale):
    fmt = Formatter(locale, "CNY")
    shown = {}
    for grouped, (review, params) in reviews.items():
        provenance = make_provenance(params, dataset, AS_OF, data_hash="0" * 64)
        view = portfolio_view(review, {}, portfolio_display(fmt, review), provenance, params, {})
        shown[grouped] = view
    plain = {g: to_plain(v) for g, v in shown.items()}
    for section in ("targets", "receivables"):
        assert plain[True][section]["kpis"] == plain[False][section]["kpis"], section
    kpis = plain[True]["concentration"]["kpis"]
    assert kpis[0]["value"] != ""  # shares of groups, figures of their own
    note = fmt.t("portfolio.group_row", n=4)
    rows = shown[True].targets.accounts.table.rows
    assert any(note in r.cells[0].note for r in rows)
    html = report.render_html(review, {}, fmt, provenance, params=params)
    assert note in html


def test_group_rows_sum_their_members(dataset, reviews):
    flat, grouped = reviews[False][0], reviews[True][0]
    members = group_ids(dataset.accounts)
    ids = [a for a, g in members.items() if g == "KA0045" and a in flat.attainment.index]
    row = grouped.attainment.loc["KA0045"]
    for column in ("revenue_ytd", "target_ytd", "forecast_fy"):
        assert row[column] == pytest.approx(flat.attainment.loc[ids, column].sum())
    assert row["attainment_ytd"] == pytest.approx(row["revenue_ytd"] / row["target_ytd"])
    aged = [a for a, g in members.items() if g == "KA0045" and a in flat.aging.index]
    assert grouped.aging.at["KA0045", "open_amount"] == pytest.approx(
        flat.aging.loc[aged, "open_amount"].sum()
    )
    assert (
        grouped.aging.at["KA0045", "max_days_overdue"]
        == flat.aging.loc[aged, "max_days_overdue"].max()
    )
    assert isinstance(grouped.aging, pd.DataFrame)


def test_grouped_tables_say_so(dataset, reviews):
    fmt = Formatter("en", "CNY")
    for grouped, (review, params) in reviews.items():
        provenance = make_provenance(params, dataset, AS_OF, data_hash="0" * 64)
        view = portfolio_view(review, {}, portfolio_display(fmt, review), provenance, params, {})
        intros = (
            view.concentration.top.intro,
            view.targets.accounts.intro,
            view.receivables.aging.intro,
        )
        expected = fmt.t("portfolio.grouped_note", groups="3", accounts="12") if grouped else ""
        assert intros == (expected,) * 3
