"""Data sources: read a folder of CSV files, a workbook, a database or Parquet files.

:func:`read_source` picks the reader from ``data.format`` (or infers it from
``data.source``) and returns :class:`RawData`: the tables as read, columns
mapped to the data model, ready for :func:`kamreport.validation.validate`.
Failures that stop the whole source (missing folder, bad URL, no connection)
raise :class:`~kamreport.errors.DataSourceError`.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from kamreport.errors import DataSourceError
from kamreport.params import DataParams
from kamreport.paths import source_path
from kamreport.sources.pushdown import ReadScope
from kamreport.sources.raw import RawData, RawTable

__all__ = [
    "RawData",
    "RawTable",
    "ReadScope",
    "describe_source",
    "detect_format",
    "read_source",
]

_SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
_WHAT_SOURCES_ARE = (
    "Set data.source to a folder of CSV files, an .xlsx workbook, a folder of .parquet files "
    "or a database URL such as sqlite:///data/kam.db."
)


def read_source(
    data: DataParams, *, base_dir: Path | None = None, scope: ReadScope | None = None
) -> RawData:
    """Read ``data.source``; relative paths are taken from ``base_dir`` (default: cwd).

    ``scope`` limits what a database source reads (files are always read whole).
    """
    base = Path.cwd() if base_dir is None else Path(base_dir)
    source = str(data.source).strip()
    fmt = detect_format(data, base)
    if fmt == "sql":
        from kamreport.sources.sql import read_database

        url = source if "://" in source else f"sqlite:///{source}"
        return read_database(url, data, base, scope)

    path = source_path(source, base)
    if fmt == "xlsx":
        from kamreport.sources.excel import read_workbook

        if not path.is_file():
            raise DataSourceError(
                f"data.format is xlsx but {source!r} is not a workbook file. "
                "Point data.source at the .xlsx file."
            )
        return read_workbook(path, source, data)
    if not path.is_dir():
        raise DataSourceError(
            f"data.format is {fmt} but {source!r} is not a folder. Point data.source at the "
            f"folder holding the .{'parquet' if fmt == 'parquet' else 'csv'} files."
        )
    if fmt == "parquet":
        from kamreport.sources.parquet import read_folder as read_parquet_folder

        return read_parquet_folder(path, source, data)
    from kamreport.sources.csv import read_folder as read_csv_folder

    return read_csv_folder(path, source, data)


def detect_format(data: DataParams, base: Path) -> str:
    """``data.format``, or for ``auto`` the format ``data.source`` looks like."""
    source = str(data.source).strip()
    if not source:
        raise DataSourceError(f"data.source is empty. {_WHAT_SOURCES_ARE}")
    if "://" in source:
        if data.format not in ("auto", "sql"):
            raise DataSourceError(
                f"data.source looks like a database URL but data.format is {data.format}. "
                "Set data.format to sql or auto."
            )
        return "sql"
    if data.format == "sql":
        raise DataSourceError(
            f"data.format is sql but data.source {source!r} is not a database URL. "
            "Write it as dialect://user:password@host/database, e.g. sqlite:///data/kam.db."
        )
    path = source_path(source, base)
    if not path.exists():
        raise DataSourceError(_not_found(source, path))
    if data.format != "auto":
        return data.format
    if path.is_dir():
        try:
            names = [p.name.lower() for p in path.iterdir() if p.is_file()]
        except OSError as exc:
            raise DataSourceError(
                f"Cannot list the folder {source!r}: {exc.strerror or exc}. "
                "Check that you may read it."
            ) from exc
        if any(n.endswith(".csv") for n in names):
            return "csv"
        if any(n.endswith(".parquet") for n in names):
            return "parquet"
        raise DataSourceError(
            f"The folder {source!r} holds no .csv or .parquet files. Put one file per table "
            "there (accounts.csv, order_lines.csv, …) or point data.source at your data."
        )
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return "xlsx"
    if suffix in _SQLITE_SUFFIXES:
        return "sql"
    if suffix in (".csv", ".parquet"):
        raise DataSourceError(
            f"data.source {source!r} is a single file; point it at the folder that holds "
            f"one {suffix} file per table."
        )
    raise DataSourceError(f"Cannot tell what kind of data {source!r} is. {_WHAT_SOURCES_ARE}")


def describe_source(data: DataParams) -> str:
    """A short description of ``data.source`` safe to print (database passwords masked)."""
    source = str(data.source).strip()
    if "://" in source:
        from kamreport.sources.sql import mask_url

        return f"database {mask_url(source)}"
    return source


def _not_found(source: str, path: Path) -> str:
    hint = ""
    parent = path.parent
    try:
        siblings = [p.name for p in parent.iterdir()] if parent.is_dir() else []
    except OSError:
        siblings = []
    close = difflib.get_close_matches(path.name, siblings, n=1)
    if close:
        hint = f" Did you mean {str(Path(source).parent / close[0])!r}?"
    return f"Data source {source!r} not found (looked at {path}).{hint} {_WHAT_SOURCES_ARE}"
