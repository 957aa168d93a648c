"""The batch: every account's review in one command, on local workers or a Dask cluster.

Loads and validates the data once, computes the portfolio-wide figures once, writes
them as a snapshot the workers read, renders each changed account with the same
notebook as ``make report`` on warm kernels, and writes the index page. One
account's failure never stops the others.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from kamreport.batch import index as index_page
from kamreport.batch.executors import default_jobs, describe, open_executor
from kamreport.batch.kernel import Outcome, render_account, warm_up
from kamreport.batch.plan import (
    AccountTask,
    Plan,
    account_hashes,
    base_hash,
    in_scope,
    is_current,
)
from kamreport.batch.progress import ProgressBar
from kamreport.batch.snapshot import Prepared, prepare, write_snapshot
from kamreport.errors import KamReportError
from kamreport.provenance import make_provenance
from kamreport.session import Session, open_session

Say = Callable[[str], None]
TIERS = ("key", "growth", "maintain", "ordinary")


@dataclass(frozen=True)
class BatchResult:
    index: Path
    rendered: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: tuple[Outcome, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.failed


def _plain(value: Any) -> Any:
    """Overrides as plain dicts and lists, exactly as ``make report`` hands them to papermill."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def notebook_parameters(
    account_id: str, params_file: str | Path | None, overrides: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The customer notebook's parameters (as :func:`kamreport.runner.run_customer_report`)."""
    return {
        "customer": account_id,
        "params_file": str(Path(params_file).resolve()) if params_file else "",
        "overrides": _plain(overrides or {}),
    }


def customer_target(session: Session, account_id: str) -> Path:
    from kamreport.runner import customer_dir

    return customer_dir(session, account_id).resolve()


def make_plan(
    prepared: Prepared,
    ids: list[str],
    snapshot: Path,
    params_file: str | Path | None,
    overrides: Mapping[str, Any] | None,
    *,
    force: bool = False,
) -> Plan:
    """Tasks for the accounts whose report is missing or out of date (all with ``force``)."""
    session = prepared.session
    base = base_hash(session.params, session.as_of, notebook_parameters("", params_file, overrides))
    hashes = account_hashes(session.dataset.tables, prepared.context, base)
    tasks, skipped = [], []
    for account_id in ids:
        target = customer_target(session, account_id)
        content_hash = str(hashes[account_id])
        if not force and is_current(target, content_hash):
            skipped.append(account_id)
            continue
        tasks.append(
            AccountTask(
                account_id=account_id,
                target=str(target),
                parameters=notebook_parameters(account_id, params_file, overrides),
                snapshot=str(snapshot),
                content_hash=content_hash,
            )
        )
    return Plan(tasks=tuple(tasks), skipped=tuple(skipped))


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_batch(
    *,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    tier: str | None = None,
    accounts: Sequence[str] | None = None,
    jobs: int | None = None,
    executor: str | None = None,
    force: bool = False,
    say: Say = _stderr,
    stream: TextIO | None = None,
) -> BatchResult:
    """Render every account's review in scope; write ``<output_dir>/<as-of>/index.html``.

    The scope is every account, or those of ``tier``, or only ``accounts`` (ids) when given.
    """
    started = time.perf_counter()
    if tier and tier not in TIERS:
        raise KamReportError(f"TIER={tier!r} is not a tier. Use one of: {', '.join(TIERS)}.")
    jobs = jobs or default_jobs()
    if jobs < 1:
        raise KamReportError(f"JOBS must be 1 or more; found {jobs}.")
    with open_executor(executor, jobs) as pool:
        for _ in range(jobs):  # kernels start while this process loads the data
            pool.submit(warm_up)
        prepared, ids = _prepare(params_file, overrides, tier, accounts, say)
        session = prepared.session
        folder = Path(session.params.report.output_dir) / session.as_of.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".batch-", dir=folder)).resolve()
        try:
            snapshot = work / "snapshot.pkl"
            plan = make_plan(prepared, ids, snapshot, params_file, overrides, force=force)
            outcomes: list[Outcome] = []
            if plan.tasks:
                write_snapshot(prepared, work)
                say(
                    f"Rendering {len(plan.tasks)} of {len(ids)} account reviews on "
                    f"{describe(executor, jobs)}"
                    + (f"; {len(plan.skipped)} unchanged." if plan.skipped else ".")
                )
                outcomes = collect(pool, plan, stream=stream)
            else:
                say(f"All {len(ids)} account reviews are up to date (FORCE=1 renders them again).")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    status = {a: "skipped" for a in plan.skipped}
    status.update({o.account_id: "rendered" if o.ok else "failed" for o in outcomes})
    errors = {o.account_id: (o.error, o.failed_notebook) for o in outcomes if not o.ok}
    index = write_batch_index(prepared, ids, status, errors, tier)
    return BatchResult(
        index=index,
        rendered=tuple(o.account_id for o in outcomes if o.ok),
        skipped=plan.skipped,
        failed=tuple(o for o in outcomes if not o.ok),
        seconds=time.perf_counter() - started,
    )


