"""Account data straight from PostgreSQL, against a real throwaway server.

The sample data goes into the server under ERP-style names (Chinese, SAP-style,
a query, a view, a schema); the reports read from it must equal those from the
CSV export. Needs Debian's postgresql package (skipped without it, failing in CI).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml
from conftest import ROOT, require_tool
from pg_server import create_role, load_erp_sample, pg_binary_candidates

from kamreport.errors import DataSourceError
from kamreport.loading import check_dataset, load_dataset
from kamreport.params import DataParams, load_params
from kamreport.repeated_text import stored_once
from kamreport.sources import ReadScope

pytestmark = pytest.mark.system

READER, READER_PASSWORD = "kam_reader", "Rd-9f2!only-here"
LIMITED, LIMITED_PASSWORD = "kam_limited", "Lm-4k7!only-here"
AS_OF = dt.date(2025, 12, 31)  # well before the end of the sample: the bound must bite


@pytest.fixture(scope="session")
def pg():
    require_tool(*pg_binary_candidates("initdb"))
    require_tool(*pg_binary_candidates("pg_ctl"))
    from pg_server import start_server

    server = start_server()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def erp(pg, sample_tables) -> dict:
    """The sample in database ``erp``: the ``data`` params to read it as kam_reader."""
    pg.create_database("erp")
    create_role(pg.admin_url(), READER, READER_PASSWORD)
    mapping = load_erp_sample(pg.admin_url("erp"), sample_tables, grant_to=READER)
    return {"source": pg.url("erp", user=READER), **mapping}


@pytest.fixture
def reader_env(monkeypatch):
    monkeypatch.setenv("PGPASSWORD", READER_PASSWORD)
    monkeypatch.delenv("PGPASSFILE", raising=False)
    monkeypatch.delenv("PGSERVICE", raising=False)


@pytest.fixture(scope="module")
def csv_dataset(sample_dir):
    return load_dataset(DataParams(source=str(sample_dir)))


def _data(erp: dict, **changes) -> DataParams:
    tables = {**erp["tables"], **changes.pop("tables", {})}
    columns = {**erp["columns"], **changes.pop("columns", {})}
    return DataParams(source=changes.pop("source", erp["source"]), tables=tables, columns=columns)


def _same_frame(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Equal tables; either may be rows of a larger table, whose repeated text then keeps
    categories these rows do not use (a table read with only these rows has none)."""
    left = left.reset_index(drop=True)
    right = right.reset_index(drop=True)[list(left.columns)]
    for frame in (left, right):
        for name in frame.columns:
            if isinstance(frame[name].dtype, pd.CategoricalDtype):
                frame[name] = stored_once(frame[name])
    pd.testing.assert_frame_equal(left, right)


def test_database_tables_equal_the_csv_export(erp, reader_env, csv_dataset):
    dataset = load_dataset(_data(erp))
    assert set(dataset.tables) == set(csv_dataset.tables)
    for name, frame in csv_dataset.tables.items():
        _same_frame(frame, dataset.tables[name])
    assert dataset.content_hash() == csv_dataset.content_hash()
    assert [w.code for w in dataset.warnings] == [w.code for w in csv_dataset.warnings]


def _statements(into: list[str]):
    def record(conn, cursor, statement, parameters, context, executemany):
        into.append(statement)

    return record


def test_order_lines_are_read_only_up_to_the_as_of_date(erp, reader_env, csv_dataset):
    seen: list[str] = []
    listener = _statements(seen)
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", listener)
    try:
        scoped = load_dataset(_data(erp), scope=ReadScope(as_of=AS_OF))
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", listener)
    reads = [s for s in seen if "auftrag_pos" in s and '"AUFNR"' in s]
    assert len(reads) == 1, reads
    assert re.search(r'WHERE\s+vertrieb\.auftrag_pos\."AUDAT"\s*<', reads[0]), reads[0]
    assert "WAVWR" in reads[0] and "*" not in reads[0]  # named columns only
    lines = csv_dataset.order_lines
    expected = lines.loc[lines["order_date"] <= pd.Timestamp(AS_OF)]
    assert len(scoped.order_lines) == len(expected) < len(lines)  # rows fetched
    _same_frame(expected, scoped.order_lines)
    # the true last order date survives, so the default as-of date does not move
    assert scoped.last_order_date() == csv_dataset.last_order_date()
    assert "order lines up to 2025-12-31" in scoped.source


