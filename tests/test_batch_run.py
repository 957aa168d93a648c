"""The batch end to end: failure isolation, incremental skip, the index, a Dask cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kamreport.batch.executors import open_executor
from kamreport.batch.plan import HASH_KEY, Plan
from kamreport.batch.run import execute_plan, run_batch
from kamreport.errors import KamReportError

pytestmark = pytest.mark.slow
GOOD = ("KA0001", "KA0002")
BAD = "NO-SUCH-ACCOUNT"


def overrides(sample_dir: Path, out: Path) -> dict:
    return {"data": {"source": str(sample_dir)}, "report": {"output_dir": str(out)}}


def plan_with_a_bad_account(sample_dir: Path, out: Path) -> Plan:
    """A plan for two real accounts and one the notebook cannot find (it fails in cell 2)."""
    from dataclasses import replace

    from kamreport.batch.run import make_plan
    from kamreport.context import open_context, write_snapshot

    context = open_context(None, overrides(sample_dir, out), say=lambda _: None)
    snapshot = write_snapshot(context)
    plan = make_plan(context, list(GOOD), snapshot, force=True)
    bad = replace(
        plan.jobs[0],
        target=str(context.layout.customer_dir(BAD)),
        parameters={**plan.jobs[0].parameters, "customer": BAD},
        extra={"customer": BAD, HASH_KEY: "x"},
    )
    return Plan(jobs=(plan.jobs[0], bad, plan.jobs[1]))


def check_outcomes(outcomes, out: Path) -> None:
    by_id = {o.account_id: o for o in outcomes}
    assert set(by_id) == {*GOOD, BAD}
    assert by_id[GOOD[0]].ok and by_id[GOOD[1]].ok
    failed = by_id[BAD]
    assert not failed.ok
    assert "UnknownCustomerError" in failed.error and BAD in failed.error
    assert Path(failed.failed_notebook).is_file()
    for account_id in GOOD:
        assert (out / "2026-09-30" / "en" / "customers" / account_id / "report.html").is_file()


def test_one_failing_account_does_not_stop_the_others(sample_dir: Path, tmp_path: Path):
    plan = plan_with_a_bad_account(sample_dir, tmp_path)
    check_outcomes(execute_plan(plan, "local", 2), tmp_path)


def test_rerun_skips_unchanged_accounts_and_force_renders_them(
    sample_dir: Path, tmp_path: Path, capsys
):
    ov = overrides(sample_dir, tmp_path)
    first = run_batch(overrides=ov, accounts=list(GOOD), jobs=1)
    assert first.ok and set(first.rendered) == set(GOOD) and not first.skipped
    report = tmp_path / "2026-09-30" / "en" / "customers" / GOOD[0] / "report.html"
    manifest = json.loads((report.parent / "manifest.json").read_text())
    assert len(manifest[HASH_KEY]) == 64
    stamp = report.stat().st_mtime_ns

    again = run_batch(overrides=ov, accounts=list(GOOD), jobs=1)
    assert again.rendered == () and set(again.skipped) == set(GOOD)
    assert report.stat().st_mtime_ns == stamp

    report.unlink()  # an output gone: that account is rendered again, the other skipped
    partial = run_batch(overrides=ov, accounts=list(GOOD), jobs=1)
    assert partial.rendered == (GOOD[0],) and partial.skipped == (GOOD[1],)

    forced = run_batch(overrides=ov, accounts=list(GOOD), jobs=1, force=True)
    assert set(forced.rendered) == set(GOOD)

    index = forced.index.read_text()
    assert forced.index == (tmp_path / "2026-09-30" / "en" / "index.html").resolve()
    for account_id in GOOD:
        assert f'href="customers/{account_id}/report.html"' in index
    assert "accounts, 0 failed" in capsys.readouterr().err  # the progress bar


def test_dask_cluster_renders_with_the_same_failure_handling(sample_dir: Path, tmp_path: Path):
    import distributed  # a declared development dependency: missing is a failure

    plan = plan_with_a_bad_account(sample_dir, tmp_path)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:  # fmt: skip
        address = cluster.scheduler_address.removeprefix("tcp://")
        outcomes = execute_plan(plan, f"dask://{address}", 2)
    check_outcomes(outcomes, tmp_path)
    assert len({o.worker for o in outcomes}) == 2  # both worker processes took accounts


def test_unknown_executor_and_tier_are_explained():
    with pytest.raises(KamReportError, match="EXECUTOR='ray://x'"), open_executor("ray://x", 1):
        pass
    with (
        pytest.raises(KamReportError, match="lacks the scheduler's port"),
        open_executor("dask://scheduler", 1),
    ):
        pass
    with pytest.raises(KamReportError, match="TIER='vip' is not a tier"):
        run_batch(tier="vip")


def test_sigterm_stops_the_workers_and_their_kernels_and_leaves_no_staging(
    sample_dir: Path, tmp_path: Path
):
    """``kill`` of a running batch: workers stop mid-report, every kernel ends, no staging
    folder stays and each report is either the previous one or a finished new one."""
    import signal
    import subprocess
    import sys
    import time

    from test_interruption import alive, check_whole, debris, descendants

    # Enough accounts that the batch is still rendering when the signal comes.
    accounts = tuple(f"KA{n:04d}" for n in range(1, 21))
    command = [
        *(sys.executable, "-m", "kamreport.cli", "reports", "--jobs", "2", "--force"),
        *("--accounts", ",".join(accounts), "--source", str(sample_dir)),
        *("--output-dir", str(tmp_path)),
    ]
    batch = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    for line in batch.stderr:  # the workers are rendering once this is said
        if line.startswith(b"Rendering"):
            break
    deadline = time.monotonic() + 60  # a loaded machine starts kernels slowly
    below = descendants(batch.pid)  # the workers and their kernels
    while len(below) < 4 and batch.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
        below = descendants(batch.pid)
    assert len(below) >= 4, below  # 2 workers, 2 kernels (and the resource tracker)
    time.sleep(1)  # mid-report
    below |= descendants(batch.pid)
    assert batch.poll() is None, "the batch ended before it could be interrupted"
    batch.send_signal(signal.SIGTERM)
    rest = batch.stderr.read().decode()
    assert batch.wait(timeout=60) == 128 + signal.SIGTERM, rest
    assert rest.strip().splitlines()[-1].startswith("Interrupted by SIGTERM"), rest
    assert "Traceback" not in rest, rest
    deadline = time.monotonic() + 5
    while alive(below) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(below), "a worker or kernel outlived the batch"
    assert debris(tmp_path) == []
    for account_id in accounts:
        folder = tmp_path / "2026-09-30" / "en" / "customers" / account_id
        if (folder / "manifest.json").exists():
            check_whole(folder)
