"""The visit card's view model: every text of the one-page card, cut to fit.

Each list shows at most its :data:`LIMITS` rows with "and K more" under it, and long
texts (notes, titles, names) are shortened to :data:`TEXT_LIMITS` characters with an
ellipsis, so an account with hundreds of visits, contacts or invoices still fits one A4
page. The template formats nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kamreport.analytics.visit import TalkingPoint, VisitCard
from kamreport.views.display import Display, missing

# Rows shown per list: sized so that the longest texts of every list together fit one
# A4 page (tests/test_visit.py renders such an account and counts the pages).
LIMITS = {
    "visits": 4,
    "actions": 4,
    "invoices": 4,
    "complaints": 3,
    "met": 5,
    "not_met": 5,
}
TEXT_LIMITS = {"notes": 150, "title": 70, "name": 40, "account": 60}
ELLIPSIS = "…"


@dataclass(frozen=True)
class Item:
    """One line of a list: its main text and the smaller details beside it."""

    text: str
    detail: str = ""
    note: str = ""  # a third, quieter line (visit notes)
    tone: str = ""  # "" | "alert"


@dataclass(frozen=True)
class Block:
    """A titled list with its "and K more" line, or the line saying there is nothing."""

    key: str
    title: str
    items: tuple[Item, ...] = ()
    more: str = ""
    empty: str = ""


@dataclass(frozen=True)
class VisitCardView:
    lang: str
    title: str
    account: str
    account_id: str
    subtitle: str  # as-of date, KA manager
    confidentiality: str
    points_title: str
    points: tuple[Item, ...]
    blocks: tuple[Block, ...]
    footer: str


def shorten(text: object, limit: int) -> str:
    """``text`` as one line of at most ``limit`` characters (ellipsis when cut)."""
    if missing(text):
        return ""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + ELLIPSIS


def _joined(*parts: str) -> str:
    """The non-empty ``parts`` joined by a middle dot."""
    return " · ".join(p for p in parts if p)


def _more(display: Display, total: int, shown: int) -> str:
    return display.t("visit.more", n=display.number(total - shown)) if total > shown else ""


def _block(
    display: Display, card: VisitCard, key: str, table: str, items: list[Item], title: str
) -> Block:
    """The block ``key`` of ``items`` (one per row of the card's list read from ``table``);
    when empty, it says there were none, or that the data has no such table."""
    shown = items[: LIMITS[key]]
    empty = ""
    if not items:
        empty = display.t(f"visit.{key}.none" if table in card.has else "visit.no_table")
    return Block(
        key=key,
        title=title,
        items=tuple(shown),
        more=_more(display, len(items), len(shown)),
        empty=empty,
    )


def _point(display: Display, point: TalkingPoint) -> Item:
    if point.source == "issue":
        return Item(
            text=display.flag_title(point.kind),
            detail=display.flag_action(point.kind),
            tone="alert" if point.severity == "high" else "",
        )
    due = display.date(point.due_date) if point.due_date else display.na
    key = "visit.points.overdue_action" if point.overdue else "visit.points.objective"
    return Item(
        text=shorten(point.title, TEXT_LIMITS["title"]),
        detail=display.t(key, due=due),
        tone="alert" if point.overdue else "",
    )


def _who(display: Display, row: Any) -> str:
    """A contact's name in the report language: the English name in English when known."""
    english = display.fmt.locale == "en" and not missing(row.contact_en)
    return shorten(row.contact_en if english else row.contact, TEXT_LIMITS["name"])


def _days(display: Display, value: object) -> str:
    return display.text("days_ago", value)


def visit_card_view(
    card: VisitCard,
    display: Display,
    *,
    manager: str,
    confidentiality: str,
    generated: str,
) -> VisitCardView:
    """Every text of the card of ``card`` in ``display``'s language."""
    t, d = display.t, display
    name = shorten(d.name(card.account_id), TEXT_LIMITS["account"])
    visits = [
        Item(
            text=f"{d.date(r.date)} · {d.fmt.value('activity', r.type)}",
            detail=_joined(_who(d, r), "" if missing(r.role) else d.fmt.value("role", r.role)),
            note=shorten(r.notes, TEXT_LIMITS["notes"]),
        )
        for r in card.visits.itertuples()
    ]
    actions = [
        Item(
            text=shorten(r.title, TEXT_LIMITS["title"]),
            detail=_joined(
                t(
                    "visit.actions.overdue" if r.overdue else "visit.actions.due",
                    date=d.date(r.due_date) if not missing(r.due_date) else d.na,
                ),
                shorten(r.owner, TEXT_LIMITS["name"]),
            ),
            tone="alert" if r.overdue else "",
        )
        for r in card.actions.itertuples()
    ]
    invoices = [
        Item(
            text=f"{shorten(r.invoice_id, TEXT_LIMITS['name'])} · {d.money(r.outstanding)}",
            detail=t("visit.invoices.late", days=d.number(r.days_overdue), due=d.date(r.due_date)),
            tone="alert",
        )
        for r in card.overdue_invoices.itertuples()
    ]
    complaints = [
        Item(
            text=f"{d.date(r.opened_date)} · {d.fmt.value('complaint_category', r.category)}",
            detail=" · ".join(
                (
                    t("visit.complaints.severity", severity=d.fmt.value("severity", r.severity)),
                    t("visit.complaints.open" if r.open else "visit.complaints.closed"),
                )
            ),
            tone="alert" if r.open else "",
        )
        for r in card.complaints.itertuples()
    ]

    def person(r: Any, *, met: bool) -> Item:
        role = r.role
        title = r.title
        detail = _joined(
            "" if missing(role) else d.fmt.value("role", role),
            shorten(title, TEXT_LIMITS["name"]),
            _days(d, r.days_since),
        )
        return Item(
            text=_who(d, r),
            detail=detail,
            tone="alert" if not met and role == "decision_maker" else "",
        )

    invoice_title = (
        t("visit.invoices.title_total", amount=d.money(card.overdue_amount, compact=True))
        if len(card.overdue_invoices)
        else t("visit.invoices.title")
    )
    days = {"days": d.number(card.contact_days)}
    blocks = (
        _block(d, card, "visits", "activities", visits, t("visit.visits.title")),
        _block(d, card, "actions", "account_plans", actions, t("visit.actions.title")),
        _block(d, card, "invoices", "invoices", invoices, invoice_title),
        _block(
            d,
            card,
            "complaints",
            "complaints",
            complaints,
            t("visit.complaints.title", days=d.number(card.complaint_days)),
        ),
        _block(
            d,
            card,
            "met",
            "contacts",
            [person(r, met=True) for r in card.met.itertuples()],
            t("visit.met.title", **days),
        ),
        _block(
            d,
            card,
            "not_met",
            "contacts",
            [person(r, met=False) for r in card.not_met.itertuples()],
            t("visit.not_met.title", **days),
        ),
    )
    as_of = d.date(card.as_of)
    subtitle = t("visit.subtitle", as_of=as_of, manager=shorten(manager, TEXT_LIMITS["name"]))
    if not manager:
        subtitle = t("visit.subtitle_no_manager", as_of=as_of)
    points = tuple(_point(d, p) for p in card.talking_points)
    return VisitCardView(
        lang=d.fmt.html_lang,
        title=t("visit.page_title", account=name),
        account=name,
        account_id=d.id_note(card.account_id),
        subtitle=subtitle,
        confidentiality=confidentiality,
        points_title=t("visit.points.title"),
        points=points or (Item(text=t("visit.points.none")),),
        blocks=blocks,
        footer=generated,
    )


def generated_line(display: Display, now: dt.datetime, version: str) -> str:
    """ "Generated … by kamreport …" under the card."""
    return display.t("visit.generated", when=now.strftime("%Y-%m-%d %H:%M"), version=version)


__all__ = [
    "LIMITS",
    "TEXT_LIMITS",
    "Block",
    "Item",
    "VisitCardView",
    "generated_line",
    "shorten",
    "visit_card_view",
]
