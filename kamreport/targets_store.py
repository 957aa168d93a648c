"""Writing agreed targets into the data source's ``targets`` table, with a backup.

What is replaced: the rows of the target year for the imported accounts, in the
``targets`` table and (when the workshop set category targets) the
``category_targets`` table; other years and other accounts stay as they are. Only
the columns the import manages are written; every other column of a replaced row
(a column of your own, or one the workbook did not carry) keeps its value, matched
by the table's key. A managed column the table lacks is added. Where, per kind of
source:

- a CSV folder: ``targets.csv`` (or the file named in ``data.tables.targets``),
  in its own encoding and with the headers of ``data.columns.targets``; the old
  file is kept as ``targets.csv.<YYYYMMDD-HHMMSS>.bak`` beside it (the same for
  ``category_targets.csv``);
- an .xlsx workbook: its ``targets`` (and ``category_targets``) sheet; the old workbook is kept as
  ``<name>.xlsx.<YYYYMMDD-HHMMSS>.bak`` beside it. Text is written as text cells
  (an id ``=X`` stays the text ``=X``, never a formula); formulas the sheet already
  had stay formulas;
- a database (SQLAlchemy URL): the tables, in one transaction; the replaced rows
  are first copied into ``<table>_history`` (every column as text) with a
  ``replaced_at`` timestamp.

Values are written exactly as they are: the targets table is data that kamreport and
other systems match by account id, so a CSV field is not given the apostrophe that
report CSVs get (kamreport.spreadsheet_safety) — it holds the same ids as the
accounts table beside it.

Files are written to a temporary file and renamed into place, so a failure
never leaves a half-written file; nothing is written before every check passed.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kamreport.errors import DataSourceError
from kamreport.outputs import atomic_write_bytes
from kamreport.params import DataParams
from kamreport.paths import source_path
from kamreport.schema import table as schema_table
from kamreport.sources import detect_format
from kamreport.spreadsheet_safety import as_text


@dataclass(frozen=True)
class StoreResult:
    target: str  # file, sheet or table written
    backup: str  # backup file or history table ("" when there was nothing to keep)
    rows: int  # rows written for the target year
    category_rows: int = 0  # rows written into category_targets


@dataclass(frozen=True)
class Update:
    """The rows of one data-model table that replace that table's rows of ``accounts``
    in ``year``. Only the model columns present in ``rows`` are written (managed); every
    other column of a replaced row keeps its value, matched by the table's key."""

    table: str  # data-model table: targets or category_targets
    rows: pd.DataFrame  # model columns; month as Timestamp, year as int
    accounts: frozenset[str]
    year: int

    @property
    def keys(self) -> tuple[str, ...]:
        return schema_table(self.table).key

    @property
    def managed(self) -> tuple[str, ...]:
        return tuple(c for c in self.rows.columns if c not in self.keys)


def _user_names(data: DataParams, table: str = "targets") -> dict[str, str]:
    """Data-model column → the user's header (``data.columns.<table>`` inverted)."""
    mapping = dict(data.columns.get(table, {}))
    inverse = {model: user for user, model in mapping.items()}
    return {c: inverse.get(c, c) for c in schema_table(table).column_names}


def _key_text(column: str, values: pd.Series) -> pd.Series:
    """Key values as comparable text: a month as YYYY-MM-DD, a year as digits."""
    if column == "month":
        if pd.api.types.is_datetime64_any_dtype(values):
            return values.dt.strftime("%Y-%m-%d")
        return values.astype(str).str[:10]
    if column == "year":
        return values.astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    return values.astype(str)


def _year_of(column: str, values: pd.Series) -> pd.Series:
    if column == "month":
        return pd.to_datetime(values.astype(str).str[:10], errors="coerce").dt.year
    return pd.to_numeric(values, errors="coerce")


def _as_written(update: Update, names: dict[str, str]) -> pd.DataFrame:
    """The update's rows with the user's headers, months as YYYY-MM-DD, blanks as ""."""
    out = pd.DataFrame(index=update.rows.index)
    for column in update.rows.columns:
        values = update.rows[column]
        if column == "month":
            values = values.dt.strftime("%Y-%m-%d")
        elif column in ("account_id", "category", "target_source", "target_method"):
            values = values.astype(str)
        out[names[column]] = values.astype(object).where(values.notna(), "")
    return out.reset_index(drop=True)


