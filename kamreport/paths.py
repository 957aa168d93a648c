"""Where kamreport finds its notebooks, templates and default parameters.

In a wheel they are package data (``kamreport/_bundled/``, copied there when
the wheel is built from the repository's ``notebooks/``, ``templates/`` and
``params/``); in a checkout they are those folders themselves.
``KAMREPORT_HOME`` points at another folder with the same three folders.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_DIR = PACKAGE_DIR / "_bundled"
CHECKOUT_DIR = PACKAGE_DIR.parent


def _resource_root() -> Path:
    if os.environ.get("KAMREPORT_HOME"):
        return Path(os.environ["KAMREPORT_HOME"])
    if (BUNDLED_DIR / "templates").is_dir():
        return BUNDLED_DIR
    return CHECKOUT_DIR


RESOURCE_ROOT = _resource_root()
TEMPLATES_DIR = RESOURCE_ROOT / "templates"
NOTEBOOKS_DIR = RESOURCE_ROOT / "notebooks"
DEFAULT_PARAMS_FILE = RESOURCE_ROOT / "params" / "default.yaml"


def source_path(source: str, base: Path) -> Path:
    """A file data source (``data.source``) as a path: ``~`` expanded, relative to ``base``."""
    path = Path(source.strip()).expanduser()
    return path if path.is_absolute() else base / path
