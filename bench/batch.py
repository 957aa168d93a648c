"""Reports per second for the same accounts three ways, in one run.

Usage: ``.venv/bin/python bench/batch.py [--accounts 50] [--jobs N] [--data data/sample]``

1. naive: one ``make report``-equivalent command per account (``kamreport report``,
   a new process and kernel each, loading and validating the data each time);
2. batch: ``kamreport reports`` for the same accounts (data loaded once, warm
   kernels, ``--jobs`` workers);
3. floor: the same reports rendered directly in one Python process, without
   notebooks or kernels (load once, then analyse, chart and render per account).

Every time includes loading the data. Prints reports per second and the ratios,
and ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def overrides(data: Path, out: Path) -> dict:
    return {"data": {"source": str(data)}, "report": {"output_dir": str(out)}}


def account_ids(data: Path, n: int) -> list[str]:
    from kamreport.loading import load_dataset
    from kamreport.params import load_params

    params = load_params(None, overrides(data, Path("unused")))
    return [str(a) for a in load_dataset(params.data).accounts["account_id"].head(n)]


def naive(ids: list[str], data: Path, out: Path) -> float:
    started = time.perf_counter()
    for i, account_id in enumerate(ids, 1):
        command = [sys.executable, "-m", "kamreport.cli", "report", "--customer", account_id,
                   "--source", str(data), "--output-dir", str(out)]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        print(f"  naive {i}/{len(ids)} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return time.perf_counter() - started


def batch(ids: list[str], data: Path, out: Path, jobs: int) -> float:
    from kamreport.batch import run_batch

    started = time.perf_counter()
    result = run_batch(overrides=overrides(data, out), accounts=ids, jobs=jobs, force=True)
    if not result.ok:
        raise SystemExit(f"batch failed: {[o.error for o in result.failed]}")
    return time.perf_counter() - started


def floor(ids: list[str], data: Path, out: Path) -> float:
    """The reports without notebooks: the calls of the notebook's cells, made directly."""
    from kamreport.provenance import make_provenance
    from kamreport.reports import customer as report
    from kamreport.session import open_session

    started = time.perf_counter()
    session = open_session(None, overrides(data, out))
    context = report.portfolio(session.dataset, session.as_of, session.params)
    data_hash = session.dataset.content_hash()
    for account_id in ids:
        review = report.analyse(session.dataset, account_id, session.as_of, session.params, context)
        charts = report.charts(review, session.fmt)
        provenance = make_provenance(
            session.params, session.dataset, session.as_of, data_hash=data_hash
        )
        html = report.render_html(review, charts, session.fmt, provenance, session.params)
        folder = out / account_id
        folder.mkdir(parents=True, exist_ok=True)
        report.write(folder, html, provenance)
        import matplotlib.pyplot as plt

        plt.close("all")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "sample")
    args = parser.parse_args()
    data = args.data.resolve()
    if not (data / "accounts.csv").exists():
        from kamreport.sample import export_sample

        export_sample(data, "csv")
    ids = account_ids(data, args.accounts)
    n = len(ids)
    with tempfile.TemporaryDirectory(prefix="kam-bench-") as tmp:
        work = Path(tmp)
        print(f"{n} accounts, {args.jobs} jobs, data {data}", file=sys.stderr)
        t_floor = floor(ids, data, work / "floor")
        print(f"floor: {t_floor:.1f} s", file=sys.stderr)
        t_batch = batch(ids, data, work / "batch", args.jobs)
        print(f"batch: {t_batch:.1f} s", file=sys.stderr)
        t_naive = naive(ids, data, work / "naive")
    rates = {"naive": n / t_naive, "batch": n / t_batch, "floor": n / t_floor}
    for name, seconds in (("naive", t_naive), ("batch", t_batch), ("floor", t_floor)):
        print(f"{name:>6}: {seconds:7.1f} s for {n} reports = {rates[name]:.3f} reports/s")
    print(f"batch / naive: {rates['batch'] / rates['naive']:.1f}x faster (goal ≥ 10x)")
    print(f"floor / batch: {rates['floor'] / rates['batch']:.2f}x (goal ≤ 1.5x)")
    print(
        json.dumps(
            {
                "accounts": n,
                "naive_per_s": round(rates["naive"], 4),
                "batch_per_s": round(rates["batch"], 4),
                "floor_per_s": round(rates["floor"], 4),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
