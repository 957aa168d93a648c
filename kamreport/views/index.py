"""The view of the batch's index page: every account in scope, then the failures."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kamreport.analytics.attention import rank_key
from kamreport.analytics.tiers import TIERS
from kamreport.provenance import Provenance
from kamreport.views.blocks import Cell, Column, Page, Row, Table, attrs
from kamreport.views.display import Display, number
from kamreport.views.page import page

if TYPE_CHECKING:
    from kamreport.batch.index import IndexRow

STATUSES = ("rendered", "skipped", "failed")
ORDERS = ("attention", "score", "name", "revenue")  # the first is the page's own order


@dataclass(frozen=True)
class IndexView:
    """Everything the index page shows, as text."""

    page: Page
    search: str  # placeholder and label of the filter box
    tiers: tuple[Cell, ...]  # one badge per tier present: "Key · 62"
    sort_label: str  # "Order by"
    sorts: tuple[tuple[str, str], ...]  # (order key, label), the page's own order first
    accounts: Table  # data-table="accounts", one row per account, what needs attention first
    note: str  # what the figures are
    order_note: str  # how the accounts are ordered
    failures_title: str
    failures_note: str
    failures: Table  # data-table="failures"; no rows when nothing failed
    no_failures: str


def _rank_order(row: IndexRow) -> tuple[bool, float, str]:
    rank = number(row.rank)
    return (rank is None, rank if rank is not None else math.inf, row.account_id)


def _attention_order(row: IndexRow) -> tuple:
    """Accounts with an issue first, ranked by their first issue (analytics.attention),
    then the others by portfolio rank."""
    if row.issues:
        return (0, rank_key(row.issues[0]), ())
    return (1, (), _rank_order(row))


def _revenue_order(row: IndexRow) -> tuple[bool, float, str]:
    revenue = number(row.revenue_ltm)
    return (revenue is None, -revenue if revenue is not None else 0.0, row.account_id)


def orders(rows: Sequence[IndexRow], names: dict[str, str]) -> dict[str, dict[str, int]]:
    """Each account's place (0 first) in each of :data:`ORDERS`; ``names`` as displayed."""
    keys = {
        "attention": _attention_order,
        "score": _rank_order,
        "name": lambda r: (names.get(r.account_id, r.name).casefold(), r.account_id),
        "revenue": _revenue_order,
    }
    return {
        order: {r.account_id: i for i, r in enumerate(sorted(rows, key=key))}
        for order, key in keys.items()
    }


def _account_cell(row: IndexRow) -> Cell:
    note = f"{row.account_id} · {row.alt_name}" if row.alt_name else row.account_id
    return Cell(row.name, link=row.report, note=note)


def _report_cell(row: IndexRow, display: Display) -> Cell:
    if not row.report:
        return Cell(display.t("batch.no_report"), badge="no-report")
    links = ((display.t("batch.pdf"), row.pdf),) if row.pdf else ()
    return Cell(display.t("batch.open"), link=row.report, links=links)


def _status_cell(row: IndexRow, display: Display) -> Cell:
    return Cell(display.t(f"batch.status.{row.status}"), badge=f"status-{row.status}")


def _attention_cell(row: IndexRow, display: Display) -> Cell:
    """The account's first issue: its severity in words (coloured too), the money at stake
    and the issue's name; "Nothing to do" without an issue."""
    t = display.t
    if not row.issues:
        return Cell(t("attention.none_short"), badge="sev-none", attrs=attrs(severity="none"))
    top = row.issues[0]
    return Cell(
        display.severity(top.severity),
        badge=f"sev-{top.severity}",
        note=t("attention.stake", amount=display.money(top.at_stake, compact=True)),
        items=(display.flag_title(top.kind),),
        attrs=attrs(severity=top.severity, kind=top.kind),
    )


def _flags_cell(row: IndexRow, display: Display) -> Cell:
    """The account's other issues by name, in rank order."""
    if not row.issues:
        return Cell()
    names = dict.fromkeys(display.flag_title(i.kind) for i in row.issues[1:])
    return Cell(
        display.t("attention.separator").join(names),
        attrs=attrs(flags=" ".join(i.kind for i in row.issues)),
    )


