"""A wheel built from the repository renders reports: notebooks, templates, default parameters
and fonts travel inside the package, so nothing is read from the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, cwd=cwd, env=env, timeout=900
    )
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A new virtual environment outside the repository with only the wheel installed in it;
    the dependencies come from this environment's site-packages (a .pth line)."""
    work = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
        "-w", work / "dist", ROOT, cwd=work)  # fmt: skip
    (wheel,) = (work / "dist").glob("kamreport-*.whl")
    env_dir = work / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                    cwd=work).strip())  # fmt: skip
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    run(sys.executable, "-m", "pip", "install", "--no-deps", "--no-compile", "-q",
        "--target", site, wheel, cwd=work)  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in ("KAMREPORT_HOME", "PYTHONPATH")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}"
    return python, env


def test_the_wheel_carries_its_resources(installed, tmp_path):
    python, env = installed
    code = "import kamreport.paths as p; print(p.TEMPLATES_DIR, p.NOTEBOOKS_DIR)"
    code += "; print(p.DEFAULT_PARAMS_FILE)"
    where = run(python, "-c", code, cwd=tmp_path, env=env)
    for line in where.split():
        assert "_bundled" in line and str(ROOT) not in line, where
        assert Path(line).exists()
    assert "report:" in run(python, "-m", "kamreport.cli", "params", cwd=tmp_path, env=env)


def test_the_wheel_makes_the_sample_and_a_report_from_another_folder(installed, tmp_path):
    python, env = installed
    run(python, "-m", "kamreport.cli", "sample", "--out", "data/sample", cwd=tmp_path, env=env)
    out = run(python, "-m", "kamreport.cli", "report", "--customer", "KA0001",
              cwd=tmp_path, env=env)  # fmt: skip
    report = tmp_path / "outputs" / "2026-09-30" / "en" / "customers" / "KA0001" / "report.html"
    assert f"Report written to {report.relative_to(tmp_path)}" in out or str(report) in out
    html = report.read_text(encoding="utf-8")
    assert "<svg" in html and 'id="highlights"' in html
