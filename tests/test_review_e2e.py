"""The account review run by papermill through the CLI: every section, and the same
numbers as `kamreport metrics`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from kamreport.i18n import Formatter
from kamreport.reports.customer import SECTION_IDS
from tests.conftest import ROOT
from tests.test_metrics import cell

pytestmark = pytest.mark.slow


def kamreport(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kamreport.cli", *args],
        capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=600,
    )  # fmt: skip


def test_chinese_review_and_metrics_agree(sample_dir, tmp_path):
    run = kamreport("report", "--customer", "KA0022", "--locale", "zh-CN",
                    "--source", str(sample_dir), "--output-dir", str(tmp_path))  # fmt: skip
    assert run.returncode == 0, run.stderr
    folder = tmp_path / "2026-09-30" / "zh-CN" / "customers" / "KA0022"
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert re.findall(r'<section id="([^"]+)"', html) == list(SECTION_IDS)
    assert 'data-flag="COMPLAINT_SPIKE"' in html
    assert "近90天新增投诉" in html  # the reason in the report language
    printed = kamreport("metrics", "--customer", "KA0022", "--source", str(sample_dir))
    assert printed.returncode == 0, printed.stderr
    metrics = json.loads(printed.stdout)
    fmt = Formatter("zh-CN", "CNY")
    assert cell(html, "revenue") == fmt.money(metrics["revenue_ltm"])
    assert cell(html, "collection_rate") == fmt.percent(metrics["collection_rate"])
    assert cell(html, "clv") == fmt.money(metrics["clv"])
    assert cell(html, "p_alive") == fmt.percent(metrics["p_alive"])
    assert metrics["risk_flags"] == re.findall(r'data-flag="([A-Z_]+)"', html)
