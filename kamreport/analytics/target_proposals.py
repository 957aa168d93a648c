"""Target proposals for next year (年度目标制定): four baseline methods and their back-test.

Definitions (docs/metrics.md, "Targets"), for target year Y, data up to the as-of
date A (current year C = A's year, h = Y − C years ahead):

- run_rate: revenue YTD / days elapsed × days in the year (the run-rate forecast
  of :mod:`kamreport.analytics.targets`), kept flat;
- ltm_seasonal: revenue YTD + LTM revenue × the seasonal share of the rest of
  the year (the current-year forecast F), kept flat;
- trend: F + h × b, b the least-squares slope of the yearly revenue over the
  covered complete years C−2, C−1 and F for C, capped at ± trend_cap × F;
- potential: F + wallet_capture × max(0, wallet − F), wallet the latest category
  spend of a year ≤ C; without wallet data the fallback method is used.

Seasonal profile: the share of each calendar month in the account's revenue over
the covered complete years before C (negative months count as 0), blended half
and half with the portfolio's profile; one twelfth each without such years.
Proposals are never negative.

Inactive accounts (a high ORDER_GAP flag as of the data's date, see
:mod:`kamreport.analytics.targets`): F is revenue YTD + the revenue of the recent
window per day × the days left in C, and every method proposes that recent rate
per day × the days of Y (the account is not assumed to come back); the
unadjusted proposals are kept as ``naive_<method>``.

Interval: the wider of two ranges, each proposal × a low and a high factor: the
account's own — the (1 ∓ level)/2 quantiles of Σ of 12 months drawn with
replacement from its last 12 calendar months (fixed seed), divided by their
actual Σ (how much a year moves with the month-to-month spread) — and its tier's
— the same quantiles of actual / proposal of the tier's chosen method in the
back-test (how far such proposals have really been off), when the tier has
``backtest_min_accounts`` back-tested proposals. An inactive account's upper end
is its unadjusted proposal (if it comes back).

Back-test: for each of the last complete years B, every method proposes B from
the order lines up to the cut-off (A's day and month in B − 1, or 31 December of
B − 1) and is compared with B's actual revenue: MAPE = mean |P − actual| / actual
over accounts with a positive actual, by tier (tiers as of A). The proposal of an
account uses the method with the lowest MAPE for its tier (unless set in the
params), among tiers with at least ``backtest_min_accounts`` accounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.coverage import covers, data_start
from kamreport.analytics.periods import Window, as_timestamp, ltm, months_back, up_to, year_elapsed
from kamreport.analytics.targets import recent_window, targets_by_account
from kamreport.analytics.wallet import latest_spend
from kamreport.params import TARGET_METHODS, TargetsParams

SEASONAL_BLEND = 0.5  # weight of the account's own profile against the portfolio's
MONTHS = tuple(range(1, 13))
SEASON_COLUMNS = tuple(f"season_{m}" for m in MONTHS)
BOOTSTRAP_SAMPLES = 2000  # years drawn per account for the interval
BOOTSTRAP_SEED = 20050101  # fixed: the same data gives the same ranges
FlagsAt = Callable[[pd.Timestamp], pd.DataFrame]  # risk.risk_flags as of a date


@dataclass(frozen=True)
class Proposals:
    """Everything the workshop needs: one row per account in scope and the back-test."""

    accounts: pd.DataFrame
    backtest: pd.DataFrame
    summary: pd.DataFrame
    methods: dict[str, str]
    as_of: dt.date
    year: int


def covered_years(order_lines: pd.DataFrame, first: int, last: int) -> list[int]:
    """Calendar years in [first, last] the data covers
    (:func:`kamreport.analytics.coverage.covers`: it starts by the end of their January)."""
    start = data_start(order_lines)
    return [y for y in range(first, last + 1) if start is not None and covers(start, _year(y))]


def _year(year: int) -> Window:
    """The calendar year ``year`` as a window."""
    end = pd.Timestamp(year=year, month=12, day=31)
    return Window(end - pd.DateOffset(years=1), end)


def _yearly(lines: pd.DataFrame, accounts: pd.Index, years: list[int]) -> pd.DataFrame:
    year = lines["order_date"].dt.year
    inside = lines.loc[year.isin(years)]
    table = inside.pivot_table(
        index="account_id",
        columns=inside["order_date"].dt.year,
        values="net_amount",
        aggfunc="sum",
        fill_value=0.0,
    )
    return table.reindex(index=accounts, columns=years, fill_value=0.0).astype(float)


def seasonal_profiles(
    order_lines: pd.DataFrame, as_of: dt.date | pd.Timestamp, accounts: pd.Index
) -> pd.DataFrame:
    """Monthly shares (columns 1–12, rows summing to 1) per account; see the module doc."""
    end = as_timestamp(as_of)
    years = covered_years(order_lines, end.year - 3, end.year - 1)
    if not years:
        return pd.DataFrame(1 / 12, index=accounts, columns=list(MONTHS))
    lines = order_lines.loc[order_lines["order_date"].dt.year.isin(years)]
    month = lines["order_date"].dt.month
    table = lines.pivot_table(
        index="account_id", columns=month, values="net_amount", aggfunc="sum", fill_value=0.0
    ).reindex(index=accounts, columns=list(MONTHS), fill_value=0.0)
    table = table.clip(lower=0.0)
    overall = table.sum(axis=0)
    portfolio = overall / overall.sum() if overall.sum() > 0 else pd.Series(1 / 12, MONTHS)
    totals = table.sum(axis=1)
    own = table.div(totals.where(totals > 0), axis=0)
    blended = own.mul(SEASONAL_BLEND).add(portfolio * (1 - SEASONAL_BLEND), axis=1)
    missing = totals <= 0
    blended.loc[missing] = np.tile(portfolio.to_numpy(), (int(missing.sum()), 1))
    return blended.astype(float)


def _remaining_share(profile: pd.DataFrame, end: pd.Timestamp) -> pd.Series:
    """The seasonal share of the year after ``end`` (a part month counts pro rata)."""
    later = [m for m in MONTHS if m > end.month]
    part = 1 - end.day / end.days_in_month
    return profile[later].sum(axis=1) + profile[end.month] * part


def _slope(values: np.ndarray) -> np.ndarray:
    """Least-squares slope per row over equally spaced points (0 with fewer than 2)."""
    n = values.shape[1]
    if n < 2:
        return np.zeros(values.shape[0])
    x = np.arange(n, dtype=float) - (n - 1) / 2
    return (values - values.mean(axis=1, keepdims=True)) @ x / (x @ x)


def baselines(
    order_lines: pd.DataFrame,
    wallet: pd.DataFrame | None,
    as_of: dt.date | pd.Timestamp,
    target_year: int,
    accounts: pd.Index,
    params: TargetsParams,
    flags: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per account: recent yearly revenue, YTD, forecast F, wallet, headroom and the
    four methods' proposals (``p_<method>``), using only order lines up to ``as_of``.

    ``flags`` (risk.risk_flags as of ``as_of``) marks the inactive accounts, whose
    forecast and proposals follow the recent window (module doc); ``naive_<method>``
    and ``forecast_unadjusted`` keep the values without that adjustment."""
    end = as_timestamp(as_of)
    current = end.year
    if target_year <= current:
        raise ValueError(f"target year {target_year} must be after the as-of year {current}")
    lines = up_to(order_lines, end)
    out = pd.DataFrame(index=accounts)
    history = [current - 3, current - 2, current - 1]
    yearly = _yearly(lines, accounts, history)
    for year in history:
        out[f"revenue_{year}"] = yearly[year]
    run = targets_by_account(lines, None, end, accounts, flags)
    out["revenue_ytd"] = run["revenue_ytd"].astype(float)
    ltm_lines = lines.loc[ltm(end).mask(lines["order_date"])]
    out["revenue_ltm"] = (
        ltm_lines.groupby("account_id")["net_amount"].sum().reindex(accounts, fill_value=0.0)
    )
    profile = seasonal_profiles(lines, end, accounts)
    out["forecast"] = out["revenue_ytd"] + out["revenue_ltm"] * _remaining_share(profile, end)
    ahead = target_year - current
    forecast = out["forecast"]
    elapsed, days = year_elapsed(end)
    out["p_run_rate"] = out["revenue_ytd"] / elapsed * days
    out["p_ltm_seasonal"] = forecast
    points = [y for y in covered_years(lines, current - 2, current - 1)]
    series = np.column_stack([yearly[y].to_numpy() for y in points] + [forecast.to_numpy()])
    cap = params.trend_cap * forecast.abs().to_numpy()
    change = np.clip(_slope(series), -cap, cap) * ahead
    out["p_trend"] = np.where(forecast > 0, forecast + change, 0.0)
    out["wallet"] = latest_spend(wallet, current, accounts)
    out["headroom"] = (out["wallet"] - forecast.clip(lower=0)).clip(lower=0)
    out["p_potential"] = forecast.clip(lower=0) + params.wallet_capture * out["headroom"]
    for method in TARGET_METHODS:
        out[f"p_{method}"] = out[f"p_{method}"].clip(lower=0.0)
    fallback = out[f"p_{params.fallback_method}"]
    out["p_potential"] = out["p_potential"].fillna(fallback)
    _adjust_inactive(out, run, end, target_year)
    for month in MONTHS:
        out[SEASON_COLUMNS[month - 1]] = profile[month]
    return out


