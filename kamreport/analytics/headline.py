"""The portfolio headline: revenue and gross margin, LTM against the prior LTM, and the
accounts behind their change (docs/metrics.md, "Portfolio", summary).

:func:`headline_kpis` is also what the portfolio email shows, so the headline and the
email quote one number per concept. When the data does not reach back over the whole
prior LTM, every change is n/a rather than a comparison with a part of a year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.coverage import covers, data_start
from kamreport.analytics.periods import as_timestamp, prior_ltm, up_to
from kamreport.analytics.sales import KpiBlock, ltm_kpis, margin_by_account, without_prior
from kamreport.dataset import Dataset

MOVERS = 2  # accounts the headline names behind the change of revenue and of gross margin


@dataclass(frozen=True)
class Headline:
    """Portfolio revenue and gross margin, LTM against the prior LTM, and the accounts
    behind the change. ``kpis`` is :func:`headline_kpis`, which the email shows too."""

    kpis: KpiBlock
    prior_covered: bool  # False: the data starts after the prior LTM began, no change
    data_start: dt.date | None  # the first order line's date
    revenue_movers: pd.Series  # account_id → LTM − prior-LTM revenue (see :func:`movers`)
    margin_movers: pd.Series  # account_id → LTM − prior-LTM gross margin


def prior_covered(lines: pd.DataFrame, as_of: dt.date | pd.Timestamp) -> bool:
    """Whether the data covers the prior LTM (:func:`kamreport.analytics.coverage.covers`);
    False without any order line (nothing to compare)."""
    return not lines.empty and covers(data_start(lines), prior_ltm(as_timestamp(as_of)))


def headline_kpis(lines: pd.DataFrame, as_of: dt.date | pd.Timestamp) -> KpiBlock:
    """The portfolio's LTM figures against the prior LTM (``sales.ltm_kpis`` over all
    order lines), the prior blanked — so every change reads n/a — when the data does
    not cover the prior LTM."""
    block = ltm_kpis(lines, as_of)
    return block if prior_covered(lines, as_of) else without_prior(block)


def movers(current: pd.Series, prior: pd.Series, total_change: float | None) -> pd.Series:
    """The accounts behind a change: change = current − prior per account with both,
    those moving the same way as the total, largest first (ties by account id), at most
    :data:`MOVERS`; empty when the total did not change or is unknown."""
    if total_change is None or not np.isfinite(total_change) or total_change == 0:
        return pd.Series(dtype=float)
    change = (current.astype(float) - prior.astype(float)).dropna()
    change = change[np.sign(change) == np.sign(total_change)]
    order = np.lexsort((change.index.astype(str), -change.abs().to_numpy()))
    return change.iloc[order[:MOVERS]]


def portfolio_headline(dataset: Dataset, end: pd.Timestamp, values: pd.DataFrame) -> Headline:
    """Revenue and gross margin of the portfolio and the accounts behind their change."""
    lines = up_to(dataset.order_lines, end)
    kpis = headline_kpis(lines, end)
    covered = prior_covered(lines, end)
    empty = pd.Series(dtype=float)
    revenue_movers = margin_movers = empty
    if covered:
        revenue_movers = movers(values["revenue_ltm"], values["revenue_prior_ltm"],
                                kpis.revenue.change)  # fmt: skip
        prior_margin = margin_by_account(lines, prior_ltm(end))
        if prior_margin is not None:
            margin_movers = movers(
                values["gross_margin_ltm"], prior_margin.reindex(values.index),
                kpis.gross_margin.change,
            )  # fmt: skip
    first = lines["order_date"].min() if len(lines) else None
    return Headline(
        kpis=kpis,
        prior_covered=covered,
        data_start=first.date() if first is not None else None,
        revenue_movers=revenue_movers,
        margin_movers=margin_movers,
    )


__all__ = ["MOVERS", "Headline", "headline_kpis", "movers", "portfolio_headline", "prior_covered"]
