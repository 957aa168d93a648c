"""The report kernel's process, launched with the standard library alone.

Starting a kernel through jupyter_client costs its import and the kernel manager's
set-up (about 0.15 s) before the kernel process even exists. A command that runs a
notebook therefore launches the process here, in its first hundredth of a second
(:func:`launch_early`), and :mod:`kamreport.kernel` adopts it: the kernel boots while
the command imports the rest and reads its data.

The kernel is ipykernel on the Python running kamreport (:data:`KERNEL_MAIN`), with a
connection file written as jupyter_client writes one: ports the system picked, a
random signing key, in a folder only this user can read (a private temporary
folder, removed as soon as the kernel has answered). The kernel ends when this process ends
(:func:`dies_with_parent`).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PORTS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
IP = "127.0.0.1"
PR_SET_PDEATHSIG = 1  # linux/prctl.h
PREFIX = "kamreport-kernel-"  # then the launching process's id

# The kernel's program: ``python -m ipykernel_launcher`` without the debugger. A report
# is never debugged through its kernel, and loading debugpy is 60 ms of every report's
# start; when ``debugpy`` cannot be imported ipykernel runs without one (as it does
# where it is not installed).
KERNEL_MAIN = """\
import sys
if sys.path[0] == "":  # as ipykernel_launcher: files in the folder never shadow modules
    del sys.path[0]
sys.modules["debugpy"] = None
from ipykernel import kernelapp
kernelapp.launch_new_instance()
"""


@dataclass(frozen=True)
class Launched:
    """A kernel process and the connection file it was started with."""

    process: subprocess.Popen[bytes]
    connection_file: Path

    def discard(self) -> None:
        """End the process if it still runs and remove its folder; never raises."""
        with contextlib.suppress(Exception):
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(5)
        self.remove_connection_file()

    def remove_connection_file(self) -> None:
        """Remove the connection file and its folder: once the kernel answered it has read
        them, and a command killed outright later leaves nothing behind."""
        shutil.rmtree(self.connection_file.parent, ignore_errors=True)


_early: Launched | None = None


def launch(cwd: str | None = None) -> Launched:
    """Start a kernel process now, without waiting for it to answer."""
    remove_orphans()
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))  # mode 0700
    connection_file = folder / "kernel.json"
    info = {
        **dict(zip(PORTS, free_ports(len(PORTS)), strict=True)),
        "ip": IP,
        "key": secrets.token_hex(16),
        "transport": "tcp",
        "signature_scheme": "hmac-sha256",
        "kernel_name": "python3",
    }
    descriptor = os.open(connection_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as f:
        json.dump(info, f)
    command = [sys.executable, "-c", KERNEL_MAIN, "-f", str(connection_file),
               "--IPKernelApp.log_level=ERROR"]  # fmt: skip
    preexec = dies_with_parent()
    # The kernel's own log lines would break the progress bar: they go nowhere.
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=cwd or os.getcwd(),
        env={**os.environ, **parent_watch()},
        start_new_session=True,  # a Ctrl-C at the terminal reaches the command, not the kernel
        **({"preexec_fn": preexec} if preexec else {}),
    )
    return Launched(process, connection_file)


def launch_early() -> None:
    """Launch this process's kernel now, for :func:`take` to hand over later."""
    global _early
    if _early is None:
        _early = launch()


def take() -> Launched | None:
    """The kernel :func:`launch_early` started, once; None if there is none (or it died)."""
    global _early
    launched, _early = _early, None
    if launched is not None and launched.process.poll() is not None:
        launched.discard()
        return None
    return launched


def discard_early() -> None:
    """End a kernel launched early that nothing adopted (a command that failed first)."""
    launched = take()
    if launched is not None:
        launched.discard()


def remove_orphans() -> None:
    """Remove the connection folders of commands killed outright before their kernel
    answered (their process is gone); never raises."""
    with contextlib.suppress(OSError):
        for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
            owner = folder.name.removeprefix(PREFIX).split("-", 1)[0]
            if owner.isdigit() and not _running(int(owner)):
                shutil.rmtree(folder, ignore_errors=True)


def parent_watch() -> dict[str, str]:
    """The environment by which ipykernel watches this process and ends with it: its
    process id on POSIX (on Windows ipykernel expects a process handle, which only
    jupyter_client's own launcher makes; there the kernel is ended at exit only)."""
    return {"JPY_PARENT_PID": str(os.getpid())} if os.name == "posix" else {}


def _running(pid: int) -> bool:
    if os.name != "posix":  # os.kill would signal the process, not ask about it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def free_ports(count: int) -> list[int]:
    """``count`` distinct free TCP ports on the loopback, as jupyter_client picks them."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\0" * 8)
            sock.bind((IP, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def dies_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the kernel end when this process ends (Linux), or None.

    The death signal follows the thread that started the kernel, so it is only set
    from the main thread (a Dask worker's task thread may end before its process).
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()
    death_signal = int(signal.SIGTERM)

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, death_signal)
        if os.getppid() != parent:  # the parent died before the call: end now
            os._exit(1)

    return preexec
