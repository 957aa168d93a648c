"""The benchmark's independent Polars floor computes the same core metrics as kamreport.

bench/floor.py shares no code with kamreport; on a generated dataset (costs, credit
notes, lines on both sides of the windows) both must agree on every account.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math

import pandas as pd
import pytest

from kamreport.dataset import Dataset
from kamreport.metrics import account_metrics
from kamreport.params import Params
from kamreport.sample import generate_sample
from tests.conftest import ROOT

pl = pytest.importorskip("polars")

AS_OF = dt.date(2026, 9, 30)


def load_floor():
    spec = importlib.util.spec_from_file_location("bench_floor", ROOT / "bench" / "floor.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def floor():
    return load_floor()


@pytest.fixture(scope="module")
def tables():
    tables = generate_sample(seed=7, n_accounts=300, target_lines=40_000)
    lines = tables["order_lines"].copy()
    # a line without its cost: that account's gross margin is unknown
    lines.loc[lines.index[lines["order_date"] > pd.Timestamp("2026-01-01")][0], "cost_amount"] = (
        None
    )
    tables["order_lines"] = lines
    return tables


def test_months_before_clamps_to_month_end(floor):
    assert floor.months_before(dt.date(2026, 9, 30), 12) == dt.date(2025, 9, 30)
    assert floor.months_before(dt.date(2024, 2, 29), 12) == dt.date(2023, 2, 28)
    assert floor.months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)


def test_floor_finds_basic_problems(floor):
    accounts = pl.DataFrame({"account_id": ["A", "B"]})
    lines = pl.DataFrame(
        {
            "order_id": ["o1", "o1", "o2"], "line_no": [1, 1, 1], "account_id": ["A", "A", "C"],
            "order_date": [dt.date(2026, 1, 1)] * 3, "net_amount": [1.0, None, 2.0],
        }
    )  # fmt: skip
    problems = floor.check(lines, accounts)
    assert "1 empty net_amount" in problems
    assert "1 lines of unknown accounts" in problems
    assert "2 repeated order lines" in problems


def test_floor_and_kamreport_agree_on_the_core_metrics(floor, tables):
    ours = account_metrics(Dataset(tables, currency="CNY"), AS_OF, Params()).set_index("account_id")
    theirs = floor.core_metrics(
        pl.from_pandas(tables["order_lines"]), pl.from_pandas(tables["accounts"][["account_id"]]),
        AS_OF,
    ).to_pandas().set_index("account_id")  # fmt: skip
    assert sorted(ours.index) == sorted(theirs.index)
    theirs = theirs.reindex(ours.index)
    assert ours["gross_margin_ltm"].isna().sum() == 1  # the line without its cost
    assert (ours["revenue_growth"].isna()).any() and (ours["orders_ltm"] == 0).any()
    for column in ("revenue_ltm", "revenue_prior_ltm", "revenue_growth", "gross_margin_ltm"):
        for account, a, b in zip(ours.index, ours[column], theirs[column], strict=True):
            if pd.isna(a) or pd.isna(b):
                assert pd.isna(a) and pd.isna(b), (column, account, a, b)
            else:
                assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6), (column, account, a, b)
    assert (ours["orders_ltm"] == theirs["orders_ltm"]).all()


def test_floor_last_order_date_is_the_profile_cards(floor, tables):
    from kamreport.analytics.profile import profile_card

    theirs = floor.core_metrics(
        pl.from_pandas(tables["order_lines"]), pl.from_pandas(tables["accounts"][["account_id"]]),
        AS_OF,
    ).to_pandas().set_index("account_id")  # fmt: skip
    for account in tables["accounts"]["account_id"].iloc[::25]:
        card = profile_card(tables["accounts"], tables["order_lines"], account, AS_OF)
        last = theirs.loc[account, "last_order_date"]
        assert (None if pd.isna(last) else pd.Timestamp(last).date()) == card.last_order
