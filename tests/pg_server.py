"""A throwaway PostgreSQL server for tests and benchmarks.

Uses the server binaries of Debian's ``postgresql`` package (``initdb`` and
``pg_ctl`` under ``/usr/lib/postgresql/<version>/bin``, or on ``PATH``): a
fresh cluster in a temporary directory, listening on a free port of
127.0.0.1 only, password authentication (SCRAM) for every connection, no
system service. PostgreSQL refuses to run as root, so as root the server runs
as ``nobody``. :meth:`PgServer.stop` stops it and removes the directory.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "kam_admin"
RUN_AS = "nobody"  # when started as root


def pg_binary_candidates(name: str) -> list[str]:
    """``name`` on PATH first, then in Debian's versioned folders, newest version first."""

    def version(path: str) -> float:
        try:
            return float(Path(path).parts[-3])
        except (ValueError, IndexError):
            return 0.0

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version, reverse=True)
    return [name, *found]


def pg_binary(name: str) -> str | None:
    for candidate in pg_binary_candidates(name):
        path = shutil.which(candidate)
        if path:
            return path
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgServer:
    """A running server; ``url(database)`` builds a SQLAlchemy URL without the password."""

    directory: Path
    port: int
    password: str
    pg_ctl: str
    user: str = SUPERUSER
    host: str = "127.0.0.1"

    def url(self, database: str = "postgres", *, user: str | None = None) -> str:
        return f"postgresql://{user or self.user}@{self.host}:{self.port}/{database}"

    def admin_url(self, database: str = "postgres") -> str:
        """A URL with the password, for the test's own set-up connections only."""
        return (
            f"postgresql+psycopg://{self.user}:{self.password}@{self.host}:{self.port}/{database}"
        )

    def create_database(self, name: str) -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(self.admin_url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()

    def stop(self) -> None:
        if (self.directory / "data" / "postmaster.pid").exists():
            _run(
                [self.pg_ctl, "stop", "-D", str(self.directory / "data"), "-m", "fast", "-w"],
                check=False,
            )
        shutil.rmtree(self.directory, ignore_errors=True)


def start_server(password: str = "s3cret-Pg-only-for-tests", timeout: float = 60) -> PgServer:
    """Create a cluster in a new temporary directory and start it; raises RuntimeError."""
    initdb, pg_ctl = pg_binary("initdb"), pg_binary("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("initdb/pg_ctl not found (Debian: apt-get install postgresql)")
    # as root, the server user must reach the directory: /tmp, not a private TMPDIR
    parent = "/tmp" if os.geteuid() == 0 and Path("/tmp").is_dir() else None
    directory = Path(tempfile.mkdtemp(prefix="kamreport-pg-", dir=parent))
    data = directory / "data"
    pwfile = directory / "pwfile"
    pwfile.write_text(password + "\n", encoding="utf-8")
    if os.geteuid() == 0:
        shutil.chown(directory, RUN_AS)
        shutil.chown(pwfile, RUN_AS)
    directory.chmod(0o700)
    pwfile.chmod(0o600)
    port = free_port()
    server = PgServer(directory, port, password, pg_ctl)
    try:
        _run(
            [
                initdb,
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--pwfile",
                str(pwfile),
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        pwfile.unlink()
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} "
            f"-c unix_socket_directories={directory} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=40"
        )
        _run(
            [
                pg_ctl,
                "start",
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(directory / "server.log"),
                "-w",
                "-t",
                str(int(timeout)),
            ]
        )
    except BaseException:
        log = directory / "server.log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        server.stop()
        if detail:
            raise RuntimeError(f"PostgreSQL did not start:\n{detail}") from None
        raise
    atexit.register(server.stop)  # also when the run is interrupted
    _wait_ready(port, timeout)
    return server


def _wait_ready(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"PostgreSQL did not accept connections on port {port}")


def _run(command: list[str], *, check: bool = True) -> None:
    if os.geteuid() == 0:
        command = ["runuser", "-u", RUN_AS, "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, cwd="/", check=False)
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )


# The sample data as a company database would hold it: its own table and column names.
# accounts: Chinese names; order_lines: SAP-style names in a schema of their own;
# products: read through a query; invoices: through a view; the rest: erp_<table> with
# C_<COLUMN> columns (upper case, so every identifier needs quoting).
ERP_NAMES: dict[str, tuple[str, dict[str, str]]] = {
    "accounts": (
        "客户",
        {
            "account_id": "客户编号",
            "name": "客户名称",
            "name_en": "英文名称",
            "parent_id": "上级客户",
            "industry": "行业",
            "region": "区域",
            "country": "国家",
            "size_band": "规模",
            "ka_manager": "客户经理",
            "customer_since": "合作起始",
            "influence": "影响力",
            "address": "地址",
        },
    ),
    "order_lines": (
        "vertrieb.auftrag_pos",
        {
            "order_id": "AUFNR",
            "line_no": "POSNR",
            "account_id": "KUNNR",
            "product_id": "MATNR",
            "order_date": "AUDAT",
            "quantity": "MENGE",
            "net_amount": "NETWR",
            "cost_amount": "WAVWR",
            "list_amount": "BRTWR",
            "currency": "WAERK",
        },
    ),
}
QUERY_TABLES = {
    "products": (
        "erp_material",
        "SELECT matnr, maktx, maktx_en, matkl, meins FROM erp_material WHERE NOT geloescht",
        {"matnr": "product_id", "maktx": "name", "maktx_en": "name_en", "matkl": "category",
         "meins": "unit"},
    ),
}  # fmt: skip
VIEW_TABLES = {"invoices": "v_rechnungen"}


def erp_name(table: str, column: str | None = None) -> str:
    """The database's name for a data-model table (or one of its columns)."""
    if table in ERP_NAMES:
        name, columns = ERP_NAMES[table]
        return name if column is None else columns[column]
    return f"erp_{table}" if column is None else f"C_{column.upper()}"


def load_erp_sample(admin_url: str, tables: dict, *, grant_to: str | None = None) -> dict:
    """Write the sample ``tables`` into the database under ERP names; the ``data`` params.

    Amounts of order lines are NUMERIC (as ERPs keep them), others double
    precision; dates are DATE. Rows are copied with COPY; the account columns
    and the order date get an index, as in an ERP. ``grant_to`` gets SELECT on
    everything.
    """
    import numpy as np
    import pandas as pd
    import sqlalchemy as sa

    engine = sa.create_engine(admin_url)
    meta = sa.MetaData()
    data_tables: dict[str, str] = {}
    data_columns: dict[str, dict[str, str]] = {}
    frames = {}
    for name, frame in tables.items():
        if name in QUERY_TABLES:
            physical, query, mapping = QUERY_TABLES[name]
            ours_to_theirs = {v: k for k, v in mapping.items()}
            frame = frame.rename(columns=ours_to_theirs).assign(geloescht=False)
            data_tables[name] = query
            data_columns[name] = mapping
            schema, table_name = None, physical
        else:
            qualified = erp_name(name)
            schema, _, table_name = qualified.rpartition(".")
            data_columns[name] = {erp_name(name, c): c for c in frame.columns}
            frame = frame.rename(columns={c: erp_name(name, c) for c in frame.columns})
            data_tables[name] = VIEW_TABLES.get(name, qualified)
        columns = []
        for column in frame.columns:
            dtype = frame[column].dtype
            if pd.api.types.is_datetime64_any_dtype(dtype):
                kind = sa.Date()
            elif pd.api.types.is_bool_dtype(dtype):
                kind = sa.Boolean()
            elif pd.api.types.is_integer_dtype(dtype):
                kind = sa.BigInteger()
            elif pd.api.types.is_float_dtype(dtype):
                kind = sa.Numeric() if name == "order_lines" else sa.Double()
            else:
                kind = sa.Text()
            columns.append(sa.Column(column, kind))
        frames[(schema or None, table_name)] = frame
        sa.Table(table_name, meta, *columns, schema=schema or None)
    with engine.begin() as conn:
        for schema in {s for s, _ in frames if s}:
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        meta.create_all(conn)
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:
            for (schema, table_name), frame in frames.items():
                target = f'"{schema}"."{table_name}"' if schema else f'"{table_name}"'
                names = ", ".join(f'"{c}"' for c in frame.columns)
                cells = []
                for column in frame.columns:
                    values = frame[column]
                    if pd.api.types.is_datetime64_any_dtype(values.dtype):
                        cells.append(np.array(values.dt.date.astype(object), dtype=object))
                    else:
                        cells.append(values.astype(object).to_numpy().copy())
                    cells[-1][values.isna().to_numpy()] = None
                with cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
                    for row in zip(*cells, strict=True):
                        copy.write_row(row)
        # indexes an ERP has: by customer, and order lines by date
        for (schema, table_name), frame in frames.items():
            target = f'"{schema}"."{table_name}"' if schema else f'"{table_name}"'
            for column in frame.columns:
                if column in ("KUNNR", "AUDAT", "C_ACCOUNT_ID", "客户编号"):
                    conn.execute(sa.text(f'CREATE INDEX ON {target} ("{column}")'))
            conn.execute(sa.text(f"ANALYZE {target}"))
        for name, view in VIEW_TABLES.items():
            columns = ", ".join(f'"{erp_name(name, c)}"' for c in tables[name].columns)
            conn.execute(
                sa.text(f'CREATE VIEW "{view}" AS SELECT {columns} FROM "{erp_name(name)}"')
            )
        if grant_to:
            for schema in {"public", *(s for s, _ in frames if s)}:
                conn.execute(sa.text(f'GRANT USAGE ON SCHEMA "{schema}" TO {grant_to}'))
                conn.execute(
                    sa.text(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {grant_to}')
                )
    engine.dispose()
    return {"tables": data_tables, "columns": data_columns}


def create_role(admin_url: str, role: str, password: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
        if exists.scalar() is None:
            conn.execute(sa.text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
    engine.dispose()


if __name__ == "__main__":  # start one by hand: python tests/pg_server.py
    srv = start_server()
    print(f"Running on port {srv.port} in {srv.directory}; PGPASSWORD={srv.password}")
    print(f"data.source: {srv.url()}   (Enter stops it)")
    try:
        input()
    finally:
        srv.stop()
