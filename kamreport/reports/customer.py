"""The per-customer account review: analyse, chart, render, write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kamreport.analytics.account_review import AccountReview, review_account
from kamreport.charts import Chart, revenue_trend
from kamreport.dataset import Dataset
from kamreport.i18n import Formatter
from kamreport.outputs import atomic_write_json, atomic_write_text
from kamreport.params import Params
from kamreport.provenance import Provenance
from kamreport.render import render

REPORT_FILE = "report.html"
PROVENANCE_FILE = "provenance.json"


def analyse(dataset: Dataset, account_id: str, as_of: dt.date, params: Params) -> AccountReview:
    return review_account(dataset, account_id, as_of, trend_months=params.report.trend_months)


def charts(review: AccountReview, fmt: Formatter) -> dict[str, Chart | None]:
    has_sales = bool(review.monthly["revenue"].abs().sum())
    return {"trend": revenue_trend(review.monthly, fmt) if has_sales else None}


def render_html(
    review: AccountReview,
    chart_map: dict[str, Chart | None],
    fmt: Formatter,
    provenance: Provenance,
) -> str:
    return render("customer.html.j2", fmt, review=review, charts=chart_map, provenance=provenance)


def write(staging_dir: str | Path, html: str, provenance: Provenance) -> Path:
    """Write the report and its provenance into the run's staging folder."""
    staging = Path(staging_dir)
    atomic_write_json(staging / PROVENANCE_FILE, provenance.to_dict())
    return atomic_write_text(staging / REPORT_FILE, html)
