"""The value layer in one call: score, tiers, ABC classes and lifetime value per account.

Used by the account review (one row) and the portfolio report (all rows), so both
always show the same figures. Definitions in docs/metrics.md, "Value".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd

from kamreport.analytics.abc import abc_classes
from kamreport.analytics.clv import ClvResult, RhythmRule, account_clv
from kamreport.analytics.clv_backtest import ClvBacktest, clv_backtest
from kamreport.analytics.daily import DailySums, daily_sums
from kamreport.analytics.risk import FlagsWithoutValues, SharedFigures, risk_flags
from kamreport.analytics.scoring import (
    ScoreBasis,
    account_features,
    score_accounts,
    score_basis,
    with_flag_risk,
)
from kamreport.analytics.tiers import KeyCap, assign_tiers, tier_accounts
from kamreport.dataset import Dataset
from kamreport.params import SCORING_CRITERIA, ClvParams, RiskParams, ScoringParams

CLV_COLUMNS = ("p_alive", "expected_orders_12m", "expected_margin_12m", "clv")
CLV_ATTR = "clv"  # values.attrs key of the portfolio's ClvChoice
BASIS_ATTR = "score_basis"  # values.attrs key of the portfolio's ScoreBasis
CAP_ATTR = "key_cap"  # values.attrs key of the portfolio's KeyCap
# Where the margin rate of lifetime value comes from (column clv_margin_basis).
MARGIN_FROM_COSTS = "costs"  # the data's costs (cost_amount)
MARGIN_ASSUMED = "assumed"  # no costs at all: clv.assumed_margin
MARGIN_NONE = "none"  # no costs and no assumed margin: lifetime value is n/a

_T = TypeVar("_T")


@dataclass(frozen=True)
class ClvChoice:
    """Which method the portfolio's P(alive), expected orders and CLV come from, and why:
    ``method`` "model" or "rule"; ``reasons`` reason codes (docs/metrics.md)."""

    method: str
    reasons: tuple[str, ...]
    backtest: ClvBacktest
    margin_basis: str = MARGIN_FROM_COSTS  # MARGIN_FROM_COSTS, MARGIN_ASSUMED or MARGIN_NONE
    assumed_margin: float | None = None  # the margin assumed (with MARGIN_ASSUMED)


def clv_choice(values: pd.DataFrame) -> ClvChoice | None:
    """The :class:`ClvChoice` stored with a value table (None for tables built elsewhere)."""
    return values.attrs.get(CLV_ATTR)


def stored_score_basis(values: pd.DataFrame) -> ScoreBasis | None:
    """The :class:`ScoreBasis` stored with a value table (None for tables built elsewhere)."""
    return values.attrs.get(BASIS_ATTR)


def stored_key_cap(values: pd.DataFrame) -> KeyCap | None:
    """The :class:`KeyCap` stored with a value table (None for tables built elsewhere)."""
    return values.attrs.get(CAP_ATTR)


@dataclass(frozen=True)
class Valuation:
    """Per-account values (see :func:`value_accounts`), the lifetime-value fit behind them
    and the risk flags the risk criterion of the score was computed from."""

    accounts: pd.DataFrame
    clv: ClvResult
    margin_rate_portfolio: float
    flags: pd.DataFrame  # kamreport.analytics.risk.risk_flags, the same as-of date
    clv_choice: ClvChoice | None = None
    score_basis: ScoreBasis | None = None
    key_cap: KeyCap | None = None


def margin_rates(features: pd.DataFrame) -> tuple[pd.Series, float]:
    """LTM gross margin / LTM revenue per account; accounts without a positive LTM revenue
    or without cost data get the portfolio rate (Σ margin / Σ revenue over the accounts
    that have both). The portfolio rate is NaN without any cost data."""
    revenue = features["revenue_ltm"].astype(float)
    margin = features["gross_margin_ltm"].astype(float)
    usable = margin.notna() & (revenue > 0)
    portfolio = (
        float(margin[usable].sum() / revenue[usable].sum()) if usable.any() else float("nan")
    )
    own = (margin / revenue).where(usable)
    return own.fillna(portfolio), portfolio


def clv_margin_rates(
    features: pd.DataFrame, assumed_margin: float | None
) -> tuple[pd.Series, float, str]:
    """The margin rate lifetime value uses per account, the portfolio's measured rate and
    where the rates come from: :func:`margin_rates` when the data has any cost data
    (MARGIN_FROM_COSTS); else ``assumed_margin`` for every account (MARGIN_ASSUMED);
    else NaN for every account (MARGIN_NONE: no margin, so no lifetime value)."""
    rates, portfolio = margin_rates(features)
    if np.isfinite(portfolio):
        return rates, portfolio, MARGIN_FROM_COSTS
    if assumed_margin is not None:
        return pd.Series(float(assumed_margin), index=features.index), portfolio, MARGIN_ASSUMED
    return rates, portfolio, MARGIN_NONE


def clv_rule(risk: RiskParams) -> RhythmRule:
    """The lifetime value's order-rhythm rule: the ORDER_GAP limits, so P(alive) agrees
    with that flag."""
    return RhythmRule(risk.order_gap_factor, risk.order_gap_min_days, risk.order_gap_history_months)


def clv_check(
    dataset: Dataset,
    as_of: dt.date | pd.Timestamp,
    clv: ClvParams,
    risk: RiskParams,
    daily: DailySums | None = None,
) -> ClvBacktest:
    """The lifetime-value model's back-test against the order-rhythm rule: the model is
    used only when it beats the rule (:func:`value_portfolio` reads the verdict)."""
    sums = daily if daily is not None else daily_sums(dataset.order_lines, as_of)
    return clv_backtest(
        dataset.order_lines, as_of, rule=clv_rule(risk),
        min_repeat_customers=clv.min_repeat_customers, daily=sums.frame(),
    )  # fmt: skip


def _when_needed(value: _T | Callable[[], _T] | None) -> _T | None:
    """A figure given either as it is or as a function that returns it (a future's
    ``result``, computed in another thread), taken at the moment it is needed."""
    return value() if callable(value) else value


def value_portfolio(
    dataset: Dataset,
    as_of: dt.date | pd.Timestamp,
    scoring: ScoringParams,
    clv: ClvParams,
    risk: RiskParams | None = None,
    shared: SharedFigures | Callable[[], SharedFigures] | None = None,
    daily: DailySums | None = None,
    checked: ClvBacktest | Callable[[], ClvBacktest] | None = None,
    flags_so_far: FlagsWithoutValues | Callable[[], FlagsWithoutValues] | None = None,
) -> Valuation:
    """Everything :func:`value_accounts` returns, with the CLV fits and the risk flags.
    What the caller already has for the same as-of date is used instead of computed
    here: ``shared`` (:func:`~kamreport.analytics.risk.shared_figures`, which the
    metrics table reads too), ``daily`` (:func:`~kamreport.analytics.daily.daily_sums`),
    ``checked`` (:func:`clv_check`) and ``flags_so_far``
    (:func:`~kamreport.analytics.risk.flags_without_values`). All but ``daily`` may be
    functions that return them, called when they are needed (:func:`_when_needed`): a
    caller computing them in another thread passes ``future.result``.

    Order: features → lifetime value → risk flags (LOW_P_ALIVE reads the p_alive
    column shown in the table) → risk criterion from those flags → score and tiers,
    so the score and the flags the report shows cannot disagree.
    """
    risk = risk if risk is not None else RiskParams()
    # the score, the fits and the flags read the same order days
    sums = daily if daily is not None else daily_sums(dataset.order_lines, as_of)
    features = account_features(dataset, as_of, daily=sums)
    rates, portfolio_rate, margin_basis = clv_margin_rates(features, clv.assumed_margin)
    rule = clv_rule(risk)
    checked = _when_needed(checked)
    if checked is None:
        checked = clv_check(dataset, as_of, clv, risk, sums)
    result = account_clv(
        dataset.order_lines,
        as_of,
        margin_rate=rates,
        horizon_months=clv.horizon_months,
        discount_rate=clv.discount_rate,
        min_repeat_customers=clv.min_repeat_customers,
        fallback_retention=clv.fallback_retention,
        default_retention=clv.default_retention,
        rule=rule,
        min_yearly_dropout=clv.min_yearly_dropout,
        model_earned=not checked.verdict,
        earned_reason=checked.verdict,
        interval_level=clv.interval_level,
        interval_resamples=clv.interval_resamples,
        daily=sums.frame(),
    )
    choice = ClvChoice(
        "model" if result.model_used else "rule",
        result.reasons,
        checked,
        margin_basis=margin_basis,
        assumed_margin=clv.assumed_margin if margin_basis == MARGIN_ASSUMED else None,
    )
    per_account = result.accounts.reindex(features.index)
    flags = risk_flags(
        dataset,
        as_of,
        risk,
        per_account,
        shared=_when_needed(shared),
        daily=sums,
        without_values=_when_needed(flags_so_far),
    )
    features = with_flag_risk(features, flags, scoring)
    scored = score_accounts(features, scoring.weights)
    criteria = list(SCORING_CRITERIA)
    details = [c for c in features.columns if c not in criteria]
    out = pd.concat(
        [features[["revenue_ltm", "gross_margin_ltm"]], features[criteria], scored], axis=1
    )
    out["tier"], cap = tier_accounts(scored, features, scoring)
    out["key_capped"] = out.index.isin(cap.demoted)  # key score, but over the key-tier cap
    basis = score_basis(features, scoring.weights)
    out["abc_class"] = abc_classes(
        features["revenue_ltm"], scoring.abc_a_threshold, scoring.abc_b_threshold
    )
    margin = features["gross_margin_ltm"]
    # an account without a known margin has no margin class (n/a, not C)
    out["abc_class_margin"] = abc_classes(
        margin, scoring.abc_a_threshold, scoring.abc_b_threshold
    ).where(margin.notna())
    out["rank"] = scored["score"].rank(ascending=False, method="min").astype("Int64")
    out["p_alive"] = per_account["p_alive"]
    never = per_account["method"].isna()  # accounts without any order line up to as_of
    for column in ("expected_orders_12m", "expected_margin_12m", "clv", "clv_low", "clv_high"):
        out[column] = per_account[column].where(~never, 0.0)
    if margin_basis == MARGIN_NONE:  # no margin to value: n/a, not 0
        for column in ("expected_margin_12m", "clv", "clv_low", "clv_high"):
            out[column] = np.nan
    out["clv_method"] = per_account["method"].where(~never, "rule")
    out["clv_reason"] = ";".join(result.reasons)  # why the rule is used ("" with the model)
    out["clv_margin_basis"] = margin_basis
    out["margin_rate"] = rates
    for column in details:
        if column not in out:
            out[column] = features[column]
    out.attrs[CLV_ATTR] = choice
    out.attrs[BASIS_ATTR] = basis
    out.attrs[CAP_ATTR] = cap
    return Valuation(
        accounts=out,
        clv=result,
        margin_rate_portfolio=portfolio_rate,
        flags=flags,
        clv_choice=choice,
        score_basis=basis,
        key_cap=cap,
    )


def value_accounts(
    dataset: Dataset,
    as_of: dt.date | pd.Timestamp,
    scoring: ScoringParams,
    clv: ClvParams,
    risk: RiskParams | None = None,
) -> pd.DataFrame:
    """One row per account (all accounts), indexed by account_id.

    Columns: revenue_ltm, gross_margin_ltm, the seven criteria (spend, growth,
    loyalty, profit, potential, influence, risk), score, contrib_<criterion>,
    norm_<criterion>, tier, key_capped (reached the key score but fell to another tier
    under the key-tier cap), abc_class (on LTM revenue), abc_class_margin (on LTM
    gross margin; NaN for an account without a known margin), rank (1 = highest
    score; ties share the best rank), p_alive,
    expected_orders_12m, expected_margin_12m, clv, clv_low, clv_high (the interval),
    clv_method ("bgnbd+gg" or "rule"), clv_reason (reason codes joined by ";"),
    clv_margin_basis (MARGIN_FROM_COSTS, MARGIN_ASSUMED or MARGIN_NONE: then the margin
    figures and CLV are NaN), margin_rate (the rate CLV used), and
    the parts of the criteria (revenue_prior_ltm, cost_to_serve_ltm, order_days_ltm,
    tenure_years, repurchase_quarters, category_spend, overdue_share, open_complaints,
    risk_flag_load). ``risk`` are the thresholds of the flags behind the risk
    criterion (defaults when not given; pass the run's, as the reports do).
    """
    return value_portfolio(dataset, as_of, scoring, clv, risk).accounts


def _tiers(features: pd.DataFrame, weights: Mapping[str, float], rules: ScoringParams):
    scored = score_accounts(features, weights)
    return scored["score"], assign_tiers(scored, features, rules)


def shifted_weights(
    weights: Mapping[str, float], criterion: str, change: float
) -> dict[str, float] | None:
    """``criterion``'s weight × (1 + change), the others scaled so the total stays 1;
    None when that is impossible (weight 0, or the new weight outside 0–1)."""
    base = float(weights.get(criterion, 0.0))
    new = base * (1 + change)
    rest = 1.0 - base
    if base <= 0 or not 0 <= new <= 1 or (rest <= 0 and new != base):
        return None
    factor = (1.0 - new) / rest if rest > 0 else 0.0
    shifted = {c: float(w) * factor for c, w in weights.items() if c != criterion}
    shifted[criterion] = new
    # absorb rounding so the weights sum to 1 to the last digit
    shifted[criterion] += 1.0 - sum(shifted.values())
    return shifted


def weight_sensitivity(
    features: pd.DataFrame,
    weights: Mapping[str, float],
    rules: ScoringParams,
    step: float = 0.2,
) -> pd.DataFrame:
    """Which accounts change tier when one weight moves by ±``step`` (relative).

    For each criterion with a positive weight and each direction, the weight is
    multiplied by 1 ± step and the other weights are rescaled proportionally so
    they still sum to 1. One row per account whose tier changes: criterion, change
    (+step or −step), weight_from, weight_to, account_id, tier_from, tier_to,
    score_from, score_to.
    """
    base_score, base_tier = _tiers(features, weights, rules)
    rows: list[pd.DataFrame] = []
    for criterion in SCORING_CRITERIA:
        for change in (step, -step):
            shifted = shifted_weights(weights, criterion, change)
            if shifted is None:
                continue
            score, tier = _tiers(features, shifted, rules)
            moved = tier != base_tier
            if not moved.any():
                continue
            rows.append(
                pd.DataFrame(
                    {
                        "criterion": criterion,
                        "change": change,
                        "weight_from": float(weights[criterion]),
                        "weight_to": shifted[criterion],
                        "account_id": base_tier.index[moved],
                        "tier_from": base_tier[moved].to_numpy(),
                        "tier_to": tier[moved].to_numpy(),
                        "score_from": base_score[moved].to_numpy(),
                        "score_to": score[moved].to_numpy(),
                    }
                )
            )
    columns = [
        "criterion", "change", "weight_from", "weight_to", "account_id",
        "tier_from", "tier_to", "score_from", "score_to",
    ]  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns]


__all__ = [
    "CLV_COLUMNS",
    "MARGIN_ASSUMED",
    "MARGIN_FROM_COSTS",
    "MARGIN_NONE",
    "ClvChoice",
    "Valuation",
    "clv_choice",
    "clv_margin_rates",
    "margin_rates",
    "shifted_weights",
    "stored_key_cap",
    "stored_score_basis",
    "value_accounts",
    "value_portfolio",
    "weight_sensitivity",
]
