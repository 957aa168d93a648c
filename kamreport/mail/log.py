"""The send log: one JSON line per event, appended and synced as it happens.

Before each recipient a ``sending`` line is written, after it the result
(``sent``, ``refused`` or ``failed``). A run that crashes part-way therefore
leaves a log that says exactly who got the report, and names the one recipient
(at most) whose delivery is uncertain. The log is keyed by the report's content
hash and the recipient, so a rerun does not send the same report twice.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any

LOG_NAME = "send-log.jsonl"
FINAL = ("sent", "refused", "failed")


def address_key(recipient: str) -> str:
    """The bare, lower-cased address of ``"Name <a@b.c>"`` (how the log compares them)."""
    return parseaddr(recipient)[1].strip().lower()


@dataclass(frozen=True)
class SendLog:
    """An append-only JSON-lines log of deliveries."""

    path: Path

    def append(self, **record: Any) -> None:
        """Append one event and make sure it is on disk before going on."""
        record = {"time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **record}
        line = json.dumps(record, ensure_ascii=False, sort_keys=False, allow_nan=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def records(self) -> Iterator[dict[str, Any]]:
        """Every event in order; a line cut short by a crash is skipped."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(record, dict):
                    yield record

    def state(self, report_hash: str) -> dict[str, str]:
        """The last known status per recipient address for this report: ``sent``,
        ``refused``, ``failed``, or ``sending`` when a run stopped while delivering."""
        status: dict[str, str] = {}
        for record in self.records():
            if record.get("report_hash") == report_hash and record.get("recipient"):
                status[address_key(record["recipient"])] = str(record.get("status"))
        return status
