"""The portfolio review: every figure of the leadership report, as one frozen object.

:func:`review_portfolio` wires the value layer (score, tiers, ABC, CLV), the
risk flags and the portfolio analytics (segments, bridge, migration,
receivables, targets, team, back-test, duplicates) for one as-of date. The
report layer only formats and renders what is here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics import abc
from kamreport.analytics.attention import AccountAttention, attention_items, by_account
from kamreport.analytics.backtest import Backtest, backtest
from kamreport.analytics.bridge import RevenueBridge, revenue_bridge
from kamreport.analytics.collections import (
    aging_by_account,
    collection_progress,
    collection_rate,
    dso_trend,
)
from kamreport.analytics.coverage import Coverage, coverage, covers, data_start
from kamreport.analytics.duplicates import likely_duplicates
from kamreport.analytics.flag_backtest import (
    FlagBacktest,
    falling_recent_revenue,
    flag_backtest,
)
from kamreport.analytics.groups import group_ids, roll_up
from kamreport.analytics.headline import Headline, portfolio_headline
from kamreport.analytics.membership import grouped_by_id, positions
from kamreport.analytics.migration import NEW, migration_matrix, movements
from kamreport.analytics.periods import as_timestamp, months_back, recent_and_year_earlier, ytd
from kamreport.analytics.receivables import AGING_BUCKETS
from kamreport.analytics.risk import COMPOSITE, risk_flags
from kamreport.analytics.segments import segment_tables
from kamreport.analytics.team import attainment, by_manager, scorecards
from kamreport.analytics.tiers import TIERS
from kamreport.analytics.valuation import value_accounts, value_portfolio, weight_sensitivity
from kamreport.dataset import Dataset
from kamreport.errors import Issue
from kamreport.params import Params

SEVERITIES = ("high", "medium", "none")
# Account attributes a leadership report may show (no contacts, no addresses).
ACCOUNT_FIELDS = ("name", "name_en", "industry", "region", "country", "size_band", "ka_manager")

# Tables whose rows hold personal data; their load warnings stay out of this report.
PERSONAL_TABLES = frozenset({"contacts"})


@dataclass(frozen=True)
class Concentration:
    """Pareto/ABC figures of one value per account (LTM revenue or LTM gross margin)."""

    curve: pd.DataFrame  # abc.pareto_curve
    classes: pd.Series  # A/B/C per account
    table: pd.DataFrame  # per class: accounts, value, share
    top20_share: float
    top20_count: int
    top10_share: float
    hhi: float


@dataclass(frozen=True)
class PortfolioReview:
    """All figures of the portfolio report as of ``as_of``."""

    as_of: dt.date
    headline: Headline  # revenue and gross margin, LTM against prior LTM, and the movers
    then: dt.date  # as_of − 12 months: migration and back-test base
    accounts: pd.DataFrame  # index account_id: ACCOUNT_FIELDS
    values: pd.DataFrame  # value_accounts as of as_of
    values_then: pd.DataFrame | None  # value_accounts as of then; None when not covered
    revenue: Concentration
    margin: Concentration | None
    tier_table: pd.DataFrame  # per tier: accounts, revenue_ltm, share, score_mean
    sensitivity: pd.DataFrame  # weight_sensitivity
    sensitivity_summary: pd.DataFrame  # per criterion: weight, up, down
    fragile: pd.DataFrame  # fragile_accounts
    migration: pd.DataFrame | None  # migration_matrix; None when the data starts too late
    moves: pd.DataFrame | None  # migration.movements; None likewise
    segments: dict[str, pd.DataFrame]
    bridge: RevenueBridge | None  # None when the data does not cover the prior LTM
    flags: pd.DataFrame  # risk_flags as of as_of
    at_risk: pd.DataFrame  # per flagged account: severity, flags, codes, revenue_ltm
    risk_levels: pd.DataFrame  # per severity: accounts, revenue_ltm, share
    lost: pd.DataFrame  # bridge accounts lost: prior, last_order
    aging: pd.DataFrame | None
    progress: pd.DataFrame | None  # collection progress of the as-of month
    progress_rate: float
    dso: pd.DataFrame | None
    attainment: pd.DataFrame
    attainment_managers: pd.DataFrame
    scorecard_month: pd.DataFrame
    scorecard_ytd: pd.DataFrame
    backtest: Backtest | None
    duplicates: pd.DataFrame
    warnings: tuple[Issue, ...]
    coverage: Coverage  # where the data starts, the comparisons it does not cover
    attention: tuple[AccountAttention, ...] = ()  # accounts that need attention, ranked
    # PRICE_BUYING as of then against the simple rule; None when the data does not cover
    # the flag's windows as of then
    price_buying_backtest: FlagBacktest | None = None
    # portfolio.group_accounts: accounts summed per group in the concentration, targets and
    # aging tables; group account id → members summed in its row (groups of 2+ only)
    groups: pd.Series | None = None

    @property
    def revenue_ltm(self) -> float:
        return float(self.values["revenue_ltm"].sum())

    @property
    def revenue_prior_ltm(self) -> float:
        return float(self.values["revenue_prior_ltm"].sum())

    def name(self, account_id: str) -> str:
        return (
            str(self.accounts.at[account_id, "name"]) if account_id in self.accounts.index else ""
        )


def concentration(values: pd.Series, a: float, b: float) -> Concentration:
    """ABC classes and concentration measures of ``values`` (abc.py does the maths)."""
    classes = abc.abc_classes(values, a, b)
    positive = values.astype(float).clip(lower=0).fillna(0.0)
    total = float(positive.sum())
    table = pd.DataFrame(
        {
            "accounts": classes.value_counts().reindex(["A", "B", "C"], fill_value=0),
            "value": positive.groupby(classes).sum().reindex(["A", "B", "C"], fill_value=0.0),
        }
    )
    table["share"] = table["value"] / total if total > 0 else float("nan")
    top20_count = max(int(-(-len(values) * 0.2 // 1)), 0)
    return Concentration(
        curve=abc.pareto_curve(values),
        classes=classes,
        table=table,
        top20_share=abc.top_share(values, 0.2),
        top20_count=top20_count,
        top10_share=abc.top_n_share(values, 10),
        hhi=abc.hhi(values),
    )


def tier_table(values: pd.DataFrame) -> pd.DataFrame:
    """Per tier: accounts, LTM revenue, its share, mean score, accounts in ABC class A."""
    grouped = values.groupby("tier")
    out = pd.DataFrame(
        {
            "accounts": grouped.size(),
            "revenue_ltm": grouped["revenue_ltm"].sum(),
            "score_mean": grouped["score"].mean(),
            "class_a": grouped["abc_class"].apply(lambda s: int((s == "A").sum())),
        }
    ).reindex(list(TIERS))
    out["accounts"] = out["accounts"].fillna(0).astype(int)
    out["class_a"] = out["class_a"].fillna(0).astype(int)
    out["revenue_ltm"] = out["revenue_ltm"].fillna(0.0)
    total = float(values["revenue_ltm"].sum())
    out["share"] = out["revenue_ltm"] / total if total else float("nan")
    return out


def sensitivity_summary(sensitivity: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """Per criterion: its weight and how many accounts change tier when it moves up / down."""
    rows = []
    for criterion, weight in weights.items():
        own = sensitivity.loc[sensitivity["criterion"] == criterion]
        rows.append(
            {
                "criterion": criterion,
                "weight": float(weight),
                "up": int((own["change"] > 0).sum()),
                "down": int((own["change"] < 0).sum()),
            }
        )
    return pd.DataFrame(rows).set_index("criterion")


def fragile_accounts(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """Accounts whose tier changes in at least one scenario: tier, scenarios (how many
    of the weight moves change it), tiers_to (where they would go), most fragile first."""
    if sensitivity.empty:
        return pd.DataFrame(columns=["tier", "scenarios", "tiers_to", "score"])
    grouped = sensitivity.groupby("account_id")
    out = pd.DataFrame(
        {
            "tier": grouped["tier_from"].first(),
            "scenarios": grouped.size(),
            "tiers_to": grouped["tier_to"].apply(lambda s: tuple(sorted(set(s)))),
            "score": grouped["score_from"].first(),
        }
    )
    return out.sort_values(["scenarios", "score"], ascending=[False, False], kind="stable")


def _flagged_accounts(flags: pd.DataFrame) -> pd.DataFrame:
    """Per flagged account (sorted by id): worst severity, number of flags and their codes
    in the flags' order. Grouped once on sorted account codes instead of a Python call
    per account."""
    codes, ids = pd.factorize(flags["account_id"], sort=True)
    order = np.argsort(codes, kind="stable")  # each account's flags in their own order
    counts = np.bincount(codes, minlength=len(ids))
    high = np.bincount(
        codes, weights=(flags["severity"] == "high").to_numpy(bool), minlength=len(ids)
    )
    code_values = flags["code"].to_numpy(dtype=object)[order]
    bounds = np.cumsum(counts)[:-1]
    index = pd.Index(ids, name="account_id")
    return pd.DataFrame(
        {
            "severity": pd.Series(np.where(high > 0, "high", "medium"), index=index, dtype="str"),
            "flags": pd.Series(counts.astype(np.int64), index=index),
            "codes": pd.Series(
                [tuple(part) for part in np.split(code_values, bounds)], index=index, dtype=object
            ),
        }
    )


def risk_summary(flags: pd.DataFrame, values: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flagged accounts (worst severity, number of flags, codes, LTM revenue), worst first,
    and LTM revenue per risk level (high, medium, none)."""
    revenue = values["revenue_ltm"].astype(float)
    if flags.empty:
        at_risk = pd.DataFrame(columns=["severity", "flags", "codes", "revenue_ltm"])
        level = pd.Series("none", index=values.index)
    else:
        at_risk = _flagged_accounts(flags)
        at_risk["revenue_ltm"] = revenue.reindex(at_risk.index).fillna(0.0)
        at_risk["_o"] = at_risk["severity"].map({"high": 0, "medium": 1})
        at_risk = at_risk.sort_values(["_o", "revenue_ltm"], ascending=[True, False]).drop(
            columns="_o"
        )
        level = at_risk["severity"].reindex(values.index).fillna("none")
    total = float(revenue.clip(lower=0).sum())
    levels = pd.DataFrame(
        {
            "accounts": level.value_counts().reindex(SEVERITIES, fill_value=0),
            "revenue_ltm": revenue.clip(lower=0).groupby(level).sum().reindex(SEVERITIES).fillna(0),
        }
    )
    levels["share"] = levels["revenue_ltm"] / total if total else float("nan")
    return at_risk, levels


