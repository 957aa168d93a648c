"""The ``wholesale`` sample profile: a distributor's minimal export, as it really arrives.

Many companies can export no more than two files: invoice lines, and customers with
an id and a country. This profile builds that shape, so the minimal-export paths of
kamreport (derived names, no products table, no costs, lines without a customer,
short history) are exercised by tests and benchmarks:

- thousands of small accounts (default :data:`DEFAULT_ACCOUNTS`), numeric ids, most
  of them in one country, many buying once or twice;
- thirteen months of order lines ending on ``end`` (a month end by default), every
  line with ``order_id``, ``account_id``, ``product_id``, ``order_date``, ``quantity``
  and ``net_amount`` only (no ``line_no``, ``cost_amount``, ``list_amount`` or
  ``currency``: amounts are in GBP, so run it with ``data.currency: GBP``);
- an ``accounts`` table with ``account_id`` and ``country`` only (no names), and no
  other table (no products, invoices, targets …);
- credit notes as negative lines of their own orders (order ids starting with ``C``);
- about :data:`DEFAULT_SHARE_WITHOUT_ACCOUNT` of the lines with an empty
  ``account_id`` (guest checkouts).

Deterministic for a given seed: every part draws from its own random stream
``numpy.random.default_rng([seed, 100 + part])`` and nothing reads the clock.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kamreport.errors import ParamsError

DEFAULT_ACCOUNTS = 4_000
DEFAULT_END = dt.date(2026, 9, 30)
DEFAULT_SHARE_WITHOUT_ACCOUNT = 0.2
MONTHS = 13
CURRENCY = "GBP"
MIN_ACCOUNTS = 20
FIRST_ACCOUNT_ID = 12346
FIRST_ORDER_NO = 536365
CREDIT_NOTE_SHARE = 0.02  # of the lines with an account
PRODUCTS = 3_600
BASKET_LINES = 18.0  # mean lines of an order with an account

ACCOUNT_COLUMNS = ("account_id", "country")
LINE_COLUMNS = ("order_id", "account_id", "product_id", "order_date", "quantity", "net_amount")

# Country and weight: most customers are domestic, a tail abroad.
_COUNTRIES = (
    ("United Kingdom", 0.89),
    ("Germany", 0.022),
    ("France", 0.02),
    ("Ireland", 0.012),
    ("Spain", 0.01),
    ("Belgium", 0.006),
    ("Switzerland", 0.005),
    ("Portugal", 0.005),
    ("Italy", 0.005),
    ("Netherlands", 0.005),
    ("Norway", 0.004),
    ("Australia", 0.004),
    ("Finland", 0.004),
    ("Sweden", 0.004),
    ("Denmark", 0.004),
)
_PACKS = np.array([1, 2, 3, 4, 6, 8, 10, 12, 24, 36, 48, 96])
_PACK_WEIGHTS = np.array([12, 10, 6, 5, 8, 3, 5, 14, 9, 2, 2, 1], dtype=float)
_STREAMS = ("accounts", "orders", "lines", "credit_notes", "guests", "products")


def generate_wholesale(
    seed: int,
    n_accounts: int = DEFAULT_ACCOUNTS,
    end: dt.date = DEFAULT_END,
    share_without_account: float = DEFAULT_SHARE_WITHOUT_ACCOUNT,
    target_lines: int | None = None,
) -> dict[str, pd.DataFrame]:
    """The two tables of a minimal distributor export: ``accounts`` and ``order_lines``.

    About 120 order lines per account in total, or about ``target_lines`` (larger
    baskets, same number of orders), a ``share_without_account`` of them without an
    account; the lines cover the thirteen months up to ``end``.
    """
    end = _check(n_accounts, end, share_without_account, target_lines)

    def rng(part: str) -> np.random.Generator:
        return np.random.default_rng([seed, 100 + _STREAMS.index(part)])

    stop = pd.Timestamp(end)
    start = (stop.to_period("M") - (MONTHS - 1)).start_time  # thirteen calendar months
    accounts = _accounts(rng("accounts"), n_accounts)
    prices = _prices(rng("products"))
    owner, day = _account_orders(rng("orders"), n_accounts, start, stop)
    basket = BASKET_LINES
    if target_lines is not None:
        with_account = target_lines * (1 - share_without_account) / (1 + CREDIT_NOTE_SHARE)
        basket = max(1.0, with_account / len(owner))
    lines = _lines(rng("lines"), owner, day, prices, basket, key_offset=0)
    credit = _credit_notes(rng("credit_notes"), lines, stop)
    known = {k: np.concatenate([lines[k], credit[k]]) for k in lines}
    guests = _guest_lines(
        rng("guests"), len(known["key"]), share_without_account, prices, start, stop
    )
    every = {k: np.concatenate([known[k], guests[k]]) for k in known}
    ids = np.append(accounts["account_id"].to_numpy(dtype=object), "")  # code -1: no account
    return {"accounts": accounts, "order_lines": _order_lines(every, ids, prices.index)}


def _check(n_accounts: int, end: dt.date, share: float, target_lines: int | None) -> dt.date:
    end = end.date() if isinstance(end, dt.datetime) else end
    if target_lines is not None and target_lines < 1000:
        raise ParamsError(f"target_lines must be at least 1000; got {target_lines}.")
    if n_accounts < MIN_ACCOUNTS:
        raise ParamsError(
            f"The wholesale sample needs at least {MIN_ACCOUNTS} accounts; got {n_accounts}."
        )
    if not 0 <= share < 1:
        raise ParamsError(f"share_without_account must be at least 0 and below 1; got {share}.")
    return end


def _accounts(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Numeric ids with gaps (as an ERP numbers customers), a country each, no names."""
    ids = FIRST_ACCOUNT_ID + np.sort(rng.choice(int(n * 1.35), size=n, replace=False))
    names, weights = zip(*_COUNTRIES, strict=True)
    p = np.array(weights) / np.sum(weights)
    country = np.array(names, dtype=object)[rng.choice(len(names), size=n, p=p)]
    return pd.DataFrame({"account_id": ids.astype(str), "country": country}).astype(str)


