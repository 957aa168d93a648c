"""A KA manager's monthly book (述职): analyse, render, write HTML and PDF atomically.

The book reads the run's portfolio-wide figures (the metrics table and the risk
flags, :mod:`kamreport.figures`), so each figure it shows for an account is the
number the account review and the portfolio show for it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kamreport.analytics.book import ManagerBook, manager_book
from kamreport.analytics.plan import ActionLine, due_actions
from kamreport.context import RunContext, open_context
from kamreport.dataset import Dataset
from kamreport.errors import KamReportError
from kamreport.figures import PortfolioFigures
from kamreport.i18n import Formatter
from kamreport.layout import (
    MANIFEST,
    REPORT_HTML,
    book_html,
    make_staging,
    publish,
    relative_link,
    remove_stale_staging,
    run_file,
)
from kamreport.locking import folder_lock
from kamreport.managers import manager_accounts
from kamreport.outputs import atomic_write_text
from kamreport.params import load_params
from kamreport.provenance import Provenance
from kamreport.render import render
from kamreport.views.book import book_view
from kamreport.views.display import Display, account_names

ACTION_DAYS = 30  # plan actions due within this many days after the as-of date are listed
Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def month_end(month: str) -> dt.date:
    """The last day of ``month`` (YYYY-MM); a clear error for anything else."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", month.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise KamReportError(f"MONTH must be written YYYY-MM, such as 2026-09; got {month!r}.")
    year, number = int(found.group(1)), int(found.group(2))
    return dt.date(year, number, calendar.monthrange(year, number)[1])


def analyse(
    dataset: Dataset, as_of: dt.date, manager: str, figures: PortfolioFigures
) -> tuple[ManagerBook, list[ActionLine]]:
    """The manager's book and the open plan actions of their accounts due within
    :data:`ACTION_DAYS` days (overdue ones included)."""
    ids = manager_accounts(dataset, manager)
    book = manager_book(dataset, as_of, manager, ids, figures.metrics, figures.flags)
    until = as_of + dt.timedelta(days=ACTION_DAYS)
    names = account_names(dataset.accounts, "zh-CN")
    actions = due_actions(dataset.get("account_plans"), ids, as_of, until, names)
    return book, actions


def render_html(
    book: ManagerBook,
    actions: list[ActionLine],
    fmt: Formatter,
    provenance: Provenance,
    accounts: Any,
    links: Mapping[str, str] | None = None,
) -> str:
    display = Display.for_accounts(fmt, accounts)
    view = book_view(book, actions, display, provenance, dict(links or {}))
    return render("book.html.j2", fmt, page=view.page, view=view)


def review_links(context: RunContext, book: ManagerBook, folder: Path) -> dict[str, str]:
    """Links from the book to the account reviews of the same as-of date and language
    whose last run made a report."""
    links = {}
    for account_id in book.accounts.index:
        report = run_file(context.layout.customer_dir(str(account_id)), REPORT_HTML,
                          locale=context.locale)  # fmt: skip
        if report is not None:
            links[str(account_id)] = relative_link(report, folder)
    return links


@dataclass(frozen=True)
class BookResult:
    html: Path
    pdf: Path | None
    directory: Path
    seconds: float


def run_book(
    manager: str,
    month: str | None = None,
    *,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: Progress = _stderr,
) -> BookResult:
    """Write ``manager``'s book of ``month`` (default: the as-of month) as HTML and PDF
    into ``<output_dir>/<as-of>/<locale>/books/<manager>/``; files appear only whole."""
    started = time.perf_counter()
    manager = manager.strip()
    changes: dict[str, Any] = dict(overrides or {})
    if month:
        report = dict(changes.get("report", {}))
        report["as_of"] = month_end(month).isoformat()
        changes["report"] = report
    params = load_params(params_file or None, changes)
    from kamreport.pdf import check_engine, html_to_pdf

    context = open_context(params=params, say=progress)
    manager_accounts(context.dataset, manager)  # an unknown manager stops here
    check_engine()
    book, actions = analyse(context.dataset, context.as_of, manager, context.figures(progress))
    target = context.layout.book_dir(manager).resolve()
    name = book_html(f"{book.month.end:%Y-%m}", manager, context.locale)
    with folder_lock(target, say=progress):
        remove_stale_staging(target, older_than=time.time())
        staging = make_staging(target)
        try:
            provenance = context.provenance()
            html = render_html(book, actions, context.fmt, provenance, context.dataset.accounts,
                               review_links(context, book, target))  # fmt: skip
            atomic_write_text(staging / name, html, parents=False)
            progress(f"Writing {Path(name).with_suffix('.pdf').name}…")
            html_to_pdf(staging / name, page_size=params.report.page_size)
            manifest = {
                **provenance.to_dict(),
                "report": "book",
                "manager": manager,
                "month": f"{book.month.end:%Y-%m}",
                "outputs": [*sorted(p.name for p in staging.iterdir()), MANIFEST],
            }
            publish(staging, target, manifest)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    pdf = target / Path(name).with_suffix(".pdf").name
    return BookResult(
        html=target / name,
        pdf=pdf if pdf.is_file() else None,
        directory=target,
        seconds=time.perf_counter() - started,
    )


__all__ = ["BookResult", "analyse", "manager_accounts", "month_end", "render_html", "run_book"]