def accounts_table(
    rows: Sequence[IndexRow], display: Display, places: dict[str, dict[str, int]] | None = None
) -> Table:
    """The accounts in the order given; ``places`` their place in each order (data-order-*)."""
    t = display.t
    places = places or orders(rows, display.names)
    assumed = next((r.clv_assumed_margin for r in rows if r.clv_assumed_margin > 0), None)
    clv_label = t("batch.col.clv")
    if assumed is not None:  # lifetime value from an assumed margin: say so in the header
        margin = display.percent(assumed, 0)
        clv_label = display.aside(clv_label, t("review.value.assumed_margin", margin=margin))
    columns = (
        Column(t("batch.col.rank"), numeric=True),
        Column(t("batch.col.account")),
        Column(t("attention.col.attention")),
        Column(t("batch.col.tier")),
        Column(t("batch.col.manager")),
        Column(t("batch.col.revenue_ltm"), numeric=True),
        Column(t("batch.col.growth"), numeric=True),
        Column(t("batch.col.margin_pct"), numeric=True),
        Column(t("batch.col.score"), numeric=True),
        Column(clv_label, numeric=True),
        Column(t("attention.col.other")),
        Column(t("batch.col.report")),
        Column(t("batch.col.status")),
    )
    out = []
    for r in rows:
        tier = Cell(display.tier(r.tier), badge=f"tier-{r.tier}") if r.tier else Cell()
        out.append(
            Row(
                (
                    display.number_cell(r.rank),
                    _account_cell(r),
                    _attention_cell(r, display),
                    tier,
                    Cell(r.manager),
                    display.money_cell(r.revenue_ltm, compact=True),
                    display.change_cell(r.growth),
                    display.percent_cell(r.margin_pct),
                    display.number_cell(r.score, digits=1),
                    display.money_cell(r.clv, compact=True),
                    _flags_cell(r, display),
                    _report_cell(r, display),
                    _status_cell(r, display),
                ),
                attrs=attrs(
                    account=r.account_id,
                    status=r.status,
                    **({"tier": r.tier} if r.tier else {}),
                    **{f"order_{o}": places[o][r.account_id] for o in ORDERS},
                ),
                css=r.status,
            )
        )
    return Table("accounts", columns, tuple(out), css="accounts")


def failures_table(rows: Sequence[IndexRow], display: Display) -> Table:
    t = display.t
    columns = (Column(t("batch.col.account")), Column(t("batch.col.error")))
    out = []
    for r in rows:
        account = Cell(
            r.name,
            note=r.account_id,
            links=((t("batch.open"), r.report),) if r.report else (),
        )
        notebook = ((t("batch.notebook"), r.notebook),) if r.notebook else ()
        out.append(
            Row(
                (account, Cell(r.error, links=notebook)),
                attrs=attrs(account=r.account_id),
                css="failed",
            )
        )
    return Table("failures", columns, tuple(out))


def index_view(
    rows: Sequence[IndexRow],
    display: Display,
    provenance: Provenance,
    as_of: dt.date,
    tier: str | None = None,
) -> IndexView:
    """The index of ``rows``, what needs attention first (the other orders one click away);
    ``tier`` when the batch was limited to one tier."""
    t = display.t
    names = {r.account_id: r.name for r in rows}
    places = orders(rows, names)
    ordered = sorted(rows, key=lambda r: places["attention"][r.account_id])
    counts = {s: sum(r.status == s for r in ordered) for s in STATUSES}
    subtitle = " · ".join(
        [
            t("report.as_of", as_of=display.date(as_of)),
            t(
                "batch.subtitle",
                accounts=display.number(len(ordered)),
                rendered=display.number(counts["rendered"]),
                skipped=display.number(counts["skipped"]),
                failed=display.number(counts["failed"]),
            ),
            *([t("batch.scope_tier", tier=display.tier(tier))] if tier else []),
        ]
    )
    tiers = tuple(
        Cell(
            f"{display.tier(key)} · {display.number(sum(r.tier == key for r in ordered))}",
            badge=f"tier-{key}",
            attrs=attrs(tier_count=key),
        )
        for key in TIERS
        if any(r.tier == key for r in ordered)
    )
    failed = [r for r in ordered if r.status == "failed"]
    title = t("batch.title")
    return IndexView(
        page=page(
            display,
            provenance,
            title=f"{title} · {display.date(as_of)}",
            eyebrow=t("batch.eyebrow"),
            heading=title,
            subtitle=subtitle,
        ),
        search=t("batch.search"),
        tiers=tiers,
        sort_label=t("attention.sort.label"),
        sorts=tuple((o, t(f"attention.sort.{o}")) for o in ORDERS),
        accounts=accounts_table(ordered, display, places),
        note=t("batch.figures_note", as_of=display.date(as_of)),
        order_note=t("attention.index_note"),
        failures_title=f"{t('batch.failures')} ({display.number(len(failed))})",
        failures_note=t("batch.failures_note"),
        failures=failures_table(failed, display),
        no_failures=t("batch.no_failures"),
    )


__all__ = ["IndexView", "index_view"]
