"""Contacts and activities of the sample: the people at each account and how we meet them.

Larger accounts have more contacts (2–8) and nearly always a decision maker;
contact details are obviously fake (``@<account>.example.com.cn``,
``138-0000-xxxx``). Background activities are Poisson per account, month and
type with rates by size band (export accounts get fewer visits, more e-mail);
activities after the as-of date are planned (or already cancelled). Story
accounts follow the fixed contact rhythm described in ``stories.py``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.sample import names as nm
from kamreport.sample import stories as st
from kamreport.sample.accounts import Accounts
from kamreport.sample.timeline import Timeline, add_months, format_ids

ROLES = ("decision_maker", "purchaser", "user", "influencer", "supporter", "blocker")
_STORY_ROLES = (0, 1, 2, 3, 4, 2)
_EXTRA_ROLE_P = (0.12, 0.35, 0.25, 0.18, 0.10)  # purchaser, user, influencer, supporter, blocker
_COUNT_RANGE = ((1, 2), (2, 4), (3, 6), (5, 8))  # contacts per size band
_PHONE_PREFIX = {
    "Vietnam": "+84-0000-",
    "Thailand": "+66-0000-",
    "India": "+91-0000-",
    "Germany": "+49-0000-",
    "Brazil": "+55-0000-",
}

TYPES = ("visit", "call", "email", "meeting", "training", "senior_visit")
# Activities per account and month by size band (small … enterprise), per type.
_RATES = np.array(
    [
        [0.12, 0.45, 1.0, 1.6],
        [0.4, 1.0, 2.0, 3.0],
        [0.5, 1.5, 3.0, 4.0],
        [0.02, 0.1, 0.3, 0.5],
        [0.0, 0.02, 0.08, 0.15],
        [0.0, 0.01, 0.15, 0.3],
    ]
)
_EXPORT_FACTOR = np.array([0.3, 1.0, 1.5, 0.5, 0.5, 0.4])
_PLANNABLE = np.array([True, False, False, True, True, True])
_NOTES = {
    "visit": (
        ("季度业务回顾", "Quarterly business review"),
        ("新品推介", "New product presentation"),
        ("现场技术交流", "Technical discussion on site"),
        ("确认下季度需求预测", "Demand forecast for next quarter"),
        ("年度合同谈判", "Annual contract negotiation"),
    ),
    "call": (
        ("确认交期", "Delivery date confirmed"),
        ("跟进付款", "Payment follow-up"),
        ("询价回复", "Quotation follow-up"),
        ("订单确认", "Order confirmation"),
    ),
    "email": (
        ("发送COA及报价单", "Sent COA and quotation"),
        ("发送样品跟踪信息", "Sample tracking sent"),
        ("寄送对账单", "Statement of account sent"),
    ),
    "meeting": (
        ("技术研讨会", "Technical seminar"),
        ("供应商审核", "Supplier audit"),
        ("项目启动会", "Project kick-off"),
    ),
    "training": (
        ("产品应用培训", "Product application training"),
        ("质量标准培训", "Quality standards training"),
    ),
    "senior_visit": (
        ("高层拜访：战略合作交流", "Senior visit: strategic partnership"),
        ("高层拜访：年度框架协议", "Senior visit: annual framework agreement"),
    ),
}


@dataclass(frozen=True)
class Contacts:
    """The contacts table plus per-account lookups used by activities and surveys."""

    frame: pd.DataFrame
    offset: np.ndarray  # first contact row of each account
    count: np.ndarray  # contacts of each account
    role: np.ndarray  # role index of each contact
    name: np.ndarray  # display name of each contact
    decision_maker: np.ndarray  # contact row of the account's decision maker, or -1
    ids: np.ndarray


def build_contacts(rng: np.random.Generator, acc: Accounts) -> Contacts:
    """Contacts per account: a decision maker and a purchaser first, then others."""
    py = random.Random(int(rng.integers(2**62)))
    n = acc.n
    low, high = np.array(_COUNT_RANGE)[acc.band].T
    count = rng.integers(low, high + 1)
    story = acc.story != ""
    count[story] = len(_STORY_ROLES)
    offset = np.concatenate([[0], np.cumsum(count)[:-1]])
    owner = np.repeat(np.arange(n), count)
    position = np.arange(len(owner)) - offset[owner]
    has_dm = (rng.random(n) < np.where(acc.band > 0, 0.92, 0.5))[owner]
    extra = 1 + rng.choice(5, size=len(owner), p=_EXTRA_ROLE_P)
    role = np.where(
        position == 0,
        np.where(has_dm, 0, 1),
        np.where(position == 1, np.where(has_dm, 1, 2), extra),
    )
    for i in np.flatnonzero(story):
        role[offset[i] : offset[i] + count[i]] = _STORY_ROLES
    influence = np.clip(np.array([5, 3, 2, 4, 2, 4])[role] + rng.integers(-1, 2, len(role)), 1, 5)
    sentiment = np.select(
        [role == 0, role == 5],
        [rng.choice([0, 1, 2], len(role), p=(0.2, 0.5, 0.3)), rng.choice([-2, -1], len(role))],
        rng.choice([-1, 0, 1, 2], len(role), p=(0.1, 0.35, 0.35, 0.2)),
    )
    dm_sentiment = {"healthy": 2, "churning": -1, "no_senior_contact": 0, "price_buyer": 0}
    for i in np.flatnonzero(story):
        sentiment[offset[i]] = dm_sentiment.get(acc.story[i], 1)

    ids = format_ids("CT", np.arange(1, len(owner) + 1), 5)
    countries = acc.frame["country"].to_numpy(dtype=object)
    names, names_en, titles, emails, phones = [], [], [], [], []
    for c in range(len(owner)):
        a = owner[c]
        country = countries[a]
        role_name = ROLES[role[c]]
        title_zh, title_en = py.choice(nm.TITLES[role_name])
        if country == "China":
            for _ in range(10):  # a name not yet used at this account
                (sur, sur_en), (given, given_en) = py.choice(nm.SURNAMES), py.choice(nm.GIVEN_NAMES)
                if f"{sur}{given}" not in names[offset[a] :]:
                    break
            name, name_en, title = f"{sur}{given}", f"{sur_en} {given_en}", title_zh
            handle, domain = f"{given_en}.{sur_en}", "example.com.cn"
            phone = f"138-0000-{(c + 1) % 10000:04d}"
        else:
            people = nm.FOREIGN_PEOPLE[country]
            name = name_en = people[(a * 3 + position[c]) % len(people)]
            title, handle, domain = title_en, name_en.replace(" ", "."), "example.com"
            phone = f"{_PHONE_PREFIX[country]}{(c + 1) % 10000:04d}"
        names.append(name)
        names_en.append(name_en)
        titles.append(title)
        emails.append(f"{handle.lower()}@{acc.ids[a].lower()}.{domain}")
        phones.append(phone)
    frame = pd.DataFrame(
        {
            "contact_id": pd.array(ids, dtype="str"),
            "account_id": pd.array(acc.ids[owner], dtype="str"),
            "name": pd.array(names, dtype="str"),
            "name_en": pd.array(names_en, dtype="str"),
            "title": pd.array(titles, dtype="str"),
            "role": pd.array(np.array(ROLES, dtype=object)[role], dtype="str"),
            "influence": influence.astype(float),
            "sentiment": sentiment.astype(float),
            "email": pd.array(emails, dtype="str"),
            "phone": pd.array(phones, dtype="str"),
        }
    )
    first_dm = np.full(n, -1)
    dm_rows = np.flatnonzero(role == 0)
    first_dm[owner[dm_rows[::-1]]] = dm_rows[::-1]
    return Contacts(frame, offset, count, role, np.array(names, dtype=object), first_dm, ids)


def _business_day(tl: Timeline, days: np.ndarray) -> np.ndarray:
    """Weekend days moved to the Friday before (Saturday) or the Monday after (Sunday)."""
    weekday = tl.weekday_of(days)
    return days - (weekday == 5) + (weekday == 6)


def build_activities(
    rng: np.random.Generator, acc: Accounts, tl: Timeline, contacts: Contacts
) -> pd.DataFrame:
    """The activities table: background Poisson activities plus the story rhythm."""
    extra = 3
    first, last_day = tl.month_bounds(extra)
    n_months = len(first)
    bg = np.flatnonzero(acc.story == "")
    open_from = acc.active_from[bg] - 30
    open_to = np.where(acc.lost[bg], acc.active_to[bg] + 60, last_day[-1])
    live = (first[None, :] <= open_to[:, None]) & (last_day[None, :] >= open_from[:, None])
    future = first >= tl.n_days
    parts = []
    for t in range(len(TYPES)):
        rate = _RATES[t][acc.band[bg]] * np.where(acc.export[bg], _EXPORT_FACTOR[t], 1.0)
        lam = rate[:, None] * live * (~future | _PLANNABLE[t])[None, :]
        counts = rng.poisson(lam)
        cell = np.repeat(np.arange(counts.size), counts.ravel())
        row, month = np.divmod(cell, n_months)
        span = last_day[month] - first[month] + 1
        day = _business_day(tl, first[month] + (rng.random(len(cell)) * span).astype(np.int64))
        day = np.clip(day, np.maximum(open_from[row], 0), open_to[row])
        parts.append((bg[row], day, np.full(len(cell), t)))
    a = np.concatenate([p[0] for p in parts])
    day = np.concatenate([p[1] for p in parts])
    kind = np.concatenate([p[2] for p in parts])

    has = contacts.count[a] > 0
    pick = contacts.offset[a] + (rng.random(len(a)) * contacts.count[a]).astype(np.int64)
    dm = contacts.decision_maker[a]
    senior = (kind == TYPES.index("senior_visit")) & (dm >= 0) & (rng.random(len(a)) < 0.8)
    contact = np.where(has, np.where(senior, dm, pick), -1)
    cancelled = _PLANNABLE[kind] & (rng.random(len(a)) < np.where(day >= tl.n_days, 0.1, 0.05))
    status = np.where(cancelled, 2, np.where(day >= tl.n_days, 1, 0))

    story = _story_activities(rng, acc, tl, contacts)
    a = np.concatenate([a, story[0]])
    day = np.concatenate([day, story[1]])
    kind = np.concatenate([kind, story[2]])
    contact = np.concatenate([contact, story[3]])
    status = np.concatenate([status, story[4]])

    order = np.lexsort((kind, a, day))
    a, day, kind, contact, status = (x[order] for x in (a, day, kind, contact, status))
    owner = acc.manager[a].copy()
    is_senior = kind == TYPES.index("senior_visit")
    owner[is_senior] = np.array(nm.EXECUTIVES, dtype=object)[rng.integers(0, 2, is_senior.sum())]
    note_pick = rng.random(len(a))
    notes = np.empty(len(a), dtype=object)
    for t, kind_name in enumerate(TYPES):
        options = _NOTES[kind_name]
        for lang, language in enumerate((~acc.export[a], acc.export[a])):
            mask = (kind == t) & language
            texts = np.array([o[lang] for o in options], dtype=object)
            notes[mask] = texts[(note_pick[mask] * len(options)).astype(np.int64)]
    contact_ids = np.where(contact >= 0, contacts.ids[np.maximum(contact, 0)], None)
    return pd.DataFrame(
        {
            "activity_id": pd.array(format_ids("AC", np.arange(1, len(a) + 1), 6), dtype="str"),
            "account_id": pd.array(acc.ids[a], dtype="str"),
            "date": tl.dates(day),
            "type": pd.array(np.array(TYPES, dtype=object)[kind], dtype="str"),
            "status": pd.array(
                np.array(("done", "planned", "cancelled"), dtype=object)[status], dtype="str"
            ),
            "contact_id": pd.array(contact_ids, dtype="str"),
            "owner": pd.array(owner, dtype="str"),
            "notes": pd.array(notes, dtype="str"),
        }
    )


def _story_activities(
    rng: np.random.Generator, acc: Accounts, tl: Timeline, contacts: Contacts
) -> tuple[np.ndarray, ...]:
    """The fixed contact rhythm of the story accounts (see ``stories.py``)."""
    first, _ = tl.month_bounds(3)
    last = tl.n_days - 1
    end_month = tl.n_months - 1
    no_senior_from = tl.day(add_months(tl.end, -st.NO_SENIOR_MONTHS))
    no_dm_from = tl.day(add_months(tl.end, -st.NO_DECISION_MAKER_MONTHS))
    rows: list[tuple[int, int, int, int, int]] = []
    visit, call, email, training, senior = (
        TYPES.index(t) for t in ("visit", "call", "email", "training", "senior_visit")
    )
    for i in np.flatnonzero(acc.story != ""):
        c0 = contacts.offset[i]
        dm, buyer, user, expert = c0, c0 + 1, c0 + 2, c0 + 3
        start_month = int(np.searchsorted(first, acc.active_from[i], side="right") - 1)
        for m in range(start_month, len(first)):
            before_end = end_month - m  # 0 = the as-of month, negative = after it
            base = first[m]
            plan: list[tuple[int, int, int]] = [
                (
                    visit,
                    base + 8 + int(rng.integers(0, 10)),
                    dm if before_end % 2 == 0 else (buyer, user, expert)[m % 3],
                ),
            ]
            if before_end >= 0:
                plan += [
                    (call, base + 3 + int(rng.integers(0, 5)), buyer),
                    (call, base + 17 + int(rng.integers(0, 5)), buyer),
                    (email, base + 5 + int(rng.integers(0, 5)), buyer),
                    (email, base + 20 + int(rng.integers(0, 5)), user),
                ]
            if (before_end > 0 and before_end % 4 == 1) or before_end == -2:
                plan.append((senior, base + 12 + int(rng.integers(0, 6)), dm))
            if before_end % 6 == 3:
                plan.append((training, base + 14 + int(rng.integers(0, 6)), user))
            for kind, day, contact in plan:
                day = int(_business_day(tl, np.array([day]))[0])
                if acc.story[i] == "no_senior_contact":
                    if kind == senior and day >= no_senior_from:
                        continue
                    if contact == dm and day >= no_dm_from:
                        contact = buyer
                rows.append((i, day, kind, contact, 0 if day <= last else 1))
    table = np.array(rows, dtype=np.int64).reshape(-1, 5)
    return tuple(table[:, k] for k in range(5))
