"""Does a warning flag work? The accounts it flagged a year ago against what happened next,
beside a simple rule (docs/metrics.md, "Price buying", back-test).

As in the score back-test (:mod:`kamreport.analytics.backtest`): accounts with positive
revenue in the twelve months before T (= as_of − 12 months) are followed over the twelve
months after T; an account "went bad" when that revenue is zero or less, or at least
``shrink`` below the twelve months before T.

The **lift** of a flag is the share of its flagged accounts that went bad over the share
of the other followed accounts that did (2.0: flagged accounts went bad twice as often).
A flag is only worth showing as a warning when it beats the **simple rule** — "revenue of
the recent months below the same months a year earlier", known to anyone with the sales
figures — on lift. With fewer than :data:`MIN_FLAGGED` flagged accounts, or no lift to
compute, there is no verdict.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.periods import Window
from kamreport.analytics.targets import revenue_by_account

MIN_FLAGGED = 5  # fewer flagged accounts than this: too few to tell
VERDICTS = ("beats", "loses", "too_few", "n/a")


@dataclass(frozen=True)
class Group:
    """Followed accounts in a group and how many of them went bad."""

    accounts: int
    bad: int

    @property
    def hit_rate(self) -> float:
        return self.bad / self.accounts if self.accounts else math.nan


@dataclass(frozen=True)
class Lift:
    """A rule's flagged and other followed accounts, and the lift between them."""

    flagged: Group
    others: Group

    @property
    def lift(self) -> float:
        """Hit rate of the flagged over that of the others; NaN when either is unknown or
        both are 0, infinite when only the flagged accounts went bad."""
        mine, theirs = self.flagged.hit_rate, self.others.hit_rate
        if math.isnan(mine) or math.isnan(theirs) or mine == theirs == 0:
            return math.nan
        return mine / theirs if theirs else math.inf


@dataclass(frozen=True)
class FlagBacktest:
    """The flag's lift against the simple rule's, and the verdict (one of :data:`VERDICTS`)."""

    followed: int
    bad: int
    flag: Lift
    rule: Lift

    @property
    def verdict(self) -> str:
        if self.flag.flagged.accounts < MIN_FLAGGED:
            return "too_few"
        lift, rule = self.flag.lift, self.rule.lift
        if math.isnan(lift):
            return "n/a"
        if lift > 1 and (math.isnan(rule) or lift > rule):
            return "beats"
        return "loses"


def went_bad(revenue_before: pd.Series, revenue_after: pd.Series, shrink: float) -> pd.Series:
    """Per followed account (positive revenue before): lost or shrank by ``shrink`` or more."""
    before = revenue_before.astype(float)
    before = before.loc[before > 0]
    after = revenue_after.reindex(before.index).astype(float).fillna(0.0)
    return (after <= 0) | (after / before - 1 <= -shrink)


def _lift(bad: pd.Series, flagged: Iterable[str]) -> Lift:
    mask = bad.index.astype(str).isin([str(a) for a in flagged])
    return Lift(
        Group(int(mask.sum()), int(bad[mask].sum())),
        Group(int((~mask).sum()), int(bad[~mask].sum())),
    )


def flag_backtest(
    flagged: Iterable[str],
    rule: Iterable[str],
    revenue_before: pd.Series,
    revenue_after: pd.Series,
    shrink: float,
) -> FlagBacktest:
    """Back-test of the accounts ``flagged`` at T beside those the simple ``rule`` picked
    at T; ``revenue_before``/``revenue_after``: revenue per account in the twelve months
    before/after T."""
    bad = went_bad(revenue_before, revenue_after, shrink)
    return FlagBacktest(len(bad), int(bad.sum()), _lift(bad, flagged), _lift(bad, rule))


def falling_recent_revenue(
    lines: pd.DataFrame, now: Window, before: Window, accounts: pd.Index
) -> pd.Index:
    """The simple rule: accounts whose revenue in ``now`` is below that of ``before`` (the
    same months a year earlier), among those with positive revenue then."""
    cur = revenue_by_account(lines, now, accounts)
    pri = revenue_by_account(lines, before, accounts)
    return accounts[((pri > 0) & (cur < pri)).to_numpy(bool)]


__all__ = [
    "MIN_FLAGGED",
    "VERDICTS",
    "FlagBacktest",
    "Group",
    "Lift",
    "falling_recent_revenue",
    "flag_backtest",
    "went_bad",
]
