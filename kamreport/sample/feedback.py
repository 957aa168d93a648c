"""Satisfaction surveys and complaints of the sample.

Surveys run in June and December: every half year for large and enterprise
accounts, once a year for medium ones and a few small ones, scores 0–10 around
an account-specific level. Complaints arrive at random (more for larger
accounts) with a category, a severity and a resolution time; those not resolved
by the as-of date are open. Story accounts follow ``stories.py``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kamreport.sample import stories as st
from kamreport.sample.accounts import Accounts
from kamreport.sample.relationship import Contacts
from kamreport.sample.timeline import Timeline, add_months, format_ids

CATEGORIES = ("quality", "delivery", "documentation", "packaging", "invoicing")
_CATEGORY_P = (0.35, 0.25, 0.15, 0.15, 0.10)
SEVERITIES = ("low", "medium", "high")
_SEVERITY_P = (0.5, 0.35, 0.15)
_MEDIAN_DAYS = np.array([7.0, 12.0, 25.0])  # resolution time by severity
_COMPLAINT_RATE = np.array([0.02, 0.05, 0.10, 0.16])  # per month by size band
_SPIKE_CATEGORY = (0, 0, 1, 0, 3, 0)  # quality, quality, delivery, quality, packaging, quality
_SPIKE_SEVERITY = (1, 2, 0, 1, 2, 1)


def build_surveys(
    rng: np.random.Generator, acc: Accounts, tl: Timeline, contacts: Contacts
) -> pd.DataFrame:
    """The surveys table."""
    slots = [(y, m) for y in range(tl.first_year, tl.end.year + 1) for m in (6, 12)]
    first = np.array([tl.day(dt.date(y, m, 1)) for y, m in slots])
    december = np.array([m == 12 for _, m in slots])
    n, k = acc.n, len(slots)
    story = acc.story != ""
    wanted = np.select(
        [(story | (acc.band >= 2))[:, None], (acc.band == 1)[:, None]],
        [np.ones((n, k), bool), np.broadcast_to(december, (n, k))],
        december[None, :] & (rng.random((n, k)) < 0.3),
    )
    wanted &= story[:, None] | (rng.random((n, k)) < 0.85)
    day = first[None, :] + rng.integers(9, 25, (n, k))
    wanted &= (day <= tl.n_days - 1) & (day >= np.maximum(acc.active_from, 0)[:, None] + 60)
    wanted &= day <= acc.active_to[:, None] + 30
    level = np.clip(rng.normal(7.6, 0.8, n), 4, 9.5)
    score = level[:, None] + rng.normal(0, 0.4, (n, k))
    churn_from = tl.day(add_months(tl.end, -18))
    for i in np.flatnonzero(story):
        kind = acc.story[i]
        if kind == "healthy":
            score[i] = 8.8 + rng.normal(0, 0.15, k)
        elif kind == "churning":
            fall = np.clip((day[i] - churn_from) / (tl.n_days - 1 - churn_from), 0, 1)
            score[i] = 8.0 - 2.5 * fall + rng.normal(0, 0.1, k)
        else:
            score[i] = 7.8 + rng.normal(0, 0.15, k)
    row, col = np.nonzero(wanted)
    respondent_row = contacts.offset[row] + col % np.maximum(contacts.count[row], 1)
    respondent = np.where(
        contacts.count[row] > 0,
        contacts.name[np.minimum(respondent_row, len(contacts.name) - 1)],
        None,
    )
    return pd.DataFrame(
        {
            "account_id": pd.array(acc.ids[row], dtype="str"),
            "survey_date": tl.dates(day[row, col]),
            "score": np.round(np.clip(score[row, col], 0, 10), 1),
            "respondent": pd.array(respondent, dtype="str"),
        }
    ).sort_values(["survey_date", "account_id"], ignore_index=True)


def build_complaints(rng: np.random.Generator, acc: Accounts, tl: Timeline) -> pd.DataFrame:
    """The complaints table: random background complaints plus the story ones."""
    last = tl.n_days - 1
    bg = np.flatnonzero(acc.story == "")
    lo = np.maximum(tl.month_first[None, :], acc.active_from[bg, None])
    hi = np.minimum(tl.month_last[None, :], acc.active_to[bg, None] + 20)
    live = hi >= lo
    counts = rng.poisson(_COMPLAINT_RATE[acc.band[bg]][:, None] * live)
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    row, month = np.divmod(cell, tl.n_months)
    span = np.maximum(hi[row, month] - lo[row, month] + 1, 1)
    opened = np.minimum(lo[row, month] + (rng.random(len(cell)) * span).astype(np.int64), last)
    a = bg[row]
    category = rng.choice(len(CATEGORIES), size=len(a), p=_CATEGORY_P)
    severity = rng.choice(3, size=len(a), p=_SEVERITY_P)
    days = np.round(_MEDIAN_DAYS[severity] * rng.lognormal(0, 0.6, len(a))).astype(np.int64)
    closed = opened + np.maximum(days, 1)

    s_rows = _story_complaints(rng, acc, tl)
    a = np.concatenate([a, s_rows[:, 0]])
    opened = np.concatenate([opened, s_rows[:, 1]])
    closed = np.concatenate([closed, s_rows[:, 2]])
    category = np.concatenate([category, s_rows[:, 3]])
    severity = np.concatenate([severity, s_rows[:, 4]])
    order = np.lexsort((a, opened))
    a, opened, closed, category, severity = (
        x[order] for x in (a, opened, closed, category, severity)
    )
    open_ = closed > last
    return pd.DataFrame(
        {
            "complaint_id": pd.array(format_ids("CP", np.arange(1, len(a) + 1), 5), dtype="str"),
            "account_id": pd.array(acc.ids[a], dtype="str"),
            "opened_date": tl.dates(opened),
            "closed_date": pd.Series(tl.dates(np.where(open_, 0, closed)))
            .where(~open_)
            .astype("datetime64[ns]")
            .to_numpy(),
            "category": pd.array(np.array(CATEGORIES, dtype=object)[category], dtype="str"),
            "severity": pd.array(np.array(SEVERITIES, dtype=object)[severity], dtype="str"),
        }
    )


def _story_complaints(rng: np.random.Generator, acc: Accounts, tl: Timeline) -> np.ndarray:
    """Rows (account, opened, closed, category, severity) of the story accounts."""
    last = tl.n_days - 1
    spike_from = tl.day(add_months(tl.end, -3))
    rows: list[tuple[int, int, int, int, int]] = []
    for i in np.flatnonzero(acc.story != ""):
        start = max(int(acc.active_from[i]), 0)
        if acc.story[i] == "complaint_spike":
            quarters = range(start // 91, spike_from // 91)
            for q in quarters:
                day = q * 91 + int(rng.integers(10, 70))
                if q % 2 == 0 and start <= day < spike_from - 10:
                    rows.append((i, day, day + int(rng.integers(4, 15)), 0, 0))
            for k, before in enumerate(st.SPIKE_DAYS_BEFORE):
                day = last - before
                still_open = k >= len(st.SPIKE_DAYS_BEFORE) - st.SPIKE_OPEN
                closed = last + 30 if still_open else day + int(rng.integers(5, 12))
                rows.append(
                    (
                        i,
                        day,
                        min(closed, last - 1) if not still_open else closed,
                        _SPIKE_CATEGORY[k],
                        _SPIKE_SEVERITY[k],
                    )
                )
            continue
        for year_start in range(start, last - 60, 365):
            day = year_start + int(rng.integers(30, 300))
            if day < last - 60:
                rows.append((i, day, day + int(rng.integers(3, 12)), int(rng.integers(0, 4)), 0))
    return np.array(rows, dtype=np.int64).reshape(-1, 5)
