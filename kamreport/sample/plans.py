"""Targets, cost-to-serve, pipeline and account plans of the sample.

Targets are set the way a KA department sets them: last year's actual
(annualised for accounts that started during the year) times a growth factor,
spread over the months by seasonality, for every month up to December of the
as-of year. Cost-to-serve follows revenue (logistics, rebates) or size
(technical service). Opportunities and plan items close when their date has
passed, with some left open and overdue.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kamreport import schema
from kamreport.sample import catalog as cat
from kamreport.sample import names as nm
from kamreport.sample.accounts import Accounts
from kamreport.sample.market import active_months, yearly
from kamreport.sample.orders import Orders
from kamreport.sample.timeline import Timeline, format_ids

_SEASON = np.array([0.85, 0.7, 1.05, 1.0, 1.0, 0.95, 0.92, 0.95, 1.08, 0.95, 1.18, 1.22])
_VISITS = np.array([0.25, 0.5, 1.0, 2.0])
_STORY_GROWTH = {"healthy": 1.04, "growing": 1.10}


def build_targets(
    rng: np.random.Generator, acc: Accounts, tl: Timeline, monthly: np.ndarray
) -> pd.DataFrame:
    """Monthly revenue and visit targets from January of the first year to December of the last."""
    revenue = np.maximum(yearly(tl, monthly), 0)
    months = active_months(acc, tl)
    annual = np.where(months > 0, revenue * 12 / np.maximum(months, 1), 0)
    story = acc.story != ""
    growth = rng.uniform(1.03, 1.15, (acc.n, tl.n_years))
    for i in np.flatnonzero(story):
        growth[i] = _STORY_GROWTH.get(acc.story[i], 1.06)
    expected = acc.revenue[:, None] * rng.uniform(0.95, 1.15, (acc.n, tl.n_years))
    prior = np.concatenate(
        [np.where(story, annual[:, 0] / 1.04, acc.revenue)[:, None], annual[:, :-1]], axis=1
    )
    yearly_target = np.where(prior > 0, prior * growth, expected * 0.6)

    first_month = np.datetime64(dt.date(tl.first_year, 1, 1), "M")
    firsts = first_month + np.arange(tl.n_years * 12 + 1).astype("timedelta64[M]")
    start = np.datetime64(tl.start, "D")
    day_first = (firsts[:-1].astype("datetime64[D]") - start).astype(np.int64)
    day_last = (firsts[1:].astype("datetime64[D]") - start).astype(np.int64) - 1
    # A lost account keeps its targets to the end of the year it was lost in.
    loss_year_end = np.array([tl.day(dt.date(int(y), 12, 31)) for y in tl.year_of(acc.active_to)])
    last_active = np.where(acc.lost, loss_year_end, 10**9)
    live = (day_last[None, :] >= acc.active_from[:, None]) & (
        day_first[None, :] <= last_active[:, None]
    )
    year = np.repeat(np.arange(tl.n_years), 12)
    season = np.tile(_SEASON / _SEASON.sum(), tl.n_years)
    target = np.round(yearly_target[:, year] * season[None, :], -2)
    visits = np.where(story, 1.0, _VISITS[acc.band])
    row, col = np.nonzero(live & (target > 0))
    return pd.DataFrame(
        {
            "account_id": pd.array(acc.ids[row], dtype="str"),
            "month": firsts[col].astype("datetime64[D]").astype("datetime64[ns]"),
            "revenue_target": target[row, col],
            "visits_target": visits[row],
        }
    )


def build_service_costs(
    rng: np.random.Generator, acc: Accounts, tl: Timeline, monthly: np.ndarray
) -> pd.DataFrame:
    """Cost-to-serve per account, month and cost type (only non-zero amounts)."""
    n, m = monthly.shape
    revenue = np.maximum(monthly, 0)
    live = (tl.month_last[None, :] >= acc.active_from[:, None]) & (
        tl.month_first[None, :] <= acc.active_to[:, None]
    )
    key = (acc.band >= 2) | (acc.story != "")
    logistics = (
        revenue * np.where(acc.export, 0.045, 0.025)[:, None] * rng.lognormal(0, 0.15, (n, m))
    )
    rebate = revenue * np.where(key, rng.uniform(0.01, 0.03, n), 0)[:, None]
    promotion = np.where(
        live & (acc.band >= 1)[:, None] & (rng.random((n, m)) < 0.08),
        acc.revenue[:, None] * rng.uniform(0.002, 0.01, (n, m)),
        0,
    )
    service = np.where(
        live, np.array([0, 1500, 4000, 9000])[acc.band][:, None] * rng.lognormal(0, 0.2, (n, m)), 0
    )
    service[acc.story != ""] = np.where(live[acc.story != ""], 6000, 0)
    other = np.where(live & (rng.random((n, m)) < 0.03), rng.uniform(200, 3000, (n, m)), 0)
    amounts = np.stack([rebate, promotion, logistics, service, other], axis=2)  # COST_TYPES
    amounts = np.round(amounts, 2)
    row, col, kind = np.nonzero(amounts > 0)
    return pd.DataFrame(
        {
            "account_id": pd.array(acc.ids[row], dtype="str"),
            "month": tl.month_dates(col),
            "cost_type": pd.array(np.array(schema.COST_TYPES, dtype=object)[kind], dtype="str"),
            "amount": amounts[row, col, kind],
        }
    )


def build_opportunities(
    rng: np.random.Generator, acc: Accounts, tl: Timeline, orders: Orders
) -> pd.DataFrame:
    """A handful of opportunities per account; old ones won or lost, recent ones open."""
    last = tl.n_days - 1
    low, high = np.array([(0, 1), (0, 2), (2, 4), (3, 6)])[acc.band].T
    count = rng.integers(low, high + 1)
    count[acc.story != ""] = 4
    a = np.repeat(np.arange(acc.n), count)
    k = len(a)
    first = np.clip(acc.active_from[a], 0, last - 40)
    created = first + (rng.random(k) * (last - 10 - first)).astype(np.int64)
    expected = created + rng.integers(45, 271, k)
    closed = expected < last - 20
    win_p = np.where(np.isin(acc.story[a], ("healthy", "growing")), 0.8, 0.55)
    won = rng.random(k) < win_p
    close_day = np.clip(expected + rng.normal(0, 20, k).astype(np.int64), created + 10, last)
    stage_open = rng.choice(4, size=k, p=(0.25, 0.3, 0.25, 0.2))
    stale = ~closed & (rng.random(k) < 0.15) & (created < last - 90)
    expected = np.where(stale, last - rng.integers(10, 60, k), expected)
    stage = np.where(closed, np.where(won, 4, 5), stage_open)
    probability = np.array([0.1, 0.25, 0.5, 0.75, 1.0, 0.0])[stage]
    baskets = orders.baskets
    pick = baskets.offset[a] + (rng.random(k) * baskets.size[a]).astype(np.int64)
    product = np.where(
        rng.random(k) < 0.3, rng.integers(0, cat.N_PRODUCTS, k), baskets.products[pick]
    )
    year = tl.year_of(expected)
    deals = (
        ("年度供应协议", "annual supply agreement"),
        ("新项目导入", "new project"),
        ("替代竞品供应", "replacing a competitor"),
        ("扩大用量", "volume increase"),
    )
    deal = rng.integers(0, len(deals), k)
    names = [
        f"{cat.PRODUCTS[p][1]} – {deals[d][1]} {y}"
        if acc.export[i]
        else f"{cat.PRODUCTS[p][0]} {deals[d][0]} {y}"
        for i, p, d, y in zip(a, product, deal, year, strict=True)
    ]
    amount = np.maximum(np.round(acc.revenue[a] * rng.uniform(0.03, 0.3, k), -3), 1000.0)
    order = np.lexsort((a, created))
    closed_dates = pd.Series(tl.dates(close_day[order])).where(closed[order])
    return pd.DataFrame(
        {
            "opportunity_id": pd.array(format_ids("OP", np.arange(1, k + 1), 5), dtype="str"),
            "account_id": pd.array(acc.ids[a[order]], dtype="str"),
            "name": pd.array(np.array(names, dtype=object)[order], dtype="str"),
            "stage": pd.array(
                np.array(schema.OPPORTUNITY_STAGES, dtype=object)[stage[order]], dtype="str"
            ),
            "amount": amount[order],
            "probability": probability[order],
            "created_date": tl.dates(created[order]),
            "expected_close": tl.dates(expected[order]),
            "closed_date": closed_dates.astype("datetime64[ns]").to_numpy(),
        }
    )


_OBJECTIVES = (
    ("年销售额达到{x}万元", "Reach revenue of CNY {m} million"),
    ("钱包份额提升至{p}%", "Raise share of wallet to {p}%"),
    ("导入{zh}", "Introduce {en}"),
    ("回款周期控制在{d}天以内", "Keep payment within {d} days"),
    ("高层互访每年不少于{v}次", "At least {v} senior visits a year"),
)
_ACTIONS = (
    ("提交{zh}样品及COA", "Send {en} samples and COA", 0),
    ("安排客户工厂审核", "Arrange the customer's plant audit", 0),
    ("组织产品应用培训", "Run a product application training", 1),
    ("完成年度框架协议续签", "Renew the annual framework agreement", 0),
    ("季度业务回顾（QBR）", "Quarterly business review (QBR)", 0),
    ("对账并催收逾期款项", "Reconcile and collect overdue invoices", 2),
    ("技术服务上门支持", "On-site technical support", 1),
)
_STORY_ACTIONS = {
    "late_payer": ("对账并催收逾期款项", "Reconcile and collect overdue invoices", 2),
    "churning": ("恢复月度订货节奏", "Restore the monthly order rhythm", 0),
    "complaint_spike": ("完成质量投诉8D整改", "Close the 8D reports of the quality complaints", 1),
    "price_buyer": (
        "重建技术服务价值，避免纯价格竞争",
        "Rebuild the value of technical service",
        0,
    ),
    "falling_wallet_share": ("夺回被竞品抢走的份额", "Win back share lost to a competitor", 0),
    "no_senior_contact": ("安排高层拜访", "Arrange a senior management visit", 0),
}


def build_account_plans(rng: np.random.Generator, acc: Accounts, tl: Timeline) -> pd.DataFrame:
    """Objectives and actions for the last two years of the large accounts and the stories.

    Each account and year gets 2–3 different objectives with 1–3 different
    actions each; a story account also gets one overdue action that fits its
    story (none for the healthy accounts).
    """
    last = tl.n_days - 1
    planned = np.flatnonzero((acc.band >= 2) | (acc.story != ""))
    years = np.array([tl.end.year - 1, tl.end.year])
    pair_acc = np.repeat(planned, 2)
    pair_year = np.tile(years, len(planned))
    keep = tl.year_of(acc.active_from[pair_acc]) <= pair_year
    pair_acc, pair_year = pair_acc[keep], pair_year[keep]
    n_obj = rng.integers(2, 4, len(pair_acc))
    pick = np.argsort(rng.random((len(pair_acc), len(_OBJECTIVES))), axis=1)
    o_pair = np.repeat(np.arange(len(pair_acc)), n_obj)
    o_slot = np.arange(len(o_pair)) - np.repeat(np.cumsum(n_obj) - n_obj, n_obj)
    o_template = pick[o_pair, o_slot]
    o_acc, o_year = pair_acc[o_pair], pair_year[o_pair]
    o_product = rng.integers(0, cat.N_PRODUCTS, len(o_pair))
    o_due = np.array([tl.day(dt.date(int(y), 12, 31)) for y in years])[o_year - years[0]]

    n_act = rng.integers(1, 4, len(o_pair))
    a_pick = np.argsort(rng.random((len(o_pair), len(_ACTIONS))), axis=1)
    a_obj = np.repeat(np.arange(len(o_pair)), n_act)
    a_slot = np.arange(len(a_obj)) - np.repeat(np.cumsum(n_act) - n_act, n_act)
    a_template = a_pick[a_obj, a_slot]
    month = np.datetime64(f"{years[0]}-01", "M") + (
        (o_year[a_obj] - years[0]) * 12 + rng.integers(1, 12, len(a_obj))
    )
    a_due = (month.astype("datetime64[D]") - np.datetime64(tl.start, "D")).astype(
        np.int64
    ) + rng.integers(0, 28, len(a_obj))

    story_rows = np.flatnonzero(np.isin(acc.story, list(_STORY_ACTIONS)))
    rows = len(o_pair) + len(a_obj) + len(story_rows)
    account = np.concatenate([o_acc, o_acc[a_obj], story_rows])
    due = np.concatenate([o_due, a_due, np.full(len(story_rows), last - 45)])
    kind = np.array(["objective"] * len(o_pair) + ["action"] * (rows - len(o_pair)), dtype=object)
    export = acc.export[account]
    revenue = acc.revenue[o_acc]
    values = rng.integers(0, 1000, (len(o_pair), 4))  # share %, days, visits
    titles: list[str] = []
    owners: list[str] = []
    for k in range(len(o_pair)):
        product = cat.PRODUCTS[o_product[k]]
        titles.append(
            _OBJECTIVES[o_template[k]][int(export[k])].format(
                x=int(revenue[k] * 1.1 / 10_000),
                m=round(revenue[k] * 1.1e-6, 1),
                p=35 + values[k, 0] % 36,
                d=(45, 60, 75)[values[k, 1] % 3],
                v=2 + values[k, 2] % 3,
                zh=product[0],
                en=product[1],
            )
        )
        owners.append(acc.manager[o_acc[k]])
    people = (None, nm.TECH_SERVICE, nm.FINANCE)
    for k in range(len(a_obj)):
        product = cat.PRODUCTS[o_product[a_obj[k]]]
        zh, en, who = _ACTIONS[a_template[k]]
        titles.append((en if export[len(o_pair) + k] else zh).format(zh=product[0], en=product[1]))
        owners.append(people[who] or acc.manager[o_acc[a_obj[k]]])
    for i in story_rows:
        zh, en, who = _STORY_ACTIONS[acc.story[i]]
        titles.append(en if acc.export[i] else zh)
        owners.append(people[who] or acc.manager[i])

    draw = rng.random(rows)
    past = np.where(draw < 0.78, 1, np.where(draw < 0.92, 0, 2))  # done, open, cancelled
    status = np.where(due <= last, past, np.where(draw < 0.88, 0, 1))
    status[(acc.story[account] == "healthy") & (due <= last)] = 1
    status[len(o_pair) + len(a_obj) :] = 0
    order = np.lexsort((np.arange(rows), due, account))
    return pd.DataFrame(
        {
            "item_id": pd.array(format_ids("AP", np.arange(1, rows + 1), 5), dtype="str"),
            "account_id": pd.array(acc.ids[account[order]], dtype="str"),
            "kind": pd.array(kind[order], dtype="str"),
            "title": pd.array(np.array(titles, dtype=object)[order], dtype="str"),
            "owner": pd.array(np.array(owners, dtype=object)[order], dtype="str"),
            "due_date": tl.dates(due[order]),
            "status": pd.array(
                np.array(schema.PLAN_STATUSES, dtype=object)[status[order]], dtype="str"
            ),
        }
    )
