"""Profitability per customer (计算每位顾客的赢利率) and the signs of price-only buying.

Definitions (docs/metrics.md, "Profitability"):

- cost-to-serve: Σ ``service_costs.amount`` (rebates, promotions, logistics, service,
  other) of the months in the window;
- contribution: gross margin − cost-to-serve; contribution % = contribution / revenue;
- discount depth (price realisation): 1 − Σ net_amount / Σ list_amount over the
  lines with a positive ``list_amount``;
- products (categories) bought: distinct products (categories) of the lines with a
  positive net amount;
- windows: revenue, margin and contribution over the LTM (and prior LTM); discount depth
  and products bought over the last ``risk.discount_window_months`` months against the
  same months a year earlier, the windows of the DISCOUNT_PRESSURE and NARROWING_BREADTH
  flags, so every place quoting them shows the same number;
- quarterly series: revenue down to contribution per calendar quarter; discount depth,
  products and categories over the same trailing months ending at each quarter's end
  (at A for A's quarter), so the last point is the figure of the table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.coverage import covers
from kamreport.analytics.membership import by_position, factorized, positions
from kamreport.analytics.periods import (
    Window,
    as_timestamp,
    last_months,
    ltm,
    prior_ltm,
    recent_and_year_earlier,
)
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


def discount_depth_by_account(lines: pd.DataFrame, window: Window, accounts: pd.Index) -> pd.Series:
    """:func:`discount_depth` per account over ``window`` (NaN without priced lines)."""
    if "list_amount" not in lines:
        return pd.Series(np.nan, index=accounts, dtype=float)
    keep = ((lines["list_amount"] > 0) & window.mask(lines["order_date"])).to_numpy()
    by = positions(lines["account_id"], accounts, keep)  # grouped on positions: no text
    sums = lines[["net_amount", "list_amount"]].loc[keep].groupby(by).sum()
    sums = by_position(sums, accounts)
    return (1 - sums["net_amount"] / sums["list_amount"]).reindex(accounts).astype(float)


def products_by_account(lines: pd.DataFrame, window: Window, accounts: pd.Index) -> pd.Series:
    """Distinct products bought (positive net amount) per account over ``window``; 0 for
    an account that bought nothing."""
    keep = ((lines["net_amount"] > 0) & window.mask(lines["order_date"])).to_numpy()
    product, products = factorized(lines["product_id"])  # -1: no product id, not counted
    by = positions(lines["account_id"], accounts)
    keep = keep & (product >= 0) & (by >= 0)
    # each (account, product) pair once, as one integer; then pairs per account
    pairs = np.unique(by[keep].astype(np.int64) * len(products) + product[keep])
    counts = np.bincount(pairs // max(len(products), 1), minlength=len(accounts))
    return pd.Series(counts, index=accounts).astype(int)


def _quarter_index(window: Window) -> pd.PeriodIndex:
    return pd.period_range(
        (window.start + pd.Timedelta(days=1)).to_period("Q"), window.end.to_period("Q"), freq="Q"
    )


def trailing_breadth(lines: pd.DataFrame, ends: list[pd.Timestamp], months: int) -> pd.DataFrame:
    """Discount depth, products and categories bought over the ``months`` months up to
    each of ``ends`` (lines carry ``category``); one row per end.

    The columns are read once and each window is a mask over them: the same sums and
    counts as :func:`discount_depth` and ``nunique`` on each window's lines.
    """
    dates = lines["order_date"].to_numpy()
    net = lines["net_amount"].to_numpy(dtype=float)
    listed = lines["list_amount"].to_numpy(dtype=float) if "list_amount" in lines else None
    product = pd.factorize(lines["product_id"])[0]  # -1: missing, not counted
    category = pd.factorize(lines["category"])[0]
    rows = []
    for end in ends:
        window = last_months(end, months)
        inside = (dates > window.start.to_datetime64()) & (dates <= window.end.to_datetime64())
        bought = inside & (net > 0)
        rows.append(
            {
                "discount_depth": _depth(net, listed, inside),
                "products": _distinct(product, bought),
                "categories": _distinct(category, bought),
            }
        )
    out = pd.DataFrame(rows, columns=["discount_depth", "products", "categories"])
    out["discount_depth"] = out["discount_depth"].astype(float)
    return out


def _depth(net: np.ndarray, listed: np.ndarray | None, inside: np.ndarray) -> float | None:
    """:func:`discount_depth` of the lines ``inside`` marks, on the columns' arrays."""
    if listed is None:
        return None
    priced = inside & (listed > 0)
    total = float(listed[priced].sum())
    if total <= 0:
        return None
    return 1 - float(np.nansum(net[priced])) / total


def _distinct(codes: np.ndarray, keep: np.ndarray) -> int:
    """Distinct values among the kept rows (missing ones not counted), as ``nunique``."""
    kept = codes[keep]
    return int(np.unique(kept[kept >= 0]).size)


