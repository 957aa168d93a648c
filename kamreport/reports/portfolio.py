"""The portfolio report (leadership, quarterly review): analyse, chart, render, write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from kamreport.analytics.portfolio import PortfolioReview, review_portfolio
from kamreport.charts import Chart, dso_chart, histogram_chart, pareto_chart, waterfall_chart
from kamreport.context import RunContext
from kamreport.dataset import Dataset
from kamreport.exact import tidy_frame
from kamreport.figures import PortfolioFigures, compute_figures
from kamreport.i18n import Formatter
from kamreport.layout import (
    ACCOUNTS_CSV,
    PORTFOLIO_HTML,
    REPORT_HTML,
    Layout,
    relative_link,
    run_file,
    write_staged,
)
from kamreport.metrics import account_metrics
from kamreport.params import Params
from kamreport.provenance import Provenance
from kamreport.render import render
from kamreport.spreadsheet_safety import csv_safe_frame
from kamreport.views.blocks import Line
from kamreport.views.portfolio import headlines as portfolio_headlines
from kamreport.views.portfolio import portfolio_display, portfolio_view

PORTFOLIO_FILE = PORTFOLIO_HTML
ACCOUNTS_FILE = ACCOUNTS_CSV
SECTIONS = (
    "attention", "summary", "concentration", "tiers", "segments", "bridge", "retention",
    "receivables", "targets", "team", "value", "backtest", "data-quality",
)  # fmt: skip


def analyse(
    dataset: Dataset, as_of: dt.date, params: Params, figures: PortfolioFigures | None = None
) -> PortfolioReview:
    """The portfolio review; ``figures`` are the run's portfolio-wide figures when known."""
    if figures is None:
        figures = compute_figures(dataset, as_of, params)
    return review_portfolio(
        dataset,
        as_of,
        params,
        values=figures.values,
        flags=figures.flags,
        duplicates=figures.duplicates,
        metrics=figures.metrics,
    )


def review(run: RunContext) -> PortfolioReview:
    """The portfolio review of the run context, on its portfolio-wide figures."""
    return analyse(run.dataset, run.as_of, run.params, run.figures())


def charts(review: PortfolioReview, fmt: Formatter) -> dict[str, Chart | None]:
    """The report's charts; None where the data is missing."""
    out: dict[str, Chart | None] = {"pareto": None, "bridge": None, "clv": None, "dso": None}
    if review.revenue_ltm > 0:
        curves = {fmt.t("portfolio.chart.revenue"): review.revenue.curve}
        if review.margin is not None:
            curves[fmt.t("portfolio.chart.gross_margin")] = review.margin.curve
        out["pareto"] = pareto_chart(curves, fmt)
    b = review.bridge
    if b is not None and (b.prior_total or b.current_total):
        steps = [(fmt.t(f"portfolio.bridge.{c}"), b.components[c]) for c in b.components]
        steps = [s for s in steps if s[1] != 0]
        out["bridge"] = waterfall_chart(
            (fmt.t("portfolio.bridge.prior"), b.prior_total),
            steps,
            (fmt.t("portfolio.bridge.current"), b.current_total),
            fmt,
            title=fmt.t("portfolio.chart.bridge_title"),
            alt=fmt.t(
                "portfolio.chart.bridge_alt",
                prior=fmt.money(b.prior_total, compact=True),
                current=fmt.money(b.current_total, compact=True),
            ),
        )
    clv = review.values["clv"]
    if (clv > 0).any():
        out["clv"] = histogram_chart(
            clv,
            fmt,
            title=fmt.t("portfolio.chart.clv_title"),
            xlabel=fmt.t("portfolio.chart.clv_axis", currency=fmt.currency_symbol()),
            alt=fmt.t(
                "portfolio.chart.clv_alt",
                accounts=fmt.number(int((clv > 0).sum())),
                total=fmt.money(float(clv.sum()), compact=True),
            ),
            chart_id="clv-distribution",
        )
    if review.dso is not None and review.dso["dso"].notna().any():
        out["dso"] = dso_chart(review.dso, fmt)
    return out


def headlines(review: PortfolioReview, fmt: Formatter) -> tuple[Line, ...]:
    """The summary's 5–8 sentences for leadership, each linked to its report section."""
    return portfolio_headlines(review, portfolio_display(fmt, review))


def report_links(review: PortfolioReview, layout: Layout) -> dict[str, str]:
    """Links from the portfolio to the account reviews of the same as-of date and language
    whose last run made a report (as its manifest says)."""
    here = layout.portfolio_dir
    links = {}
    for account_id in review.values.index:
        folder = layout.customer_dir(str(account_id))
        report = run_file(folder, REPORT_HTML, locale=layout.locale)
        if report is not None:
            links[str(account_id)] = relative_link(report, here)
    return links


def accounts_table(
    review: PortfolioReview,
    dataset: Dataset,
    params: Params,
    figures: PortfolioFigures | None = None,
) -> pd.DataFrame:
    """accounts.csv: account attributes, the account metrics (the run's metrics table, the
    same rows as ``kamreport metrics --all``), ABC on margin and the bridge category."""
    if figures is not None:
        metrics = figures.metrics
    else:
        metrics = account_metrics(
            dataset, review.as_of, params, values=review.values, flags=review.flags
        )
    attrs = review.accounts.reset_index()
    out = attrs.merge(metrics, on="account_id", how="right")
    extra = review.values[["abc_class_margin"]].copy()
    if review.bridge is not None:  # no bridge when the data does not cover the prior LTM
        extra = extra.join(review.bridge.accounts[["category"]])
    extra["bridge_category"] = extra.pop("category") if "category" in extra else None
    out = out.merge(extra, left_on="account_id", right_index=True, how="left")
    return out.sort_values(["revenue_ltm", "account_id"], ascending=[False, True], kind="stable")


def render_html(
    review: PortfolioReview,
    chart_map: dict[str, Chart | None],
    fmt: Formatter,
    provenance: Provenance,
    *,
    params: Params,
    links: dict[str, str] | None = None,
) -> str:
    """The portfolio page in the formatter's language, laid out from its view model."""
    display = portfolio_display(fmt, review)
    view = portfolio_view(review, chart_map, display, provenance, params, links or {})
    return render("portfolio.html.j2", fmt, page=view.page, view=view)


def write(
    staging_dir: str | Path, html: str, accounts: pd.DataFrame, provenance: Provenance
) -> Path:
    """Write the report, accounts.csv and the provenance into the run's staging folder."""
    # UTF-8 with BOM, so Excel opens the Chinese names correctly
    # text from data that a spreadsheet could run as a formula gets a leading apostrophe
    csv = csv_safe_frame(tidy_frame(accounts)).to_csv(index=False, date_format="%Y-%m-%d")
    files = {ACCOUNTS_FILE: csv.encode("utf-8-sig"), PORTFOLIO_FILE: html}
    _, page = write_staged(staging_dir, provenance.to_dict(), files)
    return page
