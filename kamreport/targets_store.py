"""Writing agreed targets into the data source's ``targets`` table, with a backup.

What is replaced: the rows of the target year for the imported accounts (other
years and other accounts stay as they are; ``visits_target`` of a replaced month
is kept). Where, per kind of source:

- a CSV folder: ``targets.csv`` (or the file named in ``data.tables.targets``),
  in its own encoding and with the headers of ``data.columns.targets``; the old
  file is kept as ``targets.csv.<YYYYMMDD-HHMMSS>.bak`` beside it;
- an .xlsx workbook: its ``targets`` sheet; the old workbook is kept as
  ``<name>.xlsx.<YYYYMMDD-HHMMSS>.bak`` beside it. Text is written as text cells
  (an id ``=X`` stays the text ``=X``, never a formula); formulas the sheet already
  had stay formulas;
- a database (SQLAlchemy URL): the table, in one transaction; the replaced rows
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
from kamreport.schema import table as schema_table
from kamreport.sources import detect_format
from kamreport.spreadsheet_safety import as_text

MODEL_COLUMNS = schema_table("targets").column_names  # account_id, month, revenue_target, visits…


@dataclass(frozen=True)
class StoreResult:
    target: str  # file, sheet or table written
    backup: str  # backup file or history table ("" when there was nothing to keep)
    rows: int  # rows written for the target year


def _user_names(data: DataParams) -> dict[str, str]:
    """Data-model column → the user's header (``data.columns.targets`` inverted)."""
    mapping = dict(data.columns.get("targets", {}))
    inverse = {model: user for user, model in mapping.items()}
    return {c: inverse.get(c, c) for c in MODEL_COLUMNS}


def _merge(existing: pd.DataFrame, monthly: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Existing rows (user headers, any values) with the year's rows replaced by ``monthly``."""
    year = int(monthly["month"].dt.year.iloc[0])
    new = pd.DataFrame(
        {
            names["account_id"]: monthly["account_id"].astype(str),
            names["month"]: monthly["month"].dt.strftime("%Y-%m-%d"),
            names["revenue_target"]: monthly["revenue_target"].astype(float),
        }
    )
    if existing.empty:
        return new
    acc, month = names["account_id"], names["month"]
    for column in (acc, month):
        if column not in existing:
            raise DataSourceError(
                f"The targets table has no column {column!r} (columns: "
                f"{', '.join(map(str, existing.columns))}). Map it in data.columns.targets."
            )
    months = pd.to_datetime(existing[month].astype(str).str[:10], errors="coerce")
    replaced = existing[acc].astype(str).isin(set(new[acc])) & (months.dt.year == year)
    visits = names["visits_target"]
    if visits in existing:
        old = existing.loc[replaced, [acc, visits]].assign(
            _m=months[replaced].dt.strftime("%Y-%m-%d")
        )
        keep = old.set_index([acc, "_m"])[visits]
        keys = list(zip(new[acc], new[month], strict=True))
        new[visits] = [keep.get(k, "") for k in keys]
    merged = pd.concat([existing.loc[~replaced], new], ignore_index=True)
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
    base_dir: Path | None = None,
    now: dt.datetime | None = None,
) -> StoreResult:
    """Write ``monthly`` (account_id, month, revenue_target; one year) into the source."""
    base = Path.cwd() if base_dir is None else Path(base_dir)
    fmt = detect_format(data, base)
    if fmt == "sql":
        return _write_sql(data, monthly, base, now)
    source = Path(str(data.source).strip()).expanduser()
    source = source if source.is_absolute() else base / source
    if fmt == "xlsx":
        return _write_xlsx(source, data, monthly, now)
    if fmt == "csv":
        return _write_csv(source, data, monthly, now)
    raise DataSourceError(
        f"Targets cannot be written into a {fmt} source ({data.source}). Use a CSV folder, "
        "an .xlsx workbook or a database, or add the targets to your own system."
    )


def _write_csv(folder: Path, data: DataParams, monthly: pd.DataFrame, now) -> StoreResult:
    from kamreport.sources.csv import read_csv_text
    from kamreport.sources.raw import match_name

    wanted = str(data.tables.get("targets", "targets"))
    names_in_folder = sorted(p.name for p in folder.iterdir() if p.is_file())
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
    merged = _merge(existing, monthly, _user_names(data))
    text = merged.to_csv(index=False, sep=sep, lineterminator="\n")
    payload = text.encode(encoding)
    backup = _backup(path, now)
    atomic_write_bytes(path, payload)
    return StoreResult(str(path), backup, len(monthly))


class _Formula(str):
    """A formula cell of the existing sheet, written back as a formula (all other text
    is written as text)."""


