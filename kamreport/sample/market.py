"""Share of wallet and competitors of the sample.

The wallet is the customer's estimated yearly spend on our category. For a
background account it follows the customer's own size and trend (so our share
moves with our revenue), and is never below our actual revenue of that year;
the as-of year is compared on annualised revenue (year to date × 12 / months).
Competitors take part of the rest: 0–3 per account, shares fixed per
account and scaled every year so that their shares plus ours stay ≤ 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamreport.sample import names as nm
from kamreport.sample import stories as st
from kamreport.sample.accounts import Accounts
from kamreport.sample.timeline import Timeline

_STORY_SHARE = {
    "healthy": 0.55,
    "late_payer": 0.45,
    "complaint_spike": 0.45,
    "price_buyer": 0.45,
    "no_senior_contact": 0.45,
}


def yearly(tl: Timeline, monthly: np.ndarray) -> np.ndarray:
    """Monthly values (accounts × months) summed per calendar year (accounts × years)."""
    year_of_month = (tl.start.month - 1 + np.arange(tl.n_months)) // 12
    out = np.zeros((monthly.shape[0], tl.n_years))
    for y in range(tl.n_years):
        out[:, y] = monthly[:, year_of_month == y].sum(axis=1)
    return out


def active_months(acc: Accounts, tl: Timeline) -> np.ndarray:
    """Months (accounts × years) in which each account could order."""
    year_of_month = (tl.start.month - 1 + np.arange(tl.n_months)) // 12
    live = (
        (tl.month_last[None, :] >= acc.active_from[:, None])
        & (tl.month_first[None, :] <= acc.active_to[:, None])
    ).astype(float)
    return np.stack([live[:, year_of_month == y].sum(axis=1) for y in range(tl.n_years)], axis=1)


def build_wallet(
    rng: np.random.Generator, acc: Accounts, tl: Timeline, monthly: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """The wallet table, and the wallet matrix (accounts × years, 0 where no row)."""
    revenue = np.maximum(yearly(tl, monthly), 0)
    months = active_months(acc, tl)
    annual = np.where(months > 0, revenue * 12 / np.maximum(months, 1), 0)
    years = np.arange(tl.n_years)
    drift = np.cumsum(rng.normal(0, 0.02, (acc.n, tl.n_years)), axis=1)
    share = np.clip(acc.share[:, None] + drift, 0.05, 0.95)
    own = acc.revenue[:, None] * np.exp(acc.growth[:, None] * years[None, :])
    wallet = np.maximum(annual, own) / share
    for i in np.flatnonzero(acc.story != ""):
        kind = acc.story[i]
        if kind == "growing":
            wallet[i] = acc.revenue[i] / 0.35 * 1.06**years
        elif kind == "churning":
            wallet[i] = acc.revenue[i] / 0.5 * 1.03**years
        elif kind == "falling_wallet_share":
            offsets = tl.first_year + years - tl.end.year
            wallet[i] = annual[i] / np.array(
                [st.WALLET_SHARE_FALL.get(int(o), 0.62) for o in offsets]
            )
        else:
            wallet[i] = annual[i] / _STORY_SHARE[kind]
    wallet = np.ceil(np.maximum(wallet, revenue * 1.02) / 10_000) * 10_000
    has = (tl.first_year + years[None, :]) >= tl.year_of(acc.since)[:, None]
    has &= wallet > 0
    wallet = np.where(has, wallet, 0.0)
    row, col = np.nonzero(has)
    frame = pd.DataFrame(
        {
            "account_id": pd.array(acc.ids[row], dtype="str"),
            "year": (tl.first_year + col).astype(np.int64),
            "category_spend": wallet[row, col],
        }
    )
    return frame, wallet


def build_competitors(
    rng: np.random.Generator, acc: Accounts, tl: Timeline, monthly: np.ndarray, wallet: np.ndarray
) -> pd.DataFrame:
    """The competitors table: up to three competitors per account and wallet year."""
    revenue = np.maximum(yearly(tl, monthly), 0)
    months = active_months(acc, tl)
    annual = np.where(months > 0, revenue * 12 / np.maximum(months, 1), 0)
    ours = np.where(wallet > 0, np.minimum(annual / np.maximum(wallet, 1), 1), 0)
    n, most = acc.n, 3
    low, high = np.array([(0, 1), (1, 2), (1, 3), (2, 3)])[acc.band].T
    count = rng.integers(low, high + 1)
    count[acc.story != ""] = 2
    domestic_p = np.array([0.22, 0.2, 0.2, 0.2, 0.18, 0, 0, 0]) * 0.9 + 0.1 / len(nm.COMPETITORS)
    export_p = np.array([0.1, 0.05, 0.05, 0.1, 0.05, 0.25, 0.25, 0.15])
    p = np.where(acc.export[:, None], export_p[None, :], domestic_p[None, :])
    keys = np.log(p) + rng.gumbel(size=p.shape)  # weighted choice without replacement
    chosen = np.argsort(-keys, axis=1)[:, :most]
    weights = rng.gamma(2.0, size=(n, most)) * (np.arange(most)[None, :] < count[:, None])
    split = weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
    split *= rng.uniform(0.5, 0.9, n)[:, None]
    notes = rng.integers(0, len(nm.COMPETITOR_NOTES), (n, most))
    for i in np.flatnonzero(acc.story == "falling_wallet_share"):
        split[i, :2] = (0.75, 0.15)
        notes[i, 0] = len(nm.COMPETITOR_NOTES)  # the competitor taking our share
    present = (np.arange(most)[None, :, None] < count[:, None, None]) & (wallet > 0)[:, None, :]
    row, slot, year = np.nonzero(present)
    shares = np.floor((1 - ours[row, year]) * split[row, slot] * 1000) / 1000
    comp = chosen[row, slot]
    rising = f"低价抢单，{tl.end.year - 1}年起份额明显上升"
    note_text = np.array([*nm.COMPETITOR_NOTES, rising], dtype=object)
    order = np.lexsort((comp, year, row))
    row, comp, year, shares, note = (x[order] for x in (row, comp, year, shares, notes[row, slot]))
    names = np.array([c[0] for c in nm.COMPETITORS], dtype=object)
    products = np.array([c[1] for c in nm.COMPETITORS], dtype=object)
    return pd.DataFrame(
        {
            "account_id": pd.array(acc.ids[row], dtype="str"),
            "competitor": pd.array(names[comp], dtype="str"),
            "year": (tl.first_year + year).astype(np.int64),
            "share": shares,
            "products": pd.array(products[comp], dtype="str"),
            "note": pd.array(note_text[note], dtype="str"),
        }
    )
