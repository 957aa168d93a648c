"""The group section of the account review (集团客户) as display-ready text.

A parent account's review shows its group: the total of the account and every
subsidiary under it, and one row per member with its own figures. A subsidiary's
review says which group it belongs to and links to the reviews above it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.account_review import AccountReview
from kamreport.views.blocks import Cell, ChartView, Column, Kpi, Row, Table
from kamreport.views.display import Display

SECTION_ID = "group"


@dataclass(frozen=True)
class GroupSection:
    """Empty (``shown`` false) for an account outside any group."""

    shown: bool = False
    belongs_to: tuple[Cell, ...] = ()  # the accounts above this one, parent first, linked
    belongs_lead: str = ""
    lead: str = ""  # what the total covers
    cards: tuple[Kpi, ...] = ()
    chart: ChartView | None = None
    table: Table | None = None
    note: str = ""  # how the rates of the total are computed


def _cells(figures: pd.Series, d: Display) -> tuple[Cell, ...]:
    return (
        d.money_cell(figures["revenue_ltm"]),
        d.change_cell(figures["revenue_growth"]),
        d.money_cell(figures["target_ytd"]),
        d.percent_cell(figures["attainment_ytd"]),
        d.money_cell(figures["open_amount"]),
        d.money_cell(figures["overdue_amount"]),
        d.percent_cell(figures["share_of_wallet"]),
        d.number_cell(figures["contacts"]),
    )


def group_section(
    review: AccountReview,
    chart: ChartView | None,
    display: Display,
    links: Mapping[str, str],
) -> GroupSection:
    """The group total and its members (a parent), the group it belongs to (a subsidiary);
    ``links`` maps account ids to their reviews."""
    d, t = display, display.t

    def account(account_id: str, depth: int) -> Cell:
        """A member, linked to its review; a subsidiary marked ↳ under its parent."""
        cell = d.account_cell(account_id, links.get(account_id, ""))
        mark = "· " * max(depth - 1, 0) + "↳ " if depth else ""
        return Cell(mark + cell.text, header=True, link=cell.link, note=cell.note)

    above = tuple(d.account_cell(a, links.get(a, "")) for a in review.belongs_to)
    belongs = ""
    if above:
        belongs = t(
            "review.group.belongs_to",
            account=d.name(review.account_id),
            group=d.name(review.belongs_to[-1]),
        )
    g = review.group
    if g is None:
        return GroupSection(shown=bool(above), belongs_to=above, belongs_lead=belongs)
    total = g.total

    def money(column: str) -> str:
        return d.money(total[column], compact=True)

    subsidiaries = len(g.tree) - 1
    cards = (
        Kpi(
            t("review.group.revenue_ltm"),
            d.money(total["revenue_ltm"], compact=True),
            note=d.labelled(t("report.period_prior_ltm"), money("revenue_prior_ltm")),
            change=d.change(total["revenue_growth"]),
            metric="group_revenue_ltm",
        ),
        Kpi(
            t("review.group.attainment_ytd"),
            d.percent(total["attainment_ytd"]),
            note=t("review.group.target_is", target=d.money(total["target_ytd"], compact=True)),
            metric="group_attainment_ytd",
        ),
        Kpi(
            t("review.group.open"),
            d.money(total["open_amount"], compact=True),
            note=d.labelled(t("review.group.overdue"), money("overdue_amount")),
            warn=bool(total["overdue_amount"] > 0),
            metric="group_open_amount",
        ),
        Kpi(
            t("review.group.share_of_wallet"),
            d.percent(total["share_of_wallet"]),
            note=d.labelled(t("review.group.wallet"), money("category_spend")),
            metric="group_share_of_wallet",
        ),
    )
    depth = g.tree.set_index("account_id")["depth"]
    rows = [
        Row((account(str(a), int(depth[a])), *_cells(row, d)), css="sub" if depth[a] else "")
        for a, row in g.figures.iterrows()
    ]
    rows.append(Row((Cell(t("review.group.total"), header=True), *_cells(total, d)), css="total"))
    heads = (
        Column(t("review.group.member")),
        *(
            Column(t(f"review.group.{key}"), numeric=True)
            for key in (
                "col_revenue",
                "growth",
                "target_ytd",
                "col_attainment",
                "open",
                "overdue",
                "share_of_wallet",
                "contacts",
            )
        ),
    )
    return GroupSection(
        shown=True,
        belongs_to=above,
        belongs_lead=belongs,
        lead=t(
            "review.group.lead",
            account=d.name(review.account_id),
            n=d.number(subsidiaries),
            members=d.number(len(g.tree)),
        ),
        cards=cards,
        chart=chart,
        table=Table("group-members", heads, tuple(rows)),
        note=t("review.group.definition"),
    )


__all__ = ["SECTION_ID", "GroupSection", "group_section"]
