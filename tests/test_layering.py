"""The layers stay apart: analytics imports only numerical libraries and the data model, view
models no I/O and no templating, and nothing reads the clock where it must not."""

from __future__ import annotations

import ast
from pathlib import Path

ANALYTICS = Path(__file__).parents[1] / "kamreport" / "analytics"


# What the analytics may import: pure standard-library modules, the numerical stack (pyarrow
# as pandas' column store), the data model (with how it stores and reads text) and the
# parameters it is given.
ANALYTICS_ALLOWED = {
    "__future__", "bisect", "collections", "collections.abc", "dataclasses", "datetime",
    "difflib", "enum", "functools", "heapq", "itertools", "math", "operator", "re",
    "statistics", "threading", "typing", "unicodedata",
    "numpy", "pandas", "scipy", "pyarrow", "rapidfuzz",
    "kamreport.analytics", "kamreport.dataset", "kamreport.schema", "kamreport.params",
    "kamreport.errors", "kamreport.repeated_text", "kamreport.arrow_text",
}  # fmt: skip
VIEWS = ANALYTICS.parent / "views"
VIEWS_FORBIDDEN = {
    "os", "io", "pathlib", "shutil", "tempfile", "open", "jinja2", "matplotlib", "papermill",
    "kamreport.sources", "kamreport.loading", "kamreport.render", "kamreport.outputs",
    "kamreport.runner", "kamreport.context", "kamreport.cache",
}  # fmt: skip


def allowed(name: str, allow: set[str]) -> bool:
    return any(name == a or name.startswith(a + ".") for a in allow)


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


def test_analytics_imports_only_what_the_allow_list_names():
    offenders = {}
    for path in sorted(ANALYTICS.rglob("*.py")):
        bad = {name for name in imported_modules(path) if not allowed(name, ANALYTICS_ALLOWED)}
        if bad:
            offenders[path.name] = sorted(bad)
    assert offenders == {}


def test_view_models_do_no_io_and_no_templating():
    offenders = {}
    for path in sorted(VIEWS.rglob("*.py")):
        bad = {name for name in imported_modules(path) if allowed(name, VIEWS_FORBIDDEN)}
        if bad:
            offenders[path.name] = sorted(bad)
    assert offenders == {}


def test_the_check_catches_an_offender(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("import matplotlib.pyplot as plt\nfrom pathlib import Path\n")
    assert {"matplotlib.pyplot", "pathlib"} <= imported_modules(sample)
    assert not allowed("matplotlib.pyplot", ANALYTICS_ALLOWED)
    assert not allowed("kamreport.render", ANALYTICS_ALLOWED)
    assert allowed("pandas.api.types", ANALYTICS_ALLOWED)


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
