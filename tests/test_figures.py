"""The portfolio-wide figures computed in helper threads equal the same functions run one
after the other, and an error in a helper reaches the caller."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kamreport import figures as figures_module
from kamreport.analytics.duplicates import likely_duplicates
from kamreport.analytics.mix import category_revenue
from kamreport.analytics.valuation import value_portfolio
from kamreport.dataset import Dataset
from kamreport.figures import compute_figures
from kamreport.metrics import account_metrics
from kamreport.params import Params

AS_OF = dt.date(2026, 9, 30)


@pytest.fixture(scope="module")
def dataset(sample_tables) -> Dataset:
    return Dataset(sample_tables, currency="CNY")


def test_figures_in_threads_equal_the_figures_one_after_the_other(dataset):
    params = Params()
    together = compute_figures(dataset, AS_OF, params)
    valuation = value_portfolio(dataset, AS_OF, params.scoring, params.clv, params.risk)
    metrics = account_metrics(
        dataset, AS_OF, params, values=valuation.accounts, flags=valuation.flags
    )
    pd.testing.assert_frame_equal(together.values, valuation.accounts)
    pd.testing.assert_frame_equal(together.flags, valuation.flags)
    pd.testing.assert_frame_equal(together.metrics, metrics)
    pd.testing.assert_frame_equal(
        together.duplicates,
        likely_duplicates(dataset.accounts, params.portfolio.duplicate_similarity),
    )
    pd.testing.assert_frame_equal(
        together.by_category,
        category_revenue(dataset.order_lines, dataset.get("products"), AS_OF),
    )
    assert together.valuation.clv_choice == valuation.clv_choice


def test_an_error_in_a_helper_thread_reaches_the_caller(dataset, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("category revenue failed")

    monkeypatch.setattr(figures_module, "category_revenue", broken)
    with pytest.raises(RuntimeError, match="category revenue failed"):
        compute_figures(dataset, AS_OF, Params())
