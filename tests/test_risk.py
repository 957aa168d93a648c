"""Risk flags: the planted stories of the sample are found, healthy accounts raise none,
and each rule is checked on a hand-made case."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kamreport.analytics.risk import COLUMNS, risk_flags
from kamreport.analytics.valuation import value_accounts
from kamreport.dataset import Dataset
from kamreport.params import Params, RiskParams
from kamreport.sample.stories import PLANTED

AS_OF = dt.date(2026, 9, 30)
EXPECTED = {
    "churning": {"ORDER_GAP", "REVENUE_DECLINE", "SATISFACTION_FALL"},
    "late_payer": {"OVERDUE_RECEIVABLES"},
    "complaint_spike": {"COMPLAINT_SPIKE"},
    "falling_wallet_share": {"WALLET_SHARE_FALL"},
    "price_buyer": {"DISCOUNT_PRESSURE", "NARROWING_BREADTH", "PRICE_BUYING"},
    "no_senior_contact": {"NO_SENIOR_VISIT", "NO_DECISION_MAKER_CONTACT"},
}


@pytest.fixture(scope="module")
def sample_dataset(sample_tables) -> Dataset:
    return Dataset(tables=sample_tables, currency="CNY")


@pytest.fixture(scope="module")
def flags(sample_dataset) -> pd.DataFrame:
    params = Params()
    values = value_accounts(sample_dataset, AS_OF, params.scoring, params.clv)
    return risk_flags(sample_dataset, AS_OF, params.risk, values)


def codes(flags: pd.DataFrame, account_id: str) -> set[str]:
    return set(flags.loc[flags["account_id"] == account_id, "code"])


@pytest.mark.parametrize(
    ("story", "account_id"),
    [(story, a) for story in EXPECTED for a in PLANTED[story]],
)
def test_planted_story_raises_its_flags(flags, story, account_id):
    assert EXPECTED[story] <= codes(flags, account_id)


@pytest.mark.parametrize("account_id", PLANTED["healthy"])
def test_healthy_accounts_raise_none(flags, account_id):
    assert codes(flags, account_id) == set()


@pytest.mark.parametrize("account_id", PLANTED["growing"])
def test_growing_accounts_show_no_decline(flags, account_id):
    assert not codes(flags, account_id) & {"REVENUE_DECLINE", "ORDER_GAP", "WALLET_SHARE_FALL"}


def test_columns_and_numbers(flags):
    assert list(flags.columns) == COLUMNS
    assert set(flags["severity"]) <= {"high", "medium"}
    late = flags.loc[(flags["account_id"] == "KA0015") & (flags["code"] == "OVERDUE_RECEIVABLES")]
    assert late["value"].iloc[0] >= late["threshold"].iloc[0]


def test_works_for_an_earlier_as_of(sample_dataset):
    earlier = risk_flags(sample_dataset, dt.date(2025, 9, 30), RiskParams())
    # a year earlier the churning accounts were still ordering on their rhythm
    assert "ORDER_GAP" not in codes(earlier, "KA0008")
    assert codes(earlier, "KA0003") == set()


# --- hand-made cases -----------------------------------------------------------------


def tiny(**tables: pd.DataFrame) -> Dataset:
    accounts = pd.DataFrame({"account_id": ["A", "B"], "name": ["a", "b"]})
    return Dataset(tables={"accounts": accounts, **tables})


def lines_every(days: int, last: str, n: int, account: str = "A") -> pd.DataFrame:
    dates = pd.date_range(end=last, periods=n, freq=f"{days}D")
    return pd.DataFrame(
        {
            "order_id": [f"{account}{i}" for i in range(n)],
            "account_id": account,
            "product_id": "P",
            "order_date": dates,
            "quantity": 1.0,
            "net_amount": 100.0,
        }
    )


def test_order_gap_against_own_rhythm():
    # orders every 20 days until 2026-06-02: 120 days silent, usual interval 20 → limit 40
    data = tiny(order_lines=lines_every(20, "2026-06-02", 30))
    out = risk_flags(data, AS_OF, RiskParams())
    gap = out.loc[out["code"] == "ORDER_GAP"].iloc[0]
    assert (gap["value"], gap["threshold"], gap["baseline"]) == (120, 40, 20)
    assert gap["severity"] == "high"  # 120 > 2 × 40
    # with a factor of 7 the limit is 140 days: no flag
    assert "ORDER_GAP" not in set(risk_flags(data, AS_OF, RiskParams(order_gap_factor=7))["code"])


def test_order_gap_for_an_account_quiet_longer_than_the_history():
    # four order days, the last 20 months ago: no rhythm inside the window's recent part,
    # so the minimum gap (30 days) is the limit and the flag fires
    quiet = lines_every(400, "2025-01-31", 4)
    out = risk_flags(tiny(order_lines=quiet), AS_OF, RiskParams(order_gap_history_months=12))
    gap = out.loc[out["code"] == "ORDER_GAP"].iloc[0]
    assert (gap["value"], gap["threshold"], gap["severity"]) == (607, 30, "high")
    assert pd.isna(gap["baseline"])
    # silent for longer than the whole history window: still flagged
    old = lines_every(30, "2023-03-31", 6)
    out = risk_flags(tiny(order_lines=old), AS_OF, RiskParams(order_gap_history_months=12))
    assert "ORDER_GAP" in set(out["code"])


@pytest.mark.parametrize("order_days", [1, 2, 3])
def test_too_few_orders_for_a_usual_interval_raise_no_order_gap(order_days):
    # a one-off or occasional buyer, silent for months: no usual interval to fall behind
    few = lines_every(30, "2025-01-31", order_days)
    out = risk_flags(tiny(order_lines=few), AS_OF, RiskParams())
    assert "ORDER_GAP" not in set(out["code"])
    # with the minimum lowered to their number of order days, the flag is raised again
    lowered = RiskParams(min_orders_for_interval=max(order_days, 2))
    assert ("ORDER_GAP" in set(risk_flags(tiny(order_lines=few), AS_OF, lowered)["code"])) == (
        order_days >= 2
    )


def test_overdue_receivables_share():
    invoices = pd.DataFrame(
        {
            "invoice_id": ["1", "2", "3"],
            "account_id": ["A", "A", "B"],
            "invoice_date": pd.to_datetime(["2026-05-01", "2026-09-01", "2026-05-01"]),
            "due_date": pd.to_datetime(["2026-07-01", "2026-10-31", "2026-09-15"]),
            "amount": [100.0, 300.0, 100.0],
            "paid_amount": [0.0, 0.0, 0.0],
            "paid_date": pd.to_datetime([None, None, None]),
        }
    )
    data = tiny(order_lines=lines_every(7, "2026-09-30", 10), invoices=invoices)
    out = risk_flags(data, AS_OF, RiskParams())
    flag = out.loc[out["code"] == "OVERDUE_RECEIVABLES"]
    # A: 100 of 400 open is 91 days overdue (> 30) → 25%; B: 15 days overdue, within grace
    assert flag["account_id"].tolist() == ["A"]
    assert flag["value"].iloc[0] == pytest.approx(0.25)
    assert flag["baseline"].iloc[0] == pytest.approx(100.0)


def test_overdue_counts_whole_days_past_the_grace_and_what_was_paid_by_the_as_of_date():
    grace = RiskParams().overdue_grace_days
    due = pd.Timestamp(AS_OF)
    invoices = pd.DataFrame(
        {
            "invoice_id": [str(i) for i in range(8)],
            "account_id": ["A"] * 6 + ["B", "C"],
            "invoice_date": pd.Timestamp("2026-01-05"),
            "due_date": [
                due - pd.Timedelta(days=grace),  # exactly the grace: not late
                due - pd.Timedelta(days=grace + 1),  # a day past it: late
                due - pd.Timedelta(days=grace, hours=20),  # grace + 0.83 days: not late
                due - pd.Timedelta(days=200),  # paid after the as-of date: open then, late
                due - pd.Timedelta(days=200),  # paid in full before: nothing open
                pd.NaT,  # no due date: open, never late
                due - pd.Timedelta(days=90),  # B: partly paid, the rest late
                due + pd.Timedelta(days=10),  # C: not yet due
            ],
            "amount": [100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0, 1000.0, 50.0],
            "paid_amount": [0.0, 0.0, 0.0, 800.0, 1600.0, None, 990.0, 0.0],
            "paid_date": pd.to_datetime(
                [None, None, None, "2026-10-03", "2026-03-01", None, "2026-09-01", None]
            ),
        }
    )
    data = tiny(order_lines=lines_every(7, "2026-09-30", 10), invoices=invoices)
    out = risk_flags(data, AS_OF, RiskParams())
    flag = out.loc[out["code"] == "OVERDUE_RECEIVABLES"].set_index("account_id")
    # by hand: A has 100 + 200 + 400 + 800 + 3200 open, 200 + 800 of it late; B 10 of 10
    assert flag.index.tolist() == ["A", "B"]
    assert flag.loc["A", "baseline"] == 1000.0
    assert flag.loc["A", "value"] == pytest.approx(1000.0 / 4700.0)
    assert flag.loc["B", "baseline"] == pytest.approx(10.0)
    assert flag.loc["B", "value"] == pytest.approx(1.0)


def test_thresholds_are_parameters():
    from kamreport.errors import ParamsError
    from kamreport.params import load_params

    params = load_params(None, {"risk": {"revenue_decline": "0.3", "senior_visit_months": 18}})
    assert params.risk.revenue_decline == 0.3 and params.risk.senior_visit_months == 18
    with pytest.raises(ParamsError, match=r"risk\.p_alive_min must be between 0 and 1, found 2"):
        RiskParams(p_alive_min=2)
    with pytest.raises(ParamsError, match=r"Did you mean 'risk\.revenue_decline'"):
        load_params(None, {"risk": {"revenue_declin": 0.2}})
