"""The team sections of the portfolio view: targets and the KA manager scorecards.

Each builder turns one part of a :class:`~kamreport.analytics.portfolio.PortfolioReview`
into display-ready text; what is sorted, capped, summed or divided is decided here,
so the templates only lay it out.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.targets import RECENT_MONTHS
from kamreport.analytics.team import UNASSIGNED
from kamreport.views.blocks import Cell, Kpi, Row, Table, attrs
from kamreport.views.portfolio_parts import Context, Part


@dataclass(frozen=True)
class TargetsSection:
    """Attainment and run-rate forecast, by KA manager and by account."""

    kpis: tuple[Kpi, ...] = ()
    definition: str = ""
    managers: Part | None = None
    accounts: Part | None = None
    no_data: str = ""


@dataclass(frozen=True)
class TeamSection:
    """The KA manager scorecards of the month and of the year to date."""

    cards: tuple[Part, ...] = ()
    definition: str = ""
    no_data: str = ""


def _manager(ctx: Context, manager: object) -> Cell:
    """A KA manager as the row label; accounts without one are "unassigned"."""
    unassigned = manager == UNASSIGNED
    return Cell(ctx.t("portfolio.unassigned") if unassigned else str(manager), header=True)


def targets(ctx: Context) -> TargetsSection:
    """Year-to-date attainment and the year-end forecast against the targets (an inactive
    account's forecast is noted: it follows the recent months, not the run rate)."""
    r, d, t = ctx.review, ctx.display, ctx.t
    ta = r.attainment
    if not len(ta):
        return TargetsSection(no_data=t("portfolio.no_data.targets"))
    ytd, target_ytd = ta["revenue_ytd"].sum(), ta["target_ytd"].sum()
    forecast, target_fy = ta["forecast_fy"].sum(), ta["target_fy"].sum()
    kpis = (
        Kpi(
            t("portfolio.targets.revenue_ytd"),
            d.money(ytd, compact=True),
            t("portfolio.targets.target_is", target=d.money(target_ytd, compact=True)),
        ),
        Kpi(t("portfolio.targets.attainment_ytd"), d.ratio(ytd, target_ytd)),
        Kpi(
            t("portfolio.targets.forecast"),
            d.money(forecast, compact=True),
            t("portfolio.targets.target_fy_is", target=d.money(target_fy, compact=True)),
        ),
        Kpi(t("portfolio.targets.forecast_attainment"), d.ratio(forecast, target_fy)),
    )
    managers = tuple(
        Row(
            (
                _manager(ctx, manager),
                d.money_cell(row["revenue_ytd"]),
                d.money_cell(row["target_ytd"]),
                d.percent_cell(row["attainment_ytd"]),
                d.money_cell(row["forecast_fy"]),
                d.money_cell(row["target_fy"]),
                d.percent_cell(row["forecast_attainment"]),
            ),
            attrs=attrs(manager=manager),
        )
        for manager, row in r.attainment_managers.iterrows()
    )
    manager_columns = ctx.columns(
        "portfolio.col.ka_manager",
        "portfolio.targets.revenue_ytd",
        "portfolio.targets.target_ytd",
        "portfolio.targets.attainment_ytd",
        "portfolio.targets.forecast",
        "portfolio.targets.target_fy",
        "portfolio.targets.forecast_attainment",
        numeric=range(1, 7),
    )

    def cells(account_id: str, row: pd.Series) -> tuple[Cell, ...]:
        forecast = d.money_cell(row["forecast_fy"])
        if bool(row.get("inactive", False)):
            note = t("targets.reason.forecast_note", months=RECENT_MONTHS)
            forecast = dataclasses.replace(forecast, note=note)
        return (
            ctx.account(account_id),
            d.money_cell(row["revenue_ytd"]),
            d.money_cell(row["target_ytd"]),
            d.percent_cell(row["attainment_ytd"]),
            forecast,
            d.money_cell(row["gap_fy"]),
        )

    rows, more = ctx.account_rows(ta, ctx.rows, cells)
    account_columns = ctx.columns(
        "portfolio.col.account",
        "portfolio.targets.revenue_ytd",
        "portfolio.targets.target_ytd",
        "portfolio.targets.attainment_ytd",
        "portfolio.targets.forecast",
        "portfolio.targets.gap",
        numeric=range(1, 6),
    )
    return TargetsSection(
        kpis=kpis,
        definition=t("portfolio.targets.definition"),
        managers=Part(
            t("portfolio.targets.by_manager"),
            Table("targets-managers", manager_columns, managers),
        ),
        accounts=Part(
            t("portfolio.targets.by_account"),
            Table("targets-accounts", account_columns, rows, more=more),
            intro=ctx.grouped,
        ),
    )


def team(ctx: Context) -> TeamSection:
    """Each KA manager's month and year to date."""
    r, d, t = ctx.review, ctx.display, ctx.t
    if not len(r.scorecard_ytd):
        return TeamSection(no_data=t("portfolio.no_data.team"))
    columns = ctx.columns(
        "portfolio.col.ka_manager",
        "portfolio.col.accounts",
        "portfolio.team.revenue",
        "portfolio.team.target",
        "portfolio.team.attainment",
        "portfolio.team.visits",
        "portfolio.team.visit_rate",
        "portfolio.team.collection_rate",
        "portfolio.team.new_accounts",
        "portfolio.team.complaints",
        numeric=range(1, 10),
    )
    periods = (
        (t("portfolio.team.month", month=d.month(r.as_of)), r.scorecard_month),
        (t("portfolio.team.ytd", year=str(r.as_of.year)), r.scorecard_ytd),
    )
    cards = []
    for i, (title, card) in enumerate(periods, start=1):
        rows = tuple(
            Row(
                (
                    _manager(ctx, manager),
                    d.number_cell(row["accounts"]),
                    d.money_cell(row["revenue"]),
                    d.money_cell(row["target"]),
                    d.percent_cell(row["attainment"]),
                    Cell(
                        f"{d.number(row['visits'])} / {d.number(row['visits_plan'])}",
                        numeric=True,
                    ),
                    d.percent_cell(row["visit_rate"]),
                    d.percent_cell(row["collection_rate"]),
                    d.number_cell(row["new_accounts"]),
                    d.number_cell(row["complaints"]),
                ),
                attrs=attrs(manager=manager),
            )
            for manager, row in card.iterrows()
        )
        cards.append(Part(title, Table(f"scorecard-{i}", columns, rows)))
    return TeamSection(tuple(cards), t("portfolio.team.definition"))


__all__ = ["TargetsSection", "TeamSection", "targets", "team"]
