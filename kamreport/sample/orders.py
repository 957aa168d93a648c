"""Order lines of the sample, fully vectorised so that millions of lines stay cheap.

Background accounts order at random: the number of orders per account and
month is Poisson with a rate that follows the account's size, trend, ramp-up
(new accounts) or wind-down (lost accounts) and the daily seasonality of
:mod:`~kamreport.sample.timeline`. Story accounts order on a fixed rhythm (see
``stories.py``). Each order has 1–4 lines, each line a different product from
the account's basket; quantities are rounded to the product's pack size. About
0.5% of the lines are returned later as credit notes (negative lines).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.sample import catalog as cat
from kamreport.sample import stories as st
from kamreport.sample.accounts import MEDIAN_REVENUE, Accounts, account_index
from kamreport.sample.timeline import Timeline, add_months, format_ids

DEFAULT_LINES_PER_ACCOUNT_YEAR = 125.0
LINE_COUNT_P = np.array([0.42, 0.30, 0.18, 0.10])  # 1, 2, 3, 4 lines per order
RETURN_SHARE = 0.005
_STORY_BASKET = 8
_PRICE_BUYER_BASKET = (
    "Niacin USP/EP",
    "Niacinamide USP/EP",
    "Niacin Direct Compression Grade",
    "Calcium D-Pantothenate USP",
    "Pyridoxine Hydrochloride EP",
    "Niacinamide Food Grade",
    "Calcium D-Pantothenate Food Grade",
    "Niacinamide Cosmetic Grade, Low Nicotinic Acid",
)


@dataclass(frozen=True)
class Baskets:
    """The products each account buys, flattened: account a owns positions offset[a]…+size[a]."""

    offset: np.ndarray
    size: np.ndarray
    products: np.ndarray
    cdf: np.ndarray  # cumulative weight within the account, plus the account index


@dataclass(frozen=True)
class Orders:
    """The order_lines table plus arrays the other tables are derived from."""

    frame: pd.DataFrame
    baskets: Baskets
    order_account: np.ndarray  # per sales order (credit notes excluded)
    order_day: np.ndarray
    order_net: np.ndarray
    monthly_revenue: np.ndarray  # net revenue per account and month, returns included


def build_baskets(rng: np.random.Generator, acc: Accounts) -> Baskets:
    """Pick each account's products by industry affinity and popularity (Gumbel top-k)."""
    n, p = acc.n, cat.N_PRODUCTS
    weight = cat.CATEGORY_AFFINITY[acc.industry][:, cat.CATEGORY_OF] * cat.POPULARITY
    weight = weight * rng.gamma(0.8, 1.25, (n, p))
    size = np.round(4 + 1.6 * np.log(acc.revenue / MEDIAN_REVENUE) + rng.normal(0, 0.7, n))
    size = np.clip(size, 2, 14).astype(np.int64)
    size[acc.story != ""] = _STORY_BASKET
    with np.errstate(divide="ignore"):
        keys = np.log(weight) + rng.gumbel(size=(n, p))
    rank = np.argsort(-keys, axis=1, kind="stable")
    buyer = account_index(st.PLANTED["price_buyer"][0])
    if buyer < n:
        chosen = [cat.product_index(name) for name in _PRICE_BUYER_BASKET]
        rank[buyer] = [*chosen, *(i for i in range(p) if i not in chosen)]
        weight[buyer, chosen] = 1.0
    size = np.minimum(size, (weight > 0).sum(axis=1))
    keep = np.arange(p)[None, :] < size[:, None]
    products = rank[keep]
    owner = np.repeat(np.arange(n), size)
    w = weight[owner, products]
    offset = np.concatenate([[0], np.cumsum(size)[:-1]])
    within = np.cumsum(w) - np.repeat(np.cumsum(w)[offset] - w[offset], size)
    total = np.repeat(np.add.reduceat(w, offset), size)
    return Baskets(offset, size, products, within / total + owner)