def _merge(existing: pd.DataFrame, update: Update, names: dict[str, str]) -> pd.DataFrame:
    """Existing rows (user headers, any values) with the update's accounts and year replaced.

    A replaced row's columns the update does not manage keep their values (matched by
    the table's key); a new row gets them empty."""
    new = _as_written(update, names)
    if existing.empty:
        return new
    keys = [names[k] for k in update.keys]
    acc = names["account_id"]
    year_column = "month" if "month" in update.keys else "year"
    for column in keys:
        if column not in existing:
            raise DataSourceError(
                f"The {update.table} table has no column {column!r} (columns: "
                f"{', '.join(map(str, existing.columns))}). Map it in "
                f"data.columns.{update.table}."
            )
    years = _year_of(year_column, existing[names[year_column]])
    replaced = existing[acc].astype(str).isin(update.accounts) & (years == update.year)
    kept_columns = [c for c in existing.columns if c not in new.columns]
    if kept_columns and replaced.any():
        old = existing.loc[replaced]
        old_keys = list(zip(*(_key_text(k, old[names[k]]) for k in update.keys), strict=True))
        carried = dict(zip(old_keys, old[kept_columns].itertuples(index=False), strict=True))
        new_keys = zip(*(_key_text(k, new[names[k]]) for k in update.keys), strict=True)
        blank = ("",) * len(kept_columns)
        values = [carried.get(k, blank) for k in new_keys]
        for i, column in enumerate(kept_columns):
            new[column] = [v[i] for v in values]
    merged = pd.concat([existing.loc[~replaced], new], ignore_index=True)
    merged = merged.astype(object).where(merged.notna(), "")
    return merged[[*existing.columns, *[c for c in new.columns if c not in existing.columns]]]


def _stamp(now: dt.datetime | None) -> str:
    return (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")


def _backup(path: Path, now: dt.datetime | None) -> str:
    if not path.exists():
        return ""
    backup = path.with_name(f"{path.name}.{_stamp(now)}.bak")
    shutil.copy2(path, backup)
    return str(backup)


def write_targets(
    data: DataParams,
    monthly: pd.DataFrame,
    *,
    categories: pd.DataFrame | None = None,
    base_dir: Path | None = None,
    now: dt.datetime | None = None,
) -> StoreResult:
    """Write ``monthly`` (account_id, month and the target columns it carries; one year)
    into the source's targets table, and ``categories`` (account_id, year, category,
    revenue_target) into its category_targets table, replacing that year's rows of the
    same accounts. Columns ``monthly`` does not carry are kept as they were."""
    base = Path.cwd() if base_dir is None else Path(base_dir)
    accounts = frozenset(monthly["account_id"].astype(str))
    year = int(monthly["month"].dt.year.iloc[0])
    updates = [Update("targets", monthly, accounts, year)]
    if categories is not None:
        updates.append(Update("category_targets", categories, accounts, year))
    fmt = detect_format(data, base)
    if fmt == "sql":
        return _write_sql(data, updates, base, now)
    source = source_path(str(data.source), base)
    if fmt == "xlsx":
        return _write_xlsx(source, data, updates, now)
    if fmt == "csv":
        return _write_csv(source, data, updates, now)
    raise DataSourceError(
        f"Targets cannot be written into a {fmt} source ({data.source}). Use a CSV folder, "
        "an .xlsx workbook or a database, or add the targets to your own system."
    )


def _result(target: str, backup: str, updates: list[Update]) -> StoreResult:
    rows = {u.table: len(u.rows) for u in updates}
    return StoreResult(target, backup, rows["targets"], rows.get("category_targets", 0))


def _write_csv(folder: Path, data: DataParams, updates: list[Update], now) -> StoreResult:
    from kamreport.sources.csv import read_csv_text
    from kamreport.sources.raw import match_name

    names_in_folder = sorted(p.name for p in folder.iterdir() if p.is_file())
    payloads: list[tuple[Path, bytes]] = []
    for update in updates:
        wanted = str(data.tables.get(update.table, update.table))
        found = match_name(wanted, names_in_folder, suffix=".csv")
        name = found or (wanted if wanted.lower().endswith(".csv") else f"{wanted}.csv")
        path = folder / name
        existing, encoding, sep = pd.DataFrame(), "utf-8", ","
        if found:
            existing, encoding = read_csv_text(path, data.encoding)
            raw = path.read_bytes()
            if encoding == "utf-8-sig" and not raw.startswith(codecs.BOM_UTF8):
                encoding = "utf-8"  # keep a file without a byte-order mark without one
            header = raw.decode(encoding, errors="replace").split("\n", 1)[0]
            sep = max((",", ";", "\t"), key=header.count)
        merged = _merge(existing, update, _user_names(data, update.table))
        text = merged.to_csv(index=False, sep=sep, lineterminator="\n")
        payloads.append((path, text.encode(encoding)))
    backups = [_backup(path, now) for path, _ in payloads]  # every check passed: write
    for path, payload in payloads:
        atomic_write_bytes(path, payload)
    return _result(str(payloads[0][0]), backups[0], updates)


class _Formula(str):
    """A formula cell of the existing sheet, written back as a formula (all other text
    is written as text)."""


def _cell_value(cell) -> object:
    if cell.data_type == "f" and isinstance(cell.value, str):
        return _Formula(cell.value)
    return cell.value


def _write_xlsx(path: Path, data: DataParams, updates: list[Update], now) -> StoreResult:
    from openpyxl import load_workbook

    from kamreport.sources.raw import match_name

    book = load_workbook(path)
    written = []
    for update in updates:
        wanted = str(data.tables.get(update.table, update.table))
        sheet_name = match_name(wanted, book.sheetnames) or wanted
        existing = pd.DataFrame()
        index = len(book.sheetnames)
        if sheet_name in book.sheetnames:
            sheet = book[sheet_name]
            rows = [[_cell_value(c) for c in row] for row in sheet.iter_rows()]
            if rows:
                header = [str(h) for h in rows[0]]
                cells = [list(r) for r in rows[1:]]  # object columns keep the formula marks
                existing = pd.DataFrame(cells, columns=header, dtype=object).dropna(how="all")
                existing = existing.astype(object).where(existing.notna(), "")
            index = book.sheetnames.index(sheet_name)
            del book[sheet_name]
        merged = _merge(existing, update, _user_names(data, update.table))
        sheet = book.create_sheet(sheet_name, index)
        sheet.append([str(c) for c in merged.columns])
        for cell in sheet[1]:
            as_text(cell)
        for r, row in enumerate(merged.itertuples(index=False), start=2):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c, value=None if value == "" else value)
                if not isinstance(value, _Formula):
                    as_text(cell)
        written.append(sheet_name)
    buffer = io.BytesIO()
    book.save(buffer)
    backup = _backup(path, now)
    atomic_write_bytes(path, buffer.getvalue())
    return _result(f"{path}, sheet {written[0]!r}", backup, updates)


