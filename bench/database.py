"""Data load time from PostgreSQL against CSV (and Parquet when pyarrow is installed).

Usage: ``.venv/bin/python bench/database.py [--customer KA0001] [--repeat 3]``

Starts a throwaway PostgreSQL server (tests/pg_server.py; needs Debian's
postgresql package), loads the sample data into it under ERP-style names and
times, as a report run does it (read + validate → Dataset):

- a report run's load: a customer report and the portfolio report read the same,
  the whole portfolio with order lines up to the as-of date (the customer report
  shows score, rank, ABC class and lifetime value, which need every account;
  docs/database.md); once at the default as-of date and once a year earlier;
- one account's rows only (``ReadScope(accounts=…)``), for account-local uses.

Files are always read whole, so CSV and Parquet have one figure each.

Prints the median of ``--repeat`` runs per case and ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def timed(load: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall seconds of ``repeat`` calls, and the last result."""
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = load()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customer", default="KA0001")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    import pandas as pd
    from pg_server import load_erp_sample, start_server

    from kamreport.analytics.periods import default_as_of
    from kamreport.loading import load_dataset
    from kamreport.params import DataParams
    from kamreport.sample import export_sample, generate_sample
    from kamreport.sources import ReadScope

    print("Generating the sample and starting PostgreSQL…", file=sys.stderr)
    tables = generate_sample()
    server = start_server()
    results: dict[str, float | None] = {}
    try:
        server.create_database("erp")
        mapping = load_erp_sample(server.admin_url("erp"), tables)
        os.environ["PGPASSWORD"] = server.password
        pg = DataParams(source=server.url("erp"), **mapping)
        with tempfile.TemporaryDirectory(prefix="kam-bench-db-") as tmp:
            csv_dir = Path(tmp) / "csv"
            export_sample(csv_dir, "csv")
            latest = pd.Timestamp(default_as_of(tables["order_lines"]["order_date"].max()))
            year_earlier = (latest - pd.DateOffset(years=1)).date()
            cases: dict[str, Callable[[], object]] = {
                "postgres_report_s": lambda: load_dataset(pg, scope=ReadScope()),
                "postgres_report_year_earlier_s": lambda: load_dataset(
                    pg, scope=ReadScope(as_of=year_earlier)
                ),
                "postgres_one_account_s": lambda: load_dataset(
                    pg, scope=ReadScope(accounts=(args.customer,))
                ),
                "csv_s": lambda: load_dataset(DataParams(source=str(csv_dir))),
            }
            try:
                import pyarrow  # noqa: F401

                parquet_dir = Path(tmp) / "parquet"
                parquet_dir.mkdir()
                for name, frame in tables.items():
                    frame.to_parquet(parquet_dir / f"{name}.parquet", index=False)
                cases["parquet_s"] = lambda: load_dataset(DataParams(source=str(parquet_dir)))
            except ImportError:
                results["parquet_s"] = None
                print("parquet: skipped (pyarrow is not installed)")
            for name, load in cases.items():
                seconds, dataset = timed(load, args.repeat)
                results[name] = round(seconds, 3)
                lines = len(dataset.order_lines)  # type: ignore[attr-defined]
                print(f"{name[:-2]:<30} {seconds:6.2f} s  ({lines:,} order lines)")
    finally:
        server.stop()
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"order lines in the sample: {len(tables['order_lines']):,}; "
        f"median of {args.repeat}; load average {load_avg:.1f} on {os.cpu_count()} cores"
    )
    print(json.dumps({**results, "repeat": args.repeat, "load_average": round(load_avg, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
