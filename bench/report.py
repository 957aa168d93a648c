"""One account review as a user runs it, against the floor of the same work in one process.

Usage: ``.venv/bin/python bench/report.py [--runs 5] [--data data/sample]``

Measured in one run, each a new process, wall-clock seconds:

- first: ``kamreport report --customer KA0001`` with an empty run cache (the data
  read and validated, the portfolio figures computed);
- second: the same command for another account right after (data and figures
  reused from the run cache);
- report: the same command for KA0001 again, warm (median of ``--runs``);
- floor: a new Python process making the notebook's calls directly, no kernel
  and no papermill, on the same warm cache (imports included; median of ``--runs``).

Goals: report ≤ 1.3 × floor, second ≤ 0.6 × first. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sample import sample_data  # bench/sample.py

ROOT = Path(__file__).resolve().parents[1]

FLOOR = """
import sys
from pathlib import Path
from kamreport.context import open_context
from kamreport.reports import customer as report
data, out, account = sys.argv[1:4]
run = open_context(None, {"data": {"source": data}, "report": {"output_dir": out}},
                   say=lambda _: None)
account_id = run.account_id(account)
review = report.review(run, account_id)
charts = report.charts(review, run.fmt)
provenance = run.provenance()
html = report.render_html(review, charts, run.fmt, provenance, run.params,
                          accounts=run.dataset.accounts)
folder = Path(out) / "floor"
folder.mkdir(parents=True, exist_ok=True)
report.write(folder, html, provenance)
"""


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return seconds


def report_command(data: Path, out: Path, account: str) -> list[str]:
    return [sys.executable, "-m", "kamreport.cli", "report", "--customer", account,
            "--source", str(data), "--output-dir", str(out)]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "sample")
    args = parser.parse_args()
    data = sample_data(args.data)
    with tempfile.TemporaryDirectory(prefix="kam-bench-") as tmp:
        out = Path(tmp)
        shutil.rmtree(out / ".cache", ignore_errors=True)
        first = timed(report_command(data, out, "KA0001"))
        second = timed(report_command(data, out, "KA0002"))
        print(f"first {first:.2f} s, second {second:.2f} s", file=sys.stderr)
        warm, floor = [], []
        for i in range(args.runs):  # interleaved, so both see the same machine load
            warm.append(timed(report_command(data, out, "KA0001")))
            floor.append(timed([sys.executable, "-c", FLOOR, str(data), str(out), "KA0001"]))
            print(f"run {i + 1}: report {warm[-1]:.2f} s, floor {floor[-1]:.2f} s", file=sys.stderr)
    figures = {
        "report_s": round(statistics.median(warm), 3),
        "floor_s": round(statistics.median(floor), 3),
        "first_report_s": round(first, 3),
        "second_report_s": round(second, 3),
    }
    print(f"report / floor: {figures['report_s'] / figures['floor_s']:.2f} (goal ≤ 1.3)")
    print(f"second / first: {figures['second_report_s'] / figures['first_report_s']:.2f} "
          "(goal ≤ 0.6)")  # fmt: skip
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
