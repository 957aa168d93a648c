"""The batch's progress bar on stderr: accounts done, failed, rate and time left.

On a terminal the bar redraws in place; in a log (not a terminal) it prints a
line at most every ``interval`` seconds and at the end, so logs stay short.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 28


def duration(seconds: float) -> str:
    """``42s``, ``3m05s`` or ``1h02m``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class ProgressBar:
    """Counts finished accounts and draws ``[####....] 12/50 done, 1 failed, 0.8/s, 47s left``."""

    def __init__(
        self,
        total: int,
        *,
        stream: TextIO | None = None,
        interval: float = 10.0,
        clock=time.monotonic,
    ) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self._last_line = -interval

    @property
    def finished(self) -> int:
        return self.done + self.failed

    def line(self) -> str:
        elapsed = self.clock() - self.started
        finished = self.finished
        filled = WIDTH * finished // self.total if self.total else WIDTH
        bar = "#" * filled + "." * (WIDTH - filled)
        rate = finished / elapsed if elapsed > 0 else 0.0
        left = (self.total - finished) / rate if rate > 0 else None
        eta = "…" if left is None else duration(left)
        tail = f"{eta} left" if finished < self.total else f"in {duration(elapsed)}"
        return (
            f"[{bar}] {finished}/{self.total} accounts, {self.failed} failed, {rate:.2f}/s, {tail}"
        )

    def update(self, ok: bool) -> None:
        if ok:
            self.done += 1
        else:
            self.failed += 1
        self.draw()

    def draw(self, *, final: bool = False) -> None:
        now = self.clock()
        if self.tty:
            self.stream.write("\r" + self.line() + ("\n" if final else ""))
        elif final or now - self._last_line >= self.interval:
            self.stream.write(self.line() + "\n")
            self._last_line = now
        self.stream.flush()

    def close(self) -> None:
        self.draw(final=True)
