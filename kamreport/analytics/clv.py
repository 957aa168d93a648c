"""Customer lifetime value: BG/NBD purchase counts, Gamma-Gamma order values, discounting.

Models (definitions and formulas in docs/metrics.md, "Value: ABC, score, tiers,
lifetime value"):

- BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"):
  while alive a customer buys at a Poisson rate λ ~ Gamma(r, α); after each
  repeat purchase it drops out for good with probability p ~ Beta(a, b).
- Gamma-Gamma (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"):
  the value of each purchase is Gamma(p, ν) with ν ~ Gamma(q, v), independent of
  the purchase counts.

Both are fitted by maximum likelihood on the whole portfolio; an account's CLV
is its expected purchases per period × expected value per purchase × margin
rate, discounted. A fit is checked for degeneracy (:func:`bgnbd_degeneracy`);
when it is degenerate, or when the caller says it did not beat the rule on the
back-test (kamreport.analytics.clv_backtest), every account uses the order-rhythm
rule instead (:func:`rhythm_rule`), and the result says which method and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kamreport.analytics.coverage import covers, data_start
from kamreport.analytics.daily import daily_net
from kamreport.analytics.membership import arrow_chunks
from kamreport.analytics.periods import as_timestamp, ltm, prior_ltm
from kamreport.dataset import TEXT_DTYPE
from kamreport.errors import KamReportError
from kamreport.repeated_text import is_categorical

if TYPE_CHECKING:
    from scipy import optimize


def _special():
    """scipy.special, imported when a model is evaluated (not when reports only read fits)."""
    from scipy import special

    return special


def _optimize():
    from scipy import optimize

    return optimize


DAYS_PER_PERIOD = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}
_LOG_BOUND = 12.0  # fitted parameters are kept within e^±12; beyond e^±10.5 the fit failed


_NEAR_BOUND = 9.0  # a fitted log-parameter beyond ±9 (×/÷ 8,100) counts as "at a bound"
# Why a fit is degenerate (reason codes shown in reports and docs/metrics.md).
DEGENERATE_REASONS = ("too_few_repeaters", "not_converged", "at_bound", "no_dropout")


class ModelFitError(KamReportError):
    """A lifetime-value model cannot be fitted to the data; ``reason`` is one of
    :data:`DEGENERATE_REASONS`."""

    def __init__(self, message: str, reason: str = "not_converged") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class BGNBDFit:
    """Maximum-likelihood BG/NBD parameters; ``n`` customers, total log-likelihood."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n: int


