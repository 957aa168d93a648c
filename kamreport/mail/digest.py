"""A KA manager's weekly digest, computed purely: their accounts, what changed since their
last digest, and the plan actions and activities due.

Definitions (docs/metrics.md, "Emails"): a manager's accounts are those whose
``ka_manager`` is the manager. An action is due when it is an open item of
``account_plans`` (objective or action) with a due date on or before the as-of date
plus ``email.digest_days``; it is overdue when its due date is before the as-of date
(as in the account review's plan section). Planned activities are those with status
``planned`` dated from the as-of date to the end of the same window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kamreport.analytics.membership import is_in
from kamreport.analytics.plan import ActionLine, due_actions
from kamreport.analytics.team import attainment
from kamreport.dataset import Dataset
from kamreport.figures import PortfolioFigures
from kamreport.mail.changes import Changes, account_state, baseline, compare
from kamreport.mail.send import EmailConfigError
from kamreport.mail.summary import AccountLine, AttentionLine, account_line, attention_lines
from kamreport.managers import manager_accounts
from kamreport.params import Params

MAX_ROWS = 25


@dataclass(frozen=True)
class ActivityLine:
    """A planned activity in the window."""

    account_id: str
    name: str
    date: dt.date
    kind: str  # visit, call, training, senior_visit, email, meeting


@dataclass(frozen=True)
class DigestSummary:
    """Everything a manager's digest says, as plain values."""

    manager: str
    as_of: dt.date
    until: dt.date  # the last day of the window
    accounts: tuple[AccountLine, ...]
    actions: tuple[ActionLine, ...]
    actions_more: int = 0
    overdue: int = 0  # overdue actions, all of them
    activities: tuple[ActivityLine, ...] = ()
    attention: tuple[AttentionLine, ...] = ()
    attention_more: int = 0
    changes: Changes | None = None
    has_plans: bool = True
    state: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    baseline: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    report: str = "digest"


def _names(dataset: Dataset) -> dict[str, str]:
    accounts = dataset.accounts
    return dict(zip(accounts["account_id"].astype(str), accounts["name"].astype(str), strict=True))


def planned_activities(
    activities: pd.DataFrame | None, account_ids: list[str], as_of: dt.date, until: dt.date,
    names: Mapping[str, str],
) -> list[ActivityLine]:  # fmt: skip
    """Activities of ``account_ids`` with status planned, dated from ``as_of`` to ``until``."""
    if activities is None or activities.empty or "status" not in activities:
        return []
    own = activities.loc[is_in(activities["account_id"], account_ids)]  # no text made per row
    day = pd.to_datetime(own["date"])
    keep = (
        (own["status"] == "planned") & (day >= pd.Timestamp(as_of)) & (day <= pd.Timestamp(until))
    )
    own, day = own.loc[keep], day[keep]
    lines = [
        ActivityLine(
            str(row.account_id), names.get(str(row.account_id), str(row.account_id)),
            d.date(), str(row.type),
        )
        for row, d in zip(own.itertuples(index=False), day, strict=True)
    ]  # fmt: skip
    lines.sort(key=lambda a: (a.date, a.account_id, a.kind))
    return lines


def digest_summary(
    dataset: Dataset,
    as_of: dt.date,
    params: Params,
    figures: PortfolioFigures,
    manager: str,
    *,
    history: Mapping[str, Any] | None = None,
) -> DigestSummary:
    """``manager``'s digest as of ``as_of``, compared with the digest in ``history``."""
    ids = manager_accounts(dataset, manager, error=EmailConfigError)
    names = _names(dataset)
    until = as_of + dt.timedelta(days=params.email.digest_days)
    values = figures.values
    revenue = values["revenue_ltm"].reindex(ids).astype(float).fillna(0.0)
    order = np.lexsort((np.array(ids), -revenue.to_numpy()))
    accounts = tuple(account_line(figures, ids[i], names) for i in order)
    plans = dataset.get("account_plans")
    actions = due_actions(plans, ids, as_of, until, names)
    shown = sorted(actions, key=lambda a: (not a.overdue, a.due_date))[:MAX_ROWS]
    shown.sort(key=lambda a: (a.due_date, a.account_id, a.title))
    activities = planned_activities(dataset.get("activities"), ids, as_of, until, names)
    attention, more = attention_lines(dataset, figures, ids, limit=params.email.attention_rows)
    targets = attainment(dataset, as_of, figures.flags)
    forecast = targets["forecast_attainment"] if len(targets) else pd.Series(dtype=float)
    state = account_state(as_of, values, figures.flags, forecast, ids)
    previous = baseline(history, state)
    e = params.email
    changes = compare(previous, state, names, threshold=e.target_risk_threshold, movers=e.movers)
    return DigestSummary(
        manager=manager,
        as_of=as_of,
        until=until,
        accounts=accounts,
        actions=tuple(shown),
        actions_more=len(actions) - len(shown),
        overdue=sum(a.overdue for a in actions),
        activities=tuple(activities[:MAX_ROWS]),
        attention=attention,
        attention_more=more,
        changes=changes,
        has_plans=plans is not None,
        state=state,
        baseline=previous,
    )
