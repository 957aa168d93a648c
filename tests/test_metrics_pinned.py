"""The metrics table of the bundled sample stays what it was when it was pinned.

tests/fixtures/metrics/sample-2026-09-30.csv is ``kamreport metrics --all --format csv``
of the sample as of 2026-09-30, written before the portfolio-wide aggregates were
reorganised for speed: any change of a figure, a column or a row shows up here.
Numbers are compared to 12 significant digits (summing in another order may move
the last binary digit); text, counts and missing values exactly.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd

from kamreport.dataset import Dataset
from kamreport.metrics import account_metrics
from kamreport.params import Params
from kamreport.spreadsheet_safety import csv_safe_frame
from tests.conftest import ROOT

PINNED = ROOT / "tests" / "fixtures" / "metrics" / "sample-2026-09-30.csv"


def as_csv_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The table as the CLI writes it, read back as plain text cells."""
    text = csv_safe_frame(table).to_csv(index=False, lineterminator="\n")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def differences(pinned: pd.DataFrame, now: pd.DataFrame) -> list[str]:
    found = []
    for column in pinned.columns:
        for row, (a, b) in enumerate(zip(pinned[column], now[column], strict=True)):
            if a == b:
                continue
            try:
                x, y = float(a), float(b)
            except ValueError:
                found.append(f"{column} row {row}: {a!r} → {b!r}")
                continue
            if not np.isclose(x, y, rtol=1e-12, atol=0.0):
                found.append(f"{column} row {row}: {a!r} → {b!r}")
    return found


def test_metrics_of_the_sample_are_the_pinned_ones(sample_tables):
    table = account_metrics(Dataset(sample_tables, currency="CNY"), dt.date(2026, 9, 30), Params())
    pinned = pd.read_csv(PINNED, dtype=str, keep_default_na=False)
    now = as_csv_frame(table)
    assert list(now.columns) == list(pinned.columns)
    assert list(now["account_id"]) == list(pinned["account_id"])
    assert differences(pinned, now) == []


def test_the_comparison_sees_a_changed_figure():
    pinned = pd.DataFrame({"a": ["1.5", "x", ""]})
    assert differences(pinned, pinned.copy()) == []
    assert differences(pinned, pd.DataFrame({"a": ["1.5000001", "x", ""]})) != []
    assert differences(pinned, pd.DataFrame({"a": ["1.5", "y", ""]})) != []
    assert differences(pinned, pd.DataFrame({"a": ["1.5", "x", "0"]})) != []
    assert differences(pinned, pd.DataFrame({"a": ["1.50000000000001", "x", ""]})) == []
