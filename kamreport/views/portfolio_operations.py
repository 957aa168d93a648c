"""The follow-up sections of the portfolio view: retention and risk, receivables and
data quality.

Each builder turns one part of a :class:`~kamreport.analytics.portfolio.PortfolioReview`
into display-ready text; what is sorted, capped, summed or divided is decided here,
so the templates only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kamreport.views.blocks import Cell, ChartView, Kpi, Line, Row, Table, attrs
from kamreport.views.coverage import coverage_note, not_covered
from kamreport.views.portfolio_parts import Context, Part, bar_width


@dataclass(frozen=True)
class RetentionSection:
    """Revenue by risk level, the flagged accounts with their reasons, the lost accounts."""

    levels: Part
    at_risk: Part
    lost: Part


@dataclass(frozen=True)
class ReceivablesSection:
    """Open and overdue receivables, aging by account, this month's collection, DSO."""

    kpis: tuple[Kpi, ...] = ()
    aging: Part | None = None
    progress: Part | None = None
    dso_title: str = ""
    dso: ChartView | None = None
    dso_empty: str = ""
    no_data: str = ""


@dataclass(frozen=True)
class QualitySection:
    """The comparisons the data does not cover, likely duplicate accounts and the warnings
    found when the data was loaded."""

    duplicates: Part
    warnings_title: str
    coverage: str = ""  # the comparisons left out because the data starts too late
    warnings: tuple[Line, ...] = ()
    warnings_more: str = ""
    warnings_empty: str = ""


def retention(ctx: Context) -> RetentionSection:
    """Revenue at risk, the flagged accounts with the shared flag sentences, lost accounts."""
    r, d, t = ctx.review, ctx.display, ctx.t
    levels = tuple(
        Row(
            (
                Cell(d.severity(str(level)), header=True, badge=str(level)),
                d.number_cell(row["accounts"]),
                d.money_cell(row["revenue_ltm"]),
                d.percent_cell(row["share"]),
            ),
            attrs=attrs(level=level),
        )
        for level, row in r.risk_levels.iterrows()
    )
    level_columns = ctx.columns(
        "portfolio.retention.level",
        "portfolio.col.accounts",
        "portfolio.col.revenue_ltm",
        "portfolio.col.share",
        numeric=(1, 2, 3),
    )
    return RetentionSection(
        levels=Part(t("portfolio.retention.levels"), Table("risk-levels", level_columns, levels)),
        at_risk=_at_risk(ctx),
        lost=_lost(ctx),
    )


def flag_reasons(ctx: Context) -> dict[str, tuple[str, ...]]:
    """Each flagged account's flags as sentences with their numbers, in flag order."""
    out: dict[str, list[str]] = {}
    for row in ctx.review.flags.itertuples(index=False):
        reason = ctx.display.flag_reason(
            row.code, row.value, row.threshold, row.baseline, ctx.params.risk
        )
        out.setdefault(str(row.account_id), []).append(reason)
    return {account_id: tuple(reasons) for account_id, reasons in out.items()}


def _at_risk(ctx: Context) -> Part:
    d, t = ctx.display, ctx.t
    title = t("portfolio.retention.at_risk")
    if not len(ctx.review.at_risk):
        return Part(title, empty=t("portfolio.retention.no_flags"))
    reasons = flag_reasons(ctx)

    def cells(account_id: str, row: pd.Series) -> tuple[Cell, ...]:
        return (
            ctx.account(account_id),
            Cell(d.severity(row["severity"]), badge=str(row["severity"])),
            d.money_cell(row["revenue_ltm"]),
            Cell(items=reasons.get(account_id, ())),
        )

    rows, more = ctx.account_rows(ctx.review.at_risk, ctx.rows, cells)
    columns = ctx.columns(
        "portfolio.col.account",
        "portfolio.retention.level",
        "portfolio.col.revenue_ltm",
        "portfolio.retention.flags",
        numeric=(2,),
    )
    return Part(title, Table("at-risk", columns, rows, more=more, css="risks"))


def _lost(ctx: Context) -> Part:
    d, t = ctx.display, ctx.t
    title = t("portfolio.retention.lost")
    if ctx.review.bridge is None:  # lost since the prior LTM: not known without it
        return Part(title, empty=not_covered(d, ctx.review.coverage))
    if not len(ctx.review.lost):
        return Part(title, empty=t("portfolio.retention.none_lost"))

    def cells(account_id: str, row: pd.Series) -> tuple[Cell, ...]:
        return ctx.account(account_id), d.money_cell(row["prior"]), Cell(d.date(row["last_order"]))

    rows, more = ctx.account_rows(ctx.review.lost, ctx.rows, cells)
    columns = ctx.columns(
        "portfolio.col.account",
        "portfolio.col.prior_ltm",
        "portfolio.retention.last_order",
        numeric=(1,),
    )
    return Part(title, Table("lost", columns, rows, more=more))


def _accounts(frame: pd.DataFrame) -> int:
    """Accounts in a per-account table, or in a table of groups (its members column)."""
    return int(frame["members"].sum()) if "members" in frame else len(frame)


