"""Writing agreed targets into CSV folders, workbooks and databases, with backups."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from kamreport.analytics.target_proposals import spread_monthly
from kamreport.errors import DataSourceError
from kamreport.params import DataParams
from kamreport.targets_store import write_targets

NOW = dt.datetime(2026, 12, 5, 10, 30, 0)
YEARLY = pd.Series({"A1": 1_200_000.0, "A2": 600_000.0})


def monthly() -> pd.DataFrame:
    return spread_monthly(YEARLY, 2027)


def test_csv_keeps_other_years_accounts_and_visits_and_its_encoding(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    old = (
        "客户编号,月份,目标金额,拜访\n"
        "A1,2026-01-01,100,2\n"  # other year: kept
        "A1,2027-01-01,999,3\n"  # replaced, visits kept
        "A9,2027-01-01,50,1\n"  # account not imported: kept
    )
    (folder / "targets.csv").write_bytes(old.encode("gb18030"))
    data = DataParams(
        source=str(folder),
        columns={
            "targets": {
                "客户编号": "account_id",
                "月份": "month",
                "目标金额": "revenue_target",
                "拜访": "visits_target",
            }
        },
    )
    result = write_targets(data, monthly(), now=NOW)
    assert result.rows == 24
    assert result.backup == str(folder / "targets.csv.20261205-103000.bak")
    assert (folder / "targets.csv.20261205-103000.bak").read_bytes() == old.encode("gb18030")
    text = (folder / "targets.csv").read_bytes().decode("gb18030")
    frame = pd.read_csv(pd.io.common.StringIO(text), dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["客户编号", "月份", "目标金额", "拜访"]
    assert len(frame) == 2 + 24
    jan = frame.loc[(frame["客户编号"] == "A1") & (frame["月份"] == "2027-01-01")]
    assert float(jan["目标金额"].iloc[0]) == 100_000.0
    assert jan["拜访"].iloc[0] == "3"
    assert frame.loc[frame["客户编号"] == "A9", "目标金额"].tolist() == ["50"]
    year = frame.loc[frame["月份"].str.startswith("2027") & (frame["客户编号"] == "A2")]
    assert year["目标金额"].astype(float).sum() == pytest.approx(600_000.0)


def test_xlsx_sheet_replaced_and_workbook_backed_up(tmp_path):
    path = tmp_path / "kam.xlsx"
    book = Workbook()
    book.active.title = "accounts"
    book.active.append(["account_id", "name"])
    book.active.append(["A1", "甲"])
    targets = book.create_sheet("targets")
    targets.append(["account_id", "month", "revenue_target", "visits_target"])
    targets.append(["A1", dt.datetime(2026, 5, 1), 10.0, 1])
    targets.append(["A2", dt.datetime(2027, 5, 1), 10.0, 4])
    book.save(path)
    original = path.read_bytes()
    result = write_targets(DataParams(source=str(path)), monthly(), now=NOW)
    assert result.backup.endswith("kam.xlsx.20261205-103000.bak")
    assert (tmp_path / "kam.xlsx.20261205-103000.bak").read_bytes() == original
    reread = load_workbook(path)
    assert reread.sheetnames == ["accounts", "targets"]
    rows = list(reread["targets"].iter_rows(values_only=True))
    assert rows[0] == ("account_id", "month", "revenue_target", "visits_target")
    assert len(rows) == 1 + 1 + 24
    may = [r for r in rows if r[0] == "A2" and str(r[1]).startswith("2027-05")]
    assert may == [("A2", "2027-05-01", 50_000.0, 4)]


def test_database_in_one_transaction_with_history(tmp_path):
    db = tmp_path / "kam.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE targets (account_id TEXT, month DATE, revenue_target FLOAT, "
            "visits_target FLOAT)"
        )
        conn.exec_driver_sql(
            "INSERT INTO targets VALUES ('A1','2027-03-01',5,2), ('A1','2026-03-01',7,1)"
        )
    data = DataParams(source=f"sqlite:///{db}")
    result = write_targets(data, monthly(), now=NOW)
    assert result.backup == "targets_history"
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT account_id, month, revenue_target, visits_target FROM targets "
            "ORDER BY account_id, month"
        ).fetchall()
        history = conn.exec_driver_sql("SELECT * FROM targets_history").fetchall()
    assert len(rows) == 1 + 24
    assert rows[0] == ("A1", "2026-03-01", 7.0, 1.0)
    march = [r for r in rows if r[0] == "A1" and str(r[1]) == "2027-03-01"]
    assert march == [("A1", "2027-03-01", 100_000.0, 2.0)]
    assert history == [("A1", "2027-03-01", "5.0", "2.0", "2026-12-05T10:30:00")]
    engine.dispose()


def test_database_failure_rolls_back_everything(tmp_path):
    db = tmp_path / "kam.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        # revenue_target NOT NULL with a CHECK the new rows break: the insert fails
        conn.exec_driver_sql(
            "CREATE TABLE targets (account_id TEXT, month DATE, "
            "revenue_target FLOAT CHECK (revenue_target < 10), visits_target FLOAT)"
        )
        conn.exec_driver_sql("INSERT INTO targets VALUES ('A1','2027-03-01',5,2)")
    with pytest.raises(DataSourceError, match="nothing was changed"):
        write_targets(DataParams(source=f"sqlite:///{db}"), monthly(), now=NOW)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT * FROM targets").fetchall() == [
            ("A1", "2027-03-01", 5.0, 2.0)
        ]
        tables = sa.inspect(conn).get_table_names()
    assert "targets_history" not in tables
    engine.dispose()


def test_new_csv_file_and_query_sources(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "accounts.csv").write_text("account_id,name\nA1,x\n", encoding="utf-8")
    result = write_targets(DataParams(source=str(folder)), monthly(), now=NOW)
    assert result.backup == ""
    header = (folder / "targets.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "account_id,month,revenue_target"
    query = DataParams(
        source=f"sqlite:///{tmp_path / 'x.db'}", tables={"targets": "SELECT * FROM t"}
    )
    sa.create_engine(query.source).connect().close()
    with pytest.raises(DataSourceError, match=r"data\.tables\.targets is a query"):
        write_targets(query, monthly(), now=NOW)


@pytest.mark.system
def test_postgresql_table_replaced_in_one_transaction_with_history(monkeypatch):
    from tests.conftest import require_tool
    from tests.pg_server import pg_binary_candidates, start_server

    require_tool(*pg_binary_candidates("initdb"))
    require_tool(*pg_binary_candidates("pg_ctl"))
    server = start_server()
    try:
        server.create_database("kam")
        engine = sa.create_engine(server.admin_url("kam"))
        with engine.begin() as conn:
            conn.exec_driver_sql(
                'CREATE TABLE "目标" (客户 TEXT, 月份 DATE, 金额 DOUBLE PRECISION, '
                "visits_target DOUBLE PRECISION)"
            )
            conn.exec_driver_sql("""INSERT INTO "目标" VALUES ('A1','2027-03-01',5,2)""")
        monkeypatch.setenv("PGPASSWORD", server.password)  # never in the URL
        data = DataParams(
            source=server.url("kam"),
            tables={"targets": "目标"},
            columns={"targets": {"客户": "account_id", "月份": "month", "金额": "revenue_target"}},
        )
        result = write_targets(data, monthly(), now=NOW)
        assert (result.target, result.backup, result.rows) == ("table '目标'", "目标_history", 24)
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                """SELECT 客户, 月份, 金额, visits_target FROM "目标" ORDER BY 客户, 月份"""
            ).fetchall()
            history = conn.exec_driver_sql('SELECT * FROM "目标_history"').fetchall()
        assert len(rows) == 24
        assert rows[2] == ("A1", dt.date(2027, 3, 1), 100_000.0, 2.0)
        assert history == [("A1", "2027-03-01", "5.0", "2.0", "2026-12-05T10:30:00")]
        engine.dispose()
    finally:
        server.stop()


def full_monthly() -> pd.DataFrame:
    """What an import writes: revenue, the service targets and where the target came from."""
    frame = monthly()
    frame["visits_target"] = 2.0
    frame["senior_visits_target"] = [1.0 if m.month % 3 == 0 else 0.0 for m in frame["month"]]
    frame["training_target"] = 0.0
    frame["proposed_target"] = frame["revenue_target"] * 0.9
    frame["target_source"] = "override"
    frame["target_method"] = "ltm_seasonal"
    return frame


CATEGORIES = pd.DataFrame(
    {
        "account_id": ["A1", "A1", "A2"],
        "year": [2027, 2027, 2027],
        "category": ["feed grade", "premix", "food grade"],
        "revenue_target": [800_000.0, 400_000.0, 600_000.0],
    }
)


def test_columns_an_import_does_not_manage_keep_their_values(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    old = (
        "account_id,month,revenue_target,visits_target,note,region_plan\n"
        "A1,2027-01-01,999,3,keep me,East\n"  # replaced month: note and region_plan kept
        "A1,2026-01-01,100,2,old year,West\n"  # other year: untouched
    )
    (folder / "targets.csv").write_text(old, encoding="utf-8")
    write_targets(DataParams(source=str(folder)), monthly(), now=NOW)
    frame = pd.read_csv(folder / "targets.csv", dtype=str, keep_default_na=False)
    assert list(frame.columns) == [
        "account_id", "month", "revenue_target", "visits_target", "note", "region_plan"
    ]  # fmt: skip
    jan = frame.loc[(frame["account_id"] == "A1") & (frame["month"] == "2027-01-01")].iloc[0]
    assert (jan["visits_target"], jan["note"], jan["region_plan"]) == ("3", "keep me", "East")
    feb = frame.loc[(frame["account_id"] == "A1") & (frame["month"] == "2027-02-01")].iloc[0]
    assert (feb["visits_target"], feb["note"]) == ("", "")  # a new month: nothing to keep
    old_year = frame.loc[frame["month"] == "2026-01-01"].iloc[0]
    assert old_year.tolist() == ["A1", "2026-01-01", "100", "2", "old year", "West"]


def test_managed_columns_are_written_and_added_and_categories_stored(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "targets.csv").write_text(
        "account_id,month,revenue_target,visits_target\nA1,2027-01-01,999,3\n", encoding="utf-8"
    )
    (folder / "category_targets.csv").write_text(
        "account_id,year,category,revenue_target,comment\n"
        "A1,2027,premix,1,agreed with purchasing\n"  # replaced: comment kept
        "A1,2027,pharma grade,5,dropped\n"  # not in the new plan: removed with the year
        "A1,2026,premix,7,\n",  # other year: kept
        encoding="utf-8",
    )
    result = write_targets(
        DataParams(source=str(folder)), full_monthly(), categories=CATEGORIES, now=NOW
    )
    assert (result.rows, result.category_rows) == (24, 3)
    frame = pd.read_csv(folder / "targets.csv", dtype=str, keep_default_na=False)
    assert list(frame.columns) == [
        "account_id", "month", "revenue_target", "visits_target", "senior_visits_target",
        "training_target", "proposed_target", "target_source", "target_method",
    ]  # fmt: skip
    march = frame.loc[(frame["account_id"] == "A1") & (frame["month"] == "2027-03-01")].iloc[0]
    assert float(march["visits_target"]) == 2.0  # managed now: the workbook's value
    assert float(march["senior_visits_target"]) == 1.0
    assert march["target_source"] == "override"
    cats = pd.read_csv(folder / "category_targets.csv", dtype=str, keep_default_na=False)
    assert cats.values.tolist() == [
        ["A1", "2026", "premix", "7", ""],
        ["A1", "2027", "feed grade", "800000.0", ""],
        ["A1", "2027", "premix", "400000.0", "agreed with purchasing"],
        ["A2", "2027", "food grade", "600000.0", ""],
    ]
    assert (folder / "category_targets.csv.20261205-103000.bak").exists()


def test_xlsx_and_database_store_categories_and_add_columns(tmp_path):
    path = tmp_path / "kam.xlsx"
    book = Workbook()
    book.active.title = "targets"
    book.active.append(["account_id", "month", "revenue_target", "remark"])
    book.active.append(["A1", "2027-05-01", 10.0, "=1+1"])
    book.save(path)
    write_targets(DataParams(source=str(path)), full_monthly(), categories=CATEGORIES, now=NOW)
    reread = load_workbook(path)
    assert reread.sheetnames == ["targets", "category_targets"]
    header = [c.value for c in reread["targets"][1]]
    assert header[:4] == ["account_id", "month", "revenue_target", "remark"]
    assert "target_source" in header
    may = [r for r in reread["targets"].iter_rows(values_only=True) if r[1] == "2027-05-01"]
    assert may[0][0] == "A1" and may[0][3] == "=1+1"  # the formula cell is kept
    assert len(list(reread["category_targets"].iter_rows())) == 1 + 3

    db = tmp_path / "kam.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE targets (account_id TEXT, month DATE, revenue_target FLOAT, "
            "owner_note TEXT)"
        )
        conn.exec_driver_sql("INSERT INTO targets VALUES ('A1','2027-03-01',5,'ask Li')")
    result = write_targets(
        DataParams(source=f"sqlite:///{db}"), full_monthly(), categories=CATEGORIES, now=NOW
    )
    assert result.category_rows == 3
    with engine.connect() as conn:
        march = conn.exec_driver_sql(
            "SELECT revenue_target, owner_note, senior_visits_target, target_source "
            "FROM targets WHERE account_id = 'A1' AND month = '2027-03-01'"
        ).fetchall()
        cats = conn.exec_driver_sql(
            "SELECT account_id, year, category, revenue_target FROM category_targets "
            "ORDER BY account_id, category"
        ).fetchall()
        history = conn.exec_driver_sql("SELECT * FROM targets_history").fetchall()
    assert march == [(100_000.0, "ask Li", 1.0, "override")]
    assert cats[0] == ("A1", 2027, "feed grade", 800_000.0)
    # the columns added for the import are in the history too (empty for the old row)
    assert history == [("A1", "2027-03-01", "5.0", "ask Li", *[None] * 6, "2026-12-05T10:30:00")]
    engine.dispose()
