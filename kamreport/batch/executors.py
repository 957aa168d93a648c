"""Where the per-account work runs: a local process pool, or a Dask distributed cluster.

Both are :class:`concurrent.futures.Executor` s, so the batch submits and collects
the same way: ``EXECUTOR=local`` (default) starts ``JOBS`` worker processes here;
``EXECUTOR=dask://host:port`` connects to a running Dask scheduler and uses its
standard executor interface (``distributed.Client.get_executor``). Workers need
the kamreport package and a shared view of the output folder.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.connection import wait

from kamreport.errors import KamReportError

DASK_PREFIX = "dask://"


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def describe(spec: str | None, jobs: int) -> str:
    if spec and spec.startswith(DASK_PREFIX):
        return f"the Dask cluster at {spec.removeprefix(DASK_PREFIX)}"
    return f"{jobs} local worker process{'es' if jobs != 1 else ''}"


@contextmanager
def open_executor(spec: str | None, jobs: int) -> Iterator[Executor]:
    """The executor for ``spec`` ("local", "" or "dask://host:port"), shut down afterwards."""
    spec = (spec or "local").strip()
    if spec == "local":
        # Spawned, not forked: a worker starts clean, as a Dask worker does.
        from kamreport.batch.worker import prepare_worker

        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=prepare_worker)
        try:
            yield pool
        except KeyboardInterrupt:  # SIGINT or SIGTERM: stop the workers' reports now
            stop_workers(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    if spec.startswith(DASK_PREFIX):
        with _dask_client(spec.removeprefix(DASK_PREFIX)) as client:
            executor = client.get_executor(pure=False)
            try:
                yield executor
            finally:
                executor.shutdown(wait=True)
        return
    raise KamReportError(
        f"EXECUTOR={spec!r} is not understood. Use EXECUTOR=local (the default, JOBS worker "
        "processes on this machine) or EXECUTOR=dask://host:port (a Dask scheduler)."
    )


def stop_workers(pool: ProcessPoolExecutor, grace: float = 20.0) -> None:
    """Send SIGTERM to every worker process: each removes its staging folder, shuts its
    kernel down and exits (see :func:`kamreport.batch.worker.prepare_worker`).

    A worker still there after ``grace`` seconds is killed: one stopped while it held a
    lock of the pool's queues would otherwise block the others, and the pool's shutdown,
    for ever. Its kernel ends with it (``PR_SET_PDEATHSIG``). Exits are watched through
    the processes' sentinels, never by reaping them: the pool's own thread does that.
    """
    running = {}
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError):  # already gone
            running[process.sentinel] = process
            os.kill(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while running and (left := deadline - time.monotonic()) > 0:
        for ended in wait(list(running), timeout=left):
            running.pop(ended)
    for process in running.values():
        with contextlib.suppress(OSError, ValueError):
            process.kill()


@contextmanager
def _dask_client(address: str):
    try:
        from distributed import Client
    except ImportError as exc:
        raise KamReportError(
            "EXECUTOR=dask://… needs the distributed package: pip install distributed"
        ) from exc
    if not address or ":" not in address:
        raise KamReportError(
            f"EXECUTOR=dask://{address} lacks the scheduler's port: use dask://host:port, "
            "e.g. dask://scheduler:8786."
        )
    target = address if "://" in address else f"tcp://{address}"
    try:
        client = Client(target, timeout="20s")
    except OSError as exc:
        raise KamReportError(
            f"Cannot reach the Dask scheduler at {target}: {exc}. Check that it runs and "
            "that this machine can reach its port."
        ) from exc
    try:
        yield client
    finally:
        client.close()
