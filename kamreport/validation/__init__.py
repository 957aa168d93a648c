"""Validation: check raw tables against :mod:`kamreport.schema` and type them.

:func:`validate` runs every check on every table and returns all problems in
one :class:`~kamreport.errors.ValidationReport` (errors first, then warnings),
so a user fixes their export once. The checks themselves live in
:mod:`~kamreport.validation.tables` (within one table) and
:mod:`~kamreport.validation.relations` (across tables); conversion of cells in
:mod:`~kamreport.validation.parse`.
"""

from __future__ import annotations

import datetime as dt
import difflib
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from kamreport.errors import Issue, ValidationReport
from kamreport.params import BoundsParams
from kamreport.schema import TABLES
from kamreport.sources.raw import RawData, RawTable
from kamreport.validation.bounds import bound_issues
from kamreport.validation.derived import accounts_from_lines, default_names
from kamreport.validation.relations import (
    account_warnings,
    convert_currencies,
    cost_warnings,
    late_lines,
    references,
)
from kamreport.validation.tables import Checked, check_table
from kamreport.validation.unassigned import split_unassigned

__all__ = ["validate"]

# Loader issues after which a missing column is not reported again.
_MAPPING_CODES = ("mapped_header_missing", "duplicate_mapping", "ambiguous_column")
_NOUNS = {"csv": "files", "parquet": "files", "xlsx": "sheets", "sql": "tables"}
_LISTED_NAMES = 20
# Optional tables that feed no report section of their own: not listed when absent.
_NO_SECTION = ("fx_rates",)


def validate(
    raw: RawData,
    currency: str,
    *,
    as_of: dt.date | None = None,
    bounds: BoundsParams | None = None,
    lines_without_account: str = "refuse",
) -> tuple[dict[str, pd.DataFrame], ValidationReport]:
    """Check and type every table of ``raw``; amounts end up in ``currency``.

    Returns the typed tables (also when there are errors, for inspection) and
    the report. ``as_of`` (default: the end of the last complete month in the
    data) decides which order lines fall after it, which is a warning, and with
    ``bounds`` (default :class:`BoundsParams`) which event dates lie too far in
    the future (without ``as_of``, counted from today). ``lines_without_account``
    (``refuse`` or ``exclude``, ``data.lines_without_account``) says what happens
    to order lines and invoices with an empty account_id.
    """
    currency = currency.strip().upper()
    issues: list[Issue] = list(raw.issues)
    wrongly_mapped = {(i.table, i.column) for i in raw.issues if i.code in _MAPPING_CODES}
    checked: dict[str, Checked] = {}
    absent: list[str] = []
    # per data-model table, in order: the table to check, or the issue of its absence
    slots: list[RawTable | Issue] = []
    for spec in TABLES:
        table_raw = raw.tables.get(spec.name)
        if table_raw is not None:
            slots.append(table_raw)
        elif spec.name in raw.unreadable or spec.derived_from:
            continue
        elif spec.required:
            slots.append(missing_table(raw, spec.name))
        elif spec.name not in _NO_SECTION and not spec.written_by_import:
            absent.append(spec.name)

    def check(table_raw: RawTable) -> tuple[Issue | None, Checked]:
        skip = {column for name, column in wrongly_mapped if name == table_raw.name and column}
        table_raw, unassigned = split_unassigned(table_raw, lines_without_account, currency)
        return unassigned, check_table(table_raw, skip)

    # Tables are checked two at a time (the order lines beside the rest): the heavy work
    # runs in numpy and Arrow, which let go of the interpreter lock. The issues keep
    # the order of the tables.
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kamreport-validate")
    try:
        results = iter(pool.map(check, [t for t in slots if isinstance(t, RawTable)]))
        for slot in slots:
            if isinstance(slot, Issue):
                issues.append(slot)
                continue
            unassigned, result = next(results)
            if unassigned is not None:
                issues.append(unassigned)
            checked[slot.name] = result
            issues.extend(result.issues)
    finally:  # on an error (or an interruption), the tables not yet started are not checked
        pool.shutdown(wait=True, cancel_futures=True)

    if "accounts" in checked:
        issues.extend(default_names(checked["accounts"]))
    elif "accounts" not in raw.unreadable:
        derived, note = accounts_from_lines(raw, checked.get("order_lines"))
        if derived is not None and note is not None:
            checked = {"accounts": derived, **checked}
            issues.append(note)
    issues.extend(bound_issues(checked, bounds or BoundsParams(), as_of))
    issues.extend(references(checked))
    issues.extend(convert_currencies(checked, currency))
    if absent:
        issues.append(absent_tables(raw, absent))
    issues.extend(account_warnings(checked))
    issues.extend(cost_warnings(checked))
    issues.extend(late_lines(checked, as_of))

    ordered = [i for i in issues if i.severity == "error"]
    ordered += [i for i in issues if i.severity != "error"]
    return {name: c.frame for name, c in checked.items()}, ValidationReport(tuple(ordered))


def missing_table(raw: RawData, name: str) -> Issue:
    """A required table the source does not hold, with what it holds instead."""
    noun = _NOUNS.get(raw.kind, "tables")
    available = list(raw.available)
    shown = ", ".join(available[:_LISTED_NAMES]) or "none"
    if len(available) > _LISTED_NAMES:
        shown += f" and {len(available) - _LISTED_NAMES} more"
    close = difflib.get_close_matches(name, available, n=1, cutoff=0.6)
    if raw.kind == "xlsx":
        fix = f"Add a sheet named {name}, or name your sheet in the params file: "
        fix += f"data.tables.{name}: {close[0] if close else '<sheet name>'}."
    elif raw.kind == "sql":
        fix = f"Name the table in the params file (data.tables.{name}: "
        fix += f"{close[0] if close else '<table>'}) or give a query there (SELECT …)."
    else:
        suffix = ".parquet" if raw.kind == "parquet" else ".csv"
        fix = f"Save the table as {name}{suffix} in {raw.location}, or name your file in the "
        fix += f"params file: data.tables.{name}: {close[0] if close else '<file name>'}."
    return Issue(
        "error",
        "missing_table",
        name,
        f"Required table {name} not found.",
        source=raw.location,
        expected=raw.looked_for.get(name, f"a table named {name}"),
        found=f"{noun}: {shown}",
        fix=fix,
    )


def absent_tables(raw: RawData, names: list[str]) -> Issue:
    """One warning listing the optional tables the source does not supply."""
    return Issue(
        "warning",
        "absent_tables",
        "",
        f"Optional tables not supplied: {', '.join(names)}. Report sections that need them "
        'will say "no data".',
        source=raw.location,
        fix="Nothing to do unless you have this data; docs/data-model.md describes each table.",
    )
