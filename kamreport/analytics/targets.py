"""Targets (目标) and attainment (达成率): year to date, run rate to year end, gap.

Definitions (docs/metrics.md, "Targets"), as of A:

- target YTD: Σ ``revenue_target`` of the months of A's year whose first day is ≤ A;
- target FY: Σ ``revenue_target`` of all months of A's year;
- attainment YTD: revenue YTD / target YTD (None when the target is not positive);
- run-rate forecast: revenue YTD / days elapsed × days in the year (days elapsed
  = A − 1 January + 1);
- gap to target: target FY − run-rate forecast (positive: the forecast falls short);
- needed per month: (target FY − revenue YTD) / whole months left after A's month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.periods import as_timestamp, year_elapsed, ytd

TARGET_COLUMNS = ("revenue_ytd", "target_ytd", "attainment_ytd", "target_fy", "forecast_fy")


def targets_by_account(
    order_lines: pd.DataFrame,
    targets: pd.DataFrame | None,
    as_of: dt.date | pd.Timestamp,
    accounts: pd.Index,
) -> pd.DataFrame:
    """:data:`TARGET_COLUMNS` per account, vectorised; targets NaN without a targets table."""
    end = as_timestamp(as_of)
    lines = order_lines.loc[ytd(end).mask(order_lines["order_date"])]
    out = pd.DataFrame(index=accounts)
    out["revenue_ytd"] = (
        lines.groupby("account_id")["net_amount"].sum().reindex(accounts, fill_value=0.0)
    )
    if targets is None:
        for column in TARGET_COLUMNS[1:]:
            out[column] = np.nan
        return out
    year = targets.loc[targets["month"].dt.year == end.year]
    by = year["account_id"]
    fy = year["revenue_target"].groupby(by).sum().reindex(accounts)
    to_date = year.loc[year["month"] <= end]
    out["target_ytd"] = to_date["revenue_target"].groupby(to_date["account_id"]).sum()
    out["target_ytd"] = out["target_ytd"].fillna(0.0).where(fy.notna())
    out["attainment_ytd"] = out["revenue_ytd"] / out["target_ytd"].where(out["target_ytd"] > 0)
    out["target_fy"] = fy
    elapsed, days = year_elapsed(end)
    out["forecast_fy"] = out["revenue_ytd"] / elapsed * days
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


def _num(value: float) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def account_targets(
    order_lines: pd.DataFrame,
    targets: pd.DataFrame | None,
    account_id: str,
    as_of: dt.date | pd.Timestamp,
) -> TargetStatus | None:
    """Targets of one account; None when there is no target for A's year."""
    if targets is None:
        return None
    end = as_timestamp(as_of)
    own = targets.loc[targets["account_id"] == account_id]
    lines = order_lines.loc[order_lines["account_id"] == account_id]
    row = targets_by_account(lines, own, end, pd.Index([account_id])).iloc[0]
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
    )


def monthly_targets(targets: pd.DataFrame | None, account_id: str, months: pd.Series) -> pd.Series:
    """The account's revenue target for each month in ``months`` (NaN where none)."""
    if targets is None:
        return pd.Series(np.nan, index=months.index)
    own = targets.loc[targets["account_id"] == account_id].set_index("month")["revenue_target"]
    values = own.reindex(pd.to_datetime(months).to_numpy())
    return pd.Series(values.to_numpy(dtype=float), index=months.index)
