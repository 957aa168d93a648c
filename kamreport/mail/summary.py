"""What goes into a report email: the summary version of a report, computed purely.

An email to leadership is short: the headline figures, the monthly trend, the
tiers and top accounts (portfolio) or the account's value (customer), and the
risk flags. Built from the analytics
only — never from the web report's HTML. Of the contacts table only the risk flag
codes derived from it are used: contacts' personal details do not belong in a
leadership email.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kamreport.analytics.attention import attention_items, by_account
from kamreport.analytics.collections import aging_by_account
from kamreport.analytics.coverage import Coverage, coverage, data_start, trend_window
from kamreport.analytics.headline import headline_kpis
from kamreport.analytics.sales import KpiBlock, ltm_kpis, monthly, without_prior
from kamreport.analytics.team import attainment
from kamreport.analytics.tiers import TIERS
from kamreport.dataset import Dataset
from kamreport.figures import PortfolioFigures
from kamreport.mail.changes import Changes, account_state, baseline, compare
from kamreport.params import Params, RiskParams

REPORTS = ("customer", "portfolio")
MAX_RISKS = 12
MAX_ATTENTION = 10
KPI_KINDS = (
    ("revenue", "money"),
    ("gross_margin", "money"),
    ("margin_pct", "percent"),
    ("orders", "number"),
    ("avg_order_size", "money"),
)


@dataclass(frozen=True)
class KpiLine:
    """One headline figure: LTM against the prior LTM."""

    key: str
    kind: str  # money | number | percent
    current: float | None
    prior: float | None
    growth: float | None  # relative growth; for percentages the change in points


@dataclass(frozen=True)
class AccountLine:
    account_id: str
    name: str
    tier: str | None
    score: float | None
    revenue_ltm: float | None
    growth: float | None


@dataclass(frozen=True)
class TierLine:
    tier: str
    accounts: int
    revenue_ltm: float
    share: float | None


@dataclass(frozen=True)
class RiskLine:
    account_id: str
    name: str
    flag: str
    severity: str


@dataclass(frozen=True)
class TargetTotals:
    """Year to date and year-end forecast against the targets, summed over the accounts
    with a target in the as-of year (the portfolio report's targets section)."""

    accounts: int
    revenue_ytd: float
    target_ytd: float
    forecast_fy: float
    target_fy: float

    @property
    def attainment_ytd(self) -> float | None:
        return self.revenue_ytd / self.target_ytd if self.target_ytd > 0 else None

    @property
    def forecast_attainment(self) -> float | None:
        return self.forecast_fy / self.target_fy if self.target_fy > 0 else None


@dataclass(frozen=True)
class Receivables:
    """Open and overdue receivables at the as-of date (the portfolio report's figures)."""

    open_amount: float
    overdue: float


@dataclass(frozen=True)
class AttentionLine:
    """An account that needs attention: the money at stake and severity of its first issue
    (kamreport.analytics.attention), and its issues (risk-flag codes, MARGIN_FALL) in rank
    order."""

    account_id: str
    name: str
    tier: str | None
    severity: str
    at_stake: float
    flags: tuple[str, ...]


@dataclass(frozen=True)
class EmailSummary:
    """Everything an email says, as plain values (formatting happens in the template)."""

    report: str
    as_of: dt.date
    account_id: str | None
    name: str | None
    kpis: tuple[KpiLine, ...]
    monthly: pd.DataFrame
    value: AccountLine | None = None
    tiers: tuple[TierLine, ...] = ()
    top_accounts: tuple[AccountLine, ...] = ()
    risks: tuple[RiskLine, ...] = ()
    risks_more: int = 0
    accounts_total: int = 0
    accounts_active: int = 0
    targets: TargetTotals | None = None
    receivables: Receivables | None = None
    attention: tuple[AttentionLine, ...] = ()
    attention_more: int = 0
    changes: Changes | None = None  # None: the email does not compare with an earlier one
    coverage: Coverage | None = None  # the comparisons the order data does not cover
    state: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    baseline: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)


