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
rate, discounted. When the models cannot be fitted a simple documented
fallback is used instead, and the result says which accounts used it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kamreport.analytics.periods import as_timestamp, ltm, prior_ltm
from kamreport.errors import KamReportError

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


class ModelFitError(KamReportError):
    """A lifetime-value model cannot be fitted to the data."""


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
    expected_margin_12m, clv, method ("bgnbd+gg" or "fallback").
    """

    accounts: pd.DataFrame
    bgnbd: BGNBDFit | None
    gamma_gamma: GammaGammaFit | None
    retention: float
    message: str

    @property
    def fallback_accounts(self) -> tuple[str, ...]:
        return tuple(self.accounts.index[self.accounts["method"] == "fallback"])


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
    ln_a1 = _special().gammaln(r + x) - _special().gammaln(r) + r * np.log(alpha)
    ln_a2 = _special().betaln(a, b + x) - _special().betaln(a, b)
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
            "identify the model."
        )
    return best


def fit_bgnbd(summary: pd.DataFrame, *, min_repeat_customers: int = 10) -> BGNBDFit:
    """Fit BG/NBD by maximum likelihood on ``frequency``, ``recency`` and ``T``.

    The optimiser works on log-parameters from several starting points and keeps
    the best. Raises :class:`ModelFitError` with fewer than
    ``min_repeat_customers`` customers with a repeat purchase or when it does not
    converge.
    """
    x, tx, big_t = _arrays(summary["frequency"], summary["recency"], summary["T"])
    repeaters = int((x > 0).sum())
    if repeaters < min_repeat_customers:
        raise ModelFitError(
            f"BG/NBD needs at least {min_repeat_customers} customers with a repeat purchase, "
            f"found {repeaters}."
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


def fit_gamma_gamma(summary: pd.DataFrame, *, min_repeat_customers: int = 10) -> GammaGammaFit:
    """Fit Gamma-Gamma on ``frequency`` and ``monetary_value`` of customers with x > 0
    and a positive mean value. Raises :class:`ModelFitError` like :func:`fit_bgnbd`, and
    when q ≤ 1 (the expected value per purchase would not exist)."""
    x, m = _arrays(summary["frequency"], summary["monetary_value"])
    keep = (x > 0) & (m > 0) & np.isfinite(m)
    x, m = x[keep], m[keep]
    if len(x) < min_repeat_customers:
        raise ModelFitError(
            f"Gamma-Gamma needs at least {min_repeat_customers} customers with a repeat "
            f"purchase, found {len(x)}."
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
    res = _fit(neg_ll, starts, 3)
    p, q, v = (float(val) for val in np.exp(res.x))
    v *= scale
    if q <= 1:
        raise ModelFitError(
            f"Gamma-Gamma fitted q = {q:.3g} ≤ 1: the expected value per purchase is undefined."
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


def daily_net(order_lines: pd.DataFrame, as_of) -> pd.DataFrame:
    """Net amount per account and order date, from the lines dated ≤ as_of.

    Columns account_id, order_date, net_amount; sorted by account and date. Grouped
    with integer keys and ``np.bincount`` so ten million lines stay quick.
    """
    end = as_timestamp(as_of)
    keep = (order_lines["order_date"] <= end).to_numpy()
    columns = ["account_id", "order_date", "net_amount"]
    if not keep.any():
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            columns, ("object", "datetime64[ns]", "float"), strict=True)})  # fmt: skip
    codes, accounts = pd.factorize(order_lines["account_id"], sort=True)  # in Arrow
    codes = codes[keep]
    days = order_lines["order_date"].to_numpy()[keep].astype("datetime64[D]").astype(np.int64)
    first_day = days.min()
    span = int(days.max() - first_day) + 1
    key = codes.astype(np.int64) * span + (days - first_day)
    inverse, unique_keys = pd.factorize(key, sort=True)
    net = np.bincount(inverse, weights=order_lines["net_amount"].to_numpy(float)[keep])
    return pd.DataFrame(
        {
            "account_id": np.asarray(accounts)[unique_keys // span],
            "order_date": (unique_keys % span + first_day)
            .astype("datetime64[D]")
            .astype("datetime64[ns]"),
            "net_amount": net,
        }
    )


def _rfm_from_daily(daily: pd.DataFrame, end: pd.Timestamp, period: str) -> pd.DataFrame:
    occasions = daily.loc[daily["net_amount"] > 0]
    columns = ["frequency", "recency", "T", "monetary_value"]
    if occasions.empty:
        return pd.DataFrame(columns=columns, dtype=float).rename_axis("account_id")
    ids = occasions["account_id"].to_numpy()
    days = occasions["order_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    net = occasions["net_amount"].to_numpy(float)
    # rows are sorted by account then date: each account is one contiguous run
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    stops = np.r_[starts[1:], len(ids)] - 1
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
        index=pd.Index(ids[starts], name="account_id"),
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
    if len(base) == 0:
        return float("nan")
    return float((revenue_now.reindex(base).fillna(0.0) > 0).mean())


def observed_retention(order_lines: pd.DataFrame, as_of) -> float:
    """Share of the accounts buying in the prior LTM (positive revenue) that also bought
    in the LTM; NaN when no account bought in the prior LTM."""
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
) -> ClvResult:
    """Lifetime value of every account with order lines up to ``as_of``.

    Fits BG/NBD and Gamma-Gamma on the whole portfolio (time unit: weeks). Accounts
    with a repeat purchase get method "bgnbd+gg". The fallback is used for every
    account when a model cannot be fitted, and for the value of accounts without a
    repeat purchase: expected_margin_12m = LTM gross margin × retention, clv = LTM
    gross margin × :func:`annuity_factor`, with LTM gross margin = LTM revenue ×
    margin rate and retention = ``fallback_retention``, else the portfolio's observed
    yearly retention, else ``default_retention``. ``margin_rate`` is a float or a
    Series by account_id (missing accounts get the Series' mean).
    """
    end = as_timestamp(as_of)
    daily = daily_net(order_lines, end)
    accounts = pd.Index(pd.unique(daily["account_id"]), name="account_id")
    summary = _rfm_from_daily(daily, end, "W").reindex(accounts)
    no_occasion = summary["frequency"].isna().to_numpy()
    summary = summary.fillna({"frequency": 0.0, "recency": 0.0, "monetary_value": 0.0})
    if isinstance(margin_rate, pd.Series):
        rate = margin_rate.reindex(accounts).fillna(margin_rate.mean()).to_numpy(float)
    else:
        rate = np.full(len(accounts), float(margin_rate))
    retention = fallback_retention
    if retention is None:
        retention = _retention_from_daily(daily, end)
        if not np.isfinite(retention):
            retention = default_retention
    window = ltm(end)
    in_ltm = _window_sums(daily, window.start, window.end).reindex(accounts, fill_value=0.0)
    margin_ltm = in_ltm["revenue"].to_numpy(float) * rate

    out = summary.copy()
    out["margin_rate"] = rate
    out["p_alive"] = np.nan
    out["expected_orders_12m"] = in_ltm["occasions"].to_numpy(float) * retention
    out["expected_margin_12m"] = margin_ltm * retention
    out["clv"] = margin_ltm * annuity_factor(retention, discount_rate, horizon_months)
    out["method"] = "fallback"

    messages: list[str] = []
    bg = gg = None
    try:
        bg = fit_bgnbd(summary.loc[~no_occasion], min_repeat_customers=min_repeat_customers)
        gg = fit_gamma_gamma(summary.loc[~no_occasion], min_repeat_customers=min_repeat_customers)
    except ModelFitError as exc:
        messages.append(f"Lifetime value uses the fallback for every account: {exc}")
    x, tx, big_t, m = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T",
                                                            "monetary_value"))  # fmt: skip
    if bg is not None:
        orders_12m = expected_purchases(bg, WEEKS_PER_YEAR, x, tx, big_t)
        out["p_alive"] = np.where(no_occasion, np.nan, probability_alive(bg, x, tx, big_t))
        out["expected_orders_12m"] = np.where(no_occasion, 0.0, orders_12m)
    if bg is not None and gg is not None:
        model = (x > 0) & ~no_occasion
        value = expected_average_value(gg, x, m)
        horizon_weeks = round(horizon_months * WEEKS_PER_YEAR / 12)
        clv = discounted_clv(
            bg, gg, x[model], tx[model], big_t[model], m[model], horizon_weeks,
            discount_rate, rate[model], WEEKS_PER_YEAR,
        )  # fmt: skip
        out.loc[model, "expected_margin_12m"] = orders_12m[model] * value[model] * rate[model]
        out.loc[model, "clv"] = clv
        out.loc[model, "method"] = "bgnbd+gg"
        n_fallback = int((~model).sum())
        if n_fallback:
            messages.append(
                f"{n_fallback} account(s) without a repeat purchase use the fallback "
                "for their value."
            )
    return ClvResult(
        accounts=out,
        bgnbd=bg,
        gamma_gamma=gg,
        retention=float(retention),
        message=" ".join(messages),
    )