def receivables(ctx: Context, chart: ChartView | None) -> ReceivablesSection:
    """Open and overdue receivables, most overdue accounts first."""
    r, d, t = ctx.review, ctx.display, ctx.t
    a = r.aging
    if a is None:
        return ReceivablesSection(no_data=t("portfolio.no_data.invoices"))
    open_total = float(a["open_amount"].sum())
    overdue = float(a["overdue_amount"].sum())
    dso_now = r.dso["dso"].iloc[-1] if r.dso is not None and len(r.dso) else None
    kpis = (
        Kpi(
            t("portfolio.receivables.open"),
            d.money(open_total, compact=True),
            t("portfolio.receivables.accounts", count=d.number(_accounts(a))),
        ),
        Kpi(
            t("portfolio.receivables.overdue"),
            d.money(overdue, compact=True),
            t("portfolio.receivables.of_open", share=d.ratio(overdue, open_total)),
        ),
        Kpi(
            t("portfolio.receivables.over_60"),
            d.money(float(a["d61_90"].sum() + a["d90_plus"].sum()), compact=True),
        ),
        Kpi(t("portfolio.receivables.dso"), d.number(dso_now), t("portfolio.receivables.days")),
    )
    buckets = ("open_amount", "not_due", "d1_30", "d31_60", "d61_90", "d90_plus")

    def cells(account_id: str, row: pd.Series) -> tuple[Cell, ...]:
        return (
            ctx.account(account_id),
            *(d.money_cell(row[b]) for b in buckets),
            d.number_cell(row["max_days_overdue"]),
        )

    rows, more = ctx.account_rows(a, ctx.rows, cells)
    columns = ctx.columns(
        "portfolio.col.account",
        "portfolio.receivables.open",
        "portfolio.receivables.not_due",
        "1–30",
        "31–60",
        "61–90",
        "90+",
        "portfolio.receivables.max_days",
        numeric=range(1, 8),
    )
    return ReceivablesSection(
        kpis=kpis,
        aging=Part(
            t("portfolio.receivables.aging"),
            Table("aging", columns, rows, more=more),
            intro=ctx.grouped,
            note=t("portfolio.receivables.aging_note"),
        ),
        progress=_progress(ctx),
        dso_title=t("portfolio.receivables.dso_trend"),
        dso=chart,
        dso_empty="" if chart else t("common.no_data"),
    )


def _progress(ctx: Context) -> Part:
    """What fell due this month and how much of it is collected (回款进度表)."""
    r, d, t = ctx.review, ctx.display, ctx.t
    title = t("portfolio.receivables.progress", month=d.month(r.as_of))
    progress = r.progress
    if progress is None or not len(progress):
        return Part(title, empty=t("portfolio.receivables.nothing_due"))
    lead = t(
        "portfolio.receivables.progress_total",
        due=d.money(progress["due"].sum()),
        collected=d.money(progress["collected"].sum()),
        rate=d.percent(r.progress_rate),
    )

    def cells(account_id: str, row: pd.Series) -> tuple[Cell, ...]:
        return (
            ctx.account(account_id),
            d.money_cell(row["due"]),
            d.money_cell(row["collected"]),
            d.money_cell(row["outstanding"]),
            d.percent_cell(row["rate"]),
            Cell(bar=bar_width(row["rate"], 1)),
        )

    rows, more = ctx.account_rows(progress, ctx.rows, cells)
    columns = ctx.columns(
        "portfolio.col.account",
        "portfolio.receivables.due",
        "portfolio.receivables.collected",
        "portfolio.receivables.outstanding",
        "portfolio.receivables.rate",
        "",
        numeric=(1, 2, 3, 4),
    )
    table = Table("collection-progress", columns, rows, more=more, css="bars")
    return Part(title, table, lead=lead)


def quality(ctx: Context) -> QualitySection:
    """What leadership should know about the data itself."""
    r, d, t = ctx.review, ctx.display, ctx.t
    dup = r.duplicates
    title = t("portfolio.quality.duplicates")
    if len(dup):
        rows = tuple(
            Row(
                (
                    Cell(str(row.name_a), note=str(row.account_a)),
                    Cell(str(row.name_b), note=str(row.account_b)),
                    d.percent_cell(row.similarity, 0),
                ),
                attrs=attrs(pair=f"{row.account_a}-{row.account_b}"),
            )
            for row in dup.head(ctx.rows).itertuples(index=False)
        )
        columns = ctx.columns(
            "portfolio.col.account",
            "portfolio.quality.possible_duplicate",
            "portfolio.quality.similarity",
            numeric=(2,),
        )
        duplicates = Part(
            title,
            Table("duplicates", columns, rows, more=d.cap_note(ctx.rows, len(dup))),
            note=t("portfolio.quality.duplicates_note"),
        )
    else:
        duplicates = Part(title, empty=t("portfolio.quality.no_duplicates"))
    limit = ctx.rows * 2
    return QualitySection(
        coverage=coverage_note(d, r.coverage),
        duplicates=duplicates,
        warnings_title=t("portfolio.quality.warnings"),
        warnings=tuple(Line(str(w), tone=w.severity) for w in r.warnings[:limit]),
        warnings_more=d.cap_note(limit, len(r.warnings)),
        warnings_empty="" if r.warnings else t("portfolio.quality.no_warnings"),
    )


__all__ = [
    "QualitySection",
    "ReceivablesSection",
    "RetentionSection",
    "flag_reasons",
    "quality",
    "receivables",
    "retention",
]
