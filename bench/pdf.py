"""PDF time per report: HTML → PDF for the customer report in both languages.

Usage: ``.venv/bin/python bench/pdf.py [--customer KA0001] [--repeat 3] [HTML ...]``

Without HTML files it generates the sample data and renders the customer report
in English and Chinese first (not timed). The first conversion in a process
pays for importing WeasyPrint and setting up fonts; that overhead is reported
separately from the steady-state time per report. Also reports the size of each
HTML report and of its chart SVG. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

GOAL_S = 1.2
CHART_SVG = re.compile(r'<svg class="chart".*?</svg>', re.S)


def render_reports(customer: str, workdir: Path) -> list[Path]:
    """The customer report's HTML in both languages, made by the real runner."""
    from kamreport.runner import run_customer_report
    from kamreport.sample import export_sample

    data = workdir / "data"
    export_sample(data, "csv")
    reports = []
    for locale in ("en", "zh-CN"):
        overrides = {
            "data": {"source": str(data)},
            "report": {"locale": locale, "output_dir": str(workdir / locale), "formats": ["html"]},
        }
        result = run_customer_report(customer, overrides=overrides, progress=lambda _m: None)
        reports.append(result.report)
    return reports


def sizes(html: Path) -> tuple[int, int]:
    """Bytes of the HTML report and of the chart SVG inside it."""
    text = html.read_text(encoding="utf-8")
    return len(text.encode()), sum(len(svg.encode()) for svg in CHART_SVG.findall(text))


def time_one(html: Path, out: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds of one conversion, and its page count."""
    from kamreport.pdf import html_to_pdf

    wall, cpu = time.perf_counter(), time.process_time()
    result = html_to_pdf(html, out)
    return time.perf_counter() - wall, time.process_time() - cpu, result.pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customer", default="KA0001")
    parser.add_argument("--repeat", type=int, default=3, help="timed conversions per report")
    parser.add_argument("html", nargs="*", type=Path, help="report HTML files to convert")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="kam-bench-pdf-") as tmp:
        workdir = Path(tmp)
        if args.html:
            reports = args.html
        else:
            print(f"Rendering the {args.customer} report in en and zh-CN…", file=sys.stderr)
            reports = render_reports(args.customer, workdir)
        setup = time.perf_counter()
        from kamreport import pdf

        pdf.check_engine()  # import WeasyPrint, load Pango and HarfBuzz
        pdf._stylesheets("A4")  # font configuration with the bundled font
        setup_s = time.perf_counter() - setup
        first_wall, _, _ = time_one(reports[0], workdir / "first.pdf")
        walls, cpus = [], []
        html_bytes, chart_bytes = zip(*(sizes(html) for html in reports), strict=True)
        for html, size, charts in zip(reports, html_bytes, chart_bytes, strict=True):
            print(f"{html}: {size / 1000:.0f} KB, of which chart SVG {charts / 1000:.0f} KB")
        for html in reports:
            for i in range(args.repeat):
                wall, cpu, pages = time_one(html, workdir / f"{html.parent.name}-{i}.pdf")
                walls.append(wall)
                cpus.append(cpu)
                print(f"{html}: {pages} pages, {wall:.2f} s wall, {cpu:.2f} s CPU")
        per_report = statistics.median(walls)
        # Engine setup, plus what the first conversion took beyond a later one.
        first_call = setup_s + max(first_wall - statistics.median(walls[: args.repeat]), 0.0)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"engine setup {setup_s:.2f} s; first conversion {first_wall:.2f} s")
        print(
            f"per report (median of {len(walls)}): {per_report:.2f} s wall, "
            f"{statistics.median(cpus):.2f} s CPU; goal ≤ {GOAL_S:.1f} s; "
            f"load average {load:.1f} on {os.cpu_count()} cores"
        )
        print(
            json.dumps(
                {
                    "seconds_per_report": round(per_report, 3),
                    "first_call_s": round(first_call, 3),
                    "cpu_seconds_per_report": round(statistics.median(cpus), 3),
                    "load_average": round(load, 2),
                    "report_bytes": round(statistics.median(html_bytes)),
                    "chart_svg_bytes": round(statistics.median(chart_bytes)),
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
