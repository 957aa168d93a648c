"""One run at a time per output folder: a lock file that says who holds it.

A run of a report holds ``.<report folder name>.lock`` beside the folder
(``fcntl.flock``) from the moment it makes its staging folder until its files are
published, so two runs of the same report never interleave. The lock lives beside
the folder, as the staging folders do, so the report folder holds exactly the files
its manifest lists. A second run waits, saying which process holds the
folder, for up to ``KAMREPORT_LOCK_WAIT`` seconds (default 600), then stops with
an error naming the holder. The lock file records the holder's process id, host
and start time. The system releases the lock when its holder ends, however it
ends (even on SIGKILL), so a killed run never leaves a folder locked.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from kamreport.errors import KamReportError
from kamreport.outputs import file_mode

LOCK_SUFFIX = ".lock"
WAIT_ENV = "KAMREPORT_LOCK_WAIT"
DEFAULT_WAIT_SECONDS = 600.0
POLL_SECONDS = 0.2

Say = Callable[[str], None]


class FolderBusy(KamReportError):
    """Another run held the folder for longer than this run would wait."""


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def wait_seconds() -> float:
    """How long a run waits for a folder another run holds (``KAMREPORT_LOCK_WAIT``)."""
    value = os.environ.get(WAIT_ENV, "").strip()
    if not value:
        return DEFAULT_WAIT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        raise KamReportError(
            f"{WAIT_ENV}={value!r} is not a number of seconds; use e.g. {WAIT_ENV}=60."
        ) from None
    return max(seconds, 0.0)


def holder(lock_path: Path) -> dict[str, Any]:
    """What the lock file says about the run holding it (empty when unreadable)."""
    try:
        info = json.loads(lock_path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def describe_holder(info: dict[str, Any]) -> str:
    """``process 123 on host, started 2026-09-30T10:00:00+00:00`` (or what is known)."""
    if not info.get("pid"):
        return "another run"
    text = f"process {info['pid']}"
    if info.get("host"):
        text += f" on {info['host']}"
    if info.get("started"):
        text += f", started {info['started']}"
    return text


def _try_lock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _open_lock(lock_path: Path) -> IO[str]:
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, file_mode())
    return os.fdopen(fd, "r+", encoding="utf-8")


def lock_path_of(folder: Path) -> Path:
    """Where ``folder``'s lock file is: ``.<name>.lock`` beside it."""
    return folder.parent / f".{folder.name}{LOCK_SUFFIX}"


@contextmanager
def folder_lock(
    folder: Path, *, say: Say = _stderr, timeout: float | None = None
) -> Iterator[Path]:
    """Hold ``folder``'s lock for the block; wait for another holder up to ``timeout``.

    Raises :class:`FolderBusy`, naming the holder, when the wait runs out.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lock_path = lock_path_of(folder)
    timeout = wait_seconds() if timeout is None else timeout
    handle = _open_lock(lock_path)
    try:
        if not _try_lock(handle):
            _wait(handle, lock_path, folder, say, timeout)
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv[:6]),
        }
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(record) + "\n")
        handle.flush()
        try:
            yield lock_path
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
    finally:
        handle.close()  # closing releases the lock


def _wait(handle: IO[str], lock_path: Path, folder: Path, say: Say, timeout: float) -> None:
    """Poll for the lock until ``timeout``; say once who holds it."""
    deadline = time.monotonic() + timeout
    said = False
    while True:
        if _try_lock(handle):
            return
        info = holder(lock_path)
        if time.monotonic() >= deadline:
            raise FolderBusy(
                f"{folder} is held by {describe_holder(info)}, which is still rendering "
                f"this report; waited {timeout:.0f} s. Let it finish (or stop it) and run "
                f"again, or wait longer with {WAIT_ENV}=<seconds>."
            )
        if not said:
            say(f"Waiting for {describe_holder(info)} that holds {folder}…")
            said = True
        time.sleep(POLL_SECONDS)
