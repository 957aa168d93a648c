"""The imported account plan in the account review: what changed since the previous
version, objectives, actions (overdue marked), SWOT, the customer's strategy and
pressures, key people and resources needed."""

from __future__ import annotations

import datetime as dt

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
    objectives = Table(
        "plan-objectives",
        _heads(display, "objective", "measure", "target", "due_date", "status"),
        tuple(
            Row(
                (
                    Cell(o.objective, header=True),
                    Cell(o.measure),
                    Cell(o.target),
                    Cell(_day(display, o.due_date)),
                    _state(display, state),
                ),
                css=f"state-{state}",
            )
            for o, state in pr.objective_states()
        ),
    )
    actions = Table(
        "plan-actions",
        _heads(display, "action", "owner", "due_date", "status"),
        tuple(
            Row(
                (
                    Cell(a.action, header=True),
                    Cell(a.owner),
                    Cell(_day(display, a.due_date)),
                    _state(display, state),
                ),
                css=f"state-{state}",
            )
            for a, state in pr.action_states()
        ),
    )
    none = t("plans.review.none")
    swot = tuple(PointList(t(f"plans.swot.{k}"), tuple(doc.swot.get(k, ())), none) for k in SWOT)
    context = tuple(
        PointList(t(f"plans.context.{k}"), tuple(doc.context.get(k, ())), none) for k in CONTEXT
    )
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
