"""Targets (目标) and attainment (达成率): year to date, forecast to year end, gap.

Definitions (docs/metrics.md, "Targets"), as of A:

- target YTD: Σ ``revenue_target`` of the months of A's year whose first day is ≤ A;
- target FY: Σ ``revenue_target`` of all months of A's year;
- attainment YTD: revenue YTD / target YTD (None when the target is not positive);
- run rate: revenue YTD / days elapsed × days in the year (days elapsed
  = A − 1 January + 1);
- forecast FY: the run rate, except for an **inactive** account (a high ORDER_GAP
  flag of :func:`kamreport.analytics.risk.risk_flags`): revenue YTD + the revenue
  of the last :data:`RECENT_MONTHS` months per day × the days left in the year, so
  an account that stopped ordering is not assumed to carry on at this year's rate;
- gap to target: target FY − forecast FY (positive: the forecast falls short);
- needed per month: (target FY − revenue YTD) / whole months left after A's month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.membership import by_position, positions
from kamreport.analytics.periods import Window, as_timestamp, year_elapsed, ytd

TARGET_COLUMNS = ("revenue_ytd", "target_ytd", "attainment_ytd", "target_fy", "forecast_fy")
# The forecast's working columns (targets_by_account returns them after TARGET_COLUMNS).
FORECAST_COLUMNS = ("run_rate_fy", "inactive", "days_since_order", "usual_interval",
                    "revenue_recent")  # fmt: skip
INACTIVE_FLAG = "ORDER_GAP"  # the risk flag whose high severity marks an account inactive
RECENT_MONTHS = 3  # the window whose revenue per day an inactive account is forecast at


def recent_window(as_of: dt.date | pd.Timestamp) -> Window:
    """The last :data:`RECENT_MONTHS` months up to ``as_of`` (start exclusive)."""
    end = as_timestamp(as_of)
    return Window(end - pd.DateOffset(months=RECENT_MONTHS), end)


def inactive_accounts(flags: pd.DataFrame | None, accounts: pd.Index) -> pd.DataFrame:
    """Per account: inactive (a high :data:`INACTIVE_FLAG` flag), days since the last
    order and the usual interval between orders (the flag's value and baseline; NaN
    when not inactive). ``flags`` is a :func:`~kamreport.analytics.risk.risk_flags` table."""
    out = pd.DataFrame(index=accounts)
    out["inactive"] = False
    out["days_since_order"] = np.nan
    out["usual_interval"] = np.nan
    if flags is None or flags.empty:
        return out
    high = flags.loc[(flags["code"] == INACTIVE_FLAG) & (flags["severity"] == "high")]
    high = high.drop_duplicates("account_id").set_index("account_id")
    hit = accounts.isin(high.index)
    out["inactive"] = hit
    out["days_since_order"] = high["value"].reindex(accounts).astype(float)
    out["usual_interval"] = high["baseline"].reindex(accounts).astype(float)
    return out


def revenue_by_account(lines: pd.DataFrame, window: Window, accounts: pd.Index) -> pd.Series:
    """Σ net amount per account over ``window`` (0 without lines), grouped on account
    positions instead of the text ids."""
    inside = window.mask(lines["order_date"]).to_numpy()
    by = positions(lines["account_id"], accounts, inside)
    sums = lines["net_amount"].loc[inside].groupby(by).sum()
    return by_position(sums, accounts).reindex(accounts, fill_value=0.0)


def revenue_per_day(
    lines: pd.DataFrame, end: pd.Timestamp, accounts: pd.Index, inactive: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """(revenue of the recent window, revenue per day going forward): YTD / days elapsed,
    or for an inactive account the recent window's revenue / its days (at least 0)."""
    window = recent_window(end)
    recent = revenue_by_account(lines, window, accounts)
    revenue_ytd = revenue_by_account(lines, ytd(end), accounts)
    elapsed, _ = year_elapsed(end)
    days = (window.end - window.start).days
    rate = (revenue_ytd / elapsed).where(~inactive, (recent / days).clip(lower=0.0))
    return recent.astype(float), rate.astype(float)


