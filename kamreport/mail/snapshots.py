"""The figures of the last email sent to each recipient list (or KA manager), on disk.

One small JSON file per key beside the send log (``outputs/email/snapshots/``):
``{"key": …, "sent_at": …, "sent": <state>, "compared_with": <state> | null}``, the
states of :mod:`kamreport.mail.changes`. It is written atomically, and only after a
run delivered the email to at least one recipient: a dry run, or a run where every
delivery failed, leaves it as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kamreport.mail.log import address_key
from kamreport.outputs import atomic_write_json

SNAPSHOT_DIR = "snapshots"


def list_key(report: str, recipients: Iterable[str]) -> str:
    """The key of an email to a recipient list: the report and the sorted addresses."""
    return f"{report}:" + ",".join(sorted({address_key(r) for r in recipients}))


def manager_key(manager: str) -> str:
    """The key of a KA manager's digest."""
    return f"digest:{manager}"


def snapshot_path(log_dir: Path, key: str) -> Path:
    """``<log_dir>/snapshots/<report>-<hash of the key>.json``."""
    kind = key.split(":", 1)[0]
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return log_dir / SNAPSHOT_DIR / f"{kind}-{digest}.json"


def read_snapshot(path: Path) -> dict[str, Any] | None:
    """The stored record, or None when there is none (or it cannot be read: then the next
    email says it is the first)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def write_snapshot(
    path: Path,
    key: str,
    sent: Mapping[str, Any],
    compared_with: Mapping[str, Any] | None,
) -> Path:
    """Record the state of the email just sent, and the state it was compared with."""
    record = {
        "key": key,
        "sent_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "sent": dict(sent),
        "compared_with": dict(compared_with) if compared_with is not None else None,
    }
    return atomic_write_json(path, record)
