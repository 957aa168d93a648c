"""Checks within one table: columns present, values typed, required, allowed, in range, unique."""

from __future__ import annotations

import difflib
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kamreport.dataset import TEXT_DTYPE
from kamreport.errors import Issue
from kamreport.repeated_text import constant, filled, is_categorical, stored_once
from kamreport.schema import BOOL, DATE, FLOAT, INT, Column, Table, table
from kamreport.sources.raw import RawTable, normalize_header
from kamreport.validation.keys import repeated_rows
from kamreport.validation.messages import LISTED, empty_cells, row_issue, rows_phrase, show
from kamreport.validation.parse import (
    DATE_FORMATS_TEXT,
    normalize_choice,
    per_unique,
    to_bool,
    to_date,
    to_float,
    to_int,
    to_text,
    upper_case_already,
)

# Columns holding ISO 4217 currency codes: compared in upper case.
CURRENCY_COLUMNS = {("order_lines", "currency"), ("fx_rates", "currency")}
DEFAULTS = {("activities", "status"): "done"}

_CONVERTERS = {DATE: to_date, FLOAT: to_float, INT: to_int, BOOL: to_bool}
_NOT_PARSED = {
    DATE: (
        "bad_date",
        "Not a date",
        f"a date written {DATE_FORMATS_TEXT} (a time after the date is ignored)",
        "Write the dates as YYYY-MM-DD (years 1678 to 2261), or format the column as dates "
        "in Excel before exporting.",
    ),
    FLOAT: (
        "bad_number",
        "Not a number",
        "a number such as 1234.5, 1,234.5 or ¥1,234.50",
        "Remove units and other text from the cells and write decimals with a dot.",
    ),
    INT: (
        "bad_number",
        "Not a whole number",
        "a whole number such as 3",
        "Write whole numbers without decimals, units or other text.",
    ),
    BOOL: (
        "bad_bool",
        "Not true or false",
        "true/false, yes/no, 1/0 or 是/否",
        "Write true or false in these cells.",
    ),
}


@dataclass
class Checked:
    """One table after the checks: typed frame, unconvertible cells per column, issues."""

    raw: RawTable
    frame: pd.DataFrame
    invalid: dict[str, np.ndarray] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


def check_table(raw: RawTable, mapped_elsewhere: AbstractSet[str] = frozenset()) -> Checked:
    """Type every column of ``raw`` and report what does not fit the data model.

    ``mapped_elsewhere`` names columns whose ``data.columns`` entry is already
    reported as wrong, so the column is not reported missing a second time.
    """
    spec = table(raw.name)
    frame = raw.frame
    checked = Checked(raw, frame)
    issues = checked.issues
    empty = len(frame) == 0
    # An empty optional table, or a file without even a header, only gets "no rows".
    if not empty or (spec.required and raw.headers):
        for name in spec.required_columns:
            if name not in frame.columns and name not in mapped_elsewhere:
                issues.append(missing_column(raw, spec, name))
    if empty:
        issues.append(empty_table(raw, spec))

    typed: dict[str, pd.Series] = {}
    for column in spec.columns:
        if column.name not in frame.columns:
            continue
        values, bad = _convert(raw, column, checked)
        checked.invalid[column.name] = bad
        typed[column.name] = values.reset_index(drop=True)
    for (table_name, name), default in DEFAULTS.items():
        if table_name == raw.name and name not in typed:
            index = pd.RangeIndex(len(frame))
            typed[name] = (
                constant(default, index)
                if spec.column(name).repeats
                else pd.Series(default, index=index, dtype=TEXT_DTYPE)
            )
    # Columns in data-model order, sharing their data with the typed values
    # (copy-on-write): a clean column of the source is never copied.
    ordered = {c: typed[c] for c in spec.column_names if c in typed}
    checked.frame = pd.DataFrame(ordered, index=pd.RangeIndex(len(frame)), copy=False)
    if len(frame):
        duplicate = duplicate_keys(checked, spec)
        if duplicate is not None:
            issues.append(duplicate)
    return checked


def _convert(raw: RawTable, column: Column, checked: Checked) -> tuple[pd.Series, np.ndarray]:
    source = raw.frame[column.name]
    if column.repeats and not is_categorical(source):  # repeated columns are text
        source = stored_once(source)  # then every check below runs once per distinct value
    values, bad = _CONVERTERS.get(column.dtype, to_text)(source)
    name = column.name
    if column.dtype in _NOT_PARSED and bad.any():
        code, problem, expected, fix = _NOT_PARSED[column.dtype]
        checked.issues.append(
            row_issue(
                raw,
                bad,
                severity="error",
                code=code,
                problem=problem,
                column=name,
                expected=expected,
                fix=fix,
            )
        )
    default = DEFAULTS.get((raw.name, name))
    if default is not None:
        values = filled(values, default)
    if (raw.name, name) in CURRENCY_COLUMNS and not upper_case_already(values):
        values = per_unique(values, lambda u: u.str.upper())
    empty = values.isna().to_numpy() & ~bad
    if not column.nullable and empty.any():
        checked.issues.append(
            row_issue(
                raw,
                empty,
                severity="error",
                code="empty_value",
                problem="Empty value",
                column=name,
                expected=f"a value in every row ({name} is required)",
                found=empty_cells(empty),
                fix=f"Fill in {name}, or remove rows that are not data (such as totals or notes).",
            )
        )
    if column.allowed:
        values = normalize_choice(values)
        outside = values.notna().to_numpy() & ~values.isin(column.allowed).to_numpy()
        if outside.any():
            checked.issues.append(
                row_issue(
                    raw,
                    outside,
                    severity="error",
                    code="not_allowed",
                    problem="Value not allowed",
                    column=name,
                    expected=f"one of {', '.join(column.allowed)} (any letter case)",
                    fix="Replace the values with allowed ones; docs/data-model.md says "
                    "what each means.",
                )
            )
            values = values.where(~outside)
    if column.min_value is not None or column.max_value is not None:
        values = _check_range(raw, column, values, checked)
    if column.repeats:
        values = stored_once(values)  # categories sorted and all used, once cleaned
    return values, bad


