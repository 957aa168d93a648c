"""A batch worker's job: one account's review on the worker's warm kernel, never raising."""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass

from kamreport.errors import KamReportError, NotebookExecutionError
from kamreport.runner import Job


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
    try:
        run_job(job)
        return Outcome(account_id, True, time.perf_counter() - started, worker=os.getpid())
    except NotebookExecutionError as exc:
        message = str(exc).split("\nThe failed notebook", 1)[0]
        return _failed(account_id, started, message, exc.notebook_path)
    except KamReportError as exc:
        return _failed(account_id, started, str(exc))
    except Exception as exc:  # one account's failure never stops the batch
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
        return _failed(account_id, started, f"{type(exc).__name__}: {exc}{where}")


def _failed(account_id: str, started: float, error: str, notebook: str = "") -> Outcome:
    return Outcome(
        account_id,
        False,
        time.perf_counter() - started,
        error=error,
        failed_notebook=notebook,
        worker=os.getpid(),
    )
