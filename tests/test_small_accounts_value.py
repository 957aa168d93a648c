"""Value, tiers and flags on a minimal export: many small accounts, thirteen months, many
one-off buyers, no costs, no wallet estimates, no influence ratings.

Each figure is checked against a computation written here from the order lines, and
each test fails on a value layer that values nothing without costs, puts every account
in margin class C, scores missing criteria as 0 without saying so, has no key-tier cap
or flags one-off buyers for falling behind an order rhythm they never had.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from small_accounts import AS_OF, small_accounts

from kamreport.analytics.periods import ltm
from kamreport.analytics.valuation import value_portfolio
from kamreport.figures import compute_figures
from kamreport.i18n import Formatter
from kamreport.params import ClvParams, Params, RiskParams, ScoringParams, load_params
from kamreport.provenance import make_provenance
from kamreport.reports import customer as customer_report
from kamreport.reports import portfolio as portfolio_report
from kamreport.views.portfolio import portfolio_display, portfolio_view

NOW = dt.datetime(2026, 10, 5, 8, 0, tzinfo=dt.UTC)
ASSUMED = 0.25


@pytest.fixture(scope="module")
def dataset():
    return small_accounts(600)


@pytest.fixture(scope="module")
def plain(dataset):
    """The value layer with the default parameters (no assumed margin, no cap)."""
    return value_portfolio(dataset, AS_OF, ScoringParams(), ClvParams(), RiskParams())


@pytest.fixture(scope="module")
def assumed(dataset):
    """The value layer with clv.assumed_margin = 25%."""
    clv = ClvParams(assumed_margin=ASSUMED)
    return value_portfolio(dataset, AS_OF, ScoringParams(), clv, RiskParams())


@pytest.fixture(scope="module")
def order_days(dataset) -> pd.Series:
    """Order days per account, counted here: dates with a positive net amount."""
    lines = dataset.order_lines
    daily = lines.groupby(["account_id", "order_date"])["net_amount"].sum()
    return daily[daily > 0].groupby(level="account_id").size()


# --- lifetime value without costs ----------------------------------------------------


def test_without_costs_or_an_assumed_margin_there_is_no_lifetime_value(plain):
    values = plain.accounts
    assert values["clv"].isna().all()
    assert values["expected_margin_12m"].isna().all()
    assert (values["clv_margin_basis"] == "none").all()
    # the models or the rule still ran: P(alive) and expected orders are there
    assert values["p_alive"].notna().any()
    assert (values["expected_orders_12m"] > 0).any()


def test_an_assumed_margin_values_the_accounts_on_revenue(dataset, assumed):
    values = assumed.accounts
    assert (values["clv_margin_basis"] == "assumed").all()
    assert (values["margin_rate"] == ASSUMED).all()
    assert assumed.clv_choice.assumed_margin == ASSUMED
    assert (values["clv"] > 0).sum() > len(values) // 2
    # the rule: expected margin = P(alive) × LTM revenue × margin × 365 / exposure days,
    # exposure = days since the first order (at least 91, at most the LTM)
    rule = values.loc[values["clv_method"] == "rule"]
    lines = dataset.order_lines
    window = ltm(pd.Timestamp(AS_OF))
    inside = lines.loc[(lines["order_date"] > window.start) & (lines["order_date"] <= AS_OF)]
    revenue = inside.groupby("account_id")["net_amount"].sum().reindex(rule.index).fillna(0.0)
    first = lines.loc[lines["net_amount"] > 0].groupby("account_id")["order_date"].min()
    ltm_days = (window.end - window.start).days
    exposure = ((AS_OF - first.reindex(rule.index)).dt.days + 1).clip(91, ltm_days)
    expected = rule["p_alive"] * revenue * ASSUMED * ltm_days / exposure
    assert rule["expected_margin_12m"].to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-9)


def test_real_costs_take_precedence_over_the_assumed_margin(dataset):
    lines = dataset.order_lines.assign(cost_amount=dataset.order_lines["net_amount"] * 0.6)
    with_costs = type(dataset)({"accounts": dataset.accounts, "order_lines": lines})
    clv = ClvParams(assumed_margin=ASSUMED)
    values = value_portfolio(with_costs, AS_OF, ScoringParams(), clv, RiskParams()).accounts
    assert (values["clv_margin_basis"] == "costs").all()
    bought = values["revenue_ltm"] > 0
    assert values.loc[bought, "margin_rate"].to_numpy() == pytest.approx(0.4)


# --- margin figures are n/a, not zero or class C -------------------------------------


def test_no_margin_classes_and_no_profit_points_without_costs(plain):
    values = plain.accounts
    assert values["abc_class_margin"].isna().all()
    assert values["abc_class"].isin(["A", "B", "C"]).all()  # revenue ABC unaffected
    assert (values["abc_class"] == "A").any()
    assert values["contrib_profit"].isna().all()
    assert values["gross_margin_ltm"].isna().all()


# --- criteria left out, weights re-normalised ----------------------------------------


def test_criteria_without_data_are_left_out_and_the_weights_renormalised(plain):
    basis = plain.score_basis
    # thirteen months of data: no prior year either, so growth is left out too
    assert basis.left_out == ("growth", "profit", "potential", "influence")
    w = ScoringParams().weights
    # risk keeps its weight; the other criteria used share the rest in proportion
    others = w["spend"] + w["loyalty"]
    expected = {c: w[c] * (1 - w["risk"]) / others for c in ("spend", "loyalty")}
    expected["risk"] = w["risk"]
    assert dict(basis.weights) == pytest.approx(expected)
    assert sum(basis.weights.values()) == pytest.approx(1.0)
    # an account with every criterion used scores with exactly these weights
    values = plain.accounts
    full = values[[f"norm_{c}" for c in expected]].notna().all(axis=1)
    account = values.loc[full].iloc[0]
    for criterion, weight in expected.items():
        assert account[f"contrib_{criterion}"] == pytest.approx(
            100 * weight * account[f"norm_{criterion}"]
        )


# --- the key-tier cap -----------------------------------------------------------------


def test_the_key_tier_is_capped_by_count_lowest_scores_first(dataset, plain):
    uncapped = plain.accounts
    qualified = uncapped.loc[uncapped["score"] >= ScoringParams().tier_key_min_score]
    assert len(qualified) > 40  # many small accounts reach the key score
    scoring = ScoringParams(tier_key_max_accounts=40)
    capped = value_portfolio(dataset, AS_OF, scoring, ClvParams(), RiskParams())
    values = capped.accounts
    key = values.index[values["tier"] == "key"]
    assert len(key) == 40
    expected = qualified.sort_index().sort_values("score", ascending=False, kind="stable")
    assert set(key) == set(expected.index[:40])
    demoted = values.loc[expected.index[40:], "tier"]
    assert (demoted != "key").all() and demoted.isin(["growth", "maintain"]).all()
    assert capped.key_cap.applied and capped.key_cap.qualified == len(qualified)
    assert len(capped.key_cap.demoted) == len(qualified) - 40


def value_section(dataset, account, params, figures):
    """The value section of ``account``'s review in English, as the report shows it."""
    review = customer_report.analyse(dataset, account, AS_OF.date(), params, figures)
    provenance = make_provenance(params, dataset, AS_OF.date(), data_hash="0" * 64, now=NOW)
    chart_map = dict.fromkeys(customer_report.CHART_KEYS)
    return customer_report.view(review, chart_map, Formatter("en", "GBP"), provenance, params).value


