"""Multi-criteria account value (客户价值评估): raw criteria per account and the 0–100 score.

Criteria (raw values from :func:`account_features`, exact definitions in
docs/metrics.md): spend, growth, loyalty, profit, potential, influence, risk.
:func:`score_accounts` turns them into percentile-type 0–1 values within the
portfolio (so one very large account does not flatten everyone else), weighs
them with the strategy weights of the params file and splits the score into
per-criterion contributions that add up to it.

Risk is the exception: it is computed from the risk flags the report shows
(:func:`with_flag_risk`, severity-weighted and capped) and scored on an absolute
scale with a weight that is never rescaled, so an account with more or worse
flags can never get more risk points than one with fewer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.coverage import covers, data_start
from kamreport.analytics.daily import DailySums, daily_sums
from kamreport.analytics.membership import positions
from kamreport.analytics.periods import Window, as_timestamp, ltm, prior_ltm
from kamreport.analytics.risk import COMPOSITE
from kamreport.analytics.wallet import latest_spend
from kamreport.dataset import Dataset
from kamreport.params import SCORING_CRITERIA, ScoringParams, check_weights

TENURE_CAP_YEARS = 10.0  # loyalty: 10+ years of relationship is full marks
ORDER_DAYS_CAP_LTM = 12.0  # loyalty: 12+ order days in the LTM (monthly buying) is full
ABSOLUTE = "risk"  # scored as 1 − raw (raw already 0–1), with a weight never rescaled

DETAIL_COLUMNS = (
    "revenue_ltm",
    "revenue_prior_ltm",
    "gross_margin_ltm",
    "cost_to_serve_ltm",
    "order_days_ltm",
    "tenure_years",
    "repurchase_quarters",
    "category_spend",
    "overdue_share",
    "open_complaints",
    "risk_flag_load",
)


@dataclass(frozen=True)
class _Lines:
    """The order lines' columns as plain arrays (the table's own, not copies: ten million
    lines make each copy 80 MB), accounts as integer codes (fast grouping); ``kept``
    marks the lines dated ≤ as_of of a listed account, the only ones any figure reads."""

    code: np.ndarray  # position of the account in ``accounts`` (-1: not listed)
    date: np.ndarray  # datetime64[ns]
    net: np.ndarray
    cost: np.ndarray | None
    kept: np.ndarray
    n: int

    @classmethod
    def build(cls, lines: pd.DataFrame, end: pd.Timestamp, accounts: pd.Index) -> _Lines:
        code = positions(lines["account_id"], accounts)
        date = lines["order_date"].to_numpy()
        return cls(
            code=code,
            date=date,
            net=lines["net_amount"].to_numpy(float),
            cost=lines["cost_amount"].to_numpy(float) if "cost_amount" in lines else None,
            kept=(date <= np.datetime64(end, "ns")) & (code >= 0),
            n=len(accounts),
        )

    def inside(self, window: Window) -> np.ndarray:
        start, end = np.datetime64(window.start, "ns"), np.datetime64(window.end, "ns")
        return (self.date > start) & (self.date <= end) & self.kept

    def total(self, mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.code[mask], weights=values[mask], minlength=self.n)


def _gross_margin(lines: _Lines, mask: np.ndarray) -> np.ndarray:
    """Gross margin per account; NaN without cost data or when a line lacks its cost."""
    if lines.cost is None:
        return np.full(lines.n, np.nan)
    code, net, cost = lines.code[mask], lines.net[mask], lines.cost[mask]
    missing = np.isnan(cost)
    margin = np.bincount(code, weights=np.where(missing, 0.0, net - cost), minlength=lines.n)
    lacking = np.bincount(code[missing], minlength=lines.n) > 0
    return np.where(lacking, np.nan, margin)


def _order_days(daily: DailySums, accounts: pd.Index, end: pd.Timestamp) -> tuple[np.ndarray, ...]:
    """Order days in the LTM per account (:mod:`kamreport.analytics.daily`: a date whose
    lines of the account sum to a positive net amount; credit notes alone do not count,
    several order numbers on one day are one buying occasion), and the share of the last
    four quarters (3-month windows ending at as_of, together the LTM) with at least one.
    """
    window = ltm(end)
    day = daily.day
    inside = daily.order_days() & (day > window.start.to_datetime64())
    inside &= day <= window.end.to_datetime64()
    account = daily.positions(accounts, inside)
    known = account >= 0
    account = account[known]
    on_day = day[inside][known].astype("datetime64[D]").astype(np.int64)
    bounds = [np.datetime64((end - pd.DateOffset(months=3 * k)).date(), "D") for k in (3, 2, 1)]
    quarter = np.searchsorted(np.array(bounds).astype(np.int64), on_day, side="left")
    n = len(accounts)
    quarters = np.bincount(np.unique(account * 4 + quarter) // 4, minlength=n)
    return np.bincount(account, minlength=n), quarters / 4


def _tenure_years(
    dataset: Dataset, lines: _Lines, end: pd.Timestamp, accounts: pd.Index
) -> pd.Series:
    """Years since customer_since, else since the first order; 0 without either."""
    never = np.iinfo(np.int64).max
    first = np.full(lines.n + 1, never, dtype=np.int64)  # the last slot: lines not kept
    slot = np.where(lines.kept, lines.code, lines.n)
    np.minimum.at(first, slot, lines.date.astype("datetime64[ns]", copy=False).view(np.int64))
    first = first[:-1]
    start = pd.Series(
        np.where(first == never, np.datetime64("NaT", "ns"), first.astype("datetime64[ns]")),
        index=accounts,
    )
    frame = dataset.accounts.set_index("account_id")
    if "customer_since" in frame:
        since = pd.to_datetime(frame["customer_since"]).reindex(accounts)
        start = since.where(since.notna() & (since <= end), start)
    years = (end - start).dt.days / 365.25
    return years.clip(lower=0).fillna(0.0)


def _cost_to_serve(dataset: Dataset, window: Window, accounts: pd.Index) -> pd.Series | None:
    costs = dataset.get("service_costs")
    if costs is None:
        return None
    inside = costs.loc[window.mask(costs["month"])]
    return inside.groupby("account_id")["amount"].sum().reindex(accounts, fill_value=0.0)


def _overdue_share(dataset: Dataset, end: pd.Timestamp, accounts: pd.Index) -> pd.Series:
    """Overdue / outstanding receivables at as_of (0 when nothing is outstanding).

    Outstanding = amount − paid_amount of invoices dated ≤ as_of, where a payment
    counts when its paid_date is ≤ as_of (or unknown); overdue = outstanding of the
    invoices with due_date < as_of.
    """
    invoices = dataset.get("invoices")
    if invoices is None:
        return pd.Series(np.nan, index=accounts)
    # On the whole columns, then only the open invoices dated by ``end`` (usually few)
    # are picked and grouped, in their own order: no copy of the invoices.
    paid = invoices.get("paid_amount")
    paid = pd.Series(0.0, index=invoices.index) if paid is None else paid.fillna(0.0)
    if "paid_date" in invoices:
        paid = paid.where(invoices["paid_date"].isna() | (invoices["paid_date"] <= end), 0.0)
    outstanding = (invoices["amount"] - paid).clip(lower=0)
    overdue = outstanding.where(invoices["due_date"] < end, 0.0)
    dated = (invoices["invoice_date"] <= end).to_numpy(dtype=bool)
    open_items = dated & (outstanding > 0).to_numpy(dtype=bool)
    frame = pd.DataFrame(
        {"total": outstanding.to_numpy()[open_items], "late": overdue.to_numpy()[open_items]}
    )
    sums = frame.groupby(invoices["account_id"][open_items].to_numpy()).sum()
    sums = sums.reindex(accounts, fill_value=0.0)
    return (sums["late"] / sums["total"].where(sums["total"] > 0)).fillna(0.0)


def _open_complaints(dataset: Dataset, end: pd.Timestamp, accounts: pd.Index) -> pd.Series:
    """Complaints opened ≤ as_of and not closed by as_of."""
    complaints = dataset.get("complaints")
    if complaints is None:
        return pd.Series(np.nan, index=accounts)
    closed = complaints.get("closed_date")
    is_open = complaints["opened_date"] <= end
    if closed is not None:
        is_open &= closed.isna() | (closed > end)
    return is_open.groupby(complaints["account_id"]).sum().reindex(accounts, fill_value=0)


def account_features(
    dataset: Dataset, as_of: dt.date | pd.Timestamp, daily: DailySums | None = None
) -> pd.DataFrame:
    """Raw value of every scoring criterion per account (all accounts), plus their parts.

    - spend = LTM revenue;
    - growth = LTM revenue / prior LTM revenue − 1 (NaN when the prior is ≤ 0; prior and
      growth NaN for every account when the data does not cover the prior LTM, so the
      growth criterion drops out and its weight is spread over the others);
    - loyalty = mean of min(tenure_years / 10, 1), min(order_days_ltm / 12, 1) and
      repurchase_quarters (share of the last 4 quarters with an order), 0–1;
    - profit = LTM gross margin − LTM cost-to-serve (gross margin alone without
      service_costs; NaN without cost data);
    - potential = max(latest category_spend − LTM revenue, 0) (NaN without wallet data);
    - influence = accounts.influence (1–5);
    - risk: NaN here. It comes from the risk flags, which need the lifetime-value
      model (LOW_P_ALIVE), so :func:`with_flag_risk` fills it in once they are known
      (kamreport.analytics.valuation does, before scoring).

    The remaining columns (:data:`DETAIL_COLUMNS`) are the parts, for reports
    (overdue_share and open_complaints are shown for context; risk_flag_load is NaN
    until :func:`with_flag_risk`). ``daily`` is ``daily_sums(dataset.order_lines, as_of)``
    when the caller has it.
    """
    end = as_timestamp(as_of)
    accounts = pd.Index(dataset.accounts["account_id"].astype(str), name="account_id")
    lines = _Lines.build(dataset.order_lines, end, accounts)
    current, prior = ltm(end), prior_ltm(end)
    in_ltm = lines.inside(current)
    revenue = pd.Series(lines.total(in_ltm, lines.net), index=accounts)
    revenue_prior = pd.Series(lines.total(lines.inside(prior), lines.net), index=accounts)
    if not covers(data_start(dataset.order_lines), prior):
        revenue_prior[:] = np.nan  # a part of a year: no prior LTM, no growth (n/a)
    margin = pd.Series(_gross_margin(lines, in_ltm), index=accounts)
    cost_to_serve = _cost_to_serve(dataset, current, accounts)
    if daily is None:
        daily = daily_sums(dataset.order_lines, end)
    order_count, repurchase_share = _order_days(daily, accounts, end)
    orders = pd.Series(order_count, index=accounts)
    repurchase = pd.Series(repurchase_share, index=accounts)
    tenure = _tenure_years(dataset, lines, end, accounts)
    wallet = latest_spend(dataset.get("wallet"), end.year, accounts)
    overdue = _overdue_share(dataset, end, accounts)
    complaints = _open_complaints(dataset, end, accounts)
    frame = dataset.accounts.set_index("account_id")
    influence = (
        frame["influence"].astype(float).reindex(accounts)
        if "influence" in frame
        else pd.Series(np.nan, index=accounts)
    )
    loyalty = (
        (tenure / TENURE_CAP_YEARS).clip(upper=1)
        + (orders / ORDER_DAYS_CAP_LTM).clip(upper=1)
        + repurchase
    ) / 3
    features = pd.DataFrame(
        {
            "spend": revenue,
            "growth": revenue / revenue_prior.where(revenue_prior > 0) - 1,
            "loyalty": loyalty,
            "profit": margin if cost_to_serve is None else margin - cost_to_serve,
            "potential": (wallet - revenue).clip(lower=0),
            "influence": influence,
            "risk": np.nan,
            "revenue_ltm": revenue,
            "revenue_prior_ltm": revenue_prior,
            "gross_margin_ltm": margin,
            "cost_to_serve_ltm": cost_to_serve if cost_to_serve is not None else np.nan,
            "order_days_ltm": orders.astype(int),
            "tenure_years": tenure,
            "repurchase_quarters": repurchase,
            "category_spend": wallet,
            "overdue_share": overdue,
            "open_complaints": complaints.astype(float),
            "risk_flag_load": np.nan,
        },
        index=accounts,
    )
    return features


def flag_load(
    flags: pd.DataFrame, accounts: pd.Index, severity_weights: Mapping[str, float]
) -> pd.Series:
    """Σ over the account's risk flags of the weight of their severity (0 without flags).

    ``flags`` is :func:`kamreport.analytics.risk.risk_flags`; composite flags
    (:data:`kamreport.analytics.risk.COMPOSITE`) restate signs other flags count and are
    left out. A severity without a weight raises KeyError, so a new severity cannot
    silently count as nothing.
    """
    flags = flags.loc[~flags["code"].isin(COMPOSITE)] if "code" in flags else flags
    if flags.empty:
        return pd.Series(0.0, index=accounts)
    weight = flags["severity"].map(lambda level: float(severity_weights[level]))
    load = weight.groupby(flags["account_id"].astype(str).to_numpy()).sum()
    return load.reindex(accounts, fill_value=0.0).astype(float)


def with_flag_risk(
    features: pd.DataFrame, flags: pd.DataFrame, scoring: ScoringParams
) -> pd.DataFrame:
    """``features`` with the risk criterion taken from the report's risk flags.

    risk_flag_load = Σ severity weight of the account's flags
    (``scoring.risk_flag_weights``); risk = min(load, cap) / cap with cap =
    ``scoring.risk_flag_cap``: 0 without flags, 1 at or beyond the cap.
    """
    out = features.copy()
    load = flag_load(flags, out.index, scoring.risk_flag_weights)
    out["risk_flag_load"] = load
    out["risk"] = load.clip(upper=scoring.risk_flag_cap) / scoring.risk_flag_cap
    return out


def normalise(raw: pd.Series, *, inverted: bool = False) -> pd.Series:
    """0–1: the share of the other accounts (with a value) this account is at least as good as.

    (number of accounts whose value is ≤ this one − 1) / (n − 1), ties sharing the
    higher value; 1 when only one account has a value; NaN stays NaN. ``inverted``
    (risk) ranks lower raw values as better.
    """
    value = -raw.astype(float) if inverted else raw.astype(float)
    n = int(value.notna().sum())
    if n <= 1:
        return value.where(value.isna(), 1.0)
    return (value.rank(method="max") - 1) / (n - 1)


def _norm(features: pd.DataFrame, criterion: str) -> pd.Series:
    if criterion not in features:
        return pd.Series(np.nan, index=features.index)
    if criterion == ABSOLUTE:
        return 1.0 - features[criterion].astype(float).clip(0, 1)
    return normalise(features[criterion])


def effective_weights(available: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per account (row) the weight of each criterion (column of SCORING_CRITERIA).

    The risk weight stays as given whenever the account has a risk value; the
    other weights are renormalised over the other criteria the account has a
    value for, so they add up to 1 − w_risk (a criterion missing for an account has
    its weight spread proportionally over its other criteria, never onto risk).
    Without any other criterion, or without risk, the available weights are simply
    renormalised to 1. A row without any weighted criterion is NaN.
    """
    risk = SCORING_CRITERIA.index(ABSOLUTE)
    effective = available * weights
    total = weights.sum()
    others = effective.copy()
    others[:, risk] = 0.0
    other_sum = others.sum(axis=1, keepdims=True)
    fixed = available[:, [risk]] & (other_sum > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = others * (total - weights[risk]) / other_sum
        scaled[:, risk] = weights[risk]
        plain = effective / effective.sum(axis=1, keepdims=True)
    out = np.where(fixed, scaled / total, plain)
    return np.where(effective.sum(axis=1, keepdims=True) > 0, out, np.nan)


def score_accounts(features: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """The 0–100 account score and its split by criterion.

    score = 100 × Σ_c w'_c × norm_c. norm_c is :func:`normalise` of criterion c,
    except risk, whose raw value is already 0–1 (:func:`with_flag_risk`):
    norm_risk = 1 − risk. w'_c are :func:`effective_weights`: risk keeps its weight,
    the others are renormalised over the criteria the account has a value for (a
    criterion missing for everyone — e.g. no wallet table — thus has its weight
    spread proportionally over the others). Columns: score, contrib_<criterion>
    (100 × w'_c × norm_c; they add up to score; NaN for a criterion the account has no
    value for) and norm_<criterion> for every criterion. Raises ParamsError for bad
    weights.
    """
    check_weights(weights)
    index = features.index
    norms = pd.DataFrame({c: _norm(features, c) for c in SCORING_CRITERIA}, index=index)
    w = np.array([float(weights.get(c, 0.0)) for c in SCORING_CRITERIA])
    available = norms.notna().to_numpy()
    effective = effective_weights(available, w)
    contrib = 100.0 * effective * np.nan_to_num(norms.to_numpy(float), nan=0.0)
    out = pd.DataFrame(index=index)
    score = np.zeros(len(index))
    for j in range(len(SCORING_CRITERIA)):
        score = score + contrib[:, j]
    out["score"] = score
    for j, c in enumerate(SCORING_CRITERIA):
        # a criterion the account has no value for contributes n/a, not 0 points
        out[f"contrib_{c}"] = np.where(available[:, j], contrib[:, j], np.nan)
    for c in SCORING_CRITERIA:
        out[f"norm_{c}"] = norms[c]
    return out


@dataclass(frozen=True)
class ScoreBasis:
    """Which criteria the portfolio's scores rest on, and with what weight.

    ``weights``: the effective weight of every criterion used (a positive strategy
    weight and a value for at least one account), as :func:`effective_weights` gives
    it to an account that has all of them; they add up to 1. ``left_out``: the
    criteria with a positive strategy weight that no account has a value for (no
    costs, no wallet estimates, no influence ratings, no prior year …), whose weight
    is spread over the others exactly as for one account missing a criterion.
    """

    weights: Mapping[str, float]
    left_out: tuple[str, ...]
    strategy: Mapping[str, float]  # the weights of the params file

    @property
    def used(self) -> tuple[str, ...]:
        return tuple(self.weights)


def available_criteria(features: pd.DataFrame) -> pd.DataFrame:
    """Per account (row) and criterion (column of SCORING_CRITERIA): has it a value?"""
    return pd.DataFrame(
        {c: _norm(features, c).notna() for c in SCORING_CRITERIA}, index=features.index
    )


def score_basis(features: pd.DataFrame, weights: Mapping[str, float]) -> ScoreBasis:
    """The criteria the scores of ``features`` use, with their effective weights (see
    :class:`ScoreBasis`); the same rule as :func:`score_accounts` applies per account."""
    w = np.array([float(weights.get(c, 0.0)) for c in SCORING_CRITERIA])
    anywhere = available_criteria(features).any(axis=0).to_numpy()
    effective = effective_weights(anywhere[None, :], w)[0]
    used = {
        c: float(effective[j])
        for j, c in enumerate(SCORING_CRITERIA)
        if anywhere[j] and w[j] > 0 and np.isfinite(effective[j])
    }
    left_out = tuple(c for j, c in enumerate(SCORING_CRITERIA) if w[j] > 0 and not anywhere[j])
    return ScoreBasis(weights=used, left_out=left_out, strategy=dict(weights))


def account_weights(norms: pd.Series, weights: Mapping[str, float]) -> pd.Series:
    """One account's effective weight per criterion (NaN where it has no value), from its
    norm_<criterion> values: the weights :func:`score_accounts` used for it."""
    w = np.array([float(weights.get(c, 0.0)) for c in SCORING_CRITERIA])
    has = np.array([pd.notna(norms.get(f"norm_{c}")) for c in SCORING_CRITERIA])
    effective = effective_weights(has[None, :], w)[0]
    return pd.Series(np.where(has, effective, np.nan), index=list(SCORING_CRITERIA))