@dataclass(frozen=True)
class GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma parameters on ``n`` repeat customers."""

    p: float
    q: float
    v: float
    log_likelihood: float
    n: int


@dataclass(frozen=True)
class ClvResult:
    """Per-account lifetime value and the fits it came from (None when not fitted).

    ``accounts`` columns: frequency, recency, T, monetary_value (weeks, as in
    :func:`rfm_summary`), margin_rate, p_alive, expected_orders_12m,
    expected_margin_12m, clv, clv_low, clv_high, method ("bgnbd+gg" or "rule").
    ``reasons``: why the model is not used (empty when it is).
    """

    accounts: pd.DataFrame
    bgnbd: BGNBDFit | None
    gamma_gamma: GammaGammaFit | None
    retention: float
    message: str
    reasons: tuple[str, ...] = ()

    @property
    def model_used(self) -> bool:
        return not self.reasons

    @property
    def fallback_accounts(self) -> tuple[str, ...]:
        """Accounts whose figures come from the order-rhythm rule."""
        return tuple(self.accounts.index[self.accounts["method"] == "rule"])


def _arrays(*values) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values]


# --- BG/NBD ----------------------------------------------------------------------------


def bgnbd_log_likelihood(
    r: float, alpha: float, a: float, b: float, frequency, recency, T
) -> np.ndarray:
    """Per-customer log-likelihood, Fader, Hardie & Lee (2005) eq. 6.

    L = Γ(r+x)α^r/Γ(r) · B(a, b+x)/B(a, b) · [(α+T)^−(r+x) + 1{x>0} a/(b+x−1) (α+t_x)^−(r+x)],
    summed in log space with log-sum-exp.
    """
    x, tx, big_t = _arrays(frequency, recency, T)
    # the special functions once per distinct frequency (a few hundred, not one per account)
    distinct, which = np.unique(x, return_inverse=True)
    ln_a1 = (_special().gammaln(r + distinct) - _special().gammaln(r) + r * np.log(alpha))[which]
    ln_a2 = (_special().betaln(a, b + distinct) - _special().betaln(a, b))[which]
    ln_a3 = -(r + x) * np.log(alpha + big_t)
    repeat = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_a4 = np.where(
            repeat,
            np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - (r + x) * np.log(alpha + tx),
            -np.inf,
        )
    return ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4)


def _fit(neg_ll, starts: list[np.ndarray], n_params: int) -> optimize.OptimizeResult:
    """Minimise from each start in turn; stop early once two starts agree on the minimum."""
    best: optimize.OptimizeResult | None = None
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * n_params
    values: list[float] = []
    for start in starts:
        with np.errstate(all="ignore"):
            # SLSQP first: as accurate here as L-BFGS-B and much less sensitive to BLAS
            # threading overhead on busy machines; L-BFGS-B, then Nelder-Mead, as backups.
            res = _optimize().minimize(
                neg_ll, start, method="SLSQP", bounds=bounds,
                options={"ftol": 1e-10, "maxiter": 500},
            )  # fmt: skip
            if not res.success:
                res = _optimize().minimize(neg_ll, res.x, method="L-BFGS-B", bounds=bounds)
            if not res.success:
                res = _optimize().minimize(
                    neg_ll, res.x, method="Nelder-Mead", options={"maxiter": 4000, "xatol": 1e-7}
                )
        if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
            best = res
        values.append(float(res.fun))
        tolerance = 1e-6 * max(1.0, abs(best.fun)) if best is not None else 0.0
        if best is not None and sum(abs(v - best.fun) <= tolerance for v in values) >= 2:
            break
    if best is None or not np.isfinite(best.fun):
        raise ModelFitError("The likelihood could not be evaluated at any starting point.")
    if not best.success:
        raise ModelFitError(f"The fit did not converge: {best.message}")
    if np.any(np.abs(best.x) >= _LOG_BOUND - 1.5):
        raise ModelFitError(
            "The fit did not converge: a parameter ran to the edge of its range "
            f"(log-parameters {np.round(best.x, 2).tolist()}); the purchase history does not "
            "identify the model.",
            "at_bound",
        )
    return best


def fit_bgnbd(
    summary: pd.DataFrame, *, min_repeat_customers: int = 10, start: BGNBDFit | None = None
) -> BGNBDFit:
    """Fit BG/NBD by maximum likelihood on ``frequency``, ``recency`` and ``T``.

    The optimiser works on log-parameters from several starting points and keeps
    the best (only from ``start`` when given: bootstrap refits). Raises
    :class:`ModelFitError` with fewer than ``min_repeat_customers`` customers with a
    repeat purchase or when it does not converge.
    """
    x, tx, big_t = _arrays(summary["frequency"], summary["recency"], summary["T"])
    repeaters = int((x > 0).sum())
    if repeaters < min_repeat_customers:
        raise ModelFitError(
            f"BG/NBD needs at least {min_repeat_customers} customers with a repeat purchase, "
            f"found {repeaters}.",
            "too_few_repeaters",
        )
    n = len(x)
    # Time is rescaled to a mean T of 1 while fitting (α scales with the time unit,
    # r, a, b do not), so the parameter bounds hold whatever the unit.
    scale = max(float(np.mean(big_t)), 1e-9)
    txs, ts = tx / scale, big_t / scale

    def neg_ll(theta: np.ndarray) -> float:
        r, alpha, a, b = np.exp(theta)
        value = -bgnbd_log_likelihood(r, alpha, a, b, x, txs, ts).sum() / n
        return float(value) if np.isfinite(value) else 1e100

    starts = [
        np.log([1.0, 1.0, 1.0, 1.0]),
        np.log([0.5, 0.1, 0.5, 2.0]),
        np.log([0.25, 0.1, 0.8, 2.5]),
        np.log([2.0, 2.0, 2.0, 10.0]),
    ]
    if start is not None:
        starts = [np.log([start.r, start.alpha / scale, start.a, start.b])]
    res = _fit(neg_ll, starts, 4)
    r, alpha, a, b = (float(v) for v in np.exp(res.x))
    alpha *= scale
    log_likelihood = float(bgnbd_log_likelihood(r, alpha, a, b, x, tx, big_t).sum())
    return BGNBDFit(r=r, alpha=alpha, a=a, b=b, log_likelihood=log_likelihood, n=n)


def _alive_odds(fit: BGNBDFit, x: np.ndarray, tx: np.ndarray, big_t: np.ndarray) -> np.ndarray:
    """1{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x): the odds of having dropped out."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_odds = (
            np.log(fit.a)
            - np.log(np.where(x > 0, fit.b + x - 1, 1.0))
            + (fit.r + x) * (np.log(fit.alpha + big_t) - np.log(fit.alpha + tx))
        )
        return np.where(x > 0, np.exp(log_odds), 0.0)


