"""Relationships: the people around the purchase, how recently we met them, visits.

Definitions (docs/metrics.md, "Relationships"), as of A:

- an activity counts when its status is "done" (or empty) and its date ≤ A;
- last contact of a person: the latest counting activity with that ``contact_id``;
  days since: A − that date;
- role coverage per role: contacts known, and whether one of them was met in the
  last ``decision_maker_days`` (risk parameter);
- visits: counting activities of type "visit" in the YTD window against Σ
  ``targets.visits_target`` of the months of A's year whose first day is ≤ A;
- senior-management visits: counting "senior_visit" activities in the LTM window,
  the latest one and the days since it;
- planned: activities with status "planned" dated after A.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.periods import as_timestamp, ltm, ytd
from kamreport.schema import CONTACT_ROLES

KEY_ROLES = ("decision_maker", "purchaser", "user")


def done_activities(activities: pd.DataFrame, as_of: dt.date | pd.Timestamp) -> pd.DataFrame:
    """Activities that happened: status done (or empty) and dated ≤ as_of."""
    end = as_timestamp(as_of)
    done = activities["date"] <= end
    if "status" in activities:
        done &= activities["status"].isna() | (activities["status"] == "done")
    return activities.loc[done]


@dataclass(frozen=True)
class Relationships:
    contacts: pd.DataFrame  # contact_id, name, title, role, influence, sentiment, email, phone,
    #                         last_contact, days_since
    coverage: pd.DataFrame  # role, contacts, met_recently (bool), last_contact, days_since
    visits_done_ytd: int | None
    visits_target_ytd: float | None
    senior_visits_ltm: int | None
    last_senior_visit: dt.date | None
    days_since_senior_visit: int | None
    planned: pd.DataFrame  # date, type, notes (after A)
    activities_ltm: pd.Series  # counts by type

    @property
    def has_contacts(self) -> bool:
        return not self.contacts.empty

    @property
    def visit_attainment(self) -> float | None:
        if self.visits_done_ytd is None or not self.visits_target_ytd:
            return None
        return self.visits_done_ytd / self.visits_target_ytd


def account_relationships(
    contacts: pd.DataFrame | None,
    activities: pd.DataFrame | None,
    targets: pd.DataFrame | None,
    account_id: str,
    as_of: dt.date | pd.Timestamp,
    recent_days: int,
) -> Relationships | None:
    """The relationships section of one account; None when it has no contacts and no
    activities."""
    if contacts is None and activities is None:
        return None
    end = as_timestamp(as_of)
    people = (
        contacts.loc[contacts["account_id"] == account_id].copy()
        if contacts is not None
        else pd.DataFrame(columns=["contact_id", "name", "role"])
    )
    acts = (
        activities.loc[activities["account_id"] == account_id] if activities is not None else None
    )
    if people.empty and (acts is None or acts.empty):
        return None
    done = done_activities(acts, end) if acts is not None else None
    for column in ("title", "influence", "sentiment", "email", "phone", "name_en"):
        if column not in people:
            people[column] = np.nan
    last_contact = pd.Series(pd.NaT, index=people.index, dtype="datetime64[ns]")
    if done is not None and "contact_id" in done and len(people):
        last = done.groupby("contact_id")["date"].max()
        if len(last):  # mapping on nothing gives no dates, and no dates cannot be cast
            last_contact = pd.to_datetime(people["contact_id"].map(last))
    people["last_contact"] = last_contact
    people["days_since"] = (end - people["last_contact"]).dt.days
    rank = {role: i for i, role in enumerate(CONTACT_ROLES)}
    people = people.sort_values(
        ["role", "influence"], key=lambda s: s.map(rank) if s.name == "role" else -s.fillna(0)
    ).reset_index(drop=True)
    rows = []
    for role in KEY_ROLES:
        of_role = people.loc[people["role"] == role]
        last = of_role["last_contact"].max() if len(of_role) else pd.NaT
        days = None if pd.isna(last) else int((end - last).days)
        rows.append(
            {
                "role": role,
                "contacts": len(of_role),
                "met_recently": days is not None and days <= recent_days,
                "last_contact": None if pd.isna(last) else last.date(),
                "days_since": days,
            }
        )
    coverage = pd.DataFrame(rows)
    visits_done = visits_target = senior = last_senior = days_senior = None
    planned = pd.DataFrame(columns=["date", "type", "notes"])
    by_type = pd.Series(dtype=int)
    if done is not None:
        visits_done = int((ytd(end).mask(done["date"]) & (done["type"] == "visit")).sum())
        senior_all = done.loc[done["type"] == "senior_visit"]
        senior = int(ltm(end).mask(senior_all["date"]).sum())
        if len(senior_all):
            last_senior = senior_all["date"].max().date()
            days_senior = int((end - senior_all["date"].max()).days)
        # as text: a categorical column would count its unused categories too
        by_type = done.loc[ltm(end).mask(done["date"]), "type"].astype(str).value_counts()
        if "status" in acts:
            ahead = acts.loc[(acts["date"] > end) & (acts["status"] == "planned")]
            if "notes" not in ahead:
                ahead = ahead.assign(notes=None)
            planned = ahead.sort_values("date")[["date", "type", "notes"]].reset_index(drop=True)
            planned["type"] = planned["type"].astype(str)
    if targets is not None and "visits_target" in targets:
        own = targets.loc[
            (targets["account_id"] == account_id)
            & (targets["month"].dt.year == end.year)
            & (targets["month"] <= end)
        ]
        if own["visits_target"].notna().any():
            visits_target = float(own["visits_target"].sum())
    return Relationships(
        contacts=people,
        coverage=coverage,
        visits_done_ytd=visits_done,
        visits_target_ytd=visits_target,
        senior_visits_ltm=senior,
        last_senior_visit=last_senior,
        days_since_senior_visit=days_senior,
        planned=planned,
        activities_ltm=by_type,
    )
