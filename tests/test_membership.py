"""is_in and positions give pandas' answers (isin, get_indexer) without Python objects per row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from kamreport.analytics.membership import is_in, positions

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
    # by hand: KA1 is at 1, KA3 at 0, KA2 and the empty cell nowhere
    assert positions(pd.Series(["KA1", "KA2", None, "KA3"], dtype="str"), index).tolist() == [
        1, -1, -1, 0,
    ]  # fmt: skip
