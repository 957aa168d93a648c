"""What a loader hands to validation: tables as read, with where they came from.

Loaders only read and rename; every judgement about the values belongs to
:mod:`kamreport.validation`. Problems a loader can see while reading (a header
named in ``data.columns`` that is not in the file, columns that are not in the
data model, a file it cannot decode) travel as :class:`~kamreport.errors.Issue`
objects in :attr:`RawData.issues`, so one run reports them together with the
value problems.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from kamreport.errors import Issue
from kamreport.schema import TABLES_BY_NAME, Table


@dataclass(frozen=True)
class RawTable:
    """One data-model table as read from the source, columns already mapped.

    ``frame`` holds only data-model columns: text for CSV and Excel, the
    source's own types for SQL and Parquet (validation accepts both). Its index
    is the position of each row among the data rows of the source (blank rows
    removed, positions kept), so :meth:`row_labels` can name rows as the user
    sees them.
    """

    name: str
    frame: pd.DataFrame
    source: str  # full label for messages: "data/order_lines.csv", "kam.xlsx, sheet 'orders'"
    short: str  # how messages refer to it: "order_lines.csv", "sheet 'orders'"
    noun: str = "file"  # "file", "sheet", "table", "query result"
    headers: tuple[str, ...] = ()  # the column headers exactly as in the source
    first_row: int = 2  # row number of the first data row (header = row 1)
    row_key: tuple[str, ...] = ()  # label rows by these columns' values (database sources)
    encoding: str | None = None
    # order_lines read up to the as-of date: accounts whose lines all come later still buy
    later_accounts: frozenset[str] = frozenset()

    def row_labels(self, positions: Sequence[int] | np.ndarray) -> list[int | str]:
        """Row numbers (or key values) for the rows at ``positions`` of :attr:`frame`."""
        positions = np.asarray(positions, dtype=int)
        keys = [c for c in self.row_key if c in self.frame.columns]
        if keys:
            labels: list[int | str] = []
            for pos in positions:
                parts = [f"{c}={_key_text(self.frame[c].iloc[pos])}" for c in keys]
                labels.append(", ".join(parts))
            return labels
        index = self.frame.index.to_numpy()[positions]
        return [int(i) + self.first_row for i in index]


@dataclass(frozen=True)
class RawData:
    """Every table a source supplied, plus what the loader noticed on the way.

    ``looked_for`` says, per data-model table that was not found, what the
    loader looked for (e.g. ``"a file order_lines.csv"``); ``available`` lists
    what the source holds instead (file, sheet or table names). Tables that
    exist but could not be read are in ``unreadable`` and already have an issue.
    ``latest_order_date`` is the source's last order date when the read stopped
    at the as-of date (database sources), so the default as-of date stays the same.
    """

    tables: Mapping[str, RawTable]
    source: str  # human description: "CSV files in data/export"
    location: str  # the folder, workbook or masked URL, for table-level messages
    kind: str  # "csv", "xlsx", "sql" or "parquet"
    issues: tuple[Issue, ...] = ()
    looked_for: Mapping[str, str] = field(default_factory=dict)
    available: tuple[str, ...] = ()
    unreadable: frozenset[str] = frozenset()
    latest_order_date: dt.date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))
        object.__setattr__(self, "looked_for", MappingProxyType(dict(self.looked_for)))


def normalize_header(text: object) -> str:
    """A header compared loosely: no BOM, no surrounding space, lower case, ``_`` for gaps."""
    cleaned = str(text).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", cleaned)


def clean_header(text: object) -> str:
    """A header as shown to the user: the text without a BOM."""
    return str(text).replace("\ufeff", "")


def mapped_name_missing(
    table: str,
    *,
    named: str,
    place: str,
    source: str,
    expected: str,
    kind: str,
    names: list[str],
    fix: str,
) -> Issue:
    """The error for a ``data.tables`` entry naming a file, sheet or table that is not
    there, listing what is there instead."""
    return Issue(
        "error",
        "missing_table",
        table,
        f"data.tables.{table} names {named}, which is not in {place}.",
        source=source,
        expected=expected,
        found=f"{kind}: " + (", ".join(names) or "none"),
        fix=fix,
    )


def mapped_table(
    frame: pd.DataFrame,
    table: Table,
    mapping: Mapping[str, str],
    issues: list[Issue],
    *,
    source: str,
    short: str,
    noun: str,
    **extra: Any,
) -> RawTable:
    """The file's or sheet's frame as a :class:`RawTable` in data-model columns; the
    mapping's issues are appended to ``issues``."""
    mapped, headers, mapping_issues = map_columns(
        frame, table, mapping, source=source, short=short, noun=noun
    )
    issues.extend(mapping_issues)
    return RawTable(table.name, mapped, source, short, noun, headers, **extra)


