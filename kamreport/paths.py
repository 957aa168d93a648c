"""Where kamreport finds its notebooks and templates, and where outputs go."""

from __future__ import annotations

import os
import re
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("KAMREPORT_HOME", Path(__file__).resolve().parents[1]))
TEMPLATES_DIR = PROJECT_ROOT / "templates"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def prefer_own_kernel() -> None:
    """Make Jupyter find the kernel of the Python running kamreport first.

    A ``python3`` kernel spec in the user's own Jupyter folder (for another Python
    without kamreport) would otherwise win over the one installed in this
    environment; ``JUPYTER_PATH`` is searched before the user folder.
    """
    import sys

    own = str(Path(sys.prefix) / "share" / "jupyter")
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if own not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([own, *paths])


def safe_dir_name(identifier: str) -> str:
    """A directory name for an account id that cannot climb out of its parent.

    Plain ids (letters, digits, ``.``, ``_``, ``-``) are used as they are; any
    other id gets its safe characters plus a short hash, so ``../../etc`` or
    ``KA/01`` still map to one fixed directory inside the output folder.
    """
    if _SAFE_NAME.match(identifier) and ".." not in identifier:
        return identifier
    import hashlib

    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", identifier).strip("_")[:40] or "account"
    digest = hashlib.sha256(identifier.encode()).hexdigest()[:8]
    return f"{stem}-{digest}"


def inside(root: Path, path: Path) -> Path:
    """``path`` resolved, after checking that it stays inside ``root``."""
    resolved_root = root.resolve()
    resolved = path.resolve()
    if resolved != resolved_root and resolved_root not in resolved.parents:
        raise ValueError(f"{path} is outside {root}")
    return resolved