def _prepare(
    params_file: str | Path | None,
    overrides: Mapping[str, Any] | None,
    tier: str | None,
    accounts: Sequence[str] | None,
    say: Say,
) -> tuple[Prepared, list[str]]:
    """Load and validate once, compute the portfolio figures once; the accounts in scope."""
    from kamreport.reports.customer import portfolio

    say("Loading and validating the data…")
    session = open_session(params_file, overrides)
    if "pdf" in session.params.report.formats:
        from kamreport.pdf import check_engine

        check_engine()
    say(f"Computing the portfolio figures of {len(session.dataset.accounts)} accounts…")
    prepared = prepare(session, portfolio(session.dataset, session.as_of, session.params))
    values = prepared.context.valuation.accounts
    ids = in_scope(values, session.dataset.accounts["account_id"], tier)
    if accounts is not None:
        wanted = {session.account_id(a) for a in accounts}
        ids = [a for a in ids if a in wanted]
    return prepared, ids


def execute_plan(
    plan: Plan, executor: str | None, jobs: int, *, stream: TextIO | None = None
) -> list[Outcome]:
    """Run ``plan`` on a new executor (see :func:`collect`)."""
    with open_executor(executor, jobs) as pool:
        return collect(pool, plan, stream=stream)


def collect(pool: Executor, plan: Plan, *, stream: TextIO | None = None) -> list[Outcome]:
    """Submit every task, collect outcomes as they finish; a lost worker fails its account."""
    bar = ProgressBar(len(plan.tasks), stream=stream)
    bar.draw()
    outcomes = []
    futures = {pool.submit(render_account, task): task for task in plan.tasks}
    for future in as_completed(futures):
        task: AccountTask = futures[future]
        try:
            outcome = future.result()
        except Exception as exc:  # a crashed worker, a lost connection
            outcome = Outcome(task.account_id, False, 0.0, error=f"{type(exc).__name__}: {exc}")
        outcomes.append(outcome)
        bar.update(outcome.ok)
    bar.close()
    return outcomes


def write_batch_index(
    prepared: Prepared,
    ids: list[str],
    status: Mapping[str, str],
    errors: Mapping[str, tuple[str, str]],
    tier: str | None,
    now: dt.datetime | None = None,
) -> Path:
    session = prepared.session
    folder = (Path(session.params.report.output_dir) / session.as_of.isoformat()).resolve()
    targets = {a: customer_target(session, a) for a in ids}
    table = index_page.rows(
        ids,
        session.dataset.accounts,
        prepared.context.metrics,
        status,
        errors,
        targets,
        folder,
        session.params.report.locale,
    )
    provenance = make_provenance(
        session.params, session.dataset, session.as_of, data_hash=prepared.data_hash, now=now
    )
    html = index_page.render_index(table, session.fmt, provenance, session.as_of, tier)
    return index_page.write_index(html, folder)
