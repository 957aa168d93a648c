"""Does the score work? Scores of a year ago against what happened next.

Accounts with positive revenue in the twelve months before the back-test date
T (= as_of − 12 months) are followed over the twelve months after T. An account
"went bad" when its revenue there is zero or less (lost) or at least
``shrink`` below the twelve months before T. A useful score ranks those
accounts low: the AUC is the probability that a randomly chosen account that
went bad scored lower than a randomly chosen one that did not (ties count
half), computed as the Mann–Whitney U statistic. Definitions in
docs/metrics.md, "Portfolio".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Backtest:
    """Outcome per account, hit rate by score decile and the AUCs."""

    accounts: pd.DataFrame  # score, flags, revenue_before, revenue_after, change, lost, bad
    deciles: pd.DataFrame  # decile (1 = lowest scores), accounts, bad, hit_rate, score_min/max
    auc_score: float  # AUC of a low score for "went bad"
    auc_flags: float  # AUC of the number of risk flags for "went bad"
    base_rate: float  # share of followed accounts that went bad

    @property
    def followed(self) -> int:
        return len(self.accounts)

    @property
    def bad(self) -> int:
        return int(self.accounts["bad"].sum())


def auc_mann_whitney(positive: np.ndarray, negative: np.ndarray) -> float:
    """P(X > Y) + ½ P(X = Y) for X from ``positive``, Y from ``negative``; NaN if either
    is empty. Uses average ranks: AUC = (R₊ − n₊(n₊ + 1)/2) / (n₊ n₋)."""
    pos = np.asarray(positive, dtype=float)
    neg = np.asarray(negative, dtype=float)
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    # Average ranks of ties, as scipy.stats.rankdata; pandas is loaded anyway, SciPy's
    # statistics module (0.5 s to import) is not needed by a report from cached figures.
    ranks = pd.Series(np.concatenate([pos, neg])).rank(method="average").to_numpy()
    u = ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2
    return float(u / (len(pos) * len(neg)))


def score_deciles(score: pd.Series, bad: pd.Series, groups: int = 10) -> pd.DataFrame:
    """Accounts split into ``groups`` equal-count groups by score (1 = lowest scores;
    ties broken by account id), with the share that went bad in each."""
    order = score.sort_index(kind="stable").rank(method="first")
    count = min(groups, len(score))
    if count == 0:
        return pd.DataFrame(columns=["decile", "accounts", "bad", "hit_rate", "score_min",
                                     "score_max"])  # fmt: skip
    decile = np.ceil(order.reindex(score.index) * count / len(score)).astype(int)
    frame = pd.DataFrame({"decile": decile, "score": score, "bad": bad.astype(int)})
    out = frame.groupby("decile").agg(
        accounts=("bad", "size"), bad=("bad", "sum"),
        score_min=("score", "min"), score_max=("score", "max"),
    )  # fmt: skip
    out["hit_rate"] = out["bad"] / out["accounts"]
    return out.reset_index()[["decile", "accounts", "bad", "hit_rate", "score_min", "score_max"]]


def backtest(
    score: pd.Series,
    revenue_before: pd.Series,
    revenue_after: pd.Series,
    flags: pd.Series | None = None,
    *,
    shrink: float = 0.3,
) -> Backtest:
    """Back-test of ``score`` (as of T) against revenue after T.

    ``revenue_before``/``revenue_after``: revenue per account in the twelve months
    before/after T; ``flags``: number of risk flags per account as of T.
    """
    followed = revenue_before[revenue_before.astype(float) > 0].index
    before = revenue_before.reindex(followed).astype(float)
    after = revenue_after.reindex(followed).astype(float).fillna(0.0)
    change = after / before - 1
    lost = after <= 0
    bad = lost | (change <= -shrink)
    flag_count = flags.reindex(followed) if flags is not None else pd.Series(0, index=followed)
    accounts = pd.DataFrame(
        {
            "score": score.reindex(followed).astype(float),
            "flags": flag_count.fillna(0).astype(int),
            "revenue_before": before,
            "revenue_after": after,
            "change": change,
            "lost": lost,
            "bad": bad,
        }
    )
    went_bad, stayed = accounts[accounts.bad], accounts[~accounts.bad]
    return Backtest(
        accounts=accounts,
        deciles=score_deciles(accounts["score"], accounts["bad"]),
        auc_score=auc_mann_whitney(-went_bad["score"].to_numpy(), -stayed["score"].to_numpy()),
        auc_flags=auc_mann_whitney(went_bad["flags"].to_numpy(), stayed["flags"].to_numpy()),
        base_rate=float(bad.mean()) if len(bad) else float("nan"),
    )


__all__ = ["Backtest", "auc_mann_whitney", "backtest", "score_deciles"]
