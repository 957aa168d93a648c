"""Tier migration (客户分级变化): how accounts moved between tiers over a year."""

from __future__ import annotations

import pandas as pd

from kamreport.analytics.tiers import TIERS

NEW = "new"  # no order line up to the earlier date: not yet a customer then
RANK = {tier: i for i, tier in enumerate(TIERS)}


def migration_matrix(then: pd.Series, now: pd.Series) -> pd.DataFrame:
    """Counts of accounts by tier a year earlier (rows) and now (columns).

    Rows are the tiers plus ``new`` (accounts without any order then); columns
    the tiers. Every account of ``now`` is counted exactly once; an account
    missing from ``then`` counts as ``new``.
    """
    before = then.reindex(now.index).fillna(NEW)
    rows = [*TIERS, NEW]
    matrix = pd.crosstab(before, now).reindex(index=rows, columns=list(TIERS), fill_value=0)
    matrix.index.name, matrix.columns.name = "tier_then", "tier_now"
    return matrix.astype(int)


def movements(then: pd.Series, now: pd.Series) -> pd.DataFrame:
    """Accounts whose tier changed: tier_then, tier_now and direction (up, down, new)."""
    before = then.reindex(now.index).fillna(NEW)
    moved = before != now
    out = pd.DataFrame({"tier_then": before[moved], "tier_now": now[moved]})
    then_rank = out["tier_then"].map(RANK)
    now_rank = out["tier_now"].map(RANK)
    out["direction"] = "down"
    out.loc[now_rank < then_rank, "direction"] = "up"
    out.loc[out["tier_then"] == NEW, "direction"] = "new"
    return out


__all__ = ["NEW", "migration_matrix", "movements"]
