"""Account features, the 0–100 score, its contributions, weight checks and tiers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamreport.analytics.scoring import (
    account_features,
    flag_load,
    normalise,
    score_accounts,
    with_flag_risk,
)
from kamreport.analytics.tiers import assign_tiers
from kamreport.dataset import Dataset
from kamreport.errors import ParamsError
from kamreport.params import DEFAULT_WEIGHTS, SCORING_CRITERIA, ScoringParams, load_params

AS_OF = pd.Timestamp("2026-09-30")


def _frame(rows, columns, dates=()):
    frame = pd.DataFrame(rows, columns=columns)
    for column in dates:
        frame[column] = pd.to_datetime(frame[column])
    return frame


def tiny_tables() -> dict[str, pd.DataFrame]:
    """Five accounts whose features can be worked out by hand (as of 2026-09-30)."""
    accounts = _frame(
        [
            ("A", "Alpha", "2015-01-01", 4.0),
            ("B", "Beta", None, None),
            ("C", "Gamma", "2020-01-01", 2.0),
            ("D", "Delta", "2021-06-30", 3.0),
            ("E", "Epsilon", "2025-01-01", 1.0),
        ],
        ["account_id", "name", "customer_since", "influence"],
        ["customer_since"],
    )
    lines = []

    def line(account, order, date, net, cost):
        lines.append((order, 1, account, "P1", date, 1.0, net, cost))

    for k in range(12):  # A: monthly, 100 in the prior LTM, 150 in the LTM, cost 60%
        prior = pd.Timestamp("2024-10-15") + pd.DateOffset(months=k)
        line("A", f"A-p{k}", prior, 100.0, 60.0)
        line("A", f"A-l{k}", prior + pd.DateOffset(months=12), 150.0, 90.0)
    line("B", "B-1", "2026-03-10", 300.0, 150.0)
    line("B", "B-c", "2026-04-01", -100.0, -50.0)  # credit note: not an order
    line("B", "B-2", "2026-09-30", 300.0, 150.0)  # on the as-of date: inside the LTM
    line("B", "B-x", "2026-10-01", 999.0, 0.0)  # after as_of: ignored
    line("C", "C-1", "2023-05-01", 500.0, 300.0)
    line("D", "D-p1", "2025-01-10", 1200.0, 600.0)
    line("D", "D-p2", "2025-06-10", 800.0, 400.0)
    line("D", "D-1", "2026-02-01", 1000.0, np.nan)  # a line without its cost
    order_lines = _frame(
        lines,
        [
            "order_id", "line_no", "account_id", "product_id", "order_date",
            "quantity", "net_amount", "cost_amount",
        ],
        ["order_date"],
    )  # fmt: skip
    service_costs = _frame(
        [
            ("A", "2026-01-01", "rebate", 100.0),
            ("A", "2025-06-01", "logistics", 50.0),  # before the LTM
            ("A", "2026-09-01", "logistics", 20.0),
        ],
        ["account_id", "month", "cost_type", "amount"],
        ["month"],
    )
    wallet = pd.DataFrame(
        {
            "account_id": ["A", "A", "A", "D"],
            "year": [2025, 2026, 2027, 2026],
            "category_spend": [3000.0, 4000.0, 9999.0, 800.0],
        }
    )
    invoices = _frame(
        [
            ("i1", "A", "2026-07-01", "2026-08-01", 1000.0, 0.0, None),  # overdue
            ("i2", "A", "2026-09-01", "2026-10-30", 1000.0, 0.0, None),  # not yet due
            ("i3", "A", "2026-06-01", "2026-07-01", 500.0, 500.0, "2026-07-05"),  # paid
            ("i4", "A", "2026-08-01", "2026-09-01", 400.0, 400.0, "2026-10-10"),  # paid later
            ("i5", "A", "2026-10-05", "2026-11-05", 700.0, 0.0, None),  # after as_of
        ],
        [
            "invoice_id", "account_id", "invoice_date", "due_date",
            "amount", "paid_amount", "paid_date",
        ],
        ["invoice_date", "due_date", "paid_date"],
    )  # fmt: skip
    complaints = _frame(
        [
            ("c1", "A", "2026-08-01", None),  # open
            ("c2", "A", "2026-05-01", "2026-10-15"),  # closed after as_of: open at as_of
            ("c3", "A", "2026-10-05", None),  # after as_of
            ("c4", "A", "2026-03-01", "2026-06-01"),  # closed
        ],
        ["complaint_id", "account_id", "opened_date", "closed_date"],
        ["opened_date", "closed_date"],
    )
    return {
        "accounts": accounts,
        "order_lines": order_lines,
        "service_costs": service_costs,
        "wallet": wallet,
        "invoices": invoices,
        "complaints": complaints,
    }


def tiny_dataset(*drop: str) -> Dataset:
    return Dataset({k: v for k, v in tiny_tables().items() if k not in drop})


def test_features_by_hand():
    f = account_features(tiny_dataset(), AS_OF)
    assert list(f.index) == ["A", "B", "C", "D", "E"]
    a = f.loc["A"]
    assert a["spend"] == 1800.0
    assert a["growth"] == pytest.approx(0.5)
    assert a["order_days_ltm"] == 12 and a["repurchase_quarters"] == 1.0
    assert a["tenure_years"] == pytest.approx((AS_OF - pd.Timestamp("2015-01-01")).days / 365.25)
    assert a["loyalty"] == pytest.approx(1.0)
    assert a["gross_margin_ltm"] == pytest.approx(720.0)
    assert a["cost_to_serve_ltm"] == pytest.approx(120.0)
    assert a["profit"] == pytest.approx(600.0)
    assert a["potential"] == pytest.approx(4000.0 - 1800.0)
    assert a["influence"] == 4.0
    assert a["overdue_share"] == pytest.approx(1400 / 2400)
    assert a["open_complaints"] == 2
    assert f["risk"].isna().all()  # filled in from the risk flags (with_flag_risk)

    b = f.loc["B"]
    assert b["spend"] == 500.0 and np.isnan(b["growth"])
    assert b["order_days_ltm"] == 2 and b["repurchase_quarters"] == 0.5
    tenure = (AS_OF - pd.Timestamp("2026-03-10")).days / 365.25
    assert b["loyalty"] == pytest.approx((tenure / 10 + 2 / 12 + 0.5) / 3)
    assert b["profit"] == pytest.approx(250.0)  # no service costs for B: gross margin
    assert np.isnan(b["potential"]) and np.isnan(b["influence"])

    assert f.loc["C", "spend"] == 0.0 and np.isnan(f.loc["C", "growth"])
    assert f.loc["D", "growth"] == pytest.approx(-0.5)
    assert np.isnan(f.loc["D", "profit"])  # a line without cost: no gross margin
    assert f.loc["D", "potential"] == 0.0  # headroom floored at 0
    assert f.loc["E", "spend"] == 0.0 and f.loc["E", "order_days_ltm"] == 0
    assert f.loc["E", "tenure_years"] == pytest.approx(637 / 365.25)


def test_missing_optional_tables_leave_criteria_empty():
    f = account_features(tiny_dataset("wallet", "invoices", "complaints", "service_costs"), AS_OF)
    assert f["potential"].isna().all() and f["overdue_share"].isna().all()
    assert f.loc["A", "profit"] == pytest.approx(720.0)  # gross margin without service costs


def _flags(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["account_id", "severity"]).assign(code="X")


def test_risk_comes_from_the_severity_weighted_flags():
    features = account_features(tiny_dataset(), AS_OF)
    flags = _flags(("A", "high"), ("A", "medium"), ("B", "medium"), ("C", "high"), ("C", "high"),
                   ("C", "high"))  # fmt: skip
    rules = ScoringParams()  # high 1.0, medium 0.5, cap 2.0
    out = with_flag_risk(features, flags, rules)
    assert out["risk_flag_load"].to_dict() == {"A": 1.5, "B": 0.5, "C": 3.0, "D": 0.0, "E": 0.0}
    assert out["risk"].to_dict() == {"A": 0.75, "B": 0.25, "C": 1.0, "D": 0.0, "E": 0.0}
    assert features["risk"].isna().all()  # the input is left alone
    custom = ScoringParams(risk_flag_weights={"medium": 0.25}, risk_flag_cap=1.0)
    assert with_flag_risk(features, flags, custom)["risk"].tolist() == [1.0, 0.25, 1.0, 0, 0]
    with pytest.raises(KeyError):
        flag_load(_flags(("A", "low")), features.index, rules.risk_flag_weights)


def test_risk_flag_weights_are_checked():
    with pytest.raises(ParamsError, match="Unknown flag severity 'low'"):
        ScoringParams(risk_flag_weights={"low": 0.25})
    with pytest.raises(ParamsError, match="high must be at least the medium weight"):
        ScoringParams(risk_flag_weights={"high": 0.4})
    with pytest.raises(ParamsError, match=r"scoring\.risk_flag_cap must be between"):
        ScoringParams(risk_flag_cap=0)
    assert dict(load_params().scoring.risk_flag_weights) == {"high": 1.0, "medium": 0.5}


def test_normalise_is_the_share_of_others_at_least_as_good():
    raw = pd.Series([10.0, 20.0, 20.0, 40.0, np.nan])
    np.testing.assert_allclose(normalise(raw).iloc[:4], [0, 2 / 3, 2 / 3, 1])
    assert np.isnan(normalise(raw).iloc[4])
    np.testing.assert_allclose(normalise(raw, inverted=True).iloc[:4], [1, 2 / 3, 2 / 3, 0])
    assert normalise(pd.Series([5.0, np.nan])).iloc[0] == 1.0


def test_score_by_hand():
    features = pd.DataFrame(
        {"spend": [300.0, 200.0, 100.0], "risk": [0.5, 0.0, np.nan]}, index=["x", "y", "z"]
    )
    weights = {"spend": 0.6, "risk": 0.4}
    scored = score_accounts(features, weights)
    # risk is absolute: norm = 1 − risk. x: spend 1, risk 0.5 → 60 + 20; y: spend 0.5,
    # no risk → 30 + 40; z: spend 0, risk missing → 0
    assert scored["score"].tolist() == pytest.approx([80.0, 70.0, 0.0])
    assert scored["norm_risk"].tolist()[:2] == [0.5, 1.0]
    assert scored.loc["y", "contrib_risk"] == pytest.approx(40.0)
    assert np.isnan(scored.loc["z", "contrib_risk"])  # no value: n/a, not 0 points
    # missing risk for z: its weight moves to spend (z has spend 0 here, so try another)
    features.loc["z", "spend"] = 250.0
    scored = score_accounts(features, weights)
    assert scored.loc["z", "score"] == pytest.approx(100 * 0.5)  # spend norm 0.5, weight 1
    for c in SCORING_CRITERIA:
        assert f"contrib_{c}" in scored and f"norm_{c}" in scored


def test_criterion_missing_for_everyone_has_its_weight_spread_over_the_others():
    features = pd.DataFrame({"spend": [1.0, 2.0], "growth": [0.1, 0.0]}, index=["x", "y"])
    weights = {"spend": 0.5, "growth": 0.25, "potential": 0.25}
    scored = score_accounts(features, weights)
    assert scored.loc["y", "contrib_spend"] == pytest.approx(100 * 0.5 / 0.75)
    assert scored.loc["x", "contrib_growth"] == pytest.approx(100 * 0.25 / 0.75)
    assert scored["contrib_potential"].isna().all()  # no data: n/a, not 0 points


def test_weights_must_sum_to_one():
    weights = {"spend": 0.3, "growth": 0.15, "loyalty": 0.15, "profit": 0.15, "potential": 0.15}
    with pytest.raises(ParamsError) as err:
        score_accounts(pd.DataFrame({"spend": [1.0]}), weights)
    assert str(err.value) == (
        "scoring.weights must sum to 1, found 0.9 (spend 0.3 + growth 0.15 + loyalty 0.15 + "
        "profit 0.15 + potential 0.15). Adjust the weights in your params file."
    )


def test_unknown_criterion_suggests_the_closest():
    with pytest.raises(ParamsError) as err:
        ScoringParams(weights={"spend": 0.5, "profitt": 0.5})
    assert str(err.value) == (
        "Unknown scoring criterion 'profitt'. Did you mean 'profit'? "
        "Criteria: spend, growth, loyalty, profit, potential, influence, risk."
    )
    with pytest.raises(ParamsError, match=r"^Unknown scoring criterion 'xyz'\. Criteria: spend"):
        load_params(None, {"scoring": {"weights": {"xyz": 1.0}}})


def test_negative_weight_is_rejected():
    with pytest.raises(
        ParamsError, match=r"scoring.weights.risk must be between 0 and 1, found -0.1"
    ):
        ScoringParams(weights={"risk": -0.1, "spend": 1.1})


def test_scoring_params_defaults_and_overrides():
    params = load_params()
    assert dict(params.scoring.weights) == DEFAULT_WEIGHTS
    assert params.scoring.abc_a_threshold == 0.8 and params.clv.horizon_months == 36
    custom = load_params(None, {"scoring": {"weights": {"spend": 0.5, "risk": 0.5}}})
    assert dict(custom.scoring.weights) == {"spend": 0.5, "risk": 0.5}
    with pytest.raises(ParamsError, match=r"scoring.abc_b_threshold must be between 0.8 and 1"):
        load_params(None, {"scoring": {"abc_b_threshold": 0.7}})
    with pytest.raises(ParamsError, match=r"clv.discount_rate must be between 0 and 1"):
        load_params(None, {"clv": {"discount_rate": 5}})


weights_strategy = st.lists(st.floats(0, 1), min_size=7, max_size=7).filter(lambda w: sum(w) > 0.01)
column_strategy = st.lists(
    st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(np.nan), st.just(0.0)),
    min_size=1,
    max_size=30,
)


@settings(max_examples=100, deadline=None)
@given(raw_weights=weights_strategy, data=st.data())
def test_contributions_add_up_to_the_score(raw_weights, data):
    total = sum(raw_weights)
    weights = dict(zip(SCORING_CRITERIA, (w / total for w in raw_weights), strict=True))
    largest = max(weights, key=weights.__getitem__)
    weights[largest] += 1.0 - sum(weights.values())
    n = data.draw(st.integers(1, 30))
    columns = {
        c: data.draw(st.lists(st.sampled_from([0.0, 1.0, 2.5, -3.0, np.nan, 1e6]), min_size=n,
                              max_size=n))
        for c in SCORING_CRITERIA
    }  # fmt: skip
    features = pd.DataFrame(columns, index=[f"K{i}" for i in range(n)])
    scored = score_accounts(features, weights)
    contrib = scored[[f"contrib_{c}" for c in SCORING_CRITERIA]]
    defined = scored["score"].notna()
    np.testing.assert_allclose(
        contrib[defined].sum(axis=1), scored.loc[defined, "score"], rtol=0, atol=1e-9
    )
    assert scored.loc[defined, "score"].between(-1e-9, 100 + 1e-9).all()
    norms = scored[[f"norm_{c}" for c in SCORING_CRITERIA]].stack().dropna()
    assert norms.between(0, 1).all()
    # row order does not matter
    shuffled = score_accounts(features.iloc[::-1], weights).loc[features.index]
    pd.testing.assert_frame_equal(shuffled, scored)


def test_tiers_follow_the_rules():
    rules = ScoringParams()
    scored = pd.DataFrame(
        {
            "score": [85.0, 30.0, 45.0, 45.0, 45.0, 10.0],
            "norm_potential": [0.9, 0.8, 0.1, np.nan, 0.2, np.nan],
        },
        index=list("uvwxyz"),
    )
    features = pd.DataFrame({"growth": [0.5, 0.0, 0.3, 0.1, np.nan, 0.9]}, index=list("uvwxyz"))
    tiers = assign_tiers(scored, features, rules)
    assert tiers.to_dict() == {
        "u": "key",
        "v": "growth",  # small today, big headroom
        "w": "growth",  # growing fast with a fair score
        "x": "maintain",
        "y": "maintain",
        "z": "ordinary",  # growing, but the score is too low
    }
    shrinking = features.assign(growth=[0.5, -0.3, 0.3, 0.1, np.nan, 0.9])
    assert assign_tiers(scored, shrinking, rules)["v"] == "ordinary"  # headroom, but shrinking
    strict = ScoringParams(tier_key_min_score=90, tier_growth_min_potential=0.95)
    assert assign_tiers(scored, features, strict)["u"] == "growth"
    assert assign_tiers(scored, features, strict)["v"] == "ordinary"


def test_risk_weight_is_never_rescaled_onto_a_flagged_account():
    """A missing criterion spreads its weight over the others but not onto risk, so an
    account with flags never gets more risk points than one without."""
    features = pd.DataFrame(
        {"spend": [1.0, 2.0, 3.0], "growth": [0.1, np.nan, np.nan], "risk": [0.0, 0.25, 1.0]},
        index=["clean", "flagged", "capped"],
    )
    weights = {"spend": 0.5, "growth": 0.3, "risk": 0.2}
    scored = score_accounts(features, weights)
    assert scored["contrib_risk"].tolist() == pytest.approx([20.0, 15.0, 0.0])
    # flagged has no growth: its 0.3 goes to spend alone (0.8), risk stays 0.2
    assert scored.loc["flagged", "contrib_spend"] == pytest.approx(100 * 0.8 * 0.5)
    assert scored["score"].tolist() == pytest.approx([50 * 0 + 30 * 1 + 20, 55.0, 80.0])
    only_risk = score_accounts(pd.DataFrame({"risk": [0.5]}, index=["x"]), weights)
    assert only_risk.loc["x", "score"] == pytest.approx(50.0)  # nothing else: risk weighs 1


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_more_flag_risk_never_means_more_risk_points(data):
    n = data.draw(st.integers(2, 25))
    pick = st.lists(st.sampled_from([0.0, 1.0, 5.0, np.nan]), min_size=n, max_size=n)
    columns = {c: data.draw(pick) for c in SCORING_CRITERIA if c != "risk"}
    columns["risk"] = data.draw(st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0]), min_size=n,
                                         max_size=n))  # fmt: skip
    features = pd.DataFrame(columns, index=[f"K{i}" for i in range(n)])
    scored = score_accounts(features, DEFAULT_WEIGHTS)
    others = features.drop(columns="risk").notna().any(axis=1)
    risk, points = features["risk"][others], scored["contrib_risk"][others]
    for a in risk.index:
        worse = risk > risk[a]
        assert (points[worse] <= points[a] + 1e-9).all()
    np.testing.assert_allclose(points, 100 * DEFAULT_WEIGHTS["risk"] * (1 - risk), atol=1e-9)
