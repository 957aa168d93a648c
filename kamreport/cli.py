"""The ``kamreport`` command: translates arguments and calls the package."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from kamreport.errors import KamReportError

if TYPE_CHECKING:
    from kamreport.mail.run import EmailRun


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
    from kamreport.params import merge, parse_overrides

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


class _Version(argparse.Action):
    """``--version``, which looks the version up only when asked (see kamreport.__version__)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        import kamreport

        print(f"kamreport {kamreport.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kamreport", description=__doc__)
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", required=True)

    report = sub.add_parser("report", help="render one customer's account review")
    report.add_argument("--customer", required=True, help="account id (see `kamreport list`)")
    _common(report)

    qbr = sub.add_parser(
        "qbr", help="one account's quarterly business review: PowerPoint deck and PDF"
    )
    qbr.add_argument("--customer", required=True, help="account id (see `kamreport list`)")
    qbr.add_argument(
        "--quarter",
        help="the quarter, e.g. 2026Q3 (QUARTER=); default: the quarter of the as-of date",
    )
    qbr.add_argument(
        "--variant",
        choices=("customer", "internal"),
        default="customer",
        help="customer (default): nothing internal; internal: adds margin, score, tier and "
        "risk flags for the preparation meeting (VARIANT=)",
    )
    _common(qbr)
    visit = sub.add_parser("visit", help="one account's one-page visit card (HTML and PDF)")
    visit.add_argument("--customer", required=True, help="account id (see `kamreport list`)")
    _common(visit)

    reports = sub.add_parser("reports", help="render every account's review, with an index page")
    reports.add_argument("--tier", help="only this tier: key, growth, maintain or ordinary")
    reports.add_argument("--jobs", type=int, help="parallel workers (JOBS=; default: the cores)")
    reports.add_argument(
        "--executor", help="local (default) or dask://host:port, a Dask scheduler (EXECUTOR=)"
    )
    reports.add_argument("--force", action="store_true", help="render unchanged accounts too")
    reports.add_argument(
        "--accounts", help="only these account ids, comma-separated (ACCOUNTS=KA0001,KA0002)"
    )
    _common(reports)

    portfolio = sub.add_parser("portfolio", help="render the portfolio report (leadership)")
    _common(portfolio)

    validate = sub.add_parser("validate", help="check the data and print every problem")
    _common(validate)

    listing = sub.add_parser("list", help="list accounts, optionally filtered by name or id")
    listing.add_argument("filter", nargs="?", help="text to look for in id, name or English name")
    _common(listing)

    metrics = sub.add_parser("metrics", help="account metrics as JSON or CSV (same as the reports)")
    which = metrics.add_mutually_exclusive_group(required=True)
    which.add_argument("--customer", help="one account id: its metrics as a JSON object")
    which.add_argument("--all", action="store_true", help="every account, one row each")
    metrics.add_argument("--format", choices=("json", "csv"), default="json", dest="out_format")
    _common(metrics)

    sub.add_parser(
        "params", help="print every parameter with its default and meaning (a params file to copy)"
    )

    sample = sub.add_parser(
        "sample", help="write sample data as files: the bundled sample, or --profile wholesale"
    )
    sample.add_argument("--out", required=True, type=Path, help="folder to write into")
    sample.add_argument("--format", choices=("csv", "xlsx", "parquet"), default="csv")
    sample.add_argument("--seed", type=int, default=20260930)
    sample.add_argument(
        "--profile",
        choices=("kam", "wholesale"),
        default="kam",
        help="kam: the bundled key-account sample; wholesale: a distributor's minimal "
        "export (ids and countries, invoice lines, no costs, no products)",
    )
    sample.add_argument(
        "--accounts",
        type=int,
        metavar="N",
        help="number of accounts (default: 260 for kam, 4000 for wholesale)",
    )
    sample.add_argument(
        "--lines",
        type=int,
        metavar="N",
        help="about this many order lines (default: about 110,000 for kam, 120 per account "
        "for wholesale)",
    )

    email = sub.add_parser("email", help="email a report's summary (recipients in email.*)")
    email.add_argument("--report", choices=("portfolio", "customer"), default="portfolio")
    email.add_argument("--customer", help="account id, with --report customer")
    email.add_argument(
        "--to", default="leadership", help="a list in email.recipients, or addresses (a@b,c@d)"
    )
    email.add_argument("--dry-run", action="store_true", help="write .eml files, send nothing")
    email.add_argument("--force", action="store_true", help="send even if already sent")
    _common(email)
    digest = sub.add_parser("digest", help="email a KA manager their weekly digest")
    digest.add_argument("--manager", required=True, help="a name in the accounts' ka_manager")
    digest.add_argument("--dry-run", action="store_true", help="write .eml files, send nothing")
    digest.add_argument("--force", action="store_true", help="send even if already sent")
    _common(digest)
    book = sub.add_parser("book", help="a KA manager's monthly book (述职), HTML and PDF")
    book.add_argument("--manager", required=True, help="a name in the accounts' ka_manager")
    book.add_argument("--month", help="YYYY-MM (MONTH=); default: the as-of month")
    _common(book)
    targets = sub.add_parser("targets", help="propose next year's targets: workbook + page")
    targets.add_argument("--year", type=int, help="target year (YEAR=; default: next year)")
    targets.add_argument(
        "--goal",
        type=float,
        help="company revenue goal (GOAL=); default: this year's forecast of the accounts "
        "x (1 + targets.default_growth)",
    )
    targets.add_argument(
        "--split",
        choices=("manager",),
        help="also one workbook per KA manager (SPLIT=manager), gathered by targets-merge",
    )
    _common(targets)

    targets_merge = sub.add_parser(
        "targets-merge", help="gather the KA managers' workbooks into the VP's"
    )
    targets_merge.add_argument("--year", required=True, type=int, help="target year (YEAR=)")
    targets_merge.add_argument(
        "--dir",
        type=Path,
        help="folder of the split workbooks (DIR=); default: the newest targets folder "
        "under the output folder holding targets-<year>.xlsx",
    )
    _common(targets_merge)

    targets_import = sub.add_parser(
        "targets-import", help="read an edited targets workbook back into the data source"
    )
    targets_import.add_argument("--file", required=True, type=Path, help="edited workbook (FILE=)")
    targets_import.add_argument("--year", required=True, type=int, help="target year (YEAR=)")
    _common(targets_import)

    plans = sub.add_parser("plans", help="write the account-plan workbook (one sheet per account)")
    plans.add_argument("--manager", help="only this KA manager's accounts (MANAGER=)")
    plans.add_argument("--customer", help="only this account (CUSTOMER=)")
    _common(plans)

    plans_import = sub.add_parser(
        "plans-import", help="read an edited account-plan workbook back, as a new version"
    )
    plans_import.add_argument("--file", required=True, type=Path, help="edited workbook (FILE=)")
    _common(plans_import)
    return parser


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _print_pdfs(files: Sequence[Path]) -> None:
    for path in files:
        if path.suffix == ".pdf":
            print(f"PDF written to {path}")


