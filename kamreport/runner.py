"""The one orchestrator: run a report notebook with papermill and publish its outputs.

A run writes into a staging folder beside its target and only moves files into
place once the notebook succeeded, so a failed run never replaces a good report.
A failed notebook is kept for inspection and its path reported.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kamreport.errors import NotebookExecutionError
from kamreport.outputs import atomic_write_json, publish
from kamreport.paths import NOTEBOOKS_DIR, inside, prefer_own_kernel, safe_dir_name
from kamreport.reports.customer import PROVENANCE_FILE, REPORT_FILE
from kamreport.session import Session, open_session

Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class RunResult:
    directory: Path
    files: tuple[Path, ...]
    seconds: float

    @property
    def report(self) -> Path:
        return self.directory / REPORT_FILE


def customer_dir(session: Session, account_id: str) -> Path:
    root = Path(session.params.report.output_dir)
    target = root / session.as_of.isoformat() / "customers" / safe_dir_name(account_id)
    inside(root, target)
    return target


def run_customer_report(
    customer: str,
    *,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: Progress = _stderr,
) -> RunResult:
    """Validate, then execute ``notebooks/customer_report.ipynb`` for one customer."""
    started = time.perf_counter()
    progress("Loading and validating the data…")
    session = open_session(params_file, overrides)
    account_id = session.account_id(customer)
    target = customer_dir(session, account_id)
    progress(f"Running the account review of {account_id} as of {session.as_of}…")
    parameters = {
        "customer": account_id,
        "params_file": str(Path(params_file).resolve()) if params_file else "",
        "overrides": _plain(overrides or {}),
    }
    return execute(
        "customer_report.ipynb", target, parameters, started=started, extra={"customer": account_id}
    )


def run_target_setting(
    year: int | None = None,
    goal: float | None = None,
    *,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: Progress = _stderr,
) -> RunResult:
    """Validate, then execute ``notebooks/target_setting.ipynb`` into <output_dir>/targets/."""
    from kamreport.reports.targets import resolve_year

    started = time.perf_counter()
    progress("Loading and validating the data…")
    session = open_session(params_file, overrides)
    target_year = resolve_year(year, session.as_of)
    target = Path(session.params.report.output_dir) / "targets"
    progress(f"Proposing the {target_year} targets from the data as of {session.as_of}…")
    parameters = {
        "year": target_year,
        "goal": float(goal or 0.0),
        "params_file": str(Path(params_file).resolve()) if params_file else "",
        "overrides": _plain(overrides or {}),
    }
    return execute(
        "target_setting.ipynb", target, parameters, started=started, extra={"year": target_year}
    )


def portfolio_dir(session: Session) -> Path:
    root = Path(session.params.report.output_dir)
    target = root / session.as_of.isoformat() / "portfolio"
    inside(root, target)
    return target


def run_portfolio_report(
    *,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: Progress = _stderr,
) -> RunResult:
    """Validate, then execute ``notebooks/portfolio_report.ipynb`` into
    <output_dir>/<as-of>/portfolio/."""
    started = time.perf_counter()
    progress("Loading and validating the data…")
    session = open_session(params_file, overrides)
    target = portfolio_dir(session)
    progress(f"Running the portfolio report of {len(session.dataset.accounts)} accounts "
             f"as of {session.as_of}…")  # fmt: skip
    parameters = {
        "params_file": str(Path(params_file).resolve()) if params_file else "",
        "overrides": _plain(overrides or {}),
    }
    return execute("portfolio_report.ipynb", target, parameters, started=started)


def execute(
    notebook: str,
    target: Path,
    parameters: dict[str, Any],
    *,
    started: float,
    extra: Mapping[str, Any] | None = None,
    engine_name: str | None = None,
    progress_bar: bool | None = None,
) -> RunResult:
    """Execute ``notebook`` into a staging folder and publish it to ``target``.

    ``engine_name`` picks a papermill engine (the batch uses one that reuses a warm
    kernel); ``progress_bar`` defaults to a per-cell bar when stderr is a terminal.
    """
    import papermill
    from papermill.exceptions import PapermillException, PapermillExecutionError

    _check_pdf_engine(parameters)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    executed = staging / notebook
    failed = target / notebook.replace(".ipynb", ".failed.ipynb")
    prefer_own_kernel()
    try:
        papermill.execute_notebook(
            str(NOTEBOOKS_DIR / notebook),
            str(executed),
            parameters={**parameters, "staging_dir": str(staging)},
            kernel_name="python3",
            engine_name=engine_name,
            progress_bar=sys.stderr.isatty() if progress_bar is None else progress_bar,
            cwd=os.getcwd(),
            # the kernel's own start-up chatter (transport notices) is not for users
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    except PapermillExecutionError as exc:
        target.mkdir(parents=True, exist_ok=True)
        if executed.exists():
            os.replace(executed, failed)
        shutil.rmtree(staging, ignore_errors=True)
        raise NotebookExecutionError(
            f"{notebook} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}", str(failed)
        ) from None
    except PapermillException as exc:  # the kernel died or timed out: keep what ran
        target.mkdir(parents=True, exist_ok=True)
        kept = executed.exists()
        if kept:
            os.replace(executed, failed)
        shutil.rmtree(staging, ignore_errors=True)
        raise NotebookExecutionError(
            f"{notebook} did not finish: {exc}",
            str(failed) if kept else "(nothing ran: the kernel did not start)",
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        return _publish_run(notebook, staging, target, failed, started, extra)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _publish_run(
    notebook: str,
    staging: Path,
    target: Path,
    failed: Path,
    started: float,
    extra: Mapping[str, Any] | None,
) -> RunResult:
    """After a successful notebook: PDFs, manifest, then everything moved into place."""
    provenance = json.loads((staging / PROVENANCE_FILE).read_text(encoding="utf-8"))
    (staging / PROVENANCE_FILE).unlink()
    _write_pdfs(staging, provenance["params"])
    seconds = time.perf_counter() - started
    outputs = [*sorted(p.name for p in staging.iterdir()), "manifest.json"]
    manifest = {
        **provenance,
        **(extra or {}),
        "notebook": notebook,
        "outputs": outputs,
        "run_seconds": round(seconds, 2),
    }
    atomic_write_json(staging / "manifest.json", manifest)
    files = publish(staging, target)
    failed.unlink(missing_ok=True)
    return RunResult(directory=target, files=tuple(files), seconds=seconds)


def _check_pdf_engine(parameters: Mapping[str, Any]) -> None:
    """Fail before the notebook runs when PDF output is asked for but cannot be made."""
    from kamreport.params import load_params

    params = load_params(parameters.get("params_file") or None, parameters.get("overrides"))
    if "pdf" in params.report.formats:
        from kamreport.pdf import check_engine

        check_engine()


def _write_pdfs(staging: Path, params: Mapping[str, Any]) -> None:
    """A PDF beside each report HTML in staging when the run's formats include pdf."""
    from kamreport.pdf import wants_pdf, write_pdfs

    if wants_pdf(params):
        try:
            write_pdfs(staging, params, progress=_stderr)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
