"""The revenue bridge: categories, and components that add up exactly to the change."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kamreport.analytics.bridge import COMPONENTS, categorise, revenue_bridge


def series(values: dict[str, float]) -> pd.Series:
    return pd.Series(values, dtype=float)


def test_hand_checked_bridge():
    prior = series({"A": 100, "B": 50, "C": 0, "D": 80, "E": 30, "F": -5, "G": 40})
    current = series({"A": 130, "B": 0, "C": 25, "D": 60, "E": 30, "F": 0, "H": 10})
    bridge = revenue_bridge(prior, current)
    assert categorise(prior, current).to_dict() == {
        "A": "growth", "B": "lost", "C": "new", "D": "decline", "E": "other", "F": "other",
        "G": "lost", "H": "new",
    }  # fmt: skip
    # new: C +25, H +10; lost: B −50, G −40; growth: A +30; decline: D −20; other: F +5
    assert bridge.components == {"new": 35, "lost": -90, "growth": 30, "decline": -20, "other": 5}
    assert bridge.counts == {"new": 2, "lost": 2, "growth": 1, "decline": 1, "other": 2}
    assert bridge.prior_total == 295 and bridge.current_total == 255
    assert sum(bridge.components.values()) == bridge.change == -40


def test_negative_prior_revenue_makes_an_account_new_not_growing():
    bridge = revenue_bridge(series({"X": -10}), series({"X": 5}))
    assert bridge.accounts.at["X", "category"] == "new"
    assert bridge.components["new"] == 15


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([f"K{i}" for i in range(30)]),
        st.tuples(
            st.floats(-1e4, 1e7, allow_nan=False).map(lambda v: round(v, 2)),
            st.floats(-1e4, 1e7, allow_nan=False).map(lambda v: round(v, 2)),
        ),
        min_size=1,
    )
)
def test_components_sum_exactly_to_the_change(pairs):
    prior = series({k: v[0] for k, v in pairs.items()})
    current = series({k: v[1] for k, v in pairs.items()})
    bridge = revenue_bridge(prior, current)
    cents = {c: round(bridge.components[c] * 100) for c in COMPONENTS}
    assert sum(cents.values()) == round(bridge.current_total * 100) - round(
        bridge.prior_total * 100
    )
    assert sum(bridge.counts.values()) == len(pairs)
    # independent: the change of the totals, from a plain loop
    total = sum(round(v[1] * 100) - round(v[0] * 100) for v in pairs.values())
    assert sum(cents.values()) == total
