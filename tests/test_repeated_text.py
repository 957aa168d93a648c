"""Repeated text kept as categoricals: the same values, checks and figures as the text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamreport.analytics.clv import run_starts
from kamreport.analytics.membership import factorized, grouped_by_id, is_in, positions
from kamreport.dataset import TEXT_DTYPE
from kamreport.params import DataParams
from kamreport.repeated_text import constant, filled, per_category, per_value, stored_once
from kamreport.row_hashes import column_hashes
from kamreport.schema import TABLES
from kamreport.sources import read_source
from kamreport.validation import validate

# A few ids, some with the spaces and letter case that cleaning changes, and missing ones.
CELLS = st.lists(
    st.one_of(st.none(), st.sampled_from(["KA1", " KA1", "KA1 ", "ka2", "KA2", "", "  ", "b<3"])),
    max_size=40,
)


def text(cells: list) -> pd.Series:
    return pd.Series(cells, dtype=TEXT_DTYPE)


def in_shape(values: pd.Series) -> bool:
    categories = values.cat.categories
    used = np.unique(values.cat.codes[values.cat.codes >= 0])
    return (
        categories.is_monotonic_increasing
        and len(used) == len(categories)
        and categories.dtype == TEXT_DTYPE
    )


@given(CELLS)
@settings(max_examples=200, deadline=None)
def test_stored_once_keeps_every_value(cells):
    original = text(cells)
    once = stored_once(original)
    assert isinstance(once.dtype, pd.CategoricalDtype) and in_shape(once)
    assert once.astype(object).where(once.notna(), None).tolist() == [
        None if pd.isna(c) else c for c in cells
    ]
    assert stored_once(once) is once  # in shape already: kept as it is


def test_stored_once_sorts_and_drops_unused_categories_of_a_categorical():
    messy = pd.Series(pd.Categorical(["b", "a", None, "b"], categories=["z", "b", "a"]))
    once = stored_once(messy)
    assert list(once.cat.categories) == ["a", "b"]
    assert once.astype(object).tolist() == ["b", "a", np.nan, "b"]


@given(CELLS)
@settings(max_examples=200, deadline=None)
def test_per_category_is_the_transform_of_each_row(cells):
    def clean(values: pd.Series) -> pd.Series:
        stripped = values.str.strip().str.upper()
        return stripped.where(stripped != "")

    original = text(cells)
    done = per_category(stored_once(original), clean)
    expected = clean(original)
    assert in_shape(done)
    assert done.astype(object).where(done.notna(), None).tolist() == (
        expected.astype(object).where(expected.notna(), None).tolist()
    )


def test_per_value_and_filled_match_the_text():
    cells = text(["CNY", None, "USD", "CNY"])
    rates = {"USD": 7.0}
    expected = cells.map(rates).fillna(1.0).astype(float).tolist()
    got = per_value(stored_once(cells), lambda c: c.map(rates).fillna(1.0).astype(float))
    assert got.tolist() == expected
    statuses = stored_once(text(["planned", None]))
    assert filled(statuses, "done").astype(str).tolist() == ["planned", "done"]
    assert in_shape(filled(statuses, "done"))


@given(CELLS)
@settings(max_examples=100, deadline=None)
def test_a_categorical_hashes_as_its_text(cells):
    original = text([c.strip() or None if isinstance(c, str) else c for c in cells])
    assert np.array_equal(column_hashes(stored_once(original)), column_hashes(original))


@given(CELLS, st.lists(st.sampled_from(["KA1", "ka2", "KA2", "x"]), max_size=4))
@settings(max_examples=100, deadline=None)
def test_membership_on_categoricals_matches_the_text(cells, allowed):
    original = text(cells)
    # a subset of a larger table: its categoricals keep categories no row uses
    larger = stored_once(text([*cells, "unused", "zz"]))
    subset = larger.iloc[: len(cells)]
    assert np.array_equal(is_in(subset, text(allowed)), original.isin(allowed).to_numpy())
    assert np.array_equal(is_in(original, stored_once(text(allowed))), original.isin(allowed))
    codes, uniques = factorized(subset)
    assert [None if c < 0 else uniques[c] for c in codes] == [
        None if pd.isna(c) else c for c in cells
    ]
    assert len(set(uniques)) == len(uniques) == original.nunique()  # used categories only
    index = pd.Index(["KA2", "KA1", "b<3"], dtype=TEXT_DTYPE)
    assert np.array_equal(positions(subset, index), index.get_indexer(original))
    rows = np.arange(len(cells)) % 3 != 1  # the kept rows only, chosen on the codes
    assert np.array_equal(positions(subset, index, rows), index.get_indexer(original)[rows])
    amounts = pd.Series(np.arange(len(cells), dtype=float))
    pd.testing.assert_series_equal(
        grouped_by_id(amounts, subset, "sum"),
        amounts.groupby(original).sum().rename_axis(None),
        check_names=False,
        check_index_type=False,
    )
    assert np.array_equal(run_starts(subset), run_starts(original))  # a missing id: a run each


def test_every_repeated_column_is_text_and_no_key_repeats():
    for spec in TABLES:
        for column in spec.columns:
            if column.repeats:
                assert column.dtype == "str", (spec.name, column.name)
                assert spec.key != (column.name,), (spec.name, column.name)


def _write(folder, lines: pd.DataFrame, *, dictionary: bool) -> None:
    folder.mkdir()
    table = pa.Table.from_pandas(lines, preserve_index=False)
    if dictionary:  # as an export that stores the repeated ids as dictionaries
        table = table.set_column(
            2, "account_id", pa.compute.dictionary_encode(table.column("account_id"))
        )
    pq.write_table(table, folder / "order_lines.parquet", use_dictionary=dictionary)
    pd.DataFrame({"account_id": ["KA1", "KA2"]}).to_parquet(folder / "accounts.parquet")


@pytest.mark.parametrize("dictionary", [False, True])
def test_parquet_ids_are_cleaned_and_checked_once_per_distinct_value(tmp_path, dictionary):
    lines = pd.DataFrame(
        {
            "order_id": ["SO1", "SO2", "SO3", "SO4"],
            "line_no": [1, 1, 1, 1],
            "account_id": [" KA1", "KA1", "KA2 ", "KA9"],
            "product_id": ["P1", "P1", " P2", "P1"],
            "order_date": pd.to_datetime(["2024-01-15"] * 4).as_unit("ns"),
            "quantity": [1.0] * 4,
            "net_amount": [100.0] * 4,
            "currency": ["cny", "CNY", None, "CNY"],
        }
    )
    _write(tmp_path / "data", lines, dictionary=dictionary)
    tables, report = validate(read_source(DataParams(source=str(tmp_path / "data"))), "CNY")
    typed = tables["order_lines"]
    for column in ("account_id", "product_id", "currency"):
        assert isinstance(typed[column].dtype, pd.CategoricalDtype), column
        assert in_shape(typed[column]), column
    assert typed["account_id"].astype(str).tolist() == ["KA1", "KA1", "KA2", "KA9"]
    assert typed["product_id"].astype(str).tolist() == ["P1", "P1", "P2", "P1"]
    assert typed["currency"].astype(object).tolist() == ["CNY", "CNY", np.nan, "CNY"]
    unknown = [i for i in report.issues if i.code == "unknown_reference"]
    assert len(unknown) == 1, report.format()
    assert "row 4" in str(unknown[0]) and "'KA9'" in str(unknown[0])


@given(CELLS, st.lists(st.booleans(), min_size=40, max_size=40))
@settings(max_examples=100, deadline=None)
def test_codes_of_some_rows_are_those_of_factorising_those_rows(cells, keep):
    from kamreport.analytics.membership import factorized_rows

    rows = np.array(keep[: len(cells)], dtype=bool)
    chunked = pd.Series(
        pd.arrays.ArrowExtensionArray(pa.chunked_array([pa.array(cells[:3], pa.large_string()),
                                                         pa.array(cells[3:], pa.large_string())]))
    ).astype(TEXT_DTYPE)  # fmt: skip
    for values in (text(cells), chunked, pd.Series(cells, dtype=object)):
        assert np.array_equal(factorized_rows(values, rows), pd.factorize(values[rows])[0])


def test_a_categorical_of_numbers_is_looked_up_once_per_value_too():
    numbers = pd.Series(pd.Categorical([3, 1, None, 3, 7], categories=[7, 1, 3, 9]))
    assert np.array_equal(is_in(numbers, [3, 9]), numbers.astype(object).isin([3, 9]))
    assert per_value(numbers, lambda d: d.isna()).tolist() == [False, False, True, False, False]


def test_a_constant_column_is_what_stored_once_makes_of_it():
    index = pd.RangeIndex(5)
    made = stored_once(pd.Series("done", index=index, dtype=TEXT_DTYPE))
    pd.testing.assert_series_equal(constant("done", index), made)
