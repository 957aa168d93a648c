"""Revenue, volume, margin and order figures of a set of order lines.

Definitions (also in docs/metrics.md):

- revenue: sum of ``net_amount``, returns and credit notes included (negative);
- volume: sum of ``quantity``;
- gross margin: sum of ``net_amount − cost_amount``; "no data" (None) when the
  data has no ``cost_amount`` or any line in the window lacks it;
- margin %: gross margin / revenue (None when revenue ≤ 0);
- orders: distinct ``order_id`` whose lines sum to a positive net amount
  (credit notes are not orders);
- average order size: revenue / orders.
- growth: current / prior − 1; None when the prior value is not positive.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from kamreport.analytics.membership import factorized
from kamreport.analytics.periods import Window, ltm, prior_ltm, prior_ytd, ytd


@dataclass(frozen=True)
class SalesFigures:
    revenue: float
    volume: float
    gross_margin: float | None
    orders: int

    @property
    def margin_pct(self) -> float | None:
        if self.gross_margin is None or self.revenue <= 0:
            return None
        return self.gross_margin / self.revenue

    @property
    def avg_order_size(self) -> float | None:
        return self.revenue / self.orders if self.orders else None


@dataclass(frozen=True)
class Comparison:
    """A figure now and in the comparison period, with its growth."""

    current: float | None
    prior: float | None

    @property
    def growth(self) -> float | None:
        return growth(self.current, self.prior)

    @property
    def change(self) -> float | None:
        if self.current is None or self.prior is None:
            return None
        return self.current - self.prior


@dataclass(frozen=True)
class KpiBlock:
    """The headline figures for one period against its comparison period."""

    revenue: Comparison
    volume: Comparison
    gross_margin: Comparison
    margin_pct: Comparison
    orders: Comparison
    avg_order_size: Comparison


def growth(current: float | None, prior: float | None) -> float | None:
    """current / prior − 1, or None when there is no positive base."""
    if current is None or prior is None or not np.isfinite(prior) or prior <= 0:
        return None
    return current / prior - 1


def margin_by(lines: pd.DataFrame, keys: pd.Series | str) -> pd.Series | None:
    """Gross margin (Σ net_amount − cost_amount) per group of ``keys``; NaN for a group
    with a line lacking its cost; None when the data has no cost_amount at all."""
    if "cost_amount" not in lines:
        return None
    by = lines[keys] if isinstance(keys, str) else keys
    margin = (lines["net_amount"] - lines["cost_amount"]).groupby(by).sum()
    lacking = lines["cost_amount"].isna().groupby(by).any()
    return margin.where(~lacking)


def margin_by_account(lines: pd.DataFrame, window: Window) -> pd.Series | None:
    """:func:`margin_by` account of the lines dated inside ``window`` (index account_id,
    sorted), grouped on the account ids' codes in the lines' own order: the same sums
    without copying the lines or hashing their ids again; None without cost data."""
    if "cost_amount" not in lines:
        return None
    codes, ids = factorized(lines["account_id"])
    inside = window.mask(lines["order_date"]).to_numpy(dtype=bool) & (codes >= 0)
    amounts = {c: lines[c].to_numpy(dtype=float)[inside] for c in ("net_amount", "cost_amount")}
    margin = margin_by(pd.DataFrame(amounts), pd.Series(codes[inside]))
    assert margin is not None  # the amounts hold cost_amount
    labelled = pd.Series(margin.to_numpy(), index=ids[margin.index.to_numpy()])
    labelled.index.name = "account_id"
    return labelled.sort_index()


def sales_figures(lines: pd.DataFrame, window: Window) -> SalesFigures:
    """Figures of the order lines dated inside ``window``."""
    # The window's values of the columns read, in the lines' order (no copy of the rest).
    inside = window.mask(lines["order_date"]).to_numpy(dtype=bool)
    net = lines["net_amount"][inside]
    revenue = float(net.sum())
    volume = float(lines["quantity"][inside].sum())
    margin: float | None = None
    if "cost_amount" in lines:
        cost = lines["cost_amount"][inside]
        if not cost.isna().any():
            margin = float((net - cost).sum())
    # Orders grouped on the codes of the window's order ids (a line without one in none).
    order, _ = pd.factorize(lines["order_id"][inside])
    known = order >= 0
    per_order = net[known].groupby(order[known], sort=False).sum()
    orders = int((per_order > 0).sum())
    return SalesFigures(revenue=revenue, volume=volume, gross_margin=margin, orders=orders)


def compare(lines: pd.DataFrame, current: Window, prior: Window) -> KpiBlock:
    now, before = sales_figures(lines, current), sales_figures(lines, prior)
    return KpiBlock(
        revenue=Comparison(now.revenue, before.revenue),
        volume=Comparison(now.volume, before.volume),
        gross_margin=Comparison(now.gross_margin, before.gross_margin),
        margin_pct=Comparison(now.margin_pct, before.margin_pct),
        orders=Comparison(float(now.orders), float(before.orders)),
        avg_order_size=Comparison(now.avg_order_size, before.avg_order_size),
    )


def without_prior(block: KpiBlock) -> KpiBlock:
    """``block`` with every comparison value blanked, so every change reads n/a: what a
    comparison with a window the data does not cover shows
    (kamreport.analytics.coverage)."""
    return KpiBlock(
        **{f.name: Comparison(getattr(block, f.name).current, None) for f in fields(block)}
    )


def ltm_kpis(lines: pd.DataFrame, as_of) -> KpiBlock:
    """Last twelve months against the twelve months before."""
    return compare(lines, ltm(as_of), prior_ltm(as_of))


def ytd_kpis(lines: pd.DataFrame, as_of) -> KpiBlock:
    """Year to date against the same stretch of the prior year."""
    return compare(lines, ytd(as_of), prior_ytd(as_of))


def monthly(lines: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Revenue and gross margin per calendar month inside ``window``, zero-filled.

    Columns: ``month`` (first day), ``revenue``, ``gross_margin`` (NaN without costs).
    """
    months = pd.period_range(
        (window.start + pd.Timedelta(days=1)).to_period("M"), window.end.to_period("M"), freq="M"
    )
    inside = lines.loc[window.mask(lines["order_date"])]
    period = inside["order_date"].dt.to_period("M")
    revenue = inside.groupby(period)["net_amount"].sum().reindex(months, fill_value=0.0)
    if "cost_amount" in inside and not inside["cost_amount"].isna().any():
        margin = (inside["net_amount"] - inside["cost_amount"]).groupby(period).sum()
        margin = margin.reindex(months, fill_value=0.0)
    else:
        margin = pd.Series(np.nan, index=months)
    return pd.DataFrame(
        {
            "month": months.to_timestamp(),
            "revenue": revenue.to_numpy(dtype=float),
            "gross_margin": margin.to_numpy(dtype=float),
        }
    )