TARGET_SUMS = ["revenue_ytd", "target_ytd", "target_fy", "forecast_fy"]


def _grouped_attainment(targets: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """:func:`kamreport.analytics.team.attainment` with each group's accounts in one row."""
    if targets.empty:
        return targets
    out = roll_up(targets, groups, TARGET_SUMS)
    out["attainment_ytd"] = out["revenue_ytd"] / out["target_ytd"].where(out["target_ytd"] > 0)
    out["forecast_attainment"] = out["forecast_fy"] / out["target_fy"]
    out["gap_fy"] = out["target_fy"] - out["forecast_fy"]
    return out.sort_values("gap_fy", ascending=False, kind="stable")


def _grouped_aging(aging: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """:func:`aging_by_account` with each group's accounts in one row (sums of the amounts,
    the longest overdue of the members); the rates (DSO, collection rate) are left out."""
    out = roll_up(aging, groups, ["open_amount", "overdue_amount", *AGING_BUCKETS])
    key = groups.reindex(aging.index).fillna(pd.Series(aging.index, index=aging.index))
    out["max_days_overdue"] = aging["max_days_overdue"].groupby(key.to_numpy()).max()
    return out.sort_values(["overdue_amount", "open_amount"], ascending=False, kind="stable")


def _lost(bridge: RevenueBridge | None, dataset: Dataset, end: pd.Timestamp) -> pd.DataFrame:
    if bridge is None:  # no prior LTM: no account can be called lost
        return pd.DataFrame(columns=["prior", "last_order"])
    lost = bridge.accounts.loc[bridge.accounts["category"] == "lost", ["prior"]].copy()
    lines = dataset.order_lines
    bought = ((lines["order_date"] <= end) & (lines["net_amount"] > 0)).to_numpy(dtype=bool)
    last = grouped_by_id(lines["order_date"], lines["account_id"], "max", bought)
    lost["last_order"] = last.reindex(lost.index)
    return lost.sort_values("prior", ascending=False, kind="stable")


def _ordered_by(lines: pd.DataFrame, end: pd.Timestamp, accounts: pd.Index) -> np.ndarray:
    """For each of ``accounts``: whether it has an order line dated on or before ``end``
    (on the lines' account positions, without copying the lines)."""
    at = positions(lines["account_id"], accounts)
    at = at[(lines["order_date"] <= end).to_numpy(dtype=bool) & (at >= 0)]
    found = np.zeros(len(accounts), dtype=bool)
    found[at] = True
    return found


def _flag_counts(flags: pd.DataFrame) -> pd.Series:
    """Risk flags per account, composite flags (risk.COMPOSITE) left out as in the score."""
    flags = flags.loc[~flags["code"].isin(COMPOSITE)] if not flags.empty else flags
    return flags.groupby("account_id").size() if not flags.empty else pd.Series(dtype=int)


def _price_buying_backtest(
    dataset: Dataset,
    then: dt.date,
    values_then: pd.DataFrame | None,
    flags_then: pd.DataFrame | None,
    values: pd.DataFrame,
    params: Params,
) -> FlagBacktest | None:
    """PRICE_BUYING raised as of ``then`` against the simple rule (recent revenue below
    the same months a year earlier, as of ``then``); None when the data does not cover
    the flag's year-earlier months as of then (the flag could not be raised)."""
    if values_then is None or flags_then is None:
        return None
    now, before = recent_and_year_earlier(then, params.risk.discount_window_months)
    if not covers(data_start(dataset.order_lines), before):
        return None
    accounts = pd.Index(values_then.index.astype(str))
    lines = dataset.order_lines
    flagged = flags_then.loc[flags_then["code"] == "PRICE_BUYING", "account_id"].astype(str)
    rule = falling_recent_revenue(lines, now, before, accounts)
    return flag_backtest(
        flagged, rule, values_then["revenue_ltm"], values["revenue_ltm"],
        params.portfolio.backtest_shrink,
    )  # fmt: skip


def review_portfolio(
    dataset: Dataset,
    as_of: dt.date,
    params: Params,
    *,
    values: pd.DataFrame | None = None,
    flags: pd.DataFrame | None = None,
    duplicates: pd.DataFrame | None = None,
    metrics: pd.DataFrame | None = None,
) -> PortfolioReview:
    """Every figure of the portfolio report as of ``as_of``.

    ``values``, ``flags`` and ``duplicates`` are the run's portfolio-wide value layer,
    risk flags and likely duplicates (kamreport.figures) for the same date; computed
    here when not given. ``metrics`` (kamreport.metrics.account_metrics) ranks the
    accounts that need attention; without it there is no such ranking.
    """
    end = as_timestamp(as_of)
    then = (end - pd.DateOffset(months=12)).date()
    s, p = params.scoring, params.portfolio
    covered = coverage(dataset.order_lines, end, params.risk.discount_window_months)
    if values is None:
        values = value_accounts(dataset, end, s, params.clv, params.risk)
    values_then = tiers_then = flags_then = None
    if covered.covered("tiers_then"):  # the scores of a year ago need the year before it
        valuation_then = value_portfolio(dataset, then, s, params.clv, params.risk)
        values_then, flags_then = valuation_then.accounts, valuation_then.flags
        had_orders = _ordered_by(dataset.order_lines, pd.Timestamp(then), values_then.index)
        tiers_then = values_then["tier"].where(had_orders, NEW)
    margin = values["gross_margin_ltm"]
    if flags is None:
        flags = risk_flags(dataset, end, params.risk, values)
    at_risk, levels = risk_summary(flags, values)
    # values hold every criterion (risk from the flags) and the parts the tiers need
    sensitivity = weight_sensitivity(values, s.weights, s, p.sensitivity_step)
    bridge = (
        revenue_bridge(values["revenue_prior_ltm"], values["revenue_ltm"])
        if covered.covered("ltm")
        else None
    )
    invoices = dataset.get("invoices")
    progress = (
        collection_progress(invoices, months_back(end, 1), end) if invoices is not None else None
    )
    targets = attainment(dataset, end, flags)
    managers = by_manager(targets, dataset.accounts, TARGET_SUMS) if not targets.empty else targets
    if not managers.empty:
        managers["attainment_ytd"] = managers["revenue_ytd"] / managers["target_ytd"]
        managers["forecast_attainment"] = managers["forecast_fy"] / managers["target_fy"]
        managers = managers.sort_values("revenue_ytd", ascending=False)
    has_history = values_then is not None and bool((values_then["revenue_ltm"] > 0).any())
    accounts = dataset.accounts.set_index("account_id")
    revenue, margin_of = values["revenue_ltm"], margin.dropna()
    aging = aging_by_account(invoices, end) if invoices is not None else None
    groups = sizes = None
    if p.group_accounts:  # the tables that add up show each group as one row
        groups = group_ids(dataset.accounts)
        revenue = roll_up(values[["revenue_ltm"]], groups, ["revenue_ltm"])["revenue_ltm"]
        margin_of = roll_up(margin_of.to_frame(), groups, ["gross_margin_ltm"])["gross_margin_ltm"]
        targets = _grouped_attainment(targets, groups)
        aging = _grouped_aging(aging, groups) if aging is not None else None
        counts = groups.value_counts()
        sizes = counts.loc[counts > 1]
    return PortfolioReview(
        as_of=end.date(),
        headline=portfolio_headline(dataset, end, values),
        then=then,
        accounts=accounts[[c for c in ACCOUNT_FIELDS if c in accounts]],
        values=values,
        values_then=values_then,
        revenue=concentration(revenue, s.abc_a_threshold, s.abc_b_threshold),
        margin=concentration(margin_of, s.abc_a_threshold, s.abc_b_threshold)
        if margin.notna().any()
        else None,
        tier_table=tier_table(values),
        sensitivity=sensitivity,
        sensitivity_summary=sensitivity_summary(sensitivity, dict(s.weights)),
        fragile=fragile_accounts(sensitivity),
        migration=migration_matrix(tiers_then, values["tier"]) if tiers_then is not None else None,
        moves=movements(tiers_then, values["tier"]) if tiers_then is not None else None,
        segments=segment_tables(dataset, end),
        bridge=bridge,
        flags=flags,
        at_risk=at_risk,
        risk_levels=levels,
        lost=_lost(bridge, dataset, end),
        aging=aging,
        progress=progress,
        progress_rate=collection_rate(progress) if progress is not None else float("nan"),
        dso=dso_trend(invoices, end) if invoices is not None else None,
        attainment=targets,
        attainment_managers=managers,
        scorecard_month=scorecards(dataset, months_back(end, 1), end),
        scorecard_ytd=scorecards(dataset, ytd(end), end),
        backtest=backtest(
            values_then["score"],
            values_then["revenue_ltm"],
            values["revenue_ltm"],
            _flag_counts(flags_then),
            shrink=p.backtest_shrink,
        )
        if has_history
        else None,
        duplicates=likely_duplicates(dataset.accounts, p.duplicate_similarity)
        if duplicates is None
        else duplicates,
        coverage=covered,
        price_buying_backtest=_price_buying_backtest(
            dataset, then, values_then, flags_then, values, params
        ),
        # Leadership reads this report: warnings about contacts may quote personal data.
        warnings=tuple(w for w in dataset.warnings if w.table not in PERSONAL_TABLES),
        attention=()
        if metrics is None
        else by_account(
            attention_items(
                metrics,
                flags,
                dataset.order_lines,
                dataset.accounts,
                end,
                recent_months=params.risk.discount_window_months,
            )
        ),
        groups=sizes,
    )


__all__ = [
    "ACCOUNT_FIELDS",
    "SEVERITIES",
    "Concentration",
    "Headline",
    "PortfolioReview",
    "concentration",
    "fragile_accounts",
    "review_portfolio",
    "risk_summary",
    "sensitivity_summary",
    "tier_table",
]
