"""A portfolio as a distributor's minimal export looks: many small accounts, thirteen
months of history, many one-off buyers, no costs, no wallet estimates, no influence
ratings. Built in code (seeded), for the tests of value, tiers and flags on such data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamreport.dataset import Dataset

AS_OF = pd.Timestamp("2026-09-30")
FIRST_DAY = pd.Timestamp("2025-09-01")  # thirteen months of data


def small_account_tables(n_accounts: int = 600, seed: int = 7) -> dict[str, pd.DataFrame]:
    """accounts (account_id, name = the id, country) and order_lines without cost_amount.

    About 45% of the accounts buy once, 25% two or three times, the rest every few weeks
    (a fifth of those stopped buying some months before the as-of date).
    """
    rng = np.random.default_rng(seed)
    ids = [f"C{i:05d}" for i in range(1, n_accounts + 1)]
    accounts = pd.DataFrame(
        {"account_id": ids, "name": ids, "country": rng.choice(["GB", "DE", "FR"], n_accounts)}
    )
    span = (AS_OF - FIRST_DAY).days
    kind = rng.choice(["once", "few", "regular"], n_accounts, p=[0.45, 0.25, 0.30])
    rows = []
    for account, how in zip(ids, kind, strict=True):
        if how == "once":
            offsets = rng.integers(0, span + 1, 1)
        elif how == "few":
            offsets = rng.integers(0, span + 1, rng.integers(2, 4))
        else:
            start = int(rng.integers(0, 60))
            step = int(rng.integers(14, 45))
            stop = span + 1 if rng.random() > 0.2 else int(rng.integers(start + 120, span - 90))
            offsets = np.arange(start, stop, step)
        for k, offset in enumerate(sorted(set(int(o) for o in offsets))):
            rows.append(
                (
                    f"{account}-{k}",
                    1,
                    account,
                    f"P{int(rng.integers(1, 40)):03d}",
                    FIRST_DAY + pd.Timedelta(days=offset),
                    float(rng.integers(1, 20)),
                    round(float(rng.lognormal(5.0, 0.8)), 2),
                )
            )
    order_lines = pd.DataFrame(
        rows,
        columns=[
            "order_id", "line_no", "account_id", "product_id", "order_date",
            "quantity", "net_amount",
        ],
    )  # fmt: skip
    order_lines["order_date"] = pd.to_datetime(order_lines["order_date"])
    return {"accounts": accounts, "order_lines": order_lines}


def small_accounts(n_accounts: int = 600, seed: int = 7) -> Dataset:
    """:func:`small_account_tables` as a dataset."""
    return Dataset(small_account_tables(n_accounts, seed), currency="GBP")
