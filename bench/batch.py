"""Reports per second for the same accounts three ways, and the batch's CPU per account.

Usage: ``.venv/bin/python bench/batch.py [--accounts 50] [--jobs N] [--data data/sample]``

1. naive: one ``make report`` command per account (``kamreport report``, a new
   process and kernel each; the run cache holds the data and the figures after
   the first, as it does for a user running reports one by one), and the cold
   naive loop on the first ``--cold-accounts`` of them: the same commands with the
   run cache removed before each, so every report loads, validates and computes
   the portfolio figures again (the loop before the run cache existed);
   with ``--baseline CHECKOUT``, also the naive loop of another revision's code (a
   checkout with its own ``.venv``) on those accounts, e.g. the code before the run
   context: ``git worktree add ../kam-baseline dd73346 && make -C ../kam-baseline venv``;
2. batch: ``kamreport reports`` for the same accounts (``--jobs`` workers with
   warm kernels), as a command;
3. floor: the same reports rendered directly in one Python process, without
   notebooks or kernels.

Every run starts from an empty run cache, so each includes loading the data and
computing the portfolio figures once. The batch's CPU per account is the slope
of its total CPU time (the command, its workers and their kernels) between a
batch of a fifth of the accounts and one of all: the fixed cost cancels out.
Prints reports per second and the ratios, and ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sample import sample_data  # bench/sample.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def overrides(data: Path, out: Path) -> dict:
    return {"data": {"source": str(data)}, "report": {"output_dir": str(out)}}


def account_ids(data: Path, n: int) -> list[str]:
    from kamreport.loading import load_dataset
    from kamreport.params import load_params

    params = load_params(None, overrides(data, Path("unused")))
    return [str(a) for a in load_dataset(params.data).accounts["account_id"].head(n)]


def naive(
    ids: list[str], data: Path, out: Path, *, cold: bool = False, checkout: Path = ROOT
) -> float:
    """One ``kamreport report`` command per account, run by ``checkout``'s own code and
    virtual environment (this one's by default)."""
    python = sys.executable if checkout == ROOT else str(checkout / ".venv" / "bin" / "python")
    started = time.perf_counter()
    for i, account_id in enumerate(ids, 1):
        if cold:
            shutil.rmtree(out / ".cache", ignore_errors=True)
        command = [python, "-m", "kamreport.cli", "report", "--customer", account_id,
                   "--source", str(data), "--output-dir", str(out)]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True, cwd=checkout)
        name = "naive cold" if cold else "naive"
        if checkout != ROOT:
            name = f"naive, {checkout.name}"
        elapsed = time.perf_counter() - started
        print(f"  {name} {i}/{len(ids)} ({elapsed:.0f} s)", file=sys.stderr)
    return time.perf_counter() - started


def children_cpu() -> float:
    """CPU seconds of every finished child process (and theirs), user + system."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def batch(ids: list[str], data: Path, out: Path, jobs: int) -> tuple[float, float]:
    """Wall seconds and CPU seconds of ``kamreport reports`` for ``ids``, as a command."""
    shutil.rmtree(out / ".cache", ignore_errors=True)
    command = [sys.executable, "-m", "kamreport.cli", "reports", "--jobs", str(jobs), "--force",
               "--source", str(data), "--output-dir", str(out),
               "--accounts", ",".join(ids)]  # fmt: skip
    cpu, started = children_cpu(), time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"batch failed:\n{done.stderr}")
    return time.perf_counter() - started, children_cpu() - cpu


def floor(ids: list[str], data: Path, out: Path) -> float:
    """The reports without notebooks: the calls of the notebook's cells, made directly."""
    from kamreport.context import open_context
    from kamreport.reports import customer as report

    started = time.perf_counter()
    run = open_context(None, overrides(data, out), say=lambda _: None)
    for account_id in ids:
        review = report.review(run, account_id)
        charts = report.charts(review, run.fmt)
        provenance = run.provenance()
        html = report.render_html(
            review, charts, run.fmt, provenance, run.params, accounts=run.dataset.accounts
        )
        folder = out / account_id
        folder.mkdir(parents=True, exist_ok=True)
        report.write(folder, html, provenance)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--cold-accounts", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "sample")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="CHECKOUT",
        help="also time the naive loop of another checkout (with its own .venv, from "
        "`make venv` there) on the first --cold-accounts accounts",
    )
    args = parser.parse_args()
    data = sample_data(args.data)
    ids = account_ids(data, args.accounts)
    n = len(ids)
    with tempfile.TemporaryDirectory(prefix="kam-bench-") as tmp:
        work = Path(tmp)
        print(f"{n} accounts, {args.jobs} jobs, data {data}", file=sys.stderr)
        t_floor = floor(ids, data, work / "floor")
        print(f"floor: {t_floor:.1f} s", file=sys.stderr)
        few = ids[: max(1, n // 5)]
        _, cpu_few = batch(few, data, work / "batch-few", args.jobs)
        t_batch, cpu_all = batch(ids, data, work / "batch", args.jobs)
        cpu_per_account = (cpu_all - cpu_few) / max(n - len(few), 1)
        print(f"batch: {t_batch:.1f} s, {cpu_per_account:.2f} s CPU per account", file=sys.stderr)
        t_naive = naive(ids, data, work / "naive")
        cold_ids = ids[: args.cold_accounts]
        t_cold = naive(cold_ids, data, work / "naive-cold", cold=True)
        t_base = None
        if args.baseline:
            baseline = args.baseline.resolve()
            t_base = naive(cold_ids, data, work / "naive-baseline", checkout=baseline)
    rates = {"naive": n / t_naive, "batch": n / t_batch, "floor": n / t_floor}
    cold_rate = len(cold_ids) / t_cold
    base_rate = len(cold_ids) / t_base if t_base else None
    for name, seconds in (("naive", t_naive), ("batch", t_batch), ("floor", t_floor)):
        print(f"{name:>6}: {seconds:7.1f} s for {n} reports = {rates[name]:.3f} reports/s")
    print(f"naive cold: {t_cold:7.1f} s for {len(cold_ids)} reports = {cold_rate:.3f} reports/s")
    print(f"batch / naive: {rates['batch'] / rates['naive']:.1f}x faster")
    print(f"batch / naive cold: {rates['batch'] / cold_rate:.1f}x faster")
    if base_rate:
        print(f"naive, {args.baseline.name}: {t_base:7.1f} s for {len(cold_ids)} reports "
              f"= {base_rate:.3f} reports/s")  # fmt: skip
        print(f"batch / naive, {args.baseline.name}: {rates['batch'] / base_rate:.1f}x faster "
              "(goal ≥ 20x against the code before the run context)")  # fmt: skip
    print(f"floor / batch: {rates['floor'] / rates['batch']:.2f}x")
    print(f"batch CPU per account: {cpu_per_account:.2f} s (goal ≤ 0.5 s)")
    print(
        json.dumps(
            {
                "accounts": n,
                "naive_per_s": round(rates["naive"], 4),
                "naive_cold_per_s": round(cold_rate, 4),
                "batch_per_s": round(rates["batch"], 4),
                "floor_per_s": round(rates["floor"], 4),
                "batch_cpu_per_account_s": round(cpu_per_account, 3),
                **({"baseline_naive_per_s": round(base_rate, 4)} if base_rate else {}),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
