"""Product mix: revenue by product category over time, and whitespace (空白品类).

Definitions (docs/metrics.md, "Product mix"):

- category of a line: ``products.category`` of its product ("other" when unknown);
- mix: revenue per category and calendar quarter over the trend window;
- whitespace: categories in which the account has no positive LTM revenue while at
  least :data:`MIN_PEER_SHARE` of its industry peers (other accounts of the same
  industry with positive LTM revenue) buy them; potential: the median LTM revenue
  in that category of the peers that buy it;
- lapsed categories: categories with positive revenue in the same recent months a year
  earlier and none in the last ``risk.discount_window_months`` months (the windows of
  products bought and NARROWING_BREADTH): the account stopped buying them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kamreport.analytics.coverage import covers
from kamreport.analytics.membership import factorized, labels_per_row
from kamreport.analytics.periods import Window, as_timestamp, ltm, recent_and_year_earlier

MIN_PEER_SHARE = 0.5  # "most of its industry peers"
OTHER = "other"


def with_category(lines: pd.DataFrame, products: pd.DataFrame | None) -> pd.DataFrame:
    """Order lines with a ``category`` column."""
    out = lines.copy()
    if products is None or "category" not in products:
        out["category"] = OTHER
        return out
    lookup = products.set_index("product_id")["category"]
    out["category"] = out["product_id"].map(lookup).fillna(OTHER).astype(str)
    return out


def has_categories(products: pd.DataFrame | None) -> bool:
    """Whether any product has a category: without a products table, or without any
    category in it, every line is "other" and a mix by category says nothing."""
    return (
        products is not None and "category" in products and bool(products["category"].notna().any())
    )


def quarterly_mix(lines: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Revenue per quarter (rows, first day) and category (columns), zero-filled."""
    inside = lines.loc[window.mask(lines["order_date"])]
    quarters = pd.period_range(
        (window.start + pd.Timedelta(days=1)).to_period("Q"), window.end.to_period("Q"), freq="Q"
    )
    table = inside.pivot_table(
        index=inside["order_date"].dt.to_period("Q"),
        columns="category",
        values="net_amount",
        aggfunc="sum",
        fill_value=0.0,
    )
    table = table.reindex(quarters, fill_value=0.0)
    order = table.sum().sort_values(ascending=False).index
    table = table[order]
    table.index = quarters.to_timestamp()
    table.index.name = "quarter"
    table.columns.name = None
    return table