def cmd_report(args: argparse.Namespace) -> int:
    from kamreport.kernel import start_kernel

    start_kernel()  # adopts the kernel launched first, before the rest is imported
    from kamreport.runner import run_customer_report

    result = run_customer_report(
        args.customer, params_file=args.params, overrides=overrides_from(args)
    )
    print(f"Report written to {result.report}")
    _print_pdfs(result.files)
    print(f"All outputs in {result.directory} ({result.seconds:.1f} s)")
    return 0


def cmd_qbr(args: argparse.Namespace) -> int:
    from kamreport.reports.qbr import run_qbr

    result = run_qbr(
        args.customer,
        args.quarter,
        args.variant,
        params_file=args.params,
        overrides=overrides_from(args),
        say=_say,
    )
    print(f"Deck written to {result.pptx}")
    print(f"PDF written to {result.pdf}")
    print(f"QBR {result.quarter.label} ({args.variant}) in {result.seconds:.1f} s")
    return 0


def cmd_visit(args: argparse.Namespace) -> int:
    from kamreport.reports.visit import run_visit_card

    result = run_visit_card(args.customer, params_file=args.params, overrides=overrides_from(args))
    print(f"Visit card written to {result.html}")
    print(f"PDF written to {result.pdf} ({result.pages} page{'s' if result.pages != 1 else ''})")
    print(f"All outputs in {result.html.parent} ({result.seconds:.1f} s)")
    return 0


