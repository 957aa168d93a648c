"""Shared fixtures: the sample data, system tools, and a tiny dataset built in code."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
REQUIRE_SYSTEM_TOOLS = os.environ.get("KAMREPORT_REQUIRE_SYSTEM_TOOLS") == "1"


def require_tool(*names: str) -> str:
    """The path of the first tool found; skip (or fail in CI) when none is installed."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    message = (
        f"needs {' or '.join(names)}, which is not installed "
        "(Debian: apt-get install chromium poppler-utils libreoffice-calc postgresql)"
    )
    if REQUIRE_SYSTEM_TOOLS:
        pytest.fail(message + "; KAMREPORT_REQUIRE_SYSTEM_TOOLS=1 forbids skipping")
    pytest.skip(message)


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    """The bundled sample data exported once per test session as CSV files."""
    from kamreport.sample import export_sample

    out = tmp_path_factory.mktemp("sample") / "data"
    export_sample(out, "csv")
    return out


@pytest.fixture(scope="session")
def sample_tables():
    from kamreport.sample import generate_sample

    return generate_sample()
