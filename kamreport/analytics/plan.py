"""The account plan: objectives and actions, done, open and overdue.

Definitions (docs/metrics.md, "Account plan"), as of A: an item is "overdue" when
its status is open and its due date is before A; "open" when open otherwise;
"done" and "cancelled" as recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.periods import as_timestamp

STATES = ("overdue", "open", "done", "cancelled")


@dataclass(frozen=True)
class AccountPlan:
    items: pd.DataFrame  # kind, title, owner, due_date, state (overdue first)
    counts: dict[str, int]  # per state

    @property
    def empty(self) -> bool:
        return self.items.empty


def account_plan(
    plans: pd.DataFrame | None, account_id: str, as_of: dt.date | pd.Timestamp
) -> AccountPlan | None:
    """The plan of one account; None without an account_plans table."""
    if plans is None:
        return None
    end = as_timestamp(as_of)
    own = plans.loc[plans["account_id"] == account_id].copy()
    for column in ("owner", "due_date"):
        if column not in own:
            own[column] = pd.NaT if column == "due_date" else None
    overdue = (own["status"] == "open") & (own["due_date"] < end)
    own["state"] = np.where(overdue, "overdue", own["status"])
    order = {state: i for i, state in enumerate(STATES)}
    own = own.sort_values(
        ["state", "due_date"], key=lambda s: s.map(order) if s.name == "state" else s
    )
    items = own[["kind", "title", "owner", "due_date", "state"]].reset_index(drop=True)
    counts = {state: int((items["state"] == state).sum()) for state in STATES}
    return AccountPlan(items=items, counts=counts)


@dataclass(frozen=True)
class ActionLine:
    """An open plan item due in the window, or overdue."""

    account_id: str
    name: str
    kind: str  # objective | action
    title: str
    owner: str | None
    due_date: dt.date
    days: int  # due date − as-of date (negative: overdue by that many days)

    @property
    def overdue(self) -> bool:
        return self.days < 0


def due_actions(
    plans: pd.DataFrame | None, account_ids: list[str], as_of: dt.date, until: dt.date,
    names: Mapping[str, str],
) -> list[ActionLine]:  # fmt: skip
    """Open plan items of ``account_ids`` due by ``until``: overdue first (oldest first),
    then by due date."""
    if plans is None or plans.empty or "due_date" not in plans:
        return []
    own = plans.loc[plans["account_id"].astype(str).isin(account_ids)]
    due = pd.to_datetime(own["due_date"])
    keep = (own["status"] == "open") & due.notna() & (due <= pd.Timestamp(until))
    own, due = own.loc[keep], due[keep]
    start = pd.Timestamp(as_of)
    lines = [
        ActionLine(
            account_id=str(row.account_id),
            name=names.get(str(row.account_id), str(row.account_id)),
            kind=str(row.kind),
            title=str(row.title),
            owner=None if "owner" not in own or pd.isna(row.owner) else str(row.owner),
            due_date=day.date(),
            days=int((day - start).days),
        )
        for row, day in zip(own.itertuples(index=False), due, strict=True)
    ]
    lines.sort(key=lambda a: (a.due_date, a.account_id, a.title))
    return lines
