"""`make validate/metrics/portfolio/list PARAMS=…` read your data without generating,
rewriting or waiting for the bundled sample; without PARAMS (or when PARAMS reads it) the
sample is generated on first use as before.

Each test runs the repository's Makefile in a folder of its own (the package linked in,
the environment of this test run), so the checkout's data/sample is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kamreport.bundled_sample import main, reads_bundled_sample
from kamreport.sample import export_sample
from tests.conftest import require_tool

ROOT = Path(__file__).resolve().parents[1]
DATA_TARGETS = ("validate", "metrics", "portfolio", "list", "report", "reports", "targets")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A folder laid out like the repository: Makefile, pyproject.toml, the package."""
    folder = tmp_path / "repo"
    folder.mkdir()
    shutil.copy(ROOT / "Makefile", folder)
    shutil.copy2(ROOT / "pyproject.toml", folder)  # keeps its age: no reinstall
    (folder / "kamreport").symlink_to(ROOT / "kamreport")
    return folder


def make(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """GNU make in ``folder`` with this test run's environment as the Makefile's venv."""
    tool = require_tool("make")
    venv = Path(sys.executable).parent.parent
    if not (venv / ".installed-stamp").exists():
        pytest.skip(f"needs the environment made by `make venv` ({venv} has no stamp)")
    env = {k: v for k, v in os.environ.items() if k not in ("PARAMS", "MAKEFLAGS")}
    # never remake the environment this test runs in (a checkout newer than its stamp
    # would reinstall the package from there)
    stamp = venv / ".installed-stamp"
    return subprocess.run(
        [tool, "--no-print-directory", f"VENV={venv}", "-o", str(stamp), *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def own_data(folder: Path) -> Path:
    """A params file pointing at a small export outside data/sample."""
    export_sample(folder / "export", "csv", seed=5, profile="wholesale", n_accounts=30)
    params = folder / "mine.yaml"
    params.write_text(
        "data:\n  source: export\n  currency: GBP\n  lines_without_account: exclude\n",
        encoding="utf-8",
    )
    return params


@pytest.mark.parametrize("target", DATA_TARGETS)
def test_dry_run_with_params_elsewhere_never_names_the_sample(checkout: Path, target: str):
    own_data(checkout)
    plan = make(checkout, "-n", target, "PARAMS=mine.yaml", "CUSTOMER=12346")
    assert plan.returncode == 0, plan.stderr
    assert "sample --out data/sample" not in plan.stdout
    assert "kamreport.bundled_sample" in plan.stdout  # the sample only if the params read it


@pytest.mark.parametrize("target", DATA_TARGETS)
def test_dry_run_without_params_generates_the_sample_first(checkout: Path, target: str):
    plan = make(checkout, "-n", target, "CUSTOMER=KA0001")
    assert plan.returncode == 0, plan.stderr
    assert "sample --out data/sample --format csv" in plan.stdout


def test_validate_with_params_elsewhere_leaves_data_sample_alone(checkout: Path):
    own_data(checkout)
    done = make(checkout, "validate", "PARAMS=mine.yaml")
    assert done.returncode == 0, done.stderr
    assert "excluded_no_account" in done.stdout
    assert not (checkout / "data").exists()


def test_validate_with_params_reading_the_sample_generates_it(checkout: Path):
    (checkout / "sample.yaml").write_text("data:\n  source: data/sample\n", encoding="utf-8")
    done = make(checkout, "validate", "PARAMS=sample.yaml")
    assert done.returncode == 0, done.stderr
    assert (checkout / "data" / "sample" / ".complete").is_file()
    assert "260 accounts" in done.stdout


def test_which_params_read_the_bundled_sample(tmp_path: Path):
    def params(text: str) -> Path:
        path = tmp_path / "p.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    assert reads_bundled_sample(None, tmp_path)  # the default source
    assert reads_bundled_sample(params("data:\n  source: ./data/sample/\n"), tmp_path)
    assert reads_bundled_sample(params(f"data:\n  source: {tmp_path}/data/sample\n"), tmp_path)
    assert not reads_bundled_sample(params("data:\n  source: data/export\n"), tmp_path)
    assert not reads_bundled_sample(params("data:\n  source: sqlite:///data/sample\n"), tmp_path)
    assert main([str(params("data:\n  source: data/export\n"))]) == 1
    assert main([str(tmp_path / "missing.yaml")]) == 1  # the run itself reports it
