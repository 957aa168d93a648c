"""The one orchestrator: run a report notebook on a warm kernel and publish its outputs.

Every report — one account's review, every account's in a batch, the portfolio,
the workshop — is a :class:`~kamreport.batch.plan.Job` run by :func:`run_job`:
the notebook gets the run snapshot (:mod:`kamreport.context`) as its parameter,
writes into a staging folder beside its target, and its files are moved into
place only once it succeeded, so a failed run never replaces a good report. A
failed notebook is kept for inspection and its path reported.

A run holds its report folder's lock (:mod:`kamreport.locking`) from making its
staging folder to publishing, so two runs of one report never interleave, and
removes staging folders that killed runs left behind. Interrupted
(:mod:`kamreport.interruption`), it removes its staging folder and keeps nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kamreport.context import RunContext, open_context, write_snapshot
from kamreport.errors import NotebookExecutionError
from kamreport.interruption import deferred
from kamreport.layout import (
    MANIFEST,
    NOTEBOOKS,
    PROVENANCE,
    REPORT_HTML,
    failed_notebook,
    make_staging,
    publish,
    remove_stale_staging,
)
from kamreport.locking import folder_lock
from kamreport.paths import NOTEBOOKS_DIR

Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Job:
    """One report to render: everything a worker needs, all plain and picklable."""

    notebook: str  # a file name of kamreport.layout.NOTEBOOKS
    target: str  # absolute folder of the report's outputs
    snapshot: str  # absolute path of the run snapshot (kamreport.context)
    parameters: dict[str, Any] = field(default_factory=dict)  # the notebook's own ones
    extra: dict[str, Any] = field(default_factory=dict)  # recorded in the manifest


@dataclass(frozen=True)
class RunResult:
    directory: Path
    files: tuple[Path, ...]
    seconds: float

    @property
    def report(self) -> Path:
        return self.directory / REPORT_HTML


def run_job(
    job: Job,
    *,
    progress_bar: bool = False,
    started: float | None = None,
    say: Progress = _stderr,
) -> RunResult:
    """Execute ``job``'s notebook on this process's warm kernel and publish its outputs,
    holding the report folder's lock throughout.

    Raises :class:`NotebookExecutionError` (with the kept notebook) when it fails.
    """
    started = time.perf_counter() if started is None else started
    began = time.time()
    target = Path(job.target)
    with folder_lock(target, say=say):
        remove_stale_staging(target, older_than=began)
        return _run_locked(job, target, progress_bar, started)


def _run_locked(job: Job, target: Path, progress_bar: bool, started: float) -> RunResult:
    """:func:`run_job` once the folder is held: staging, notebook, publish."""
    import papermill
    from papermill.exceptions import PapermillException, PapermillExecutionError

    from kamreport.engine import ENGINE

    staging = make_staging(target)
    executed = staging / job.notebook
    failed = target / failed_notebook(job.notebook)
    parameters = {**job.parameters, "snapshot": job.snapshot, "staging_dir": str(staging)}
    try:
        papermill.execute_notebook(
            str(NOTEBOOKS_DIR / job.notebook),
            str(executed),
            parameters=parameters,
            kernel_name="python3",
            engine_name=ENGINE,
            progress_bar=progress_bar,
            cwd=os.getcwd(),
        )
    except PapermillExecutionError as exc:
        _keep_failed(target, executed, failed, staging)
        raise NotebookExecutionError(
            f"{job.notebook} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}",
            str(failed),
        ) from None
    except PapermillException as exc:  # the kernel died or timed out: keep what ran
        kept = _keep_failed(target, executed, failed, staging)
        raise NotebookExecutionError(
            f"{job.notebook} did not finish: {exc}",
            str(failed) if kept else "(nothing ran: the kernel did not start)",
        ) from None
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):  # SIGINT, SIGTERM: its kernel may still write
            from kamreport.kernel import shutdown_kernel

            shutdown_kernel()
        remove_staging(staging)
        raise
    try:
        return _publish_run(job, staging, target, failed, started)
    except BaseException:
        remove_staging(staging)
        raise


def remove_staging(staging: Path) -> None:
    """Remove a run's staging folder. When a file appears in it while it is being removed
    (the kernel of a stopped run still writing), the kernel is stopped and the folder
    removed again: an unfinished run never leaves its staging behind."""
    shutil.rmtree(staging, ignore_errors=True)
    if staging.exists():
        from kamreport.kernel import shutdown_kernel

        shutdown_kernel()
        shutil.rmtree(staging, ignore_errors=True)


def _keep_failed(target: Path, executed: Path, failed: Path, staging: Path) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    kept = executed.exists()
    if kept:
        os.replace(executed, failed)
    remove_staging(staging)
    return kept


def _publish_run(job: Job, staging: Path, target: Path, failed: Path, started: float) -> RunResult:
    """After a successful notebook: PDFs, manifest, then everything moved into place."""
    provenance = json.loads((staging / PROVENANCE).read_text(encoding="utf-8"))
    (staging / PROVENANCE).unlink()
    _write_pdfs(staging, provenance["params"])
    seconds = time.perf_counter() - started
    outputs = [*sorted(p.name for p in staging.iterdir()), MANIFEST]
    manifest = {
        **provenance,
        **job.extra,
        "notebook": job.notebook,
        "outputs": outputs,
        "run_seconds": round(seconds, 2),
    }
    with deferred():  # a signal now would leave the folder half old, half new
        files = publish(staging, target, manifest)
        failed.unlink(missing_ok=True)
    return RunResult(directory=target, files=tuple(files), seconds=seconds)


def _write_pdfs(staging: Path, params: Mapping[str, Any]) -> None:
    """A PDF beside each report HTML in staging when the run's formats include pdf."""
    from kamreport.pdf import wants_pdf, write_pdfs

    if wants_pdf(params):
        write_pdfs(staging, params, progress=_stderr)


