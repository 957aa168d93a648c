"""A database reached through a SQLAlchemy URL (``sqlite:///data/kam.db``, ``postgresql://…``).

Each data-model table is read from the table of the same name, from the table
named in ``data.tables``, or from a query when that value starts with SELECT or
WITH. Only the columns that map to the data model are read, and with a
:class:`~kamreport.sources.pushdown.ReadScope` the rows are filtered in SQL.
Columns arrive typed and are validated as they are.

Credentials never go into the params file (:mod:`kamreport.sources.dburl`);
passwords never appear in messages.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from pandas.api.types import infer_dtype
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, NoSuchTableError, SQLAlchemyError

from kamreport.dataset import TEXT_DTYPE
from kamreport.errors import DataSourceError, Issue
from kamreport.params import DataParams
from kamreport.schema import TABLES, Table
from kamreport.sources.dburl import database_url, mask_url, parse_url, scrub
from kamreport.sources.pushdown import (
    DATED_TABLES,
    ReadScope,
    SourceColumn,
    is_date_type,
    is_text_type,
    scoped_select,
)
from kamreport.sources.raw import (
    RawData,
    RawTable,
    map_columns,
    mapped_name_missing,
    match_name,
    unknown_mapped_tables,
)

__all__ = ["database_url", "is_query", "mask_url", "read_database"]

_QUERY = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)
_PERMISSION_STATES = ("42501",)  # insufficient_privilege


def is_query(text: str) -> bool:
    """True when a ``data.tables`` value is a SQL query rather than a table name."""
    return bool(_QUERY.match(text))


def read_database(
    url: str, data: DataParams, base_dir: Path, scope: ReadScope | None = None
) -> RawData:
    """Read every data-model table the database holds (or the queries in ``data.tables``)."""
    masked = mask_url(url)
    parsed = parse_url(url, masked, base_dir)
    try:
        engine = sa.create_engine(parsed)
    except NoSuchModuleError as exc:
        raise DataSourceError(
            f"No database driver for {masked!r} ({scrub(exc, parsed)}). Install the driver "
            "for your database, e.g. pip install 'psycopg[binary]' (PostgreSQL) or pymysql "
            "(MySQL)."
        ) from exc
    except (ArgumentError, ImportError) as exc:
        raise DataSourceError(
            f"Cannot use database URL {masked!r}: {scrub(exc, parsed)}. Check the URL and "
            "that the database driver is installed."
        ) from exc
    try:
        try:
            conn = engine.connect()
        except SQLAlchemyError as exc:
            raise DataSourceError(
                f"Cannot connect to database {masked!r}: {scrub(exc, parsed)}. Check host, "
                "port, database name and user, that the password is in PGPASSWORD, ~/.pgpass "
                "or your service file (PostgreSQL), and that the database server is running."
            ) from exc
        with conn:
            try:
                return _read_all(conn, masked, data, scope, parsed)
            except SQLAlchemyError as exc:
                raise DataSourceError(
                    f"Cannot read from database {masked!r}: {scrub(exc, parsed)}. Check that "
                    "the user may read the tables."
                ) from exc
    finally:
        engine.dispose()


def _read_all(
    conn: sa.Connection, masked: str, data: DataParams, scope: ReadScope | None, url: URL
) -> RawData:
    inspector = sa.inspect(conn)
    names = sorted({*inspector.get_table_names(), *inspector.get_view_names()})
    tables: dict[str, RawTable] = {}
    issues: list[Issue] = unknown_mapped_tables(data.tables, data.columns, masked)
    looked_for: dict[str, str] = {}
    unreadable: set[str] = set()
    latest: dt.date | None = None
    until: dt.date | None = None
    typed_dates = conn.dialect.name != "sqlite"  # SQLite keeps dates as text in any format

    # order_lines first: its as-of bound is known before the others are read
    for table in sorted(TABLES, key=lambda t: t.name != "order_lines"):
        wanted = str(data.tables.get(table.name, table.name)).strip()
        if is_query(wanted):
            source = f"query for {table.name}"
            short, noun = f"the query for {table.name}", "query result"
            located = _locate_query(conn, wanted)
        else:
            schema, _, bare = wanted.rpartition(".")
            found = match_name(bare, names) if not schema else bare
            if found is None:
                looked_for[table.name] = f"a table or view named {wanted}"
                if table.name in data.tables:
                    issues.append(_mapped_table_missing(table.name, wanted, masked, names))
                    unreadable.add(table.name)
                continue
            source, short, noun = f"database table {found}", f"database table {found}", "table"
            located = _locate_table(inspector, found, schema or None, typed_dates)
        if isinstance(located, Exception):
            issues.append(_read_failed(table.name, wanted, source, located, url))
            unreadable.add(table.name)
            continue
        from_clause, headers, kinds = located
        columns, mapping_issues = _mapped_columns(headers, kinds, table, data, source, short, noun)
        issues.extend(mapping_issues)
        if noun == "query result" and typed_dates and table.name in DATED_TABLES:
            columns = _query_dates(conn, from_clause, columns, table.name)
        if table.name in DATED_TABLES and scope is not None and scope.limit_to_as_of:
            latest, until = _as_of_bound(conn, from_clause, columns, table.name, scope)
        try:
            if columns:
                frame = _fetch(conn, scoped_select(from_clause, columns, table.name, scope, until))
            else:  # nothing maps: validation lists the missing columns, as for a file
                count = conn.execute(sa.select(sa.func.count()).select_from(from_clause)).scalar()
                frame = pd.DataFrame(index=range(int(count or 0)))
            later = _later_accounts(conn, from_clause, columns, table.name, until)
        except (SQLAlchemyError, pd.errors.DatabaseError) as exc:
            conn.rollback()
            issues.append(_read_failed(table.name, wanted, source, exc, url))
            unreadable.add(table.name)
            continue
        tables[table.name] = RawTable(
            table.name,
            _native(frame.reset_index(drop=True)),
            source,
            short,
            noun,
            tuple(headers),
            first_row=1,
            row_key=table.key,
            later_accounts=later,
        )

    limits = scope.describe(until) if scope is not None else ""
    return RawData(
        tables,
        f"database {masked}" + (f" ({limits})" if limits else ""),
        masked,
        "sql",
        tuple(issues),
        looked_for,
        tuple(names),
        frozenset(unreadable),
        latest_order_date=latest,
    )


def _fetch(conn: sa.Connection, select: sa.Select) -> pd.DataFrame:
    """Run ``select`` and build the frame from the driver's rows (no per-row objects)."""
    result = conn.execute(select)
    try:
        names = list(result.keys())
        rows = result.cursor.fetchall() if result.cursor is not None else []
    finally:
        result.close()
    frame = pd.DataFrame.from_records(rows, columns=names, coerce_float=True)
    return frame


