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
) -> dict[str, pd.DataFrame]:
    """The two tables of a minimal distributor export: ``accounts`` and ``order_lines``.

    About 120 order lines per account in total, a ``share_without_account`` of them
    without an account; the lines cover the thirteen months up to ``end``.
    """
    end = _check(n_accounts, end, share_without_account)

    def rng(part: str) -> np.random.Generator:
        return np.random.default_rng([seed, 100 + _STREAMS.index(part)])

    stop = pd.Timestamp(end)
    start = (stop.to_period("M") - (MONTHS - 1)).start_time  # thirteen calendar months
    accounts = _accounts(rng("accounts"), n_accounts)
    prices = _prices(rng("products"))
    orders = _account_orders(rng("orders"), accounts["account_id"].to_numpy(), start, stop)
    lines = _lines(rng("lines"), orders, prices, mean_lines=18.0)
    credit = _credit_notes(rng("credit_notes"), lines, stop)
    known = pd.concat([lines, credit], ignore_index=True)
    guests = _guest_lines(rng("guests"), len(known), share_without_account, prices, start, stop)
    order_lines = _number_orders(pd.concat([known, guests], ignore_index=True))
    return {"accounts": accounts, "order_lines": order_lines}


def _check(n_accounts: int, end: dt.date, share: float) -> dt.date:
    end = end.date() if isinstance(end, dt.datetime) else end
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
    rng: np.random.Generator, ids: np.ndarray, start: pd.Timestamp, stop: pd.Timestamp
) -> pd.DataFrame:
    """Orders per account: a long tail of one-off buyers and a few frequent ones.

    Each account starts buying somewhere in the period (earlier is more likely) and
    orders at random dates from then on.
    """
    n = len(ids)
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
    return pd.DataFrame({"account_id": ids[owner], "order_date": _weekday(start, day)})


def _weekday(start: pd.Timestamp, day: np.ndarray) -> np.ndarray:
    """Dates ``start + day``, Saturdays moved to the Friday before (no trading then)."""
    dates = start.to_datetime64() + day.astype("timedelta64[D]")
    saturday = pd.DatetimeIndex(dates).day_of_week.to_numpy() == 5
    dates[saturday] -= np.timedelta64(1, "D")
    dates = np.maximum(dates, start.to_datetime64())
    return dates.astype("datetime64[ns]")


def _lines(
    rng: np.random.Generator, orders: pd.DataFrame, prices: pd.Series, mean_lines: float
) -> pd.DataFrame:
    """Order lines for ``orders``: products by popularity, pack quantities, price × quantity."""
    sizes = 1 + rng.poisson(mean_lines - 1, size=len(orders))
    order_no = np.repeat(np.arange(len(orders)), sizes)
    popularity = 1.0 / np.arange(1, len(prices) + 1) ** 0.9
    product = rng.choice(len(prices), size=len(order_no), p=popularity / popularity.sum())
    quantity = rng.choice(_PACKS, size=len(order_no), p=_PACK_WEIGHTS / _PACK_WEIGHTS.sum())
    amount = np.round(quantity * prices.to_numpy()[product], 2)
    return pd.DataFrame(
        {
            "order_key": order_no,
            "account_id": orders["account_id"].to_numpy()[order_no],
            "product_id": prices.index.to_numpy()[product],
            "order_date": orders["order_date"].to_numpy()[order_no],
            "quantity": quantity.astype(float),
            "net_amount": amount,
            "credit_note": False,
        }
    )


def _credit_notes(
    rng: np.random.Generator, lines: pd.DataFrame, stop: pd.Timestamp
) -> pd.DataFrame:
    """Returns: some lines come back, all or part, on a credit note of their own a few
    days to a month later (negative quantity and amount)."""
    picked = lines.loc[rng.random(len(lines)) < CREDIT_NOTE_SHARE].copy()
    part = np.maximum(1, np.floor(picked["quantity"] * rng.uniform(0.2, 1.0, len(picked))))
    unit = picked["net_amount"] / picked["quantity"]
    picked["quantity"] = -part
    picked["net_amount"] = -np.round(part * unit, 2)
    later = rng.integers(1, 31, size=len(picked)).astype("timedelta64[D]")
    picked["order_date"] = np.minimum(picked["order_date"].to_numpy() + later, stop.to_datetime64())
    picked["credit_note"] = True
    picked["order_key"] = picked["order_key"] + 10**9  # one credit note per returned order
    return picked


def _guest_lines(
    rng: np.random.Generator,
    known_lines: int,
    share: float,
    prices: pd.Series,
    start: pd.Timestamp,
    stop: pd.Timestamp,
) -> pd.DataFrame:
    """Lines of orders without a customer id, ``share`` of all lines: larger baskets."""
    wanted = round(known_lines * share / (1 - share))
    if wanted == 0:
        return _lines(rng, pd.DataFrame({"account_id": [], "order_date": []}), prices, 2.0)
    mean = 60.0
    n_orders = max(1, round(wanted / mean))
    days = rng.integers(0, (stop - start).days + 1, size=n_orders)
    orders = pd.DataFrame({"account_id": "", "order_date": _weekday(start, days)})
    lines = _lines(rng, orders, prices, mean)
    lines["order_key"] = lines["order_key"] + 2 * 10**9
    return lines


def _number_orders(lines: pd.DataFrame) -> pd.DataFrame:
    """Invoice numbers in date order; credit notes get a ``C`` before theirs."""
    lines = lines.sort_values(["order_date", "order_key"], kind="stable")
    key = lines["order_key"].to_numpy()
    new = np.r_[True, key[1:] != key[:-1]]
    number = (FIRST_ORDER_NO + np.cumsum(new) - 1).astype(str).astype(object)
    order_id = np.where(lines["credit_note"].to_numpy(), "C" + number, number)
    out = pd.DataFrame(
        {
            "order_id": order_id.astype(str),
            "account_id": lines["account_id"].astype(str).to_numpy(),
            "product_id": lines["product_id"].astype(str).to_numpy(),
            "order_date": lines["order_date"].to_numpy().astype("datetime64[ns]"),
            "quantity": lines["quantity"].to_numpy(float),
            "net_amount": lines["net_amount"].to_numpy(float),
        }
    )
    return out.reset_index(drop=True)
