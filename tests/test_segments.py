"""Segment tables grouped on integer codes equal the same tables grouped on the names.

kamreport.analytics.segments looks each dimension up once per account or product id
and groups on integer codes; the reference here maps every line to its segment name
and groups on the names, as the straightforward reading of docs/metrics.md does. Both
add the same numbers in the same order, so the tables must be equal to the last digit.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from kamreport.analytics.coverage import covers, data_start
from kamreport.analytics.periods import ltm, prior_ltm
from kamreport.analytics.segments import DIMENSIONS, UNKNOWN, segment_table
from kamreport.dataset import Dataset
from kamreport.sample import generate_sample

AS_OF = dt.date(2026, 9, 30)


def reference(dataset: Dataset, as_of: dt.date, dimension: str) -> pd.DataFrame:
    """The segment table grouped on segment names per line."""
    lines = dataset.order_lines
    now, before = ltm(as_of), prior_ltm(as_of)
    relevant = lines.loc[now.mask(lines["order_date"]) | before.mask(lines["order_date"])]
    if dimension == "product_category":
        table, key, field, column = dataset.get("products"), "product_id", "category", "product_id"
    else:
        table, key, field, column = dataset.accounts, "account_id", dimension, "account_id"
    if table is None or field not in table:
        segment = pd.Series(UNKNOWN, index=relevant.index)
    else:
        mapping = table.set_index(key)[field]
        segment = relevant[column].map(mapping).fillna(UNKNOWN).astype(object)
    in_now = now.mask(relevant["order_date"])
    revenue = relevant["net_amount"].where(in_now, 0.0).groupby(segment).sum()
    prior = relevant["net_amount"].where(~in_now, 0.0).groupby(segment).sum()
    current = relevant.loc[in_now]
    if "cost_amount" in lines:
        by = segment[in_now]
        margin = (current["net_amount"] - current["cost_amount"]).groupby(by).sum()
        margin = margin.where(~current["cost_amount"].isna().groupby(by).any())
        margin = margin.reindex(revenue.index)
    else:
        margin = pd.Series(np.nan, index=revenue.index)
    per_account = current.groupby([segment[in_now], current["account_id"]])["net_amount"].sum()
    active = (per_account > 0).groupby(level=0).sum()
    # The derived figures segment by segment, as docs/metrics.md states them.
    short_history = not covers(data_start(lines), before)  # no prior LTM, no growth
    total = float(revenue.sum())
    rows = []
    for name, rev in revenue.items():
        pri, gm = float(prior.get(name, 0.0)), float(margin[name])
        row = {
            "revenue_ltm": float(rev),
            "revenue_prior_ltm": math.nan if short_history else pri,
            "gross_margin_ltm": gm,
            "accounts": int(active.get(name, 0)),
            "growth": rev / pri - 1 if pri > 0 and not short_history else math.nan,
            "margin_pct": gm / rev if rev > 0 else math.nan,
            "share": rev / total if total else math.nan,
        }
        rows.append((name, row))
    rows.sort(key=lambda pair: -pair[1]["revenue_ltm"])  # largest first, ties as they were
    return pd.DataFrame(
        [row for _, row in rows],
        index=pd.Index([name for name, _ in rows], name="segment"),
        columns=list(rows[0][1]),
    )


@pytest.fixture(scope="module")
def tables():
    tables = generate_sample(seed=11, n_accounts=400, target_lines=150_000)
    accounts = tables["accounts"].copy()
    accounts.loc[accounts.index[::7], "region"] = None  # accounts without a region
    tables["accounts"] = accounts
    products = tables["products"].copy()
    products.loc[products.index[0], "category"] = None  # a product without a category
    tables["products"] = products
    lines = tables["order_lines"].copy()
    recent = lines.index[lines["order_date"] > pd.Timestamp("2026-03-01")]
    lines.loc[recent[5], "cost_amount"] = None  # one segment's margin is unknown
    tables["order_lines"] = lines
    return tables


def assert_same(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    assert len(ours) > 1
    pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
    assert list(ours.index) == list(theirs.index)


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_segment_tables_equal_grouping_on_the_names(tables, dimension):
    dataset = Dataset(tables, currency="CNY")
    assert_same(segment_table(dataset, AS_OF, dimension), reference(dataset, AS_OF, dimension))


def test_segment_tables_without_costs_or_products_and_on_a_short_history(tables):
    lines = tables["order_lines"].drop(columns="cost_amount")
    short = lines.loc[lines["order_date"] > pd.Timestamp("2025-12-31")]
    for order_lines in (lines, short):
        dataset = Dataset(
            {"accounts": tables["accounts"], "order_lines": order_lines.reset_index(drop=True)}
        )
        for dimension in ("region", "product_category", "ka_manager"):
            ours = segment_table(dataset, AS_OF, dimension)
            theirs = reference(dataset, AS_OF, dimension)
            pd.testing.assert_frame_equal(ours, theirs, check_exact=True)


def test_attention_margins_equal_grouping_on_the_account_ids(tables):
    """attention.margins groups on account codes; the reference on the ids themselves."""
    from kamreport.analytics.attention import margins
    from kamreport.analytics.sales import margin_by

    def reference_margins(lines: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
        parts = []
        for window in (ltm(end), prior_ltm(end)):
            inside = lines.loc[window.mask(lines["order_date"])]
            parts.append(margin_by(inside, inside["account_id"].astype(str)))
        return pd.concat(parts, axis=1, keys=["margin", "margin_prior"]).astype(float)

    lines = tables["order_lines"]
    end = pd.Timestamp(AS_OF)
    ours = margins(lines, end)
    assert ours["margin"].isna().any() and ours["margin"].notna().sum() > 100
    pd.testing.assert_frame_equal(ours, reference_margins(lines, end), check_exact=True)
    few = lines.loc[lines["account_id"].isin(lines["account_id"].unique()[:5])]
    pd.testing.assert_frame_equal(margins(few, end), reference_margins(few, end), check_exact=True)
    assert margins(lines.drop(columns="cost_amount"), end).empty
