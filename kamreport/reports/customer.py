"""The per-customer account review: analyse, chart, render, write.

Portfolio-wide figures (value layer, risk flags, metrics table) come from the
run context (:mod:`kamreport.figures`, computed once per data and parameters),
so the review, ``kamreport metrics`` and every other report show the same
numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pandas as pd

from kamreport.analytics.account_review import AccountReview, review_account
from kamreport.analytics.plan_document import plan_review
from kamreport.charts import Chart, line_chart, mix_chart, relationship_map, revenue_trend
from kamreport.charts.mix import quarter_label
from kamreport.context import RunContext
from kamreport.dataset import Dataset
from kamreport.figures import PortfolioFigures, compute_figures
from kamreport.i18n import Formatter
from kamreport.layout import REPORT_HTML, Layout, write_staged
from kamreport.metrics import customer_metrics
from kamreport.params import Params
from kamreport.plans_store import stored_plan
from kamreport.provenance import Provenance
from kamreport.render import render
from kamreport.views.customer import CustomerView, customer_view, profile_accounts
from kamreport.views.display import Display

REPORT_FILE = REPORT_HTML
SECTION_IDS = (
    "attention", "highlights", "profile", "kpis", "trend", "targets", "mix", "wallet",
    "profitability", "receivables", "relationships", "pipeline", "satisfaction", "plan", "value",
    "risks", "data-quality",
)  # fmt: skip
CHART_KEYS = ("trend", "mix", "wallet", "contribution", "discount", "relmap", "satisfaction")
GROUP_SECTION = "group"  # after the profile, in the review of an account of a group


def portfolio(dataset: Dataset, as_of: dt.date, params: Params) -> PortfolioFigures:
    """The portfolio-wide figures a review reads (as the run context computes them)."""
    return compute_figures(dataset, as_of, params)


def review(run: RunContext, account_id: str) -> AccountReview:
    """The account review of ``account_id`` from the run context and its figures, with
    the account's imported plan (kamreport.plans_store) when there is one."""
    result = analyse(run.dataset, account_id, run.as_of, run.params, run.figures())
    return with_written_plan(result, run.layout.plans_store)


def with_written_plan(result: AccountReview, store: Path) -> AccountReview:
    """``result`` with the account's imported plan and its changes, if it has one."""
    stored = stored_plan(store, result.account_id)
    if stored is None:
        return result
    written = plan_review(
        stored.document,
        stored.previous,
        result.as_of,
        imported_at=stored.imported_at,
        compared_with="version" if stored.previous_version else "data",
    )
    return replace(result, written_plan=written)


def analyse(
    dataset: Dataset,
    account_id: str,
    as_of: dt.date,
    params: Params,
    context: PortfolioFigures | None = None,
) -> AccountReview:
    context = context or portfolio(dataset, as_of, params)
    return review_account(
        dataset,
        account_id,
        as_of,
        trend_months=params.report.trend_months,
        risk=params.risk,
        values=context.valuation.accounts,
        clv_message=context.valuation.clv.message,
        flags=context.flags,
        metrics=context.metrics,
        duplicates=context.duplicates,
        by_category=context.by_category,
    )


def _wallet_chart(review: AccountReview, fmt: Formatter) -> Chart | None:
    wallet = review.wallet
    if wallet is None or wallet.yearly.empty or wallet.yearly["share"].notna().sum() < 2:
        return None
    yearly = wallet.yearly.set_index("year")
    labels = [
        fmt.t("review.wallet.year_ytd" if a else "review.wallet.year_label", year=y)
        for y, a in zip(yearly.index, yearly["annualised"], strict=True)
    ]
    return line_chart(
        {fmt.t("review.wallet.share"): yearly["share"]},
        fmt,
        chart_id="wallet-share",
        title=fmt.t("review.chart.wallet_title"),
        ylabel=fmt.t("review.chart.share_axis"),
        kind="percent",
        x_labels=labels,
        ylim=(0, max(1.0, float(yearly["share"].max()) * 1.1)),
    )


def _price_chart(review: AccountReview, fmt: Formatter) -> Chart | None:
    prof = review.profitability
    if prof is None or prof.quarterly["discount_depth"].notna().sum() < 2:
        return None
    q = prof.quarterly
    return line_chart(
        {fmt.t("review.profitability.discount_depth"): q["discount_depth"]},
        fmt,
        chart_id="discount-depth",
        title=fmt.t("review.chart.discount_title", months=prof.recent_months),
        ylabel=fmt.t("review.chart.discount_axis"),
        kind="percent",
        x_labels=[quarter_label(fmt, x) for x in q.index],
        ylim=(0, max(0.2, float(q["discount_depth"].max()) * 1.2)),
    )


