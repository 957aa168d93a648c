"""A folder of Parquet files, one ``<table>.parquet`` per data-model table.

Parquet columns are typed already; validation accepts them without a detour
through text, which keeps large order-line tables fast. Needs pyarrow.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kamreport.errors import DataSourceError, Issue
from kamreport.params import DataParams
from kamreport.schema import TABLES
from kamreport.sources.raw import (
    RawData,
    RawTable,
    mapped_table,
    match_name,
    unknown_mapped_tables,
    unused_entries,
)

NEEDS_PYARROW = (
    "Reading Parquet files needs the pyarrow package, which is not installed. "
    "Install it with: pip install pyarrow (or export the data as CSV files instead)."
)


def read_folder(folder: Path, label: str, data: DataParams) -> RawData:
    """Read every data-model table found as a .parquet file in ``folder``."""
    try:
        import pyarrow  # noqa: F401 - only checks that the engine is there
    except ImportError as exc:
        raise DataSourceError(NEEDS_PYARROW) from exc
    names = sorted(p.name for p in folder.iterdir() if p.is_file())
    parquet_names = [n for n in names if n.lower().endswith(".parquet")]
    tables: dict[str, RawTable] = {}
    issues: list[Issue] = unknown_mapped_tables(data.tables, data.columns, label)
    looked_for: dict[str, str] = {}
    unreadable: set[str] = set()
    used: set[str] = set()
    for table in TABLES:
        wanted = str(data.tables.get(table.name, table.name))
        name = match_name(wanted, names, suffix=".parquet")
        if name is None:
            looked_for[table.name] = f"a file {wanted.removesuffix('.parquet')}.parquet"
            if table.name in data.tables:
                issues.append(
                    Issue(
                        "error",
                        "missing_table",
                        table.name,
                        f"data.tables.{table.name} names {wanted!r}, which is not in {label}.",
                        source=label,
                        found="files: " + (", ".join(parquet_names) or "none"),
                        fix=f"Correct data.tables.{table.name} to one of the files in the folder.",
                    )
                )
                unreadable.add(table.name)
            continue
        used.add(name)
        source = f"{label.rstrip('/')}/{name}"
        try:
            frame = pd.read_parquet(folder / name)
        except (OSError, ValueError) as exc:
            issues.append(
                Issue(
                    "error",
                    "unreadable_file",
                    table.name,
                    f"{name} is not a readable Parquet file: {exc}.",
                    source=source,
                    fix="Write the file again with pandas or pyarrow.",
                )
            )
            unreadable.add(table.name)
            continue
        tables[table.name] = mapped_table(
            frame.reset_index(drop=True), table, data.columns.get(table.name, {}), issues,
            source=source, short=name, noun="file", first_row=1,
        )  # fmt: skip
    issues.extend(unused_entries("file", parquet_names, used, label))
    return RawData(
        tables,
        f"Parquet files in {label}",
        label,
        "parquet",
        tuple(issues),
        looked_for,
        tuple(parquet_names),
        frozenset(unreadable),
    )
