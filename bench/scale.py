"""Time and peak memory of loading a large dataset from Parquet plus every portfolio metric.

Usage: ``.venv/bin/python bench/scale.py [--lines 1000000 10000000] [--accounts 20000]``

For each size the sample generator makes the data (20,000 accounts by default;
not timed) and writes one Parquet file per table into ``--cache`` (reused by
later runs). A fresh Python process then does what ``kamreport metrics --all``
does (read, validate, the portfolio-wide figures: value layer, risk flags, the
metrics table, likely duplicates, revenue by category) and reports
the time of each stage and its peak resident memory. Goal for 10M lines:
≤ 30 s and ≤ 4 GB. Ends with one JSON line per size.
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
    """In this process: read, validate and compute every metric; stage times and peak RSS."""
    started = time.perf_counter()
    stages: dict[str, float] = {}

    def lap(name: str, since: list[float] = [started]) -> None:  # noqa: B006 - a timer
        now = time.perf_counter()
        stages[name] = round(now - since[0], 2)
        since[0] = now

    from kamreport.analytics.duplicates import likely_duplicates
    from kamreport.analytics.mix import category_revenue
    from kamreport.analytics.risk import risk_flags
    from kamreport.analytics.valuation import value_portfolio
    from kamreport.context import resolve_as_of
    from kamreport.dataset import Dataset
    from kamreport.metrics import account_metrics
    from kamreport.params import load_params
    from kamreport.sources import read_source
    from kamreport.validation import validate

    lap("import")
    params = load_params(None, {"data": {"source": str(folder)}})
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
    as_of = resolve_as_of(params, dataset)
    lap("validate")
    values = value_portfolio(dataset, as_of, params.scoring, params.clv)
    lap("value layer")
    flags = risk_flags(dataset, as_of, params.risk, values.accounts)
    lap("risk flags")
    table = account_metrics(dataset, as_of, params, values=values.accounts, flags=flags)
    lap("metrics table")
    likely_duplicates(dataset.accounts, params.portfolio.duplicate_similarity)
    lap("duplicates")
    category_revenue(dataset.order_lines, dataset.get("products"), as_of)
    lap("category revenue")
    return {
        "order_lines": len(dataset.order_lines),
        "accounts": len(table),
        "stages": stages,
        "seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/kamreport-scale"))
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    results = []
    for lines in args.lines:
        folder = generate(
            args.cache / f"lines-{lines}-accounts-{args.accounts}", lines, args.accounts
        )
        child = subprocess.run(
            [sys.executable, __file__, "--measure", str(folder)],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        result = json.loads(child.stdout.strip().splitlines()[-1])
        results.append(result)
        print(f"{result['order_lines']:,} order lines, {result['accounts']:,} accounts:")
        for stage, seconds in result["stages"].items():
            print(f"  {stage:<38} {seconds:7.2f} s")
        print(f"  total {result['seconds']:.2f} s, peak memory {result['peak_rss_mb']} MB")
    for r in results:
        line = {k: r[k] for k in ("order_lines", "seconds", "peak_rss_mb")}
        print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
