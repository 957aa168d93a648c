"""Repeated keys found by hashing give exactly what pandas' duplicated(keep=False) gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamreport.validation import keys
from kamreport.validation.keys import repeated_rows

_ID_TEXT = st.text(alphabet=st.sampled_from(list("AB0-中\x00é ")), max_size=19)


def expected(frame: pd.DataFrame, key: list[str]) -> list[bool]:
    complete = frame[key].notna().all(axis=1).to_numpy()
    return (frame.duplicated(subset=key, keep=False).to_numpy() & complete).tolist()


@settings(max_examples=200, deadline=None)
@given(
    ids=st.lists(st.one_of(st.none(), _ID_TEXT), min_size=1, max_size=30),
    numbers=st.lists(st.one_of(st.none(), st.integers(-3, 3)), min_size=30, max_size=30),
    start=st.integers(0, 3),
)
def test_repeated_keys_are_the_rows_pandas_finds(ids, numbers, start):
    frame = pd.DataFrame(
        {
            "order_id": pd.Series(ids, dtype="str"),
            "line_no": pd.Series(numbers[: len(ids)], dtype="Int64"),
        }
    ).iloc[start:]  # a slice: Arrow arrays with an offset
    frame = frame.reset_index(drop=True)
    for key in (["order_id"], ["order_id", "line_no"]):
        complete = frame[key].notna().all(axis=1).to_numpy()  # the caller leaves out the rest
        assert (repeated_rows(frame, key) & complete).tolist() == expected(frame, key)


def test_dates_floats_and_text_keys_of_every_length():
    frame = pd.DataFrame(
        {
            "account_id": pd.Series(["A" * n for n in range(20)] * 2 + ["B", "b"], dtype="str"),
            "month": pd.to_datetime(["2024-01-01"] * 20 + ["2024-02-01"] * 20 + ["2024-01-01"] * 2),
            "share": [0.0] * 41 + [-0.0],
        }
    )
    for key in (["account_id", "month"], ["account_id"], ["share"], ["month", "share"]):
        assert repeated_rows(frame, key).tolist() == expected(frame, key)


def test_rows_whose_hashes_collide_are_compared_exactly(monkeypatch):
    """Every hash equal: the rows are still told apart by their values."""
    monkeypatch.setattr(keys, "row_hashes", lambda frame, key: np.zeros(len(frame), np.uint64))
    frame = pd.DataFrame({"invoice_id": pd.Series(["I1", "I2", "I1", "I3"], dtype="str")})
    assert repeated_rows(frame, ["invoice_id"]).tolist() == [True, False, True, False]


@pytest.mark.parametrize("size", [200_000])
def test_a_large_clean_key_has_no_repeats_and_one_repeat_is_found(size):
    ids = pd.Series([f"SO-{i:09d}" for i in range(size)], dtype="str")
    frame = pd.DataFrame({"order_id": ids, "line_no": pd.Series(np.ones(size, int), dtype="Int64")})
    assert not repeated_rows(frame, ["order_id", "line_no"]).any()
    frame.loc[size - 1, "order_id"] = "SO-000000007"
    assert np.flatnonzero(repeated_rows(frame, ["order_id", "line_no"])).tolist() == [7, size - 1]


def test_a_key_repeated_across_arrow_chunks_is_found():
    """A key's hash is its own, not its chunk's: a short id in a chunk that holds a long
    one hashes as the same id in a chunk of short ones."""
    import pyarrow as pa

    chunks = pa.chunked_array([pa.array(["A1", "B" * 20, "C"]), pa.array(["A1", "D"])])
    frame = pd.DataFrame({"order_id": pd.Series(pd.arrays.ArrowStringArray(chunks))})
    assert repeated_rows(frame, ["order_id"]).tolist() == [True, False, False, True, False]
