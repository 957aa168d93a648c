"""Share of wallet (客户份额): our revenue against the account's estimated category spend.

Definitions (docs/metrics.md, "Share of wallet"), as of A:

- category spend: the ``wallet`` estimate of the latest year ≤ A's year;
- share of wallet: LTM revenue / category spend (None without an estimate > 0);
- prior share of wallet: prior-LTM revenue / the estimate of the latest year
  ≤ the year of A − 12 months; change: share − prior share (fractions, shown in pp);
- yearly trend: revenue of each calendar year / that year's estimate; A's year
  uses its YTD revenue annualised (× days in year / days elapsed);
- competitors: the ``competitors`` estimates of the latest year ≤ A's year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.periods import as_timestamp, ltm, prior_ltm, year_elapsed

WALLET_COLUMNS = ("category_spend", "share_of_wallet", "share_of_wallet_prior", "wallet_change")


def latest_spend(wallet: pd.DataFrame | None, year: int, accounts: pd.Index) -> pd.Series:
    """Each account's latest wallet estimate (highest year ≤ ``year``), else NaN."""
    if wallet is None or wallet.empty:
        return pd.Series(np.nan, index=accounts, dtype=float)
    known = wallet.loc[wallet["year"] <= year].sort_values(["account_id", "year"])
    return known.groupby("account_id")["category_spend"].last().reindex(accounts).astype(float)


def _revenue(lines: pd.DataFrame, window, accounts: pd.Index) -> pd.Series:
    inside = lines.loc[window.mask(lines["order_date"]), ["account_id", "net_amount"]]
    return inside.groupby("account_id")["net_amount"].sum().reindex(accounts, fill_value=0.0)


def wallet_by_account(
    order_lines: pd.DataFrame,
    wallet: pd.DataFrame | None,
    as_of: dt.date | pd.Timestamp,
    accounts: pd.Index,
) -> pd.DataFrame:
    """:data:`WALLET_COLUMNS` per account, vectorised (NaN without wallet data)."""
    if wallet is None:
        return pd.DataFrame(np.nan, index=accounts, columns=list(WALLET_COLUMNS))
    end = as_timestamp(as_of)
    spend = latest_spend(wallet, end.year, accounts)
    prior_end = end - pd.DateOffset(months=12)
    spend_prior = latest_spend(wallet, prior_end.year, accounts)
    out = pd.DataFrame(index=accounts)
    out["category_spend"] = spend
    out["share_of_wallet"] = _revenue(order_lines, ltm(end), accounts) / spend.where(spend > 0)
    out["share_of_wallet_prior"] = _revenue(
        order_lines, prior_ltm(end), accounts
    ) / spend_prior.where(spend_prior > 0)
    out["wallet_change"] = out["share_of_wallet"] - out["share_of_wallet_prior"]
    return out


def yearly_share(
    lines: pd.DataFrame, wallet: pd.DataFrame, as_of: dt.date | pd.Timestamp
) -> pd.DataFrame:
    """One account's share per calendar year ≤ A's year: year, revenue, category_spend,
    share, annualised (True for A's year)."""
    end = as_timestamp(as_of)
    rows = []
    for row in wallet.loc[wallet["year"] <= end.year].sort_values("year").itertuples():
        year = int(row.year)
        in_year = lines.loc[
            (lines["order_date"].dt.year == year) & (lines["order_date"] <= end), "net_amount"
        ].sum()
        annualised = year == end.year
        if annualised:
            elapsed, days = year_elapsed(end)
            in_year = in_year / elapsed * days
        spend = float(row.category_spend)
        rows.append(
            {
                "year": year,
                "revenue": float(in_year),
                "category_spend": spend,
                "share": float(in_year) / spend if spend > 0 else np.nan,
                "annualised": annualised,
            }
        )
    return pd.DataFrame(rows, columns=["year", "revenue", "category_spend", "share", "annualised"])


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
    summary = wallet_by_account(lines, own_wallet, end, pd.Index([account_id])).iloc[0]
    return WalletShare(
        summary=summary, yearly=yearly_share(lines, own_wallet, end), competitors=comp
    )