def kpi_lines(block: KpiBlock) -> tuple[KpiLine, ...]:
    """The headline figures; margin lines are left out when the data has no costs."""
    lines = []
    for key, kind in KPI_KINDS:
        comp = getattr(block, key)
        if key in ("gross_margin", "margin_pct") and comp.current is None:
            continue
        change = comp.change if kind == "percent" else comp.growth
        lines.append(KpiLine(key, kind, comp.current, comp.prior, change))
    return tuple(lines)


def _names(dataset: Dataset) -> dict[str, str]:
    accounts = dataset.accounts
    return dict(zip(accounts["account_id"].astype(str), accounts["name"].astype(str), strict=True))


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def account_line(figures: PortfolioFigures, account_id: str, names: dict[str, str]) -> AccountLine:
    """The account's tier, score, LTM revenue and growth as every report shows them."""
    metrics = figures.metrics.set_index("account_id")
    row = metrics.loc[account_id]
    tier = row.get("tier")
    return AccountLine(
        account_id=account_id,
        name=names.get(account_id, account_id),
        tier=None if tier is None or tier != tier else str(tier),
        score=_number(row.get("score")),
        revenue_ltm=_number(row.get("revenue_ltm")),
        growth=_number(row.get("revenue_growth")),
    )


def risk_lines(
    dataset: Dataset,
    figures: PortfolioFigures,
    account_ids: list[str],
    limit: int = MAX_RISKS,
) -> tuple[tuple[RiskLine, ...], int]:
    """Raised risk flags of ``account_ids`` (high severity first, then by LTM revenue),
    at most ``limit``, and how many more there are. Codes only: the numbers behind a
    flag are left to the full report."""
    values = figures.values
    flags = figures.flags
    flags = flags.loc[flags["account_id"].astype(str).isin(account_ids)]
    if flags.empty:
        return (), 0
    names = _names(dataset)
    revenue = values["revenue_ltm"].astype(float)
    order = flags.assign(
        _low=(flags["severity"] != "high").astype(int),
        _rev=-flags["account_id"].astype(str).map(revenue).fillna(0.0),
        _pos=range(len(flags)),
    ).sort_values(["_low", "_rev", "_pos"], kind="stable")
    lines = tuple(
        RiskLine(
            str(r.account_id), names.get(str(r.account_id), str(r.account_id)), str(r.code),
            str(r.severity),
        )
        for r in order.itertuples(index=False)
    )  # fmt: skip
    return lines[:limit], max(len(lines) - limit, 0)


def customer_summary(
    dataset: Dataset,
    account_id: str,
    as_of: dt.date,
    params: Params,
    figures: PortfolioFigures,
) -> EmailSummary:
    """The email summary of one account's review."""
    lines = dataset.order_lines.loc[dataset.order_lines["account_id"] == account_id]
    risks, more = risk_lines(dataset, figures, [account_id])
    names = _names(dataset)
    covered = coverage(dataset.order_lines, as_of, params.risk.discount_window_months)
    block = ltm_kpis(lines, as_of)
    months = params.report.trend_months
    return EmailSummary(
        report="customer",
        as_of=as_of,
        account_id=account_id,
        name=names.get(account_id, account_id),
        kpis=kpi_lines(block if covered.covered("ltm") else without_prior(block)),
        monthly=monthly(lines, trend_window(covered.data_start, as_of, months)),
        value=account_line(figures, account_id, names),
        risks=risks,
        risks_more=more,
        coverage=covered,
    )


def tier_lines(values: pd.DataFrame) -> tuple[TierLine, ...]:
    """Accounts and LTM revenue per tier, in tier order; share of the positive total."""
    revenue = values["revenue_ltm"].astype(float).fillna(0.0)
    total = float(revenue.clip(lower=0).sum())
    out = []
    for tier in TIERS:
        mask = values["tier"] == tier
        amount = float(revenue[mask].sum())
        out.append(TierLine(tier, int(mask.sum()), amount, amount / total if total > 0 else None))
    return tuple(out)


def target_totals(frame: pd.DataFrame) -> TargetTotals | None:
    """Σ of a :func:`kamreport.analytics.team.attainment` frame, as the portfolio report's
    targets section adds it up; None without targets."""
    if not len(frame):
        return None
    return TargetTotals(
        accounts=len(frame),
        revenue_ytd=float(frame["revenue_ytd"].sum()),
        target_ytd=float(frame["target_ytd"].sum()),
        forecast_fy=float(frame["forecast_fy"].sum()),
        target_fy=float(frame["target_fy"].sum()),
    )


