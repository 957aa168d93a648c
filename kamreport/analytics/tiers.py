"""Account tiers (客户分级) from the score, potential and growth.

Rules, thresholds from :class:`kamreport.params.ScoringParams`, first match wins:

1. key (重点客户): score ≥ tier_key_min_score;
2. growth (潜在客户): normalised potential ≥ tier_growth_min_potential (an account
   can matter for its headroom even when today's revenue is small) unless its LTM
   revenue shrank faster than tier_growth_potential_min_growth, or LTM revenue
   growth ≥ tier_growth_min_growth together with score ≥ tier_growth_min_score;
3. maintain: score ≥ tier_maintain_min_score;
4. ordinary (普通客户): the rest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamreport.params import TIERS, ScoringParams

__all__ = ["TIERS", "assign_tiers"]


def assign_tiers(scored: pd.DataFrame, features: pd.DataFrame, rules: ScoringParams) -> pd.Series:
    """Tier per account; ``scored`` from score_accounts, ``features`` from account_features."""
    score = scored["score"].astype(float)
    potential = scored["norm_potential"].reindex(score.index).astype(float)
    growth = (
        features["growth"].reindex(score.index).astype(float)
        if "growth" in features
        else pd.Series(np.nan, index=score.index)
    )
    key = (score >= rules.tier_key_min_score).to_numpy()
    not_shrinking = ~(growth < rules.tier_growth_potential_min_growth)  # NaN growth passes
    by_potential = ((potential >= rules.tier_growth_min_potential) & not_shrinking).to_numpy()
    by_growth = (
        (growth >= rules.tier_growth_min_growth) & (score >= rules.tier_growth_min_score)
    ).to_numpy()
    maintain = (score >= rules.tier_maintain_min_score).to_numpy()
    tier = np.select(
        [key, by_potential | by_growth, maintain], ["key", "growth", "maintain"], "ordinary"
    )
    return pd.Series(tier, index=score.index, name="tier", dtype=object)
