"""The revenue sections of the portfolio view: segments, the revenue bridge and
customer lifetime value.

Each builder turns one part of a :class:`~kamreport.analytics.portfolio.PortfolioReview`
into display-ready text; what is sorted, capped, summed or divided is decided here,
so the templates only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.segments import UNKNOWN
from kamreport.analytics.valuation import clv_choice
from kamreport.views.blocks import Cell, ChartView, Kpi, Row, Table, attrs
from kamreport.views.coverage import not_covered, not_covered_cell
from kamreport.views.portfolio_parts import Context, Part
from kamreport.views.value_basis import clv_margin_note, no_lifetime_value, with_assumed_margin


@dataclass(frozen=True)
class SegmentsSection:
    """One table per segment dimension (region, country, industry…)."""

    parts: tuple[Part, ...] = ()
    no_data: str = ""


@dataclass(frozen=True)
class BridgeSection:
    """The revenue bridge: chart, components, the largest movers and the new accounts."""

    chart: ChartView | None = None
    table: Table | None = None
    definition: str = ""
    movers: tuple[Part, ...] = ()  # largest growth, largest decline
    new: Part | None = None
    no_data: str = ""


@dataclass(frozen=True)
class ValueSection:
    """Customer lifetime value: totals, its distribution and the accounts holding most."""

    kpis: tuple[Kpi, ...] = ()
    chart: ChartView | None = None
    top: Part | None = None
    no_data: str = ""


def segments(ctx: Context) -> SegmentsSection:
    """Revenue, growth and margin by each segment dimension, largest segment first."""
    r, d, t = ctx.review, ctx.display, ctx.t
    if r.revenue_ltm <= 0 and r.revenue_prior_ltm <= 0:
        return SegmentsSection(no_data=t("portfolio.no_data.revenue"))
    columns = ctx.columns(
        "portfolio.segments.segment",
        "portfolio.col.revenue_ltm",
        "portfolio.col.share",
        "portfolio.col.growth",
        "portfolio.col.gross_margin",
        "portfolio.col.margin_pct",
        "portfolio.col.active_accounts",
        numeric=range(1, 7),
    )
    covered = r.coverage.covered("ltm")
    parts = []
    for dim, table in r.segments.items():
        title = t(f"portfolio.segments.{dim}")
        if not len(table):
            parts.append(Part(title, empty=t("portfolio.no_data.segment")))
            continue
        if (table.index == UNKNOWN).all():  # e.g. no region column: not "n/a 100%"
            parts.append(Part(title, empty=t("portfolio.no_data.segment_unknown")))
            continue
        rows = tuple(
            Row(
                (
                    Cell(d.na if seg == UNKNOWN else d.value(dim, seg), header=True),
                    d.money_cell(row["revenue_ltm"]),
                    d.percent_cell(row["share"]),
                    d.change_cell(row["growth"]) if covered else not_covered_cell(d, r.coverage),
                    d.money_cell(row["gross_margin_ltm"]),
                    d.percent_cell(row["margin_pct"]),
                    d.number_cell(row["accounts"]),
                ),
                attrs=attrs(segment=seg),
            )
            for seg, row in table.head(ctx.rows).iterrows()
        )
        more = d.cap_note(ctx.rows, len(table))
        parts.append(Part(title, Table(f"segment-{dim}", columns, rows, more=more)))
    return SegmentsSection(tuple(parts))


def bridge(ctx: Context, chart: ChartView | None) -> BridgeSection:
    """From the prior 12 months' revenue to the last 12 months', component by component."""
    r, d, t = ctx.review, ctx.display, ctx.t
    b = r.bridge
    if b is None:  # new, lost, grown or shrunk: all need the prior LTM
        return BridgeSection(no_data=not_covered(d, r.coverage))
    if not (b.prior_total or b.current_total):
        return BridgeSection(no_data=t("portfolio.no_data.revenue"))
    rows = (
        Row(
            (Cell(t("portfolio.bridge.prior"), header=True), Cell(), d.money_cell(b.prior_total)),
            attrs=attrs(component="prior"),
        ),
        *(
            Row(
                (
                    Cell(t(f"portfolio.bridge.{c}"), header=True),
                    d.number_cell(b.counts[c]),
                    d.money_cell(amount),
                ),
                attrs=attrs(component=c),
            )
            for c, amount in b.components.items()
        ),
        Row(
            (
                Cell(t("portfolio.bridge.current"), header=True, strong=True),
                Cell(),
                Cell(d.money(b.current_total), numeric=True, strong=True),
            ),
            attrs=attrs(component="current"),
        ),
    )
    columns = ctx.columns(
        "portfolio.bridge.component",
        "portfolio.col.accounts",
        "portfolio.col.amount",
        numeric=(1, 2),
    )
    accounts = b.accounts
    movers = tuple(
        _movers(
            ctx,
            cat,
            accounts[accounts["category"] == cat].sort_values(
                "change", ascending=ascending, kind="stable"
            ),
        )
        for cat, ascending in (("growth", False), ("decline", True))
    )
    new = accounts[accounts["category"] == "new"].sort_values(
        "current", ascending=False, kind="stable"
    )
    return BridgeSection(
        chart=chart,
        table=Table("bridge", columns, rows),
        definition=t("portfolio.bridge.definition"),
        movers=movers,
        new=_new_accounts(ctx, new),
    )


def _movers(ctx: Context, category: str, part: pd.DataFrame) -> Part:
    """The continuing accounts that grew (or declined) most."""
    d, t = ctx.display, ctx.t
    title = t(f"portfolio.bridge.top_{category}")
    if not len(part):
        return Part(title, empty=t("portfolio.bridge.none"))

    def cells(account_id: str, row: pd.Series) -> tuple[Cell, ...]:
        return (
            ctx.account(account_id),
            d.money_cell(row["prior"], compact=True),
            d.money_cell(row["current"], compact=True),
            d.change_cell(row["current"] / row["prior"] - 1 if row["prior"] else None),
        )

    rows, more = ctx.account_rows(part, ctx.rows // 2, cells)
    columns = ctx.columns(
        "portfolio.col.account",
        "portfolio.col.prior_ltm",
        "portfolio.col.revenue_ltm",
        "portfolio.col.change",
        numeric=(1, 2, 3),
    )
    return Part(title, Table(f"bridge-{category}", columns, rows, more=more))


def _new_accounts(ctx: Context, new: pd.DataFrame) -> Part:
    d, t = ctx.display, ctx.t
    title = t("portfolio.bridge.new_accounts")
    if not len(new):
        return Part(title, empty=t("portfolio.bridge.none"))

    def cells(account_id: str, row: pd.Series) -> tuple[Cell, ...]:
        return ctx.account(account_id), d.money_cell(row["current"])

    rows, more = ctx.account_rows(new, ctx.rows // 2, cells)
    columns = ctx.columns("portfolio.col.account", "portfolio.col.revenue_ltm", numeric=(1,))
    return Part(title, Table("bridge-new", columns, rows, more=more))


def value(ctx: Context, chart: ChartView | None) -> ValueSection:
    """The portfolio's lifetime value and the accounts holding most of it."""
    r, d, t = ctx.review, ctx.display, ctx.t
    v = r.values
    choice = clv_choice(v)
    if no_lifetime_value(choice):  # no costs and no assumed margin: say why and what to set
        return ValueSection(no_data=clv_margin_note(d, choice))
    if not (v["clv"] > 0).any():
        return ValueSection(no_data=t("portfolio.no_data.clv"))
    total = float(v["clv"].sum())
    flagged = float(v.loc[v.index.isin(r.at_risk.index), "clv"].sum())
    kpis = (
        Kpi(
            with_assumed_margin(d, t("portfolio.value.total"), choice),
            d.money(total, compact=True),
            t("portfolio.value.horizon", months=d.number(ctx.params.clv.horizon_months)),
        ),
        Kpi(t("portfolio.value.key_share"), d.ratio(v.loc[v["tier"] == "key", "clv"].sum(), total)),
        Kpi(
            t("portfolio.value.at_stake"),
            d.money(flagged, compact=True),
            t("portfolio.value.of_total", share=d.ratio(flagged, total)),
        ),
    )
    severity = r.at_risk["severity"]

    def cells(account_id: str, row: pd.Series) -> tuple[Cell, ...]:
        level = str(severity.get(account_id, "none"))
        return (
            ctx.account(account_id),
            d.money_cell(row["clv"]),
            Cell(
                f"{d.money(row['clv_low'], compact=True)}–{d.money(row['clv_high'], compact=True)}"
                if "clv_low" in row and pd.notna(row["clv_low"]) and pd.notna(row["clv_high"])
                else d.na,
                numeric=True,
            ),
            d.percent_cell(row["p_alive"]),
            d.money_cell(row["revenue_ltm"]),
            Cell(d.tier(row["tier"])),
            Cell(d.severity(level), badge=level),
        )

    ranked = v.sort_values("clv", ascending=False, kind="stable")
    rows, more = ctx.account_rows(ranked, ctx.rows, cells)
    columns = ctx.columns(
        "portfolio.col.account",
        with_assumed_margin(d, t("portfolio.value.clv"), choice),
        t("portfolio.value.range", level=d.percent(ctx.params.clv.interval_level, 0)),
        "portfolio.value.p_alive",
        "portfolio.col.revenue_ltm",
        "portfolio.tiers.tier",
        "portfolio.retention.level",
        numeric=(1, 2, 3, 4),
    )
    top = Part(
        t("portfolio.value.most"),
        Table("clv", columns, rows, more=more),
        intro=clv_margin_note(d, choice),
        note=t("portfolio.value.definition"),
    )
    return ValueSection(kpis, chart, top)


__all__ = [
    "BridgeSection",
    "SegmentsSection",
    "ValueSection",
    "bridge",
    "segments",
    "value",
]
