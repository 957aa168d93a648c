"""Machine-readable account metrics: one row per account, the same numbers as the reports.

``account_metrics`` computes everything vectorised for the whole portfolio (the
portfolio report reuses it for its accounts.csv); ``customer_metrics`` is one
account's row as a JSON-ready dict. Definitions in docs/metrics.md.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import numpy as np
import pandas as pd

from kamreport.analytics.coverage import covers, data_start
from kamreport.analytics.membership import by_position, factorized_rows, positions
from kamreport.analytics.periods import (
    as_timestamp,
    ltm,
    prior_ltm,
)
from kamreport.analytics.profitability import RecentFigures
from kamreport.analytics.receivables import receivables_by_account
from kamreport.analytics.risk import (
    SharedFigures,
    account_index,
    risk_flags,
    shared_figures,
)
from kamreport.analytics.targets import targets_by_account
from kamreport.analytics.valuation import MARGIN_ASSUMED, value_accounts
from kamreport.dataset import Dataset
from kamreport.exact import is_money, tidy
from kamreport.params import Params

KEYS = (
    "account_id", "as_of", "revenue_ltm", "revenue_prior_ltm", "revenue_growth",
    "gross_margin_ltm", "margin_pct_ltm", "orders_ltm", "revenue_ytd", "target_ytd",
    "attainment_ytd", "target_fy", "forecast_fy", "wallet_year", "wallet_prior_year",
    "category_spend", "share_of_wallet", "share_of_wallet_prior", "wallet_change",
    "recent_months", "discount_depth", "discount_depth_year_earlier", "products_bought",
    "products_bought_year_earlier", "open_amount", "overdue_amount", "dso_days",
    "collection_rate", "p_alive", "expected_orders_12m", "expected_margin_12m", "clv",
    "clv_method", "clv_assumed_margin", "score", "rank", "tier", "abc_class", "risk_flags",
)  # fmt: skip


def _sales(
    lines: pd.DataFrame, end: pd.Timestamp, accounts: pd.Index, values: pd.DataFrame
) -> pd.DataFrame:
    """LTM and prior-LTM revenue, growth and LTM gross margin as the value layer computed
    them (one computation for every output). The prior LTM revenue
    and the growth are null for every account when the data does not cover the prior LTM."""
    out = values[["revenue_ltm", "revenue_prior_ltm", "gross_margin_ltm"]].reindex(accounts)
    out["revenue_ltm"] = out["revenue_ltm"].fillna(0.0)
    if covers(data_start(lines), prior_ltm(end)):
        out["revenue_prior_ltm"] = out["revenue_prior_ltm"].fillna(0.0)
    else:
        out["revenue_prior_ltm"] = np.nan
    prior = out["revenue_prior_ltm"]
    out.insert(2, "revenue_growth", out["revenue_ltm"] / prior.where(prior > 0) - 1)
    revenue = out["revenue_ltm"]
    out["margin_pct_ltm"] = out["gross_margin_ltm"] / revenue.where(revenue > 0)
    return out


def orders_ltm(lines: pd.DataFrame, end: pd.Timestamp, accounts: pd.Index) -> pd.Series:
    """Per account, the LTM orders with a positive net amount (an order's lines summed)."""
    inside = ltm(end).mask(lines["order_date"]).to_numpy()
    # grouped on integer codes (account positions, order numbers): no text per line
    account = positions(lines["account_id"], accounts, inside)
    order = factorized_rows(lines["order_id"], inside)  # the LTM's order numbers only
    known = (account >= 0) & (order >= 0)
    account, order = account[known], order[known]
    net = lines["net_amount"].loc[inside].loc[known]
    owner = np.full(int(order.max(initial=-1)) + 1, -1, dtype=np.int64)
    owner[order] = account
    if (owner[order] == account).all():  # each order of one account (as orders are): sum
        per_order = net.groupby(order).sum()  # on the order number alone, a single key
        positive = owner[per_order.index.to_numpy()][per_order.to_numpy() > 0]
        counts = np.bincount(positive, minlength=len(accounts))
        return pd.Series(counts, index=accounts, name="orders_ltm").astype(int)
    per_order = net.groupby([account, order]).sum()
    orders = by_position((per_order > 0).groupby(level=0).sum(), accounts)
    return orders.reindex(accounts, fill_value=0).astype(int).rename("orders_ltm")


def orders_and_receivables(dataset: Dataset, as_of: dt.date | pd.Timestamp) -> pd.DataFrame:
    """The metrics that read no other figure: LTM orders and the receivables (open,
    overdue, DSO, collection rate), one row per account. :func:`account_metrics`
    computes them unless given, so a caller can compute them at the same time as the
    value layer."""
    end = as_timestamp(as_of)
    accounts = account_index(dataset)
    receivables = receivables_by_account(dataset.get("invoices"), end, accounts)
    return pd.concat(
        [orders_ltm(dataset.order_lines, end, accounts),
         receivables[["open_amount", "overdue_amount", "dso_days", "collection_rate"]]],
        axis=1,
    )  # fmt: skip


def _price_and_breadth(recent: RecentFigures) -> pd.DataFrame:
    """Discount depth and products bought over the recent months and the same months a
    year earlier (the windows of the account review and its flags); the year-earlier
    ones are null when the data starts after that window does."""
    out = pd.DataFrame(index=recent.discount_now.index)
    out["recent_months"] = recent.months
    out["discount_depth"] = recent.discount_now
    out["discount_depth_year_earlier"] = recent.discount_before
    out["products_bought"] = recent.products_now
    out["products_bought_year_earlier"] = recent.products_before
    if not recent.covered:
        out["discount_depth_year_earlier"] = np.nan
        out["products_bought_year_earlier"] = pd.NA
    return out


def account_metrics(
    dataset: Dataset,
    as_of: dt.date | pd.Timestamp,
    params: Params,
    *,
    values: pd.DataFrame | None = None,
    flags: pd.DataFrame | None = None,
    shared: SharedFigures | None = None,
    orders_receivables: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per account with :data:`KEYS` (vectorised over the whole portfolio).

    ``values`` (valuation.value_accounts), ``flags`` (risk.risk_flags), ``shared``
    (risk.shared_figures) and ``orders_receivables`` (:func:`orders_and_receivables`)
    for the same as-of date are computed here unless given, so a run computes them once.
    ``risk_flags`` is the account's flag codes joined by ";" (empty: none).
    """
    end = as_timestamp(as_of)
    accounts = account_index(dataset)
    # Every figure below reads windows that end at the as-of date, so the lines are
    # not copied to drop those after it.
    lines = dataset.order_lines
    if values is None:
        values = value_accounts(dataset, end, params.scoring, params.clv, params.risk)
    if shared is None:
        shared = shared_figures(dataset, end, params.risk)
    if flags is None:
        flags = risk_flags(dataset, end, params.risk, values, shared=shared)
    if orders_receivables is None:
        orders_receivables = orders_and_receivables(dataset, end)
    out = _sales(lines, end, accounts, values)
    out.insert(0, "as_of", end.date().isoformat())
    out["orders_ltm"] = orders_receivables["orders_ltm"]
    targets = targets_by_account(lines, dataset.get("targets"), end, accounts, flags)
    wallet = shared.wallet
    price = _price_and_breadth(shared.recent)
    receivables = orders_receivables[
        ["open_amount", "overdue_amount", "dso_days", "collection_rate"]
    ]
    out = pd.concat([out, targets, wallet, price, receivables], axis=1)
    value_columns = ["p_alive", "expected_orders_12m", "expected_margin_12m", "clv", "clv_method",
                     "score", "rank", "tier", "abc_class"]  # fmt: skip
    out = out.join(values[value_columns].reindex(accounts))
    # the gross margin assumed for CLV and expected margin (clv.assumed_margin), null
    # when they come from the data's costs or there is no lifetime value
    assumed = values["clv_margin_basis"].reindex(accounts).eq(MARGIN_ASSUMED)
    out["clv_assumed_margin"] = values["margin_rate"].reindex(accounts).where(assumed)
    for column in ("wallet_year", "wallet_prior_year"):  # years, not amounts: 2026, not 2026.0
        out[column] = out[column].astype("Int64")
    codes = flags.groupby("account_id")["code"].agg(";".join)
    out["risk_flags"] = codes.reindex(accounts).fillna("")
    out = out.reset_index()
    return out[list(KEYS)]


def _plain(value: Any, *, money: bool = False) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return tidy(float(value), money=money) if math.isfinite(value) else None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: NaN and ±inf → null, numbers tidied (kamreport.exact), risk_flags
    as a list of codes."""
    rows = []
    for row in frame.to_dict(orient="records"):
        plain = {key: _plain(value, money=is_money(str(key))) for key, value in row.items()}
        plain["risk_flags"] = [c for c in str(plain.get("risk_flags") or "").split(";") if c]
        rows.append(plain)
    return rows


def customer_metrics(metrics: pd.DataFrame, account_id: str) -> dict[str, Any]:
    """One account's metrics as a JSON-ready dict."""
    return records(metrics.loc[metrics["account_id"] == account_id])[0]


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)
