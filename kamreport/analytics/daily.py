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

    def positions(self, accounts: pd.Index) -> np.ndarray:
        """Each row's position in ``accounts`` (-1 for an account not in it)."""
        return accounts.get_indexer(pd.Index(self.accounts, dtype=object))[self.account]

    def order_days(self) -> DailySums:
        """The rows with a positive net amount: the order days."""
        positive = self.net > 0
        return DailySums(
            self.accounts, self.account[positive], self.day[positive], self.net[positive]
        )


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
    codes = rank[codes[keep]]  # accounts in sorted order, as factorize(sort=True) numbers them
    # Days since 1970 (floored, as a cast to datetime64[D] floors), in place: ten million
    # rows make each temporary array 80 MB.
    ticks = order_lines["order_date"].to_numpy().astype("datetime64[ns]", copy=False)
    days = ticks.view(np.int64)[keep]
    days //= _NS_PER_DAY
    first_day = days.min()
    span = int(days.max() - first_day) + 1
    days -= first_day
    codes *= span
    codes += days
    key = codes  # account × span + day
    del days
    net = order_lines["net_amount"].to_numpy(float)[keep]
    if len(accounts) * span <= max(4 * len(key), 1_000_000):
        # every (account, day) has a slot: sums in row order, as over factorised keys
        present = np.zeros(len(accounts) * span, dtype=bool)
        present[key] = True
        unique_keys = np.flatnonzero(present)
        net = np.bincount(key, weights=net, minlength=len(accounts) * span)[unique_keys]
    else:
        inverse, unique_keys = pd.factorize(key, sort=True)
        net = np.bincount(inverse, weights=net)
    day = (unique_keys % span + first_day).astype("datetime64[D]").astype("datetime64[ns]")
    return DailySums(accounts, unique_keys // span, day, net)


def daily_net(order_lines: pd.DataFrame, as_of) -> pd.DataFrame:
    """:func:`daily_sums` as a frame: columns account_id, order_date, net_amount; sorted
    by account and date."""
    return daily_sums(order_lines, as_of).frame()
