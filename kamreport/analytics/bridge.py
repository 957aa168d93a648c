"""Revenue bridge (收入桥) from the prior LTM to the LTM, account by account.

Every account falls into exactly one category by its revenue R₀ in the prior
LTM and R₁ in the LTM (definitions in docs/metrics.md, "Portfolio"):

- new: R₀ ≤ 0 and R₁ > 0 (no positive revenue a year ago);
- lost: R₀ > 0 and R₁ ≤ 0;
- growth: R₀ > 0, R₁ > 0 and R₁ > R₀ (continuing accounts that grew);
- decline: R₀ > 0, R₁ > 0 and R₁ < R₀ (continuing accounts that shrank);
- other: everything else — unchanged continuing accounts (contribute 0) and
  accounts without positive revenue in either period (returns only).

A component is the sum of R₁ − R₀ over its accounts. Amounts are rounded to the
cent per account and summed as integers, so the components add up exactly to
the change of the total.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

COMPONENTS = ("new", "lost", "growth", "decline", "other")


@dataclass(frozen=True)
class RevenueBridge:
    """Totals, the five components and the per-account categories of the bridge."""

    prior_total: float
    current_total: float
    components: dict[str, float]
    counts: dict[str, int]
    accounts: pd.DataFrame  # index account_id: prior, current, change, category

    @property
    def change(self) -> float:
        return self.current_total - self.prior_total


def _cents(values: pd.Series) -> pd.Series:
    return np.round(values.astype(float).fillna(0.0) * 100).astype(np.int64)


def categorise(prior: pd.Series, current: pd.Series) -> pd.Series:
    """The bridge category of each account (index: the union of both indexes)."""
    index = prior.index.union(current.index)
    r0 = _cents(prior.reindex(index))
    r1 = _cents(current.reindex(index))
    category = np.select(
        [
            (r0 <= 0) & (r1 > 0),
            (r0 > 0) & (r1 <= 0),
            (r0 > 0) & (r1 > r0),
            (r0 > 0) & (r1 > 0) & (r1 < r0),
        ],
        ["new", "lost", "growth", "decline"],
        "other",
    )
    return pd.Series(category, index=index, name="category", dtype=object)


def revenue_bridge(prior: pd.Series, current: pd.Series) -> RevenueBridge:
    """The bridge of revenue per account ``prior`` (prior LTM) → ``current`` (LTM)."""
    index = prior.index.union(current.index)
    r0 = _cents(prior.reindex(index))
    r1 = _cents(current.reindex(index))
    category = categorise(prior, current)
    change = r1 - r0
    components = {c: int(change[category == c].sum()) / 100 for c in COMPONENTS}
    counts = {c: int((category == c).sum()) for c in COMPONENTS}
    accounts = pd.DataFrame(
        {"prior": r0 / 100, "current": r1 / 100, "change": change / 100, "category": category},
        index=index,
    )
    accounts.index.name = "account_id"
    return RevenueBridge(
        prior_total=int(r0.sum()) / 100,
        current_total=int(r1.sum()) / 100,
        components=components,
        counts=counts,
        accounts=accounts,
    )


__all__ = ["COMPONENTS", "RevenueBridge", "categorise", "revenue_bridge"]
