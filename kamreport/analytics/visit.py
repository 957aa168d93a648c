"""The visit card: what a KA manager needs on one page before walking into the customer
(docs/metrics.md, "Visit card").

As of A, for one account:

- last visits: done activities of a type in :data:`VISIT_TYPES`, dated ≤ A, newest
  first, with the contact met and the notes;
- open actions: the account plan's actions that are open or overdue (overdue first,
  then by due date);
- overdue invoices: invoices dated ≤ A with an outstanding amount past their due date,
  longest overdue first;
- recent complaints: opened in the last ``complaint_days`` days, or still open at A,
  newest first;
- contacts: each contact's last done activity of any type; "met" when within
  ``contact_days`` days of A, otherwise "not met for long" (never met included);
- talking points: up to :data:`TALKING_POINTS`, from the account's issues in the
  attention order (risk flags and a margin fall) and its plan (overdue actions, then
  open objectives): at most two issues while the plan has something to say.

Every list is complete here; the view cuts it to fit the page and says how many more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.attention import AttentionItem
from kamreport.analytics.membership import is_in
from kamreport.analytics.periods import as_timestamp
from kamreport.analytics.plan import account_plan
from kamreport.analytics.receivables import invoice_amounts
from kamreport.analytics.relationships import done_activities
from kamreport.analytics.satisfaction import open_at
from kamreport.dataset import Dataset
from kamreport.schema import CONTACT_ROLES

VISIT_TYPES = ("visit", "senior_visit", "meeting", "training")
TALKING_POINTS = 3
ISSUES_WITH_PLAN = 2  # issues among the talking points when the plan has one to add

VISIT_COLUMNS = ["date", "type", "contact", "contact_en", "role", "notes"]
ACTION_COLUMNS = ["title", "owner", "due_date", "overdue"]
INVOICE_COLUMNS = ["invoice_id", "due_date", "days_overdue", "outstanding"]
COMPLAINT_COLUMNS = ["opened_date", "category", "severity", "open"]
CONTACT_COLUMNS = ["contact", "contact_en", "title", "role", "last_met", "days_since"]


@dataclass(frozen=True)
class TalkingPoint:
    """One thing to raise: an issue (``kind`` a flag code or MARGIN_FALL) or a plan item
    (``kind`` "action" or "objective", with its title and due date)."""

    source: str  # issue | plan
    kind: str
    severity: str = ""  # issues: high | medium
    title: str = ""  # plan items
    due_date: dt.date | None = None
    overdue: bool = False


@dataclass(frozen=True)
class VisitCard:
    account_id: str
    as_of: dt.date
    contact_days: int
    complaint_days: int
    visits: pd.DataFrame  # VISIT_COLUMNS, newest first
    actions: pd.DataFrame  # ACTION_COLUMNS, overdue first
    overdue_invoices: pd.DataFrame  # INVOICE_COLUMNS, longest overdue first
    complaints: pd.DataFrame  # COMPLAINT_COLUMNS, newest first
    met: pd.DataFrame  # CONTACT_COLUMNS, most recently met first
    not_met: pd.DataFrame  # CONTACT_COLUMNS, never met first, then longest ago
    talking_points: tuple[TalkingPoint, ...]
    has: frozenset[str]  # the tables the data has: activities, contacts, plans, …

    @property
    def overdue_amount(self) -> float:
        return float(self.overdue_invoices["outstanding"].sum())


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _names(contacts: pd.DataFrame | None) -> pd.DataFrame:
    """contact_id → contact (name, else the id), contact_en (English name), title, role."""
    if contacts is None:
        return pd.DataFrame(columns=["contact_id", "contact", "contact_en", "title", "role"])
    out = pd.DataFrame({"contact_id": contacts["contact_id"].astype(str)})
    name = contacts["name"] if "name" in contacts else pd.Series(None, index=contacts.index)
    out["contact"] = name.where(name.notna(), contacts["contact_id"]).astype(str).to_numpy()
    out["contact_en"] = contacts["name_en"].to_numpy() if "name_en" in contacts else None
    out["title"] = contacts["title"].to_numpy() if "title" in contacts else None
    out["role"] = contacts["role"].to_numpy() if "role" in contacts else None
    return out.drop_duplicates("contact_id")


def last_visits(
    activities: pd.DataFrame | None, contacts: pd.DataFrame | None, end: pd.Timestamp
) -> pd.DataFrame:
    """Done visits of the account's ``activities``, newest first, with whom and the notes."""
    if activities is None or activities.empty:
        return _empty(VISIT_COLUMNS)
    done = done_activities(activities, end)
    done = done.loc[done["type"].isin(VISIT_TYPES)]
    out = pd.DataFrame(
        {
            "date": done["date"].to_numpy(),
            "type": done["type"].to_numpy(),
            "contact_id": done["contact_id"].astype(str).to_numpy()
            if "contact_id" in done
            else None,
            "notes": done["notes"].to_numpy() if "notes" in done else None,
        }
    )
    out = out.merge(
        _names(contacts)[["contact_id", "contact", "contact_en", "role"]],
        on="contact_id",
        how="left",
    )
    out = out.sort_values("date", ascending=False, kind="stable").reset_index(drop=True)
    return out[VISIT_COLUMNS]


