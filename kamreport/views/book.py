"""A KA manager's monthly book (述职) as display-ready text: one field per section."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.book import VALUE_UNIT, VISIT_DAYS_CAP, ManagerBook
from kamreport.analytics.plan import ActionLine
from kamreport.provenance import Provenance
from kamreport.views.blocks import Cell, Column, Kpi, Page, Row, Table, attrs
from kamreport.views.display import Display
from kamreport.views.page import page

ACTIONS_SHOWN = 25  # the most overdue first
SECTIONS = ("summary", "accounts", "collection", "actions", "scorecard", "visit-next")


@dataclass(frozen=True)
class Section:
    """A titled section: a lead sentence, cards, a table or the sentence saying why none."""

    section_id: str
    title: str
    lead: str = ""
    cards: tuple[Kpi, ...] = ()
    table: Table | None = None
    empty: str = ""
    note: str = ""


@dataclass(frozen=True)
class BookView:
    page: Page
    sections: tuple[Section, ...]


def _account(d: Display, account_id: str, links: dict[str, str]) -> Cell:
    cell = d.account_cell(account_id, links.get(account_id, ""))
    return Cell(cell.text, header=True, link=cell.link, note=cell.note)


def _summary(book: ManagerBook, d: Display) -> Section:
    t, a = d.t, book.accounts
    card = book.scorecard
    ytd, month = card.loc["ytd"], card.loc["month"]
    cards = (
        Kpi(
            t("book.kpi.attainment_ytd"),
            d.percent(ytd.get("attainment")),
            note=d.labelled(t("book.kpi.revenue"), d.money(ytd.get("revenue"), compact=True)),
            metric="attainment_ytd",
        ),
        Kpi(
            t("book.kpi.attainment_month"),
            d.percent(month.get("attainment")),
            note=d.labelled(t("book.kpi.revenue"), d.money(month.get("revenue"), compact=True)),
            metric="attainment_month",
        ),
        Kpi(
            t("book.kpi.collection_month"),
            d.percent(month.get("collection_rate")),
            note=d.labelled(t("book.kpi.due"), d.money(month.get("due"), compact=True)),
            metric="collection_month",
        ),
        Kpi(
            t("book.kpi.overdue"),
            d.money(float(a["overdue_amount"].sum()), compact=True),
            note=d.labelled(t("book.kpi.flags"), d.number(int(a["flags"].sum()))),
            warn=bool(a["overdue_amount"].sum() > 0),
            metric="overdue_amount",
        ),
    )
    return Section(
        "summary",
        t("book.sections.summary"),
        lead=t("book.lead", accounts=d.number(len(a)), month=d.month(book.month.end)),
        cards=cards,
    )


def _accounts(book: ManagerBook, d: Display, links: dict[str, str]) -> Section:
    t = d.t
    rows = tuple(
        Row(
            (
                _account(d, str(account_id), links),
                d.money_cell(r["revenue_ltm"]),
                d.change_cell(r["revenue_growth"]),
                d.money_cell(r["revenue_ytd"]),
                d.percent_cell(r["attainment_ytd"]),
                d.money_cell(r["revenue_month"]),
                d.percent_cell(r["attainment_month"]),
                Cell(
                    "; ".join(d.flag_title(c) for c in r["flag_codes"]),
                    attrs=attrs(flags=""),
                ),
            ),
        )
        for account_id, r in book.accounts.iterrows()
    )
    figures = ("revenue_ltm", "growth", "revenue_ytd", "attainment_ytd", "revenue_month",
               "attainment_month")  # fmt: skip
    heads = (
        Column(t("book.col.account")),
        *(Column(t(f"book.col.{k}"), numeric=True) for k in figures),
        Column(t("book.col.flags")),
    )
    return Section(
        "accounts",
        t("book.sections.accounts"),
        table=Table("book-accounts", heads, rows, css="book"),
        note=t("book.accounts_note"),
    )


def _collection(book: ManagerBook, d: Display, links: dict[str, str]) -> Section:
    t = d.t
    a = book.accounts
    if a["due"].isna().all():  # no invoices table
        return Section("collection", t("book.sections.collection"), empty=t("book.no_invoices"))
    shown = a.loc[(a["due"] > 0) | (a["overdue_amount"] > 0)]
    shown = shown.sort_values(["overdue_amount", "due"], ascending=False, kind="stable")
    rows = [
        Row(
            (
                _account(d, str(account_id), links),
                d.money_cell(r["due"]),
                d.money_cell(r["collected"]),
                d.percent_cell(r["collection_rate"]),
                d.money_cell(r["open_amount"]),
                d.money_cell(r["overdue_amount"]),
            )
        )
        for account_id, r in shown.iterrows()
    ]
    due, collected = float(a["due"].sum()), float(a["collected"].sum())
    rows.append(
        Row(
            (
                Cell(t("book.total"), header=True),
                d.money_cell(due),
                d.money_cell(collected),
                Cell(d.ratio(collected, due), numeric=True),
                d.money_cell(float(a["open_amount"].sum())),
                d.money_cell(float(a["overdue_amount"].sum())),
            ),
            css="total",
        )
    )
    heads = (
        Column(t("book.col.account")),
        *(
            Column(t(f"book.col.{k}"), numeric=True)
            for k in ("due", "collected", "collection_rate", "open", "overdue")
        ),
    )
    return Section(
        "collection",
        t("book.sections.collection"),
        lead=t("book.collection_lead", month=d.month(book.month.end)),
        table=Table("book-collection", heads, tuple(rows)),
    )


def _actions(actions: Sequence[ActionLine], d: Display, links: dict[str, str]) -> Section:
    t = d.t
    if not actions:
        return Section("actions", t("book.sections.actions"), empty=t("book.no_actions"))
    rows = tuple(
        Row(
            (
                _account(d, a.account_id, links),
                Cell(a.title),
                Cell(a.owner or ""),
                Cell(d.date(a.due_date)),
                Cell(
                    t("book.overdue_days", days=d.number(-a.days))
                    if a.overdue
                    else t("book.due_in", days=d.number(a.days)),
                    badge="overdue" if a.overdue else "",
                ),
            )
        )
        for a in actions
    )
    heads = tuple(
        Column(t(f"book.col.{k}")) for k in ("account", "action", "owner", "due_date", "status")
    )
    return Section(
        "actions",
        t("book.sections.actions"),
        table=Table(
            "book-actions", heads, rows[:ACTIONS_SHOWN], more=d.cap_note(ACTIONS_SHOWN, len(rows))
        ),
    )


def _scorecard(book: ManagerBook, d: Display) -> Section:
    t = d.t
    card = book.scorecard
    lines = (
        ("revenue", "money"), ("target", "money"), ("attainment", "percent"),
        ("growth_ltm", "change"), ("visits", "number"), ("visits_plan", "number"),
        ("visit_rate", "percent"), ("due", "money"), ("collected", "money"),
        ("collection_rate", "percent"), ("new_accounts", "number"), ("complaints", "number"),
        ("satisfaction", "score"),
    )  # fmt: skip

    def cell(kind: str, value: object) -> Cell:
        if kind == "money":
            return d.money_cell(value)
        if kind == "percent":
            return d.percent_cell(value)
        if kind == "change":
            return d.change_cell(value)
        return d.number_cell(value, 1 if kind == "score" else 0)

    rows = tuple(
        Row(
            (
                Cell(t(f"book.card.{key}"), header=True),
                cell(kind, card.at["month", key] if key in card else None),
                cell(kind, card.at["ytd", key] if key in card else None),
            )
        )
        for key, kind in lines
    )
    heads = (
        Column(t("book.col.measure")),
        Column(d.month(book.month.end), numeric=True),
        Column(t("book.col.ytd"), numeric=True),
    )
    return Section(
        "scorecard",
        t("book.sections.scorecard"),
        table=Table("book-scorecard", heads, rows, css="compact"),
        note=t("book.scorecard_note"),
    )


def _visit_next(book: ManagerBook, d: Display, links: dict[str, str]) -> Section:
    t = d.t
    v = book.visit_next
    rows = tuple(
        Row(
            (
                Cell(d.number(i + 1), numeric=True),
                _account(d, str(account_id), links),
                Cell(d.date(r["last_visit"]) if pd.notna(r["last_visit"]) else t("book.never")),
                d.number_cell(r["days"]),
                d.money_cell(r["value"] * VALUE_UNIT),
                d.number_cell(r["flags"]),
                d.number_cell(r["priority"]),
            )
        )
        for i, (account_id, r) in enumerate(v.iterrows())
    )
    heads = (
        Column("#", numeric=True),
        Column(t("book.col.account")),
        Column(t("book.col.last_visit")),
        *(Column(t(f"book.col.{k}"), numeric=True) for k in ("days", "revenue_ltm", "flags")),
        Column(t("book.col.priority"), numeric=True),
    )
    return Section(
        "visit-next",
        t("book.sections.visit_next"),
        lead=t("book.visit_rule", cap=d.number(VISIT_DAYS_CAP), unit=d.money(VALUE_UNIT)),
        table=Table("book-visit-next", heads, rows),
    )


def book_view(
    book: ManagerBook,
    actions: Sequence[ActionLine],
    display: Display,
    provenance: Provenance,
    links: dict[str, str] | None = None,
) -> BookView:
    """The book of ``book`` with its plan ``actions`` due (analytics.plan.ActionLine)."""
    links = links or {}
    t = display.t
    sections = (
        _summary(book, display),
        _accounts(book, display, links),
        _collection(book, display, links),
        _actions(actions, display, links),
        _scorecard(book, display),
        _visit_next(book, display, links),
    )
    frame = page(
        display,
        provenance,
        title=t("book.title", manager=book.manager, month=display.month(book.month.end)),
        eyebrow=t("book.eyebrow"),
        heading=book.manager,
        subtitle=t("book.subtitle", month=display.month(book.month.end)),
        nav=tuple((s.section_id, s.title) for s in sections),
    )
    return BookView(frame, sections)


__all__ = ["SECTIONS", "BookView", "Section", "book_view"]
