"""is_in and positions give pandas' answers (isin, get_indexer) without Python objects per row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from kamreport.analytics.membership import grouped_by_id, is_in, positions

ARROW = pd.ArrowDtype(pa.large_string())
VALUES = [
    pd.Series(["KA1", "KA2", None, "KA3", "KA1"], dtype="str"),
    pd.Index(["KA1", "KA9", None], dtype="str"),
    pd.Series(["KA1", "KA2", None], dtype=ARROW),
    pd.Series(["KA1", "KA2", None], dtype=object),
]
ALLOWED = [
    pd.Series(["KA1", None], dtype="str"),
    pd.Series(["KA2", "KA2"], dtype="str"),
    pd.Series([], dtype="str"),
    ["KA1"],
    {"KA3"},
    pd.Index(["KA3", "KA1"], dtype="str"),
    pd.Series(["KA2"], dtype=ARROW),
    pd.Series(["KA2"], dtype=object),
]


@pytest.mark.parametrize("values", VALUES)
@pytest.mark.parametrize("allowed", ALLOWED)
def test_is_in_matches_pandas_isin(values, allowed):
    expected = np.asarray(values.isin(allowed), dtype=bool)
    assert is_in(values, allowed).tolist() == expected.tolist()


def test_is_in_hand_checked():
    ids = pd.Series(["KA1", "KA2", None, "KA3"], dtype="str")
    assert is_in(ids, pd.Series(["KA3", "KA1"], dtype="str")).tolist() == [
        True, False, False, True,
    ]  # fmt: skip
    assert is_in(ids, pd.Series(["KA2", None], dtype="str")).tolist() == [
        False, True, True, False,
    ]  # fmt: skip


@pytest.mark.parametrize("values", VALUES[:1] + VALUES[2:])
def test_positions_match_get_indexer(values):
    index = pd.Index(["KA3", "KA1", "KA7"], dtype="str")
    expected = index.get_indexer(values.to_numpy())
    assert positions(values, index).tolist() == expected.tolist()
    rows = np.arange(len(values)) % 2 == 0
    assert positions(values, index, rows).tolist() == expected[rows].tolist()
    # by hand: KA1 is at 1, KA3 at 0, KA2 and the empty cell nowhere
    assert positions(pd.Series(["KA1", "KA2", None, "KA3"], dtype="str"), index).tolist() == [
        1, -1, -1, 0,
    ]  # fmt: skip


def test_factorized_is_remembered_and_follows_a_changed_column():
    from kamreport.analytics.membership import factorized

    ids = pd.Series([f"KA{i % 997}" for i in range(150_000)], dtype="str")
    frame = pd.DataFrame({"account_id": ids})
    codes, uniques = factorized(frame["account_id"])
    expected_codes, expected_uniques = pd.factorize(ids)
    assert codes.tolist() == expected_codes.tolist()
    assert list(uniques) == list(expected_uniques)
    again, _ = factorized(frame["account_id"])
    assert again is codes  # the same column: encoded once
    frame.loc[0, "account_id"] = "NEW"
    changed, changed_uniques = factorized(frame["account_id"])
    assert changed is not codes
    assert changed_uniques[changed[0]] == "NEW"
    assert changed_uniques[changed[1]] == "KA1"


def test_positions_of_a_remembered_column_in_another_index():
    ids = pd.Series([f"KA{i % 7}" for i in range(120_000)] + [None], dtype="str")
    first = pd.Index(["KA1", "KA3"], dtype="str")
    second = pd.Index(["KA3", "KA6", "KA0"], dtype="str")
    for index in (first, second, first):
        assert positions(ids, index).tolist() == index.get_indexer(ids.to_numpy()).tolist()


def test_by_position_labels_the_groups_and_drops_unknown_ids():
    from kamreport.analytics.membership import by_position

    accounts = pd.Index(["KA1", "KA2", "KA3"], dtype="str", name="account_id")
    ids = pd.Series(["KA2", "KA9", "KA2", "KA1"], dtype="str")
    values = pd.Series([1.0, 5.0, 2.0, 4.0])
    grouped = by_position(values.groupby(positions(ids, accounts)).sum(), accounts)
    expected = values.groupby(ids).sum().reindex(["KA1", "KA2"])
    assert grouped.index.tolist() == ["KA1", "KA2"]
    assert grouped.index.name == "account_id"
    assert grouped.tolist() == expected.tolist() == [4.0, 3.0]


@pytest.mark.parametrize("how", ["sum", "min", "max", "mean", "size"])
@pytest.mark.parametrize("dtype", ["str", ARROW, object])
def test_grouped_by_id_matches_grouping_on_the_ids(how, dtype):
    """The same groups, order and figures as grouping on the ids themselves, to the last
    digit: amounts of very different sizes (the order of addition shows), missing ids,
    ids out of order, a mask of rows; dates for min and max."""
    rng = np.random.default_rng(3)
    n = 200_000  # above the size from which the codes are remembered
    names = np.array([f"K{i:04d}" for i in rng.permutation(3000)] + [None], dtype=object)
    ids = pd.Series(names[rng.integers(0, len(names), n)], dtype=dtype, name="account_id")
    amounts = pd.Series(rng.standard_normal(n) * 10.0 ** rng.integers(-3, 9, n), name="net")
    dates = pd.Series(
        pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
        name="order_date",
    )
    rows = rng.random(n) < 0.7
    values = dates if how in ("min", "max") else amounts
    for mask in (None, rows):
        got = grouped_by_id(values, ids, how, mask)
        part, keys = (values, ids) if mask is None else (values[mask], ids[mask])
        expected = part.groupby(keys).agg(how)
        pd.testing.assert_series_equal(got, expected, check_exact=True, check_names=how != "size")
