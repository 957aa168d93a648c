"""The view of a report email: what the HTML and the plain-text versions both say.

Built from an :class:`~kamreport.mail.summary.EmailSummary`; every figure, name
and label is text here, so the two versions cannot disagree and the templates
only lay the view out (600 px tables for the HTML, lines for the plain text).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from kamreport.i18n import Formatter
from kamreport.views.blocks import Cell, Column, Row, Table, attrs
from kamreport.views.display import Display, account_names

if TYPE_CHECKING:
    from kamreport.mail.charts import EmailChart
    from kamreport.mail.summary import AccountLine, EmailSummary, KpiLine

# How each kind of headline figure reads (kamreport.views.display.Display.text).
KPI_TEXT = {"money": "money_full", "percent": "percent", "number": "number"}


@dataclass(frozen=True)
class ChartRef:
    """A chart of the email: the PNG's Content-ID, its alt text and display size."""

    name: str
    cid: str
    alt: str
    width: int
    height: int


@dataclass(frozen=True)
class EmailSection:
    """A titled part of the email: charts, a table, and sentences under them."""

    section_id: str
    title: str
    table: Table | None = None
    charts: tuple[ChartRef, ...] = ()
    notes: tuple[str, ...] = ()
    ordered: bool = False  # the plain text numbers the rows (a ranking)


@dataclass(frozen=True)
class EmailView:
    """Everything a report email says, display-ready."""

    report: str  # customer | portfolio
    lang: str  # the html lang attribute
    subject: str
    confidentiality: str
    eyebrow: str  # report and period, above the heading
    heading: str
    heading_note: str  # the account's name in the other language
    subtitle: str
    sections: tuple[EmailSection, ...]  # key figures, trend, tiers, top accounts, risks
    footer: tuple[str, ...]  # attachment, provenance, privacy
    charts: tuple[ChartRef, ...]  # every chart, in the order they appear


def summary_names(summary: EmailSummary) -> dict[str, str]:
    """The account names the summary itself carries (as the data spells them)."""
    names = {a.account_id: a.name for a in (*summary.top_accounts, *summary.risks) if a.name}
    if summary.value is not None and summary.value.name:
        names[summary.value.account_id] = summary.value.name
    if summary.account_id and summary.name:
        names[summary.account_id] = summary.name
    return names


def email_display(
    fmt: Formatter, summary: EmailSummary, accounts: pd.DataFrame | None = None
) -> Display:
    """Display names of the accounts table in the email's language (the English name in
    English), else the names the summary carries."""
    names = summary_names(summary)
    if accounts is not None:
        names.update(account_names(accounts, fmt.locale))
    return Display(fmt, names)


def period(summary: EmailSummary, display: Display) -> str:
    return display.t("email.period", as_of=display.date(summary.as_of))


def subject(summary: EmailSummary, display: Display) -> str:
    """``<report>[: <account>] · <period> · <language>``."""
    t = display.t
    values = {
        "report": t(f"email.report.{summary.report}"),
        "period": period(summary, display),
        "language": t("email.language"),
    }
    if summary.report == "customer":
        account_id = str(summary.account_id)
        values.update(name=display.name(account_id), account_id=account_id)
    return t(f"email.subject_{summary.report}", **values)


def kpi_table(kpis: Sequence[KpiLine], display: Display) -> Table:
    t = display.t
    columns = (
        Column(t("kpi.metric")),
        Column(t("report.period_ltm"), numeric=True),
        Column(t("report.period_prior_ltm"), numeric=True),
        Column(t("report.growth"), numeric=True),
    )
    rows = tuple(
        Row(
            (
                Cell(t(f"kpi.{k.key}"), header=True),
                Cell(display.text(KPI_TEXT[k.kind], k.current), numeric=True),
                Cell(display.text(KPI_TEXT[k.kind], k.prior), numeric=True),
                display.change_cell(k.growth, "points" if k.kind == "percent" else "growth"),
            ),
            attrs=attrs(metric=k.key),
        )
        for k in kpis
    )
    return Table("kpis", columns, rows)


def tier_table(summary: EmailSummary, display: Display) -> Table:
    t = display.t
    columns = (
        Column(t("email.col.tier")),
        Column(t("email.col.accounts"), numeric=True),
        Column(t("email.col.revenue_ltm"), numeric=True),
        Column(t("email.col.share"), numeric=True),
    )
    rows = tuple(
        Row(
            (
                Cell(display.tier(line.tier), header=True),
                display.number_cell(line.accounts),
                display.money_cell(line.revenue_ltm),
                display.percent_cell(line.share),
            ),
            attrs=attrs(tier=line.tier),
        )
        for line in summary.tiers
    )
    return Table("tiers", columns, rows)


