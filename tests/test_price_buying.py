"""PRICE_BUYING: each sign and the flag against a plain computation on hand-made frames,
the edge cases (no discount data, no contacts, short history), and its back-test."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from kamreport.analytics.attention import money_at_stake
from kamreport.analytics.flag_backtest import (
    MIN_FLAGGED,
    falling_recent_revenue,
    flag_backtest,
)
from kamreport.analytics.periods import recent_and_year_earlier
from kamreport.analytics.price_buying import meetings, price_buying_signs
from kamreport.analytics.profitability import recent_figures
from kamreport.analytics.risk import risk_flags
from kamreport.analytics.scoring import flag_load
from kamreport.dataset import Dataset
from kamreport.params import RiskParams

AS_OF = dt.date(2026, 9, 30)
NOW = pd.Timestamp("2026-06-15")  # inside the last 6 months
BEFORE = pd.Timestamp("2025-06-15")  # inside the same months a year earlier
OLD = pd.Timestamp("2024-06-15")  # the data starts well before both windows


def line(account: str, product: str, day: pd.Timestamp, net: float, listed: float | None):
    return {
        "account_id": account, "product_id": product, "order_date": day,
        "quantity": 1.0, "net_amount": net, "list_amount": np.nan if listed is None else listed,
    }  # fmt: skip


def order_lines() -> pd.DataFrame:
    rows = [line("Z", "P1", OLD, 100.0, 100.0)]  # where the data starts
    # A: discount 5% → 10%, products 5 → 2
    rows += [line("A", f"P{i}", BEFORE, 95.0, 100.0) for i in range(5)]
    rows += [line("A", f"P{i}", NOW, 90.0, 100.0) for i in range(2)]
    # B: discount 5% → 6% (below 2 pp), products 4 → 3 (−25%)
    rows += [line("B", f"P{i}", BEFORE, 95.0, 100.0) for i in range(4)]
    rows += [line("B", f"P{i}", NOW, 94.0, 100.0) for i in range(3)]
    # C: no list amounts; products 3 → 3; a return line does not count as bought
    rows += [line("C", f"P{i}", BEFORE, 50.0, None) for i in range(3)]
    rows += [line("C", f"P{i}", NOW, 50.0, None) for i in range(3)]
    rows += [line("C", "P9", NOW, -20.0, None)]
    # D: a new account, only recent lines
    rows += [line("D", "P1", NOW, 80.0, 100.0)]
    out = pd.DataFrame(rows)
    out["order_id"] = [f"O{i}" for i in range(len(out))]
    return out


def contacts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "contact_id": ["a-dm", "a-buy", "b-user", "b-buy", "c-buy"],
            "account_id": ["A", "A", "B", "B", "C"],
            "role": ["decision_maker", "purchaser", "user", "purchaser", "purchaser"],
        }
    )


def activities() -> pd.DataFrame:
    rows = []

    def add(account, contact, day, kind="visit", status="done"):
        rows.append(
            {"account_id": account, "contact_id": contact, "date": day, "type": kind,
             "status": status}
        )  # fmt: skip

    # A: a year earlier 1 of 4 meetings with the purchaser, now 4 of 4 → +75 pp
    for contact in ("a-dm", "a-dm", "a-dm", "a-buy"):
        add("A", contact, BEFORE)
    for _ in range(4):
        add("A", "a-buy", NOW, "meeting")
    add("A", "a-dm", NOW, "email")  # e-mails are no meetings
    add("A", "a-dm", NOW, "visit", "planned")  # nor planned visits
    # B: 0 of 3 → 2 of 3 (+67 pp)
    for contact in ("b-user", "b-user", "b-user"):
        add("B", contact, BEFORE)
    for contact in ("b-buy", "b-buy", "b-user"):
        add("B", contact, NOW, "senior_visit")
    # C: too few meetings (2) to count
    add("C", "c-buy", BEFORE)
    add("C", "c-buy", NOW)
    add("C", "c-buy", NOW)
    add("C", "nobody", NOW)  # a contact we do not know: no role
    out = pd.DataFrame(rows)
    out["activity_id"] = [f"AC{i}" for i in range(len(out))]
    return out


def dataset(**drop: bool) -> Dataset:
    accounts = pd.DataFrame({"account_id": list("ABCDZ"), "name": list("abcdz")})
    tables = {"accounts": accounts, "order_lines": order_lines()}
    if not drop.get("contacts"):
        tables["contacts"] = contacts()
    if not drop.get("activities"):
        tables["activities"] = activities()
    if drop.get("list_amount"):
        tables["order_lines"] = tables["order_lines"].drop(columns="list_amount")
    return Dataset(tables=tables)


# --- an independent computation: loops over the rows --------------------------------


def plain_signs(data: Dataset, p: RiskParams) -> dict[str, dict[str, float]]:
    now, before = recent_and_year_earlier(AS_OF, p.discount_window_months)
    lines = data.order_lines.to_dict("records")
    roles = {}
    if data.get("contacts") is not None:
        roles = {c["contact_id"]: c["role"] for c in data.get("contacts").to_dict("records")}
    acts = data.get("activities")
    acts = acts.to_dict("records") if acts is not None and roles else []

    def inside(window, day):
        return window.start < day <= window.end

    out = {}
    for account in data.accounts["account_id"]:
        figures = {}
        for name, window in (("now", now), ("before", before)):
            mine = [
                r for r in lines if r["account_id"] == account and inside(window, r["order_date"])
            ]
            priced = [r for r in mine if "list_amount" in r and r["list_amount"] > 0]
            listed = sum(r["list_amount"] for r in priced)
            figures[f"discount_{name}"] = (
                1 - sum(r["net_amount"] for r in priced) / listed if listed else math.nan
            )
            figures[f"products_{name}"] = len(
                {r["product_id"] for r in mine if r["net_amount"] > 0}
            )
            met = [
                a for a in acts
                if a["account_id"] == account and inside(window, a["date"])
                and a["status"] == "done"
                and a["type"] in ("visit", "senior_visit", "meeting", "training")
                and a["contact_id"] in roles
            ]  # fmt: skip
            buyer = sum(roles[a["contact_id"]] == "purchaser" for a in met)
            enough = len(met) >= p.price_buying_min_meetings
            figures[f"purchaser_{name}"] = buyer / len(met) if enough else math.nan
        signs = {}
        rise = figures["discount_now"] - figures["discount_before"]
        signs["discount"] = (
            math.nan if math.isnan(rise) else float(rise >= p.price_buying_discount_rise - 1e-9)
        )
        n, b = figures["products_now"], figures["products_before"]
        signs["breadth"] = (
            float(n <= b * (1 - p.price_buying_breadth_drop) + 1e-9)
            if n > 0 and b > 0
            else math.nan
        )
        shift = figures["purchaser_now"] - figures["purchaser_before"]
        signs["meetings"] = (
            math.nan if math.isnan(shift) else float(shift >= p.price_buying_purchaser_rise - 1e-9)
        )
        known = [v for v in signs.values() if not math.isnan(v)]
        out[account] = {**figures, **signs, "signs": sum(known), "known": len(known)}
    return out


def computed(data: Dataset, p: RiskParams) -> pd.DataFrame:
    done = data.get("activities")
    if done is not None:
        done = done.loc[done["status"] == "done"]
    held = meetings(done, data.get("contacts"))
    accounts = pd.Index(data.accounts["account_id"].astype(str))
    lines = data.order_lines
    recent = recent_figures(
        lines, pd.Timestamp(AS_OF), p.discount_window_months, accounts, lines["order_date"].min()
    )
    return price_buying_signs(recent, held, accounts, p)


CASES = {
    "everything": {},
    "no discount data": {"list_amount": True},
    "no contacts": {"contacts": True},
    "no activities": {"activities": True},
}


@pytest.mark.parametrize("drop", CASES.values(), ids=CASES.keys())
def test_signs_match_a_plain_computation(drop):
    data, p = dataset(**drop), RiskParams()
    got = computed(data, p)
    for account, expected in plain_signs(data, p).items():
        for column, value in expected.items():
            assert got.at[account, column] == pytest.approx(value, nan_ok=True), (account, column)


def test_each_sign_on_the_hand_made_accounts():
    got = computed(dataset(), RiskParams())
    signs = got[["discount", "breadth", "meetings"]]
    assert signs.loc["A"].tolist() == [1.0, 1.0, 1.0]  # 5 → 10%, 5 → 2 products, 25 → 100%
    assert signs.loc["B"].tolist() == [0.0, 1.0, 1.0]  # +1 pp only, 4 → 3, 0 → 67%
    assert signs.loc["C"].isna().tolist() == [True, False, True]  # no list price, 2 meetings
    assert signs.loc["C", "breadth"] == 0.0  # the return line is not a product bought
    assert signs.loc["D"].isna().all()  # nothing a year earlier: nothing to compare
    assert got.loc["A", ["meetings_now", "meetings_before"]].tolist() == [4, 4]


def flagged(data: Dataset, p: RiskParams | None = None) -> pd.DataFrame:
    out = risk_flags(data, AS_OF, p or RiskParams())
    return out.loc[out["code"] == "PRICE_BUYING"].set_index("account_id")


@pytest.mark.parametrize("drop", CASES.values(), ids=CASES.keys())
def test_the_flag_matches_the_plain_combination(drop):
    data, p = dataset(**drop), RiskParams()
    expected = {
        a: s for a, s in plain_signs(data, p).items() if s["signs"] >= p.price_buying_min_signs
    }
    got = flagged(data, p)
    assert set(got.index) == set(expected)
    for account, s in expected.items():
        row = got.loc[account]
        assert (row["value"], row["threshold"], row["baseline"]) == (
            s["signs"], p.price_buying_min_signs, s["known"],
        )  # fmt: skip
        assert row["severity"] == ("high" if s["signs"] == 3 else "medium")
        assert row["unit"] == "count"


def test_flag_on_the_hand_made_accounts_and_missing_data():
    assert flagged(dataset())[["value", "baseline", "severity"]].to_dict("index") == {
        "A": {"value": 3.0, "baseline": 3.0, "severity": "high"},
        "B": {"value": 2.0, "baseline": 3.0, "severity": "medium"},
    }
    # without list amounts the discount is unknown: two signs of two known, both still raise
    no_prices = flagged(dataset(list_amount=True))
    assert no_prices[["value", "baseline"]].to_dict("list") == {
        "value": [2.0, 2.0],
        "baseline": [2.0, 2.0],
    }
    # without contacts the meetings are unknown: A keeps two signs of two known
    no_contacts = flagged(dataset(contacts=True))
    assert set(no_contacts.index) == {"A"}
    assert no_contacts.loc["A", ["value", "baseline"]].tolist() == [2.0, 2.0]
    # with all three signs needed, only A
    assert set(flagged(dataset(), RiskParams(price_buying_min_signs=3)).index) == {"A"}


def test_thresholds_are_inclusive_and_are_parameters():
    # A's discount rises exactly 5 pp, B's products fall exactly 25%
    assert flagged(dataset(), RiskParams(price_buying_discount_rise=0.05)).loc["A", "value"] == 3
    lenient = RiskParams(price_buying_discount_rise=0.011, price_buying_min_signs=3)
    assert set(flagged(dataset(), lenient).index) == {"A"}  # B: 1 pp is below 1.1 pp
    strict_breadth = RiskParams(price_buying_breadth_drop=0.26)
    assert set(flagged(dataset(), strict_breadth).index) == {"A"}  # B: −25% is not −26%
    # more meetings needed: the meeting sign is unknown everywhere
    few = flagged(dataset(), RiskParams(price_buying_min_meetings=5))
    assert few.loc["A", ["value", "baseline"]].tolist() == [2.0, 2.0]


def test_short_history_raises_nothing():
    # the data starts after the year-earlier months: the flag is not evaluated at all
    data = dataset()
    lines = data.order_lines
    recent = lines.loc[lines["order_date"] > pd.Timestamp("2026-01-01")]
    short = Dataset(tables={**data.tables, "order_lines": recent})
    assert flagged(short).empty


def test_no_lines_in_a_window_is_no_sign():
    data = dataset()
    lines = data.order_lines.loc[data.order_lines["account_id"] != "A"]
    got = computed(Dataset(tables={**data.tables, "order_lines": lines}), RiskParams())
    assert got.loc["A", ["discount", "breadth"]].isna().all()
    assert got.loc["A", "meetings"] == 1.0  # the meetings alone: one sign, no flag


def test_not_counted_again_in_the_score():
    flags = pd.DataFrame(
        {
            "account_id": ["A", "A", "B"],
            "code": ["DISCOUNT_PRESSURE", "PRICE_BUYING", "PRICE_BUYING"],
            "severity": ["medium", "high", "high"],
        }
    )
    load = flag_load(flags, pd.Index(["A", "B"]), {"high": 1.0, "medium": 0.5})
    assert load.to_dict() == {"A": 0.5, "B": 0.0}


def test_money_at_stake_is_the_extra_discount():
    row = pd.Series(
        {"revenue_ltm": 1000.0, "discount_depth": 0.15, "discount_depth_year_earlier": 0.05}
    )
    assert money_at_stake("PRICE_BUYING", row, None, 300.0) == pytest.approx(0.10 * 1000)
    no_depth = pd.Series({"revenue_ltm": 1000.0})
    assert money_at_stake("PRICE_BUYING", no_depth, None, 300.0) == 0.0


# --- the back-test ------------------------------------------------------------------


def revenue(values: dict[str, float]) -> pd.Series:
    return pd.Series(values, dtype=float)


def test_backtest_lift_by_hand():
    before = revenue({f"a{i}": 100.0 for i in range(20)} | {"new": 0.0})
    # a0..a4 flagged: 3 lost or shrank by ≥ 30%; of the 15 others, 3 did
    after = revenue(
        {"a0": 0.0, "a1": 60.0, "a2": 70.0, "a3": 100.0, "a4": 120.0}
        | {f"a{i}": 100.0 for i in range(5, 17)} | {"a17": 10.0, "a18": 0.0, "a19": 69.0}
    )  # fmt: skip
    flag = [f"a{i}" for i in range(5)]
    rule = ["a0", "a17", "a18", "a5", "a6", "a7", "a8", "a9", "a10", "a11"]
    bt = flag_backtest(flag, rule, before, after, 0.3)
    assert (bt.followed, bt.bad) == (20, 6)  # "new" had no revenue before: not followed
    assert (bt.flag.flagged.accounts, bt.flag.flagged.bad) == (5, 3)
    assert bt.flag.lift == pytest.approx((3 / 5) / (3 / 15))
    assert bt.rule.lift == pytest.approx((3 / 10) / (3 / 10))
    assert bt.verdict == "beats"
    # the rule picking the bad accounts exactly (none of the others went bad: infinite
    # lift): the flag loses to it
    exact = ["a0", "a1", "a2", "a17", "a18", "a19"]
    perfect = flag_backtest(flag, exact, before, after, 0.3)
    assert perfect.rule.lift == math.inf and perfect.verdict == "loses"


def test_backtest_verdict_edges():
    before = revenue({f"a{i}": 100.0 for i in range(10)})
    after = revenue({f"a{i}": 100.0 for i in range(10)})
    few = [f"a{i}" for i in range(MIN_FLAGGED - 1)]
    assert flag_backtest(few, [], before, after, 0.3).verdict == "too_few"
    assert flag_backtest([], [], before, after, 0.3).verdict == "too_few"
    # nobody went bad: no lift to compute
    enough = [f"a{i}" for i in range(MIN_FLAGGED)]
    bt = flag_backtest(enough, [], before, after, 0.3)
    assert math.isnan(bt.flag.lift) and bt.verdict == "n/a"
    # flagged accounts went bad no more often than the others: loses (lift ≤ 1)
    after = revenue({f"a{i}": 0.0 if i in (0, 9) else 100.0 for i in range(10)})
    tie = [f"a{i}" for i in range(5)]
    assert flag_backtest(tie, [], before, after, 0.3).verdict == "loses"


def test_simple_rule_by_hand():
    lines = pd.DataFrame(
        {
            "account_id": ["A", "A", "B", "B", "C"],
            "order_date": pd.to_datetime(
                ["2025-06-01", "2026-06-01", "2025-06-01", "2026-06-01", "2026-06-01"]
            ),
            "net_amount": [100.0, 90.0, 100.0, 100.0, 50.0],
        }
    )
    now, before = recent_and_year_earlier(AS_OF, 6)
    picked = falling_recent_revenue(lines, now, before, pd.Index(["A", "B", "C"]))
    assert list(picked) == ["A"]  # B is flat; C had nothing a year earlier
