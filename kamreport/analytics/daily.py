"""An account's order days: its net amount per account and date.

One summation of the order lines per account and day serves every figure that
counts order days or orders by day: the lifetime-value models and their
back-test (``clv``), the risk flags that read the usual order interval
(``risk``) and the score's loyalty (``scoring``), so P(alive), ORDER_GAP and the
order days of the score see the same days. A day whose lines
sum to a positive net amount is an order day; credit notes alone are none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.membership import factorized
from kamreport.analytics.periods import as_timestamp
from kamreport.dataset import TEXT_DTYPE
from kamreport.repeated_text import from_codes

_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True)
class DailySums:
    """Net amount per account and date of the lines dated ≤ an as-of date, as arrays
    sorted by account id, then date: ``accounts`` holds the distinct ids in order,
    ``account`` each row's position among them."""

    accounts: np.ndarray  # object: the account ids, sorted
    account: np.ndarray  # int64: each row's position in ``accounts``
    day: np.ndarray  # datetime64[ns], midnight
    net: np.ndarray  # float: the day's net amount

    def frame(self) -> pd.DataFrame:
        """Columns account_id, order_date, net_amount (see :func:`daily_net`)."""
        return pd.DataFrame(
            {
                "account_id": self._ids(),
                "order_date": self.day,
                "net_amount": self.net,
            },
            copy=False,  # the frame reads the arrays: no second copy of millions of days
        )

    def _ids(self) -> pd.Series:
        """Each row's account id, stored once per account (a categorical, as the order
        lines' ids are: :mod:`kamreport.repeated_text`), so millions of order days make
        no text each."""
        categories = pd.Index(self.accounts, dtype=TEXT_DTYPE)
        return from_codes(self.account, categories)

    def positions(self, accounts: pd.Index, rows: np.ndarray | None = None) -> np.ndarray:
        """Each row's position in ``accounts`` (-1 for an account not in it), of the
        ``rows`` only (a boolean mask, such as :meth:`order_days`) when given; each
        account looked up once, and no copies of the other columns."""
        at = accounts.get_indexer(pd.Index(self.accounts, dtype=object))
        return at[self.account if rows is None else self.account[rows]]

    def order_days(self) -> np.ndarray:
        """Which rows are order days: a positive net amount (credit notes alone are none)."""
        return self.net > 0


_ROWS_AT_A_TIME = 1 << 20  # lines turned into days at a time: temporaries of a million
_MIN_SLOTS = 1_000_000  # a slot per key below this many keys, whatever the lines


def daily_sums(order_lines: pd.DataFrame, as_of) -> DailySums:
    """Net amount per account and order date, from the lines dated ≤ as_of (lines without
    an account belong to no account's days). Grouped with integer keys and
    ``np.bincount`` so ten million lines stay quick; the sums add each day's lines in
    row order."""
    end = as_timestamp(as_of)
    keep = (order_lines["order_date"] <= end).to_numpy()
    codes, uniques = factorized(order_lines["account_id"])  # encoded once per run
    keep = keep & (codes >= 0)
    if not keep.any():
        no_day = np.array([], dtype="datetime64[ns]")
        none = np.array([], dtype=object)
        return DailySums(none, np.array([], dtype=np.int64), no_day, np.array([], dtype=float))
    order = np.argsort(np.asarray(uniques, dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    accounts = np.asarray(uniques, dtype=object)[order]
    ticks = order_lines["order_date"].to_numpy().astype("datetime64[ns]", copy=False)
    key, first_day, span = _day_keys(codes, rank, ticks.view(np.int64), keep)
    slots = len(accounts) * span  # a line not kept has key ``slots``: in no slot
    net = order_lines["net_amount"].to_numpy(float)  # the column itself: no copy
    kept = int(keep.sum())
    if slots <= max(4 * kept, _MIN_SLOTS):  # every (account, day) has a slot
        unique_keys, net = _dense_sums(key, net, slots, width=max(kept // 2, _MIN_SLOTS))
    else:
        inverse, unique_keys = pd.factorize(key[keep], sort=True)
        net = np.bincount(inverse, weights=net[keep])
        unique_keys = unique_keys.astype(np.int64, copy=False)
    day = (unique_keys % span + first_day).astype("datetime64[D]").astype("datetime64[ns]")
    return DailySums(accounts, unique_keys // span, day, net)


def _day_keys(
    codes: np.ndarray, rank: np.ndarray, ticks: np.ndarray, keep: np.ndarray
) -> tuple[np.ndarray, int, int]:
    """Each line's key, account × span + day (the account's ``rank`` of its code, the day
    counted from the first kept line's; days floored, as a cast to datetime64[D]
    floors), and the first day and the span; a line not kept gets accounts × span. A
    block of lines at a time: ten million lines make one array of keys, 32-bit where they
    fit, and no temporary of their own."""
    first, last = None, None
    for rows in _blocks(len(keep)):
        days = ticks[rows][keep[rows]]
        if len(days):
            low, high = int(days.min()) // _NS_PER_DAY, int(days.max()) // _NS_PER_DAY
            first = low if first is None else min(first, low)
            last = high if last is None else max(last, high)
    assert first is not None and last is not None  # the caller keeps a line at least
    span = last - first + 1
    slots = len(rank) * span
    key = np.empty(len(keep), dtype=np.int32 if slots < 2**31 - 1 else np.int64)
    for rows in _blocks(len(keep)):
        part = rank[codes[rows]] * span + (ticks[rows] // _NS_PER_DAY - first)
        key[rows] = np.where(keep[rows], part, slots)
    return key, first, span


def _blocks(count: int) -> list[slice]:
    return [slice(at, at + _ROWS_AT_A_TIME) for at in range(0, count, _ROWS_AT_A_TIME)]


def _dense_sums(
    key: np.ndarray, net: np.ndarray, slots: int, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """The keys below ``slots`` that occur (sorted) and the sum of ``net`` per key, each in
    row order, with a slot per possible key: over blocks of ``width`` keys (half as many
    as lines kept), so the slots' sums take half the memory of the lines' amounts at most."""
    found, sums = [], []
    for low in range(0, slots, width):
        high = min(low + width, slots)
        inside = (key >= low) & (key < high)
        offset = (key[inside] - low).astype(np.intp, copy=False)
        present = np.zeros(high - low, dtype=bool)
        present[offset] = True
        here = np.flatnonzero(present)
        sums.append(np.bincount(offset, weights=net[inside], minlength=high - low)[here])
        found.append(here + low)
        del inside, offset, present
    return np.concatenate(found), np.concatenate(sums)


def daily_net(order_lines: pd.DataFrame, as_of) -> pd.DataFrame:
    """:func:`daily_sums` as a frame: columns account_id, order_date, net_amount; sorted
    by account and date."""
    return daily_sums(order_lines, as_of).frame()
