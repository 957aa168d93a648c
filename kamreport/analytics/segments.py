"""Segment comparisons (按地区、国家、顾客大小、产品、销售人员): revenue, growth, margin
and active accounts by one dimension.

Account dimensions (region, country, industry, size_band, ka_manager) put all of
an account's revenue in its segment; ``product_category`` splits each order
line by its product's category. Accounts or products without a value form the
segment ``None``. Definitions in docs/metrics.md, "Portfolio".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.coverage import covers, data_start
from kamreport.analytics.membership import factorized, labels_per_row
from kamreport.analytics.periods import ltm, prior_ltm
from kamreport.analytics.sales import margin_by
from kamreport.dataset import Dataset

DIMENSIONS = ("region", "country", "industry", "size_band", "product_category", "ka_manager")
UNKNOWN = "—"


def _segments_of_lines(
    dataset: Dataset, lines: pd.DataFrame, dimension: str
) -> tuple[np.ndarray, np.ndarray]:
    """For each line the code of its segment, and the segments' labels by code.

    The dimension is looked up once per distinct account (or product) id of the
    lines (:func:`membership.factorized`, encoded once per run), not once per line;
    a line whose account or product has no value is in segment ``UNKNOWN``.
    """
    if dimension == "product_category":
        table, key, field, column = dataset.get("products"), "product_id", "category", "product_id"
    else:
        table, key, field, column = dataset.accounts, "account_id", dimension, "account_id"
    mapping = None if table is None or field not in table else table.set_index(key)[field]
    return labels_per_row(lines[column], mapping, UNKNOWN)


def _labelled(result: pd.Series, labels: np.ndarray) -> pd.Series:
    """A result grouped by segment codes, labelled and ordered as grouping on the labels
    themselves orders it."""
    out = pd.Series(result.to_numpy(), index=pd.Index(labels[result.index.to_numpy()]))
    return out.sort_index()


def segment_table(dataset: Dataset, as_of: dt.date | pd.Timestamp, dimension: str) -> pd.DataFrame:
    """One row per segment of ``dimension``, sorted by LTM revenue (largest first).

    Columns: revenue_ltm, revenue_prior_ltm, growth (None when the prior is not
    positive; both NaN when the data does not cover the prior LTM), gross_margin_ltm
    (NaN when a line lacks its cost), margin_pct,
    accounts (accounts with positive LTM revenue in the segment), share (of the
    LTM revenue of all segments).

    The lines are grouped on integer segment codes (and account codes) in their
    own order, so every sum adds the same numbers in the same order as grouping
    on the segment names would.
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown segment dimension {dimension!r}; one of {DIMENSIONS}")
    return _table(dataset, _window_lines(dataset.order_lines, as_of), dimension)


@dataclass(frozen=True)
class _WindowLines:
    """What every dimension's table reads of the order lines, read once for all of them."""

    relevant: np.ndarray  # lines dated in the LTM or the prior LTM
    in_now: np.ndarray  # of those, the ones in the LTM
    net: np.ndarray  # net_amount of the relevant lines
    cost: np.ndarray | None  # cost_amount of the LTM lines; None without costs
    account: np.ndarray  # account codes of the LTM lines (-1: no account)
    prior_covered: bool  # whether the data covers the prior LTM


def _window_lines(lines: pd.DataFrame, as_of: dt.date | pd.Timestamp) -> _WindowLines:
    now, before = ltm(as_of), prior_ltm(as_of)
    in_now = now.mask(lines["order_date"]).to_numpy()
    relevant = in_now | before.mask(lines["order_date"]).to_numpy()
    in_now = in_now[relevant]
    cost = None
    if "cost_amount" in lines:
        cost = lines["cost_amount"].to_numpy(dtype=float)[relevant][in_now]
    account, _ = factorized(lines["account_id"])
    return _WindowLines(
        relevant=relevant,
        in_now=in_now,
        net=lines["net_amount"].to_numpy(dtype=float)[relevant],
        cost=cost,
        account=account[relevant][in_now].astype(np.int64),
        prior_covered=covers(data_start(lines), before),
    )


def _table(dataset: Dataset, lines: _WindowLines, dimension: str) -> pd.DataFrame:
    """:func:`segment_table` of ``dimension`` on the lines read once."""
    segment_codes, labels = _segments_of_lines(dataset, dataset.order_lines, dimension)
    segment = segment_codes[lines.relevant]
    in_now, net = lines.in_now, lines.net
    revenue = _labelled(pd.Series(np.where(in_now, net, 0.0)).groupby(segment).sum(), labels)
    prior = _labelled(pd.Series(np.where(in_now, 0.0, net)).groupby(segment).sum(), labels)
    current = {"net_amount": net[in_now]}
    if lines.cost is not None:
        current["cost_amount"] = lines.cost
    margin = margin_by(pd.DataFrame(current), pd.Series(segment[in_now]))
    margin = (
        pd.Series(np.nan, index=revenue.index)
        if margin is None
        else _labelled(margin, labels).reindex(revenue.index)
    )
    account = lines.account
    known = account >= 0  # as grouping drops lines without an account
    width = int(account.max()) + 1 if known.any() else 1
    pair = segment[in_now][known].astype(np.int64) * width + account[known]
    per_account = pd.Series(net[in_now][known]).groupby(pair).sum()
    buying = pd.Series((per_account > 0).to_numpy(), index=per_account.index.to_numpy() // width)
    active = _labelled(buying.groupby(level=0).sum(), labels)
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
    if not lines.prior_covered:  # a part of a year: no prior, no growth
        out["revenue_prior_ltm"] = out["growth"] = np.nan
    out["margin_pct"] = (out["gross_margin_ltm"] / out["revenue_ltm"]).where(out["revenue_ltm"] > 0)
    total = float(out["revenue_ltm"].sum())
    out["share"] = out["revenue_ltm"] / total if total else np.nan
    out.index.name = "segment"
    return out.sort_values("revenue_ltm", ascending=False, kind="stable")


def segment_tables(dataset: Dataset, as_of: dt.date | pd.Timestamp) -> dict[str, pd.DataFrame]:
    """:func:`segment_table` for every dimension in :data:`DIMENSIONS`, the order lines'
    windows, amounts and account codes read once for all of them."""
    lines = _window_lines(dataset.order_lines, as_of)
    return {dimension: _table(dataset, lines, dimension) for dimension in DIMENSIONS}


__all__ = ["DIMENSIONS", "UNKNOWN", "segment_table", "segment_tables"]
