"""Row hashes and the dataset's content hash: equal content hashes alike, any change does not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from kamreport.dataset import Dataset
from kamreport.loading import load_dataset
from kamreport.params import DataParams
from kamreport.row_hashes import row_hashes
from kamreport.sample.export import export_sample

SMALL = {"seed": 3, "n_accounts": 100, "target_lines": 6_000}  # generate_sample's arguments


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folders = {}
    for kind in ("csv", "parquet"):
        folders[kind] = tmp_path_factory.mktemp(kind) / "data"
        export_sample(folders[kind], fmt=kind, **SMALL)
    return folders


def test_the_same_data_as_csv_or_parquet_has_one_content_hash(exported):
    csv = load_dataset(DataParams(source=str(exported["csv"])))
    parquet = load_dataset(DataParams(source=str(exported["parquet"])))
    assert csv.content_hash() == parquet.content_hash()


def test_row_order_does_not_matter_and_any_changed_cell_does(exported):
    dataset = load_dataset(DataParams(source=str(exported["parquet"])))
    tables = dict(dataset.tables)
    lines = tables["order_lines"]
    shuffled = lines.sample(frac=1.0, random_state=1).reset_index(drop=True)
    assert Dataset({**tables, "order_lines": shuffled}).content_hash() == dataset.content_hash()
    seen = {dataset.content_hash()}
    for column in ("order_id", "net_amount", "order_date", "line_no", "cost_amount"):
        changed = lines.copy()
        value = changed.loc[7, column]
        if isinstance(value, str):
            changed.loc[7, column] = value + "x"
        elif isinstance(value, pd.Timestamp):
            changed.loc[7, column] = value + pd.Timedelta(days=1)
        else:
            changed.loc[7, column] = value + 1
        seen.add(Dataset({**tables, "order_lines": changed}).content_hash())
        missing = lines.copy()
        missing.loc[7, column] = None
        seen.add(Dataset({**tables, "order_lines": missing}).content_hash())
    assert len(seen) == 11  # the original, five changed cells and five emptied ones


def test_a_missing_value_hashes_apart_from_a_zero_or_an_empty_text():
    frame = pd.DataFrame(
        {
            "text": pd.Series(["", None, "a"], dtype="str"),
            "number": [0.0, np.nan, -0.0],
            "count": pd.Series([0, None, 0], dtype="Int64"),
            "day": pd.to_datetime(["1970-01-01", None, "1970-01-01"]),
        }
    )
    for column in frame:
        hashes = row_hashes(frame, [column], missing_apart=True)
        assert hashes[0] != hashes[1], column
    number = row_hashes(frame, ["number"], missing_apart=True)
    assert number[0] == number[2]  # -0.0 is 0.0


def test_text_hashes_alike_whatever_its_chunks_or_offset_width():
    values = ["", "a", "abcdefgh", "abcdefghi", "中文名称有限公司", None] * 3
    one = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([pa.array(values, pa.string())])))
    split = pa.chunked_array(
        [pa.array(values[:7], pa.large_string()), pa.array(values[7:], pa.large_string())]
    )
    other = pd.Series(pd.arrays.ArrowStringArray(split))
    a = row_hashes(pd.DataFrame({"t": one}), ["t"])
    b = row_hashes(pd.DataFrame({"t": other}), ["t"])
    assert a.tolist() == b.tolist()
    assert len(set(a[:5].tolist())) == 5  # five different texts, five hashes


def test_columns_are_hashed_in_order():
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 1.0]})
    ab, ba = row_hashes(frame, ["a", "b"]), row_hashes(frame, ["b", "a"])
    assert ab[0] != ab[1] and ab[0] == ba[1]


def test_a_row_hashes_alike_whatever_block_or_chunk_it_is_hashed_in(monkeypatch):
    import kamreport.row_hashes as hashing
    from kamreport.repeated_text import stored_once

    texts = ["", "a", None, "abcdefghi", "中文名称有限公司", "KA1", "x" * 17]
    wide = pa.large_string()
    chunked = pa.chunked_array([pa.array(texts[:4], wide), pa.array(texts[4:], wide)])
    frame = pd.DataFrame(
        {
            "text": pd.Series(pd.arrays.ArrowStringArray(chunked)),
            "label": stored_once(pd.Series(texts, dtype="str")),
            "number": [0.5, np.nan, -0.0, 3.0, 1e300, -2.0, 7.0],
            "count": pd.Series([1, None, 3, 4, 5, 6, 7], dtype="Int64"),
            "day": pd.to_datetime(["2024-01-01", None, "2024-02-29", "2024-03-01", None,
                                   "1970-01-01", "2030-12-31"]),
            "flag": [True, False, True, True, False, False, True],
        }
    )  # fmt: skip
    columns = list(frame.columns)
    # each row alone (a block of one row) is the independent reference
    alone = [hashing.row_hashes(frame.iloc[[i]], columns, missing_apart=True)[0] for i in range(7)]
    for block in (1, 2, 3, 5, 1 << 20):
        monkeypatch.setattr(hashing, "_BLOCK", block)
        assert hashing.row_hashes(frame, columns, missing_apart=True).tolist() == alone, block
    assert len(set(alone)) == 7
