"""The per-customer account review: analyse, chart, render, write.

Portfolio-wide figures (value layer, risk flags, metrics table) are computed once
per run by :func:`portfolio` and shared by the sections, so the report and
``kamreport metrics`` show the same numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kamreport.analytics.account_review import AccountReview, review_account
from kamreport.analytics.risk import UNITS, risk_flags
from kamreport.analytics.valuation import Valuation, value_portfolio
from kamreport.charts import Chart, line_chart, mix_chart, relationship_map, revenue_trend
from kamreport.charts.mix import quarter_label
from kamreport.dataset import Dataset
from kamreport.i18n import Formatter
from kamreport.metrics import account_metrics, customer_metrics
from kamreport.outputs import atomic_write_json, atomic_write_text
from kamreport.params import Params
from kamreport.provenance import Provenance
from kamreport.render import render

REPORT_FILE = "report.html"
PROVENANCE_FILE = "provenance.json"
SECTION_IDS = (
    "highlights", "profile", "kpis", "trend", "targets", "mix", "wallet", "profitability",
    "receivables", "relationships", "pipeline", "satisfaction", "plan", "value", "risks",
    "data-quality",
)  # fmt: skip
CHART_KEYS = ("trend", "mix", "wallet", "contribution", "discount", "relmap", "satisfaction")


@dataclass(frozen=True)
class Portfolio:
    """What every account's review needs from the whole portfolio, computed once."""

    valuation: Valuation
    flags: pd.DataFrame
    metrics: pd.DataFrame


def portfolio(dataset: Dataset, as_of: dt.date, params: Params) -> Portfolio:
    valuation = value_portfolio(dataset, as_of, params.scoring, params.clv)
    flags = risk_flags(dataset, as_of, params.risk, valuation.accounts)
    metrics = account_metrics(dataset, as_of, params, values=valuation.accounts, flags=flags)
    return Portfolio(valuation=valuation, flags=flags, metrics=metrics)


def analyse(
    dataset: Dataset,
    account_id: str,
    as_of: dt.date,
    params: Params,
    context: Portfolio | None = None,
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
    )


def _wallet_chart(review: AccountReview, fmt: Formatter) -> Chart | None:
    wallet = review.wallet
    if wallet is None or wallet.yearly.empty or wallet.yearly["share"].notna().sum() < 2:
        return None
    yearly = wallet.yearly.set_index("year")
    labels = [
        fmt.t("review.wallet.year_ytd", year=y) if a else str(y)
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
        title=fmt.t("review.chart.discount_title"),
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
    has_mix = mix is not None and bool(mix.quarterly.to_numpy().sum())
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
    return out


def format_value(fmt: Formatter, kind: str, value: object) -> str:
    """A number quoted in a sentence, formatted by its kind (see analytics.highlights)."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    if kind == "days_ago":
        return (
            fmt.t("review.unit.never")
            if missing
            else fmt.t("review.unit.days_ago", n=fmt.number(value))
        )
    if missing or kind == "none":
        return fmt.t("common.na")
    if kind == "days":
        return fmt.t("review.unit.days", n=fmt.number(value))
    if kind == "money":
        return fmt.money(value, compact=True)
    if kind in ("percent", "fraction"):
        return fmt.percent(value)
    if kind == "growth":
        return fmt.percent(value, signed=True).replace("-", "−")
    if kind == "points":
        return fmt.points(value)
    if kind == "pp":  # a size in percentage points, unsigned
        return fmt.t("common.points", value=fmt.number(abs(float(value)) * 100, digits=1))
    if kind == "count":
        digits = 0 if float(value).is_integer() else 1
        return fmt.number(value, digits=digits)
    if kind == "category":
        return fmt.value("category", value)
    return fmt.number(value)


def sentence(fmt: Formatter, message: str, values: dict[str, tuple[str, object]]) -> str:
    return fmt.t(message, **{k: format_value(fmt, kind, v) for k, (kind, v) in values.items()})


def flag_rows(review: AccountReview, fmt: Formatter) -> list[dict[str, str]]:
    """The account's risk flags with their reason and action in the report language."""
    if review.flags is None:
        return []
    rows = []
    for flag in review.flags.itertuples():
        numbers = {
            name: (unit, getattr(flag, name))
            for name, unit in zip(("value", "threshold", "baseline"), UNITS[flag.code], strict=True)
        }
        rows.append(
            {
                "code": flag.code,
                "severity": flag.severity,
                "reason": sentence(fmt, f"review.risk.reason.{flag.code}", numbers),
                "action": fmt.t(f"review.action.{flag.code}"),
            }
        )
    return rows


def highlight_rows(review: AccountReview, fmt: Formatter) -> list[dict[str, str | None]]:
    return [
        {
            "text": sentence(fmt, h.message, h.values),
            "metric": h.metric,
            "tone": h.tone,
            "action": fmt.t(h.action) if h.action else None,
        }
        for h in review.highlights
    ]


def render_html(
    review: AccountReview,
    chart_map: dict[str, Chart | None],
    fmt: Formatter,
    provenance: Provenance,
    params: Params | None = None,
) -> str:
    params = params or Params()
    return render(
        "customer.html.j2",
        fmt,
        review=review,
        charts=chart_map,
        provenance=provenance,
        fv=lambda kind, value: format_value(fmt, kind, value),
        flags=flag_rows(review, fmt),
        highlights=highlight_rows(review, fmt),
        clv_params=params.clv,
        risk_params=params.risk,
    )


def write(staging_dir: str | Path, html: str, provenance: Provenance) -> Path:
    """Write the report and its provenance into the run's staging folder."""
    staging = Path(staging_dir)
    atomic_write_json(staging / PROVENANCE_FILE, provenance.to_dict())
    return atomic_write_text(staging / REPORT_FILE, html)


def review_metrics(context: Portfolio, account_id: str) -> dict:
    """The account's metrics as JSON-ready dict (what ``kamreport metrics`` prints)."""
    return customer_metrics(context.metrics, account_id)