def test_a_capped_account_says_so_in_its_report(dataset):
    params = Params(scoring=ScoringParams(tier_key_max_accounts=40))
    figures = compute_figures(dataset, AS_OF.date(), params)
    capped = figures.values.index[figures.values["key_capped"]]
    assert len(capped) > 0
    kept = figures.values.index[figures.values["tier"] == "key"][0]
    for account, expected in ((capped[0], True), (kept, False)):
        shown = value_section(dataset, account, params, figures)
        assert ("over the key-tier cap" in shown.cards[2].note) == expected


def test_the_key_tier_is_capped_by_share_of_revenue(dataset):
    scoring = ScoringParams(tier_key_max_revenue_share=0.2)
    values = value_portfolio(dataset, AS_OF, scoring, ClvParams(), RiskParams()).accounts
    revenue = values["revenue_ltm"].clip(lower=0)
    key_share = revenue[values["tier"] == "key"].sum() / revenue.sum()
    assert 0 < key_share <= 0.2


# --- flags that need a usual order interval -------------------------------------------


def test_one_off_buyers_raise_no_order_rhythm_flags(plain, order_days):
    flags = plain.flags
    rhythm = flags.loc[flags["code"].isin(["ORDER_GAP", "LOW_P_ALIVE", "REVENUE_DECLINE"])]
    minimum = RiskParams().min_orders_for_interval
    assert (order_days.reindex(rhythm["account_id"]).to_numpy() >= minimum).all()
    few = order_days.index[order_days < minimum]
    assert len(few) > 200  # the dataset is full of one-off and occasional buyers
    # regular buyers that stopped are still flagged
    gap = flags.loc[flags["code"] == "ORDER_GAP", "account_id"]
    assert len(gap) > 0
    high = flags.loc[flags["severity"] == "high", "account_id"].nunique()
    assert high < 0.1 * len(plain.accounts)


# --- what the reports say -------------------------------------------------------------


def _portfolio_view(dataset, params, locale="en"):
    review = portfolio_report.analyse(dataset, AS_OF.date(), params)
    fmt = Formatter(locale, "GBP")
    provenance = make_provenance(params, dataset, AS_OF.date(), data_hash="0" * 64, now=NOW)
    display = portfolio_display(fmt, review)
    charts = portfolio_report.charts(review, fmt)
    return portfolio_view(review, charts, display, provenance, params, {})


@pytest.fixture(scope="module")
def views(dataset):
    plain_params = load_params()
    assumed_params = load_params(
        overrides={"clv": {"assumed_margin": ASSUMED}, "scoring": {"tier_key_max_accounts": 40}}
    )
    return {
        "plain": _portfolio_view(dataset, plain_params),
        "assumed": _portfolio_view(dataset, assumed_params),
        "assumed-zh": _portfolio_view(dataset, assumed_params, "zh-CN"),
    }