def check_pdf_engine(context: RunContext) -> None:
    """Fail before any notebook runs when PDF output is asked for but cannot be made."""
    if "pdf" in context.params.report.formats:
        from kamreport.pdf import check_engine

        check_engine()


def start_kernel() -> None:
    """Launch this process's kernel now, so it boots while the data loads."""
    from kamreport.kernel import start_kernel as start

    start()


def preload(snapshot: Path) -> None:
    """Have this process's kernel read the snapshot while the notebook run is set up."""
    from kamreport.kernel import start_kernel as kernel

    kernel().preload(str(snapshot))


def report_job(
    context: RunContext,
    report: str,
    snapshot: Path,
    *,
    account_id: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Job:
    """The job that renders ``report`` (customer, portfolio or targets) of ``context``."""
    target = context.layout.report_dir(report, account_id).resolve()
    own = dict(parameters or {})
    if account_id is not None:
        own["customer"] = account_id
    return Job(
        notebook=NOTEBOOKS[report],
        target=str(target),
        snapshot=str(snapshot),
        parameters=own,
        extra={**({"customer": account_id} if account_id else {}), **(extra or {})},
    )


def run_customer_report(
    customer: str,
    *,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    context: RunContext | None = None,
    progress: Progress = _stderr,
) -> RunResult:
    """One account's review: the batch's job for one account, run in this process."""
    started = time.perf_counter()
    start_kernel()
    context = context or open_context(params_file, overrides, say=progress)
    account_id = context.account_id(customer)
    check_pdf_engine(context)
    snapshot = write_snapshot(context, progress)
    preload(snapshot)
    progress(f"Running the account review of {account_id} as of {context.as_of}…")
    job = report_job(context, "customer", snapshot, account_id=account_id)
    return run_job(job, progress_bar=sys.stderr.isatty(), started=started)


def run_portfolio_report(
    *,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    context: RunContext | None = None,
    progress: Progress = _stderr,
) -> RunResult:
    """The portfolio report into <output_dir>/<as-of>/<locale>/portfolio/."""
    started = time.perf_counter()
    start_kernel()
    context = context or open_context(params_file, overrides, say=progress)
    check_pdf_engine(context)
    snapshot = write_snapshot(context, progress)
    preload(snapshot)
    progress(f"Running the portfolio report of {context.accounts} accounts as of {context.as_of}…")
    job = report_job(context, "portfolio", snapshot)
    return run_job(job, progress_bar=sys.stderr.isatty(), started=started)


def run_target_setting(
    year: int | None = None,
    goal: float | None = None,
    split: str = "",
    *,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    context: RunContext | None = None,
    progress: Progress = _stderr,
) -> RunResult:
    """The workshop's workbook and page into <output_dir>/<as-of>/<locale>/targets/."""
    from kamreport.reports.targets import check_split, resolve_year

    started = time.perf_counter()
    start_kernel()
    context = context or open_context(params_file, overrides, say=progress)
    target_year = resolve_year(year, context.as_of)
    check_split(split)
    check_pdf_engine(context)
    snapshot = write_snapshot(context, progress)
    preload(snapshot)
    progress(f"Proposing the {target_year} targets from the data as of {context.as_of}…")
    job = report_job(
        context,
        "targets",
        snapshot,
        parameters={"year": target_year, "goal": float(goal or 0.0), "split": split or ""},
        extra={"year": target_year},
    )
    return run_job(job, progress_bar=sys.stderr.isatty(), started=started)
