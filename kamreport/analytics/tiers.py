"""Account tiers (客户分级) from the score, potential and growth.

Rules, thresholds from :class:`kamreport.params.ScoringParams`, first match wins:

1. key (重点客户): score ≥ tier_key_min_score, within the optional key-tier caps
   (tier_key_max_accounts, tier_key_max_revenue_share): the key accounts are taken
   by score, highest first (ties: account id), while their number and their
   cumulative share of the portfolio's positive LTM revenue stay within the caps;
   the others fall to the first of the rules below that they meet;
2. growth (潜在客户): normalised potential ≥ tier_growth_min_potential (an account
   can matter for its headroom even when today's revenue is small) unless its LTM
   revenue shrank faster than tier_growth_potential_min_growth, or LTM revenue
   growth ≥ tier_growth_min_growth together with score ≥ tier_growth_min_score;
3. maintain: score ≥ tier_maintain_min_score;
4. ordinary (普通客户): the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.params import TIERS, ScoringParams

__all__ = ["TIERS", "KeyCap", "assign_tiers", "over_key_cap", "tier_accounts"]


# Above this share of the accounts reaching the key score, with no cap set, the portfolio
# report suggests one (scoring.tier_key_max_accounts / tier_key_max_revenue_share).
LARGE_KEY_SHARE = 0.2


@dataclass(frozen=True)
class KeyCap:
    """The key-tier caps and what they did: ``qualified`` accounts reached the key
    score, ``demoted`` (account ids, lowest score first) fell to another tier."""

    max_accounts: int | None
    max_revenue_share: float | None
    qualified: int
    demoted: tuple[str, ...]
    accounts: int = 0  # accounts scored

    @property
    def configured(self) -> bool:
        return self.max_accounts is not None or self.max_revenue_share is not None

    @property
    def large(self) -> bool:
        """Whether more than :data:`LARGE_KEY_SHARE` of the accounts reach the key score with
        no cap set: more than a key-account team can look after closely (a portfolio of
        thousands of small accounts, where the score ranks them against each other)."""
        return not self.configured and self.qualified > LARGE_KEY_SHARE * self.accounts

    @property
    def applied(self) -> bool:
        return bool(self.demoted)


def over_key_cap(
    score: pd.Series, revenue: pd.Series, key: pd.Series, rules: ScoringParams
) -> pd.Series:
    """True for the key-score accounts beyond the caps (always a lowest-score tail)."""
    over = pd.Series(False, index=score.index)
    if rules.tier_key_max_accounts is None and rules.tier_key_max_revenue_share is None:
        return over
    ids = score.index[key.to_numpy(bool)]
    if not len(ids):
        return over
    ranked = pd.DataFrame({"score": score.reindex(ids).to_numpy(float)}, index=ids)
    ranked = ranked.sort_index(kind="stable").sort_values("score", ascending=False, kind="stable")
    beyond = np.zeros(len(ranked), dtype=bool)
    if rules.tier_key_max_accounts is not None:
        beyond |= np.arange(1, len(ranked) + 1) > rules.tier_key_max_accounts
    if rules.tier_key_max_revenue_share is not None:
        positive = revenue.astype(float).clip(lower=0).fillna(0.0)
        total = float(positive.sum())
        if total > 0:
            share = positive.reindex(ranked.index).cumsum().to_numpy() / total
            beyond |= share > rules.tier_key_max_revenue_share + 1e-12
    # once one account is beyond a cap, every lower-scored one is too
    beyond = np.maximum.accumulate(beyond)
    over.loc[ranked.index[beyond]] = True
    return over


def tier_accounts(
    scored: pd.DataFrame, features: pd.DataFrame, rules: ScoringParams
) -> tuple[pd.Series, KeyCap]:
    """Tier per account and what the key-tier caps did; ``scored`` from score_accounts,
    ``features`` from account_features (revenue_ltm, growth)."""
    score = scored["score"].astype(float)
    potential = scored["norm_potential"].reindex(score.index).astype(float)
    growth = (
        features["growth"].reindex(score.index).astype(float)
        if "growth" in features
        else pd.Series(np.nan, index=score.index)
    )
    revenue = (
        features["revenue_ltm"].reindex(score.index)
        if "revenue_ltm" in features
        else pd.Series(0.0, index=score.index)
    )
    key = score >= rules.tier_key_min_score
    over = over_key_cap(score, revenue, key, rules)
    not_shrinking = ~(growth < rules.tier_growth_potential_min_growth)  # NaN growth passes
    by_potential = ((potential >= rules.tier_growth_min_potential) & not_shrinking).to_numpy()
    by_growth = (
        (growth >= rules.tier_growth_min_growth) & (score >= rules.tier_growth_min_score)
    ).to_numpy()
    maintain = (score >= rules.tier_maintain_min_score).to_numpy()
    tier = np.select(
        [(key & ~over).to_numpy(), by_potential | by_growth, maintain],
        ["key", "growth", "maintain"],
        "ordinary",
    )
    demoted = score[over].sort_index(kind="stable").sort_values(kind="stable").index
    cap = KeyCap(
        max_accounts=rules.tier_key_max_accounts,
        max_revenue_share=rules.tier_key_max_revenue_share,
        qualified=int(key.sum()),
        demoted=tuple(str(a) for a in demoted),
        accounts=len(score),
    )
    return pd.Series(tier, index=score.index, name="tier", dtype=object), cap


def assign_tiers(scored: pd.DataFrame, features: pd.DataFrame, rules: ScoringParams) -> pd.Series:
    """Tier per account; ``scored`` from score_accounts, ``features`` from account_features."""
    return tier_accounts(scored, features, rules)[0]
