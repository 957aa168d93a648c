"""The score follows the flags: on the sample, the risk criterion is computed from the
very flags the report shows, and more or worse flags never mean more risk points."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kamreport.analytics.risk import risk_flags
from kamreport.analytics.valuation import Valuation, value_portfolio
from kamreport.dataset import Dataset
from kamreport.params import Params
from kamreport.sample.stories import PLANTED

AS_OF = dt.date(2026, 9, 30)


@pytest.fixture(scope="module")
def valuation(sample_tables) -> Valuation:
    params = Params()
    dataset = Dataset(tables=sample_tables, currency="CNY")
    return value_portfolio(dataset, AS_OF, params.scoring, params.clv, params.risk)


def _load(flags: pd.DataFrame, accounts: pd.Index) -> pd.Series:
    """Σ severity weight recomputed from the flags (high 1, medium 0.5), independently;
    PRICE_BUYING restates the discount and breadth signs and is not counted again."""
    flags = flags.loc[flags["code"] != "PRICE_BUYING"]
    weight = flags["severity"].map({"high": 1.0, "medium": 0.5})
    return weight.groupby(flags["account_id"]).sum().reindex(accounts, fill_value=0.0)


def test_the_score_reads_the_flags_the_report_shows(sample_tables, valuation):
    params = Params()
    dataset = Dataset(tables=sample_tables, currency="CNY")
    shown = risk_flags(dataset, AS_OF, params.risk, valuation.accounts)
    pd.testing.assert_frame_equal(shown, valuation.flags)
    values = valuation.accounts
    load = _load(shown, values.index)
    pd.testing.assert_series_equal(
        values["risk_flag_load"], load, check_names=False, check_dtype=False
    )
    expected = 100 * params.scoring.weights["risk"] * (1 - load.clip(upper=2.0) / 2.0)
    pd.testing.assert_series_equal(
        values["contrib_risk"], expected, check_names=False, check_dtype=False
    )


def test_more_weighted_flags_never_mean_more_risk_points(valuation):
    values = valuation.accounts
    load = _load(valuation.flags, values.index)
    points = values["contrib_risk"]
    order = load.sort_values(kind="stable").index
    ranked = points.reindex(order)
    assert ranked.is_monotonic_decreasing or (ranked.diff().dropna() <= 1e-9).all()
    clean = points[load == 0]
    assert clean.to_numpy() == pytest.approx(100 * Params().scoring.weights["risk"])
    high = valuation.flags.loc[valuation.flags["severity"] == "high", "account_id"].unique()
    assert points[high].max() < clean.min()


@pytest.mark.parametrize("account_id", PLANTED["churning"])
def test_churning_accounts_get_no_risk_points(valuation, account_id):
    own = valuation.flags.loc[valuation.flags["account_id"] == account_id]
    assert (own["severity"] == "high").sum() >= 2
    assert valuation.accounts.at[account_id, "contrib_risk"] == 0.0


@pytest.mark.parametrize("account_id", PLANTED["healthy"])
def test_healthy_accounts_keep_their_risk_points(valuation, account_id):
    assert valuation.accounts.at[account_id, "contrib_risk"] == pytest.approx(10.0)
