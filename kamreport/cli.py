"""The ``kamreport`` command: translates arguments and calls the package."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kamreport import __version__
from kamreport.errors import KamReportError
from kamreport.params import merge, parse_overrides


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--params", metavar="FILE", help="YAML params file (PARAMS=)")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="as-of date (AS_OF=)")
    parser.add_argument("--locale", help="report language: en or zh-CN (LOCALE=)")
    parser.add_argument("--formats", help="output formats, e.g. html,pdf (FORMATS=)")
    parser.add_argument("--output-dir", help="where outputs go (default outputs/)")
    parser.add_argument("--source", help="data source: folder, .xlsx or database URL")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="any parameter, e.g. --set report.trend_months=24 (repeatable)",
    )


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    """Command-line values as a nested overrides dict (they win over the params file)."""
    pairs = list(args.set)
    for flag, key in (
        ("as_of", "report.as_of"),
        ("locale", "report.locale"),
        ("formats", "report.formats"),
        ("output_dir", "report.output_dir"),
        ("source", "data.source"),
    ):
        value = getattr(args, flag, None)
        if value:
            pairs.append(f"{key}={value}")
    return merge({}, parse_overrides(pairs))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kamreport", description=__doc__)
    parser.add_argument("--version", action="version", version=f"kamreport {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    report = sub.add_parser("report", help="render one customer's account review")
    report.add_argument("--customer", required=True, help="account id (see `kamreport list`)")
    _common(report)

    validate = sub.add_parser("validate", help="check the data and print every problem")
    _common(validate)

    listing = sub.add_parser("list", help="list accounts, optionally filtered by name or id")
    listing.add_argument("filter", nargs="?", help="text to look for in id, name or English name")
    _common(listing)

    sample = sub.add_parser("sample", help="write the bundled sample data as files")
    sample.add_argument("--out", required=True, type=Path, help="folder to write into")
    sample.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    sample.add_argument("--seed", type=int, default=20260930)
    return parser


def cmd_report(args: argparse.Namespace) -> int:
    from kamreport.runner import run_customer_report

    result = run_customer_report(
        args.customer, params_file=args.params, overrides=overrides_from(args)
    )
    print(f"Report written to {result.report}")
    print(f"All outputs in {result.directory} ({result.seconds:.1f} s)")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from kamreport.loading import check_dataset
    from kamreport.params import load_params

    params = load_params(args.params, overrides_from(args))
    dataset, report = check_dataset(params.data)
    print(report.format())
    if dataset is not None:
        lines = dataset.order_lines
        print(
            f"{dataset.source}: {len(dataset.accounts)} accounts, {len(lines)} order lines "
            f"from {lines['order_date'].min():%Y-%m-%d} to {lines['order_date'].max():%Y-%m-%d}, "
            f"currency {dataset.currency}; tables: {', '.join(sorted(dataset.tables))}."
        )
    return 0 if report.ok else 1


def cmd_list(args: argparse.Namespace) -> int:
    from kamreport.analytics.lookup import filter_accounts
    from kamreport.loading import load_dataset
    from kamreport.params import load_params

    params = load_params(args.params, overrides_from(args))
    accounts = filter_accounts(load_dataset(params.data).accounts, args.filter)
    columns = [
        c
        for c in ("account_id", "name", "name_en", "industry", "region", "ka_manager")
        if c in accounts
    ]
    for row in accounts[columns].itertuples(index=False):
        print("\t".join("" if v is None or v != v else str(v) for v in row))
    print(f"{len(accounts)} account(s)", file=sys.stderr)
    return 0 if len(accounts) else 1


def cmd_sample(args: argparse.Namespace) -> int:
    from kamreport.sample import export_sample

    print(f"Generating the sample data into {args.out}…", file=sys.stderr)
    files = export_sample(args.out, args.format, seed=args.seed)
    print(f"Wrote {len(files)} file(s) to {args.out}")
    return 0


COMMANDS = {"report": cmd_report, "validate": cmd_validate, "list": cmd_list, "sample": cmd_sample}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except KamReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Interrupted; nothing was overwritten.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
