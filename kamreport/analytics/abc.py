"""ABC (Pareto, 二八法则) analysis of a value per account, and concentration measures.

Only positive values count towards totals and shares; zero, negative and missing
values are class C and hold no share. Ties are broken by the index (ascending)
so results never depend on row order. Definitions in docs/metrics.md.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def _ranked(values: pd.Series) -> pd.Series:
    """Values sorted descending, ties in ascending index order; NaN last."""
    clean = values.astype(float)
    return clean.sort_index(kind="stable").sort_values(
        ascending=False, kind="stable", na_position="last"
    )


def _positive(values: pd.Series) -> pd.Series:
    return values.astype(float).where(lambda v: v > 0, 0.0).fillna(0.0)


def abc_classes(
    values: pd.Series, a_threshold: float = 0.80, b_threshold: float = 0.95
) -> pd.Series:
    """Class A, B or C per account (same index as ``values``).

    Accounts are sorted by value, largest first. An account is A while the
    cumulative share of the accounts before it is below ``a_threshold`` (so the
    account that crosses 80% is still A), B while it is below ``b_threshold``, C
    otherwise. Zero, negative and missing values are C and excluded from the total.
    """
    if not 0 < a_threshold <= b_threshold <= 1:
        raise ValueError(
            f"ABC thresholds must satisfy 0 < a ≤ b ≤ 1, found a={a_threshold}, b={b_threshold}"
        )
    ranked = _ranked(values)
    positive = _positive(ranked)
    total = positive.sum()
    classes = pd.Series("C", index=ranked.index, dtype=object)
    if total > 0:
        before = (positive.cumsum() - positive) / total
        classes[(positive > 0) & (before < b_threshold)] = "B"
        classes[(positive > 0) & (before < a_threshold)] = "A"
    return classes.reindex(values.index).rename("abc_class")


def pareto_curve(values: pd.Series) -> pd.DataFrame:
    """The Pareto curve: one row per account, largest value first.

    Columns: rank (1 = largest), value, account_share (rank / n), value_share
    (cumulative share of the positive total; non-positive values add nothing).
    """
    ranked = _ranked(values)
    positive = _positive(ranked)
    total = positive.sum()
    n = len(ranked)
    return pd.DataFrame(
        {
            "rank": np.arange(1, n + 1),
            "value": ranked.to_numpy(float),
            "account_share": np.arange(1, n + 1) / n if n else np.array([]),
            "value_share": (positive.cumsum() / total).to_numpy(float)
            if total > 0
            else np.zeros(n),
        },
        index=ranked.index,
    )


def top_n_share(values: pd.Series, n: int = 10) -> float:
    """Share of the positive total held by the ``n`` largest accounts (NaN if no total)."""
    positive = _positive(_ranked(values))
    total = positive.sum()
    if total <= 0:
        return float("nan")
    return float(positive.iloc[: max(int(n), 0)].sum() / total)


def top_share(values: pd.Series, fraction: float = 0.2) -> float:
    """Share of the positive total held by the top ``fraction`` of accounts.

    The top group is the ⌈n × fraction⌉ largest of the n accounts (all accounts
    count in n, also those with no positive value).
    """
    count = math.ceil(len(values) * fraction - 1e-9)
    return top_n_share(values, count)


def hhi(values: pd.Series) -> float:
    """Herfindahl-Hirschman index Σ sᵢ² of the shares of the positive values, 0–1.

    1/n for n equal accounts, 1 for a single one; × 10,000 gives the usual points.
    """
    positive = _positive(values)
    total = positive.sum()
    if total <= 0:
        return float("nan")
    shares = positive / total
    return float((shares**2).sum())