def category_revenue(
    order_lines: pd.DataFrame, products: pd.DataFrame | None, as_of: dt.date | pd.Timestamp
) -> pd.DataFrame:
    """LTM revenue per account (rows) and category (columns), zero-filled: what whitespace
    compares an account with. One table for the whole portfolio, computed once per run.

    Grouped on the run's integer codes of the account and product ids (each product's
    category looked up once, not once per line), with pandas' own sums: the same table
    as grouping the lines by account id and category name."""
    inside = ltm(as_timestamp(as_of)).mask(order_lines["order_date"]).to_numpy()
    account, account_ids = factorized(order_lines["account_id"])
    has_category = products is not None and "category" in products
    mapping = products.set_index("product_id")["category"] if has_category else None
    category, categories = labels_per_row(order_lines["product_id"], mapping, OTHER)
    line_account = account[inside]
    known = line_account >= 0  # a line without an account is in no row
    line_category = category[inside][known]
    key = line_account[known].astype(np.int64) * len(categories) + line_category
    net = order_lines["net_amount"].to_numpy(dtype=float)[inside][known]
    sums = pd.Series(net).groupby(key).sum()
    keys = sums.index.to_numpy()
    rows = pd.MultiIndex.from_arrays(
        [pd.Index(account_ids[keys // len(categories)], name="account_id"),
         pd.Index(categories[keys % len(categories)], dtype="str", name="category")]
    )  # fmt: skip
    table = pd.Series(sums.to_numpy(), index=rows).sort_index().unstack(fill_value=0.0)
    table.columns.name = None
    return table.astype(float)


def whitespace(by_category: pd.DataFrame, accounts: pd.DataFrame, account_id: str) -> pd.DataFrame:
    """Categories the account does not buy but most of its peers do.

    ``by_category`` is :func:`category_revenue` of the portfolio. Columns: category,
    peers_buying, peers, peer_share, potential; largest potential first.
    """
    columns = ["category", "peers_buying", "peers", "peer_share", "potential"]
    if "industry" not in accounts:
        return pd.DataFrame(columns=columns)
    industry = accounts.set_index("account_id")["industry"]
    own_industry = industry.get(account_id)
    if own_industry is None or pd.isna(own_industry):
        return pd.DataFrame(columns=columns)
    by = by_category
    peer_ids = industry.index[(industry == own_industry) & (industry.index != account_id)]
    peers = by.reindex(by.index.intersection(peer_ids))
    peers = peers.loc[peers.sum(axis=1) > 0]
    if peers.empty:
        return pd.DataFrame(columns=columns)
    own = by.loc[account_id] if account_id in by.index else pd.Series(0.0, index=by.columns)
    buying = (peers > 0).sum()
    share = buying / len(peers)
    candidates = share.index[(share >= MIN_PEER_SHARE) & (own.reindex(share.index) <= 0)]
    rows = [
        {
            "category": cat,
            "peers_buying": int(buying[cat]),
            "peers": len(peers),
            "peer_share": float(share[cat]),
            "potential": float(peers.loc[peers[cat] > 0, cat].median()),
        }
        for cat in candidates
    ]
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values("potential", ascending=False).reset_index(drop=True)


LAPSED_COLUMNS = ["category", "revenue_year_earlier", "last_order"]


def lapsed_categories(
    lines: pd.DataFrame,
    as_of: dt.date | pd.Timestamp,
    months: int,
    data_start: dt.date | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Categories one account bought in the ``months`` a year before the last ``months``
    but not in those (``lines`` carry ``category``). Columns :data:`LAPSED_COLUMNS`;
    largest revenue a year earlier first; none when the data (starting on ``data_start``,
    the whole data's first order date) does not cover the earlier months."""
    recent, year_earlier = recent_and_year_earlier(as_of, months)
    if not covers(data_start, year_earlier):
        return pd.DataFrame(columns=LAPSED_COLUMNS)

    def revenue(window: Window) -> pd.Series:
        inside = lines.loc[window.mask(lines["order_date"])]
        return inside.groupby("category")["net_amount"].sum()

    before, now = revenue(year_earlier), revenue(recent)
    gone = before.loc[(before > 0) & (now.reindex(before.index).fillna(0.0) <= 0)]
    bought = lines.loc[(lines["net_amount"] > 0) & (lines["order_date"] <= recent.end)]
    last = bought.groupby("category")["order_date"].max()
    out = pd.DataFrame(
        {
            "category": gone.index.astype(str),
            "revenue_year_earlier": gone.to_numpy(float),
            "last_order": last.reindex(gone.index).to_numpy(),
        },
        columns=LAPSED_COLUMNS,
    )
    return out.sort_values("revenue_year_earlier", ascending=False).reset_index(drop=True)


@dataclass(frozen=True)
class ProductMix:
    quarterly: pd.DataFrame  # quarters × categories
    ltm_by_category: pd.Series  # LTM revenue by category, largest first
    whitespace: pd.DataFrame
    has_categories: bool
    lapsed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LAPSED_COLUMNS))
    recent_months: int = 6


def account_mix(
    own_lines: pd.DataFrame,
    products: pd.DataFrame | None,
    accounts: pd.DataFrame,
    account_id: str,
    window: Window,
    as_of: dt.date | pd.Timestamp,
    by_category: pd.DataFrame,
    recent_months: int = 6,
    data_start: dt.date | pd.Timestamp | None = None,
) -> ProductMix:
    """The mix section of one account from its own order lines; ``by_category`` is the
    portfolio's :func:`category_revenue` (for whitespace), ``recent_months`` the window
    of lapsed categories, ``data_start`` the whole data's first order date."""
    own = with_category(own_lines, products)
    inside = own.loc[ltm(as_timestamp(as_of)).mask(own["order_date"])]
    by_cat = inside.groupby("category")["net_amount"].sum().sort_values(ascending=False)
    return ProductMix(
        quarterly=quarterly_mix(own, window),
        ltm_by_category=by_cat,
        whitespace=whitespace(by_category, accounts, account_id),
        has_categories=has_categories(products),
        lapsed=lapsed_categories(own, as_of, recent_months, data_start),
        recent_months=recent_months,
    )