def top_table(accounts: Sequence[AccountLine], display: Display) -> Table:
    t = display.t
    columns = (
        Column(t("email.col.account")),
        Column(t("email.col.tier")),
        Column(t("email.col.revenue_ltm"), numeric=True),
        Column(t("report.growth"), numeric=True),
    )
    rows = tuple(
        Row(
            (
                Cell(display.name(a.account_id), header=True, note=a.account_id),
                Cell(display.tier(a.tier)),
                display.money_cell(a.revenue_ltm),
                display.change_cell(a.growth),
            ),
            attrs=attrs(account=a.account_id),
        )
        for a in accounts
    )
    return Table("top", columns, rows)


def risks_section(summary: EmailSummary, display: Display) -> EmailSection:
    t = display.t
    title = t("email.section.risks")
    if not summary.risks:
        return EmailSection("risks", title, notes=(t("email.no_risks"),))
    rows = tuple(
        Row(
            (
                Cell(display.name(r.account_id), header=True, note=r.account_id),
                Cell(display.flag_title(r.flag)),
                Cell(display.severity(r.severity), numeric=True, badge=r.severity),
            ),
            attrs=attrs(account=r.account_id, flag=r.flag),
        )
        for r in summary.risks
    )
    more = (t("email.risks_more", n=display.number(summary.risks_more)),)
    return EmailSection(
        "risks", title, Table("risks", (), rows), notes=more if summary.risks_more else ()
    )


def _header(
    summary: EmailSummary, display: Display, alt_names: Mapping[str, str]
) -> tuple[str, str, str]:
    """Heading, the heading's other-language name, subtitle."""
    t = display.t
    if summary.report != "customer":
        subtitle = t(
            "email.accounts",
            active=display.number(summary.accounts_active),
            total=display.number(summary.accounts_total),
        )
        return t("email.portfolio_title"), "", subtitle
    account_id = str(summary.account_id)
    parts = [account_id]
    value = summary.value
    if value is not None and value.tier:
        parts.append(display.tier(value.tier))
    if value is not None and value.score is not None:
        parts.append(t("email.score", score=display.number(value.score)))
    return display.name(account_id), alt_names.get(account_id, ""), " · ".join(parts)


def email_view(
    summary: EmailSummary,
    display: Display,
    *,
    confidentiality: str,
    data_hash: str,
    params_hash: str,
    version: str,
    attachment_note: str,
    charts: Sequence[EmailChart] = (),
    cids: Mapping[str, str] | None = None,
    alt_names: Mapping[str, str] | None = None,
) -> EmailView:
    """The email of ``summary``; ``charts`` are referenced by their Content-IDs ``cids``
    (chart name → id), ``alt_names`` give an account's name in the other language."""
    t = display.t
    cids = cids or {}
    refs = tuple(ChartRef(c.name, cids[c.name], c.alt, c.width, c.height) for c in charts)
    by_name = {c.name: c for c in refs}
    sections = [EmailSection("kpis", t("email.section.kpis"), kpi_table(summary.kpis, display))]
    if "trend" in by_name:
        sections.append(EmailSection("trend", t("email.section.trend"), charts=(by_name["trend"],)))
    if summary.tiers:
        tiers_chart = (by_name["tiers"],) if "tiers" in by_name else ()
        sections.append(
            EmailSection(
                "tiers",
                t("email.section.tiers"),
                tier_table(summary, display),
                charts=tiers_chart,
            )
        )
    if summary.top_accounts:
        top = summary.top_accounts
        sections.append(
            EmailSection(
                "top",
                t("email.section.top", n=display.number(len(top))),
                top_table(top, display),
                ordered=True,
            )
        )
    sections.append(risks_section(summary, display))
    heading, heading_note, subtitle = _header(summary, display, alt_names or {})
    footer = (
        attachment_note,
        t(
            "email.footer",
            as_of=display.date(summary.as_of),
            data_hash=data_hash[:12],
            params_hash=params_hash[:12],
            version=version,
        ),
        t("email.privacy"),
    )
    return EmailView(
        report=summary.report,
        lang=display.fmt.html_lang,
        subject=subject(summary, display),
        confidentiality=confidentiality,
        eyebrow=f"{t(f'email.report.{summary.report}')} · {period(summary, display)}",
        heading=heading,
        heading_note=heading_note,
        subtitle=subtitle,
        sections=tuple(sections),
        footer=footer,
        charts=refs,
    )


__all__ = [
    "ChartRef",
    "EmailSection",
    "EmailView",
    "email_display",
    "email_view",
    "subject",
    "summary_names",
]