def test_default_as_of_bound_and_query_tables_are_pushed_down(erp, reader_env, csv_dataset):
    from kamreport.analytics.periods import default_as_of

    query = 'SELECT * FROM vertrieb.auftrag_pos WHERE "NETWR" IS NOT NULL'
    seen: list[str] = []
    listener = _statements(seen)
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", listener)
    try:
        dataset = load_dataset(_data(erp, tables={"order_lines": query}), scope=ReadScope())
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", listener)
    wrapped = [s for s in seen if query in s and '"AUDAT" <' in s]
    assert wrapped, seen
    until = default_as_of(csv_dataset.last_order_date())
    lines = csv_dataset.order_lines
    assert len(dataset.order_lines) == int((lines["order_date"] <= pd.Timestamp(until)).sum())


def test_account_scope_reads_one_customers_rows(erp, reader_env, csv_dataset):
    dataset = load_dataset(_data(erp), scope=ReadScope(accounts=("KA0001",)))
    assert dataset.accounts["account_id"].tolist() == ["KA0001"]
    for name in ("order_lines", "invoices", "activities", "targets"):
        ours = csv_dataset.tables[name]
        _same_frame(ours.loc[ours["account_id"] == "KA0001"], dataset.tables[name])
    assert len(dataset.tables["products"]) == len(csv_dataset.tables["products"])


def test_value_layer_and_metrics_identical_to_csv(erp, reader_env, csv_dataset):
    from kamreport.analytics.valuation import value_accounts
    from kamreport.context import resolve_as_of
    from kamreport.metrics import account_metrics

    params = load_params(None, {})
    scoped = load_dataset(_data(erp), scope=ReadScope())  # what a report run reads
    as_of = resolve_as_of(params, csv_dataset)
    assert resolve_as_of(params, scoped) == as_of
    ours = value_accounts(csv_dataset, as_of, params.scoring, params.clv)
    theirs = value_accounts(scoped, as_of, params.scoring, params.clv)
    pd.testing.assert_frame_equal(ours, theirs)
    pd.testing.assert_frame_equal(
        account_metrics(csv_dataset, as_of, params), account_metrics(scoped, as_of, params)
    )


# --- a tiny database for messages, permissions and writes ------------------------------------

TINY = """
CREATE TABLE kunden ("KDNR" text, "NAME1" text, "REGION" text);
CREATE TABLE belege ("BELNR" text, "POS" integer, "KDNR" text, "MATNR" text, "DATUM" date,
                     "MENGE" text, "BETRAG" numeric(12, 2));
CREATE TABLE geheim ("KDNR" text, "NOTIZ" text);
CREATE TABLE ziele ("KDNR" text, "MONAT" date, "ZIEL" double precision, "BESUCHE" double precision,
                    CONSTRAINT ziel_plausibel CHECK ("ZIEL" < 1e12));
INSERT INTO kunden VALUES ('K1', '华东饲料', 'East'), ('K2', 'Nordchem', 'North');
INSERT INTO belege VALUES
  ('A100', 1, 'K1', 'P1', '2026-01-15', '5', 1200.50),
  ('A100', 2, 'K1', 'P2', '2026-01-15', 'abc', 300.00),
  ('A101', 1, 'K9', 'P1', '2026-02-03', '2', 800.00);
INSERT INTO ziele VALUES ('K1', '2026-01-01', 1000, 2), ('K2', '2026-01-01', 500, 1);
"""
TINY_TABLES = {"accounts": "kunden", "order_lines": "belege", "targets": "ziele"}
TINY_COLUMNS = {
    "accounts": {"KDNR": "account_id", "NAME1": "name", "REGION": "region"},
    "order_lines": {
        "BELNR": "order_id",
        "POS": "line_no",
        "KDNR": "account_id",
        "MATNR": "product_id",
        "DATUM": "order_date",
        "MENGE": "quantity",
        "BETRAG": "net_amount",
    },
    "targets": {
        "KDNR": "account_id",
        "MONAT": "month",
        "ZIEL": "revenue_target",
        "BESUCHE": "visits_target",
    },
}


