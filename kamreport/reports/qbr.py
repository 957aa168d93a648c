"""The quarterly business review of one account: figures, view, PowerPoint deck and PDF.

Produced directly by the command, without a notebook: a deck is two files made from
figures the run context already holds, with no narrative cells or charts to look at in
between, and a kernel would add its start-up to every deck for nothing. It reads the
same context (parameters, validated data, portfolio-wide figures) as the account review,
so the deck shows the review's numbers.

The PDF is the deck laid out as A4 landscape pages by ``templates/qbr.html.j2`` and
printed through :func:`kamreport.pdf.html_to_pdf`, the path of every other PDF. Both
files are written atomically (a temporary file, then a rename) into
:meth:`kamreport.layout.Layout.qbr_dir`, their names holding quarter, language and variant.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kamreport.analytics.coverage import data_start
from kamreport.analytics.qbr import (
    QbrFigures,
    Quarter,
    parse_quarter,
    qbr_figures,
    qbr_internal,
    quarter_of,
)
from kamreport.errors import ParamsError
from kamreport.i18n import Formatter
from kamreport.layout import qbr_file
from kamreport.outputs import atomic_write_bytes
from kamreport.render import environment, stylesheet
from kamreport.views.display import account_names
from kamreport.views.qbr import INTERNAL, VARIANTS, QbrView, qbr_view

Say = Callable[[str], None]


@dataclass(frozen=True)
class QbrResult:
    """Where a QBR run wrote its deck and PDF."""

    pptx: Path
    pdf: Path
    quarter: Quarter
    seconds: float


def check_variant(variant: str) -> str:
    if variant not in VARIANTS:
        raise ParamsError(
            f"VARIANT {variant!r} is not known; use {' or '.join(VARIANTS)} (default customer)."
        )
    return variant


def figures_of(dataset: Any, account_id: str, quarter: Quarter, as_of: Any) -> QbrFigures:
    """The QBR figures of one account from a validated dataset."""
    return qbr_figures(
        dataset.order_lines,
        account_id,
        quarter,
        as_of,
        data_start=data_start(dataset.order_lines),
        products=dataset.get("products"),
        targets=dataset.get("targets"),
        complaints=dataset.get("complaints"),
        plans=dataset.get("account_plans"),
        activities=dataset.get("activities"),
    )


def account_name(accounts: Any, account_id: str, locale: str) -> str:
    own = accounts.loc[accounts["account_id"] == account_id]
    return account_names(own, locale).get(account_id, account_id)


def render_html(view: QbrView, fmt: Formatter) -> str:
    """The deck as an HTML document of A4 landscape pages (data escaped by Jinja)."""
    template = environment().get_template("qbr.html.j2")
    return template.render(view=view, css=stylesheet("qbr.css"), t=fmt.t)


def write_pdf(view: QbrView, fmt: Formatter, target: Path, page_size: str = "A4") -> Path:
    """Print the deck's HTML to ``target`` through kamreport.pdf (written atomically)."""
    from kamreport.pdf import html_to_pdf

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".qbr-html-") as folder:
        html = Path(folder) / "qbr.html"
        html.write_text(render_html(view, fmt), encoding="utf-8")
        html_to_pdf(html, target, page_size=page_size)
    return target


def run_qbr(
    customer: str,
    quarter: str | None = None,
    variant: str = "customer",
    *,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    say: Say | None = None,
) -> QbrResult:
    """Write the QBR deck (.pptx) and its PDF of ``customer`` for ``quarter`` (default: the
    quarter of the as-of date, to date when it is not over)."""
    from kamreport.context import open_context
    from kamreport.pdf import check_engine

    started = time.perf_counter()
    check_variant(variant)
    wanted = parse_quarter(quarter) if quarter else None  # before any data is read
    check_engine()
    context = (
        open_context(params_file, overrides, say=say)
        if say
        else open_context(params_file, overrides)
    )
    account_id = context.account_id(customer)
    dataset = context.dataset
    chosen = wanted or quarter_of(context.as_of)
    figures = figures_of(dataset, account_id, chosen, context.as_of)
    internal = None
    if variant == INTERNAL:
        portfolio = context.figures(say) if say else context.figures()
        internal = qbr_internal(figures, portfolio.valuation.accounts, portfolio.flags)
    fmt = context.fmt
    view = qbr_view(figures, account_name(dataset.accounts, account_id, fmt.locale), fmt, internal)
    folder = context.layout.qbr_dir(account_id)
    name = qbr_file(account_id, chosen.label, context.locale, variant, "pptx")
    from kamreport.reports.qbr_deck import deck_bytes

    pptx = atomic_write_bytes(folder / name, deck_bytes(view))
    pdf = write_pdf(view, fmt, pptx.with_suffix(".pdf"), context.params.report.page_size)
    return QbrResult(pptx, pdf, chosen, time.perf_counter() - started)


__all__ = ["QbrResult", "account_name", "figures_of", "render_html", "run_qbr", "write_pdf"]
