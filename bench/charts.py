"""CPU time of an account review's charts: the charts of a baseline revision against now.

Usage: ``.venv/bin/python bench/charts.py [--accounts 20] [--locale en] [--baseline REV]``

The baseline (default: the revision before the SVG chart writer, whose charts were
matplotlib figures exported as SVG twice, wide and phone) is taken from git into a
temporary folder. Each side runs in a new Python process on the same data: it builds the
reviews of the first ``--accounts`` accounts (not timed), draws one account's charts once
(imports, fonts: reported as the first call), then times ``customer.charts`` for every
account, both layouts, in CPU seconds. Prints both and their ratio, and ends with one
JSON line.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from sample import sample_data  # bench/sample.py

ROOT = Path(__file__).resolve().parents[1]

# Run in a new process with the code to measure first on sys.path.
MEASURE = """
import json, sys, time
code, data, out, locale, n = sys.argv[1:6]
sys.path.insert(0, code)
started = time.process_time()
from kamreport.context import open_context
from kamreport.i18n import Formatter
from kamreport.reports import customer as report
run = open_context(None, {"data": {"source": data}, "report": {"output_dir": out}},
                   say=lambda _: None)
ids = [str(a) for a in run.dataset.accounts["account_id"].head(int(n))]
reviews = [report.review(run, account_id) for account_id in ids]
fmt = Formatter(locale, run.dataset.currency)
assert report.__file__.startswith(code), report.__file__
first = time.process_time()
report.charts(reviews[0], fmt)
first = time.process_time() - first
cpu, sizes = [], []
for review in reviews:
    t = time.process_time()
    charts = report.charts(review, fmt)
    cpu.append(time.process_time() - t)
    sizes.append(sum(len(c.svg) + len(c.svg_narrow) for c in charts.values() if c))
print(json.dumps({"first_call_s": first, "cpu_s": cpu, "svg_bytes": sizes}))
"""


def baseline_revision() -> str:
    """The parent of the commit that added the SVG chart writer."""
    added = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", "kamreport/charts/svg.py"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    if not added:
        raise SystemExit("no commit adds kamreport/charts/svg.py; pass --baseline")
    return f"{added[-1]}^"


def export(revision: str, folder: Path) -> Path:
    """The ``kamreport`` package as of ``revision``, unpacked into ``folder``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "kamreport"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def measure(code: Path, data: Path, out: Path, locale: str, accounts: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(code), str(data), str(out), locale, str(accounts)],
        cwd=out, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"measuring {code} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--locale", default="en")
    parser.add_argument("--baseline", default=None, help="git revision (default: see above)")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "sample")
    args = parser.parse_args()
    data = sample_data(args.data)
    revision = args.baseline or baseline_revision()
    with tempfile.TemporaryDirectory(prefix="kam-bench-charts-") as tmp:
        work = Path(tmp)
        (work / "out").mkdir()
        old_code = export(revision, work / "baseline")
        print(f"{args.accounts} accounts, {args.locale}, baseline {revision}", file=sys.stderr)
        old = measure(old_code, data, work / "out", args.locale, args.accounts)
        new = measure(ROOT, data, work / "out", args.locale, args.accounts)
    n = len(new["cpu_s"])
    per_old, per_new = sum(old["cpu_s"]) / n, sum(new["cpu_s"]) / n
    print(
        f"  baseline: {per_old * 1000:7.1f} ms CPU per account (first call "
        f"{old['first_call_s']:.2f} s), {sum(old['svg_bytes']) / n / 1000:.0f} KB of SVG"
    )
    print(
        f"  now:      {per_new * 1000:7.1f} ms CPU per account (first call "
        f"{new['first_call_s']:.2f} s), {sum(new['svg_bytes']) / n / 1000:.0f} KB of SVG"
    )
    print(f"  {per_old / per_new:.0f}x less CPU per account (goal: well under 50 ms)")
    print(
        json.dumps(
            {
                "accounts": n,
                "locale": args.locale,
                "old_chart_cpu_per_account_s": round(per_old, 4),
                "new_chart_cpu_per_account_s": round(per_new, 4),
                "ratio": round(per_old / per_new, 1),
                "old_first_call_s": round(old["first_call_s"], 3),
                "new_first_call_s": round(new["first_call_s"], 3),
                "old_svg_bytes_per_account": round(sum(old["svg_bytes"]) / n),
                "new_svg_bytes_per_account": round(sum(new["svg_bytes"]) / n),
            }
        )
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