def _cell_value(cell) -> object:
    if cell.data_type == "f" and isinstance(cell.value, str):
        return _Formula(cell.value)
    return cell.value


def _write_xlsx(path: Path, data: DataParams, monthly: pd.DataFrame, now) -> StoreResult:
    from openpyxl import load_workbook

    from kamreport.sources.raw import match_name

    book = load_workbook(path)
    wanted = str(data.tables.get("targets", "targets"))
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
    merged = _merge(existing, monthly, _user_names(data))
    sheet = book.create_sheet(sheet_name, index)
    sheet.append([str(c) for c in merged.columns])
    for cell in sheet[1]:
        as_text(cell)
    for r, row in enumerate(merged.itertuples(index=False), start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c, value=None if value == "" else value)
            if not isinstance(value, _Formula):
                as_text(cell)
    buffer = io.BytesIO()
    book.save(buffer)
    backup = _backup(path, now)
    atomic_write_bytes(path, buffer.getvalue())
    return StoreResult(f"{path}, sheet {sheet_name!r}", backup, len(monthly))


def _write_sql(data: DataParams, monthly: pd.DataFrame, base: Path, now) -> StoreResult:
    import sqlalchemy as sa

    from kamreport.sources.sql import database_url, is_query, mask_url

    url = database_url(str(data.source), base)  # driver, password from the environment
    table_name = str(data.tables.get("targets", "targets")).strip()
    if is_query(table_name):
        raise DataSourceError(
            "data.tables.targets is a query; targets can only be written into a table. "
            "Name the table in data.tables.targets."
        )
    names = _user_names(data)
    schema, _, bare = table_name.rpartition(".")
    schema = schema or None
    history = f"{bare}_history"
    stamp = (now or dt.datetime.now()).replace(microsecond=0).isoformat()
    engine = sa.create_engine(url)
    _transactional(engine)
    try:
        with engine.begin() as conn:
            inspector = sa.inspect(conn)
            if not inspector.has_table(bare, schema=schema):
                _create(conn, bare, schema, names)
            meta = sa.MetaData()
            target = sa.Table(bare, meta, schema=schema, autoload_with=conn)
            existing = pd.DataFrame(
                conn.execute(sa.select(target)).fetchall(), columns=list(target.c.keys())
            )
            year = int(monthly["month"].dt.year.iloc[0])
            acc, month = names["account_id"], names["month"]
            months = pd.to_datetime(existing[month].astype(str).str[:10], errors="coerce")
            ids = set(monthly["account_id"].astype(str))
            replaced = existing.loc[existing[acc].astype(str).isin(ids) & (months.dt.year == year)]
            if len(replaced):
                if not sa.inspect(conn).has_table(history, schema=schema):
                    columns = [*map(str, existing.columns), "replaced_at"]
                    _create_history(conn, history, schema, columns)
                hist = sa.Table(history, meta, schema=schema, autoload_with=conn)
                rows = replaced.astype(object).where(replaced.notna(), None).to_dict("records")
                conn.execute(
                    hist.insert(),
                    [{**{k: _text(v) for k, v in r.items()}, "replaced_at": stamp} for r in rows],
                )
                quote = conn.dialect.identifier_preparer
                delete = sa.text(
                    f"DELETE FROM {quote.format_table(target)} "
                    f"WHERE {quote.quote(acc)} = :a AND {quote.quote(month)} = :m"
                )  # untyped parameters: the values exactly as read back
                conn.execute(delete, [{"a": r[acc], "m": r[month]} for r in rows])
            merged = _merge(replaced.reset_index(drop=True), monthly, names)
            month_type = target.c[month].type
            new_rows = []
            for record in merged.to_dict("records"):
                value = record[month]
                if isinstance(month_type, (sa.Date, sa.DateTime)):
                    value = dt.date.fromisoformat(str(value)[:10])
                new_rows.append(
                    {k: (None if v == "" else v) for k, v in {**record, month: value}.items()}
                )
            conn.execute(target.insert(), new_rows)
    except sa.exc.SQLAlchemyError as exc:
        raise DataSourceError(
            f"Writing the targets into {mask_url(str(url))} failed; nothing was changed "
            f"(the transaction was rolled back): {str(exc).splitlines()[0]}"
        ) from exc
    finally:
        engine.dispose()
    return StoreResult(f"table {table_name!r}", history if len(replaced) else "", len(monthly))


def _create(conn, name: str, schema: str | None, names: dict[str, str]) -> None:
    import sqlalchemy as sa

    types = {"month": sa.Date(), "revenue_target": sa.Float(), "visits_target": sa.Float()}
    columns = [sa.Column(user, types.get(model, sa.Text())) for model, user in names.items()]
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


__all__ = ["StoreResult", "write_targets"]
