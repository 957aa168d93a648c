"""The portfolio report, really executed by papermill, end to end through the CLI."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kamreport.reports.portfolio import SECTIONS
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def kamreport(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kamreport.cli", *args],
        capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=900,
    )  # fmt: skip


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_make_portfolio_writes_every_output(sample_dir, tmp_path, locale):
    out = tmp_path / "out"
    for language in ("en", "zh-CN"):  # an account review in each language, made earlier
        existing = out / "2026-09-30" / language / "customers" / "KA0019"
        existing.mkdir(parents=True)
        (existing / "report.html").write_text("<html></html>", encoding="utf-8")
        manifest = {"locale": language, "outputs": ["report.html", "manifest.json"]}
        (existing / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    stray = out / "2026-09-30" / locale / "customers" / "KA0003"  # no manifest: not a run
    stray.mkdir(parents=True)
    (stray / "report.html").write_text("<html></html>", encoding="utf-8")
    result = kamreport(
        "portfolio", "--source", str(sample_dir), "--output-dir", str(out), "--locale", locale
    )
    assert result.returncode == 0, result.stderr
    folder = out / "2026-09-30" / locale / "portfolio"
    assert f"Report written to {folder / 'portfolio.html'}" in result.stdout
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["accounts.csv", "manifest.json", "portfolio.html", "portfolio_report.ipynb"]
    html = (folder / "portfolio.html").read_text(encoding="utf-8")
    assert tuple(re.findall(r'<section id="([^"]+)"', html)) == SECTIONS
    assert f'lang="{locale}"' in html and "<svg" in html
    assert 'href="../customers/KA0019/report.html"' in html  # the existing account review
    assert "../customers/KA0003/" not in html  # no link where there is no report
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["notebook"] == "portfolio_report.ipynb" and manifest["locale"] == locale
    assert manifest["as_of"] == "2026-09-30"
    notebook = json.loads((folder / "portfolio_report.ipynb").read_text(encoding="utf-8"))
    snapshot = notebook["metadata"]["papermill"]["parameters"]["snapshot"]
    assert json.loads(Path(snapshot).read_text())["params"]["report"]["locale"] == locale
    with open(folder / "accounts.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open(sample_dir / "accounts.csv", encoding="utf-8-sig", newline="") as handle:
        accounts = list(csv.DictReader(handle))
    assert len(rows) == len(accounts)
    assert not list(out.glob("2026-09-30/*/.portfolio.staging-*"))
