"""The customer report, really executed by papermill, end to end through the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow
AS_OF = dt.date(2026, 9, 30)


def kamreport(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kamreport.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


def independent_ltm_revenue(data_dir: Path, account_id: str) -> float:
    """LTM revenue straight from the CSV with the csv module: as_of − 12 months < d ≤ as_of."""
    total = 0.0
    with open(data_dir / "order_lines.csv", encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            day = dt.date.fromisoformat(row["order_date"][:10])
            if row["account_id"] == account_id and dt.date(2025, 9, 30) < day <= AS_OF:
                total += float(row["net_amount"])
    return total


def biggest_account(data_dir: Path) -> str:
    totals: dict[str, float] = {}
    with open(data_dir / "order_lines.csv", encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            totals[row["account_id"]] = totals.get(row["account_id"], 0) + float(row["net_amount"])
    return max(totals, key=totals.__getitem__)


def kpi_cell(html: str, metric: str, column: int) -> str:
    row = re.search(rf'<tr data-metric="{metric}">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="num">(.*?)</td>', row, re.S)
    return re.sub(r"<[^>]+>", "", cells[column]).strip()


@pytest.fixture(scope="module")
def english_run(sample_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    account = biggest_account(sample_dir)
    result = kamreport(
        "report", "--customer", account, "--source", str(sample_dir), "--output-dir", str(out)
    )
    return account, out, result


def test_report_writes_the_three_files(english_run):
    account, out, result = english_run
    assert result.returncode == 0, result.stderr
    folder = out / AS_OF.isoformat() / "en" / "customers" / account
    assert sorted(p.name for p in folder.iterdir()) == [
        "customer_report.ipynb",
        "manifest.json",
        "report.html",
    ]
    assert f"Report written to {folder / 'report.html'}" in result.stdout


def test_twelve_month_revenue_matches_an_independent_computation(english_run, sample_dir):
    account, out, _ = english_run
    html = (out / AS_OF.isoformat() / "en" / "customers" / account / "report.html").read_text()
    shown = kpi_cell(html, "revenue", 0)
    assert shown.startswith("CN¥")
    assert int(re.sub(r"[^\d-]", "", shown)) == round(independent_ltm_revenue(sample_dir, account))


def test_report_is_self_contained(english_run):
    account, out, _ = english_run
    html = (out / AS_OF.isoformat() / "en" / "customers" / account / "report.html").read_text()
    assert "<svg" in html and "<style>" in html
    assert not re.search(r"<(link|script)[^>]+(href|src)=", html)
    assert 'lang="en"' in html
    for section in ("profile", "kpis", "trend", "data-quality"):
        assert f'<section id="{section}"' in html


def test_manifest_records_provenance(english_run):
    account, out, _ = english_run
    manifest = json.loads(
        (out / AS_OF.isoformat() / "en" / "customers" / account / "manifest.json").read_text()
    )
    assert manifest["customer"] == account
    assert manifest["as_of"] == AS_OF.isoformat()
    assert len(manifest["data_hash"]) == 64
    assert manifest["params"]["report"]["locale"] == "en"
    assert manifest["version"]
    assert manifest["run_seconds"] > 0
    executed = json.loads(
        (
            out / AS_OF.isoformat() / "en" / "customers" / account / "customer_report.ipynb"
        ).read_text()
    )
    assert executed["metadata"]["papermill"]["parameters"]["customer"] == account


def test_chinese_report(sample_dir, tmp_path):
    account = biggest_account(sample_dir)
    result = kamreport(
        "report",
        "--customer",
        account,
        "--source",
        str(sample_dir),
        "--output-dir",
        str(tmp_path),
        "--locale",
        "zh-CN",
    )
    assert result.returncode == 0, result.stderr
    folder = tmp_path / AS_OF.isoformat() / "zh-CN" / "customers" / account
    html = (folder / "report.html").read_text()
    assert 'lang="zh-CN"' in html
    assert "大客户档案卡" in html and "关键指标" in html
    assert kpi_cell(html, "revenue", 0).startswith("¥")


def test_unknown_customer_names_the_closest(sample_dir, tmp_path):
    result = kamreport(
        "report", "--customer", "KA00O1", "--source", str(sample_dir), "--output-dir", str(tmp_path)
    )
    assert result.returncode == 1
    assert "Unknown customer 'KA00O1'. Closest matches: " in result.stderr
    assert "KA0001" in result.stderr
    assert not any(tmp_path.iterdir())


def tiny_dataset(folder: Path, account_id: str, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "accounts.csv").write_text(
        f"account_id,name\n{account_id},{name}\nOK1,Plain Co\n", encoding="utf-8"
    )
    rows = ["order_id,line_no,account_id,product_id,order_date,quantity,net_amount,cost_amount"]
    for month in range(1, 10):
        rows.append(f"O{month},1,{account_id},P1,2026-0{month}-15,1,1000,600")
        rows.append(
            f"Q{month},1,OK1,P1,2026-0{month}-30,1,500,300"
            if month != 2
            else f"Q{month},1,OK1,P1,2026-02-28,1,500,300"
        )
    (folder / "order_lines.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_customer_id_cannot_write_outside_outputs(tmp_path):
    data = tiny_dataset(tmp_path / "data", "../../escape", "Escape Ltd")
    out = tmp_path / "nested" / "outputs"
    result = kamreport(
        "report", "--customer", "../../escape", "--source", str(data), "--output-dir", str(out)
    )
    assert result.returncode == 0, result.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file() and data not in p.parents]
    assert written and all(out in p.parents for p in written)
    assert not (tmp_path / "escape").exists() and not (tmp_path / "nested" / "escape").exists()


def test_account_name_with_script_is_escaped(tmp_path):
    data = tiny_dataset(tmp_path / "data", "X1", "<script>alert('x')</script> & Co")
    result = kamreport(
        "report", "--customer", "X1", "--source", str(data), "--output-dir", str(tmp_path / "out")
    )
    assert result.returncode == 0, result.stderr
    html = (
        tmp_path / "out" / AS_OF.isoformat() / "en" / "customers" / "X1" / "report.html"
    ).read_text()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in html


def test_failed_notebook_keeps_the_good_report(tmp_path):
    data = tiny_dataset(tmp_path / "data", "X1", "Good Co")
    out = tmp_path / "out"
    assert (
        kamreport(
            "report", "--customer", "X1", "--source", str(data), "--output-dir", str(out)
        ).returncode
        == 0
    )
    report = out / AS_OF.isoformat() / "en" / "customers" / "X1" / "report.html"
    good = report.read_bytes()

    home = tmp_path / "home"
    shutil.copytree(ROOT / "templates", home / "templates")
    notebook = json.loads((ROOT / "notebooks" / "customer_report.ipynb").read_text())
    notebook["cells"].append(
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": "raise RuntimeError('broken on purpose')",
        }
    )
    (home / "notebooks").mkdir()
    (home / "notebooks" / "customer_report.ipynb").write_text(json.dumps(notebook))
    result = kamreport(
        "report",
        "--customer",
        "X1",
        "--source",
        str(data),
        "--output-dir",
        str(out),
        env={"KAMREPORT_HOME": str(home)},
    )
    assert result.returncode == 1
    failed = report.parent / "customer_report.failed.ipynb"
    assert f"The failed notebook is kept at: {failed}" in result.stderr
    assert "RuntimeError: broken on purpose" in result.stderr
    assert failed.exists()
    assert report.read_bytes() == good
    assert not [p for p in report.parent.parent.iterdir() if "staging" in p.name]


@pytest.mark.system
def test_report_renders_in_a_headless_browser(english_run, tmp_path):
    """The report as a reader sees it: Chromium lays it out and paints real content."""
    from PIL import Image

    from tests.conftest import require_tool

    browser = require_tool("chromium", "chromium-browser", "google-chrome")
    account, out, _ = english_run
    page = out / AS_OF.isoformat() / "en" / "customers" / account / "report.html"
    shot = tmp_path / "report.png"
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars",
         "--window-size=1200,3000", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    image = Image.open(shot).convert("L")
    assert image.size == (1200, 3000)
    # mostly white page with real ink: text, cards and charts
    dark = float((np.asarray(image) < 128).mean())
    assert 0.005 < dark < 0.5
