"""Warm kernels: one Jupyter kernel per worker process, reused across accounts.

A papermill engine (``kamreport-warm``) hands papermill's own notebook client the
worker's running kernel instead of starting a new one, so an account pays for
neither the kernel start nor the imports. Before each account the kernel's
namespace is reset (``%reset -f``: every variable and the output history go,
matplotlib figures are closed), so nothing of one account's run is visible to the
next; imported modules stay, which is what makes the kernel warm. The prepared
data is installed once per kernel (:mod:`kamreport.batch.snapshot`).

:func:`render_account` is the whole per-account job. It runs in a worker process
(a local process pool or a Dask worker) and calls the same
:func:`kamreport.runner.execute` as ``make report``.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

from kamreport.batch.plan import HASH_KEY, NOTEBOOK, AccountTask
from kamreport.errors import KamReportError, NotebookExecutionError
from kamreport.paths import prefer_own_kernel

ENGINE = "kamreport-warm"
# %reset -f also empties the output history and collects garbage.
RESET = """\
import sys as _sys
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
get_ipython().run_line_magic("reset", "-f")
"""


class WarmKernel:
    """A running python3 kernel with its client, started once and reset between uses."""

    def __init__(self, kernel_name: str = "python3", cwd: str | None = None) -> None:
        prefer_own_kernel()
        self.km = AsyncKernelManager(kernel_name=kernel_name)
        # The kernel's own log lines would break the progress bar: they go nowhere.
        run_sync(self.km.start_kernel)(
            cwd=cwd or os.getcwd(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.kc = self.km.client()
        self.kc.start_channels()
        run_sync(self.kc.wait_for_ready)(timeout=120)
        self.snapshot: str | None = None
        self.runs = 0

    def reset(self) -> None:
        """Empty the kernel's namespace (see :data:`RESET`); raise if that fails."""
        reply = run_sync(self.kc.execute_interactive)(
            RESET, store_history=False, timeout=120, output_hook=lambda _msg: None
        )
        if reply["content"]["status"] != "ok":
            content = reply["content"]
            raise KamReportError(
                f"Resetting the worker's kernel failed: {content.get('ename')}: "
                f"{content.get('evalue')}"
            )

    def run_code(self, code: str) -> str:
        """Execute ``code`` in the kernel through nbclient; its printed text. Raises if it fails."""
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        client = NotebookClient(notebook, km=self.km, kernel_name="python3")
        client.kc = self.kc
        client.execute()
        outputs = notebook.cells[0].get("outputs", [])
        return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")

    def prepare(self, snapshot: str) -> None:
        """Install the batch's prepared data (once per kernel), then reset the namespace."""
        if self.snapshot != snapshot:
            self.run_code(
                f"from kamreport.batch.snapshot import install\ninstall({snapshot!r})\ndel install"
            )
            self.snapshot = snapshot
        self.reset()

    def alive(self) -> bool:
        return bool(run_sync(self.km.is_alive)())

    def shutdown(self) -> None:
        try:
            self.kc.stop_channels()
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # best effort at exit
            pass


_kernel: WarmKernel | None = None


def current_kernel() -> WarmKernel:
    """This process's warm kernel, started on first use (restarted if it died)."""
    global _kernel
    if _kernel is not None and not _kernel.alive():
        _kernel.shutdown()
        _kernel = None
    if _kernel is None:
        _kernel = WarmKernel()
        atexit.register(shutdown_kernel)
        try:  # worker processes of multiprocessing skip atexit; their finalizers run
            from multiprocessing import util

            util.Finalize(None, shutdown_kernel, exitpriority=10)
        except Exception:  # not in a multiprocessing worker
            pass
    return _kernel


def shutdown_kernel() -> None:
    global _kernel
    if _kernel is not None:
        _kernel.shutdown()
        _kernel = None


def warm_up() -> int:
    """Start this process's kernel and import the report code into it; the process id."""
    current_kernel().run_code(
        "import kamreport.reports.customer, kamreport.batch.snapshot, kamreport.provenance"
    )
    return os.getpid()


class WarmEngine(NBClientEngine):
    """papermill's nbclient engine, on this process's warm kernel.

    papermill still writes the executed notebook (or, on failure, the notebook with
    its error banner) when the run ends; the saves after every cell, there so a
    person can watch a long run, are skipped.
    """

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, **kwargs):
        return super().execute_notebook(nb, kernel_name, output_path=None, **kwargs)

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        kernel = current_kernel()
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(
            kwargs,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        client = PapermillNotebookClient(nb_man, km=kernel.km, **final)
        client.kc = kernel.kc
        return client.execute()


papermill_engines.register(ENGINE, WarmEngine)


@dataclass(frozen=True)
class Outcome:
    """How one account's report went: rendered, or failed with the error and evidence."""

    account_id: str
    ok: bool
    seconds: float
    error: str = ""
    failed_notebook: str = ""
    worker: int = 0


def render_account(task: AccountTask) -> Outcome:
    """Render one account's report on this process's warm kernel; never raises."""
    from kamreport.runner import execute

    started = time.perf_counter()
    try:
        kernel = current_kernel()
        kernel.prepare(task.snapshot)
        execute(
            NOTEBOOK,
            Path(task.target),
            dict(task.parameters),
            started=started,
            extra={"customer": task.account_id, HASH_KEY: task.content_hash},
            engine_name=ENGINE,
            progress_bar=False,
        )
        kernel.runs += 1
        return Outcome(task.account_id, True, time.perf_counter() - started, worker=os.getpid())
    except NotebookExecutionError as exc:
        message = str(exc).split("\nThe failed notebook", 1)[0]
        return _failed(task, started, message, exc.notebook_path)
    except KamReportError as exc:
        return _failed(task, started, str(exc))
    except Exception as exc:  # one account's failure never stops the batch
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
        return _failed(task, started, f"{type(exc).__name__}: {exc}{where}")


def _failed(task: AccountTask, started: float, error: str, notebook: str = "") -> Outcome:
    return Outcome(
        task.account_id,
        False,
        time.perf_counter() - started,
        error=error,
        failed_notebook=notebook,
        worker=os.getpid(),
    )