def _prices(rng: np.random.Generator) -> pd.Series:
    """Unit prices by stock code: five digits, some with a variant letter."""
    codes = rng.choice(np.arange(10_000, 99_999), size=PRODUCTS, replace=False).astype(str)
    variant = rng.random(PRODUCTS) < 0.25
    letters = np.array(list("ABCDEFGHJKLMNPRSTVW"), dtype=object)[
        rng.integers(0, 19, size=PRODUCTS)
    ]
    codes = np.where(variant, codes.astype(object) + letters, codes.astype(object))
    price = np.round(rng.lognormal(mean=0.9, sigma=0.8, size=PRODUCTS), 2).clip(0.1, 300)
    return pd.Series(price, index=pd.Index(codes, name="product_id"))


def _account_orders(
    rng: np.random.Generator, n: int, start: pd.Timestamp, stop: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray]:
    """Orders per account (the account's position, and the day): a long tail of one-off
    buyers and a few frequent ones. Each account starts buying somewhere in the period
    (earlier is more likely) and orders at random dates from then on."""
    days = (stop - start).days
    counts = 1 + np.floor(rng.lognormal(mean=0.9, sigma=1.1, size=n)).astype(int)
    counts = np.minimum(counts, 200)
    first = np.floor(days * rng.beta(0.8, 1.6, size=n)).astype(int)
    owner = np.repeat(np.arange(n), counts)
    offset = np.repeat(first, counts)
    span = days - offset
    later = offset + np.floor(rng.random(len(owner)) * (span + 1)).astype(int)
    is_first = np.r_[True, owner[1:] != owner[:-1]]
    day = np.where(is_first, offset, later)
    return owner, _weekday(start, day)


def _weekday(start: pd.Timestamp, day: np.ndarray) -> np.ndarray:
    """Days ``start + day``, Saturdays moved to the Friday before (no trading then)."""
    first = start.to_datetime64().astype("datetime64[D]")
    dates = first + day.astype("timedelta64[D]")
    saturday = (dates.astype("int64") + 3) % 7 == 5  # 1970-01-01 was a Thursday (3)
    dates[saturday] -= np.timedelta64(1, "D")
    return np.maximum(dates, first)


