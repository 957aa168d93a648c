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
from kamreport.views.blocks import Cell, Change, Column, Row, Table, attrs
from kamreport.views.coverage import coverage_note, not_covered
from kamreport.views.display import Display, account_names

if TYPE_CHECKING:
    from kamreport.mail.changes import Changes
    from kamreport.mail.charts import EmailChart
    from kamreport.mail.digest import DigestSummary
    from kamreport.mail.summary import AccountLine, AttentionLine, EmailSummary, KpiLine

# How each kind of headline figure reads (kamreport.views.display.Display.text).
KPI_TEXT = {"money": "money_full", "percent": "percent", "number": "number"}
# The digest lists a manager's largest accounts up to this many (the email stays small).
MAX_DIGEST_ACCOUNTS = 30


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
    marks: tuple[str, str, str] = (" (", ")", ": ")  # plain text: brackets and colon


def text_marks(display: Display) -> tuple[str, str, str]:
    """The plain text's brackets and colon in the email's language (full-width in Chinese)."""
    t = display.t
    return t("email.marks.open"), t("email.marks.close"), t("email.marks.colon")


def summary_names(summary: EmailSummary) -> dict[str, str]:
    """The account names the summary itself carries (as the data spells them)."""
    lines = (*summary.top_accounts, *summary.risks, *summary.attention, *_change_lines(summary))
    names = {a.account_id: a.name for a in lines if a.name}
    if summary.value is not None and summary.value.name:
        names[summary.value.account_id] = summary.value.name
    if summary.account_id and summary.name:
        names[summary.account_id] = summary.name
    return names


def _change_lines(summary: EmailSummary) -> tuple:
    c = summary.changes
    if c is None:
        return ()
    return (*c.new_high_flags, *c.tier_changes, *c.movers, *c.targets_at_risk)


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


def _not_covered(summary: EmailSummary, display: Display) -> str:
    """ "n/a — data starts <date>" when the data does not cover the prior LTM, else ""."""
    c = summary.coverage
    return not_covered(display, c) if c is not None and not c.covered("ltm") else ""


def year_on_year(display: Display, growth: float | None, na: str = "") -> str:
    """A year-on-year change in words: "up 2.5% year on year", 同比增长2.5%; ``na`` when the
    data does not cover the year before."""
    if na:
        return na
    if growth is None:
        return display.t("email.yoy_na")
    shown = display.percent(abs(growth))
    if shown == display.percent(0.0):
        return display.t("email.yoy_flat")
    return display.t("email.yoy_up" if growth > 0 else "email.yoy_down", growth=shown)


def subject(summary: EmailSummary, display: Display) -> str:
    """Customer: ``<report>: <account> · <period> · <language>``; portfolio: the headline
    numbers (revenue, attainment and forecast against the target, when there are targets)."""
    t = display.t
    values = {
        "report": t(f"email.report.{summary.report}"),
        "period": period(summary, display),
        "language": t("email.language"),
    }
    if summary.report == "customer":
        account_id = str(summary.account_id)
        values.update(name=display.name(account_id), account_id=account_id)
        return t("email.subject_customer", **values)
    values["date"] = display.date(summary.as_of)
    totals = summary.targets
    if totals is not None:
        return t(
            "email.subject_portfolio_targets",
            **values,
            revenue=display.money(totals.revenue_ytd, compact=True),
            attainment=display.ratio(totals.revenue_ytd, totals.target_ytd),
            forecast=display.ratio(totals.forecast_fy, totals.target_fy),
        )
    revenue = next((k for k in summary.kpis if k.key == "revenue"), None)
    return t(
        "email.subject_portfolio",
        **values,
        revenue=display.money(revenue.current if revenue else None, compact=True),
        change=year_on_year(
            display, revenue.growth if revenue else None, _not_covered(summary, display)
        ),
    )


