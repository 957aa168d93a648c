"""Time and peak memory of loading a large dataset from Parquet plus every portfolio metric,
against an independent floor.

Usage: ``.venv/bin/python bench/scale.py [--lines 1000000 10000000] [--accounts 20000]``

For each size the sample generator makes the data (20,000 accounts by default;
not timed) and writes one Parquet file per table into ``--cache`` (reused by
later runs). A fresh Python process then does what ``kamreport metrics --all``
does (read, validate, the portfolio-wide figures as kamreport.figures computes
them: value layer with its risk flags, the metrics table, likely duplicates,
revenue by category, partly in a helper thread) and reports the time of each
stage and its peak resident memory. Another fresh process runs the floor,
``bench/floor.py``: the core job (read Parquet, basic validation, the core
per-account metrics) written directly in Polars. Goal for 10M lines: ≤ 15 s,
≤ 2.5 GB and ≤ 4× the floor. Ends with one JSON line per size: lines, accounts,
seconds, cpu_seconds, peak_gb, floor_s, floor_cpu_s, ratio (of the wall times).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def generate(folder: Path, lines: int, accounts: int) -> Path:
    """Parquet files of a generated dataset (made once, then reused)."""
    marker = folder / ".complete"
    if marker.exists():
        return folder
    from kamreport.sample import generate_sample

    started = time.perf_counter()
    tables = generate_sample(n_accounts=accounts, target_lines=lines)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    marker.write_text(f"lines={len(tables['order_lines'])}\n")
    print(
        f"generated {len(tables['order_lines']):,} order lines for {accounts:,} accounts "
        f"in {time.perf_counter() - started:.0f} s into {folder}",
        file=sys.stderr,
    )
    return folder


def measure(folder: Path) -> dict:
    """In this process: read, validate and compute every metric; stage times, CPU time
    (all threads) and peak RSS."""
    started, cpu_started = time.perf_counter(), time.process_time()
    stages: dict[str, float] = {}

    def lap(name: str, since: list[float] = [started]) -> None:  # noqa: B006 - a timer
        now = time.perf_counter()
        stages[name] = round(now - since[0], 2)
        since[0] = now

    from kamreport.context import resolve_as_of
    from kamreport.dataset import Dataset
    from kamreport.figures import compute_figures
    from kamreport.heap import release_freed_memory, use_arrow_jemalloc
    from kamreport.params import load_params
    from kamreport.sources import read_source
    from kamreport.validation import validate

    lap("import")
    params = load_params(None, {"data": {"source": str(folder)}})
    use_arrow_jemalloc()
    raw = read_source(params.data)
    lap("read Parquet")
    # As kamreport.loading.check_dataset does, with the two steps timed apart.
    tables, report = validate(raw, params.data.currency.upper())
    assert report.ok, report.format()
    dataset = Dataset(
        tables, currency=params.data.currency.upper(), source=raw.source,
        warnings=report.warnings, latest_order_date=raw.latest_order_date,
    )  # fmt: skip
    del raw, tables
    release_freed_memory()
    as_of = resolve_as_of(params, dataset)
    lap("validate")
    figures = compute_figures(dataset, as_of, params)
    lap("portfolio figures")
    table = figures.metrics
    return {
        "order_lines": len(dataset.order_lines),
        "accounts": len(table),
        "stages": stages,
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(time.process_time() - cpu_started, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def measure_floor(folder: Path) -> dict:
    """In this process: the Polars floor (imports included, as in :func:`measure`)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    sys.path.insert(0, str(ROOT / "bench"))
    from floor import run

    table = run(folder)
    return {
        "accounts": table.height,
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(time.process_time() - cpu_started, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def in_fresh_process(flag: str, folder: Path) -> dict:
    """The JSON result of this script run with ``flag folder`` in a new interpreter."""
    child = subprocess.run(
        [sys.executable, __file__, flag, str(folder)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/kamreport-scale"))
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure-floor", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    if args.measure_floor:
        print(json.dumps(measure_floor(args.measure_floor)))
        return 0
    results = []
    for lines in args.lines:
        folder = generate(
            args.cache / f"lines-{lines}-accounts-{args.accounts}", lines, args.accounts
        )
        result = in_fresh_process("--measure", folder)
        floor = in_fresh_process("--measure-floor", folder)
        ratio = result["seconds"] / floor["seconds"]
        results.append(
            {
                "lines": result["order_lines"],
                "accounts": result["accounts"],
                "seconds": result["seconds"],
                "cpu_seconds": result["cpu_seconds"],
                "peak_gb": round(result["peak_rss_mb"] / 1024, 2),
                "floor_s": floor["seconds"],
                "floor_cpu_s": floor["cpu_seconds"],
                "floor_peak_gb": round(floor["peak_rss_mb"] / 1024, 2),
                "ratio": round(ratio, 2),
            }
        )
        print(f"{result['order_lines']:,} order lines, {result['accounts']:,} accounts:")
        for stage, seconds in result["stages"].items():
            print(f"  {stage:<38} {seconds:7.2f} s")
        print(
            f"  total {result['seconds']:.2f} s ({result['cpu_seconds']:.2f} s CPU),"
            f" peak memory {result['peak_rss_mb']} MB"
        )
        print(
            f"  floor (Polars) {floor['seconds']:.2f} s ({floor['cpu_seconds']:.2f} s CPU),"
            f" peak memory {floor['peak_rss_mb']} MB; ratio {ratio:.1f}×"
        )
    for line in results:
        print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
