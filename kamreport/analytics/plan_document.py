"""The written account plan: objectives, actions, SWOT, the customer's strategy and
pressures, key people and resources, as a KA manager keeps it in the plan workbook.

Pure: dataclasses and DataFrames in and out. :func:`baseline_plan` turns the data's
``account_plans`` and ``contacts`` rows into a plan (what the workbook is prefilled
with before any import); :func:`plan_changes` compares two versions of an account's
plan item by item; :func:`plan_review` is what the account review shows, as of a date
(definitions: docs/metrics.md, "Account plan").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import pandas as pd

STATUSES = ("open", "done", "dropped")
ATTITUDES = ("supporter", "neutral", "opponent")
SWOT = ("strengths", "weaknesses", "opportunities", "threats")
CONTEXT = ("strategy", "pressures")
RESOURCES = (
    "senior_management",
    "technical_service",
    "logistics",
    "training",
    "marketing",
    "finance",
    "other",
)
CHANGES = ("added", "changed", "done", "dropped")
# What the review shows of an objective or action, in its order (see state()).
STATES = ("overdue", "open", "done", "dropped")
# The data's account_plans status for each plan status.
FROM_DATA_STATUS = {"open": "open", "done": "done", "cancelled": "dropped"}
ACCOUNT_KEY = "__account_key__"  # the account id as text, beside a table's own columns


@dataclass(frozen=True)
class Objective:
    id: str
    objective: str
    measure: str = ""
    target: str = ""
    due_date: dt.date | None = None
    status: str = "open"

    @property
    def title(self) -> str:
        return self.objective


@dataclass(frozen=True)
class Action:
    id: str
    action: str
    owner: str = ""
    due_date: dt.date | None = None
    status: str = "open"

    @property
    def title(self) -> str:
        return self.action


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str = ""
    attitude: str = "neutral"
    counterpart: str = ""


@dataclass(frozen=True)
class Resource:
    kind: str  # one of RESOURCES
    need: str


@dataclass(frozen=True)
class PlanDocument:
    """One account's plan."""

    account_id: str
    objectives: tuple[Objective, ...] = ()
    actions: tuple[Action, ...] = ()
    swot: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # strategy, pressures
    people: tuple[Person, ...] = ()
    resources: tuple[Resource, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as YYYY-MM-DD."""
        out = asdict(self)
        for part in ("objectives", "actions"):
            for item in out[part]:
                item["due_date"] = item["due_date"].isoformat() if item["due_date"] else None
        out["swot"] = {k: list(self.swot.get(k, ())) for k in SWOT}
        out["context"] = {k: list(self.context.get(k, ())) for k in CONTEXT}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlanDocument:
        def day(value: object) -> dt.date | None:
            return dt.date.fromisoformat(str(value)) if value else None

        return cls(
            account_id=str(data["account_id"]),
            objectives=tuple(
                Objective(**{**o, "due_date": day(o.get("due_date"))})
                for o in data.get("objectives", ())
            ),
            actions=tuple(
                Action(**{**a, "due_date": day(a.get("due_date"))}) for a in data.get("actions", ())
            ),
            swot={k: tuple(data.get("swot", {}).get(k, ())) for k in SWOT},
            context={k: tuple(data.get("context", {}).get(k, ())) for k in CONTEXT},
            people=tuple(Person(**p) for p in data.get("people", ())),
            resources=tuple(Resource(**r) for r in data.get("resources", ())),
        )


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return ""
    return str(value).strip()


def _day(value: object) -> dt.date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    return pd.Timestamp(value).date()


def attitude_of(sentiment: object) -> str:
    """A contact's attitude from the data's sentiment (−2…+2): above 0 supporter, below 0
    opponent, else (or unknown) neutral."""
    try:
        value = float(sentiment)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "neutral"
    if value != value or value == 0:
        return "neutral"
    return "supporter" if value > 0 else "opponent"


def _rows_by_account(
    table: pd.DataFrame | None, ids: Collection[str], sort: str = ""
) -> dict[str, list[dict[str, Any]]]:
    """The rows of ``table`` per account of ``ids`` (as records, in table order, or by
    ``sort`` and then table order), grouped in one pass."""
    if table is None or table.empty:
        return {}
    keys = table["account_id"].astype(str).to_numpy()
    mine = pd.Series(keys).isin(set(ids)).to_numpy()
    own = table.loc[mine].assign(**{ACCOUNT_KEY: keys[mine]})
    if sort in own:
        own = own.sort_values(sort, kind="stable")
    out: dict[str, list[dict[str, Any]]] = {}
    for row in own.to_dict("records"):
        out.setdefault(row.pop(ACCOUNT_KEY), []).append(row)
    return out


def _item(row: Mapping[str, Any]) -> Objective | Action:
    status = FROM_DATA_STATUS.get(_text(row.get("status")), "open")
    if row.get("kind") == "objective":
        return Objective(
            id=_text(row["item_id"]),
            objective=_text(row.get("title")),
            due_date=_day(row.get("due_date")),
            status=status,
        )
    return Action(
        id=_text(row["item_id"]),
        action=_text(row.get("title")),
        owner=_text(row.get("owner")),
        due_date=_day(row.get("due_date")),
        status=status,
    )


def _person(row: Mapping[str, Any]) -> Person:
    return Person(
        id=_text(row.get("contact_id")),
        name=_text(row.get("name")),
        role=_text(row.get("title")) or _text(row.get("role")),
        attitude=attitude_of(row.get("sentiment")),
    )


def baseline_plans(
    plans: pd.DataFrame | None, contacts: pd.DataFrame | None, ids: Iterable[str]
) -> dict[str, PlanDocument]:
    """The plan of each account of ``ids`` as the data has it: objectives and actions
    from ``account_plans`` by due date (a cancelled item is dropped), key people from
    ``contacts`` (attitude from sentiment); SWOT, strategy, pressures and resources
    empty. Each table is grouped once, whatever the number of accounts."""
    ids = list(ids)
    items = _rows_by_account(plans, ids, sort="due_date")
    people = _rows_by_account(contacts, ids)
    out: dict[str, PlanDocument] = {}
    for account_id in ids:
        own = [_item(row) for row in items.get(account_id, ())]
        out[account_id] = PlanDocument(
            account_id=account_id,
            objectives=tuple(i for i in own if isinstance(i, Objective)),
            actions=tuple(i for i in own if isinstance(i, Action)),
            people=tuple(_person(row) for row in people.get(account_id, ())),
        )
    return out


def baseline_plan(
    plans: pd.DataFrame | None, contacts: pd.DataFrame | None, account_id: str
) -> PlanDocument:
    """One account's plan as the data has it (see :func:`baseline_plans`)."""
    return baseline_plans(plans, contacts, [account_id])[account_id]


def with_ids(document: PlanDocument) -> PlanDocument:
    """``document`` with an id for every new objective, action and person (empty id):
    ``<account>-O<n>``, ``-A<n>``, ``-P<n>``, numbered after the ids already there."""
    taken = {i.id for i in (*document.objectives, *document.actions, *document.people) if i.id}

    def fill(items: tuple, letter: str) -> tuple:
        out, n = [], 0
        for item in items:
            if item.id:
                out.append(item)
                continue
            n += 1
            while f"{document.account_id}-{letter}{n}" in taken:
                n += 1
            new_id = f"{document.account_id}-{letter}{n}"
            taken.add(new_id)
            out.append(replace(item, id=new_id))
        return tuple(out)

    return replace(
        document,
        objectives=fill(document.objectives, "O"),
        actions=fill(document.actions, "A"),
        people=fill(document.people, "P"),
    )


@dataclass(frozen=True)
class Change:
    """One objective or action that differs between two versions of a plan."""

    part: str  # objective | action
    id: str
    title: str
    change: str  # one of CHANGES


def _changes(part: str, before: tuple, after: tuple) -> list[Change]:
    old = {item.id: item for item in before}
    new_ids = {item.id for item in after}
    out: list[Change] = []
    for item in after:
        previous = old.get(item.id)
        if previous is None:
            out.append(Change(part, item.id, item.title, "added"))
        elif previous != item:
            if item.status != previous.status and item.status in ("done", "dropped"):
                out.append(Change(part, item.id, item.title, item.status))
            else:
                out.append(Change(part, item.id, item.title, "changed"))
    out += [Change(part, i.id, i.title, "dropped") for i in before if i.id not in new_ids]
    return out


def plan_changes(previous: PlanDocument | None, current: PlanDocument) -> tuple[Change, ...]:
    """Objectives and actions added, changed, done or dropped (a removed item counts as
    dropped) since ``previous``; nothing without a previous version."""
    if previous is None:
        return ()
    return tuple(
        _changes("objective", previous.objectives, current.objectives)
        + _changes("action", previous.actions, current.actions)
    )


def state(status: str, due_date: dt.date | None, as_of: dt.date) -> str:
    """overdue (open and due before ``as_of``), else the status."""
    if status == "open" and due_date is not None and due_date < as_of:
        return "overdue"
    return status


def _by_state(items: tuple, as_of: dt.date) -> list[tuple[Any, str]]:
    pairs = [(i, state(i.status, i.due_date, as_of)) for i in items]
    return sorted(pairs, key=lambda p: (STATES.index(p[1]), p[0].due_date or dt.date.max))


@dataclass(frozen=True)
class PlanReview:
    """An imported plan as the account review shows it, as of a date."""

    document: PlanDocument
    as_of: dt.date
    imported_at: str  # when this version was imported (ISO timestamp)
    changes: tuple[Change, ...]
    compared_with: str  # "version" (an earlier import) | "data" (the data's plan) | ""

    def objective_states(self) -> list[tuple[Objective, str]]:
        """Objectives, overdue first, then open, done and dropped, each by due date."""
        return _by_state(self.document.objectives, self.as_of)

    def action_states(self) -> list[tuple[Action, str]]:
        """Actions, overdue first, then open, done and dropped, each by due date."""
        return _by_state(self.document.actions, self.as_of)

    def counts(self) -> dict[str, int]:
        states = [s for _, s in self.objective_states()] + [s for _, s in self.action_states()]
        return {s: states.count(s) for s in STATES}


def plan_review(
    current: PlanDocument,
    previous: PlanDocument | None,
    as_of: dt.date,
    *,
    imported_at: str = "",
    compared_with: str = "",
) -> PlanReview:
    """The imported plan with its changes since ``previous`` (see :func:`plan_changes`)."""
    return PlanReview(
        document=current,
        as_of=as_of,
        imported_at=imported_at,
        changes=plan_changes(previous, current),
        compared_with=compared_with if previous is not None else "",
    )


__all__ = [
    "ATTITUDES",
    "CHANGES",
    "CONTEXT",
    "RESOURCES",
    "STATES",
    "STATUSES",
    "SWOT",
    "Action",
    "Change",
    "Objective",
    "Person",
    "PlanDocument",
    "PlanReview",
    "Resource",
    "attitude_of",
    "baseline_plan",
    "baseline_plans",
    "plan_changes",
    "plan_review",
    "state",
    "with_ids",
]
