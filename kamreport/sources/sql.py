"""A database reached through a SQLAlchemy URL (``sqlite:///data/kam.db``, ``postgresql://…``).

Each data-model table is read from the table of the same name, from the table
named in ``data.tables``, or from a query when that value starts with SELECT or
WITH. Columns arrive typed and are validated as they are. Passwords in URLs
never appear in messages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, NoSuchTableError, SQLAlchemyError

from kamreport.errors import DataSourceError, Issue
from kamreport.params import DataParams
from kamreport.schema import TABLES
from kamreport.sources.raw import RawData, RawTable, map_columns, match_name, unknown_mapped_tables

_QUERY = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)


def is_query(text: str) -> bool:
    """True when a ``data.tables`` value is a SQL query rather than a table name."""
    return bool(_QUERY.match(text))


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***``, safe to print."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError, TypeError):
        return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def read_database(url: str, data: DataParams, base_dir: Path) -> RawData:
    """Read every data-model table the database holds (or the queries in ``data.tables``)."""
    masked = mask_url(url)
    parsed = _parse(url, masked, base_dir)
    try:
        engine = sa.create_engine(parsed)
    except NoSuchModuleError as exc:
        raise DataSourceError(
            f"No database driver for {masked!r} ({_scrub(exc, parsed)}). Install the driver "
            "for your database, e.g. pip install psycopg (PostgreSQL) or pymysql (MySQL)."
        ) from exc
    except (ArgumentError, ImportError) as exc:
        raise DataSourceError(
            f"Cannot use database URL {masked!r}: {_scrub(exc, parsed)}. Check the URL and "
            "that the database driver is installed."
        ) from exc
    try:
        try:
            conn = engine.connect()
        except SQLAlchemyError as exc:
            raise DataSourceError(
                f"Cannot connect to database {masked!r}: {_scrub(exc, parsed)}. Check host, "
                "port, database name, user and password, and that the database server is running."
            ) from exc
        with conn:
            try:
                return _read_all(conn, masked, data)
            except SQLAlchemyError as exc:
                raise DataSourceError(
                    f"Cannot read from database {masked!r}: {_scrub(exc, parsed)}. Check that "
                    "the user may read the tables."
                ) from exc
    finally:
        engine.dispose()


def _parse(url: str, masked: str, base_dir: Path) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise DataSourceError(
            f"Database URL {masked!r} is not valid. Write it as "
            "dialect://user:password@host:port/database, e.g. sqlite:///data/kam.db or "
            "postgresql://kam@dbhost/erp."
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise DataSourceError(
                f"Database URL {masked!r} names no database file. Write it as "
                "sqlite:///path/to/file.db (three slashes for a relative path)."
            )
        path = Path(database)
        if not path.is_absolute():
            path = base_dir / path
        if not path.is_file():
            raise DataSourceError(
                f"SQLite database file {database!r} not found (looked at {path}). "
                "Check the path in data.source (sqlite:///relative/path.db or "
                "sqlite:////absolute/path.db)."
            )
        parsed = parsed.set(database=str(path))
    return parsed


def _scrub(exc: BaseException, url: URL) -> str:
    """An exception's first line, without the password even if a driver echoes it."""
    inner = getattr(exc, "orig", None) or exc
    text = str(inner).strip().splitlines()[0] if str(inner).strip() else type(inner).__name__
    if url.password:
        text = text.replace(str(url.password), "***")
    return text


def _read_all(conn: sa.Connection, masked: str, data: DataParams) -> RawData:
    inspector = sa.inspect(conn)
    names = [*inspector.get_table_names(), *inspector.get_view_names()]
    tables: dict[str, RawTable] = {}
    issues: list[Issue] = unknown_mapped_tables(data.tables, data.columns, masked)
    looked_for: dict[str, str] = {}
    unreadable: set[str] = set()

    for table in TABLES:
        wanted = str(data.tables.get(table.name, table.name)).strip()
        if is_query(wanted):
            source = f"query for {table.name}"
            short, noun = f"the query for {table.name}", "query result"
            try:
                frame = pd.read_sql(sa.text(wanted), conn)
            except (SQLAlchemyError, pd.errors.DatabaseError) as exc:
                conn.rollback()
                issues.append(
                    Issue(
                        "error",
                        "query_failed",
                        table.name,
                        f"The query in data.tables.{table.name} failed: {_first_line(exc)}.",
                        source=source,
                        fix="Run the query in a database client, correct it and try again.",
                    )
                )
                unreadable.add(table.name)
                continue
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
            try:
                reflected = sa.Table(
                    found, sa.MetaData(), schema=schema or None, autoload_with=conn
                )
                frame = pd.read_sql(sa.select(reflected), conn)
            except NoSuchTableError:
                looked_for[table.name] = f"a table or view named {wanted}"
                issues.append(_mapped_table_missing(table.name, wanted, masked, names))
                unreadable.add(table.name)
                continue
        mapped, headers, mapping_issues = map_columns(
            frame,
            table,
            data.columns.get(table.name, {}),
            source=source,
            short=short,
            noun=noun,
        )
        issues.extend(mapping_issues)
        tables[table.name] = RawTable(
            table.name,
            mapped.reset_index(drop=True),
            source,
            short,
            noun,
            headers,
            first_row=1,
            row_key=table.key,
        )

    return RawData(
        tables,
        f"database {masked}",
        masked,
        "sql",
        tuple(issues),
        looked_for,
        tuple(names),
        frozenset(unreadable),
    )


def _first_line(exc: Exception) -> str:
    if isinstance(exc.__cause__, SQLAlchemyError):  # pandas wraps the database's error
        exc = exc.__cause__
    inner = getattr(exc, "orig", None) or exc
    return str(inner).strip().splitlines()[0].rstrip(".")


def _mapped_table_missing(table: str, wanted: str, masked: str, names: list[str]) -> Issue:
    return Issue(
        "error",
        "missing_table",
        table,
        f"data.tables.{table} names {wanted!r}, which is not in the database.",
        source=masked,
        expected=f"a table or view named {wanted}",
        found="tables: " + (", ".join(names) or "none"),
        fix=f"Correct data.tables.{table}, or write a query there (SELECT …).",
    )