def open_actions(plans: pd.DataFrame | None, account_id: str, end: pd.Timestamp) -> pd.DataFrame:
    """The plan's open and overdue actions, overdue first, then by due date."""
    plan = account_plan(plans, account_id, end)
    if plan is None or plan.empty:
        return _empty(ACTION_COLUMNS)
    items = plan.items.loc[
        (plan.items["kind"] == "action") & plan.items["state"].isin(("overdue", "open"))
    ]
    out = items[["title", "owner", "due_date"]].copy()
    out["overdue"] = (items["state"] == "overdue").to_numpy()
    return out.reset_index(drop=True)[ACTION_COLUMNS]


def overdue_invoices(invoices: pd.DataFrame | None, end: pd.Timestamp) -> pd.DataFrame:
    """The account's invoices with an outstanding amount past due, longest overdue first."""
    if invoices is None or invoices.empty:
        return _empty(INVOICE_COLUMNS)
    inv, _ = invoice_amounts(invoices, end)
    late = inv.loc[(inv["days_overdue"] > 0) & (inv["outstanding"] > 0)]
    late = late.sort_values(["days_overdue", "invoice_id"], ascending=[False, True])
    return late[INVOICE_COLUMNS].reset_index(drop=True)


def recent_complaints(
    complaints: pd.DataFrame | None, end: pd.Timestamp, days: int
) -> pd.DataFrame:
    """Complaints opened in the last ``days`` days or still open at ``end``, newest first."""
    if complaints is None or complaints.empty:
        return _empty(COMPLAINT_COLUMNS)
    opened = complaints["opened_date"]
    still_open = open_at(complaints, end)
    keep = (opened <= end) & ((opened > end - pd.Timedelta(days=days)) | still_open)
    out = pd.DataFrame(
        {
            "opened_date": opened[keep].to_numpy(),
            "category": complaints.loc[keep, "category"].to_numpy()
            if "category" in complaints
            else None,
            "severity": complaints.loc[keep, "severity"].to_numpy()
            if "severity" in complaints
            else None,
            "open": still_open[keep].to_numpy(bool),
        }
    )
    return out.sort_values("opened_date", ascending=False, kind="stable").reset_index(drop=True)


