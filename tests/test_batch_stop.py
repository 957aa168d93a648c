"""Stopping a batch's worker pool: a worker that does not end on SIGTERM is killed, so
an interrupted batch never waits for ever on a stuck worker."""

from __future__ import annotations

import multiprocessing
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

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


def test_a_worker_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path: Path):
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_deaf)
    try:
        pool.submit(_sleep, 60, str(tmp_path / "started"))
        _wait_until_running(tmp_path / "started")
        [worker] = list(pool._processes.values())
        started = time.monotonic()
        stop_workers(pool, grace=1.0)
        assert not worker.is_alive()
        assert time.monotonic() - started < 10  # the grace period, then a kill: not 60 s
        assert worker.exitcode == -signal.SIGKILL
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def test_a_worker_that_obeys_sigterm_is_not_killed(tmp_path: Path):
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
    try:
        pool.submit(_sleep, 60, str(tmp_path / "started"))
        _wait_until_running(tmp_path / "started")
        [worker] = list(pool._processes.values())
        stop_workers(pool, grace=20.0)
        assert not worker.is_alive()
        assert worker.exitcode == -signal.SIGTERM
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