def probability_alive(fit: BGNBDFit, frequency, recency, T) -> np.ndarray:
    """P(alive | x, t_x, T) = 1 / (1 + 1{x>0} a/(b+x−1) ((α+T)/(α+t_x))^(r+x))."""
    x, tx, big_t = _arrays(frequency, recency, T)
    return 1.0 / (1.0 + _alive_odds(fit, x, tx, big_t))


def expected_purchases(fit: BGNBDFit, t, frequency, recency, T) -> np.ndarray:
    """Expected purchases in the next ``t`` periods, Fader, Hardie & Lee (2005) eq. 10.

    E[Y(t)] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z)]
              / (1 + 1{x>0} a/(b+x−1) ((α+T)/(α+t_x))^(r+x)),   z = t/(α+T+t).

    Evaluated with Euler's transformation ₂F₁(A, B; C; z) = (1−z)^(C−A−B) ₂F₁(C−A, C−B; C; z),
    which turns the bracket into 1 − (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; a+b+x−1; z): no overflow
    for customers with hundreds of purchases.
    """
    x, tx, big_t = _arrays(frequency, recency, T)
    t = np.asarray(t, dtype=float)
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    z = t / (alpha + big_t + t)
    with np.errstate(all="ignore"):
        hyp = _special().hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        bracket = 1.0 - (1.0 - z) ** (a - 1) * hyp
        numerator = (a + b + x - 1) / (a - 1) * bracket
        result = numerator / (1.0 + _alive_odds(fit, x, tx, big_t))
    return np.where(t > 0, result, 0.0)


# --- Gamma-Gamma ----------------------------------------------------------------------


def gamma_gamma_log_likelihood(p: float, q: float, v: float, frequency, monetary_value):
    """Per-customer log-likelihood of the mean value m of x purchases (Fader & Hardie 2013).

    f(m | x) = Γ(px+q)/(Γ(px)Γ(q)) · v^q m^(px−1) x^(px) / (v + m x)^(px+q).
    """
    x, m = _arrays(frequency, monetary_value)
    return (
        _special().gammaln(p * x + q)
        - _special().gammaln(p * x)
        - _special().gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(v + m * x)
    )


def fit_gamma_gamma(
    summary: pd.DataFrame, *, min_repeat_customers: int = 10, start: GammaGammaFit | None = None
) -> GammaGammaFit:
    """Fit Gamma-Gamma on ``frequency`` and ``monetary_value`` of customers with x > 0
    and a positive mean value. Raises :class:`ModelFitError` like :func:`fit_bgnbd`, and
    when q ≤ 1 (the expected value per purchase would not exist)."""
    x, m = _arrays(summary["frequency"], summary["monetary_value"])
    keep = (x > 0) & (m > 0) & np.isfinite(m)
    x, m = x[keep], m[keep]
    if len(x) < min_repeat_customers:
        raise ModelFitError(
            f"Gamma-Gamma needs at least {min_repeat_customers} customers with a repeat "
            f"purchase, found {len(x)}.",
            "too_few_repeaters",
        )
    n = len(x)
    # Values are rescaled to a mean of 1 while fitting (v scales with the currency
    # unit, p and q do not), so the parameter bounds hold whatever the amounts.
    scale = float(np.mean(m))
    ms = m / scale

    def neg_ll(theta: np.ndarray) -> float:
        p, q, v = np.exp(theta)
        value = -gamma_gamma_log_likelihood(p, q, v, x, ms).sum() / n
        return float(value) if np.isfinite(value) else 1e100

    starts = [
        np.log([1.0, 2.0, 1.0]),
        np.log([5.0, 3.0, 0.5]),
        np.log([0.5, 5.0, 4.0]),
    ]
    if start is not None:
        starts = [np.log([start.p, start.q, start.v / scale])]
    res = _fit(neg_ll, starts, 3)
    p, q, v = (float(val) for val in np.exp(res.x))
    v *= scale
    if q <= 1:
        raise ModelFitError(
            f"Gamma-Gamma fitted q = {q:.3g} ≤ 1: the expected value per purchase is undefined.",
            "at_bound",
        )
    log_likelihood = float(gamma_gamma_log_likelihood(p, q, v, x, m).sum())
    return GammaGammaFit(p=p, q=q, v=v, log_likelihood=log_likelihood, n=n)


