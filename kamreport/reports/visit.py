"""The visit card of one account: analyse, build the view, render, write HTML and PDF.

Thin I/O around :mod:`kamreport.analytics.visit` (the figures) and
:mod:`kamreport.views.visit` (the texts, cut to fit one page). The issues come from the
run's portfolio-wide figures, ranked as in the account review, so the card raises the
same issues in the same order.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kamreport import __version__
from kamreport.analytics.attention import attention_items
from kamreport.analytics.visit import VisitCard, visit_card
from kamreport.context import RunContext, open_context
from kamreport.dataset import Dataset
from kamreport.figures import PortfolioFigures
from kamreport.i18n import Formatter
from kamreport.outputs import atomic_write_text
from kamreport.params import Params
from kamreport.pdf import check_engine, html_to_pdf
from kamreport.render import environment
from kamreport.views.display import Display, missing
from kamreport.views.visit import VisitCardView, generated_line, visit_card_view
from kamreport.webfont import embed_font

TEMPLATE = "visit.html.j2"


@dataclass(frozen=True)
class VisitResult:
    html: Path
    pdf: Path
    pages: int
    seconds: float


def analyse(
    dataset: Dataset, account_id: str, as_of: dt.date, params: Params, figures: PortfolioFigures
) -> VisitCard:
    """The card's figures; issues ranked as in the account review."""
    issues = attention_items(
        figures.metrics,
        figures.flags,
        dataset.order_lines,  # cut to the account and the as-of date by attention_items
        dataset.accounts,
        as_of,
        recent_months=params.risk.discount_window_months,
        account_ids=[account_id],
    )
    return visit_card(
        dataset,
        account_id,
        as_of,
        issues,
        contact_days=params.report.visit_contact_days,
        complaint_days=params.report.visit_complaint_days,
    )


def view(
    card: VisitCard, dataset: Dataset, params: Params, fmt: Formatter, now: dt.datetime
) -> VisitCardView:
    display = Display.for_accounts(fmt, dataset.accounts)
    accounts = dataset.accounts
    manager = ""
    if "ka_manager" in accounts:
        found = accounts.loc[accounts["account_id"].astype(str) == card.account_id, "ka_manager"]
        if len(found) and not missing(found.iloc[0]):
            manager = str(found.iloc[0])
    return visit_card_view(
        card,
        display,
        manager=manager,
        confidentiality=fmt.confidentiality(params.report.confidentiality),
        generated=generated_line(display, now, __version__),
    )


def render_html(card_view: VisitCardView, fmt: Formatter) -> str:
    """The card's page (every value escaped by the template engine)."""
    page = environment().get_template(TEMPLATE).render(view=card_view, t=fmt.t)
    return embed_font(page)


def write_card(html: str, html_path: Path, pdf_path: Path, page_size: str) -> int:
    """Write the HTML, then the PDF printed from it, each atomically; the PDF's pages."""
    atomic_write_text(html_path, html)
    return html_to_pdf(html_path, pdf_path, page_size=page_size).pages


def run_visit_card(
    customer: str,
    *,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> VisitResult:
    """``make visit CUSTOMER=<id>``: the card's HTML and PDF in the run's visits folder."""
    started = time.perf_counter()
    check_engine()  # before any work: the PDF is part of the card
    run: RunContext = open_context(params_file, overrides)
    account_id = run.account_id(customer)
    params = run.params
    card = analyse(run.dataset, account_id, run.as_of, params, run.figures())
    card_view = view(card, run.dataset, params, run.fmt, now or dt.datetime.now())
    html_path = run.layout.visit_card(account_id, "html")
    pdf_path = run.layout.visit_card(account_id, "pdf")
    pages = write_card(render_html(card_view, run.fmt), html_path, pdf_path,
                       params.report.page_size)  # fmt: skip
    return VisitResult(html_path, pdf_path, pages, time.perf_counter() - started)


__all__ = ["VisitResult", "analyse", "render_html", "run_visit_card", "view", "write_card"]