@pytest.fixture
def tiny(pg) -> str:
    """A fresh small database (per test); its URL for kam_reader."""
    pg.create_database("tiny")
    create_role(pg.admin_url(), READER, READER_PASSWORD)
    create_role(pg.admin_url(), LIMITED, LIMITED_PASSWORD)
    engine = sa.create_engine(pg.admin_url("tiny"))
    with engine.begin() as conn:
        for statement in TINY.split(";"):
            if statement.strip():
                conn.execute(sa.text(statement))
        conn.execute(
            sa.text(f"GRANT SELECT, INSERT, DELETE ON ALL TABLES IN SCHEMA public TO {READER}")
        )
        conn.execute(sa.text(f"GRANT CREATE ON SCHEMA public TO {READER}"))
        conn.execute(sa.text(f"GRANT SELECT ON kunden, belege TO {LIMITED}"))
    engine.dispose()
    return pg.url("tiny", user=READER)


def _tiny(url: str, **changes) -> DataParams:
    return DataParams(
        source=url,
        tables={**TINY_TABLES, **changes.get("tables", {})},
        columns={**TINY_COLUMNS, **changes.get("columns", {})},
    )


def test_validation_names_the_table_and_row_key_with_the_csv_messages(tiny, reader_env, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "kunden.csv").write_text("KDNR,NAME1,REGION\nK1,华东饲料,East\nK2,Nordchem,North\n")
    (folder / "belege.csv").write_text(
        "BELNR,POS,KDNR,MATNR,DATUM,MENGE,BETRAG\nA100,1,K1,P1,2026-01-15,5,1200.50\n"
        "A100,2,K1,P2,2026-01-15,abc,300.00\nA101,1,K9,P1,2026-02-03,2,800.00\n"
    )
    tables = {"accounts": "kunden.csv", "order_lines": "belege.csv"}
    columns = {k: v for k, v in TINY_COLUMNS.items() if k != "targets"}
    _, from_csv = check_dataset(DataParams(source=str(folder), tables=tables, columns=columns))
    _, from_db = check_dataset(_tiny(tiny, tables={"targets": "ziele"}))
    csv_errors = {(i.code, i.column): i for i in from_csv.errors}
    db_errors = {(i.code, i.column): i for i in from_db.errors}
    assert set(csv_errors) == set(db_errors) and csv_errors
    for key, ours in csv_errors.items():
        theirs = db_errors[key]
        assert theirs.message == ours.message
        assert theirs.fix == ours.fix
    quantity = next(i for i in from_db.errors if i.column == "quantity")
    assert quantity.source == "database table belege"
    assert quantity.row == "order_id=A100, line_no=2"
    assert next(i for i in from_csv.errors if i.column == "quantity").row == 3
    unknown = next(i for i in from_db.errors if i.column == "account_id")
    assert "order_id=A101, line_no=1" in str(unknown)


def test_missing_table_and_column_are_named(tiny, reader_env):
    data = _tiny(
        tiny,
        tables={"order_lines": "beleg"},
        columns={"accounts": {"KDNR": "account_id", "NAME": "name", "REGION": "region"}},
    )
    _, report = check_dataset(data)
    text = report.format()
    assert "data.tables.order_lines names 'beleg', which is not in the database." in text
    assert "tables: belege, geheim, kunden, ziele" in text
    assert "data.columns.accounts names header 'NAME', which is not in database table kunden" in (
        text
    )
    assert READER_PASSWORD not in text


