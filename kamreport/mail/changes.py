"""What changed since the last email: a small state of the figures, and two states compared.

The state of an email is the part of its figures worth comparing next time, per
account: tier, LTM revenue, the codes of its high-severity risk flags and its
forecast against the full-year target. It is plain JSON (stored by
:mod:`kamreport.mail.snapshots` after a successful send); everything here is pure.

Definitions (docs/metrics.md, "Emails"):

- new high-severity flag: a high flag raised now that the account did not have in
  the last email (every high flag of an account the last email did not know);
- tier change: an account in both emails whose tier differs;
- largest movers: the accounts whose LTM revenue changed most, in absolute money,
  between the two emails (an account missing from one counts as 0 there);
- target at risk: forecast below the full-year target by more than the threshold
  (``forecast_fy < (1 − threshold) × target_fy``); listed when newly at risk.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

STATE_VERSION = 1
MAX_CHANGES = 10


@dataclass(frozen=True)
class FlagChange:
    account_id: str
    name: str
    flag: str


@dataclass(frozen=True)
class TierChange:
    account_id: str
    name: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Mover:
    account_id: str
    name: str
    before: float
    after: float

    @property
    def change(self) -> float:
        return self.after - self.before


@dataclass(frozen=True)
class TargetRisk:
    account_id: str
    name: str
    forecast_attainment: float


@dataclass(frozen=True)
class Changes:
    """The differences between this email's state and the last one sent (``first``: none
    was sent yet). Each list is capped at :data:`MAX_CHANGES`; ``totals`` counts them all."""

    first: bool
    since: dt.date | None = None
    new_high_flags: tuple[FlagChange, ...] = ()
    tier_changes: tuple[TierChange, ...] = ()
    movers: tuple[Mover, ...] = ()
    targets_at_risk: tuple[TargetRisk, ...] = ()  # newly at risk
    at_risk_total: int = 0  # accounts at risk now, new or not
    threshold: float = 0.0
    totals: Mapping[str, int] = field(default_factory=dict)

    @property
    def nothing(self) -> bool:
        """True when there is an earlier email and nothing in these lists changed."""
        return not self.first and not (
            self.new_high_flags or self.tier_changes or self.movers or self.targets_at_risk
        )


def _number(value: Any, digits: int) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), digits)


def account_state(
    as_of: dt.date,
    values: pd.DataFrame,
    flags: pd.DataFrame,
    forecast_attainment: pd.Series,
    account_ids: Iterable[str],
) -> dict[str, Any]:
    """The JSON state of ``account_ids``: tier and LTM revenue (``values``, index
    account_id), high-severity flag codes (``flags``), forecast / full-year target."""
    high = flags.loc[flags["severity"] == "high"] if len(flags) else flags
    codes: dict[str, list[str]] = {}
    for account_id, code in zip(high.get("account_id", ()), high.get("code", ()), strict=True):
        codes.setdefault(str(account_id), []).append(str(code))
    accounts = {}
    for account_id in sorted({str(a) for a in account_ids}):
        row = values.loc[account_id] if account_id in values.index else None
        tier = None if row is None else row.get("tier")
        accounts[account_id] = {
            "tier": None if tier is None or pd.isna(tier) else str(tier),
            "revenue_ltm": (_number(row.get("revenue_ltm"), 2) if row is not None else None) or 0.0,
            "high_flags": sorted(set(codes.get(account_id, []))),
            "forecast_attainment": _number(forecast_attainment.get(account_id), 6),
        }
    state = {"version": STATE_VERSION, "as_of": as_of.isoformat(), "accounts": accounts}
    return json.loads(json.dumps(state, allow_nan=False))  # as it reads back from the file


def baseline(stored: Mapping[str, Any] | None, current: Mapping[str, Any]) -> dict | None:
    """The state to compare ``current`` with, from the stored record of the last email sent
    (``{"sent": state, "compared_with": state | None}``): the state it sent, or, when that
    is ``current`` itself (a re-run), the one it was compared with, so a re-run composes
    the very same email."""
    if not stored or not isinstance(stored.get("sent"), Mapping):
        return None
    sent = stored["sent"]
    if sent.get("version") != STATE_VERSION:
        return None
    if sent == current:
        previous = stored.get("compared_with")
        return dict(previous) if isinstance(previous, Mapping) else None
    return dict(sent)


def at_risk(forecast_attainment: float | None, threshold: float) -> bool:
    """Forecast below the full-year target by more than ``threshold`` (a fraction)."""
    return forecast_attainment is not None and forecast_attainment < 1 - threshold


def compare(
    previous: Mapping[str, Any] | None,
    current: Mapping[str, Any],
    names: Mapping[str, str],
    *,
    threshold: float,
    movers: int,
    limit: int = MAX_CHANGES,
) -> Changes:
    """What changed from state ``previous`` to state ``current`` (see the module doc)."""
    if previous is None:
        return Changes(first=True, threshold=threshold)
    now: Mapping[str, Any] = current["accounts"]
    then: Mapping[str, Any] = previous.get("accounts", {})

    def name(account_id: str) -> str:
        return names.get(account_id, account_id)

    def revenue(state: Mapping[str, Any], account_id: str) -> float:
        return float((state.get(account_id) or {}).get("revenue_ltm") or 0.0)

    by_revenue = sorted(now, key=lambda a: (-revenue(now, a), a))
    flags = [
        FlagChange(a, name(a), code)
        for a in by_revenue
        for code in now[a]["high_flags"]
        if a not in then or code not in then[a].get("high_flags", [])
    ]
    tiers = [
        TierChange(a, name(a), then[a].get("tier"), now[a]["tier"])
        for a in by_revenue
        if a in then and then[a].get("tier") != now[a]["tier"]
    ]
    moved = [
        Mover(a, name(a), revenue(then, a), revenue(now, a))
        for a in sorted(set(now) | set(then))
        if round(revenue(now, a) - revenue(then, a)) != 0
    ]
    moved.sort(key=lambda m: (-abs(m.change), m.account_id))
    risky = [a for a in now if at_risk(now[a]["forecast_attainment"], threshold)]
    new_risks = [
        TargetRisk(a, name(a), float(now[a]["forecast_attainment"]))
        for a in risky
        if a not in then or not at_risk(then[a].get("forecast_attainment"), threshold)
    ]
    new_risks.sort(key=lambda r: (r.forecast_attainment, r.account_id))
    since = previous.get("as_of")
    return Changes(
        first=False,
        since=dt.date.fromisoformat(since) if since else None,
        new_high_flags=tuple(flags[:limit]),
        tier_changes=tuple(tiers[:limit]),
        movers=tuple(moved[: min(movers, limit)]),
        targets_at_risk=tuple(new_risks[:limit]),
        at_risk_total=len(risky),
        threshold=threshold,
        totals={
            "new_high_flags": len(flags),
            "tier_changes": len(tiers),
            "movers": len(moved),
            "targets_at_risk": len(new_risks),
        },
    )
