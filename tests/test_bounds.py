"""Values at the boundary: no figure is written as NaN or Infinity, an as-of date outside
the data is refused before any report starts, and absurd amounts never reach a figure."""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from kamreport import cli
from kamreport.errors import DataValidationError, ParamsError
from kamreport.loading import load_dataset
from kamreport.metrics import records, to_json
from kamreport.outputs import atomic_write_json
from kamreport.params import DataParams, load_params


def strict_loads(text: str):
    """json.loads that refuses NaN and Infinity, which are not JSON."""

    def refuse(name: str):
        raise AssertionError(f"{name} in JSON output")

    return json.loads(text, parse_constant=refuse)


def test_infinite_and_missing_figures_become_null_in_the_metrics_json():
    frame = pd.DataFrame(
        {
            "account_id": ["A1", "A2", "A3"],
            "clv": [math.inf, -math.inf, math.nan],
            "revenue_ltm": [1.5, 2.0, 3.0],
            "risk_flags": ["", "", ""],
        }
    )
    text = to_json(records(frame))
    assert "Infinity" not in text and "NaN" not in text
    rows = strict_loads(text)
    assert [r["clv"] for r in rows] == [None, None, None]
    assert [r["revenue_ltm"] for r in rows] == [1.5, 2.0, 3.0]


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_json_writers_refuse_non_finite_numbers(tmp_path: Path, bad: float):
    with pytest.raises(ValueError, match="not JSON compliant"):
        to_json({"clv": bad})
    target = tmp_path / "manifest.json"
    with pytest.raises(ValueError, match="not JSON compliant"):
        atomic_write_json(target, {"figure": bad})
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_non_finite_parameters_are_refused():
    with pytest.raises(ParamsError, match="must be a finite number, found 'inf'"):
        load_params(overrides={"data": {"bounds": {"max_amount": "inf"}}})
    with pytest.raises(ParamsError, match=r"data.bounds.max_amount must be between"):
        load_params(overrides={"data": {"bounds": {"max_amount": 0}}})


def _edit_order_lines(folder: Path, **cells: str) -> None:
    """Overwrite column values of the first data rows of order_lines.csv."""
    path = folder / "order_lines.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    for column, value in cells.items():
        rows[1][header.index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def test_an_overflowing_amount_stops_at_validation(sample_dir: Path, tmp_path: Path):
    data = Path(shutil.copytree(sample_dir, tmp_path / "data"))
    _edit_order_lines(data, net_amount="1e308")
    with pytest.raises(DataValidationError) as caught:
        load_dataset(DataParams(source=str(data)))
    (issue,) = caught.value.report.errors
    assert (issue.code, issue.column, issue.row) == ("out_of_range", "net_amount", 2)
    assert "data.bounds.max_amount" in str(issue)


def test_an_as_of_before_the_data_is_a_clear_error_before_any_report(
    sample_dir: Path, tmp_path: Path, capsys
):
    out = tmp_path / "out"
    where = ["--source", str(sample_dir), "--output-dir", str(out)]
    code = cli.main(["report", "--customer", "KA0008", "--as-of", "1900-01-01", *where])
    assert code == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert (
        "The as-of date 1900-01-01 is before the first order in the data (orders run from "
        "2023-01-01 to 2026-09-30). Choose AS_OF between 2023-01-01 and 2026-09-30."
    ) in captured.err
    reports = [p for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts]
    assert reports == []  # no kernel ran, nothing was written


def test_an_as_of_after_the_data_names_the_span(sample_dir: Path, tmp_path: Path, capsys):
    where = ["--source", str(sample_dir), "--output-dir", str(tmp_path / "out")]
    code = cli.main(["report", "--customer", "KA0008", "--as-of", "2030-01-31", *where])
    assert code == 1
    assert (
        "The as-of date 2030-01-31 is after the last order in the data (orders run from "
        "2023-01-01 to 2026-09-30). Choose AS_OF on or before 2026-09-30."
    ) in capsys.readouterr().err
