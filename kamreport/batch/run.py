"""The batch: every account's review in one command, on local workers or a Dask cluster.

The run context is resolved once (data validated once, portfolio-wide figures
computed once) and handed to every worker as the same snapshot file; each
changed account is rendered by the same job as ``make report``
(:func:`kamreport.runner.run_job`) on a warm kernel, and the index page is
written last. One account's failure never stops the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from kamreport.analytics.attention import attention_items, by_account
from kamreport.analytics.tiers import TIERS
from kamreport.batch import index as index_page
from kamreport.batch.executors import default_jobs, describe, open_executor
from kamreport.batch.plan import HASH_KEY, Plan, account_hashes, base_hash, in_scope, is_current
from kamreport.batch.progress import ProgressBar
from kamreport.batch.worker import Outcome, render_account, warm_up
from kamreport.context import RunContext, open_context, write_snapshot
from kamreport.errors import KamReportError
from kamreport.runner import check_pdf_engine, report_job

Say = Callable[[str], None]


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


def make_plan(context: RunContext, ids: list[str], snapshot: Path, *, force: bool = False) -> Plan:
    """Jobs for the accounts whose report is missing or out of date (all with ``force``)."""
    base = base_hash(context.params, context.as_of)
    hashes = account_hashes(context.dataset.tables, context.figures(), base)
    plans = imported_plans(context.layout.plans_store)
    jobs, skipped = [], []
    for account_id in ids:
        content_hash = str(hashes[account_id])
        if account_id in plans:  # an imported plan is an input of the review too
            content_hash = hashlib.sha256(
                f"{content_hash}|{plans[account_id]}".encode()
            ).hexdigest()
        target = context.layout.customer_dir(account_id)
        if not force and is_current(target, content_hash):
            skipped.append(account_id)
            continue
        jobs.append(
            report_job(
                context,
                "customer",
                snapshot,
                account_id=account_id,
                extra={HASH_KEY: content_hash},
            )
        )
    return Plan(jobs=tuple(jobs), skipped=tuple(skipped))


def imported_plans(store: Path) -> dict[str, str]:
    """Each account's entry in the current version of the imported plans, as JSON text."""
    from kamreport.plans_store import read_version

    entries = read_version(store).get("accounts", {})
    return {a: json.dumps(e, sort_keys=True, ensure_ascii=False) for a, e in entries.items()}


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
    """Render every account's review in scope; write ``<as-of>/<locale>/index.html``.

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
        context = open_context(params_file, overrides, say=say)
        check_pdf_engine(context)
        ids = _scope(context, tier, accounts, say)
        snapshot = write_snapshot(context, say)
        plan = make_plan(context, ids, snapshot, force=force)
        outcomes: list[Outcome] = []
        if plan.jobs:
            say(
                f"Rendering {len(plan.jobs)} of {len(ids)} account reviews on "
                f"{describe(executor, jobs)}"
                + (f"; {len(plan.skipped)} unchanged." if plan.skipped else ".")
            )
            outcomes = collect(pool, plan, stream=stream)
        else:
            say(f"All {len(ids)} account reviews are up to date (FORCE=1 renders them again).")
    status = {a: "skipped" for a in plan.skipped}
    status.update({o.account_id: "rendered" if o.ok else "failed" for o in outcomes})
    errors = {o.account_id: (o.error, o.failed_notebook) for o in outcomes if not o.ok}
    index = write_batch_index(context, ids, status, errors, tier)
    return BatchResult(
        index=index,
        rendered=tuple(o.account_id for o in outcomes if o.ok),
        skipped=plan.skipped,
        failed=tuple(o for o in outcomes if not o.ok),
        seconds=time.perf_counter() - started,
    )


def _scope(
    context: RunContext, tier: str | None, accounts: Sequence[str] | None, say: Say
) -> list[str]:
    """The account ids in scope, in data order."""
    values = context.figures(say).values
    ids = in_scope(values, context.dataset.accounts["account_id"], tier)
    if accounts is not None:
        wanted = {context.account_id(a) for a in accounts}
        ids = [a for a in ids if a in wanted]
    return ids


def execute_plan(
    plan: Plan, executor: str | None, jobs: int, *, stream: TextIO | None = None
) -> list[Outcome]:
    """Run ``plan`` on a new executor (see :func:`collect`)."""
    with open_executor(executor, jobs) as pool:
        return collect(pool, plan, stream=stream)


def collect(pool: Executor, plan: Plan, *, stream: TextIO | None = None) -> list[Outcome]:
    """Submit every job, collect outcomes as they finish; a lost worker fails its account."""
    bar = ProgressBar(len(plan.jobs), stream=stream)
    bar.draw()
    outcomes = []
    futures = {pool.submit(render_account, job): job for job in plan.jobs}
    for future in as_completed(futures):
        job = futures[future]
        account_id = str(job.parameters.get("customer", ""))
        try:
            outcome = future.result()
        except Exception as exc:  # a crashed worker, a lost connection
            outcome = Outcome(account_id, False, 0.0, error=f"{type(exc).__name__}: {exc}")
        outcomes.append(outcome)
        bar.update(outcome.ok)
    bar.close()
    return outcomes


def write_batch_index(
    context: RunContext,
    ids: list[str],
    status: Mapping[str, str],
    errors: Mapping[str, tuple[str, str]],
    tier: str | None,
    now: dt.datetime | None = None,
) -> Path:
    """The index page of this as-of date and language, linking each account's own files."""
    folder = context.layout.run_dir.resolve()
    targets = {a: context.layout.customer_dir(a).resolve() for a in ids}
    figures = context.figures()
    items = attention_items(
        figures.metrics,
        figures.flags,
        context.dataset.order_lines,
        context.dataset.accounts,
        context.as_of,
        recent_months=context.params.risk.discount_window_months,
        account_ids=ids,
    )
    table = index_page.rows(
        ids,
        context.dataset.accounts,
        figures.metrics,
        status,
        errors,
        targets,
        folder,
        context.locale,
        by_account(items),
    )
    html = index_page.render_index(table, context.fmt, context.provenance(now), context.as_of, tier)
    return index_page.write_index(html, folder)
