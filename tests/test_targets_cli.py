"""`kamreport targets` and `kamreport targets-import`: arguments, errors, and the real run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kamreport import cli
from kamreport.runner import RunResult
from tests.conftest import ROOT


def test_targets_passes_year_goal_and_overrides(monkeypatch, tmp_path, capsys):
    seen = {}

    def fake(year, goal, *, params_file, overrides):
        seen.update(year=year, goal=goal, params_file=params_file, overrides=overrides)
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
        ]
    )
    assert code == 0
    assert seen == {
        "year": 2027,
        "goal": 5_000_000.0,
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
    # untouched, the workbook imports as it is: every account at its top-down share of the goal
    imported = subprocess.run(
        [
            sys.executable, "-m", "kamreport.cli", "targets-import", "--year", "2027",
            "--file", str(folder / "targets-2027.xlsx"), "--source", str(data),
        ],
        capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=600,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert "The previous version is kept in" in imported.stdout
    backups = [p.name for p in Path(data).iterdir() if p.name.startswith("targets.csv.")]
    assert len(backups) == 1
    from kamreport.loading import load_dataset
    from kamreport.params import DataParams

    dataset = load_dataset(DataParams(source=str(data)))
    targets = dataset.get("targets")
    year = targets.loc[targets["month"].dt.year == 2027]
    from openpyxl import load_workbook

    from kamreport.workbook.layout import letter

    book = load_workbook(folder / "targets-2027.xlsx")
    goal = book["Summary"]["B3"].value
    assert year["revenue_target"].sum() == pytest.approx(goal, abs=1.0)
    # the default goal: this year's forecast of the workbook's accounts + 5%
    sheet = book["Accounts"]
    forecast = sum(sheet[f"{letter('forecast')}{r}"].value for r in range(2, sheet.max_row + 1))
    assert goal == pytest.approx(round(1.05 * forecast, -3))
    assert "Adjusted for inactivity" in html and "fall short of the goal by" in html
