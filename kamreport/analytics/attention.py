"""What needs attention: the few issues of an account or a portfolio, ranked by money at
stake and severity (docs/metrics.md, "What needs attention").

An issue is a raised risk flag (:mod:`kamreport.analytics.risk`) or a margin fall (the
gross margin of the last twelve months at least :data:`MARGIN_FALL` below that of the
twelve months before). Each issue gets the money it puts at stake (:func:`money_at_stake`,
one rule per kind of issue), and the issues are ranked by that money, a medium issue
counting :data:`MEDIUM_WEIGHT` of its money (:func:`rank_key`). An account's attention
is its first issue; accounts are ranked by it. Every report, the index page and the
leadership email read this one ranking.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kamreport.analytics.coverage import covers, data_start
from kamreport.analytics.membership import factorized, is_in
from kamreport.analytics.periods import as_timestamp, ltm, prior_ltm, recent_and_year_earlier, up_to
from kamreport.analytics.risk import CODES
from kamreport.analytics.sales import margin_by_account

MARGIN_FALL_CODE = "MARGIN_FALL"
KINDS = (MARGIN_FALL_CODE, *CODES)  # the order of issues of equal weight and severity
MARGIN_FALL = 0.10  # fall of the LTM gross margin against the prior LTM's; high at twice
MEDIUM_WEIGHT = 0.5  # a medium issue counts half of its money at stake
SEVERITY_ORDER = {"high": 0, "medium": 1}
ACCOUNT_SHOWN = 3  # issues in an account review's "What needs attention"
PORTFOLIO_SHOWN = 5  # accounts in the portfolio report's
# Kinds whose money at stake is a year of the account's business (churn and relationship
# signals: if they are not dealt with, the account itself is at stake).
WHOLE_ACCOUNT = (
    "ORDER_GAP", "LOW_P_ALIVE", "COMPLAINT_SPIKE", "SATISFACTION_FALL",
    "NO_DECISION_MAKER_CONTACT", "NO_SENIOR_VISIT",
)  # fmt: skip
# The columns of an account's metrics row (with its margins) that money_at_stake reads.
STAKE_COLUMNS = (
    "revenue_ltm", "revenue_prior_ltm", "margin", "margin_prior", "share_of_wallet",
    "share_of_wallet_prior", "category_spend", "discount_depth", "discount_depth_year_earlier",
)  # fmt: skip


@dataclass(frozen=True)
class AttentionItem:
    """One issue of one account: its kind (a risk-flag code or MARGIN_FALL), severity,
    the money it puts at stake, the numbers behind it and the account's KA manager."""

    account_id: str
    kind: str
    severity: str  # high | medium
    at_stake: float  # reporting currency, ≥ 0
    value: float  # what was measured (the flag's value; the LTM gross margin)
    threshold: float
    baseline: float  # what it is compared with (the flag's baseline; the prior gross margin)
    owner: str = ""  # the KA manager, "" when unknown

    @property
    def weight(self) -> float:
        """Money at stake counted for the ranking: all of it when high, half when medium."""
        return self.at_stake * (1.0 if self.severity == "high" else MEDIUM_WEIGHT)


@dataclass(frozen=True)
class AccountAttention:
    """An account's issues in rank order; the first one ranks the account."""

    account_id: str
    owner: str
    items: tuple[AttentionItem, ...]

    @property
    def top(self) -> AttentionItem:
        return self.items[0]


def rank_key(item: AttentionItem) -> tuple[float, int, float, int, str]:
    """Weighted money at stake (largest first), then severity (high first), then money at
    stake, then the kind's place in :data:`KINDS`, then the account id."""
    return (
        -item.weight,
        SEVERITY_ORDER.get(item.severity, 2),
        -item.at_stake,
        KINDS.index(item.kind) if item.kind in KINDS else len(KINDS),
        item.account_id,
    )