def targets_by_account(
    order_lines: pd.DataFrame,
    targets: pd.DataFrame | None,
    as_of: dt.date | pd.Timestamp,
    accounts: pd.Index,
    flags: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:data:`TARGET_COLUMNS` then :data:`FORECAST_COLUMNS` per account, vectorised; targets
    NaN without a targets table. ``flags`` (risk.risk_flags as of ``as_of``) marks the
    inactive accounts; without it every forecast is the run rate."""
    end = as_timestamp(as_of)
    lines = order_lines  # every window below ends at the as-of date: no copy to drop later lines
    out = pd.DataFrame(index=accounts)
    out["revenue_ytd"] = revenue_by_account(lines, ytd(end), accounts)
    if targets is None:
        for column in TARGET_COLUMNS[1:-1]:
            out[column] = np.nan
    else:
        by_year = targets.loc[targets["month"].dt.year == end.year]
        fy = by_year["revenue_target"].groupby(by_year["account_id"]).sum().reindex(accounts)
        to_date = by_year.loc[by_year["month"] <= end]
        out["target_ytd"] = to_date["revenue_target"].groupby(to_date["account_id"]).sum()
        out["target_ytd"] = out["target_ytd"].fillna(0.0).where(fy.notna())
        out["attainment_ytd"] = out["revenue_ytd"] / out["target_ytd"].where(out["target_ytd"] > 0)
        out["target_fy"] = fy
    elapsed, days = year_elapsed(end)
    state = inactive_accounts(flags, accounts)
    recent, rate = revenue_per_day(lines, end, accounts, state["inactive"])
    out["forecast_fy"] = out["revenue_ytd"] + rate * (days - elapsed)
    out["run_rate_fy"] = out["revenue_ytd"] / elapsed * days
    out["forecast_fy"] = out["forecast_fy"].where(state["inactive"], out["run_rate_fy"])
    for column in ("inactive", "days_since_order", "usual_interval"):
        out[column] = state[column]
    out["revenue_recent"] = recent
    return out


@dataclass(frozen=True)
class TargetStatus:
    """One account's targets: YTD figures, forecast and the monthly target series."""

    revenue_ytd: float
    target_ytd: float | None
    attainment_ytd: float | None
    target_fy: float | None
    forecast_fy: float
    gap: float | None
    needed_per_month: float | None
    months_left: int
    monthly: pd.DataFrame  # month, revenue_target (all target months of the account)
    run_rate_fy: float | None = None  # YTD / days elapsed × days in the year
    inactive: bool = False  # forecast from the recent window (see the module doc)
    days_since_order: float | None = None
    usual_interval: float | None = None


def _num(value: float) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def account_targets(
    order_lines: pd.DataFrame,
    targets: pd.DataFrame | None,
    account_id: str,
    as_of: dt.date | pd.Timestamp,
    flags: pd.DataFrame | None = None,
) -> TargetStatus | None:
    """Targets of one account; None when there is no target for A's year. ``flags``: the
    account's (or the portfolio's) risk flags as of ``as_of``."""
    if targets is None:
        return None
    end = as_timestamp(as_of)
    own = targets.loc[targets["account_id"] == account_id]
    lines = order_lines.loc[order_lines["account_id"] == account_id]
    row = targets_by_account(lines, own, end, pd.Index([account_id]), flags).iloc[0]
    if pd.isna(row["target_fy"]):
        return None
    target_fy = float(row["target_fy"])
    months_left = 12 - end.month
    rest = target_fy - float(row["revenue_ytd"])
    return TargetStatus(
        revenue_ytd=float(row["revenue_ytd"]),
        target_ytd=_num(row["target_ytd"]),
        attainment_ytd=_num(row["attainment_ytd"]),
        target_fy=target_fy,
        forecast_fy=float(row["forecast_fy"]),
        gap=target_fy - float(row["forecast_fy"]),
        needed_per_month=rest / months_left if months_left else None,
        months_left=months_left,
        monthly=own[["month", "revenue_target"]].sort_values("month").reset_index(drop=True),
        run_rate_fy=_num(row["run_rate_fy"]),
        inactive=bool(row["inactive"]),
        days_since_order=_num(row["days_since_order"]),
        usual_interval=_num(row["usual_interval"]),
    )


def monthly_targets(targets: pd.DataFrame | None, account_id: str, months: pd.Series) -> pd.Series:
    """The account's revenue target for each month in ``months`` (NaN where none)."""
    if targets is None:
        return pd.Series(np.nan, index=months.index)
    own = targets.loc[targets["account_id"] == account_id].set_index("month")["revenue_target"]
    values = own.reindex(pd.to_datetime(months).to_numpy())
    return pd.Series(values.to_numpy(dtype=float), index=months.index)
