"""Risk flags (客户流失信号 and more): portfolio-wide, vectorised, for any as-of date.

Each flag has a code, a severity ("high" or "medium") and the numbers behind it:
``value`` (what was measured), ``threshold`` (the limit it crossed) and
``baseline`` (what it is compared with, where there is one). Thresholds come from
:class:`kamreport.params.RiskParams`; definitions in docs/metrics.md, "Risk flags".
A flag is "high" when its value is at least twice as far past the limit as the
threshold itself (or, for LOW_P_ALIVE, below half the threshold).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.coverage import covers
from kamreport.analytics.daily import DailySums, daily_sums
from kamreport.analytics.membership import by_position, is_in, positions
from kamreport.analytics.periods import (
    as_timestamp,
    first_date_up_to,
    ltm,
    prior_ltm,
)
from kamreport.analytics.price_buying import meetings, price_buying_signs
from kamreport.analytics.profitability import RecentFigures, recent_figures
from kamreport.analytics.receivables import paid_amounts
from kamreport.analytics.relationships import done_activities
from kamreport.analytics.satisfaction import survey_summary
from kamreport.analytics.targets import revenue_by_account
from kamreport.analytics.wallet import wallet_by_account
from kamreport.dataset import Dataset
from kamreport.params import RiskParams

CODES = (
    "ORDER_GAP",
    "REVENUE_DECLINE",
    "WALLET_SHARE_FALL",
    "OVERDUE_RECEIVABLES",
    "COMPLAINT_SPIKE",
    "NO_DECISION_MAKER_CONTACT",
    "NO_SENIOR_VISIT",
    "DISCOUNT_PRESSURE",
    "NARROWING_BREADTH",
    "PRICE_BUYING",
    "SATISFACTION_FALL",
    "LOW_P_ALIVE",
)
# The units of value, threshold and baseline of each code, for formatting.
UNITS: dict[str, tuple[str, str, str]] = {
    "ORDER_GAP": ("days", "days", "days"),
    "REVENUE_DECLINE": ("growth", "growth", "money"),
    "WALLET_SHARE_FALL": ("fraction", "pp", "fraction"),
    "OVERDUE_RECEIVABLES": ("fraction", "fraction", "money"),
    "COMPLAINT_SPIKE": ("count", "count", "count"),
    "NO_DECISION_MAKER_CONTACT": ("days_ago", "days", "none"),
    "NO_SENIOR_VISIT": ("days_ago", "days", "none"),
    "DISCOUNT_PRESSURE": ("fraction", "pp", "fraction"),
    "NARROWING_BREADTH": ("count", "count", "count"),
    "PRICE_BUYING": ("count", "count", "count"),
    "SATISFACTION_FALL": ("decimal", "decimal", "decimal"),
    "LOW_P_ALIVE": ("fraction", "fraction", "none"),
}
# Flags that combine signs other flags measure: shown like every flag, but not counted
# again in the score's risk criterion nor in the back-test's number of flags.
COMPOSITE = ("PRICE_BUYING",)
COLUMNS = ["account_id", "code", "severity", "value", "threshold", "baseline", "unit"]


def _frame(code: str, mask: pd.Series, value, threshold, baseline, high: pd.Series) -> pd.DataFrame:
    index = mask.index[mask.fillna(False).to_numpy(bool)]

    def pick(x):
        if isinstance(x, pd.Series):
            return x.reindex(index).to_numpy(float)
        return np.full(len(index), np.nan if x is None else float(x))

    return pd.DataFrame(
        {
            "account_id": index.astype(str),
            "code": code,
            "severity": np.where(high.reindex(index).fillna(False), "high", "medium"),
            "value": pick(value),
            "threshold": pick(threshold),
            "baseline": pick(baseline),
            "unit": UNITS[code][0],
        }
    )


def _order_days(daily: DailySums, accounts: pd.Index) -> pd.DataFrame:
    """The order days of :mod:`kamreport.analytics.daily` (dates whose lines of the account
    sum to a positive net amount: credit notes alone are no order), as columns account
    (the account's position in ``accounts``: grouped on integers, not text) and
    order_date."""
    positive = daily.order_days()
    account, day = daily.positions(accounts, positive), daily.day[positive]
    known = account >= 0
    if not known.all():
        account, day = account[known], day[known]
    # the arrays as they are (each made here): no copies of millions of order days
    return pd.DataFrame({"account": account, "order_date": day}, copy=False)


def _order_gap(
    days: pd.DataFrame,
    end: pd.Timestamp,
    p: RiskParams,
    accounts: pd.Index,
    regular: pd.Series,
):
    """Days since the last order against the median interval between order dates; only
    for ``regular`` accounts (at least ``min_orders_for_interval`` order days): a one-off
    or occasional buyer has no usual interval to fall behind."""
    start = end - pd.DateOffset(months=p.order_gap_history_months)
    last = by_position(days.groupby("account")["order_date"].max(), accounts).reindex(accounts)
    recent = days.loc[days["order_date"] > start].sort_values(["account", "order_date"])
    gaps = recent.groupby("account")["order_date"].diff().dt.days
    usual = by_position(gaps.groupby(recent["account"]).median(), accounts).reindex(accounts)
    since = (end - last).dt.days.astype(float)
    # Too few recent orders to know the rhythm (the account went quiet before the
    # history window): the minimum gap alone is the limit.
    limit = (usual * p.order_gap_factor).clip(lower=p.order_gap_min_days)
    limit = limit.fillna(float(p.order_gap_min_days))
    mask = regular & (since > limit)
    high = since > 2 * limit
    return _frame("ORDER_GAP", mask, since, limit, usual, high)


def _revenue_decline(
    lines: pd.DataFrame,
    end: pd.Timestamp,
    p: RiskParams,
    accounts: pd.Index,
    regular: pd.Series,
    first_day: pd.Timestamp,
):
    """LTM revenue against the prior LTM's; only for ``regular`` accounts (at least
    ``min_orders_for_interval`` order days): a one-off or occasional buyer
    whose order fell in the prior year has no run of business to decline from. Not
    evaluated when the data (starting on ``first_day``) does not cover the prior LTM (a
    part of a year is no baseline: every account would look like growing or falling by
    chance)."""
    now, before = ltm(end), prior_ltm(end)
    if not covers(first_day, before):
        return None  # no prior LTM to compare with
    cur = revenue_by_account(lines, now, accounts)
    pri = revenue_by_account(lines, before, accounts)
    growth = cur / pri.where(pri > 0) - 1
    mask = regular & (growth <= -p.revenue_decline)
    high = growth <= -2 * p.revenue_decline
    return _frame("REVENUE_DECLINE", mask, growth, -p.revenue_decline, pri, high)


def _wallet_fall(shares: pd.DataFrame, p: RiskParams):
    """The share of wallet of the latest year against the year before
    (:func:`~kamreport.analytics.wallet.wallet_by_account`)."""
    drop = shares["share_of_wallet_prior"] - shares["share_of_wallet"]
    mask = drop >= p.wallet_share_drop
    high = drop >= 2 * p.wallet_share_drop
    return _frame(
        "WALLET_SHARE_FALL", mask, shares["share_of_wallet"], p.wallet_share_drop,
        shares["share_of_wallet_prior"], high,
    )  # fmt: skip


def _overdue(dataset: Dataset, end: pd.Timestamp, p: RiskParams, accounts: pd.Index):
    invoices = dataset.get("invoices")
    if invoices is None:
        return None
    # receivables.invoice_amounts' outstanding and days overdue, of the invoices dated by
    # ``end`` in their own order, summed per account: the same sums, on arrays of the
    # dated invoices only and without copying the invoices' ids to encode them again.
    dated = (invoices["invoice_date"] <= end).to_numpy(dtype=bool)
    by = positions(invoices["account_id"], accounts, dated)
    outstanding = invoices["amount"].to_numpy(float)[dated]
    outstanding -= paid_amounts(invoices, end, dated)
    np.maximum(outstanding, 0.0, out=outstanding)  # clipped at 0; a missing amount stays so
    # more than ``overdue_grace_days`` whole days past due (a day count floors, as the aging
    # does): due on or before end - (grace + 1) days; no due date, never
    late_from = np.datetime64(end - pd.Timedelta(days=p.overdue_grace_days + 1), "ns")
    due = invoices["due_date"].to_numpy().astype("datetime64[ns]", copy=False)[dated]
    late = np.where((due <= late_from) & (outstanding > 0), outstanding, 0.0)
    del due

    def per_account(values: np.ndarray) -> pd.Series:
        sums = pd.Series(values).groupby(by).sum()
        return by_position(sums, accounts).reindex(accounts, fill_value=0.0)

    open_ = per_account(outstanding)
    late = per_account(late)
    share = late / open_.where(open_ > 0)
    mask = (late > 0) & (share >= p.overdue_min_share)
    high = share >= 2 * p.overdue_min_share
    return _frame("OVERDUE_RECEIVABLES", mask, share, p.overdue_min_share, late, high)


def _complaint_spike(dataset: Dataset, end: pd.Timestamp, p: RiskParams, accounts: pd.Index):
    complaints = dataset.get("complaints")
    if complaints is None:
        return None
    window = pd.Timedelta(days=p.complaint_window_days)
    opened = complaints["opened_date"]
    by = complaints["account_id"]
    recent = ((opened > end - window) & (opened <= end)).groupby(by).sum()
    base_start = end - window - pd.DateOffset(months=12)
    before = ((opened > base_start) & (opened <= end - window)).groupby(by).sum()
    recent = recent.reindex(accounts, fill_value=0).astype(float)
    usual = before.reindex(accounts, fill_value=0).astype(float) * window.days / 365.25
    limit = np.maximum(usual * p.complaint_spike_factor, p.complaint_spike_min)
    mask = recent >= limit
    high = recent >= 2 * limit
    return _frame("COMPLAINT_SPIKE", mask, recent, limit, usual, high)


def _done(dataset: Dataset, end: pd.Timestamp) -> pd.DataFrame | None:
    """The activities done by ``end`` (relationships.done_activities), with only the
    columns the flags read: the notes of millions of activities are not copied."""
    activities = dataset.get("activities")
    if activities is None:
        return None
    read = [c for c in ("account_id", "contact_id", "date", "type", "status") if c in activities]
    return done_activities(activities[read], end)


def _decision_maker(
    dataset: Dataset, done: pd.DataFrame | None, end: pd.Timestamp, p: RiskParams,
    accounts: pd.Index,
):  # fmt: skip
    contacts = dataset.get("contacts")
    if contacts is None or done is None or "contact_id" not in done:
        return None
    dms = contacts.loc[contacts["role"] == "decision_maker", ["contact_id", "account_id"]]
    met = done.loc[is_in(done["contact_id"], dms["contact_id"])]
    last = met.groupby("account_id")["date"].max().reindex(accounts)
    since = (end - last).dt.days.astype(float)
    has_dm = pd.Series(is_in(accounts, dms["account_id"]), index=accounts)
    active = pd.Series(
        is_in(accounts, done.loc[ltm(end).mask(done["date"]), "account_id"]), accounts
    )
    mask = has_dm & active & (since.isna() | (since > p.decision_maker_days))
    high = since.isna() | (since > 2 * p.decision_maker_days)
    return _frame("NO_DECISION_MAKER_CONTACT", mask, since, p.decision_maker_days, None, high)


def _senior_visit(done: pd.DataFrame | None, end: pd.Timestamp, p: RiskParams, accounts: pd.Index):
    if done is None:
        return None
    senior = done.loc[done["type"] == "senior_visit"]
    last = senior.groupby("account_id")["date"].max().reindex(accounts)
    since = (end - last).dt.days.astype(float)
    limit_start = end - pd.DateOffset(months=p.senior_visit_months)
    limit_days = float((end - limit_start).days)
    # only accounts we are working with: some activity in the window
    active = pd.Series(
        is_in(accounts, done.loc[done["date"] > limit_start, "account_id"]), accounts
    )
    ever = pd.Series(is_in(accounts, senior["account_id"]), accounts)
    mask = active & ever & (since > limit_days)
    high = since > 2 * limit_days
    return _frame("NO_SENIOR_VISIT", mask, since, limit_days, None, high)


def _discount(recent: RecentFigures, p: RiskParams):
    """Discount depth of the recent months against the same months a year earlier, as the
    account review shows it (analytics.profitability.discount_depth_by_account)."""
    if not recent.covered or not recent.priced:
        return None
    cur, pri = recent.discount_now, recent.discount_before
    rise = cur - pri
    mask = rise >= p.discount_rise
    high = rise >= 2 * p.discount_rise
    return _frame("DISCOUNT_PRESSURE", mask, cur, p.discount_rise, pri, high)


def _breadth(recent: RecentFigures, p: RiskParams):
    """Products bought in the recent months against the same months a year earlier, as
    the account review counts them (analytics.profitability.products_by_account)."""
    if not recent.covered:
        return None
    cur, pri = recent.products_now, recent.products_before
    # accounts that stopped buying altogether are ORDER_GAP's business, not this one's
    mask = (cur > 0) & (pri > 0) & (cur <= pri * (1 - p.breadth_drop))
    high = cur <= pri * (1 - 2 * p.breadth_drop)
    limit = np.floor(pri * (1 - p.breadth_drop))
    return _frame("NARROWING_BREADTH", mask, cur, limit, pri, high)


def _price_buying(
    dataset: Dataset, done: pd.DataFrame | None, recent: RecentFigures,
    p: RiskParams, accounts: pd.Index,
):  # fmt: skip
    """At least ``price_buying_min_signs`` of the three signs of price buying
    (analytics.price_buying) in the recent months against the same months a year earlier;
    value: signs seen, threshold: signs needed, baseline: signs known. High when all three
    are seen."""
    if not recent.covered:
        return None
    held = meetings(done, dataset.get("contacts"))
    signs = price_buying_signs(recent, held, accounts, p)
    mask = signs["signs"] >= p.price_buying_min_signs
    high = signs["signs"] >= 3
    return _frame(
        "PRICE_BUYING", mask, signs["signs"], p.price_buying_min_signs, signs["known"], high
    )


def _satisfaction_fall(dataset: Dataset, end: pd.Timestamp, p: RiskParams, accounts: pd.Index):
    """The latest survey (not stale) at least ``satisfaction_fall`` points below the mean
    of the surveys of the ``satisfaction_baseline_months`` before it."""
    surveys = dataset.get("surveys")
    if surveys is None:
        return None
    summary = survey_summary(surveys, end, p).reindex(accounts)
    fall = summary["baseline_score"].astype(float) - summary["latest_score"].astype(float)
    fresh = summary["stale"].eq(False)
    mask = fresh & (fall >= p.satisfaction_fall)
    high = fall >= 2 * p.satisfaction_fall
    return _frame(
        "SATISFACTION_FALL", mask, summary["latest_score"].astype(float), p.satisfaction_fall,
        summary["baseline_score"].astype(float), high,
    )  # fmt: skip


def _p_alive(values: pd.DataFrame, p: RiskParams, accounts: pd.Index, regular: pd.Series):
    """P(alive) below the threshold. Where P(alive) comes from the order-rhythm rule (which
    measures the gap against the usual order interval, as ORDER_GAP does), only for
    ``regular`` accounts (at least ``min_orders_for_interval`` order days)."""
    alive = values["p_alive"].reindex(accounts).astype(float)
    method_column = "method" if "method" in values else "clv_method"
    method = (
        values[method_column].reindex(accounts)
        if method_column in values
        else pd.Series("rule", index=accounts)
    )
    mask = (regular | (method != "rule")) & (alive < p.p_alive_min)
    high = alive < p.p_alive_min / 2
    return _frame("LOW_P_ALIVE", mask, alive, p.p_alive_min, None, high)


@dataclass(frozen=True)
class SharedFigures:
    """Per-account figures the flags compare and the metrics table shows too, so a run
    computes each once: the recent and year-earlier discount depth and products bought,
    and the share of wallet."""

    recent: RecentFigures
    wallet: pd.DataFrame  # kamreport.analytics.wallet.wallet_by_account


def shared_figures(
    dataset: Dataset, as_of: dt.date | pd.Timestamp, risk: RiskParams
) -> SharedFigures:
    """:class:`SharedFigures` as of ``as_of``."""
    end = as_timestamp(as_of)
    accounts = account_index(dataset)
    lines = dataset.order_lines
    first_day = first_date_up_to(lines["order_date"], end)
    return SharedFigures(
        recent=recent_figures(lines, end, risk.discount_window_months, accounts, first_day),
        wallet=wallet_by_account(lines, dataset.get("wallet"), end, accounts),
    )


def account_index(dataset: Dataset) -> pd.Index:
    """The accounts as the flags and the metrics table index them."""
    return pd.Index(dataset.accounts["account_id"].astype(str), name="account_id")


@dataclass(frozen=True)
class FlagsWithoutValues:
    """The flags that read no value-layer figure (every flag but LOW_P_ALIVE), each
    flag's rows as one frame, and which accounts have enough order days for a usual
    rhythm (LOW_P_ALIVE reads it too). A run can compute them beside the value layer
    and hand them to :func:`risk_flags`."""

    frames: tuple[pd.DataFrame, ...]
    regular: pd.Series


def flags_without_values(
    dataset: Dataset,
    as_of: dt.date | pd.Timestamp,
    risk: RiskParams,
    shared: SharedFigures | None = None,
    daily: DailySums | None = None,
) -> FlagsWithoutValues:
    """:class:`FlagsWithoutValues` as of ``as_of`` (``shared`` and ``daily`` as in
    :func:`risk_flags`)."""
    end = as_timestamp(as_of)
    accounts = account_index(dataset)
    # Every flag below reads windows that end at the as-of date (the order days drop
    # later lines themselves), so the lines are not copied to drop those after it.
    lines = dataset.order_lines
    first_day = first_date_up_to(lines["order_date"], end)  # where the data starts
    done = _done(dataset, end)
    shared = shared if shared is not None else shared_figures(dataset, end, risk)
    days = _order_days(daily if daily is not None else daily_sums(lines, end), accounts)
    counts = by_position(days.groupby("account").size(), accounts).reindex(accounts, fill_value=0)
    regular = counts >= risk.min_orders_for_interval  # enough order days for a usual rhythm
    recent = shared.recent
    parts = [
        _order_gap(days, end, risk, accounts, regular),
        _revenue_decline(lines, end, risk, accounts, regular, first_day),
        _wallet_fall(shared.wallet, risk),
        _overdue(dataset, end, risk, accounts),
        _complaint_spike(dataset, end, risk, accounts),
        _decision_maker(dataset, done, end, risk, accounts),
        _senior_visit(done, end, risk, accounts),
        _discount(recent, risk),
        _breadth(recent, risk),
        _price_buying(dataset, done, recent, risk, accounts),
        _satisfaction_fall(dataset, end, risk, accounts),
    ]
    return FlagsWithoutValues(tuple(f for f in parts if f is not None and not f.empty), regular)


def risk_flags(
    dataset: Dataset,
    as_of: dt.date | pd.Timestamp,
    risk: RiskParams,
    values: pd.DataFrame | None = None,
    shared: SharedFigures | None = None,
    daily: DailySums | None = None,
    without_values: FlagsWithoutValues | None = None,
) -> pd.DataFrame:
    """All risk flags of all accounts as of ``as_of``: columns :data:`COLUMNS`.

    ``values`` is the value layer's table for the same as-of date
    (``valuation.value_accounts``); LOW_P_ALIVE is only evaluated when it is
    given. Flags whose table is missing are not evaluated; the flags that need a usual
    order interval or a run of business (ORDER_GAP, LOW_P_ALIVE from the order-rhythm
    rule, REVENUE_DECLINE) are not evaluated for accounts with fewer than
    ``risk.min_orders_for_interval`` order days. Only data
    dated ≤ as_of is used, so the flags can be computed for any past date.
    ``shared`` (:func:`shared_figures`), ``daily``
    (:func:`~kamreport.analytics.daily.daily_sums`) and ``without_values``
    (:func:`flags_without_values`) are the caller's for the same as-of date when it has them.
    """
    if without_values is None:
        without_values = flags_without_values(dataset, as_of, risk, shared, daily)
    frames = list(without_values.frames)
    if values is not None:
        accounts = account_index(dataset)
        alive = _p_alive(values, risk, accounts, without_values.regular)
        if alive is not None and not alive.empty:
            frames.append(alive)
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    order = {code: i for i, code in enumerate(CODES)}
    out["_o"] = out["code"].map(order)
    out = out.sort_values(["account_id", "_o"]).drop(columns="_o").reset_index(drop=True)
    return out[COLUMNS]
