"""What changed since the last email: two hand-written states compared, and which stored
state a new email is compared with."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kamreport.mail.changes import account_state, at_risk, baseline, compare

NAMES = {"A": "Alpha", "B": "Beta <b>", "C": "Gamma", "D": "Delta"}


def state(as_of: str, **accounts) -> dict:
    return {"version": 1, "as_of": as_of, "accounts": accounts}


def acct(tier, revenue, flags=(), forecast=None) -> dict:
    return {
        "tier": tier,
        "revenue_ltm": revenue,
        "high_flags": list(flags),
        "forecast_attainment": forecast,
    }


BEFORE = state(
    "2026-08-31",
    A=acct("key", 1_000_000.0, ["OVERDUE_RECEIVABLES"], 0.97),
    B=acct("growth", 400_000.0, [], 0.80),
    C=acct("maintain", 300_000.0, [], 1.10),
    D=acct("ordinary", 50_000.0, [], None),
)
AFTER = state(
    "2026-09-30",
    A=acct("key", 1_030_000.0, ["OVERDUE_RECEIVABLES", "REVENUE_DECLINE"], 0.9499),
    B=acct("key", 520_000.0, [], 0.70),
    C=acct("maintain", 240_000.0, ["ORDER_GAP"], 0.95),
    E=acct("growth", 10_000.0, ["COMPLAINT_SPIKE"], None),
)


def test_first_email_has_nothing_to_compare():
    changes = compare(None, AFTER, NAMES, threshold=0.05, movers=5)
    assert changes.first and not changes.nothing
    assert changes.new_high_flags == changes.tier_changes == changes.movers == ()


def test_changes_against_a_hand_worked_example():
    changes = compare(BEFORE, AFTER, NAMES, threshold=0.05, movers=3)
    assert changes.since == dt.date(2026, 8, 31)
    # new high flags, largest account first; E was not in the last email: all its flags
    assert [(f.account_id, f.flag) for f in changes.new_high_flags] == [
        ("A", "REVENUE_DECLINE"),
        ("C", "ORDER_GAP"),
        ("E", "COMPLAINT_SPIKE"),
    ]
    assert [(c.account_id, c.before, c.after) for c in changes.tier_changes] == [
        ("B", "growth", "key")
    ]
    # |Δ|: B +120k, C −60k, D −50k (gone), A +30k, E +10k; the three largest
    assert [(m.account_id, m.change) for m in changes.movers] == [
        ("B", 120_000.0),
        ("C", -60_000.0),
        ("D", -50_000.0),
    ]
    assert changes.totals["movers"] == 5
    # at risk below 95%: A (0.9499, newly), B (0.70, already at 0.80); C at exactly 95% is not
    assert [(r.account_id, r.forecast_attainment) for r in changes.targets_at_risk] == [
        ("A", 0.9499)
    ]
    assert changes.at_risk_total == 2
    assert changes.new_high_flags[0].name == "Alpha"


def test_threshold_is_strict():
    assert at_risk(0.9499, 0.05) and not at_risk(0.95, 0.05) and not at_risk(None, 0.05)
    assert at_risk(0.99, 0.0) and not at_risk(1.0, 0.0)


def test_the_same_figures_compare_to_nothing_changed():
    changes = compare(AFTER, AFTER, NAMES, threshold=0.05, movers=5)
    assert changes.nothing and changes.at_risk_total == 2


def test_lists_are_capped_and_counted():
    many = state(
        "2026-09-30", **{f"X{i:02d}": acct("key", 1000.0 * i, ["ORDER_GAP"]) for i in range(15)}
    )
    changes = compare(state("2026-08-31"), many, {}, threshold=0.05, movers=5, limit=10)
    assert len(changes.new_high_flags) == 10 and changes.totals["new_high_flags"] == 15
    assert len(changes.movers) == 5


def test_a_rerun_is_compared_with_what_the_sent_email_was_compared_with():
    stored = {"sent": AFTER, "compared_with": BEFORE}
    assert baseline(stored, AFTER) == BEFORE  # same figures: the very same email again
    assert baseline(stored, state("2026-10-31")) == AFTER  # new figures: against the last sent
    assert baseline({"sent": AFTER, "compared_with": None}, AFTER) is None
    assert baseline(None, AFTER) is None
    assert baseline({"sent": {**AFTER, "version": 0}}, AFTER) is None  # an older format


def test_account_state_from_frames():
    values = pd.DataFrame(
        {"tier": ["key", None], "revenue_ltm": [1234.5678, float("nan")]},
        index=pd.Index(["A", "B"], name="account_id"),
    )
    flags = pd.DataFrame(
        {
            "account_id": ["A", "A", "B", "A"],
            "code": ["ORDER_GAP", "REVENUE_DECLINE", "ORDER_GAP", "ORDER_GAP"],
            "severity": ["high", "medium", "high", "high"],
        }
    )
    forecast = pd.Series({"A": 0.912345678})
    got = account_state(dt.date(2026, 9, 30), values, flags, forecast, ["B", "A", "C"])
    assert got == state(
        "2026-09-30",
        A=acct("key", 1234.57, ["ORDER_GAP"], 0.912346),
        B=acct(None, 0.0, ["ORDER_GAP"], None),
        C=acct(None, 0.0, [], None),
    )
