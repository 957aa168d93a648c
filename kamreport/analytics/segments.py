"""Segment comparisons (按地区、国家、顾客大小、产品、销售人员): revenue, growth, margin
and active accounts by one dimension.

Account dimensions (region, country, industry, size_band, ka_manager) put all of
an account's revenue in its segment; ``product_category`` splits each order
line by its product's category. Accounts or products without a value form the
segment ``None``. Definitions in docs/metrics.md, "Portfolio".
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kamreport.analytics.coverage import covers, data_start
from kamreport.analytics.periods import ltm, prior_ltm
from kamreport.analytics.sales import margin_by
from kamreport.dataset import Dataset

DIMENSIONS = ("region", "country", "industry", "size_band", "product_category", "ka_manager")
UNKNOWN = "—"


def _segment_of_lines(dataset: Dataset, lines: pd.DataFrame, dimension: str) -> pd.Series:
    if dimension == "product_category":
        products = dataset.get("products")
        if products is None or "category" not in products:
            return pd.Series(UNKNOWN, index=lines.index)
        mapping = products.set_index("product_id")["category"]
        return lines["product_id"].map(mapping).fillna(UNKNOWN).astype(object)
    accounts = dataset.accounts
    if dimension not in accounts:
        return pd.Series(UNKNOWN, index=lines.index)
    mapping = accounts.set_index("account_id")[dimension]
    return lines["account_id"].map(mapping).fillna(UNKNOWN).astype(object)


def segment_table(dataset: Dataset, as_of: dt.date | pd.Timestamp, dimension: str) -> pd.DataFrame:
    """One row per segment of ``dimension``, sorted by LTM revenue (largest first).

    Columns: revenue_ltm, revenue_prior_ltm, growth (None when the prior is not
    positive; both NaN when the data does not cover the prior LTM), gross_margin_ltm
    (NaN when a line lacks its cost), margin_pct,
    accounts (accounts with positive LTM revenue in the segment), share (of the
    LTM revenue of all segments).
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown segment dimension {dimension!r}; one of {DIMENSIONS}")
    lines = dataset.order_lines
    now, before = ltm(as_of), prior_ltm(as_of)
    relevant = lines.loc[now.mask(lines["order_date"]) | before.mask(lines["order_date"])]
    segment = _segment_of_lines(dataset, relevant, dimension)
    in_now = now.mask(relevant["order_date"])
    revenue = relevant["net_amount"].where(in_now, 0.0).groupby(segment).sum()
    prior = relevant["net_amount"].where(~in_now, 0.0).groupby(segment).sum()
    margin = margin_by(relevant.loc[in_now], segment[in_now])
    margin = (
        pd.Series(np.nan, index=revenue.index) if margin is None else margin.reindex(revenue.index)
    )
    cur_lines = relevant.loc[in_now]
    per_account = cur_lines.groupby([segment[in_now], cur_lines["account_id"]])["net_amount"].sum()
    active = (per_account > 0).groupby(level=0).sum()
    out = pd.DataFrame(
        {
            "revenue_ltm": revenue,
            "revenue_prior_ltm": prior.reindex(revenue.index, fill_value=0.0),
            "gross_margin_ltm": margin,
            "accounts": active.reindex(revenue.index, fill_value=0).astype(int),
        }
    )
    out["growth"] = (out["revenue_ltm"] / out["revenue_prior_ltm"] - 1).where(
        out["revenue_prior_ltm"] > 0
    )
    if not covers(data_start(lines), before):  # a part of a year: no prior, no growth
        out["revenue_prior_ltm"] = out["growth"] = np.nan
    out["margin_pct"] = (out["gross_margin_ltm"] / out["revenue_ltm"]).where(out["revenue_ltm"] > 0)
    total = float(out["revenue_ltm"].sum())
    out["share"] = out["revenue_ltm"] / total if total else np.nan
    out.index.name = "segment"
    return out.sort_values("revenue_ltm", ascending=False, kind="stable")


def segment_tables(dataset: Dataset, as_of: dt.date | pd.Timestamp) -> dict[str, pd.DataFrame]:
    """:func:`segment_table` for every dimension in :data:`DIMENSIONS`."""
    return {dimension: segment_table(dataset, as_of, dimension) for dimension in DIMENSIONS}


__all__ = ["DIMENSIONS", "UNKNOWN", "segment_table", "segment_tables"]
