"""Writing outputs safely: never leave a half-written file over a good one.

Files get the permissions the user's umask allows (``0o666 & ~umask``, e.g. 0644
under umask 022), as any other program's files do: a report saved to a shared
drive can be opened by the colleagues the user's umask lets in. The temporary
file :func:`tempfile.mkstemp` makes is private (0600), so its mode is set before
it is renamed into place.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

FILE_MODE = 0o666  # what open() asks for; the umask takes its bits away
DIR_MODE = 0o777


def current_umask() -> int:
    """This process's umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:  # not on Linux
        pass
    mask = os.umask(0o022)  # the only portable way to read it: set and restore at once
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode of a new file under the user's umask."""
    return FILE_MODE & ~current_umask()


def dir_mode() -> int:
    """The mode of a new folder under the user's umask."""
    return DIR_MODE & ~current_umask()


def atomic_write_bytes(path: Path, data: bytes, *, parents: bool = True) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place.

    ``parents=False`` writes only into a folder that exists: a run's staging folder,
    which an interrupted run has removed and must not come back.
    """
    return atomic_write_with(path, lambda handle: handle.write(data), parents=parents)


def atomic_write_with(
    path: Path, write: Callable[[BinaryIO], object], *, parents: bool = True
) -> Path:
    """:func:`atomic_write_bytes` for content that ``write`` streams into the open file
    (a pickle of the validated data is gigabytes at ten million lines: never held as
    bytes in memory)."""
    if parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fchmod(handle.fileno(), file_mode())
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: Path, text: str, *, parents: bool = True) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"), parents=parents)


def atomic_write_json(path: Path, payload: Any, *, parents: bool = True) -> Path:
    text = json.dumps(payload, ensure_ascii=False, indent=2, allow_nan=False)
    return atomic_write_text(path, text + "\n", parents=parents)