def map_columns(
    frame: pd.DataFrame,
    table: Table,
    mapping: Mapping[str, str],
    *,
    source: str,
    short: str,
    noun: str,
) -> tuple[pd.DataFrame, tuple[str, ...], list[Issue]]:
    """Rename the user's headers to data-model columns and drop the rest.

    Explicit ``data.columns`` entries win; other headers match a data-model
    column when equal up to surrounding whitespace, case and ``_``/space. Returns
    the renamed frame, the headers as found, and the issues (bad mappings are
    errors, columns outside the data model one warning). The frame shares the
    columns' data (copy-on-write): nothing is copied, however large the table.
    """
    rename, headers, issues = column_mapping(
        list(frame.columns), table, mapping, source=source, short=short, noun=noun
    )
    return renamed_columns(frame, rename), headers, issues


def renamed_columns(frame: pd.DataFrame, rename: Mapping[int, str]) -> pd.DataFrame:
    """The columns of ``frame`` at the positions in ``rename``, in position order and
    named by it, sharing their data with ``frame``."""
    keep = sorted(rename)
    columns = {rename[p]: frame.iloc[:, p] for p in keep}
    return pd.DataFrame(columns, index=frame.index, copy=False)


def column_mapping(
    names: Sequence[object],
    table: Table,
    mapping: Mapping[str, str],
    *,
    source: str,
    short: str,
    noun: str,
) -> tuple[dict[int, str], tuple[str, ...], list[Issue]]:
    """Which header (by position in ``names``) holds which data-model column, as
    :func:`map_columns` decides it from the headers alone: the positions kept
    with their data-model names, the headers as found, and the issues. A reader
    that can read single columns (Parquet) reads only the kept ones."""
    headers = tuple(clean_header(h) for h in names)
    issues: list[Issue] = []
    model = table.column_names
    rename: dict[int, str] = {}  # position in the frame -> data-model column
    where = f"data.columns.{table.name}"

    for their, ours in mapping.items():
        target = str(ours).strip()
        if target not in model:
            close = difflib.get_close_matches(target, model, n=1)
            hint = f"Did you mean {close[0]!r}? " if close else ""
            issues.append(
                Issue(
                    "error",
                    "bad_mapping",
                    table.name,
                    f"{where} maps {their!r} to {target!r}, which is not a column of {table.name}.",
                    source=source,
                    expected=f"one of {', '.join(model)}",
                    found=repr(target),
                    fix=f"{hint}Correct the column name in {where}.",
                )
            )
            continue
        position = _find_header(headers, str(their))
        if position is None:
            issues.append(
                Issue(
                    "error",
                    "mapped_header_missing",
                    table.name,
                    f"{where} names header {their!r}, which is not in {short}. "
                    f"Headers in {noun}: {list(headers)}.",
                    source=source,
                    column=target,
                    fix=f"Correct the header in {where} to one of the headers above "
                    "(spelling and spaces count).",
                )
            )
            continue
        if target in rename.values():
            issues.append(
                Issue(
                    "error",
                    "duplicate_mapping",
                    table.name,
                    f"{where} maps more than one header to {target!r}.",
                    source=source,
                    column=target,
                    fix=f"Keep one entry for {target!r} in {where}.",
                )
            )
            continue
        rename[position] = target

    auto: dict[str, list[int]] = {}
    for position, header in enumerate(headers):
        if position in rename:
            continue
        name = normalize_header(header)
        if name in model and name not in rename.values():
            auto.setdefault(name, []).append(position)
    for name, positions in auto.items():
        if len(positions) > 1:
            found = ", ".join(repr(headers[p]) for p in positions)
            issues.append(
                Issue(
                    "error",
                    "ambiguous_column",
                    table.name,
                    f"More than one header matches column {name!r}: {found}.",
                    source=source,
                    column=name,
                    fix=f"Rename or remove all but one of them, or map the right one in {where}.",
                )
            )
            continue
        rename[positions[0]] = name

    extra = [headers[p] for p in range(len(headers)) if p not in rename]
    if extra:
        issues.append(
            Issue(
                "warning",
                "extra_columns",
                table.name,
                f"Columns not in the data model are ignored: {extra}.",
                source=source,
                fix=f"If one of them holds a data-model column, map it under {where}; "
                "otherwise nothing to do.",
            )
        )
    return rename, headers, issues