def targets_section(summary: EmailSummary, display: Display) -> EmailSection:
    """Attainment year to date, the year-end forecast against the full-year target and the
    overdue receivables, worded and rounded as the portfolio report shows them."""
    t, d = display.t, display
    rows: list[Row] = []
    notes: list[str] = []
    totals = summary.targets
    if totals is None:
        notes.append(t("email.no_targets", year=summary.as_of.year))
    else:
        for key, value, note in (
            ("revenue_ytd", d.money(totals.revenue_ytd, compact=True),
             t("portfolio.targets.target_is", target=d.money(totals.target_ytd, compact=True))),
            ("attainment_ytd", d.ratio(totals.revenue_ytd, totals.target_ytd), ""),
            ("forecast", d.money(totals.forecast_fy, compact=True),
             t("portfolio.targets.target_fy_is",
               target=d.money(totals.target_fy, compact=True))),
            ("forecast_attainment", d.ratio(totals.forecast_fy, totals.target_fy), ""),
        ):  # fmt: skip
            rows.append(
                Row(
                    (
                        Cell(t(f"portfolio.targets.{key}"), header=True),
                        Cell(value, numeric=True, note=note),
                    ),
                    attrs=attrs(metric=key),
                )
            )
        notes.append(t("email.targets_note", year=summary.as_of.year, n=d.number(totals.accounts)))
        notes.append(t("portfolio.targets.definition"))
    money = summary.receivables
    if money is None:
        notes.append(t("email.no_invoices"))
    else:
        share = t("email.overdue_share", share=d.ratio(money.overdue, money.open_amount))
        rows.append(
            Row(
                (
                    Cell(t("email.overdue"), header=True),
                    Cell(d.money(money.overdue, compact=True), numeric=True, note=share),
                ),
                attrs=attrs(metric="overdue"),
            )
        )
    table = Table("targets", (), tuple(rows)) if rows else None
    return EmailSection("targets", t("email.section.targets"), table, notes=tuple(notes))


def _signed_money(display: Display, amount: float) -> Change:
    shown = display.signed_money(amount, compact=True)
    if round(amount) > 0:
        return Change(f"▲ {shown}", "up")
    if round(amount) < 0:
        return Change(f"▼ {shown}", "down")
    return Change(shown)


def changes_section(
    changes: Changes, display: Display, *, since_key: str, title_key: str
) -> EmailSection:
    """What changed since the last email (``since_key``, ``title_key``: the wording of an
    email or of a digest)."""
    t, d = display.t, display
    title = t(title_key)
    if changes.first:
        return EmailSection("changes", title, notes=(t("email.changes.first"),))
    since = t(since_key, date=d.date(changes.since))
    risk_note = t(
        "email.changes.at_risk_total",
        n=d.number(changes.at_risk_total),
        threshold=d.percent(changes.threshold, 0),
    )
    if changes.nothing:
        return EmailSection("changes", title, notes=(since, t("email.changes.none"), risk_note))
    rows: list[Row] = []

    def row(account_id: str, kind: str, text: str, figure: Cell | None = None) -> None:
        cells = (Cell(d.name(account_id), header=True, note=d.id_note(account_id)), Cell(text))
        figure = figure or Cell(numeric=True)  # only movers have a figure
        rows.append(Row((*cells, figure), attrs=attrs(account=account_id, change=kind)))

    for f in changes.new_high_flags:
        row(f.account_id, "flag", t("email.changes.flag", flag=d.flag_title(f.flag)))
    for c in changes.tier_changes:
        row(c.account_id, "tier",
            t("email.changes.tier", before=d.tier(c.before), after=d.tier(c.after)))  # fmt: skip
    for m in changes.movers:
        text = t(
            "email.changes.mover",
            before=d.money(m.before, compact=True),
            after=d.money(m.after, compact=True),
        )
        row(m.account_id, "mover", text, Cell(numeric=True, change=_signed_money(d, m.change)))
    for r in changes.targets_at_risk:
        row(r.account_id, "target",
            t("email.changes.target", forecast=d.percent(r.forecast_attainment)))  # fmt: skip
    notes = [since]
    shown = {
        "new_high_flags": len(changes.new_high_flags),
        "tier_changes": len(changes.tier_changes),
        "movers": len(changes.movers),
        "targets_at_risk": len(changes.targets_at_risk),
    }
    for kind in ("new_high_flags", "tier_changes", "targets_at_risk"):
        hidden = changes.totals.get(kind, 0) - shown[kind]
        if hidden > 0:
            notes.append(t(f"email.changes.more.{kind}", n=d.number(hidden)))
    notes.append(risk_note)
    return EmailSection("changes", title, Table("changes", (), tuple(rows)), notes=tuple(notes))