SQL_TYPES = {"date": "Date", "float": "Float", "int": "Integer"}


def _sql_type(table: str, column: str):
    import sqlalchemy as sa

    dtype = schema_table(table).column(column).dtype
    return getattr(sa, SQL_TYPES.get(dtype, "Text"))()


def _write_sql(data: DataParams, updates: list[Update], base: Path, now) -> StoreResult:
    import sqlalchemy as sa

    from kamreport.sources.sql import database_url, is_query, mask_url

    url = database_url(str(data.source), base)  # driver, password from the environment
    stamp = (now or dt.datetime.now()).replace(microsecond=0).isoformat()
    engine = sa.create_engine(url)
    _transactional(engine)
    histories: list[str] = []
    names_written: list[str] = []
    try:
        with engine.begin() as conn:
            for update in updates:
                table_name = str(data.tables.get(update.table, update.table)).strip()
                if is_query(table_name):
                    raise DataSourceError(
                        f"data.tables.{update.table} is a query; targets can only be written "
                        f"into a table. Name the table in data.tables.{update.table}."
                    )
                names_written.append(table_name)
                if _write_sql_table(conn, table_name, update, _user_names(data, update.table),
                                    stamp):  # fmt: skip
                    histories.append(f"{table_name.rpartition('.')[2]}_history")
    except sa.exc.SQLAlchemyError as exc:
        raise DataSourceError(
            f"Writing the targets into {mask_url(str(url))} failed; nothing was changed "
            f"(the transaction was rolled back): {str(exc).splitlines()[0]}"
        ) from exc
    finally:
        engine.dispose()
    return _result(f"table {names_written[0]!r}", ", ".join(histories), updates)


