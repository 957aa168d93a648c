"""A folder of CSV files, one ``<table>.csv`` per data-model table.

Cells are read as text so validation can say exactly which cell does not
parse. Encodings: UTF-8 (with or without BOM) and GBK/GB18030 as Chinese Excel
writes them; ``data.encoding: auto`` tries UTF-8 strictly, then GB18030.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from kamreport.errors import DataSourceError, Issue
from kamreport.params import DataParams
from kamreport.schema import TABLES
from kamreport.sources.raw import (
    RawData,
    RawTable,
    drop_blank_rows,
    drop_unnamed_blank_columns,
    mapped_name_missing,
    mapped_table,
    match_name,
    unknown_mapped_tables,
    unused_entries,
)

AUTO_ENCODINGS = ("utf-8-sig", "gb18030")
_SEPARATORS = (",", ";", "\t")


def read_folder(folder: Path, label: str, data: DataParams) -> RawData:
    """Read every data-model table found as a CSV file in ``folder``.

    ``label`` is the folder as the user wrote it; messages use it so paths
    look like the ones in their params file.
    """
    try:
        names = sorted(p.name for p in folder.iterdir() if p.is_file())
    except OSError as exc:
        raise DataSourceError(
            f"Cannot list the folder {label!r}: {exc.strerror or exc}. "
            "Check that it exists and that you may read it."
        ) from exc
    csv_names = [n for n in names if n.lower().endswith(".csv")]
    tables: dict[str, RawTable] = {}
    issues: list[Issue] = unknown_mapped_tables(data.tables, data.columns, label)
    looked_for: dict[str, str] = {}
    unreadable: set[str] = set()
    used: set[str] = set()
    encodings: dict[str, str] = {}

    for table in TABLES:
        wanted = data.tables.get(table.name, table.name)
        name = match_name(str(wanted), names, suffix=".csv")
        if name is None:
            looked_for[table.name] = f"a file {_with_suffix(str(wanted))}"
            if table.name in data.tables:
                issues.append(_mapped_file_missing(table.name, str(wanted), label, csv_names))
                unreadable.add(table.name)
            continue
        used.add(name)
        path = folder / name
        source = _join(label, name)
        try:
            frame, encoding = read_csv_text(path, data.encoding)
        except _Unreadable as problem:
            issues.append(problem.issue(table.name, source, name))
            unreadable.add(table.name)
            continue
        if encoding != "utf-8-sig" or data.encoding != "auto":
            encodings[name] = encoding
        frame = drop_blank_rows(drop_unnamed_blank_columns(frame))
        tables[table.name] = mapped_table(
            frame, table, data.columns.get(table.name, {}), issues,
            source=source, short=name, noun="file", encoding=encoding,
        )  # fmt: skip

    issues.extend(unused_entries("file", csv_names, used, label))
    detected = [f"{n}: {e}" for n, e in encodings.items() if e != "utf-8-sig"]
    description = f"CSV files in {label}" + (f" ({'; '.join(detected)})" if detected else "")
    return RawData(
        tables,
        description,
        label,
        "csv",
        tuple(issues),
        looked_for,
        tuple(csv_names),
        frozenset(unreadable),
    )


class _Unreadable(Exception):
    """A CSV file that cannot be decoded or parsed; becomes an error issue."""

    def __init__(self, code: str, message: str, fix: str):
        super().__init__(message)
        self.code, self.message, self.fix = code, message, fix

    def issue(self, table: str, source: str, name: str) -> Issue:
        return Issue(
            "error", self.code, table, self.message.format(name=name), source=source, fix=self.fix
        )


def read_csv_text(path: Path, encoding: str = "auto") -> tuple[pd.DataFrame, str]:
    """All cells of ``path`` as text (empty cells as ``""``), and the encoding used."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataSourceError(
            f"Cannot read {str(path)!r}: {exc.strerror or exc}. "
            "Check that the file exists and that you may read it."
        ) from exc
    candidates = AUTO_ENCODINGS if encoding == "auto" else (encoding,)
    text = None
    used = candidates[0]
    for candidate in candidates:
        try:
            text = raw.decode(candidate, errors="strict")
            used = candidate
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        tried = " or ".join(c.upper() for c in candidates)
        fix = (
            "Save the file as UTF-8 (in Excel: CSV UTF-8), or set data.encoding to the "
            "file's encoding (utf-8, utf-8-sig, gbk or gb18030)."
        )
        raise _Unreadable("encoding", f"{{name}} is not readable as {tried}.", fix)
    text = text.lstrip("\ufeff")
    if not text.strip():
        return pd.DataFrame(), used
    sep = _separator(text)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise _Unreadable(
            "unreadable_file",
            f"{{name}} is not a well-formed CSV file: {str(exc).strip()}.",
            "Open the file in a spreadsheet program and save it again as CSV; check that "
            "cells containing commas or line breaks are quoted.",
        ) from exc
    return frame, used


def _separator(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in _SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > counts[","] else ","


def _with_suffix(name: str) -> str:
    return name if name.lower().endswith(".csv") else name + ".csv"


def _join(label: str, name: str) -> str:
    return name if label in ("", ".") else f"{label.rstrip('/')}/{name}"


def _mapped_file_missing(table: str, wanted: str, label: str, csv_names: list[str]) -> Issue:
    return mapped_name_missing(
        table, named=repr(wanted), place=label, source=label,
        expected=f"a file {_with_suffix(wanted)}", kind="files", names=csv_names,
        fix=f"Correct data.tables.{table} to one of the files in the folder.",
    )  # fmt: skip