def _native(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns of Python dates or strings as pandas dates or text, so validation stays fast.

    Dates become ``datetime64[us]`` (wide enough for 0001-01-01, which validation
    then reports as out of range); anything mixed is left to validation as is.
    """
    for name in frame.columns:
        values = frame[name]
        if values.dtype != object:
            continue
        kind = infer_dtype(values, skipna=True)
        if kind == "date":
            codes, uniques = pd.factorize(values)  # few distinct days, many rows
            days = np.array(list(uniques), dtype="datetime64[D]").astype("datetime64[us]")
            taken = np.where(codes >= 0, days[np.maximum(codes, 0)], np.datetime64("NaT"))
            frame[name] = pd.Series(taken.astype("datetime64[us]"), index=frame.index)
        elif kind == "string":
            frame[name] = values.astype(TEXT_DTYPE)
    return frame


_Located = tuple[sa.FromClause, list[str], dict[str, tuple[bool, bool]]]


def _locate_table(
    inspector: sa.Inspector, name: str, schema: str | None, typed_dates: bool
) -> _Located | Exception:
    """The table (columns only: one catalog query), its column names, and per column
    (is a date, is text)."""
    try:
        reflected = inspector.get_columns(name, schema=schema)
    except NoSuchTableError as exc:
        return exc
    except SQLAlchemyError as exc:
        inspector.bind.rollback()  # type: ignore[union-attr]
        return exc
    table = sa.table(name, *[sa.column(c["name"], c["type"]) for c in reflected], schema=schema)
    kinds = {
        c["name"]: (typed_dates and is_date_type(c["type"]), is_text_type(c["type"]))
        for c in reflected
    }
    return table, [c["name"] for c in reflected], kinds


def _locate_query(conn: sa.Connection, query: str) -> _Located | Exception:
    """The query as a subquery and its column names (from a ``LIMIT 0`` run)."""
    text = query.strip().rstrip(";")
    try:
        wrapped = sa.select(sa.text("*")).select_from(sa.text(f"({text}) AS q")).limit(0)
        probe = conn.execute(wrapped)
        headers = [str(k) for k in probe.keys()]  # noqa: SIM118 - a Result, not a dict
        probe.close()
    except SQLAlchemyError as exc:
        conn.rollback()
        return exc
    subquery = sa.text(text).columns(*[sa.column(h) for h in headers]).subquery("q")
    return subquery, headers, {h: (False, False) for h in headers}


def _query_dates(
    conn: sa.Connection, source: sa.FromClause, columns: list[SourceColumn], table: str
) -> list[SourceColumn]:
    """Mark the query's date column as typed when it returns real dates (one-row probe)."""
    wanted = DATED_TABLES.get(table)
    out = []
    for column in columns:
        if column.model == wanted:
            values = source.c[column.name]
            try:
                value = conn.execute(sa.select(values).where(values.is_not(None)).limit(1)).scalar()
            except SQLAlchemyError:
                conn.rollback()
                value = None
            column = SourceColumn(column.name, column.model, isinstance(value, dt.date))
        out.append(column)
    return out


def _mapped_columns(
    headers: list[str],
    kinds: dict[str, tuple[bool, bool]],
    table: Table,
    data: DataParams,
    source: str,
    short: str,
    noun: str,
) -> tuple[list[SourceColumn], list[Issue]]:
    """The database columns that map to the data model, with the loader's usual issues."""
    positions = pd.DataFrame([list(range(len(headers)))], columns=headers)
    mapped, _, issues = map_columns(
        positions, table, data.columns.get(table.name, {}), source=source, short=short, noun=noun
    )
    columns = []
    for model in mapped.columns:
        name = headers[int(mapped[model].iloc[0])]
        is_date, is_text = kinds.get(name, (False, False))
        columns.append(SourceColumn(name, str(model), is_date, is_text))
    return columns, issues


def _as_of_bound(
    conn: sa.Connection,
    source: sa.FromClause,
    columns: list[SourceColumn],
    table: str,
    scope: ReadScope,
) -> tuple[dt.date | None, dt.date | None]:
    """The source's last order date and the date order lines are read up to (None: no bound)."""
    from kamreport.analytics.periods import default_as_of

    column = next((c for c in columns if c.model == DATED_TABLES[table]), None)
    if column is None or not column.typed_date:
        return None, None
    try:
        last = conn.execute(sa.select(sa.func.max(source.c[column.name]))).scalar()
    except SQLAlchemyError:
        conn.rollback()
        return None, None
    if not isinstance(last, dt.date):
        return None, None
    latest = last.date() if isinstance(last, dt.datetime) else last
    until = scope.as_of if scope.as_of is not None else default_as_of(latest)
    return latest, until


def _later_accounts(
    conn: sa.Connection,
    source: sa.FromClause,
    columns: list[SourceColumn],
    table: str,
    until: dt.date | None,
) -> frozenset[str]:
    """Accounts with order lines after the as-of bound (only those rows are scanned), so
    validation does not call them accounts without orders."""
    by_model = {c.model: c for c in columns}
    date_column = by_model.get(DATED_TABLES.get(table, ""))
    account = by_model.get("account_id")
    if until is None or date_column is None or not date_column.typed_date or account is None:
        return frozenset()
    next_day = sa.literal(until + dt.timedelta(days=1), sa.Date)
    query = (
        sa.select(source.c[account.name]).where(source.c[date_column.name] >= next_day).distinct()
    )
    return frozenset(str(v).strip() for v in conn.execute(query).scalars() if v is not None)


def _read_failed(table: str, wanted: str, source: str, exc: Exception, url: URL) -> Issue:
    """A table or query the database would not hand over: permission, missing, bad SQL."""
    state = getattr(getattr(exc, "orig", None), "sqlstate", None)
    detail = scrub(exc, url).rstrip(".")
    where = f"data.tables.{table}"
    if state in _PERMISSION_STATES:
        user = url.username or "the user in data.source"
        return Issue(
            "error",
            "permission_denied",
            table,
            f"The database refused to hand over {source}: {detail}.",
            source=source,
            fix=f"Ask your database administrator to GRANT SELECT on it to {user}, or point "
            f"{where} at a table or view you may read.",
        )
    if is_query(wanted):
        return Issue(
            "error",
            "query_failed",
            table,
            f"The query in {where} failed: {detail}.",
            source=source,
            fix="Run the query in a database client, correct it and try again.",
        )
    return Issue(
        "error",
        "read_failed",
        table,
        f"Cannot read {source}: {detail}.",
        source=source,
        fix=f"Check {where} and that the user may read the table.",
    )


def _mapped_table_missing(table: str, wanted: str, masked: str, names: list[str]) -> Issue:
    return mapped_name_missing(
        table, named=repr(wanted), place="the database", source=masked,
        expected=f"a table or view named {wanted}", kind="tables", names=names,
        fix=f"Correct data.tables.{table}, or write a query there (SELECT …).",
    )  # fmt: skip