def test_portfolio_says_why_there_is_no_lifetime_value(views):
    value = views["plain"].value
    assert "no costs (cost_amount)" in value.no_data
    assert "clv.assumed_margin" in value.no_data


def test_portfolio_labels_lifetime_value_as_assumed(views):
    value = views["assumed"].value
    assert not value.no_data
    assert "assumed margin 25%" in value.kpis[0].label
    assert "assumed margin 25%" in value.top.table.columns[1].label
    assert "25%" in value.top.intro and "cost_amount" in value.top.intro
    assert "假设毛利率25%" in views["assumed-zh"].value.kpis[0].label


def test_portfolio_hides_the_margin_classes(views):
    conc = views["plain"].concentration
    by_margin = conc.abc[1]
    assert by_margin.table is None and "cost_amount" in by_margin.empty
    labels = [c.label for c in conc.top.table.columns]
    assert "Class (revenue)" in labels and "Class (margin)" not in labels


def test_portfolio_shows_the_criteria_used_and_left_out(views):
    tiers = views["plain"].tiers
    intro = tiers.scores.intro
    # spend and loyalty share 90% as 25 : 15, risk keeps its 10%
    assert "Spend 56%" in intro and "Loyalty 34%" in intro and "Risk 10%" in intro
    assert "Profit — no cost_amount in the order lines" in intro
    assert "Potential — no wallet estimates (the wallet table)" in intro
    labels = [c.label for c in tiers.scores.table.columns]
    assert "Profit" not in labels and "Spend" in labels
    sensitivity = [dict(r.attrs)["data-criterion"] for r in tiers.sensitivity.rows]
    assert "profit" not in sensitivity and "spend" in sensitivity
    assert "Key tier capped (at most 40 accounts)" in views["assumed"].tiers.tiers.note
    assert "capped" not in tiers.tiers.note


def test_customer_report_labels_value_and_score_basis(dataset):
    params = Params(clv=ClvParams(assumed_margin=ASSUMED))
    figures = compute_figures(dataset, AS_OF.date(), params)
    account = figures.values.index[figures.values["clv"] > 0][0]
    shown = value_section(dataset, account, params, figures)
    assert "assumed margin 25%" in shown.cards[0].label
    notes = " ".join(shown.notes)
    assert "assumed gross margin of 25%" in notes
    assert "Purchase power" in notes and "Profit contribution — no cost_amount" in notes
    assert "Profit contribution" not in [c.label for c in shown.criteria]

    plain_params = Params()
    plain_figures = compute_figures(dataset, AS_OF.date(), plain_params)
    shown = value_section(dataset, account, plain_params, plain_figures)
    assert shown.cards[0].value == "n/a"
    assert any("clv.assumed_margin" in n for n in shown.notes)


def test_metrics_carry_the_assumed_margin(dataset):
    params = Params(clv=ClvParams(assumed_margin=ASSUMED))
    metrics = compute_figures(dataset, AS_OF.date(), params).metrics
    valued = metrics["clv"].notna()
    assert valued.any()
    assert (metrics.loc[valued, "clv_assumed_margin"] == ASSUMED).all()
    assert metrics["margin_pct_ltm"].isna().all()
    plain = compute_figures(dataset, AS_OF.date(), Params()).metrics
    assert plain["clv_assumed_margin"].isna().all() and plain["clv"].isna().all()
    assert np.isnan(plain["clv"]).all()


def test_accounts_without_costs_have_no_margin_class_when_others_have_one(dataset):
    lines = dataset.order_lines
    costed = lines["account_id"] <= "C00300"
    lines = lines.assign(cost_amount=(lines["net_amount"] * 0.7).where(costed))
    partial = type(dataset)({"accounts": dataset.accounts, "order_lines": lines})
    params = load_params()
    review = portfolio_report.analyse(partial, AS_OF.date(), params)
    values = review.values
    known = values["gross_margin_ltm"].notna()
    assert values.loc[~known, "abc_class_margin"].isna().all()
    assert values.loc[known, "abc_class_margin"].isin(["A", "B", "C"]).all()
    # the margin ABC table counts the accounts with a known margin only
    assert int(review.margin.table["accounts"].sum()) == int(known.sum())
    fmt = Formatter("en", "GBP")
    provenance = make_provenance(params, partial, AS_OF.date(), data_hash="0" * 64, now=NOW)
    view = portfolio_view(
        review, portfolio_report.charts(review, fmt), portfolio_display(fmt, review),
        provenance, params, {},
    )  # fmt: skip
    unknown = int((~known).sum())
    assert f"{unknown} of 600 accounts have no known margin" in view.concentration.abc[1].note
    margin_cells = {
        dict(row.attrs).get("data-account"): row.cells[5].text
        for row in view.concentration.top.table.rows
    }
    assert "Class (margin)" in [c.label for c in view.concentration.top.table.columns]
    assert set(margin_cells) <= set(values.index)
    assert "n/a" in margin_cells.values()  # the top accounts include some without costs
    for account, text in margin_cells.items():
        assert (text == "n/a") == (not known[account])
