"""The gap, spread (目标差额分解): how to close the difference between the company goal and
the KA managers' bottom-up figures in the target-setting workshop.

Definitions (docs/metrics.md, "Target workshop: gap spread and last year's loop"):

- start = the account's bottom-up figure where entered, else its baseline (the model's
  proposal), in cents; bottom-up total = Σ start; gap = goal − bottom-up total;
- a positive gap (the bottom-up figures fall short) is spread in proportion to a basis
  chosen by the rule:

  - ``pro_rata``: start;
  - ``headroom``: the wallet headroom where positive and start > 0 (none without it:
    an account with nothing to build on is not handed a share for its headroom alone);
    when no such account has positive headroom, pro rata instead
    (``fallback = "no_headroom"``);
  - ``tier``: start × the tier's weight (:data:`DEFAULT_TIER_WEIGHTS`, overridable;
    tiers without a weight count 1);

  when the rule's basis adds up to 0 the gap is spread pro rata, and when the starts add
  up to 0 too, evenly (``fallback = "no_basis"``);
- a negative gap (the bottom-up figures exceed the goal) is a reduction, always taken
  pro rata by start whatever the rule (``fallback = "reduction"`` for the other rules):
  an account is never asked to give back more because it has headroom or a growth tier,
  and since the reduction is at most Σ start no account goes below 0;
- amounts in cents by largest remainder: each account gets the whole cents of its exact
  share, the cents left go one each to the largest remainders (ties: the account listed
  first), so Σ spread = gap and Σ proposed = goal to the cent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from kamreport.params import GAP_RULES

# What a spread may be proportional to after a fallback: the rules, or one share each.
BASES = (*GAP_RULES, "even")
# Tier weights of the ``tier`` rule: growth accounts carry more of a shortfall than key
# accounts, maintain and ordinary accounts less; a tier not named here counts 1.
DEFAULT_TIER_WEIGHTS: Mapping[str, float] = {
    "key": 1.0,
    "growth": 1.5,
    "maintain": 0.5,
    "ordinary": 0.5,
}
# Why the spread does not follow the requested rule (``GapSpread.fallback``).
FALLBACK_NO_HEADROOM = "no_headroom"  # headroom rule, no account with positive headroom
FALLBACK_NO_BASIS = "no_basis"  # the rule's basis adds up to 0 (pro rata, else evenly)
FALLBACK_REDUCTION = "reduction"  # negative gap: reductions are pro rata by start
FALLBACK_NO_ACCOUNTS = "no_accounts"  # nothing to spread a non-zero gap over


@dataclass(frozen=True)
class GapSpread:
    """A proposal for closing the gap between the goal and the bottom-up total."""

    rule: str  # the rule asked for, one of GAP_RULES
    goal: float  # rounded to cents
    bottom_up_total: float  # Σ start
    gap: float  # goal − bottom_up_total
    # index account_id: start, entered (start is the bottom-up figure), basis, share,
    # spread, proposed
    accounts: pd.DataFrame
    applied: str = "pro_rata"  # what the shares follow, one of BASES
    fallback: str | None = None  # why ``applied`` differs from ``rule`` (FALLBACK_*)
    tier_weights: Mapping[str, float] = field(default_factory=dict)  # used by ``tier``


def _cents(value: float) -> int:
    return round(float(value) * 100)


def _largest_remainder(total: int, basis: list[float]) -> list[int]:
    """Split ``total`` cents (≥ 0) in proportion to ``basis`` (≥ 0, Σ > 0), exactly: the
    whole cents of each exact share, then one cent each to the largest remainders (ties:
    the earlier position). Integer arithmetic on the floats' exact ratios, no rounding."""
    ratios = [float(b).as_integer_ratio() for b in basis]
    scale = max(q for _, q in ratios)  # the denominators are powers of two
    weights = [p * (scale // q) for p, q in ratios]
    whole = sum(weights)
    cents = [total * w // whole for w in weights]
    remainders = [total * w % whole for w in weights]
    left = total - sum(cents)
    for i in sorted(range(len(weights)), key=lambda i: -remainders[i])[:left]:
        cents[i] += 1
    return cents


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return pd.to_numeric(frame[name], errors="coerce").astype(float)
    return pd.Series(float("nan"), index=frame.index)


def _basis(
    rule: str, start: pd.Series, frame: pd.DataFrame, weights: Mapping[str, float]
) -> tuple[str, pd.Series, str | None]:
    """(what the shares follow, the basis, fallback reason) for a positive gap."""
    fallback = None
    if rule == "headroom":
        # an account with nothing to build on (start 0: no baseline, no bottom-up, e.g. one
        # that stopped ordering) is not handed a share of the goal for its headroom alone
        basis = _column(frame, "headroom").clip(lower=0.0).fillna(0.0).where(start > 0, 0.0)
        if basis.sum() > 0:
            return "headroom", basis, None
        fallback = FALLBACK_NO_HEADROOM
    elif rule == "tier":
        tier = frame["tier"] if "tier" in frame else pd.Series(None, index=frame.index)
        weight = pd.Series([weights.get(t, 1.0) for t in tier], index=frame.index, dtype=float)
        basis = start * weight
        if basis.sum() > 0:
            return "tier", basis, None
        fallback = FALLBACK_NO_BASIS
    if start.sum() > 0:
        return "pro_rata", start, fallback
    return "even", pd.Series(1.0, index=frame.index), fallback or FALLBACK_NO_BASIS


def spread_gap(
    frame: pd.DataFrame,
    goal: float,
    rule: str = "headroom",
    tier_weights: Mapping[str, float] | None = None,
) -> GapSpread:
    """Spread goal − Σ start over the accounts of ``frame`` by ``rule`` (module doc).

    ``frame``: index account_id; columns baseline, bottom_up (NaN where not entered),
    headroom (NaN where unknown), tier. ``tier_weights`` override the defaults tier by
    tier. Raises ValueError for an unknown rule, a goal that is not a finite amount ≥ 0,
    a negative weight or a negative start."""
    if rule not in GAP_RULES:
        raise ValueError(f"unknown gap rule {rule!r}; expected one of {', '.join(GAP_RULES)}")
    if not math.isfinite(goal) or goal < 0:
        raise ValueError(f"the goal must be a finite amount ≥ 0, found {goal!r}")
    weights = {**DEFAULT_TIER_WEIGHTS, **(tier_weights or {})}
    bad = {t: w for t, w in weights.items() if not (math.isfinite(w) and w >= 0)}
    if bad:
        raise ValueError(f"tier weights must be finite numbers ≥ 0, found {bad}")
    bottom_up = _column(frame, "bottom_up")
    entered = bottom_up.notna()
    raw = bottom_up.where(entered, _column(frame, "baseline")).fillna(0.0)
    if (raw < 0).any():
        negative = ", ".join(str(a) for a in raw.index[raw < 0])
        raise ValueError(f"bottom-up figures and baselines must be ≥ 0: {negative}")
    start_cents = [_cents(v) for v in raw]
    goal_cents = _cents(goal)
    total_cents = sum(start_cents)
    gap_cents = goal_cents - total_cents
    start = pd.Series([c / 100 for c in start_cents], index=frame.index, dtype=float)

    if gap_cents < 0:
        applied, basis = "pro_rata", start
        fallback = None if rule == "pro_rata" else FALLBACK_REDUCTION
    else:
        applied, basis, fallback = _basis(rule, start, frame, weights)
    if frame.empty or not gap_cents:
        spread_cents = [0] * len(frame)
        fallback = FALLBACK_NO_ACCOUNTS if frame.empty and gap_cents else fallback
    else:
        cut = _largest_remainder(abs(gap_cents), basis.tolist())
        spread_cents = [c if gap_cents > 0 else -c for c in cut]
    total_basis = basis.sum()
    accounts = pd.DataFrame(
        {
            "start": start,
            "entered": entered.astype(bool),
            "basis": basis.astype(float),
            "share": basis / total_basis if total_basis > 0 else 0.0,
            "spread": pd.Series([c / 100 for c in spread_cents], index=frame.index, dtype=float),
            "proposed": pd.Series(
                [(s + c) / 100 for s, c in zip(start_cents, spread_cents, strict=True)],
                index=frame.index,
                dtype=float,
            ),
        },
        index=frame.index,
    )
    accounts.index.name = "account_id"
    return GapSpread(
        rule=rule,
        goal=goal_cents / 100,
        bottom_up_total=total_cents / 100,
        gap=gap_cents / 100,
        accounts=accounts,
        applied=applied,
        fallback=fallback,
        tier_weights=weights,
    )


__all__ = [
    "BASES",
    "DEFAULT_TIER_WEIGHTS",
    "FALLBACK_NO_ACCOUNTS",
    "FALLBACK_NO_BASIS",
    "FALLBACK_NO_HEADROOM",
    "FALLBACK_REDUCTION",
    "GAP_RULES",
    "GapSpread",
    "spread_gap",
]
