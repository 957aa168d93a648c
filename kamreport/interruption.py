"""Stopping cleanly on SIGINT and SIGTERM.

The command turns both signals into :class:`Interrupted` (a ``KeyboardInterrupt``),
so the code that is running unwinds: the run removes its staging folder, the
batch stops its workers, each process shuts its kernel down, and the command
ends with one line on stderr and exit status 128 + the signal's number. Only the
first signal interrupts: a second one (Ctrl-C pressed twice) cannot break the
clean-up. While a report is published (files renamed into place) the signals
wait (:func:`deferred`), so a folder is never left half old, half new.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)

_state = {"interrupted": 0, "deferring": 0, "pending": 0}


class Interrupted(KeyboardInterrupt):
    """The command received SIGINT or SIGTERM."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def handle(signum: int, _frame: FrameType | None) -> None:
    """The signal handler: raise :class:`Interrupted` the first time, then ignore; inside
    :func:`deferred` only note the signal, for the end of the block."""
    if _state["interrupted"] or _state["pending"]:  # already unwinding: let clean-up finish
        return
    if _state["deferring"]:
        _state["pending"] = signum
        return
    _interrupt(signum)


def _interrupt(signum: int) -> None:
    _state["interrupted"] = signum
    # The notebook client's pending requests are abandoned on purpose; asyncio's
    # "Task exception was never retrieved" about them would only be noise.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    raise Interrupted(signum)


def exit_status(exc: KeyboardInterrupt) -> tuple[str, int]:
    """The signal's name and the exit status (128 + its number) that ``exc`` stands for;
    a plain ``KeyboardInterrupt`` is SIGINT."""
    if isinstance(exc, Interrupted):
        return exc.name, exc.exit_code
    return "SIGINT", 128 + signal.SIGINT


def install() -> None:
    """Make SIGINT and SIGTERM raise :class:`Interrupted` in this process's main thread."""
    if threading.current_thread() is not threading.main_thread():
        return
    _state.update(interrupted=0, deferring=0, pending=0)
    for signum in SIGNALS:
        signal.signal(signum, handle)


def ignore() -> None:
    """The command is done: SIGINT and SIGTERM have nothing left to stop. Ignored from
    here on, a late signal cannot end the process as it exits (Python restores the
    default action, death by the signal, while it shuts down) and turn a finished run
    into a killed one."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def interrupted() -> int:
    """The signal that interrupted this process, 0 when none did."""
    return _state["interrupted"]


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back until the block is done; a signal that came meanwhile
    interrupts right after it."""
    _state["deferring"] += 1
    try:
        yield
    finally:
        _state["deferring"] -= 1
    if not _state["deferring"] and _state["pending"]:
        signum, _state["pending"] = _state["pending"], 0
        _interrupt(signum)
