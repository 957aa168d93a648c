"""Share of wallet (客户份额): our revenue against the account's estimated category spend.

The wallet estimates are per calendar year, so a share divides the revenue of one
calendar year by that year's estimate (docs/metrics.md, "Share of wallet"), as of A:

- calendar-year revenue: Σ net_amount of the year's lines dated ≤ A; A's own year is
  year to date annualised (× days in the year / days elapsed, see
  :func:`kamreport.analytics.periods.year_elapsed`);
- share year: the latest year ≤ A's year with an estimate; share of wallet: that
  year's revenue / its estimate (None without an estimate > 0);
- prior share: the same for the latest earlier year with an estimate; change: share −
  prior share (fractions, shown in pp);
- yearly trend: the share of every year with an estimate, so its last two points are
  the share and the prior share;
- covered years: a year counts only when the order data covers it
  (:func:`kamreport.analytics.periods.covers`: it starts by 31 January): the revenue
  of a year an export covers in part is not that year's revenue (a real export of one
  year's history has one share and no change);
- competitors: the ``competitors`` estimates of the latest year ≤ A's year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.coverage import covers
from kamreport.analytics.membership import factorized
from kamreport.analytics.periods import Window, as_timestamp, year_elapsed

WALLET_COLUMNS = (
    "category_spend", "share_of_wallet", "share_of_wallet_prior", "wallet_change", "wallet_year",
    "wallet_prior_year",
)  # fmt: skip


def latest_spend(wallet: pd.DataFrame | None, year: int, accounts: pd.Index) -> pd.Series:
    """Each account's latest wallet estimate (highest year ≤ ``year``), else NaN."""
    if wallet is None or wallet.empty:
        return pd.Series(np.nan, index=accounts, dtype=float)
    known = wallet.loc[wallet["year"] <= year].sort_values(["account_id", "year"])
    return known.groupby("account_id")["category_spend"].last().reindex(accounts).astype(float)