def _lines(
    rng: np.random.Generator,
    owner: np.ndarray,
    day: np.ndarray,
    prices: pd.Series,
    mean_lines: float,
    key_offset: int,
) -> dict[str, np.ndarray]:
    """Order lines of the orders (``owner`` -1: no account): products by popularity, pack
    quantities, price × quantity. Columns as arrays; ``key`` numbers the orders."""
    sizes = 1 + rng.poisson(mean_lines - 1, size=len(owner))
    order_no = np.repeat(np.arange(len(owner)), sizes)
    popularity = 1.0 / np.arange(1, len(prices) + 1) ** 0.9
    product = rng.choice(len(prices), size=len(order_no), p=popularity / popularity.sum())
    quantity = rng.choice(_PACKS, size=len(order_no), p=_PACK_WEIGHTS / _PACK_WEIGHTS.sum())
    return {
        "key": order_no.astype(np.int64) + key_offset,
        "account": owner[order_no],
        "product": product,
        "day": day[order_no],
        "quantity": quantity.astype(float),
        "amount": np.round(quantity * prices.to_numpy()[product], 2),
        "credit": np.zeros(len(order_no), dtype=bool),
    }


def _credit_notes(
    rng: np.random.Generator, lines: dict[str, np.ndarray], stop: pd.Timestamp
) -> dict[str, np.ndarray]:
    """Returns: some lines come back, all or part, on a credit note of their own a few
    days to a month later (negative quantity and amount)."""
    picked = rng.random(len(lines["key"])) < CREDIT_NOTE_SHARE
    out = {k: v[picked] for k, v in lines.items()}
    part = np.maximum(1, np.floor(out["quantity"] * rng.uniform(0.2, 1.0, picked.sum())))
    unit = out["amount"] / out["quantity"]
    out["quantity"] = -part
    out["amount"] = -np.round(part * unit, 2)
    later = rng.integers(1, 31, size=picked.sum()).astype("timedelta64[D]")
    out["day"] = np.minimum(out["day"] + later, stop.to_datetime64().astype("datetime64[D]"))
    out["credit"] = np.ones(picked.sum(), dtype=bool)
    out["key"] = out["key"] + 10**9  # one credit note per returned order
    return out


def _guest_lines(
    rng: np.random.Generator,
    known_lines: int,
    share: float,
    prices: pd.Series,
    start: pd.Timestamp,
    stop: pd.Timestamp,
) -> dict[str, np.ndarray]:
    """Lines of orders without a customer id, ``share`` of all lines: larger baskets."""
    wanted = round(known_lines * share / (1 - share))
    mean = 60.0
    n_orders = 0 if wanted == 0 else max(1, round(wanted / mean))
    days = rng.integers(0, (stop - start).days + 1, size=n_orders)
    owner = np.full(n_orders, -1)
    return _lines(rng, owner, _weekday(start, days), prices, mean, key_offset=2 * 10**9)


def _order_lines(lines: dict[str, np.ndarray], ids: np.ndarray, products: pd.Index) -> pd.DataFrame:
    """The order_lines table: in date order, invoice numbers counted up, credit notes
    with a ``C`` before theirs; ids as text (taken from small dictionaries: fast)."""
    order = np.lexsort((lines["key"], lines["day"]))
    key = lines["key"][order]
    new = np.r_[True, key[1:] != key[:-1]]
    number = np.cumsum(new) - 1  # each order's position among the orders
    credit_order = lines["credit"][order][new]
    names = (FIRST_ORDER_NO + np.arange(len(credit_order))).astype(str).astype(object)
    names[credit_order] = "C" + names[credit_order]
    return pd.DataFrame(
        {
            "order_id": _text(names, number),
            "account_id": _text(ids, lines["account"][order] % len(ids)),  # -1: the last
            "product_id": _text(products.to_numpy(dtype=object), lines["product"][order]),
            "order_date": lines["day"][order].astype("datetime64[ns]"),
            "quantity": lines["quantity"][order],
            "net_amount": lines["amount"][order],
        }
    )


def _text(values: np.ndarray, codes: np.ndarray) -> pd.Series:
    """``values[codes]`` as a text column, the strings copied in Arrow."""
    taken = pc.take(pa.array(values, type=pa.string()), pa.array(codes))
    return pd.Series(pd.array(taken, dtype="str"))