def _check_range(raw: RawTable, column: Column, values: pd.Series, checked: Checked) -> pd.Series:
    numbers = values.astype("float64").to_numpy()
    outside = np.zeros(len(values), dtype=bool)
    if column.min_value is not None:
        outside |= numbers < column.min_value
    if column.max_value is not None:
        outside |= numbers > column.max_value
    if not outside.any():
        return values
    low, high = column.min_value, column.max_value
    if low is not None and high is not None:
        expected = f"a value from {show(float(low))} to {show(float(high))}"
    elif low is not None:
        expected = f"a value of at least {show(float(low))}"
    else:
        expected = f"a value of at most {show(float(high))}"
    fix = (
        "Correct the values"
        + (", or leave the cells empty where unknown" if column.nullable else "")
        + "."
    )
    if high == 1:
        fix += " Write shares and probabilities as fractions (0.6 for 60%)."
    checked.issues.append(
        row_issue(
            raw,
            outside,
            severity="error",
            code="out_of_range",
            problem="Value out of range",
            column=column.name,
            expected=expected,
            found_from=values.reset_index(drop=True),
            fix=fix,
        )
    )
    return values.where(~outside)


def missing_column(raw: RawTable, spec: Table, name: str) -> Issue:
    """``Column 'order_date' not in orders.csv. Columns in file: [...]`` with a mapping hint."""
    return Issue(
        "error",
        "missing_column",
        raw.name,
        f"Column {name!r} not in {raw.short}. Columns in {raw.noun}: {list(raw.headers)}.",
        source=raw.source,
        column=name,
        fix=f"Add the column, or map the header that holds it in the params file: "
        f"{mapping_hint(raw, spec, name)}.",
    )


def mapping_hint(raw: RawTable, spec: Table, name: str) -> str:
    """``data.columns: {accounts: {Nmae: name}}`` with the closest unmapped header of the
    table, or ``<your header>`` when none is close."""
    spare = [h for h in raw.headers if normalize_header(h) not in spec.column_names]
    close = difflib.get_close_matches(name, [normalize_header(h) for h in spare], n=1, cutoff=0.6)
    example = next((h for h in spare if close and normalize_header(h) == close[0]), "<your header>")
    return f"data.columns: {{{raw.name}: {{{example}: {name}}}}}"


def empty_table(raw: RawTable, spec: Table) -> Issue:
    """A table with a header but no data rows: an error if required, else a warning."""
    if spec.required:
        return Issue(
            "error",
            "empty_table",
            raw.name,
            "Table has no rows.",
            source=raw.source,
            expected="at least one data row",
            found="a header row only" if raw.headers else f"an empty {raw.noun}",
            fix=f"Check the export of {raw.name}; the reports need it.",
        )
    return Issue(
        "warning",
        "empty_table",
        raw.name,
        'Table has no rows; report sections that use it will say "no data".',
        source=raw.source,
        fix="Nothing to do, unless the export should hold rows.",
    )


def duplicate_keys(checked: Checked, spec: Table) -> Issue | None:
    """One issue for rows sharing a key, checked only when every key column is present."""
    key = list(spec.key)
    frame = checked.frame
    if not key or any(k not in frame.columns for k in key):
        return None
    complete = np.logical_and.reduce([frame[k].notna().to_numpy() for k in key])
    repeated = repeated_rows(frame, key) & complete
    if not repeated.any():
        return None
    named = key[0] if len(key) == 1 else f"({', '.join(key)})"
    rows = frame.loc[repeated, key]
    groups = []
    for values, group in rows.groupby(key, sort=False):
        values = values if isinstance(values, tuple) else (values,)
        shown = ", ".join(show(v) for v in values)
        labels = checked.raw.row_labels(group.index.to_numpy()[:LISTED])
        groups.append(f"{shown} ({rows_phrase(labels, len(group))})")
        if len(groups) == LISTED:
            break
    count = rows.drop_duplicates().shape[0]
    found = "; ".join(groups) + (f" and {count - len(groups)} more" if count > len(groups) else "")
    return row_issue(
        checked.raw,
        repeated,
        severity="error",
        code="duplicate_key",
        problem=f"Duplicate {named}",
        column=key[0] if len(key) == 1 else None,
        expected=f"each {named} once",
        found=found,
        fix=f"Remove the duplicate rows, or give each row its own {named}.",
    )