def expected_average_value(gg_fit: GammaGammaFit, frequency, monetary_value) -> np.ndarray:
    """E[M | x, m_x] = (v + x m_x) p / (p x + q − 1): a weighted mean of the portfolio mean
    p v / (q − 1) and the customer's own mean m_x (the population mean when x = 0)."""
    x, m = _arrays(frequency, monetary_value)
    m = np.where(x > 0, m, 0.0)
    p, q, v = gg_fit.p, gg_fit.q, gg_fit.v
    return (v + x * m) * p / (p * x + q - 1)


def discounted_clv(
    bg_fit: BGNBDFit,
    gg_fit: GammaGammaFit,
    frequency,
    recency,
    T,
    monetary_value,
    horizon_periods: int,
    discount_rate_per_year: float,
    margin_rate,
    periods_per_year: float,
) -> np.ndarray:
    """CLV = Σ_{k=1..H} [E Y(k) − E Y(k−1)] · E[M] · margin_rate / (1 + d)^(k / periods_per_year).

    E Y(k) is :func:`expected_purchases` over the next k periods, E[M] is
    :func:`expected_average_value`; purchases in period k are discounted at the
    end of that period.
    """
    x, tx, big_t = _arrays(frequency, recency, T)
    steps = np.arange(0, int(horizon_periods) + 1, dtype=float)
    cumulative = expected_purchases(bg_fit, steps[None, :], x[:, None], tx[:, None], big_t[:, None])
    per_period = np.diff(cumulative, axis=1)
    discount = (1.0 + discount_rate_per_year) ** (-steps[1:] / periods_per_year)
    purchases = per_period @ discount
    value = expected_average_value(gg_fit, x, monetary_value)
    return purchases * value * np.asarray(margin_rate, dtype=float)


# --- From order lines -----------------------------------------------------------------


def run_starts(ids: pd.Series) -> np.ndarray:
    """Positions where a new id starts (the first row, and each row whose id differs from
    the one before); for Arrow text compared in Arrow, not as a Python string per row."""
    if len(ids) == 0:
        return np.zeros(0, dtype=np.int64)
    array = arrow_chunks(ids)
    if is_categorical(ids):  # the codes say it: one per distinct id
        codes = ids.cat.codes.to_numpy()
        differs = (codes[1:] != codes[:-1]) | (codes[1:] < 0)
    elif array is not None and pa.types.is_large_string(array.type):
        differs = pc.not_equal(array[1:], array[:-1]).fill_null(True)
        differs = differs.to_numpy(zero_copy_only=False)
    else:
        values = ids.to_numpy()
        differs = values[1:] != values[:-1]
    return np.flatnonzero(np.r_[True, differs])


def _rfm_from_daily(daily: pd.DataFrame, end: pd.Timestamp, period: str) -> pd.DataFrame:
    occasions = daily.loc[daily["net_amount"] > 0]
    columns = ["frequency", "recency", "T", "monetary_value"]
    if occasions.empty:
        return pd.DataFrame(columns=columns, dtype=float).rename_axis("account_id")
    days = occasions["order_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    net = occasions["net_amount"].to_numpy(float)
    # rows are sorted by account then date: each account is one contiguous run
    starts = run_starts(occasions["account_id"])
    stops = np.r_[starts[1:], len(occasions)] - 1
    counts = stops - starts + 1
    totals = np.add.reduceat(net, starts)
    unit = DAYS_PER_PERIOD[period]
    end_day = np.datetime64(end.date(), "D").astype(np.int64)
    frequency = (counts - 1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, (totals - net[starts]) / frequency, 0.0)
    out = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (days[stops] - days[starts]) / unit,
            "T": (end_day - days[starts]) / unit,
            "monetary_value": monetary,
        },
        index=pd.Index(occasions["account_id"].iloc[starts].to_numpy(), name="account_id"),
    )
    return out