def receivables(dataset: Dataset, as_of: dt.date) -> Receivables | None:
    """Open and overdue receivables as the portfolio report's receivables section adds them
    up (:func:`kamreport.analytics.collections.aging_by_account`); None without invoices."""
    invoices = dataset.get("invoices")
    if invoices is None:
        return None
    aging = aging_by_account(invoices, as_of)
    return Receivables(float(aging["open_amount"].sum()), float(aging["overdue_amount"].sum()))


def attention_lines(
    dataset: Dataset,
    figures: PortfolioFigures,
    account_ids: list[str] | None = None,
    limit: int = MAX_ATTENTION,
    recent_months: int = RiskParams().discount_window_months,
) -> tuple[tuple[AttentionLine, ...], int]:
    """The accounts that need attention of every tier (or of ``account_ids``), ranked as
    every report ranks them (:mod:`kamreport.analytics.attention`): each with the money at
    stake and severity of its first issue and its issues in rank order; at most ``limit``,
    and how many more there are. ``recent_months`` is the breadth flag's window."""
    items = attention_items(
        figures.metrics,
        figures.flags,
        dataset.order_lines,
        dataset.accounts,
        figures.as_of,
        recent_months=recent_months,
        account_ids=account_ids,
    )
    ranked = by_account(items)
    if not ranked:
        return (), 0
    values = figures.values
    names = _names(dataset)
    lines = []
    for account in ranked[:limit]:
        tier = values["tier"].get(account.account_id)
        lines.append(
            AttentionLine(
                account_id=account.account_id,
                name=names.get(account.account_id, account.account_id),
                tier=None if tier is None or tier != tier else str(tier),
                severity=account.top.severity,
                at_stake=account.top.at_stake,
                flags=tuple(dict.fromkeys(item.kind for item in account.items)),
            )
        )
    return tuple(lines), max(len(ranked) - limit, 0)


def portfolio_summary(
    dataset: Dataset,
    as_of: dt.date,
    params: Params,
    figures: PortfolioFigures,
    *,
    top_n: int = 10,
    history: Mapping[str, Any] | None = None,
) -> EmailSummary:
    """The email summary of the portfolio: totals, targets, receivables, tiers, the top
    accounts by LTM revenue, the accounts that need attention, and what changed since the
    email recorded in ``history`` (see :func:`kamreport.mail.changes.baseline`)."""
    values = figures.values
    names = _names(dataset)
    revenue = values["revenue_ltm"].astype(float)
    positive = revenue[revenue > 0]
    # Highest revenue first; ties by account id, so the order never depends on the data's.
    ordered = positive.iloc[np.lexsort((positive.index.astype(str), -positive.to_numpy()))]
    top = tuple(account_line(figures, str(a), names) for a in ordered.index[:top_n])
    attention, attention_more = attention_lines(
        dataset,
        figures,
        limit=params.email.attention_rows,
        recent_months=params.risk.discount_window_months,
    )
    targets = attainment(dataset, as_of, figures.flags)  # as the portfolio report computes it
    forecast = targets["forecast_attainment"] if len(targets) else pd.Series(dtype=float)
    state = account_state(as_of, values, figures.flags, forecast, values.index.astype(str))
    previous = baseline(history, state)
    e = params.email
    changes = compare(previous, state, names, threshold=e.target_risk_threshold, movers=e.movers)
    lines = dataset.order_lines
    trend = trend_window(data_start(lines), as_of, params.report.trend_months)
    return EmailSummary(
        report="portfolio",
        as_of=as_of,
        account_id=None,
        name=None,
        kpis=kpi_lines(headline_kpis(lines, as_of)),  # the portfolio headline's figures
        monthly=monthly(lines, trend),
        tiers=tier_lines(values),
        top_accounts=top,
        accounts_total=len(dataset.accounts),
        accounts_active=int((revenue > 0).sum()),
        targets=target_totals(targets),
        receivables=receivables(dataset, as_of),
        attention=attention,
        attention_more=attention_more,
        changes=changes,
        coverage=coverage(lines, as_of, params.risk.discount_window_months),
        state=state,
        baseline=previous,
    )