def calendar_revenue(lines: pd.DataFrame, as_of: dt.date | pd.Timestamp) -> pd.Series:
    """Revenue per (account_id, year) of the lines dated ≤ A; A's year annualised."""
    end = as_timestamp(as_of)
    keep = (lines["order_date"] <= end).to_numpy()
    codes, uniques = factorized(lines["account_id"])  # grouped on codes: no text per line
    keep = keep & (codes >= 0)
    year = lines["order_date"].dt.year.to_numpy()[keep]
    first = int(year.min()) if len(year) else 0
    years = int(year.max()) - first + 1 if len(year) else 1
    key = codes[keep].astype(np.int64) * years + (year - first)  # one integer per account-year
    revenue = lines["net_amount"].loc[keep].groupby(key).sum().astype(float)
    key = revenue.index.to_numpy()
    revenue.index = pd.MultiIndex.from_arrays(
        [uniques.astype(str)[key // years], (key % years + first).astype(year.dtype)],
        names=["account_id", "year"],
    )
    revenue = revenue.sort_index()  # by account id, then year, as grouping by the text sorts
    elapsed, days = year_elapsed(end)
    current = revenue.index.get_level_values("year") == end.year
    revenue[current] = revenue[current] / elapsed * days
    return revenue


def first_covered_year(order_lines: pd.DataFrame) -> int | None:
    """The first calendar year the order data covers from its start (None without data)."""
    if order_lines.empty:
        return None
    start = as_timestamp(order_lines["order_date"].min())
    before_year = pd.Timestamp(year=start.year, month=1, day=1) - pd.Timedelta(days=1)
    year = Window(before_year, before_year + pd.DateOffset(years=1))
    return start.year if covers(start, year) else start.year + 1


def _estimates(wallet: pd.DataFrame, end: pd.Timestamp, first_year: int | None) -> pd.DataFrame:
    """The wallet rows of the covered years ≤ A's year, one per account and year (the last
    given)."""
    first = end.year + 1 if first_year is None else first_year
    inside = (wallet["year"] <= end.year) & (wallet["year"] >= first)
    known = wallet.loc[inside, ["account_id", "year", "category_spend"]]
    known = known.assign(year=known["year"].astype(int), account_id=known["account_id"].astype(str))
    return known.drop_duplicates(["account_id", "year"], keep="last").sort_values(
        ["account_id", "year"]
    )


def wallet_by_account(
    order_lines: pd.DataFrame,
    wallet: pd.DataFrame | None,
    as_of: dt.date | pd.Timestamp,
    accounts: pd.Index,
    first_year: int | None = None,
) -> pd.DataFrame:
    """:data:`WALLET_COLUMNS` per account, vectorised (NaN without wallet data);
    ``first_year`` is the first covered year (:func:`first_covered_year` of
    ``order_lines`` when not given)."""
    out = pd.DataFrame(np.nan, index=accounts, columns=list(WALLET_COLUMNS))
    if wallet is None or wallet.empty:
        return out
    end = as_timestamp(as_of)
    if first_year is None:
        first_year = first_covered_year(order_lines)
    rows = _estimates(wallet, end, first_year)
    revenue = calendar_revenue(order_lines, end)
    keys = pd.MultiIndex.from_frame(rows[["account_id", "year"]])
    rows["revenue"] = revenue.reindex(keys, fill_value=0.0).to_numpy(float)
    spend = rows["category_spend"].astype(float)
    rows["share"] = rows["revenue"] / spend.where(spend > 0)
    grouped = rows.groupby("account_id")
    latest = grouped.nth(-1).set_index("account_id")
    before = grouped.nth(-2).set_index("account_id")
    out["category_spend"] = latest["category_spend"].reindex(accounts).astype(float)
    out["share_of_wallet"] = latest["share"].reindex(accounts)
    out["share_of_wallet_prior"] = before["share"].reindex(accounts)
    out["wallet_change"] = out["share_of_wallet"] - out["share_of_wallet_prior"]
    out["wallet_year"] = latest["year"].reindex(accounts).astype(float)
    out["wallet_prior_year"] = before["year"].reindex(accounts).astype(float)
    return out


def yearly_share(
    lines: pd.DataFrame,
    wallet: pd.DataFrame,
    as_of: dt.date | pd.Timestamp,
    first_year: int | None = None,
) -> pd.DataFrame:
    """One account's share per covered calendar year ≤ A's year with an estimate: year,
    revenue, category_spend, share, annualised (True for A's year). ``first_year`` is the
    portfolio's :func:`first_covered_year` (the account's own lines when not given)."""
    end = as_timestamp(as_of)
    columns = ["year", "revenue", "category_spend", "share", "annualised"]
    if first_year is None:
        first_year = first_covered_year(lines)
    rows = _estimates(wallet, end, first_year)
    if rows.empty:
        return pd.DataFrame(columns=columns)
    by_year = calendar_revenue(lines, end).groupby(level="year").sum()
    revenue = by_year.reindex(rows["year"].to_numpy(), fill_value=0.0).to_numpy(float)
    spend = rows["category_spend"].astype(float).to_numpy()
    return pd.DataFrame(
        {
            "year": rows["year"].to_numpy(int),
            "revenue": revenue,
            "category_spend": spend,
            "share": np.where(spend > 0, revenue / np.where(spend > 0, spend, 1.0), np.nan),
            "annualised": rows["year"].to_numpy(int) == end.year,
        },
        columns=columns,
    )


@dataclass(frozen=True)
class WalletShare:
    summary: pd.Series  # WALLET_COLUMNS
    yearly: pd.DataFrame
    competitors: pd.DataFrame  # competitor, year, share, products, note


def account_wallet(
    order_lines: pd.DataFrame,
    wallet: pd.DataFrame | None,
    competitors: pd.DataFrame | None,
    account_id: str,
    as_of: dt.date | pd.Timestamp,
) -> WalletShare | None:
    """The wallet section of one account; None without any wallet estimate for it."""
    own_wallet = None if wallet is None else wallet.loc[wallet["account_id"] == account_id]
    lines = order_lines.loc[order_lines["account_id"] == account_id]
    end = as_timestamp(as_of)
    comp = pd.DataFrame(columns=["competitor", "year", "share", "products", "note"])
    if competitors is not None:
        own = competitors.loc[competitors["account_id"] == account_id].copy()
        if "year" in own and own["year"].notna().any():
            years = own["year"].where(own["year"] <= end.year)
            latest = years.max() if years.notna().any() else None
            own = own.loc[own["year"] == latest] if latest is not None else own.iloc[0:0]
        for column in comp.columns:
            if column not in own:
                own[column] = np.nan
        comp = own[list(comp.columns)].sort_values("share", ascending=False, na_position="last")
        comp = comp.reset_index(drop=True)
    if own_wallet is None or own_wallet.loc[own_wallet["year"] <= end.year].empty:
        if comp.empty:
            return None
        summary = pd.Series(np.nan, index=list(WALLET_COLUMNS))
        return WalletShare(summary=summary, yearly=pd.DataFrame(), competitors=comp)
    first_year = first_covered_year(order_lines)  # the data's, not the account's
    own = pd.Index([account_id])
    summary = wallet_by_account(lines, own_wallet, end, own, first_year).iloc[0]
    yearly = yearly_share(lines, own_wallet, end, first_year)
    return WalletShare(summary=summary, yearly=yearly, competitors=comp)
