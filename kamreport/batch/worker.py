"""A batch worker's job: one account's review on the worker's warm kernel, never raising.

A local worker process stops cleanly on SIGINT or SIGTERM (:func:`prepare_worker`):
in the middle of a report it unwinds as the command does (its staging folder is
removed), and it shuts its kernel down before it exits.
"""

from __future__ import annotations

import os
import signal
import time
import traceback
from dataclasses import dataclass
from types import FrameType
from typing import NoReturn

from kamreport import interruption
from kamreport.errors import KamReportError, NotebookExecutionError
from kamreport.runner import Job

_busy = {"jobs": 0}  # jobs running in this worker process now


@dataclass(frozen=True)
class Outcome:
    """How one account's report went: rendered, or failed with the error and evidence."""

    account_id: str
    ok: bool
    seconds: float
    error: str = ""
    failed_notebook: str = ""
    worker: int = 0


def render_account(job: Job) -> Outcome:
    """Render one account's report on this process's warm kernel; never raises."""
    from kamreport.runner import run_job

    started = time.perf_counter()
    account_id = str(job.parameters.get("customer", ""))
    _busy["jobs"] += 1
    try:
        run_job(job)
        return Outcome(account_id, True, time.perf_counter() - started, worker=os.getpid())
    except KeyboardInterrupt as exc:  # stopped: its staging is gone; take no further job
        _exit(interruption.exit_status(exc)[1])
    except NotebookExecutionError as exc:
        message = str(exc).split("\nThe failed notebook", 1)[0]
        return _failed(account_id, started, message, exc.notebook_path)
    except KamReportError as exc:
        return _failed(account_id, started, str(exc))
    except Exception as exc:  # one account's failure never stops the batch
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
        return _failed(account_id, started, f"{type(exc).__name__}: {exc}{where}")
    finally:
        _busy["jobs"] -= 1


def warm_up() -> int:
    """Start this worker's kernel and import the report code into it; the process id."""
    from kamreport.kernel import warm_up as start

    _busy["jobs"] += 1
    try:
        return start()
    finally:
        _busy["jobs"] -= 1


def prepare_worker() -> None:
    """A local worker's start: SIGINT and SIGTERM stop it cleanly (see :func:`_on_signal`)."""
    for signum in interruption.SIGNALS:
        signal.signal(signum, _on_signal)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """In a job: unwind it (:class:`~kamreport.interruption.Interrupted`); idle: shut the
    kernel down and exit at once, as there is nothing to clean up."""
    if _busy["jobs"]:
        interruption.handle(signum, frame)
        return
    _exit(128 + signum)


def _exit(status: int) -> NoReturn:
    """End this worker, its kernel first. After an interrupted job too: a worker that went
    on would start the next queued report after the batch was told to stop."""
    from kamreport.kernel import shutdown_kernel

    shutdown_kernel()
    os._exit(status)


def _failed(account_id: str, started: float, error: str, notebook: str = "") -> Outcome:
    return Outcome(
        account_id,
        False,
        time.perf_counter() - started,
        error=error,
        failed_notebook=notebook,
        worker=os.getpid(),
    )