def _adjust_inactive(
    out: pd.DataFrame, run: pd.DataFrame, end: pd.Timestamp, target_year: int
) -> None:
    """Inactive accounts: F = the year-end forecast of ``run`` (YTD + recent rate × days
    left), every ``p_<method>`` = recent rate × days of the target year (in place)."""
    inactive = run["inactive"].astype(bool)
    window = recent_window(end)
    rate = (run["revenue_recent"] / (window.end - window.start).days).clip(lower=0.0)
    days = 366 if pd.Timestamp(year=target_year, month=1, day=1).is_leap_year else 365
    out["inactive"] = inactive
    for column in ("run_rate_fy", "days_since_order", "usual_interval", "revenue_recent"):
        out[column] = run[column]
    out["forecast_unadjusted"] = out["forecast"]
    out["forecast"] = out["forecast"].where(~inactive, run["forecast_fy"])
    for method in TARGET_METHODS:
        out[f"naive_{method}"] = out[f"p_{method}"]
        out[f"p_{method}"] = out[f"p_{method}"].where(~inactive, rate * days)


def monthly_matrix(
    order_lines: pd.DataFrame, as_of: dt.date | pd.Timestamp, accounts: pd.Index
) -> pd.DataFrame:
    """Revenue per account (rows) of the 12 calendar months ending with A's month
    (columns, oldest first; up to A; a month without orders is 0)."""
    end = as_timestamp(as_of)
    window = months_back(end, 12)
    lines = order_lines.loc[window.mask(order_lines["order_date"])]
    month = lines["order_date"].dt.to_period("M")
    periods = pd.period_range(end=end.to_period("M"), periods=12, freq="M")
    table = lines.pivot_table(
        index="account_id", columns=month, values="net_amount", aggfunc="sum", fill_value=0.0
    )
    return table.reindex(index=accounts, columns=periods, fill_value=0.0).astype(float)