def cmd_reports(args: argparse.Namespace) -> int:
    from kamreport.batch import run_batch

    result = run_batch(
        params_file=args.params,
        overrides=overrides_from(args),
        tier=args.tier,
        accounts=[a.strip() for a in args.accounts.split(",") if a.strip()]
        if args.accounts
        else None,
        jobs=args.jobs,
        executor=args.executor,
        force=args.force,
    )
    print(
        f"{len(result.rendered)} rendered, {len(result.skipped)} unchanged, "
        f"{len(result.failed)} failed in {result.seconds:.1f} s"
    )
    for outcome in result.failed:
        print(f"failed   {outcome.account_id}: {outcome.error}", file=sys.stderr)
    print(f"Index written to {result.index}")
    if result.failed:
        ids = ", ".join(o.account_id for o in result.failed)
        print(f"error: {len(result.failed)} report(s) failed: {ids}", file=sys.stderr)
        return 1
    return 0


def cmd_portfolio(args: argparse.Namespace) -> int:
    from kamreport.layout import PORTFOLIO_HTML
    from kamreport.runner import run_portfolio_report

    result = run_portfolio_report(params_file=args.params, overrides=overrides_from(args))
    print(f"Report written to {result.directory / PORTFOLIO_HTML}")
    _print_pdfs(result.files)
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
    from kamreport.context import open_context

    context = open_context(args.params, overrides_from(args), say=_say)
    accounts = filter_accounts(context.dataset.accounts, args.filter)
    columns = [
        c
        for c in ("account_id", "name", "name_en", "industry", "region", "ka_manager")
        if c in accounts
    ]
    for row in accounts[columns].itertuples(index=False):
        print("\t".join("" if v is None or v != v else str(v) for v in row))
    print(f"{len(accounts)} account(s)", file=sys.stderr)
    return 0 if len(accounts) else 1


def cmd_metrics(args: argparse.Namespace) -> int:
    from kamreport.context import open_context
    from kamreport.metrics import customer_metrics, records, to_json

    # the metrics name no data hash and keep no data: nothing to hash while they compute
    context = open_context(args.params, overrides_from(args), say=_say, hash_ahead=False)
    if args.customer:
        account_id = context.account_id(args.customer)
    table = context.figures(_say).metrics
    if args.customer:
        print(to_json(customer_metrics(table, account_id)))
    elif args.out_format == "csv":
        from kamreport.spreadsheet_safety import csv_safe_frame

        sys.stdout.write(csv_safe_frame(table).to_csv(index=False, lineterminator="\n"))
    else:
        print(to_json(records(table)))
    return 0


def cmd_params(_args: argparse.Namespace) -> int:
    from kamreport.paths import DEFAULT_PARAMS_FILE

    sys.stdout.write(DEFAULT_PARAMS_FILE.read_text(encoding="utf-8"))
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from kamreport.sample import export_sample

    print(f"Generating the {args.profile} sample data into {args.out}…", file=sys.stderr)
    size = {"n_accounts": args.accounts} if args.accounts else {}
    if args.lines:
        size["target_lines"] = args.lines
    files = export_sample(args.out, args.format, seed=args.seed, profile=args.profile, **size)
    print(f"Wrote {len(files)} file(s) to {args.out}")
    return 0


