"""The account plan: objectives and actions, done, open and overdue.

Definitions (docs/metrics.md, "Account plan"), as of A: an item is "overdue" when
its status is open and its due date is before A; "open" when open otherwise;
"done" and "cancelled" as recorded.
"""

from __future__ import annotations

import datetime as dt
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
