"""The analytics layer stays pure: no file, network, templating or plotting imports."""

from __future__ import annotations

import ast
from pathlib import Path

ANALYTICS = Path(__file__).parents[1] / "kamreport" / "analytics"
FORBIDDEN = {
    "os",
    "io",
    "pathlib",
    "shutil",
    "tempfile",
    "open",
    "socket",
    "smtplib",
    "urllib",
    "requests",
    "sqlalchemy",
    "jinja2",
    "markupsafe",
    "matplotlib",
    "papermill",
    "nbconvert",
    "openpyxl",
    "subprocess",
    "kamreport.sources",
    "kamreport.loading",
    "kamreport.render",
    "kamreport.charts",
    "kamreport.outputs",
    "kamreport.runner",
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
            names.add("open")
    return names


def test_analytics_imports_no_io():
    offenders = {}
    for path in sorted(ANALYTICS.rglob("*.py")):
        bad = {
            name
            for name in imported_modules(path)
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
        }
        if bad:
            offenders[path.name] = sorted(bad)
    assert offenders == {}


def test_the_check_catches_an_offender(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("import matplotlib.pyplot as plt\nfrom pathlib import Path\n")
    assert {"matplotlib.pyplot", "pathlib"} <= imported_modules(sample)


def test_analytics_reads_no_clock():
    for path in sorted(ANALYTICS.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in (
            "date.today(",
            "datetime.now(",
            "Timestamp.now(",
            "Timestamp.today(",
            "time.time(",
        ):
            assert needle not in text, f"{path.name} reads the clock ({needle})"