def test_permission_denied_names_the_table(tiny, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", LIMITED_PASSWORD)
    data = _tiny(tiny.replace(READER, LIMITED), tables={"activities": "geheim"},
                 columns={"activities": {"KDNR": "account_id"}})  # fmt: skip
    _, report = check_dataset(data)
    denied = [i for i in report.errors if i.code == "permission_denied"]
    assert sorted(i.table for i in denied) == ["activities", "targets"]
    text = report.format()
    assert "The database refused to hand over database table geheim" in text
    assert f"GRANT SELECT on it to {LIMITED}" in text
    assert LIMITED_PASSWORD not in text


def test_connection_problems_name_the_source_without_credentials(pg, tiny, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "wrong-Pass-123")
    with pytest.raises(DataSourceError) as wrong:
        check_dataset(_tiny(tiny))
    message = str(wrong.value)
    assert f"Cannot connect to database 'postgresql://{READER}@127.0.0.1:{pg.port}/tiny'" in message
    assert "password authentication failed" in message
    assert "wrong-Pass-123" not in message

    monkeypatch.setenv("PGPASSWORD", READER_PASSWORD)
    closed = tiny.replace(f":{pg.port}/", ":1/")
    with pytest.raises(DataSourceError, match=r"Cannot connect to database .*127\.0\.0\.1:1/tiny"):
        check_dataset(_tiny(closed))

    literal = tiny.replace(f"{READER}@", f"{READER}:{READER_PASSWORD}@")
    with pytest.raises(DataSourceError) as refused:
        check_dataset(_tiny(literal))
    assert "contains a password" in str(refused.value)
    assert "PGPASSWORD" in str(refused.value) and "~/.pgpass" in str(refused.value)
    assert READER_PASSWORD not in str(refused.value)


def test_password_from_a_variable_pgpass_or_service_file(pg, tiny, monkeypatch, tmp_path):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    via_variable = tiny.replace(f"{READER}@", f"{READER}:${{KAM_DB_PASSWORD}}@")
    with pytest.raises(DataSourceError, match="environment variable KAM_DB_PASSWORD, which is"):
        check_dataset(_tiny(via_variable))
    monkeypatch.setenv("KAM_DB_PASSWORD", READER_PASSWORD)
    _, report = check_dataset(_tiny(via_variable))
    assert any(i.column == "quantity" for i in report.errors)  # connected and read the rows

    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{pg.port}:tiny:{READER}:{READER_PASSWORD}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    plain = tiny.replace("postgresql://", "postgresql+psycopg://")
    _, report = check_dataset(_tiny(plain))
    assert any(i.column == "quantity" for i in report.errors)  # connected and read the rows

    services = tmp_path / "pg_service.conf"
    services.write_text(f"[kam]\nhost=127.0.0.1\nport={pg.port}\ndbname=tiny\nuser={READER}\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    _, report = check_dataset(_tiny("postgresql:///?service=kam"))
    assert any(i.column == "quantity" for i in report.errors)


def test_cli_validate_never_prints_the_password(tiny, tmp_path):
    params = tmp_path / "db.yaml"
    params.write_text(
        yaml.safe_dump({"data": {"source": tiny, "tables": TINY_TABLES, "columns": TINY_COLUMNS}}),
        encoding="utf-8",
    )
    env = {**os.environ, "PGPASSWORD": READER_PASSWORD}
    done = subprocess.run(
        [sys.executable, "-m", "kamreport.cli", "validate", "--params", str(params)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # the tiny data has errors on purpose
    assert "database table belege" in done.stdout
    assert READER_PASSWORD not in done.stdout + done.stderr


# --- targets written back into the database ----------------------------------------------------


def _monthly(values: dict[str, float], year: int = 2027) -> pd.DataFrame:
    months = pd.date_range(f"{year}-01-01", periods=12, freq="MS")
    rows = [
        {"account_id": a, "month": m, "revenue_target": total / 12}
        for a, total in values.items()
        for m in months
    ]
    return pd.DataFrame(rows)


def _snapshot(pg, table: str) -> pd.DataFrame | None:
    engine = sa.create_engine(pg.admin_url("tiny"))
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(table):
                return None
            frame = pd.read_sql(sa.text(f'SELECT * FROM "{table}"'), conn)
    finally:
        engine.dispose()
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_targets_import_commits_and_keeps_the_previous_version(pg, tiny, reader_env):
    from kamreport.targets_store import write_targets

    data = _tiny(tiny)
    first = write_targets(data, _monthly({"K1": 120_000, "K2": 60_000}))
    assert first.rows == 24 and first.backup == ""
    after_first = _snapshot(pg, "ziele")
    assert len(after_first) == 2 + 24
    second = write_targets(data, _monthly({"K1": 240_000}))
    assert second.backup == "ziele_history"
    table = _snapshot(pg, "ziele")
    k1 = table.loc[(table["KDNR"] == "K1") & (pd.to_datetime(table["MONAT"]).dt.year == 2027)]
    assert len(k1) == 12 and k1["ZIEL"].sum() == pytest.approx(240_000)
    history = _snapshot(pg, "ziele_history")
    assert len(history) == 12 and history["replaced_at"].nunique() == 1
    assert history["ZIEL"].astype(float).sum() == pytest.approx(120_000)
    # the targets read back through the source
    valid_lines = """SELECT * FROM belege WHERE "MENGE" <> 'abc' AND "KDNR" <> 'K9'"""
    dataset = load_dataset(_tiny(tiny, tables={"order_lines": valid_lines}))
    targets = dataset.tables["targets"]
    assert targets.loc[targets["month"].dt.year == 2027, "revenue_target"].sum() == pytest.approx(
        300_000
    )


def test_failing_targets_import_leaves_the_database_as_it_was(pg, tiny, reader_env):
    from kamreport.targets_store import write_targets

    data = _tiny(tiny)
    write_targets(data, _monthly({"K1": 120_000, "K2": 60_000}))
    before, history_before = _snapshot(pg, "ziele"), _snapshot(pg, "ziele_history")
    with pytest.raises(DataSourceError) as failed:
        write_targets(data, _monthly({"K1": 240_000, "K2": 1e14}))  # breaks the CHECK
    assert "nothing was changed" in str(failed.value)
    assert READER_PASSWORD not in str(failed.value)
    pd.testing.assert_frame_equal(_snapshot(pg, "ziele"), before)
    assert history_before is None and _snapshot(pg, "ziele_history") is None


# --- whole reports --------------------------------------------------------------------------


def _run(args: list[str], env: dict, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "kamreport.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _comparable(html: str) -> str:
    """The report without its provenance footer (run time, input hash, source)."""
    html = re.sub(r"<footer.*?</footer>", "", html, flags=re.S)
    return re.sub(r'data-text="Generated [^"]*"', "", html)


@pytest.mark.slow
def test_reports_from_postgres_equal_reports_from_csv(erp, sample_dir, tmp_path):
    pg_params = tmp_path / "erp.yaml"
    pg_params.write_text(
        yaml.safe_dump(
            {"data": {"source": erp["source"], "tables": erp["tables"], "columns": erp["columns"]}},
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    csv_params = tmp_path / "csv.yaml"
    csv_params.write_text(yaml.safe_dump({"data": {"source": str(sample_dir)}}), encoding="utf-8")
    env = {**os.environ, "PGPASSWORD": READER_PASSWORD}
    env.pop("PGPASSFILE", None)
    outputs = {"csv": tmp_path / "out-csv", "pg": tmp_path / "out-pg"}
    streams = ""
    for command in (["report", "--customer", "KA0001"], ["portfolio"]):
        for name, params in (("csv", csv_params), ("pg", pg_params)):
            common = ["--params", str(params), "--output-dir", str(outputs[name])]
            done = _run([*command, *common, "--as-of", "2026-06-30"], env, tmp_path)
            streams += done.stdout + done.stderr
    for relative in ("en/customers/KA0001/report.html", "en/portfolio/portfolio.html"):
        ours = (outputs["csv"] / "2026-06-30" / relative).read_text(encoding="utf-8")
        theirs = (outputs["pg"] / "2026-06-30" / relative).read_text(encoding="utf-8")
        assert _comparable(theirs) == _comparable(ours), relative
    csv_accounts = pd.read_csv(outputs["csv"] / "2026-06-30" / "en" / "portfolio" / "accounts.csv")
    pg_accounts = pd.read_csv(outputs["pg"] / "2026-06-30" / "en" / "portfolio" / "accounts.csv")
    pd.testing.assert_frame_equal(csv_accounts, pg_accounts)
    # credentials appear nowhere: not in output, logs, manifests, notebooks or reports
    assert READER_PASSWORD not in streams
    for path in outputs["pg"].rglob("*"):
        if path.is_file():
            assert READER_PASSWORD.encode() not in path.read_bytes(), path
    folder = outputs["pg"] / "2026-06-30" / "en" / "customers" / "KA0001"
    manifest = (folder / "manifest.json").read_text()
    assert "order lines up to 2026-06-30" in manifest


# --- without a server: URLs, credentials and the generated SQL -------------------------------


def test_urls_get_the_psycopg_driver_and_refuse_literal_passwords(monkeypatch, tmp_path):
    from kamreport.sources.dburl import database_url

    for given in ("postgresql://kam@db/erp", "postgres://kam@db/erp"):
        assert database_url(given, tmp_path).drivername == "postgresql+psycopg"
    assert database_url("postgresql+psycopg://kam@db/erp", tmp_path).drivername == (
        "postgresql+psycopg"
    )
    with pytest.raises(DataSourceError) as refused:
        database_url("postgresql://kam:Geheim-123@db/erp", tmp_path)
    assert "'postgresql://kam:***@db/erp' contains a password" in str(refused.value)
    assert "Geheim-123" not in str(refused.value)
    monkeypatch.setenv("KAM_DB_PASSWORD", "Geheim-123")
    url = database_url("postgresql://kam:${KAM_DB_PASSWORD}@db/erp", tmp_path)
    assert url.password == "Geheim-123" and "Geheim-123" not in str(url)


def test_scoped_select_names_columns_and_pushes_the_bounds():
    from sqlalchemy.dialects import postgresql

    from kamreport.sources.pushdown import SourceColumn, scoped_select

    table = sa.table("auftrag_pos", sa.column("AUFNR"), sa.column("KUNNR"), sa.column("AUDAT"))
    columns = [
        SourceColumn("AUFNR", "order_id"),
        SourceColumn("KUNNR", "account_id", typed_text=True),
        SourceColumn("AUDAT", "order_date", typed_date=True),
    ]
    scope = ReadScope(as_of=AS_OF, accounts=("KA0001", "KA0002"))
    compiled = scoped_select(table, columns, "order_lines", scope, AS_OF).compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    sql = " ".join(str(compiled).split())
    assert sql == (
        'SELECT auftrag_pos."AUFNR" AS order_id, auftrag_pos."KUNNR" AS account_id, '
        'auftrag_pos."AUDAT" AS order_date FROM auftrag_pos '
        "WHERE auftrag_pos.\"AUDAT\" < '2026-01-01' "
        "AND auftrag_pos.\"KUNNR\" IN ('KA0001', 'KA0002')"
    )
    untyped = [SourceColumn("AUDAT", "order_date"), SourceColumn("KUNNR", "account_id")]
    plain = str(scoped_select(table, untyped, "order_lines", ReadScope(), AS_OF))
    assert "WHERE" not in plain  # a text date column is never compared in SQL
