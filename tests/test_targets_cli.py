"""`kamreport targets` and `kamreport targets-import`: arguments, errors, and the real run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from kamreport import cli
from kamreport.runner import RunResult
from kamreport.workbook.layout import SERVICE_COLUMNS, letter
from tests.conftest import ROOT


def test_targets_passes_year_goal_and_overrides(monkeypatch, tmp_path, capsys):
    seen = {}

    def fake(year, goal, split, *, params_file, overrides):
        seen.update(year=year, goal=goal, split=split, params_file=params_file, overrides=overrides)
        files = (tmp_path / "targets-2027.xlsx", tmp_path / "targets-2027.html")
        return RunResult(directory=tmp_path, files=files, seconds=1.0)

    monkeypatch.setattr("kamreport.runner.run_target_setting", fake)
    code = cli.main(
        [
            "targets",
            "--year",
            "2027",
            "--goal",
            "5e6",
            "--locale",
            "zh-CN",
            "--set",
            "targets.tolerance=0.05",
            "--split",
            "manager",
        ]
    )
    assert code == 0
    assert seen == {
        "year": 2027,
        "goal": 5_000_000.0,
        "split": "manager",
        "params_file": None,
        "overrides": {"targets": {"tolerance": 0.05}, "report": {"locale": "zh-CN"}},
    }
    out = capsys.readouterr().out
    assert f"Wrote {tmp_path / 'targets-2027.xlsx'}" in out


def test_targets_import_reports_problems_and_exits_non_zero(tmp_path, capsys):
    missing = tmp_path / "nope.xlsx"
    code = cli.main(["targets-import", "--file", str(missing), "--year", "2027"])
    assert code == 1
    err = capsys.readouterr().err
    assert f"error: The workbook {missing} has 1 error(s); nothing was written." in err
    assert "found no such file, expected the edited targets workbook." in err


@pytest.mark.slow
def test_make_targets_end_to_end(tmp_path, sample_dir):
    data = tmp_path / "data"
    shutil.copytree(sample_dir, data)
    out = tmp_path / "out"
    run = subprocess.run(
        [
            sys.executable, "-m", "kamreport.cli", "targets", "--year", "2027",
            "--source", str(data), "--output-dir", str(out),
        ],
        capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    folder = out / "2026-09-30" / "en" / "targets"
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "manifest.json", "target_setting.ipynb", "targets-2027.html", "targets-2027.xlsx",
    ]  # fmt: skip
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["year"] == 2027 and manifest["as_of"] == "2026-09-30"
    html = (folder / "targets-2027.html").read_text(encoding="utf-8")
    for heading in ("targets against actuals (2025)", "Back-test", "MAPE"):
        assert heading in html
    # a column of the user's own in the targets table, which no import may touch
    table = pd.read_csv(data / "targets.csv", dtype=str, keep_default_na=False)
    table["owner_note"] = [f"note {i}" for i in range(len(table))]
    table.to_csv(data / "targets.csv", index=False)
    before = table.copy()

    def import_untouched() -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable, "-m", "kamreport.cli", "targets-import", "--year", "2027",
                "--file", str(folder / "targets-2027.xlsx"), "--source", str(data),
            ],
            capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=600,
        )  # fmt: skip

    # untouched, the workbook imports as it is: every account at its top-down share of the goal
    imported = import_untouched()
    assert imported.returncode == 0, imported.stderr
    assert "The previous version is kept in" in imported.stdout
    backups = [p.name for p in Path(data).iterdir() if p.name.startswith("targets.csv.")]
    assert len(backups) == 1
    after = pd.read_csv(data / "targets.csv", dtype=str, keep_default_na=False)
    new_year = after["month"].str.startswith("2027")
    # every row of other years is unchanged in every column, the user's column included
    kept = after.loc[~new_year, list(before.columns)].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, before)
    # the new year has every column the import manages: nothing blank in visits_target
    added = after.loc[new_year]
    for column in ("revenue_target", "visits_target", "senior_visits_target", "training_target",
                   "proposed_target", "target_source", "target_method"):  # fmt: skip
        assert (added[column] != "").all(), column
    assert set(added["target_source"]) == {"top_down"}
    service = load_workbook(folder / "targets-2027.xlsx")["Service"]
    planned = {
        service[f"A{r}"].value: service[f"{letter('visits_proposed', SERVICE_COLUMNS)}{r}"].value
        for r in range(2, service.max_row + 1)
    }
    visits = added.assign(v=added["visits_target"].astype(float)).groupby("account_id")["v"].sum()
    assert visits.to_dict() == pytest.approx(planned)
    categories = pd.read_csv(data / "category_targets.csv", dtype={"account_id": str})
    assert set(categories["year"]) == {2027} and len(categories) > 0
    # the user fills in their column for the new year; importing the same workbook again
    # changes nothing at all
    after.loc[new_year, "owner_note"] = "agreed in the workshop"
    after.to_csv(data / "targets.csv", index=False)
    assert import_untouched().returncode == 0
    again = pd.read_csv(data / "targets.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(again, after)
    from kamreport.loading import load_dataset
    from kamreport.params import DataParams

    dataset = load_dataset(DataParams(source=str(data)))
    targets = dataset.get("targets")
    year = targets.loc[targets["month"].dt.year == 2027]
    book = load_workbook(folder / "targets-2027.xlsx")
    goal = book["Summary"]["B3"].value
    assert year["revenue_target"].sum() == pytest.approx(goal, abs=1.0)
    # the default goal: this year's forecast of the workbook's accounts + 5%
    sheet = book["Accounts"]
    forecast = sum(sheet[f"{letter('forecast')}{r}"].value for r in range(2, sheet.max_row + 1))
    assert goal == pytest.approx(round(1.05 * forecast, -3))
    assert "Adjusted for inactivity" in html and "fall short of the goal by" in html
