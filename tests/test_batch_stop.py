"""Stopping a batch's worker pool: a worker that does not end on SIGTERM is killed, so
an interrupted batch never waits for ever on a stuck worker."""

from __future__ import annotations

import multiprocessing
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import wait
from pathlib import Path

import pytest

from kamreport.batch.executors import stop_workers


def _deaf() -> None:
    """A worker that ignores SIGTERM, as one blocked on a lock a dead worker held does."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _sleep(seconds: float, started: str) -> int:
    Path(started).touch()  # the worker is in the task: its initializer has run
    time.sleep(seconds)
    return 0


def _wait_until_running(started: Path) -> None:
    deadline = time.monotonic() + 60  # spawning a worker on a loaded machine
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), "the worker never started its task"


@pytest.mark.parametrize(
    ("initializer", "grace", "ends_by"),
    [
        (_deaf, 1.0, signal.SIGKILL),  # deaf: killed once the grace period is over
        (None, 20.0, signal.SIGTERM),  # obeys: ends by SIGTERM, well within its grace
    ],
    ids=["ignores-sigterm", "obeys-sigterm"],
)
def test_stopping_ends_every_worker_and_kills_only_one_that_ignores_sigterm(
    tmp_path: Path, initializer, grace: float, ends_by: int
):
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=initializer)
    try:
        pool.submit(_sleep, 60, str(tmp_path / "started"))
        _wait_until_running(tmp_path / "started")
        [worker] = list(pool._processes.values())
        started = time.monotonic()
        stop_workers(pool, grace=grace)
        assert wait([worker.sentinel], timeout=5)  # ended (the pool's thread reaps it)
        assert time.monotonic() - started < 10  # the grace period, then a kill: not 60 s
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    assert worker.exitcode == -ends_by