def attention_section(
    lines: Sequence[AttentionLine],
    more: int,
    display: Display,
    *,
    scope_key: str,
    more_key: str = "email.attention_more",
) -> EmailSection:
    """The flagged accounts, money at stake first (``scope_key``: which accounts it covers)."""
    t, d = display.t, display
    title = t("email.section.attention")
    scope = t(scope_key)
    if not lines:
        return EmailSection("attention", title, notes=(scope, t("email.no_risks")))
    columns = (
        Column(t("email.col.account")),
        Column(t("email.col.level")),
        Column(t("email.col.at_stake"), numeric=True),
        Column(t("email.col.flags")),
    )
    rows = tuple(
        Row(
            (
                Cell(
                    d.name(a.account_id),
                    header=True,
                    note=" · ".join(
                        x for x in (d.id_note(a.account_id), d.tier(a.tier) if a.tier else "") if x
                    ),
                ),
                Cell(d.severity(a.severity), badge=a.severity),
                d.money_cell(a.at_stake, compact=True),
                Cell(t("email.list_separator").join(d.flag_title(f) for f in a.flags)),
            ),
            attrs=attrs(account=a.account_id, severity=a.severity),
        )
        for a in lines
    )
    notes = [scope]
    if more:
        notes.append(t(more_key, n=d.number(more)))
    return EmailSection("attention", title, Table("attention", columns, rows), notes=tuple(notes))


def kpi_table(kpis: Sequence[KpiLine], display: Display, na: str = "") -> Table:
    """The headline figures, LTM against the prior LTM; ``na`` instead of every change when
    the data does not cover the prior LTM."""
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
                Cell(na, numeric=True)
                if na
                else display.change_cell(k.growth, "points" if k.kind == "percent" else "growth"),
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
    told = coverage_note(display, summary.coverage) if summary.coverage is not None else ""
    kpis = EmailSection(
        "kpis",
        t("email.section.kpis"),
        kpi_table(summary.kpis, display, _not_covered(summary, display)),
        notes=(told,) if told else (),
    )
    sections = [kpis]
    if summary.report == "portfolio":
        # what needs attention first, then the figures and what changed
        attention = attention_section(
            summary.attention, summary.attention_more, display, scope_key="email.scope_all"
        )
        sections = [attention, kpis, targets_section(summary, display)]
        if summary.changes is not None:
            sections.append(
                changes_section(
                    summary.changes,
                    display,
                    since_key="email.changes.since",
                    title_key="email.section.changes",
                )
            )
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
    if summary.report != "portfolio":
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
        confidentiality=display.fmt.confidentiality(confidentiality),
        eyebrow=f"{t(f'email.report.{summary.report}')} · {period(summary, display)}",
        heading=heading,
        heading_note=heading_note,
        subtitle=subtitle,
        sections=tuple(sections),
        footer=footer,
        charts=refs,
        marks=text_marks(display),
    )


# --- the KA manager's digest -------------------------------------------------------


def digest_display(
    fmt: Formatter, digest: DigestSummary, accounts: pd.DataFrame | None = None
) -> Display:
    """Account names in the digest's language (as :func:`email_display`)."""
    lines = (*digest.accounts, *digest.actions, *digest.activities, *digest.attention)
    names = {a.account_id: a.name for a in lines if a.name}
    if accounts is not None:
        names.update(account_names(accounts, fmt.locale))
    return Display(fmt, names)


def digest_subject(digest: DigestSummary, display: Display) -> str:
    """Manager, date, and how many actions are due and overdue."""
    d = display
    due = len(digest.actions) + digest.actions_more - digest.overdue
    return d.t(
        "email.digest.subject",
        manager=digest.manager,
        date=d.date(digest.as_of),
        due=d.number(due),
        overdue=d.number(digest.overdue),
    )


