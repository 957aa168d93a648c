"""``make test`` on a machine without the PDF libraries and system tools: the tests that need
them skip, each with the command that installs what is missing — and fail instead when
KAMREPORT_REQUIRE_SYSTEM_TOOLS=1, as in CI."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow
SELECTION = [
    "tests/test_pdf.py",
    "tests/test_targets_workbook.py::test_libreoffice_recalculates_the_same_totals",
]
MISSING = "pdf-engine,soffice,libreoffice,pdftotext,pdffonts,pdfinfo,pdftoppm,pdfimages"


def run_tests(**env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "KAMREPORT_TEST_PRETEND_MISSING": MISSING, **env}
    environment.pop("KAMREPORT_REQUIRE_SYSTEM_TOOLS", None)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *SELECTION],
        capture_output=True, text=True, cwd=ROOT, env=environment, timeout=900,
    )  # fmt: skip


def test_missing_system_parts_skip_with_the_install_command():
    result = run_tests()
    assert result.returncode == 0, result.stdout[-3000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert "error" not in summary and "failed" not in summary, summary
    skips = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skips) >= 5, result.stdout[-3000:]
    for line in skips:
        assert re.search(r"apt-get install \S+", line), line


def test_in_ci_a_missing_system_part_is_a_failure():
    result = run_tests(KAMREPORT_REQUIRE_SYSTEM_TOOLS="1")
    assert result.returncode != 0
    assert "KAMREPORT_REQUIRE_SYSTEM_TOOLS=1 forbids skipping" in result.stdout
    assert "SKIPPED" not in result.stdout