def _contribution_chart(review: AccountReview, fmt: Formatter) -> Chart | None:
    prof = review.profitability
    if prof is None or prof.quarterly["contribution"].notna().sum() < 2:
        return None
    q = prof.quarterly
    return line_chart(
        {
            fmt.t("kpi.gross_margin"): q["gross_margin"],
            fmt.t("review.profitability.cost_to_serve"): q["cost_to_serve"],
            fmt.t("review.profitability.contribution"): q["contribution"],
        },
        fmt,
        chart_id="contribution",
        title=fmt.t("review.chart.contribution_title"),
        ylabel=fmt.t("chart.amount_axis", currency=fmt.currency_symbol()),
        kind="money",
        x_labels=[quarter_label(fmt, x) for x in q.index],
    )


def _satisfaction_chart(review: AccountReview, fmt: Formatter) -> Chart | None:
    sat = review.satisfaction
    if sat is None or sat.surveys is None or len(sat.surveys) < 2:
        return None
    s = sat.surveys
    return line_chart(
        {fmt.t("review.satisfaction.score"): s["score"]},
        fmt,
        chart_id="satisfaction",
        title=fmt.t("review.chart.satisfaction_title"),
        ylabel=fmt.t("review.chart.score_axis"),
        x_labels=[fmt.month(d) for d in s["survey_date"]],
        ylim=(0, 10),
    )


def charts(review: AccountReview, fmt: Formatter) -> dict[str, Chart | None]:
    """Every chart of the report (None where its data is missing)."""
    has_sales = bool(review.monthly["revenue"].abs().sum())
    out: dict[str, Chart | None] = {
        "trend": revenue_trend(review.monthly, fmt, targets=review.monthly_target)
        if has_sales
        else None
    }
    mix = review.mix
    has_mix = mix is not None and mix.has_categories and bool(mix.quarterly.to_numpy().sum())
    out["mix"] = mix_chart(mix.quarterly, fmt) if has_mix else None
    out["wallet"] = _wallet_chart(review, fmt)
    out["contribution"] = _contribution_chart(review, fmt)
    out["discount"] = _price_chart(review, fmt)
    rel = review.relationships
    name = "name_en" if fmt.locale == "en" else "name"
    out["relmap"] = (
        relationship_map(rel.contacts, fmt, name_column=name)
        if rel is not None and rel.has_contacts
        else None
    )
    out["satisfaction"] = _satisfaction_chart(review, fmt)
    if review.group is not None and review.group.monthly["revenue"].abs().sum():
        out["group"] = revenue_trend(review.group.monthly, fmt, chart_id="group-trend")
    return out


def group_links(review: AccountReview, layout: Layout) -> dict[str, str]:
    """Links from the review to the reviews of the accounts of its group (same as-of date
    and language): the accounts above it and its members."""
    ids = list(review.belongs_to)
    if review.group is not None:
        ids += [str(a) for a in review.group.tree["account_id"] if a != review.account_id]
    return {a: layout.review_link(review.account_id, a) for a in ids}


def view(
    review: AccountReview,
    chart_map: dict[str, Chart | None],
    fmt: Formatter,
    provenance: Provenance,
    params: Params | None = None,
    *,
    accounts: pd.DataFrame | None = None,
    links: dict[str, str] | None = None,
) -> CustomerView:
    """The review as display-ready text. With ``accounts`` (the accounts table) the parent
    group is named as in every other report; without it the profile's names are used.
    ``links``: the reviews of the accounts of its group (:func:`group_links`)."""
    names = profile_accounts(review.profile) if accounts is None else accounts
    display = Display.for_accounts(fmt, names)
    return customer_view(review, chart_map, display, provenance, params or Params(), links)


def render_html(
    review: AccountReview,
    chart_map: dict[str, Chart | None],
    fmt: Formatter,
    provenance: Provenance,
    params: Params | None = None,
    *,
    accounts: pd.DataFrame | None = None,
    links: dict[str, str] | None = None,
) -> str:
    shown = view(review, chart_map, fmt, provenance, params, accounts=accounts, links=links)
    return render("customer.html.j2", fmt, page=shown.page, view=shown)


def write(staging_dir: str | Path, html: str, provenance: Provenance) -> Path:
    """Write the report and its provenance into the run's staging folder."""
    [report] = write_staged(staging_dir, provenance.to_dict(), {REPORT_FILE: html})
    return report


def review_metrics(context: PortfolioFigures, account_id: str) -> dict:
    """The account's metrics as JSON-ready dict (what ``kamreport metrics`` prints)."""
    return customer_metrics(context.metrics, account_id)