def quarterly_profitability(
    lines: pd.DataFrame,
    costs: pd.DataFrame | None,
    window: Window,
    recent_months: int = 6,
    data_start: dt.date | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Per quarter: revenue, gross_margin, cost_to_serve, contribution (of the quarter),
    and discount_depth, products, categories over the ``recent_months`` up to the
    quarter's end or the window's end (lines carry ``category``, see
    analytics.mix.with_category). A quarter (or trailing window) the data starting on
    ``data_start`` does not cover is NaN, not 0: the quarters compare with each other."""
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
    ends = [min(q.end_time.normalize(), window.end) for q in quarters]
    trailing = trailing_breadth(lines, ends, recent_months)
    for column in trailing.columns:
        out[column] = trailing[column].to_numpy()
    starts = [max(q.start_time.normalize(), window.start + pd.Timedelta(days=1)) for q in quarters]
    day = pd.Timedelta(days=1)
    own = [covers(data_start, Window(s - day, e)) for s, e in zip(starts, ends, strict=True)]
    recent = [covers(data_start, last_months(e, recent_months)) for e in ends]
    out[["revenue", "gross_margin", "cost_to_serve", "contribution"]] = out[
        ["revenue", "gross_margin", "cost_to_serve", "contribution"]
    ].where(pd.Series(own, index=out.index), axis=0)
    out[list(trailing.columns)] = (
        out[list(trailing.columns)].astype(float).where(pd.Series(recent, index=out.index), axis=0)
    )
    out.index = quarters.to_timestamp()
    out.index.name = "quarter"
    return out


@dataclass(frozen=True)
class Profitability:
    """LTM and prior-LTM profitability of one account, its discount depth and products
    bought over the last ``recent_months`` months against the same months a year
    earlier, and its quarterly series."""

    revenue: float
    gross_margin: float | None
    cost_to_serve: pd.Series | None  # LTM by cost type
    contribution: float | None
    contribution_prior: float | None
    discount_depth: float | None
    discount_depth_year_earlier: float | None  # None when the data does not cover the window
    products_recent: int
    products_year_earlier: int | None
    quarterly: pd.DataFrame
    recent_months: int = 6

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
    by_type.index = by_type.index.astype(str)  # the labels as text, not the costs' categorical
    if margin is None:
        return None, by_type
    return margin - float(by_type.sum()), by_type


def account_profitability(
    lines: pd.DataFrame,
    service_costs: pd.DataFrame | None,
    account_id: str,
    as_of: dt.date | pd.Timestamp,
    window: Window,
    recent_months: int = 6,
    data_start: dt.date | pd.Timestamp | None = None,
) -> Profitability:
    """Profitability of one account; ``lines`` are its lines with a ``category`` column,
    ``recent_months`` the window of discount depth and products bought, ``data_start``
    the first order date of the whole data (the year-earlier and prior-LTM figures are
    None when the data does not cover their window)."""
    end = as_timestamp(as_of)
    costs = None
    if service_costs is not None:
        costs = service_costs.loc[service_costs["account_id"] == account_id]
    now, before = ltm(end), prior_ltm(end)
    contribution, by_type = _contribution(lines, costs, now)
    contribution_prior, _ = _contribution(lines, costs, before)
    in_now = lines.loc[now.mask(lines["order_date"])]
    recent, year_earlier = recent_and_year_earlier(end, recent_months)
    in_recent = lines.loc[recent.mask(lines["order_date"])]
    in_year_earlier = lines.loc[year_earlier.mask(lines["order_date"])]
    own = pd.Index([account_id])
    known = covers(data_start, year_earlier)
    products_before = int(products_by_account(in_year_earlier, year_earlier, own).iloc[0])
    return Profitability(
        revenue=float(in_now["net_amount"].sum()),
        gross_margin=sales_figures(lines, now).gross_margin,
        cost_to_serve=by_type,
        contribution=contribution,
        contribution_prior=contribution_prior if covers(data_start, before) else None,
        discount_depth=discount_depth(in_recent),
        discount_depth_year_earlier=discount_depth(in_year_earlier) if known else None,
        products_recent=int(products_by_account(in_recent, recent, own).iloc[0]),
        products_year_earlier=products_before if known else None,
        quarterly=quarterly_profitability(lines, costs, window, recent_months, data_start),
        recent_months=recent_months,
    )


@dataclass(frozen=True)
class RecentFigures:
    """Discount depth and products bought per account over the recent months and the
    same months a year earlier: computed once a run for the risk flags DISCOUNT_PRESSURE,
    NARROWING_BREADTH and PRICE_BUYING and for the metrics table, which read the same
    windows (risk.shared_figures)."""

    now: Window
    before: Window
    months: int  # the recent window's length
    covered: bool  # the data reaches back to the year-earlier months
    priced: bool  # the lines carry list amounts (discount depth is known)
    discount_now: pd.Series
    discount_before: pd.Series
    products_now: pd.Series
    products_before: pd.Series


def recent_figures(
    lines: pd.DataFrame, end: pd.Timestamp, months: int, accounts: pd.Index,
    first_day: pd.Timestamp,
) -> RecentFigures:  # fmt: skip
    """:class:`RecentFigures` of the ``months`` months up to ``end``; the data starts on
    ``first_day`` (NaT: no lines up to ``end``)."""
    now, before = recent_and_year_earlier(end, months)
    return RecentFigures(
        now=now,
        before=before,
        months=months,
        covered=covers(first_day, before),
        priced="list_amount" in lines,
        discount_now=discount_depth_by_account(lines, now, accounts),
        discount_before=discount_depth_by_account(lines, before, accounts),
        products_now=products_by_account(lines, now, accounts),
        products_before=products_by_account(lines, before, accounts),
    )