def _write_sql_table(conn, table_name: str, update: Update, names: dict[str, str], stamp: str):
    """Replace the update's rows in one table (inside the caller's transaction); the
    replaced rows are copied into ``<table>_history`` first. True when rows were replaced."""
    import sqlalchemy as sa

    schema, _, bare = table_name.rpartition(".")
    schema = schema or None
    history = f"{bare}_history"
    if not sa.inspect(conn).has_table(bare, schema=schema):
        _create(conn, bare, schema, update.table, names)
    meta = sa.MetaData()
    target = sa.Table(bare, meta, schema=schema, autoload_with=conn)
    quote = conn.dialect.identifier_preparer
    for column in update.managed:  # a column the table lacks is added (nullable)
        if names[column] not in target.c:
            kind = _sql_type(update.table, column).compile(dialect=conn.dialect)
            conn.execute(
                sa.text(
                    f"ALTER TABLE {quote.format_table(target)} "
                    f"ADD COLUMN {quote.quote(names[column])} {kind}"
                )
            )
    if any(names[c] not in target.c for c in update.managed):
        meta = sa.MetaData()
        target = sa.Table(bare, meta, schema=schema, autoload_with=conn)
    existing = pd.DataFrame(
        conn.execute(sa.select(target)).fetchall(), columns=list(target.c.keys())
    )
    acc = names["account_id"]
    year_column = "month" if "month" in update.keys else "year"
    years = _year_of(year_column, existing[names[year_column]])
    replaced = existing.loc[
        existing[acc].astype(str).isin(update.accounts) & (years == update.year)
    ]
    if len(replaced):
        if not sa.inspect(conn).has_table(history, schema=schema):
            columns = [*map(str, existing.columns), "replaced_at"]
            _create_history(conn, history, schema, columns)
        hist = sa.Table(history, meta, schema=schema, autoload_with=conn)
        for column in existing.columns:  # the table may have gained columns
            if column not in hist.c:
                conn.execute(
                    sa.text(
                        f"ALTER TABLE {quote.format_table(hist)} "
                        f"ADD COLUMN {quote.quote(str(column))} TEXT"
                    )
                )
        hist = sa.Table(history, sa.MetaData(), schema=schema, autoload_with=conn)
        rows = replaced.astype(object).where(replaced.notna(), None).to_dict("records")
        conn.execute(
            hist.insert(),
            [{**{k: _text(v) for k, v in r.items()}, "replaced_at": stamp} for r in rows],
        )
        keys = [names[k] for k in update.keys]
        where = " AND ".join(f"{quote.quote(k)} = :k{i}" for i, k in enumerate(keys))
        delete = sa.text(f"DELETE FROM {quote.format_table(target)} WHERE {where}")
        # untyped parameters: the values exactly as read back
        conn.execute(delete, [{f"k{i}": r[k] for i, k in enumerate(keys)} for r in rows])
    merged = _merge(replaced.reset_index(drop=True), update, names)
    types = {c.name: c.type for c in target.c}
    new_rows = []
    for record in merged.to_dict("records"):
        row = {}
        for key, value in record.items():
            if value == "" or value is None:
                row[key] = None
            elif isinstance(types.get(key), (sa.Date, sa.DateTime)):
                row[key] = dt.date.fromisoformat(str(value)[:10])
            else:
                row[key] = value
        new_rows.append(row)
    if new_rows:
        conn.execute(target.insert(), new_rows)
    return bool(len(replaced))


def _create(conn, name: str, schema: str | None, table: str, names: dict[str, str]) -> None:
    import sqlalchemy as sa

    columns = [sa.Column(user, _sql_type(table, model)) for model, user in names.items()]
    sa.Table(name, sa.MetaData(), *columns, schema=schema).create(conn)


def _create_history(conn, name: str, schema: str | None, columns: list[str]) -> None:
    """The history table: every column as text, plus ``replaced_at`` (ISO timestamp)."""
    import sqlalchemy as sa

    text_columns = [sa.Column(c, sa.Text()) for c in columns]
    sa.Table(name, sa.MetaData(), *text_columns, schema=schema).create(conn)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, pd.Timestamp)):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    return str(value)


def _transactional(engine) -> None:
    """SQLite's Python driver runs DDL outside transactions; make it BEGIN explicitly so
    that creating the history table rolls back with everything else."""
    import sqlalchemy as sa

    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _no_implicit(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN")


__all__ = ["StoreResult", "Update", "write_targets"]
