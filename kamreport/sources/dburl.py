"""Database URLs: the driver to use, credentials from outside the params file, safe printing.

A URL with a literal password is refused: a params file is shared, versioned and
copied into every manifest. PostgreSQL takes the password from ``PGPASSWORD``,
``~/.pgpass`` or a service file (libpq reads them); any database may write it
as ``${ENV_VARIABLE}``. :func:`mask_url` and :func:`scrub` keep passwords out
of messages.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from kamreport.errors import DataSourceError

_ENV_PASSWORD = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
# Driver-less URLs whose default DBAPI is not installed: use psycopg (v3) for PostgreSQL.
_DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


# Query parameters that carry secrets (libpq accepts ?password=…).
_SECRET_QUERY_KEYS = ("password", "sslpassword", "passfile_password")


def mask_url(url: str) -> str:
    """The URL with its password (in the user part or the query) replaced by ``***``."""
    try:
        parsed = make_url(url)
        secret = {k: "***" for k in parsed.query if k.lower() in _SECRET_QUERY_KEYS}
        rendered = parsed.update_query_dict(secret).render_as_string(hide_password=True)
        return rendered.replace("%2A%2A%2A", "***")
    except (ArgumentError, ValueError, TypeError):
        masked = re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)
        return re.sub(r"((?:ssl)?password=)[^&]*", r"\1***", masked, flags=re.IGNORECASE)


def database_url(source: str, base_dir: Path) -> URL:
    """The URL to connect with for ``data.source``: PostgreSQL driver chosen, the password
    taken from the environment (a literal one refused), a SQLite path resolved against
    ``base_dir``. Raises :class:`DataSourceError` naming the masked URL."""
    url = source.strip() if "://" in source else f"sqlite:///{source.strip()}"
    return parse_url(url, mask_url(url), base_dir)


def parse_url(url: str, masked: str, base_dir: Path) -> URL:
    """``url`` ready to connect with; every problem a :class:`DataSourceError` naming ``masked``."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise DataSourceError(
            f"Database URL {masked!r} is not valid. Write it as "
            "dialect://user@host:port/database, e.g. sqlite:///data/kam.db or "
            "postgresql://kam@dbhost/erp."
        ) from exc
    parsed = _credentials(parsed, masked)
    if parsed.drivername in _DRIVERS:
        parsed = parsed.set(drivername=_DRIVERS[parsed.drivername])
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


def _credentials(parsed: URL, masked: str) -> URL:
    """Refuse a literal password; fill in ``${VARIABLE}`` from the environment."""
    password = parsed.password
    in_query = [k for k in parsed.query if k.lower() in _SECRET_QUERY_KEYS]
    if password is None and not in_query:
        return parsed
    wanted = None if in_query else _ENV_PASSWORD.match(str(password))
    if wanted is None:
        raise DataSourceError(
            f"data.source {masked!r} contains a password. Passwords do not belong there: "
            "params files are shared, versioned and recorded in every report's manifest, "
            "command lines end up in shell histories. Remove it from the URL and supply it "
            "outside: for PostgreSQL in the PGPASSWORD "
            "environment variable, a ~/.pgpass file or a service file (postgresql:///?service="
            "name); for any database as ${VARIABLE} in the URL "
            "(postgresql://kam:${KAM_DB_PASSWORD}@dbhost/erp) with the variable set in the "
            "environment."
        )
    name = wanted.group(1)
    value = os.environ.get(name)
    if not value:
        raise DataSourceError(
            f"data.source {masked!r} takes its password from the environment variable {name}, "
            f"which is not set. Set it before the run (export {name}=…) or use ~/.pgpass."
        )
    return parsed.set(password=value)


def scrub(exc: BaseException, url: URL) -> str:
    """An exception's first line, without the password even if a driver echoes it."""
    inner = getattr(exc, "orig", None) or exc
    text = str(inner).strip().splitlines()[0] if str(inner).strip() else type(inner).__name__
    for secret in (url.password, os.environ.get("PGPASSWORD")):
        if secret:
            text = text.replace(str(secret), "***")
    return text
