"""The portfolio-wide figures: computed once per data, parameters and as-of date, read by all.

Every output that shows an account's value, tier, lifetime value, risk flags or
metrics — the account review, ``kamreport metrics``, the portfolio report and
its accounts.csv, the emails, the workshop and the batch index — reads them from
one :class:`PortfolioFigures`, so one concept shows one number everywhere. The
run context stores them on disk keyed by :func:`kamreport.cache.figures_key` and
reuses them while the data and the parameters that shape them are unchanged.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.daily import daily_sums
from kamreport.analytics.duplicates import likely_duplicates
from kamreport.analytics.mix import category_revenue
from kamreport.analytics.risk import flags_without_values, shared_figures
from kamreport.analytics.valuation import Valuation, clv_check, value_portfolio
from kamreport.dataset import Dataset
from kamreport.metrics import account_metrics, orders_and_receivables
from kamreport.params import Params


@dataclass(frozen=True)
class PortfolioFigures:
    """Value layer (score, tier, ABC, lifetime value), risk flags, the metrics table, and
    the tables every review compares its account with (duplicates, category revenue)."""

    as_of: dt.date
    valuation: Valuation
    flags: pd.DataFrame  # kamreport.analytics.risk.risk_flags
    metrics: pd.DataFrame  # kamreport.metrics.account_metrics, one row per account
    duplicates: pd.DataFrame  # kamreport.analytics.duplicates.likely_duplicates
    by_category: pd.DataFrame  # kamreport.analytics.mix.category_revenue

    @property
    def values(self) -> pd.DataFrame:
        """One row per account (index account_id): see valuation.value_accounts."""
        return self.valuation.accounts

    def account_flags(self, account_id: str) -> pd.DataFrame:
        return self.flags.loc[self.flags["account_id"] == account_id].reset_index(drop=True)


def compute_figures(dataset: Dataset, as_of: dt.date, params: Params) -> PortfolioFigures:
    """Every portfolio-wide figure as of ``as_of`` (pure: no I/O).

    The figures that do not depend on each other are computed at the same time in a
    helper thread (the heavy work runs in numpy, pandas and Arrow, which let go of
    the interpreter lock), while this thread computes the value layer and the
    metrics table that need them. One helper, not more: with two the temporaries of
    three threads meet (0.25 GB more at the peak at 10M lines) for no time saved on
    two cores.
    Each figure is computed once, by the same function as without threads, so the
    figures are the same.
    """
    helpers = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kamreport-figures")
    try:
        # The helper's work in the order this thread needs it; this thread meanwhile sums
        # the order days (which the back-test reads) and computes the LTM orders and
        # receivables, so that neither thread waits long for the other.
        shared = helpers.submit(shared_figures, dataset, as_of, params.risk)
        sums = daily_sums(dataset.order_lines, as_of)
        checked = helpers.submit(clv_check, dataset, as_of, params.clv, params.risk, sums)
        flags_but_p_alive = helpers.submit(
            lambda: flags_without_values(dataset, as_of, params.risk, shared.result(), sums)
        )
        duplicates = helpers.submit(
            likely_duplicates, dataset.accounts, params.portfolio.duplicate_similarity
        )
        by_category = helpers.submit(
            category_revenue, dataset.order_lines, dataset.get("products"), as_of
        )
        orders_receivables = orders_and_receivables(dataset, as_of)
        valuation = value_portfolio(
            dataset, as_of, params.scoring, params.clv, params.risk,
            shared=shared.result, daily=sums, checked=checked.result,
            flags_so_far=flags_but_p_alive.result,
        )  # fmt: skip
        flags = valuation.flags  # the flags the score's risk criterion was computed from
        metrics = account_metrics(
            dataset, as_of, params, values=valuation.accounts, flags=flags,
            shared=shared.result(), orders_receivables=orders_receivables,
        )  # fmt: skip
        return PortfolioFigures(
            as_of=as_of,
            valuation=valuation,
            flags=flags,
            metrics=metrics,
            duplicates=duplicates.result(),
            by_category=by_category.result(),
        )
    finally:  # on an error (or an interruption) here, the queued figures are not started
        helpers.shutdown(wait=True, cancel_futures=True)
