"""Targets beyond revenue: the visit, senior-visit and training cadence, and category targets.

The workshop sets, per account, how often we visit, how often senior management
visits, how many trainings we give, and revenue targets per product category.

- **History**: done activities of each type in the last twelve months
  (``ltm`` window; an activity without a status counts as done).
- **Proposed cadence** = the larger of the tier's service level
  (``targets.service_levels``) and the history: the service level is the
  company's floor for the tier, and an account already served more often keeps
  that cadence unless the room decides otherwise.
- **Category mix**: each category's share of the account's LTM revenue; the
  proposed category target is that share of the account's agreed revenue target.
- **Monthly counts**: a yearly count n is spread over the months as whole numbers,
  month m (1–12) getting floor(n·m/12) − floor(n·(m−1)/12), so the months add up to
  n and the visits fall evenly (4 a year → March, June, September, December).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from kamreport.analytics.periods import ltm
from kamreport.params import SERVICE_KINDS

ACTIVITY_TYPE = {"visits": "visit", "senior_visits": "senior_visit", "training": "training"}
TARGET_COLUMN = {
    "visits": "visits_target",
    "senior_visits": "senior_visits_target",
    "training": "training_target",
}
NO_CATEGORY = "—"


def service_history(activities: pd.DataFrame | None, as_of, accounts: pd.Index) -> pd.DataFrame:
    """Done visits, senior visits and trainings per account in the twelve months to as_of
    (index ``accounts``, columns :data:`SERVICE_KINDS`; 0 without activities)."""
    out = pd.DataFrame(0, index=accounts, columns=list(SERVICE_KINDS), dtype="int64")
    if activities is None or activities.empty:
        return out
    inside = ltm(as_of).mask(activities["date"])
    if "status" in activities:
        inside &= activities["status"].fillna("done").eq("done")
    done = activities.loc[inside]
    for kind in SERVICE_KINDS:
        counts = done.loc[done["type"] == ACTIVITY_TYPE[kind]].groupby("account_id").size()
        out[kind] = counts.reindex(accounts, fill_value=0).astype("int64")
    return out


def propose_service(
    history: pd.DataFrame, tiers: pd.Series, levels: Mapping[str, Mapping[str, float]]
) -> pd.DataFrame:
    """Proposed yearly counts: max(the tier's service level, the last twelve months).
    A tier without a level for a kind proposes the history."""
    out = pd.DataFrame(index=history.index)
    tier = tiers.reindex(history.index)
    for kind in SERVICE_KINDS:
        level = tier.map(lambda t, k=kind: float(levels.get(t, {}).get(k, 0)))
        out[kind] = np.maximum(level.fillna(0.0).to_numpy(), history[kind].to_numpy())
    return out.round().astype("int64")


def category_mix(
    order_lines: pd.DataFrame, products: pd.DataFrame | None, as_of, accounts: pd.Index
) -> pd.DataFrame:
    """Per account and category with LTM revenue > 0: revenue_ltm and share of the
    account's positive category revenue. Columns: account_id, category, revenue_ltm, share
    (sorted by account in ``accounts`` order, then revenue, largest first). Products
    without a category (or no products table) fall under :data:`NO_CATEGORY`."""
    columns = ["account_id", "category", "revenue_ltm", "share"]
    lines = order_lines.loc[
        ltm(as_of).mask(order_lines["order_date"]) & order_lines["account_id"].isin(accounts)
    ]
    if lines.empty:
        return pd.DataFrame(columns=columns)
    category = pd.Series(NO_CATEGORY, index=lines.index)
    if products is not None and "category" in products and not products.empty:
        lookup = products.drop_duplicates("product_id").set_index("product_id")["category"]
        mapped = lines["product_id"].map(lookup)
        category = mapped.where(mapped.notna() & (mapped.astype(str).str.strip() != ""))
        category = category.fillna(NO_CATEGORY).astype(str)
    sums = (
        lines.assign(category=category)
        .groupby(["account_id", "category"], sort=False)["net_amount"]
        .sum()
        .rename("revenue_ltm")
        .reset_index()
    )
    sums = sums.loc[sums["revenue_ltm"] > 0]
    # text, not the lines' categorical: a map of a categorical stays one, and would sort
    # by its categories (the ids) instead of by the numbers it maps to
    sums["account_id"] = sums["account_id"].astype(str)
    totals = sums.groupby("account_id")["revenue_ltm"].transform("sum")
    sums["share"] = sums["revenue_ltm"] / totals
    order = {a: i for i, a in enumerate(accounts)}
    sums = sums.assign(_o=sums["account_id"].map(order), _r=-sums["revenue_ltm"])
    sums = sums.sort_values(["_o", "_r", "category"], kind="stable")
    return sums[columns].reset_index(drop=True)


def monthly_counts(yearly: pd.Series) -> pd.DataFrame:
    """Whole yearly counts (index account_id) spread evenly over months 1–12 as whole
    numbers that add up to the year (columns 1–12)."""
    n = yearly.astype(float).round().astype("int64").to_numpy()[:, None]
    months = np.arange(1, 13)[None, :]
    cumulative = (n * months) // 12
    previous = (n * (months - 1)) // 12
    return pd.DataFrame(cumulative - previous, index=yearly.index, columns=range(1, 13))


__all__ = [
    "ACTIVITY_TYPE",
    "NO_CATEGORY",
    "SERVICE_KINDS",
    "TARGET_COLUMN",
    "category_mix",
    "monthly_counts",
    "propose_service",
    "service_history",
]
