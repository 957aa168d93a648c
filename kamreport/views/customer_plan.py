"""The imported account plan in the account review: what changed since the previous
version, objectives, actions (overdue marked), SWOT, the customer's strategy and
pressures, key people and resources needed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from kamreport.analytics.plan_document import CONTEXT, RESOURCES, SWOT, PlanReview
from kamreport.views.blocks import Cell, Column, Row, Table
from kamreport.views.customer_people import PlanSection, PointList
from kamreport.views.display import Display


def _heads(display: Display, *keys: str) -> tuple[Column, ...]:
    return tuple(Column(display.t(f"plans.col.{k}")) for k in keys)


def _state(display: Display, state: str) -> Cell:
    return Cell(display.t(f"plans.review.state.{state}"), badge=state)


def _day(display: Display, value) -> str:
    return display.date(value) if value is not None else display.na


def _items(
    display: Display, name: str, texts: tuple[str, ...], pairs: Iterable[tuple[Any, str]]
) -> Table:
    """Objectives or actions with their state: the ``texts`` columns (the first one the
    row's header), the due date and the state."""
    return Table(
        name,
        _heads(display, *texts, "due_date", "status"),
        tuple(
            Row(
                (
                    Cell(getattr(item, texts[0]), header=True),
                    *(Cell(getattr(item, key)) for key in texts[1:]),
                    Cell(_day(display, item.due_date)),
                    _state(display, state),
                ),
                css=f"state-{state}",
            )
            for item, state in pairs
        ),
    )


def _points(
    display: Display, group: str, keys: tuple[str, ...], points: Mapping[str, Any], none: str
) -> tuple[PointList, ...]:
    return tuple(
        PointList(display.t(f"plans.{group}.{k}"), tuple(points.get(k, ())), none) for k in keys
    )


def written_plan(pr: PlanReview, display: Display) -> PlanSection:
    """The imported plan as display-ready text."""
    t = display.t
    doc = pr.document
    counts = t("plans.review.counts", **{k: display.number(n) for k, n in pr.counts().items()})
    when = dt.date.fromisoformat(pr.imported_at[:10]) if pr.imported_at else None
    imported = t("plans.review.imported", date=display.date(when))
    changes = None
    note = ""
    if pr.compared_with:
        note = t(f"plans.review.compared.{pr.compared_with}")
        if pr.changes:
            rows = tuple(
                Row(
                    (
                        Cell(t(f"review.plan.kinds.{c.part}")),
                        Cell(c.title, header=True),
                        Cell(t(f"plans.review.change.{c.change}"), badge=f"change-{c.change}"),
                    ),
                    attrs=(("data-change", c.change),),
                )
                for c in pr.changes
            )
            heads = (
                Column(t("review.plan.kind")),
                Column(t("plans.review.part")),
                Column(t("review.plan.state")),
            )
            changes = Table("plan-changes", heads, rows, css="compact")
        else:
            note = f"{note} {t('plans.review.no_changes')}"
    objectives = _items(
        display, "plan-objectives", ("objective", "measure", "target"), pr.objective_states()
    )
    actions = _items(display, "plan-actions", ("action", "owner"), pr.action_states())
    none = t("plans.review.none")
    swot = _points(display, "swot", SWOT, doc.swot, none)
    context = _points(display, "context", CONTEXT, doc.context, none)
    people = Table(
        "plan-people",
        _heads(display, "name", "role", "attitude", "counterpart"),
        tuple(
            Row(
                (
                    Cell(p.name, header=True),
                    Cell(p.role),
                    Cell(t(f"plans.attitude.{p.attitude}"), badge=f"attitude-{p.attitude}"),
                    Cell(p.counterpart),
                )
            )
            for p in doc.people
        ),
    )
    order = {k: i for i, k in enumerate(RESOURCES)}
    resources = Table(
        "plan-resources",
        (Column(t("plans.col.kind")), Column(t("plans.col.need"))),
        tuple(
            Row((Cell(t(f"plans.resources.{r.kind}"), header=True), Cell(r.need)))
            for r in sorted(doc.resources, key=lambda r: order.get(r.kind, len(order)))
        ),
        css="compact",
    )
    return PlanSection(
        counts=counts,
        imported=imported,
        changes=changes,
        changes_note=note,
        objectives=objectives,
        actions=actions,
        swot=swot,
        context=context,
        people=people,
        resources=resources,
    )
