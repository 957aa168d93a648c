"""A folder of Parquet files, one ``<table>.parquet`` per data-model table.

Parquet columns are typed already; validation accepts them without a detour
through text, which keeps large order-line tables fast. Parquet is columnar:
the headers come from the file's schema, and only the columns that map to the
data model are read, each into its own array (no copy into 2-D blocks, the
Arrow buffers released as they are converted); repeated text (account and product
ids, labels) is read as a dictionary, each value once. Needs pyarrow.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from kamreport.errors import DataSourceError, Issue
from kamreport.params import DataParams
from kamreport.schema import TABLES, Table
from kamreport.sources.raw import (
    RawData,
    RawTable,
    column_mapping,
    match_name,
    renamed_columns,
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
            tables[table.name] = _read_table(
                folder / name, table, data.columns.get(table.name, {}), issues,
                source=source, short=name,
            )  # fmt: skip
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


def _read_table(
    path: Path,
    table: Table,
    mapping: Mapping[str, str],
    issues: list[Issue],
    *,
    source: str,
    short: str,
) -> RawTable:
    """One file as a :class:`RawTable`: its data-model columns only, renamed.

    The mapping is decided on the schema's names (the same decision and issues
    as for a frame), so columns outside the data model are never read. Raises
    what pyarrow raises for a file it cannot read (OSError, ValueError).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from kamreport.arrow_text import is_text_type

    try:
        schema = pq.read_schema(path)
    except pa.ArrowException as exc:  # ArrowInvalid is a ValueError, others are not
        raise ValueError(str(exc)) from exc
    # A pandas index written as a column (__index_level_0__) is no header of the table.
    index = (schema.pandas_metadata or {}).get("index_columns", [])
    names = [n for n in schema.names if n not in {i for i in index if isinstance(i, str)}]
    rename, headers, found = column_mapping(
        names, table, mapping, source=source, short=short, noun="file"
    )
    keep = sorted(rename)
    wanted = [names[p] for p in keep]
    if len(set(wanted)) < len(wanted) or len(set(names)) < len(names):
        columns = None  # repeated names cannot be read by name: read every column
    else:
        columns, rename = wanted, {i: rename[p] for i, p in enumerate(keep)}
    # Text that repeats (kamreport.repeated_text) is read as Parquet stores it, a dictionary
    # of distinct values and a code per row, and reaches pandas as a categorical.
    repeats = {c.name for c in table.columns if c.repeats}
    dictionary = [
        name
        for position, name in enumerate(columns or ())
        if rename[position] in repeats and is_text_type(schema.field(name).type)
    ]
    try:
        arrow = pq.read_table(path, columns=columns, read_dictionary=dictionary or None)
    except pa.ArrowException as exc:
        raise ValueError(str(exc)) from exc
    frame = arrow.to_pandas(split_blocks=True, self_destruct=True)
    del arrow  # self_destruct: the Arrow buffers go as the columns are converted
    frame = renamed_columns(frame.reset_index(drop=True), rename)
    issues.extend(found)
    return RawTable(table.name, frame, source, short, "file", headers, first_row=1)
