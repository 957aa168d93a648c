"""Profitability per customer (计算每位顾客的赢利率) and the signs of price-only buying.

Definitions (docs/metrics.md, "Profitability"):

- cost-to-serve: Σ ``service_costs.amount`` (rebates, promotions, logistics, service,
  other) of the months in the window;
- contribution: gross margin − cost-to-serve; contribution % = contribution / revenue;
- discount depth (price realisation): 1 − Σ net_amount / Σ list_amount over the
  lines with a positive ``list_amount``;
- breadth: distinct products (and categories) with a positive net amount bought;
- quarterly series of all of these over the trend window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.periods import Window, as_timestamp, ltm, prior_ltm
from kamreport.analytics.sales import sales_figures


def discount_depth(lines: pd.DataFrame) -> float | None:
    """1 − Σ net / Σ list over lines with a positive list amount; None without any."""
    if "list_amount" not in lines:
        return None
    priced = lines.loc[lines["list_amount"] > 0]
    total = float(priced["list_amount"].sum())
    if total <= 0:
        return None
    return 1 - float(priced["net_amount"].sum()) / total


def _quarter_index(window: Window) -> pd.PeriodIndex:
    return pd.period_range(
        (window.start + pd.Timedelta(days=1)).to_period("Q"), window.end.to_period("Q"), freq="Q"
    )


def quarterly_profitability(
    lines: pd.DataFrame, costs: pd.DataFrame | None, window: Window
) -> pd.DataFrame:
    """Per quarter: revenue, gross_margin, cost_to_serve, contribution, discount_depth,
    products, categories (lines carry ``category``, see analytics.mix.with_category)."""
    quarters = _quarter_index(window)
    inside = lines.loc[window.mask(lines["order_date"])]
    q = inside["order_date"].dt.to_period("Q")
    out = pd.DataFrame(index=quarters)
    out["revenue"] = inside.groupby(q)["net_amount"].sum()
    if "cost_amount" in inside and not inside["cost_amount"].isna().any():
        out["gross_margin"] = (inside["net_amount"] - inside["cost_amount"]).groupby(q).sum()
        out["gross_margin"] = out["gross_margin"].fillna(0.0)
    else:
        out["gross_margin"] = np.nan
    out["revenue"] = out["revenue"].fillna(0.0)
    if costs is not None:
        c = costs.loc[window.mask(costs["month"])]
        out["cost_to_serve"] = c.groupby(c["month"].dt.to_period("Q"))["amount"].sum()
        out["cost_to_serve"] = out["cost_to_serve"].fillna(0.0)
    else:
        out["cost_to_serve"] = np.nan
    out["contribution"] = out["gross_margin"] - out["cost_to_serve"]
    if "list_amount" in inside:
        priced = inside.loc[inside["list_amount"] > 0]
        pq = priced["order_date"].dt.to_period("Q")
        net, lst = priced.groupby(pq)["net_amount"].sum(), priced.groupby(pq)["list_amount"].sum()
        out["discount_depth"] = 1 - net / lst
    else:
        out["discount_depth"] = np.nan
    bought = inside.loc[inside["net_amount"] > 0]
    bq = bought["order_date"].dt.to_period("Q")
    out["products"] = bought.groupby(bq)["product_id"].nunique()
    out["categories"] = bought.groupby(bq)["category"].nunique()
    out[["products", "categories"]] = out[["products", "categories"]].fillna(0).astype(int)
    out.index = quarters.to_timestamp()
    out.index.name = "quarter"
    return out


@dataclass(frozen=True)
class Profitability:
    """LTM and prior-LTM profitability of one account, and its quarterly series."""

    revenue: float
    gross_margin: float | None
    cost_to_serve: pd.Series | None  # LTM by cost type
    contribution: float | None
    contribution_prior: float | None
    discount_depth: float | None
    discount_depth_prior: float | None
    products_ltm: int
    products_prior: int
    quarterly: pd.DataFrame

    @property
    def contribution_pct(self) -> float | None:
        if self.contribution is None or self.revenue <= 0:
            return None
        return self.contribution / self.revenue


def _contribution(lines, costs, window) -> tuple[float | None, pd.Series | None]:
    margin = sales_figures(lines, window).gross_margin
    if costs is None:
        return margin, None
    inside = costs.loc[window.mask(costs["month"])]
    by_type = inside.groupby("cost_type")["amount"].sum()
    if margin is None:
        return None, by_type
    return margin - float(by_type.sum()), by_type


def account_profitability(
    lines: pd.DataFrame,
    service_costs: pd.DataFrame | None,
    account_id: str,
    as_of: dt.date | pd.Timestamp,
    window: Window,
) -> Profitability:
    """Profitability of one account; ``lines`` are its lines with a ``category`` column."""
    end = as_timestamp(as_of)
    costs = None
    if service_costs is not None:
        costs = service_costs.loc[service_costs["account_id"] == account_id]
    now, before = ltm(end), prior_ltm(end)
    contribution, by_type = _contribution(lines, costs, now)
    contribution_prior, _ = _contribution(lines, costs, before)
    in_now = lines.loc[now.mask(lines["order_date"])]
    in_before = lines.loc[before.mask(lines["order_date"])]
    return Profitability(
        revenue=float(in_now["net_amount"].sum()),
        gross_margin=sales_figures(lines, now).gross_margin,
        cost_to_serve=by_type,
        contribution=contribution,
        contribution_prior=contribution_prior,
        discount_depth=discount_depth(in_now),
        discount_depth_prior=discount_depth(in_before),
        products_ltm=int(in_now.loc[in_now["net_amount"] > 0, "product_id"].nunique()),
        products_prior=int(in_before.loc[in_before["net_amount"] > 0, "product_id"].nunique()),
        quarterly=quarterly_profitability(lines, costs, window),
    )