def interval_factors(months: pd.DataFrame, level: float) -> pd.DataFrame:
    """Per account (rows of ``months``): ``low`` and ``high``, the (1 ∓ level)/2
    quantiles of Σ of the months drawn again with replacement, over their actual Σ
    (NaN when that Σ is not positive). Every account uses the same draws."""
    values = months.to_numpy(dtype=float)
    n = values.shape[1]
    draws = np.random.default_rng(BOOTSTRAP_SEED).multinomial(
        n, np.full(n, 1 / n), size=BOOTSTRAP_SAMPLES
    )
    totals = values @ draws.T.astype(float)
    actual = values.sum(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(totals, [tail, 1 - tail], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        positive = actual > 0
        out = pd.DataFrame(
            {
                "low": np.where(positive, low / actual, np.nan),
                "high": np.where(positive, high / actual, np.nan),
            },
            index=months.index,
        )
    return out


def backtest_factors(
    detail: pd.DataFrame, methods: dict[str, str], level: float, min_accounts: int
) -> pd.DataFrame:
    """Per tier (index): ``low`` and ``high``, the (1 ∓ level)/2 quantiles of actual /
    proposal of the tier's chosen method over the back-tested proposals > 0; tiers with
    fewer than ``min_accounts`` such proposals are left out."""
    if detail.empty:
        return pd.DataFrame(columns=["low", "high"], dtype=float)
    chosen = detail["method"].to_numpy() == detail["tier"].map(methods).to_numpy()
    used = detail.loc[chosen & (detail["proposal"] > 0).to_numpy()]
    ratio = used["actual"] / used["proposal"]
    tail = (1 - level) / 2
    rows = {}
    for tier, values in ratio.groupby(used["tier"]):
        if len(values) >= min_accounts:
            low, high = np.quantile(values.to_numpy(dtype=float), [tail, 1 - tail])
            rows[tier] = {"low": float(low), "high": float(high)}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["low", "high"], dtype=float)


def proposal_intervals(
    accounts: pd.DataFrame,
    months: pd.DataFrame,
    level: float,
    step: float,
    by_tier: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``proposal_low`` and ``proposal_high`` per row of ``accounts`` (columns tier,
    proposal, inactive, proposal_unadjusted): proposal × the lower of the low factors
    and the higher of the high factors (the account's months, ``by_tier`` from
    :func:`backtest_factors`), rounded down and up to ``step`` and widened to include
    the proposal; an inactive account's upper end is its unadjusted proposal. NaN
    without positive revenue in the last 12 months."""
    factors = interval_factors(months.reindex(accounts.index, fill_value=0.0), level)
    if by_tier is not None and not by_tier.empty:
        tier = by_tier.reindex(accounts["tier"].to_numpy()).set_axis(accounts.index)
        known = factors["low"].notna()
        factors["low"] = np.fmin(factors["low"], tier["low"]).where(known)
        factors["high"] = np.fmax(factors["high"], tier["high"]).where(known)
    proposal = accounts["proposal"].astype(float)
    low = _round_down(proposal * factors["low"], step)
    high = _round_up(proposal * factors["high"], step)
    inactive = accounts["inactive"].astype(bool)
    naive = accounts["proposal_unadjusted"].astype(float)
    high = high.where(~inactive, np.maximum(high.fillna(0.0), naive))
    low = low.where(~inactive, low.fillna(proposal))
    known = low.notna() & high.notna()
    return pd.DataFrame(
        {
            "proposal_low": np.minimum(low, proposal).where(known),
            "proposal_high": np.maximum(high, proposal).where(known),
        },
        index=accounts.index,
    )


def _round_down(values: pd.Series, step: float) -> pd.Series:
    return np.floor(values / step) * step if step else values


def _round_up(values: pd.Series, step: float) -> pd.Series:
    return np.ceil(values / step) * step if step else values


def backtest_cutoff(as_of: dt.date | pd.Timestamp, year: int, mode: str) -> pd.Timestamp:
    """The data cut-off for back-testing ``year``: A's day and month in year − 1, or 31 Dec."""
    end = as_timestamp(as_of)
    if mode == "year_end":
        return pd.Timestamp(year=year - 1, month=12, day=31)
    day = min(end.day, pd.Timestamp(year=year - 1, month=end.month, day=1).days_in_month)
    return pd.Timestamp(year=year - 1, month=end.month, day=day)


def backtest(
    order_lines: pd.DataFrame,
    wallet: pd.DataFrame | None,
    as_of: dt.date | pd.Timestamp,
    tiers: pd.Series,
    params: TargetsParams,
    flags_at: FlagsAt | None = None,
) -> pd.DataFrame:
    """One row per back-tested year, account and method: proposal, actual, abs. % error.
    ``flags_at`` gives the risk flags as of each cut-off, so the inactivity rule is
    back-tested as it is applied."""
    end = as_timestamp(as_of)
    last = end.year if (end.month, end.day) == (12, 31) else end.year - 1
    start = pd.Timestamp(order_lines["order_date"].min())
    rows = []
    for year in range(last, last - params.backtest_years, -1):
        cutoff = backtest_cutoff(end, year, params.backtest_cutoff)
        if cutoff < start:
            continue
        flags = flags_at(cutoff) if flags_at is not None else None
        base = baselines(order_lines, wallet, cutoff, year, tiers.index, params, flags)
        actual = _yearly(order_lines, tiers.index, [year])[year]
        for method in TARGET_METHODS:
            proposal = base[f"p_{method}"]
            frame = pd.DataFrame(
                {
                    "year": year,
                    "account_id": tiers.index,
                    "tier": tiers.to_numpy(),
                    "method": method,
                    "proposal": proposal.to_numpy(),
                    "actual": actual.to_numpy(),
                }
            )
            rows.append(frame)
    columns = ["year", "account_id", "tier", "method", "proposal", "actual", "ape"]
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.concat(rows, ignore_index=True)
    positive = out["actual"] > 0
    out["ape"] = ((out["proposal"] - out["actual"]).abs() / out["actual"]).where(positive)
    return out[columns]


def backtest_summary(detail: pd.DataFrame, tiers: tuple[str, ...]) -> pd.DataFrame:
    """MAPE, accounts counted and total error (Σ proposal / Σ actual − 1) by tier and method,
    pooled over the back-tested years; tier "all" pools the tiers in scope."""
    used = detail.loc[detail["ape"].notna() & detail["tier"].isin(tiers)]
    records = []
    for tier in (*tiers, "all"):
        part = used if tier == "all" else used.loc[used["tier"] == tier]
        for method in TARGET_METHODS:
            rows = part.loc[part["method"] == method]
            total = rows["actual"].sum()
            records.append(
                {
                    "tier": tier,
                    "method": method,
                    "accounts": len(rows),
                    "mape": float(rows["ape"].mean()) if len(rows) else np.nan,
                    "total_error": float(rows["proposal"].sum() / total - 1) if total else np.nan,
                }
            )
    return pd.DataFrame(records)


def choose_methods(summary: pd.DataFrame, params: TargetsParams) -> dict[str, str]:
    """The method per tier in scope: the params' choice, else the lowest MAPE (ties go to the
    earlier method in the list), else the fallback method."""
    chosen: dict[str, str] = {}
    for tier in params.tiers:
        if tier in params.methods:
            chosen[tier] = params.methods[tier]
            continue
        rows = summary.loc[
            (summary["tier"] == tier)
            & (summary["accounts"] >= params.backtest_min_accounts)
            & summary["mape"].notna()
        ]
        chosen[tier] = (
            str(rows.sort_values("mape", kind="stable").iloc[0]["method"])
            if len(rows)
            else params.fallback_method
        )
    return chosen


def round_to(values: pd.Series, step: float) -> pd.Series:
    """Round to a multiple of ``step`` (half away from zero); unchanged when step is 0."""
    if not step:
        return values
    return np.floor(values / step + 0.5) * step


def propose(
    order_lines: pd.DataFrame,
    wallet: pd.DataFrame | None,
    as_of: dt.date | pd.Timestamp,
    target_year: int,
    tiers: pd.Series,
    params: TargetsParams,
    flags_at: FlagsAt | None = None,
) -> Proposals:
    """Baselines, back-test, the chosen proposal and its interval for the accounts whose
    tier is in scope.

    ``tiers`` is the value layer's ``tier`` column (indexed by account_id);
    ``flags_at`` gives risk.risk_flags as of a date (as of A and each back-test cut-off),
    without it no account counts as inactive.
    """
    end = as_timestamp(as_of)
    scope = tiers.loc[tiers.isin(params.tiers)]
    scope = scope.loc[sorted(scope.index, key=lambda a: (params.tiers.index(scope[a]), a))]
    detail = backtest(order_lines, wallet, end, scope, params, flags_at)
    summary = backtest_summary(detail, params.tiers)
    methods = choose_methods(summary, params)
    flags = flags_at(end) if flags_at is not None else None
    base = baselines(order_lines, wallet, end, target_year, scope.index, params, flags)
    base.insert(0, "tier", scope)
    base["method"] = scope.map(methods)
    picked = np.array([base.at[a, f"p_{m}"] for a, m in base["method"].items()], dtype=float)
    base["proposal"] = round_to(pd.Series(picked, index=base.index), params.round_to)
    naive = np.array([base.at[a, f"naive_{m}"] for a, m in base["method"].items()], dtype=float)
    base["proposal_unadjusted"] = round_to(pd.Series(naive, index=base.index), params.round_to)
    lines = up_to(order_lines, end)
    months = monthly_matrix(lines, end, scope.index)
    by_tier = backtest_factors(detail, methods, params.interval_level, params.backtest_min_accounts)
    ranges = proposal_intervals(base, months, params.interval_level, params.round_to, by_tier)
    base["proposal_low"] = ranges["proposal_low"]
    base["proposal_high"] = ranges["proposal_high"]
    base.index.name = "account_id"
    return Proposals(
        accounts=base,
        backtest=detail,
        summary=summary,
        methods=methods,
        as_of=as_timestamp(as_of).date(),
        year=target_year,
    )


def default_goal(proposals: Proposals, params: TargetsParams) -> float:
    """The goal when none is given: Σ this year's forecast F of the accounts in the
    workbook × (1 + default_growth), rounded like the proposals. Not Σ proposals: the
    goal is the company's ask, which the proposals may fall short of."""
    total = float(proposals.accounts["forecast"].sum()) * (1 + params.default_growth)
    return float(round_to(pd.Series([total]), params.round_to).iloc[0])


def spread_monthly(
    yearly: pd.Series, year: int, seasonality: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Monthly targets from yearly ones: by each account's seasonal shares (columns 1–12;
    rows are rescaled to sum to 1, one twelfth each when they sum to 0) or evenly
    (``seasonality`` None). Amounts are rounded to cents and December takes the
    rounding difference, so the months add up to the yearly target exactly.

    Columns: account_id, month (first day), revenue_target.
    """
    if seasonality is None:
        shares = pd.DataFrame(1 / 12, index=yearly.index, columns=list(MONTHS))
    else:
        shares = seasonality.reindex(index=yearly.index, columns=list(MONTHS)).fillna(0.0)
        shares = shares.clip(lower=0.0)
        totals = shares.sum(axis=1)
        shares = shares.div(totals.where(totals > 0), axis=0).fillna(1 / 12)
    amounts = shares.mul(yearly.astype(float), axis=0).round(2)
    amounts[12] = (yearly.astype(float) - amounts[list(MONTHS[:-1])].sum(axis=1)).round(2)
    long = amounts.stack().rename("revenue_target").reset_index()
    long.columns = ["account_id", "month", "revenue_target"]
    parts = pd.DataFrame({"year": year, "month": long["month"].astype(int), "day": 1})
    long["month"] = pd.to_datetime(parts)
    return long


__all__ = [
    "MONTHS",
    "SEASON_COLUMNS",
    "Proposals",
    "backtest",
    "backtest_cutoff",
    "backtest_factors",
    "backtest_summary",
    "baselines",
    "choose_methods",
    "covered_years",
    "default_goal",
    "interval_factors",
    "monthly_matrix",
    "proposal_intervals",
    "propose",
    "round_to",
    "seasonal_profiles",
    "spread_monthly",
]