def rfm_summary(order_lines: pd.DataFrame, as_of, period: str = "W") -> pd.DataFrame:
    """Frequency, recency, T and monetary value per account, from lines dated ≤ as_of.

    A purchase occasion is an order date whose lines of the account sum to a positive
    net amount. frequency = occasions − 1 (repeat purchases); recency = first to last
    occasion; T = first occasion to as_of (in ``period``: D, W or M); monetary_value =
    mean net amount of the repeat occasions (0 when frequency = 0). Accounts without
    any occasion are left out.
    """
    if period not in DAYS_PER_PERIOD:
        raise ValueError(f"period must be one of {', '.join(DAYS_PER_PERIOD)}, found {period!r}")
    end = as_timestamp(as_of)
    return _rfm_from_daily(daily_net(order_lines, end), end, period)


def _window_sums(daily: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Revenue and purchase occasions per account over start < date ≤ end."""
    inside = daily.loc[(daily["order_date"] > start) & (daily["order_date"] <= end)]
    net = inside["net_amount"]
    return (
        pd.DataFrame({"revenue": net, "occasions": (net > 0).astype(float)})
        .groupby(inside["account_id"].to_numpy())
        .sum()
    )


def _retention_from_daily(daily: pd.DataFrame, end: pd.Timestamp) -> float:
    now, before = ltm(end), prior_ltm(end)
    revenue_now = _window_sums(daily, now.start, now.end)["revenue"]
    revenue_before = _window_sums(daily, before.start, before.end)["revenue"]
    base = revenue_before.index[revenue_before > 0]
    if len(base) == 0 or not covers(daily["order_date"].min(), before):
        return float("nan")  # no buyers a year ago, or not the whole year known
    return float((revenue_now.reindex(base).fillna(0.0) > 0).mean())


def observed_retention(order_lines: pd.DataFrame, as_of) -> float:
    """Share of the accounts buying in the prior LTM (positive revenue) that also bought
    in the LTM; NaN when no account bought in the prior LTM or the data does not cover it
    (kamreport.analytics.coverage)."""
    end = as_timestamp(as_of)
    return _retention_from_daily(daily_net(order_lines, end), end)


def annuity_factor(retention: float, discount_rate: float, horizon_months: int) -> float:
    """Σ_{y=1..⌈H⌉} w_y · retention^(y−1) / (1+d)^y with H = horizon_months / 12 years and
    w_y = 1 for whole years, the remaining fraction for a last partial year."""
    years = horizon_months / 12
    total = 0.0
    for y in range(1, int(np.ceil(years)) + 1):
        weight = min(1.0, years - (y - 1))
        total += weight * retention ** (y - 1) / (1 + discount_rate) ** y
    return total


WEEKS_PER_YEAR = 365.25 / 7
MIN_EXPOSURE_DAYS = 91  # the rule annualises the orders of young accounts over at least a quarter


# --- Degenerate fits ------------------------------------------------------------------


def implied_yearly_dropout(fit: BGNBDFit, summary: pd.DataFrame, periods_per_year: float) -> float:
    """Share of a typical repeat buyer's relationships that the fit ends within a year:
    1 − B(a, b + n)/B(a, b) = 1 − E[(1 − p)^n], p ~ Beta(a, b), with n the median yearly
    purchase rate (frequency / T × periods_per_year) of the accounts with a repeat purchase."""
    x, big_t = _arrays(summary["frequency"], summary["T"])
    repeat = (x > 0) & (big_t > 0)
    if not repeat.any():
        return float("nan")
    n = float(np.median(x[repeat] / big_t[repeat])) * periods_per_year
    special = _special()
    return float(1.0 - np.exp(special.betaln(fit.a, fit.b + n) - special.betaln(fit.a, fit.b)))


def bgnbd_degeneracy(
    fit: BGNBDFit,
    summary: pd.DataFrame,
    *,
    min_yearly_dropout: float,
    periods_per_year: float = WEEKS_PER_YEAR,
) -> tuple[str, ...]:
    """Reason codes why a converged BG/NBD fit cannot be trusted (empty when it can).

    "at_bound": r, a, b or α (time rescaled to a mean T of 1, as fitted) beyond e^±9;
    "no_dropout": :func:`implied_yearly_dropout` below ``min_yearly_dropout`` — the fit
    says (almost) nobody ever stops buying, so P(alive) ≈ 1 whatever the order gap.
    """
    scale = max(float(np.mean(np.asarray(summary["T"], dtype=float))), 1e-9)
    logs = np.log([fit.r, fit.alpha / scale, fit.a, fit.b])
    reasons = []
    if np.any(np.abs(logs) >= _NEAR_BOUND):
        reasons.append("at_bound")
    dropout = implied_yearly_dropout(fit, summary, periods_per_year)
    if np.isfinite(dropout) and dropout < min_yearly_dropout:
        reasons.append("no_dropout")
    return tuple(reasons)


# --- The order-rhythm rule ------------------------------------------------------------


@dataclass(frozen=True)
class RhythmRule:
    """The order-gap limit of the rule, the same as the ORDER_GAP flag's (risk params):
    limit = max(factor × median interval between order dates of the last
    ``history_months``, ``min_days``); ``min_days`` alone without two such dates."""

    factor: float = 2.0
    min_days: int = 30
    history_months: int = 24


def order_rhythm(daily: pd.DataFrame, end: pd.Timestamp, rule: RhythmRule) -> pd.DataFrame:
    """Per account with a purchase occasion up to ``end``: days_since (last occasion),
    usual_days (median interval), limit_days, occasions_ltm, exposure_days (days of the LTM
    since the first occasion, at least :data:`MIN_EXPOSURE_DAYS`) and ltm_days.

    The accounts are numbered once (in id order) and every figure groups on the numbers:
    the same groups and order as grouping on the ids, without hashing them per figure."""
    used = daily.loc[(daily["net_amount"] > 0) & (daily["order_date"] <= end)]
    code, ids = pd.factorize(used["account_id"], sort=True)
    if (code < 0).any():  # a day without an account belongs to no account's rhythm
        used, code = used.loc[code >= 0], code[code >= 0]
    dates = used["order_date"]
    last = dates.groupby(code).max()
    first = dates.groupby(code).min()
    start = end - pd.DateOffset(months=rule.history_months)
    recent = (dates > start).to_numpy()
    gaps = dates[recent].groupby(code[recent]).diff().dt.days
    usual = gaps.groupby(code[recent]).median().reindex(last.index)
    limit = (usual * rule.factor).clip(lower=rule.min_days).fillna(float(rule.min_days))
    window = ltm(end)
    ltm_days = float((window.end - window.start).days)
    in_ltm = (dates > window.start).to_numpy()
    occasions = dates[in_ltm].groupby(code[in_ltm]).size().reindex(last.index, fill_value=0)
    exposure = ((end - first).dt.days.astype(float) + 1).clip(MIN_EXPOSURE_DAYS, ltm_days)
    out = pd.DataFrame(
        {
            "days_since": (end - last).dt.days.astype(float),
            "usual_days": usual.astype(float),
            "limit_days": limit.astype(float),
            "occasions_ltm": occasions.astype(float),
            "exposure_days": exposure,
            "ltm_days": ltm_days,
        }
    )
    # labelled as grouping on the ids labels them (a list infers the text dtype as it does)
    labels = list(ids[last.index.to_numpy()])
    dtype = None if labels else TEXT_DTYPE  # none: an empty index of text all the same
    out.index = pd.Index(labels, dtype=dtype, name="account_id")
    return out


def rhythm_rule(rhythm: pd.DataFrame) -> pd.DataFrame:
    """The rule's P(alive) and expected orders in the next twelve months.

    p_alive = min(1, limit_days / days_since): 1 while the gap is within the ORDER_GAP
    limit, below 1 exactly when ORDER_GAP is raised, below ½ exactly when it is high
    (for accounts with enough order days to have a usual interval; the flags are not
    raised for the others, risk.min_orders_for_interval).
    expected_orders_12m = p_alive × occasions_ltm × ltm_days / exposure_days (the LTM's
    orders, annualised for accounts younger than a year). ``annual_factor`` is
    ltm_days / exposure_days, used for the margin the same way.
    """
    since = rhythm["days_since"].to_numpy(float)
    limit = rhythm["limit_days"].to_numpy(float)
    with np.errstate(divide="ignore"):
        p_alive = np.where(since > limit, limit / np.maximum(since, 1e-9), 1.0)
    annual = rhythm["ltm_days"].to_numpy(float) / rhythm["exposure_days"].to_numpy(float)
    return pd.DataFrame(
        {
            "p_alive": p_alive,
            "expected_orders_12m": p_alive * rhythm["occasions_ltm"].to_numpy(float) * annual,
            "annual_factor": annual,
        },
        index=rhythm.index,
    )


# --- Lifetime value -------------------------------------------------------------------


def _quantiles(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    tail = (1 - level) / 2
    return np.quantile(draws, tail, axis=0), np.quantile(draws, 1 - tail, axis=0)


def _bootstrap_retention(
    base_kept: np.ndarray, resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """Observed retention of ``resamples`` resamples (with replacement) of the base accounts."""
    picks = rng.integers(0, len(base_kept), size=(resamples, len(base_kept)))
    return base_kept[picks].mean(axis=1)


def _bootstrap_model_clv(
    summary: pd.DataFrame,
    bg: BGNBDFit,
    gg: GammaGammaFit,
    model: np.ndarray,
    args: tuple,
    *,
    resamples: int,
    rng: np.random.Generator,
    min_repeat_customers: int,
) -> np.ndarray:
    """CLV of the model accounts under fits to ``resamples`` resamples of the accounts
    (each refit starts from the point estimate; a resample whose fit fails is skipped)."""
    x, tx, big_t, m, horizon, discount, rate = args
    draws = []
    for _ in range(resamples):
        sample = summary.iloc[rng.integers(0, len(summary), size=len(summary))]
        try:
            bg_b = fit_bgnbd(sample, min_repeat_customers=min_repeat_customers, start=bg)
            gg_b = fit_gamma_gamma(sample, min_repeat_customers=min_repeat_customers, start=gg)
        except ModelFitError:
            continue
        clv = discounted_clv(
            bg_b, gg_b, x[model], tx[model], big_t[model], m[model], horizon,
            discount, rate[model], WEEKS_PER_YEAR,
        )  # fmt: skip
        draws.append(clv)
    return np.asarray(draws)


def account_clv(
    order_lines: pd.DataFrame,
    as_of: dt.date | pd.Timestamp,
    *,
    margin_rate: pd.Series | float,
    horizon_months: int = 36,
    discount_rate: float = 0.10,
    min_repeat_customers: int = 20,
    fallback_retention: float | None = None,
    default_retention: float = 0.8,
    rule: RhythmRule | None = None,
    min_yearly_dropout: float = 0.01,
    model_earned: bool = True,
    earned_reason: str = "",
    interval_level: float = 0.9,
    interval_resamples: int = 20,
    seed: int = 13,
    daily: pd.DataFrame | None = None,
) -> ClvResult:
    """Lifetime value of every account with order lines up to ``as_of``.

    Fits BG/NBD and Gamma-Gamma on the whole portfolio (time unit: weeks). The model
    is used — method "bgnbd+gg" for accounts with a repeat purchase — only when both
    fits converge, the BG/NBD fit is not degenerate (:func:`bgnbd_degeneracy`) and
    ``model_earned`` (the caller's back-test verdict; ``earned_reason`` says why not).
    Every other account, and every account when the model is not used, gets method
    "rule": P(alive) and expected orders from :func:`rhythm_rule`, expected_margin_12m =
    p_alive × annualised LTM gross margin, clv = expected_margin_12m ×
    :func:`annuity_factor` (retention = ``fallback_retention``, else the observed yearly
    retention, else ``default_retention``). clv_low/clv_high: the ``interval_level``
    bootstrap interval over ``interval_resamples`` resamples of the accounts (seeded).
    ``margin_rate`` is a float or a Series by account_id (missing: the Series' mean).
    ``daily`` is :func:`daily_net` of ``order_lines`` as of ``as_of`` when the caller has
    it already.
    """
    rule = rule if rule is not None else RhythmRule()
    end = as_timestamp(as_of)
    daily = daily_net(order_lines, end) if daily is None else daily
    accounts = pd.Index(pd.unique(daily["account_id"]), name="account_id")
    summary = _rfm_from_daily(daily, end, "W").reindex(accounts)
    no_occasion = summary["frequency"].isna().to_numpy()
    summary = summary.fillna({"frequency": 0.0, "recency": 0.0, "monetary_value": 0.0})
    if isinstance(margin_rate, pd.Series):
        rate = margin_rate.reindex(accounts).fillna(margin_rate.mean()).to_numpy(float)
    else:
        rate = np.full(len(accounts), float(margin_rate))
    rng = np.random.default_rng(seed)
    now, before = ltm(end), prior_ltm(end)
    in_ltm = _window_sums(daily, now.start, now.end).reindex(accounts, fill_value=0.0)
    revenue_before = _window_sums(daily, before.start, before.end)["revenue"]
    base = revenue_before.index[revenue_before > 0]
    if not covers(data_start(order_lines), before):  # a part of a year: no observed retention
        base = base[:0]
    base_kept = (in_ltm["revenue"].reindex(base).fillna(0.0) > 0).to_numpy(float)
    retention = fallback_retention
    retention_draws = np.full(interval_resamples, np.nan)
    if retention is None and len(base):
        retention = float(base_kept.mean())
        retention_draws = _bootstrap_retention(base_kept, interval_resamples, rng)
    if retention is None:
        retention = default_retention
    retention_draws = np.where(np.isnan(retention_draws), retention, retention_draws)

    rhythm = order_rhythm(daily, end, rule)
    ruled = rhythm_rule(rhythm).reindex(accounts)
    p_rule = ruled["p_alive"].fillna(0.0).to_numpy(float)
    annual = ruled["annual_factor"].fillna(1.0).to_numpy(float)
    margin_ltm = in_ltm["revenue"].to_numpy(float) * rate
    first_year = p_rule * margin_ltm * annual
    factor = annuity_factor(retention, discount_rate, horizon_months)
    factors = np.array([annuity_factor(r, discount_rate, horizon_months) for r in retention_draws])
    low_factor, high_factor = _quantiles(factors[:, None], interval_level)

    out = summary.copy()
    out["margin_rate"] = rate
    out["p_alive"] = np.where(no_occasion, np.nan, p_rule)
    out["expected_orders_12m"] = ruled["expected_orders_12m"].fillna(0.0).to_numpy(float)
    out["expected_margin_12m"] = first_year
    out["clv"] = first_year * factor
    out["clv_low"] = np.minimum(first_year * low_factor[0], first_year * high_factor[0])
    out["clv_high"] = np.maximum(first_year * low_factor[0], first_year * high_factor[0])
    out["method"] = "rule"

    reasons: list[str] = []
    messages: list[str] = []
    bg = gg = None
    try:
        bg = fit_bgnbd(summary.loc[~no_occasion], min_repeat_customers=min_repeat_customers)
        gg = fit_gamma_gamma(summary.loc[~no_occasion], min_repeat_customers=min_repeat_customers)
    except ModelFitError as exc:
        reasons.append(exc.reason)
        messages.append(f"The lifetime-value model could not be fitted: {exc}")
    if bg is not None:
        reasons.extend(
            bgnbd_degeneracy(bg, summary.loc[~no_occasion], min_yearly_dropout=min_yearly_dropout)
        )
    if not reasons and not model_earned:
        reasons.append(earned_reason or "backtest_not_better")
    x, tx, big_t, m = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T",
                                                            "monetary_value"))  # fmt: skip
    if bg is not None and gg is not None and not reasons:
        model = (x > 0) & ~no_occasion
        orders_12m = expected_purchases(bg, WEEKS_PER_YEAR, x, tx, big_t)
        value = expected_average_value(gg, x, m)
        horizon_weeks = round(horizon_months * WEEKS_PER_YEAR / 12)
        args = (x, tx, big_t, m, horizon_weeks, discount_rate, rate)
        clv = discounted_clv(
            bg, gg, x[model], tx[model], big_t[model], m[model], horizon_weeks,
            discount_rate, rate[model], WEEKS_PER_YEAR,
        )  # fmt: skip
        out.loc[model, "p_alive"] = probability_alive(bg, x, tx, big_t)[model]
        out.loc[model, "expected_orders_12m"] = orders_12m[model]
        out.loc[model, "expected_margin_12m"] = orders_12m[model] * value[model] * rate[model]
        out.loc[model, "clv"] = clv
        draws = _bootstrap_model_clv(
            summary.loc[~no_occasion], bg, gg, model, args, resamples=interval_resamples,
            rng=rng, min_repeat_customers=min_repeat_customers,
        )  # fmt: skip
        if len(draws) >= 2:
            low, high = _quantiles(draws, interval_level)
            out.loc[model, "clv_low"] = np.minimum(low, clv)
            out.loc[model, "clv_high"] = np.maximum(high, clv)
        else:
            out.loc[model, "clv_low"] = np.nan
            out.loc[model, "clv_high"] = np.nan
        out.loc[model, "method"] = "bgnbd+gg"
        n_rule = int((~model).sum())
        if n_rule:
            messages.append(
                f"{n_rule} account(s) without a repeat purchase use the order-rhythm rule."
            )
    else:
        messages.append(
            "Lifetime value uses the order-rhythm rule for every account ("
            + ", ".join(reasons)
            + ")."
        )
    return ClvResult(
        accounts=out,
        bgnbd=bg,
        gamma_gamma=gg,
        retention=float(retention),
        message=" ".join(messages),
        reasons=tuple(reasons),
    )