def cmd_email(args: argparse.Namespace) -> int:
    from kamreport.mail.run import run_email

    run = run_email(
        args.report,
        customer=args.customer,
        to=args.to,
        params_file=args.params,
        overrides=overrides_from(args),
        dry_run=args.dry_run,
        force=args.force,
    )
    return _print_run(run, args.dry_run)


def _print_run(run: EmailRun, dry_run: bool) -> int:
    """Subject, then the .eml files (dry run) or the counts and the send log."""
    print(f"Subject: {run.email.subject}")
    if dry_run:
        for path in run.eml_files:
            print(f"written  {path}")
        print(f"Dry run: nothing sent; {len(run.eml_files)} message(s) written.")
        return 0
    counts = ", ".join(f"{n} {status}" for status, n in run.counts().items())
    print(f"{counts}; send log: {run.log_path}")
    if run.snapshot is not None:
        print(f"Figures recorded for the next comparison: {run.snapshot}")
    return 0 if run.ok else 1


def cmd_digest(args: argparse.Namespace) -> int:
    from kamreport.mail.run import run_digest

    run = run_digest(
        args.manager,
        params_file=args.params,
        overrides=overrides_from(args),
        dry_run=args.dry_run,
        force=args.force,
    )
    return _print_run(run, args.dry_run)


def cmd_book(args: argparse.Namespace) -> int:
    from kamreport.reports.book import run_book

    result = run_book(
        args.manager, args.month, params_file=args.params, overrides=overrides_from(args)
    )
    print(f"Book written to {result.html}")
    if result.pdf is not None:
        print(f"PDF written to {result.pdf}")
    print(f"All outputs in {result.directory} ({result.seconds:.1f} s)")
    return 0


def cmd_targets(args: argparse.Namespace) -> int:
    from kamreport.runner import run_target_setting

    result = run_target_setting(
        args.year,
        args.goal,
        args.split or "",
        params_file=args.params,
        overrides=overrides_from(args),
    )
    for path in result.files:
        if path.suffix in (".xlsx", ".html"):
            print(f"Wrote {path}")
    print(f"All outputs in {result.directory} ({result.seconds:.1f} s)")
    return 0


def cmd_targets_merge(args: argparse.Namespace) -> int:
    from kamreport.params import load_params
    from kamreport.workbook.merge import find_split_folder, merge_workbooks

    params = load_params(args.params, overrides_from(args))
    folder = args.dir or find_split_folder(Path(params.report.output_dir), args.year)
    print(f"Merging the {args.year} workbooks in {folder}…", file=sys.stderr)
    result = merge_workbooks(
        folder,
        args.year,
        gap_rule=params.targets.gap_rule,
        tier_weights=params.targets.gap_tier_weights,
    )
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for manager, count in sorted(result.entered.items()):
        print(f"  {manager}: bottom-up for {count} account(s)")
    spread = result.spread
    print(
        f"Σ bottom-up (baselines where none) {spread.bottom_up_total:,.0f} against the goal "
        f"{spread.goal:,.0f}: gap {spread.gap:,.0f}, spread by {spread.applied} in the "
        "Goal spread column"
    )
    print(f"Wrote {result.path}")
    print(f"Next: the top-down round in it, then make targets-import FILE={result.path} "
          f"YEAR={args.year}")  # fmt: skip
    return 0


def cmd_targets_import(args: argparse.Namespace) -> int:
    from kamreport.params import load_params
    from kamreport.reports.targets import import_targets

    params = load_params(args.params, overrides_from(args))
    result = import_targets(args.file, args.year, params)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"Wrote the {args.year} targets of {result.accounts} accounts ({result.rows} monthly rows, "
        f"total {result.agreed_total:,.0f} against the goal {result.goal:,.0f}) to {result.target}"
    )
    if result.backup:
        print(f"The previous version is kept in {result.backup}")
    return 0