def _num(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number


def _positive(value: float) -> float:
    return value if value > 0 else 0.0


def margins(
    lines: pd.DataFrame, as_of: dt.date | pd.Timestamp, start: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Gross margin (Σ net_amount − cost_amount) of the LTM and of the prior LTM per account
    (columns ``margin``, ``margin_prior``; NaN where a line lacks its cost, and the prior
    NaN throughout when the data, starting on ``start`` — the first of ``lines`` when not
    given — does not cover the prior LTM); empty when the data has no costs."""
    end = as_timestamp(as_of)
    columns = ["margin", "margin_prior"]
    if "cost_amount" not in lines:
        return pd.DataFrame(columns=columns, dtype=float)
    # Grouped on the codes of the account ids (encoded once per run), lines in their
    # own order: the same sums as grouping on the ids, without copying the lines.
    parts = [margin_by_account(lines, window) for window in (ltm(end), prior_ltm(end))]
    out = pd.concat(parts, axis=1, keys=columns).astype(float)
    if not covers(start if start is not None else data_start(lines), prior_ltm(end)):
        out["margin_prior"] = np.nan  # a part of a year is no baseline for a fall
    return out


def lapsed_revenue(
    lines: pd.DataFrame,
    as_of: dt.date | pd.Timestamp,
    months: int,
    start: pd.Timestamp | None = None,
) -> pd.Series:
    """Per account: revenue, in the ``months`` a year before the last ``months``, of the
    products it bought then but not in the last ``months``; empty when the data (starting
    on ``start``, the first of ``lines`` when not given) does not cover the earlier months."""
    now, before = recent_and_year_earlier(as_of, months)
    if not covers(start if start is not None else data_start(lines), before):
        return pd.Series(dtype=float)
    # One integer per (account, product), ordered as the ids themselves sort: summing
    # per pair and then per account adds the same numbers in the same order as grouping
    # on the two ids as text would, without copying the lines or hashing their ids.
    account, accounts = factorized(lines["account_id"])
    product, products = factorized(lines["product_id"])
    account_rank, product_rank = _ranks(accounts), _ranks(products)
    known = (account >= 0) & (product >= 0)
    width = max(len(products), 1)
    pair = account_rank[account].astype(np.int64) * width + product_rank[product]
    net = lines["net_amount"].to_numpy(dtype=float)
    earlier = before.mask(lines["order_date"]).to_numpy(dtype=bool) & known
    recent = now.mask(lines["order_date"]).to_numpy(dtype=bool) & known & (net > 0)
    then = pd.Series(net[earlier]).groupby(pair[earlier]).sum()
    then = then.loc[then.to_numpy() > 0]
    gone = then.loc[~np.isin(then.index.to_numpy(), pair[recent])]
    per_account = gone.groupby(gone.index.to_numpy() // width).sum()
    by_rank = np.argsort(account_rank[:-1], kind="stable")  # account rank → its code
    index = pd.Index(accounts[by_rank[per_account.index.to_numpy()]], name="account_id")
    return pd.Series(per_account.to_numpy(dtype=float), index=index.astype(str), name="net_amount")


def _ranks(ids: pd.Index) -> np.ndarray:
    """Each id's place among ``ids`` sorted (as grouping on them orders them), and a last
    slot for code -1 (no id; such lines are left out)."""
    ranks = np.zeros(len(ids) + 1, dtype=np.int64)
    ranks[ids.argsort()] = np.arange(len(ids))
    return ranks


def money_at_stake(
    kind: str, row: Mapping[str, Any], flag: Mapping[str, Any] | None, lapsed: float
) -> float:
    """The money an issue puts at stake (reporting currency, never negative).

    ``row`` is the account's metrics row (kamreport.metrics) with ``margin`` and
    ``margin_prior`` added, ``flag`` the risk flag's row (each a Series or a dict;
    only :data:`STAKE_COLUMNS` and the flag's ``baseline`` are read); ``lapsed`` the
    revenue of the products it stopped buying (:func:`lapsed_revenue`)."""
    revenue = _num(row.get("revenue_ltm"))
    prior = _num(row.get("revenue_prior_ltm"))
    revenue, prior = (0.0 if math.isnan(v) else v for v in (revenue, prior))
    if kind == MARGIN_FALL_CODE:
        return _positive(_num(row.get("margin_prior")) - _num(row.get("margin")))
    if kind == "REVENUE_DECLINE":
        return _positive(prior - revenue)
    if kind in WHOLE_ACCOUNT:
        return max(revenue, prior, 0.0)
    if kind == "WALLET_SHARE_FALL":
        fall = _num(row.get("share_of_wallet_prior")) - _num(row.get("share_of_wallet"))
        stake = fall * _num(row.get("category_spend"))
        return 0.0 if math.isnan(stake) else _positive(stake)
    if kind == "OVERDUE_RECEIVABLES":
        overdue = _num(flag.get("baseline")) if flag is not None else math.nan
        return 0.0 if math.isnan(overdue) else _positive(overdue)
    if kind == "DISCOUNT_PRESSURE":
        rise = _num(row.get("discount_depth")) - _num(row.get("discount_depth_year_earlier"))
        stake = rise * revenue
        return 0.0 if math.isnan(stake) else _positive(stake)
    if kind == "NARROWING_BREADTH":
        return _positive(lapsed)
    if kind == "PRICE_BUYING":
        # what the shift costs already: the discount given away, as for DISCOUNT_PRESSURE
        # (the products no longer bought are NARROWING_BREADTH's stake, not counted twice)
        return money_at_stake("DISCOUNT_PRESSURE", row, flag, lapsed)
    return max(revenue, 0.0)


def attention_items(
    metrics: pd.DataFrame,
    flags: pd.DataFrame,
    lines: pd.DataFrame,
    accounts: pd.DataFrame,
    as_of: dt.date | pd.Timestamp,
    *,
    recent_months: int = 6,
    account_ids: Iterable[str] | None = None,
) -> tuple[AttentionItem, ...]:
    """Every issue of every account (or of ``account_ids``), in rank order (:func:`rank_key`).

    ``metrics`` is :func:`kamreport.metrics.account_metrics`, ``flags``
    :func:`kamreport.analytics.risk.risk_flags`, ``lines`` the order lines (for the gross
    margins and the products no longer bought), ``accounts`` gives the owner
    (``ka_manager``); ``recent_months`` is the window of the breadth flag."""
    end = as_timestamp(as_of)
    start = data_start(lines)  # the whole data's, before picking accounts
    wanted = None if account_ids is None else {str(a) for a in account_ids}
    rows = metrics.set_index(metrics["account_id"].astype(str))
    if wanted is not None:  # the accounts' lines first: one pass, no copy of the rest
        rows = rows.loc[rows.index.isin(wanted)]
        lines = lines.loc[is_in(lines["account_id"], sorted(wanted))]
        flags = flags.loc[flags["account_id"].astype(str).isin(wanted)]
    lines = up_to(lines, end)
    rows = rows.join(margins(lines, end, start), how="left")
    lapsed = lapsed_revenue(lines, end, recent_months, start)
    owners: dict[str, str] = {}
    if "ka_manager" in accounts:
        for account_id, manager in zip(accounts["account_id"], accounts["ka_manager"], strict=True):
            owners[str(account_id)] = "" if pd.isna(manager) else str(manager)
    # The few columns the money at stake reads, one plain dict per account: looked up per
    # flag without building a pandas row each time.
    read = [c for c in STAKE_COLUMNS if c in rows]
    by_id = dict(zip(rows.index, rows[read].to_dict("records"), strict=True))
    lapsed_by = {str(k): float(v) for k, v in lapsed.items()}
    items = []
    for flag in flags.to_dict("records"):
        account_id = str(flag["account_id"])
        row = by_id.get(account_id)
        if row is None:
            continue
        stake = money_at_stake(str(flag["code"]), row, flag, lapsed_by.get(account_id, 0.0))
        items.append(
            AttentionItem(
                account_id=account_id,
                kind=str(flag["code"]),
                severity=str(flag["severity"]),
                at_stake=stake,
                value=_num(flag["value"]),
                threshold=_num(flag["threshold"]),
                baseline=_num(flag["baseline"]),
                owner=owners.get(account_id, ""),
            )
        )
    if "margin" in rows:
        margin, before = rows["margin"].astype(float), rows["margin_prior"].astype(float)
        fall = (before - margin) / before.where(before > 0)
        falling = (fall >= MARGIN_FALL).to_numpy(bool)
        for account_id, fallen, now, prior in zip(
            rows.index[falling],
            fall.to_numpy(float)[falling],
            margin.to_numpy(float)[falling],
            before.to_numpy(float)[falling],
            strict=True,
        ):
            items.append(
                AttentionItem(
                    account_id=str(account_id),
                    kind=MARGIN_FALL_CODE,
                    severity="high" if fallen >= 2 * MARGIN_FALL else "medium",
                    at_stake=money_at_stake(MARGIN_FALL_CODE, by_id[account_id], None, 0.0),
                    value=float(now),
                    threshold=MARGIN_FALL,
                    baseline=float(prior),
                    owner=owners.get(str(account_id), ""),
                )
            )
    return tuple(sorted(items, key=rank_key))


def by_account(items: Iterable[AttentionItem]) -> tuple[AccountAttention, ...]:
    """The accounts with at least one issue, ranked by their first issue (``items`` in rank
    order, as :func:`attention_items` returns them)."""
    grouped: dict[str, list[AttentionItem]] = {}
    for item in sorted(items, key=rank_key):
        grouped.setdefault(item.account_id, []).append(item)
    return tuple(AccountAttention(a, own[0].owner, tuple(own)) for a, own in grouped.items())


__all__ = [
    "ACCOUNT_SHOWN",
    "KINDS",
    "MARGIN_FALL",
    "MARGIN_FALL_CODE",
    "MEDIUM_WEIGHT",
    "PORTFOLIO_SHOWN",
    "STAKE_COLUMNS",
    "AccountAttention",
    "AttentionItem",
    "attention_items",
    "by_account",
    "lapsed_revenue",
    "margins",
    "money_at_stake",
    "rank_key",
]