def expected_lines(size: np.ndarray) -> np.ndarray:
    """Mean lines per order when an order cannot have more lines than basket products."""
    counts = np.arange(1, 5)
    return (np.minimum(counts[None, :], size[:, None]) * LINE_COUNT_P).sum(axis=1)


def _story_days(rng: np.random.Generator, acc: Accounts, i: int, tl: Timeline) -> np.ndarray:
    """Order days of one story account: a fixed rhythm, see ``stories.py``."""
    story, account_id = acc.story[i], acc.ids[i]
    last = tl.n_days - 1
    if story == "churning":
        stretch = tl.day(add_months(tl.end, -st.CHURN_STRETCH_MONTHS))
        days, day = [], int(acc.active_from[i] + rng.integers(0, 6))
        while day <= last - st.CHURN_SILENT_DAYS:
            days.append(day)
            gap = st.CHURN_INTERVAL_DAYS + st.CHURN_STRETCH_RATE * max(0, day - stretch)
            day += round(gap) + int(rng.integers(-2, 3))
        return np.array(days)
    interval = 14 if account_id == "KA0074" else 7
    anchor = last if account_id == "KA0003" else last - int(rng.integers(0, 4))
    k = np.arange((anchor - acc.active_from[i]) // interval + 1)
    days = anchor - k * interval + np.where(k > 0, rng.integers(-1, 2, len(k)), 0)
    days = np.clip(days, 0, last)
    # Orders falling on a weekend or holiday move to the working day before it.
    workday = np.maximum.accumulate(np.where(tl.weight >= 0.2, np.arange(tl.n_days), -1))
    days = np.where(k > 0, workday[days], days)
    return np.sort(days[days >= acc.active_from[i]])


def _story_multiplier(story: str, days: np.ndarray, tl: Timeline) -> np.ndarray:
    """Quantity multiplier over time of a story account."""
    years = days / 365.25
    if story == "growing":
        ramp_start = tl.day(add_months(tl.end, -st.GROWTH_RAMP_MONTHS))
        share = np.clip((days - ramp_start) / (tl.n_days - 1 - ramp_start), 0, 1)
        return 1 + (st.GROWTH_RAMP_TO - 1) * share
    rate = {"healthy": 0.08, "falling_wallet_share": -0.02, "churning": 0.0}.get(story, 0.04)
    return np.exp(rate * years)


def _background_rates(
    rng: np.random.Generator, acc: Accounts, tl: Timeline
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Expected lines per account and month (unscaled) and the active day range of each cell."""
    bg = np.flatnonzero(acc.story == "")
    months = (np.arange(tl.n_months) + 0.5) / 12
    mult = np.exp(acc.growth[bg, None] * months[None, :]) * rng.lognormal(
        -0.0072, 0.12, (len(bg), tl.n_months)
    )
    mid = (tl.month_first + tl.month_last) / 2
    new = acc.since[bg] >= 0
    ramp = np.clip((mid[None, :] - acc.active_from[bg, None] + 30) / 180, 0.15, 1)
    mult = np.where(new[:, None], mult * ramp, mult)
    wind_down = np.clip((acc.active_to[bg, None] - mid[None, :]) / 180, 0.3, 1)
    mult = np.where(acc.lost[bg, None], mult * wind_down, mult)
    lo = np.maximum(tl.month_first[None, :], acc.active_from[bg, None])
    hi = np.minimum(tl.month_last[None, :], acc.active_to[bg, None])
    open_ = hi >= lo
    weight = np.where(open_, tl.cum[np.where(open_, hi, 0) + 1] - tl.cum[np.where(open_, lo, 0)], 0)
    relative = acc.revenue[bg] ** 0.7
    per_year = relative / relative.mean()
    base = per_year[:, None] / 365.25 * mult * weight
    return bg, base, lo, hi


def build_orders(
    rng: np.random.Generator,
    acc: Accounts,
    tl: Timeline,
    lines_per_account_year: float | None,
    target_lines: int | None,
) -> Orders:
    """Generate every order line (sales and credit notes) of the sample."""
    baskets = build_baskets(rng, acc)
    n = acc.n

    # Story accounts: fixed rhythm, 2–4 lines, quantity multiplier over time.
    story_idx = np.flatnonzero(acc.story != "")
    s_acc, s_day, s_mult = [], [], []
    for i in story_idx:
        days = _story_days(rng, acc, i, tl)
        s_acc.append(np.full(len(days), i))
        s_day.append(days)
        s_mult.append(_story_multiplier(acc.story[i], days, tl))
    s_acc_a, s_day_a = np.concatenate(s_acc), np.concatenate(s_day)
    s_lines = np.minimum(rng.integers(2, 5, len(s_acc_a)), baskets.size[s_acc_a])
    line_value = np.zeros(n)
    for i, days in zip(story_idx, s_day, strict=True):
        per_year = len(days) / max((tl.n_days - acc.active_from[i]) / 365.25, 0.1)
        line_value[i] = acc.revenue[i] / (per_year * 3.0)

    # Background accounts: Poisson orders per account and month.
    bg, base, lo, hi = _background_rates(rng, acc, tl)
    el = expected_lines(baskets.size[bg])
    if target_lines is not None:
        wanted = max(target_lines - s_lines.sum(), 0.5 * target_lines)
    else:
        per_year = lines_per_account_year or DEFAULT_LINES_PER_ACCOUNT_YEAR
        active_years = (acc.active_to[bg] - acc.active_from[bg] + 1) / 365.25
        wanted = per_year * active_years.sum()
    scale = wanted / base.sum()
    relative = acc.revenue[bg] ** 0.7
    line_value[bg] = acc.revenue[bg] / (relative / relative.mean() * scale)
    counts = rng.poisson(base * scale / el[:, None])
    idle = np.flatnonzero(counts.sum(axis=1) == 0)  # every account orders at least once
    busiest = np.argmax(np.where(hi >= lo, base, -1)[idle], axis=1)
    counts[idle, busiest] = 1
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    row, month = np.divmod(cell, tl.n_months)
    c_lo, c_hi = tl.cum[lo[row, month]], tl.cum[hi[row, month] + 1]
    u = c_lo + rng.random(len(cell)) * (c_hi - c_lo)
    b_day = np.clip(np.searchsorted(tl.cum, u, side="right") - 1, lo[row, month], hi[row, month])
    b_acc = bg[row]
    draw = (rng.random(len(b_acc))[:, None] > np.cumsum(LINE_COUNT_P)[None, :-1]).sum(axis=1)
    b_lines = np.minimum(draw + 1, baskets.size[b_acc])

    # All sales orders, in date order.
    o_acc = np.concatenate([b_acc, s_acc_a])
    o_day = np.concatenate([b_day, s_day_a])
    o_lines = np.concatenate([b_lines, s_lines])
    o_mult = np.concatenate([np.ones(len(b_acc)), np.concatenate(s_mult)])
    order = np.lexsort((rng.random(len(o_acc)), o_day))
    o_acc, o_day, o_lines, o_mult = o_acc[order], o_day[order], o_lines[order], o_mult[order]
    lines = _lines(rng, acc, tl, baskets, o_acc, o_day, o_lines, o_mult, line_value)
    returns = _returns(rng, acc, tl, lines)
    return _assemble(acc, tl, baskets, o_acc, o_day, lines, returns)


def _lines(
    rng: np.random.Generator,
    acc: Accounts,
    tl: Timeline,
    baskets: Baskets,
    o_acc: np.ndarray,
    o_day: np.ndarray,
    o_lines: np.ndarray,
    o_mult: np.ndarray,
    line_value: np.ndarray,
) -> dict[str, np.ndarray]:
    """Products, quantities and amounts of every sales line."""
    n_orders = len(o_acc)
    order = np.repeat(np.arange(n_orders), o_lines)
    j = np.arange(len(order)) - np.repeat(np.cumsum(o_lines) - o_lines, o_lines)
    start = np.searchsorted(baskets.cdf, o_acc + rng.random(n_orders), side="right")
    start = np.minimum(start - baskets.offset[o_acc], baskets.size[o_acc] - 1)
    a = o_acc[order]
    day = o_day[order]
    product = baskets.products[baskets.offset[a] + (start[order] + j) % baskets.size[a]]
    story = acc.story[a] != ""
    discount = acc.discount[a] + rng.normal(0, 0.003, len(a))
    spread = rng.normal(0, 0.01, (acc.n, cat.N_PRODUCTS))
    discount = np.where(story, discount, discount + spread[a, product])

    buyer = account_index(st.PLANTED["price_buyer"][0])
    mine = np.flatnonzero(a == buyer)
    if len(mine):
        from_day = tl.day(add_months(tl.end, -st.PRICE_MONTHS))
        narrow_end = tl.day(add_months(tl.end, -st.PRICE_MONTHS + st.PRICE_NARROW_MONTHS))
        shift = np.clip((day[mine] - from_day) / (narrow_end - from_day), 0, 1)
        switch = rng.random(len(mine)) < shift
        goods = np.array([cat.product_index(name) for name in st.PRICE_COMMODITIES])
        product[mine[switch]] = goods[rng.integers(0, 2, switch.sum())]
        depth = np.clip((day[mine] - from_day) / (tl.n_days - 1 - from_day), 0, 1)
        low, high = st.PRICE_DISCOUNT
        discount[mine] = low + (high - low) * depth + rng.normal(0, 0.003, len(mine))
    discount = np.clip(discount, 0.0, 0.3)
    # The price buyer keeps its volume, so its extra discount shows as lower revenue.
    priced_at = discount.copy()
    priced_at[mine] = st.PRICE_DISCOUNT[0]

    keep = _first_of_product(order, product, mine)
    order, a, day, product, discount, priced_at = (
        x[keep] for x in (order, a, day, product, discount, priced_at)
    )
    kept = np.bincount(order, minlength=n_orders)
    year = tl.year[day] - tl.first_year
    price = cat.list_prices(tl.n_years)[product, year]
    unit_cost = cat.unit_costs(tl.n_years)[product, year] * rng.normal(1, 0.015, len(a))
    # Story orders have a steady value however many lines they have; background
    # orders grow with their number of lines.
    steady = acc.story[a] != ""
    sigma = np.where(steady, 0.15, 0.5)
    per_line = np.where(steady, 3.0 / kept[order], 1.0)
    value = (
        line_value[a]
        * o_mult[order]
        * per_line
        * np.exp(rng.normal(0, 1, len(a)) * sigma - sigma**2 / 2)
    )
    raw = value / (price * (1 - priced_at))
    pack = cat.PACK_KG[product]
    # Whole packs; less than a pack in kg (one decimal: samples of costly actives).
    quantity = np.where(raw >= pack, np.round(raw / pack) * pack, np.maximum(0.1, np.round(raw, 1)))
    list_amount = np.round(quantity * price, 2)
    return {
        "order": order,
        "account": a,
        "day": day,
        "product": product,
        "quantity": quantity,
        "list": list_amount,
        "net": np.round(list_amount * (1 - discount), 2),
        "cost": np.round(quantity * unit_cost, 2),
    }


def _first_of_product(order: np.ndarray, product: np.ndarray, among: np.ndarray) -> np.ndarray:
    """Mask keeping one line per (order, product) among the lines ``among``."""
    keep = np.ones(len(order), dtype=bool)
    if len(among):
        key = order[among] * cat.N_PRODUCTS + product[among]
        _, first = np.unique(key, return_index=True)
        drop = np.ones(len(among), dtype=bool)
        drop[first] = False
        keep[among[drop]] = False
    return keep


def _returns(
    rng: np.random.Generator, acc: Accounts, tl: Timeline, lines: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Credit-note lines: ~0.5% of background lines, plus the planted quality returns."""
    a, day = lines["account"], lines["day"]
    chosen = np.flatnonzero((rng.random(len(a)) < RETURN_SHARE) & (acc.story[a] == ""))
    fraction = rng.choice([1.0, 0.5, 0.2], size=len(chosen), p=(0.5, 0.3, 0.2))
    later = rng.integers(5, 46, len(chosen))
    spike = account_index(st.PLANTED["complaint_spike"][0])
    window = np.flatnonzero((a == spike) & (day >= tl.n_days - 80) & (day <= tl.n_days - 25))
    if len(window):
        planted = window[np.linspace(0, len(window) - 1, 2).astype(int)]
        chosen = np.concatenate([chosen, planted])
        fraction = np.concatenate([fraction, [1.0, 1.0]])
        later = np.concatenate([later, [9, 12]])
    sold = lines["quantity"][chosen]
    quantity = -np.clip(np.round(sold * fraction, 1), np.minimum(sold, 1), sold)
    ratio = quantity / sold
    return {
        "account": a[chosen],
        "product": lines["product"][chosen],
        "day": np.minimum(day[chosen] + later, tl.n_days - 1),
        "quantity": quantity,
        "list": np.round(lines["list"][chosen] * ratio, 2),
        "net": np.round(lines["net"][chosen] * ratio, 2),
        "cost": np.round(lines["cost"][chosen] * ratio, 2),
    }


def _assemble(
    acc: Accounts,
    tl: Timeline,
    baskets: Baskets,
    o_acc: np.ndarray,
    o_day: np.ndarray,
    lines: dict[str, np.ndarray],
    returns: dict[str, np.ndarray],
) -> Orders:
    """Number the orders and credit notes and build the order_lines table."""
    o_year = tl.year[o_day]
    first = np.searchsorted(o_year, o_year)  # o_day is sorted, so years are too
    order_ids = format_ids("SO", np.arange(len(o_day)) - first + 1, 6, o_year)
    order = lines["order"]
    new_order = np.concatenate([[True], order[1:] != order[:-1]])
    starts = np.flatnonzero(new_order)
    line_no = np.arange(len(order)) - np.repeat(starts, np.diff(np.append(starts, len(order))))

    r_sort = np.argsort(returns["day"], kind="stable")
    returns = {k: v[r_sort] for k, v in returns.items()}
    r_year = tl.year[returns["day"]]
    r_first = np.searchsorted(r_year, r_year)
    credit_ids = format_ids("CN", np.arange(len(r_year)) - r_first + 1, 6, r_year)

    day = np.concatenate([lines["day"], returns["day"]])
    sequence = np.argsort(day, kind="stable")

    def both(key: str) -> np.ndarray:
        """Sales and credit-note values of one column in date order (frees the parts)."""
        return np.concatenate([lines.pop(key), returns[key]])[sequence]

    order_net = np.bincount(order, weights=lines["net"], minlength=len(o_day))
    account = both("account")
    product_ids = np.array(cat.PRODUCT_IDS, dtype=object)
    frame = pd.DataFrame(
        {
            "order_id": pd.array(
                np.concatenate([order_ids[order], credit_ids])[sequence], dtype="str"
            ),
            "line_no": np.concatenate([line_no + 1, np.ones(len(r_year), dtype=np.int64)])[
                sequence
            ].astype(np.int64),
            "account_id": pd.array(acc.ids[account], dtype="str"),
            "product_id": pd.array(product_ids[both("product")], dtype="str"),
            "order_date": tl.dates(day[sequence]),
            "quantity": both("quantity"),
            "net_amount": both("net"),
            "cost_amount": both("cost"),
            "list_amount": both("list"),
            "currency": pd.array(np.full(len(day), "CNY", dtype=object), dtype="str"),
        },
        copy=False,
    )
    cell = account * tl.n_months + tl.month[day[sequence]]
    monthly = np.bincount(
        cell, weights=frame["net_amount"].to_numpy(), minlength=acc.n * tl.n_months
    ).reshape(acc.n, tl.n_months)
    return Orders(frame, baskets, o_acc, o_day, order_net, monthly)