def contact_recency(
    activities: pd.DataFrame | None, contacts: pd.DataFrame | None, end: pd.Timestamp, days: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(met within ``days``, not met for longer or never): each contact with its last done
    activity of any type."""
    people = _names(contacts)
    if people.empty:
        return _empty(CONTACT_COLUMNS), _empty(CONTACT_COLUMNS)
    last = pd.Series(pd.NaT, index=people["contact_id"], dtype="datetime64[ns]")
    if activities is not None and "contact_id" in activities and not activities.empty:
        done = done_activities(activities, end)
        seen = done.groupby(done["contact_id"].astype(str))["date"].max()
        last = seen.reindex(people["contact_id"]).astype("datetime64[ns]")
    people["last_met"] = last.to_numpy()
    people["days_since"] = (end - people["last_met"]).dt.days.astype(float)
    recent = people["days_since"] <= days
    met = people.loc[recent].sort_values(["last_met", "contact"], ascending=[False, True])
    rank = {role: i for i, role in enumerate(CONTACT_ROLES)}
    gone = people.loc[~recent].assign(
        _met=people["last_met"].notna(),  # never met (False) first
        _role=people["role"].map(rank).fillna(len(rank)),
    )
    gone = gone.sort_values(
        ["_met", "_role", "days_since", "contact"], ascending=[True, True, False, True]
    )
    return (
        met[CONTACT_COLUMNS].reset_index(drop=True),
        gone[CONTACT_COLUMNS].reset_index(drop=True),
    )


def talking_points(
    issues: Sequence[AttentionItem], plans: pd.DataFrame | None, account_id: str, end: pd.Timestamp
) -> tuple[TalkingPoint, ...]:
    """Up to :data:`TALKING_POINTS`: the first issues (attention order) and the plan's
    overdue actions, then its open objectives; at most :data:`ISSUES_WITH_PLAN` issues
    when the plan has a point to add, and the rest filled from whichever has more."""
    from_issues = [TalkingPoint("issue", i.kind, severity=i.severity) for i in issues]
    from_plan: list[TalkingPoint] = []
    plan = account_plan(plans, account_id, end)
    if plan is not None and not plan.empty:
        items = plan.items
        overdue = items.loc[(items["kind"] == "action") & (items["state"] == "overdue")]
        objectives = items.loc[(items["kind"] == "objective") & (items["state"] == "open")]
        for frame, is_late in ((overdue, True), (objectives, False)):
            for row in frame.itertuples():
                due = None if pd.isna(row.due_date) else pd.Timestamp(row.due_date).date()
                from_plan.append(
                    TalkingPoint(
                        "plan", str(row.kind), title=str(row.title), due_date=due, overdue=is_late
                    )
                )
    take_issues = min(len(from_issues), ISSUES_WITH_PLAN if from_plan else TALKING_POINTS)
    take_plan = min(len(from_plan), TALKING_POINTS - take_issues)
    take_issues = min(len(from_issues), TALKING_POINTS - take_plan)
    return tuple(from_issues[:take_issues] + from_plan[:take_plan])


def _own(table: pd.DataFrame | None, account_id: str) -> pd.DataFrame | None:
    if table is None:
        return None
    return table.loc[is_in(table["account_id"], [account_id])]  # no text made per row


def visit_card(
    dataset: Dataset,
    account_id: str,
    as_of: dt.date | pd.Timestamp,
    issues: Sequence[AttentionItem],
    *,
    contact_days: int,
    complaint_days: int,
) -> VisitCard:
    """The visit card of ``account_id`` as of ``as_of``; ``issues`` are the account's
    issues in attention order (:func:`kamreport.analytics.attention.attention_items`)."""
    end = as_timestamp(as_of)
    activities = _own(dataset.get("activities"), account_id)
    contacts = _own(dataset.get("contacts"), account_id)
    plans = dataset.get("account_plans")
    met, not_met = contact_recency(activities, contacts, end, contact_days)
    has = {
        name
        for name in ("activities", "contacts", "account_plans", "invoices", "complaints")
        if dataset.get(name) is not None
    }
    return VisitCard(
        account_id=account_id,
        as_of=end.date(),
        contact_days=contact_days,
        complaint_days=complaint_days,
        visits=last_visits(activities, contacts, end),
        actions=open_actions(plans, account_id, end),
        overdue_invoices=overdue_invoices(_own(dataset.get("invoices"), account_id), end),
        complaints=recent_complaints(
            _own(dataset.get("complaints"), account_id), end, complaint_days
        ),
        met=met,
        not_met=not_met,
        talking_points=talking_points(issues, plans, account_id, end),
        has=frozenset(has),
    )


__all__ = [
    "TALKING_POINTS",
    "VISIT_TYPES",
    "TalkingPoint",
    "VisitCard",
    "contact_recency",
    "last_visits",
    "open_actions",
    "overdue_invoices",
    "recent_complaints",
    "talking_points",
    "visit_card",
]
