"""The account profile card (大客户档案卡): who the customer is to us."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.periods import as_timestamp


@dataclass(frozen=True)
class ProfileCard:
    account_id: str
    name: str
    name_en: str | None
    industry: str | None
    region: str | None
    country: str | None
    size_band: str | None
    ka_manager: str | None
    customer_since: dt.date | None
    relationship_years: float | None
    parent_id: str | None
    parent_name: str | None
    subsidiaries: tuple[str, ...]
    first_order: dt.date | None
    last_order: dt.date | None


def _text(row: pd.Series, column: str) -> str | None:
    value = row.get(column)
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    return str(value)


def profile_card(
    accounts: pd.DataFrame, order_lines: pd.DataFrame, account_id: str, as_of
) -> ProfileCard:
    """Basics of one account as of ``as_of``.

    The relationship starts at ``customer_since`` when given, else at the
    account's first order; its length is counted in years up to the as-of date.
    """
    row = accounts.loc[accounts["account_id"] == account_id].iloc[0]
    end = as_timestamp(as_of)
    lines = order_lines.loc[
        (order_lines["account_id"] == account_id) & (order_lines["order_date"] <= end)
    ]
    first = lines["order_date"].min() if len(lines) else None
    last = lines["order_date"].max() if len(lines) else None
    since = row.get("customer_since") if "customer_since" in accounts else None
    if since is None or pd.isna(since):
        since = first
    years = None if since is None or pd.isna(since) else (end - pd.Timestamp(since)).days / 365.25
    parent_id = _text(row, "parent_id")
    parent_name = None
    if parent_id:
        parent = accounts.loc[accounts["account_id"] == parent_id]
        parent_name = str(parent["name"].iloc[0]) if len(parent) else None
    subsidiaries: tuple[str, ...] = ()
    if "parent_id" in accounts:
        subsidiaries = tuple(accounts.loc[accounts["parent_id"] == account_id, "account_id"])
    return ProfileCard(
        account_id=account_id,
        name=str(row["name"]),
        name_en=_text(row, "name_en"),
        industry=_text(row, "industry"),
        region=_text(row, "region"),
        country=_text(row, "country"),
        size_band=_text(row, "size_band"),
        ka_manager=_text(row, "ka_manager"),
        customer_since=None if since is None or pd.isna(since) else pd.Timestamp(since).date(),
        relationship_years=years,
        parent_id=parent_id,
        parent_name=parent_name,
        subsidiaries=subsidiaries,
        first_order=None if first is None else pd.Timestamp(first).date(),
        last_order=None if last is None else pd.Timestamp(last).date(),
    )