def _find_header(headers: Sequence[str], wanted: str) -> int | None:
    for compare in (lambda h: h, lambda h: h.strip(), lambda h: h.strip().casefold()):
        target = compare(wanted)
        matches = [i for i, h in enumerate(headers) if compare(h) == target]
        if matches:
            return matches[0]
    return None


def match_name(wanted: str, names: Sequence[str], *, suffix: str = "") -> str | None:
    """The entry of ``names`` that is ``wanted`` (plus ``suffix``), tolerating case and spaces."""
    candidates = (
        [wanted]
        if not suffix or wanted.lower().endswith(suffix)
        else [
            wanted + suffix,
            wanted,
        ]
    )
    for candidate in candidates:
        if candidate in names:
            return candidate
    for candidate in candidates:
        loose = [n for n in names if n.strip().casefold() == candidate.strip().casefold()]
        if loose:
            return loose[0]
    return None


def unknown_mapped_tables(
    data_tables: Mapping[str, object], data_columns: Mapping[str, object], source: str
) -> list[Issue]:
    """Errors for ``data.tables``/``data.columns`` keys that are not data-model tables."""
    issues = []
    for where, keys in (("data.tables", data_tables), ("data.columns", data_columns)):
        for key in keys:
            if key in TABLES_BY_NAME:
                continue
            close = difflib.get_close_matches(key, list(TABLES_BY_NAME), n=1)
            hint = f"Did you mean {close[0]!r}? " if close else ""
            issues.append(
                Issue(
                    "error",
                    "unknown_table",
                    "",
                    f"{where} names table {key!r}, which is not in the data model.",
                    source=source,
                    expected=f"one of {', '.join(TABLES_BY_NAME)}",
                    found=repr(key),
                    fix=f"{hint}Correct the table name in {where}.",
                )
            )
    return issues


def unused_entries(kind: str, names: Sequence[str], used: set[str], source: str) -> list[Issue]:
    """One warning naming the files or sheets that match no data-model table."""
    unused = [n for n in names if n not in used]
    if not unused:
        return []
    hints = []
    for name in unused:
        stem = re.sub(r"\.[A-Za-z0-9]+$", "", name)
        close = difflib.get_close_matches(normalize_header(stem), list(TABLES_BY_NAME), n=1)
        if close:
            hints.append(f"{name} → {close[0]}?")
    hint = f" Possible matches: {'; '.join(hints)}." if hints else ""
    return [
        Issue(
            "warning",
            "unused_" + kind,
            "",
            f"{kind.capitalize()}s not used (no data-model table of that name): "
            f"{', '.join(unused)}.",
            source=source,
            fix=f"Rename the {kind} to its table name, or map it under data.tables "
            f"(e.g. data.tables.order_lines: <{kind} name>).{hint}",
        )
    ]


def _key_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "(empty)"
    return str(value).strip()


def drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Remove rows whose every cell is empty, keeping the other rows' positions."""
    if frame.empty or frame.shape[1] == 0:
        return frame
    blank = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        values = frame[column]
        empty = values.isna().to_numpy()
        if pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
            empty = empty | (values.astype("string").str.strip() == "").fillna(True).to_numpy()
        blank &= empty
        if not blank.any():
            return frame
    return frame.loc[~blank]


def drop_unnamed_blank_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Remove header-less columns with no values (trailing commas, formatted empty cells)."""
    drop = []
    for column in frame.columns:
        if not str(column).startswith("Unnamed: "):
            continue
        values = frame[column]
        if values.isna().all() or (values.astype("string").str.strip().fillna("") == "").all():
            drop.append(column)
    return frame.drop(columns=drop) if drop else frame