def cmd_plans(args: argparse.Namespace) -> int:
    from kamreport.reports.plans import write_plans

    result = write_plans(
        args.params, overrides_from(args), manager=args.manager or "", customer=args.customer or ""
    )
    print(f"Wrote {result.path} ({result.accounts} account(s), one sheet each)")
    print(f"Next: fill in the yellow cells, then make plans-import FILE={result.path}")
    return 0


def cmd_plans_import(args: argparse.Namespace) -> int:
    from kamreport.reports.plans import import_plans

    result = import_plans(args.file, args.params, overrides_from(args))
    counts = ", ".join(f"{n} {kind}" for kind, n in result.changes.items())
    print(f"Stored the plans of {result.accounts} account(s) as {result.version} ({counts})")
    print("The previous version is kept beside it; account reviews show the new plans.")
    return 0


COMMANDS = {
    "report": cmd_report,
    "qbr": cmd_qbr,
    "visit": cmd_visit,
    "reports": cmd_reports,
    "portfolio": cmd_portfolio,
    "validate": cmd_validate,
    "list": cmd_list,
    "params": cmd_params,
    "sample": cmd_sample,
    "metrics": cmd_metrics,
    "email": cmd_email,
    "digest": cmd_digest,
    "book": cmd_book,
    "targets": cmd_targets,
    "targets-import": cmd_targets_import,
    "targets-merge": cmd_targets_merge,
    "plans": cmd_plans,
    "plans-import": cmd_plans_import,
}

# Commands that always run a notebook: they launch its kernel before anything else.
NOTEBOOK_COMMANDS = frozenset({"report", "portfolio", "targets"})


def main(argv: Sequence[str] | None = None) -> int:
    from kamreport import interruption

    args = build_parser().parse_args(argv)
    if args.command in NOTEBOOK_COMMANDS:
        from kamreport import kernel_launch

        kernel_launch.launch_early()  # boots while the command imports and reads its data
    interruption.install()  # SIGINT and SIGTERM unwind the run (kamreport.interruption)
    try:
        return COMMANDS[args.command](args)
    except KamReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        return _interrupted(exc)


def _interrupted(exc: KeyboardInterrupt) -> int:
    """Stop the kernel and say, in one line, that nothing was replaced; 128 + the signal."""
    from kamreport.interruption import exit_status

    _end_kernels()
    name, code = exit_status(exc)
    print(
        f"Interrupted by {name}: stopped; unfinished files removed, no report left half-written.",
        file=sys.stderr,
    )
    return code


def _end_kernels() -> None:
    """End this process's kernel, and one launched early that nothing adopted."""
    if "kamreport.kernel" in sys.modules:  # a command that started no kernel skips this
        sys.modules["kamreport.kernel"].shutdown_kernel()
    if "kamreport.kernel_launch" in sys.modules:
        sys.modules["kamreport.kernel_launch"].discard_early()


def run() -> NoReturn:
    """The ``kamreport`` command: :func:`main`, then exit with its status, deaf to signals
    that come once the work is done (see :func:`kamreport.interruption.ignore`)."""
    from kamreport import interruption

    try:
        status = main()
    except BrokenPipeError:  # the reader of our output left (`kamreport list | head`)
        os._exit(128 + 13)  # quietly, as a command ended by SIGPIPE
    interruption.ignore()
    _leave(status)


def _leave(status: int) -> NoReturn:
    """Exit with ``status`` without tearing the interpreter down.

    Everything the command writes is written and closed by now (atomic renames); what
    is left is freeing the heap object by object and closing the kernel's sockets,
    a fifth of a second after a report. So the kernel is killed, the streams flushed,
    and the process ends.
    """
    import logging

    _end_kernels()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)


if __name__ == "__main__":
    run()