def actions_section(digest: DigestSummary, display: Display) -> EmailSection:
    """Open plan items due in the window, and the overdue ones."""
    t, d = display.t, display
    title = t("email.digest.section.actions")
    window = t(
        "email.digest.window",
        until=d.date(digest.until),
        days=d.number((digest.until - digest.as_of).days),
    )
    if not digest.has_plans:
        return EmailSection("actions", title, notes=(t("email.digest.no_plans"),))
    if not digest.actions:
        return EmailSection("actions", title, notes=(window, t("email.digest.no_actions")))
    columns = (
        Column(t("email.col.account")),
        Column(t("email.digest.col.action")),
        Column(t("email.digest.col.due"), numeric=True),
        Column(t("email.digest.col.state"), numeric=True),
    )
    rows = []
    for a in digest.actions:
        if a.overdue:
            state = Cell(t("email.digest.overdue", n=d.number(-a.days)), numeric=True, badge="high")
        elif a.days == 0:
            state = Cell(t("email.digest.due_today"), numeric=True, badge="medium")
        else:
            state = Cell(t("email.digest.due_in", n=d.number(a.days)), numeric=True)
        rows.append(
            Row(
                (
                    Cell(d.name(a.account_id), header=True, note=a.account_id),
                    Cell(a.title, note=a.owner or ""),
                    Cell(d.date(a.due_date), numeric=True),
                    state,
                ),
                attrs=attrs(account=a.account_id, overdue="yes" if a.overdue else "no"),
            )
        )
    notes = [window]
    if digest.actions_more:
        notes.append(t("email.digest.actions_more", n=d.number(digest.actions_more)))
    return EmailSection(
        "actions", title, Table("actions", columns, tuple(rows)), notes=tuple(notes)
    )


def activities_section(digest: DigestSummary, display: Display) -> EmailSection:
    t, d = display.t, display
    title = t("email.digest.section.activities")
    if not digest.activities:
        return EmailSection("activities", title, notes=(t("email.digest.no_activities"),))
    columns = (
        Column(t("email.col.account")),
        Column(t("email.digest.col.activity")),
        Column(t("email.digest.col.date"), numeric=True),
    )
    rows = tuple(
        Row(
            (
                Cell(d.name(a.account_id), header=True, note=a.account_id),
                Cell(d.value("activity", a.kind)),
                Cell(d.date(a.date), numeric=True),
            ),
            attrs=attrs(account=a.account_id),
        )
        for a in digest.activities
    )
    return EmailSection("activities", title, Table("activities", columns, rows))


def digest_view(
    digest: DigestSummary,
    display: Display,
    *,
    confidentiality: str,
    data_hash: str,
    params_hash: str,
    version: str,
) -> EmailView:
    """The digest of one KA manager: actions due, activities planned, what changed,
    the accounts that need attention, and all their accounts."""
    t, d = display.t, display
    sections = [actions_section(digest, display), activities_section(digest, display)]
    if digest.changes is not None:
        sections.append(
            changes_section(
                digest.changes,
                display,
                since_key="email.digest.since",
                title_key="email.digest.section.changes",
            )
        )
    sections.append(
        attention_section(
            digest.attention,
            digest.attention_more,
            display,
            scope_key="email.digest.scope",
            more_key="email.digest.attention_more",
        )
    )
    if digest.accounts:
        shown = digest.accounts[:MAX_DIGEST_ACCOUNTS]
        more = len(digest.accounts) - len(shown)
        sections.append(
            EmailSection(
                "accounts",
                t("email.digest.section.accounts", n=d.number(len(digest.accounts))),
                top_table(shown, display),
                notes=(t("email.digest.accounts_more", n=d.number(more)),) if more else (),
                ordered=True,
            )
        )
    footer = (
        t(
            "email.footer",
            as_of=d.date(digest.as_of),
            data_hash=data_hash[:12],
            params_hash=params_hash[:12],
            version=version,
        ),
        t("email.digest.footer"),
    )
    return EmailView(
        report="digest",
        lang=d.fmt.html_lang,
        subject=digest_subject(digest, display),
        confidentiality=d.fmt.confidentiality(confidentiality),
        eyebrow=f"{t('email.report.digest')} · {d.date(digest.as_of)}",
        heading=t("email.digest.heading", manager=digest.manager),
        heading_note="",
        subtitle=t("email.digest.subtitle", n=d.number(len(digest.accounts))),
        sections=tuple(sections),
        footer=footer,
        charts=(),
        marks=text_marks(display),
    )


__all__ = [
    "ChartRef",
    "EmailSection",
    "EmailView",
    "digest_display",
    "digest_subject",
    "digest_view",
    "email_display",
    "email_view",
    "subject",
    "summary_names",
]
