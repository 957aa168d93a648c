"""An .xlsx workbook with one sheet per data-model table.

Cells are read as text (date cells become ``2024-03-05 00:00:00``, which
validation accepts), so every unparsable cell can be named by its row.
"""

from __future__ import annotations

import zipfile
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


def read_workbook(path: Path, label: str, data: DataParams) -> RawData:
    """Read every data-model table found as a sheet of the workbook at ``path``."""
    if path.suffix.lower() == ".xls":
        raise DataSourceError(
            f"{label!r} is an Excel 97-2003 workbook (.xls); kamreport reads .xlsx. "
            "Open it in Excel and save it as Excel Workbook (.xlsx)."
        )
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except OSError as exc:
        raise DataSourceError(
            f"Cannot read the workbook {label!r}: {exc.strerror or exc}. "
            "Check that the file exists, is not open in another program and that you may read it."
        ) from exc
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DataSourceError(
            f"{label!r} is not a valid .xlsx workbook ({exc}). "
            "Open it in Excel and save it again as Excel Workbook (.xlsx)."
        ) from exc

    with book:
        sheets = [str(s) for s in book.sheet_names]
        tables: dict[str, RawTable] = {}
        issues: list[Issue] = unknown_mapped_tables(data.tables, data.columns, label)
        looked_for: dict[str, str] = {}
        unreadable: set[str] = set()
        used: set[str] = set()
        for table in TABLES:
            wanted = str(data.tables.get(table.name, table.name))
            sheet = match_name(wanted, sheets)
            if sheet is None:
                looked_for[table.name] = f"a sheet named {wanted!r}"
                if table.name in data.tables:
                    issues.append(_mapped_sheet_missing(table.name, wanted, label, sheets))
                    unreadable.add(table.name)
                continue
            used.add(sheet)
            source = f"{label}, sheet {sheet!r}"
            short = f"sheet {sheet!r}"
            frame = pd.read_excel(book, sheet_name=sheet, dtype=str, keep_default_na=False)
            frame = drop_blank_rows(drop_unnamed_blank_columns(frame))
            tables[table.name] = mapped_table(
                frame, table, data.columns.get(table.name, {}), issues,
                source=source, short=short, noun="sheet",
            )  # fmt: skip

    issues.extend(unused_entries("sheet", sheets, used, label))
    return RawData(
        tables,
        f"Excel workbook {label}",
        label,
        "xlsx",
        tuple(issues),
        looked_for,
        tuple(sheets),
        frozenset(unreadable),
    )


def _mapped_sheet_missing(table: str, wanted: str, label: str, sheets: list[str]) -> Issue:
    return mapped_name_missing(
        table, named=f"sheet {wanted!r}", place="the workbook", source=label,
        expected=f"a sheet named {wanted!r}", kind="sheets", names=[repr(s) for s in sheets],
        fix=f"Correct data.tables.{table} to one of the sheet names.",
    )  # fmt: skip
