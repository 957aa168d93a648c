"""Loaders: CSV folders in every encoding, workbooks, databases, Parquet, column mapping."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from kamreport.errors import DataSourceError, DataValidationError
from kamreport.loading import check_dataset, load_dataset
from kamreport.params import DataParams
from kamreport.sources import describe_source, read_source
from kamreport.sources.sql import mask_url

FIXTURES = Path(__file__).parent / "fixtures" / "data"
AS_OF = dt.date(2024, 3, 31)

ACCOUNTS = "account_id,name\nA1,上海华新化工有限公司\nA2,苏州明达电子\n"
LINES = (
    "order_id,line_no,account_id,product_id,order_date,quantity,net_amount\n"
    "SO1,1,A1,P1,2024-01-15,10,1000\n"
    "SO2,1,A2,P1,2024-02-03,5,500\n"
)
MAPPING = {
    "accounts": {"客户编号": "account_id", "客户名称": "name", "行业": "industry"},
    "order_lines": {
        "订单号": "order_id",
        "Customer No.": "account_id",
        "Product Code": "product_id",
        "日期": "order_date",
        "数量": "quantity",
        "金额": "net_amount",
        "成本": "cost_amount",
    },
}


def write(folder: Path, files: dict[str, str], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding=encoding)
    return folder


def codes(report) -> list[tuple[str, str, str]]:
    return [(i.severity, i.code, i.table) for i in report.issues]


# --- CSV ---------------------------------------------------------------------------------


def test_utf8_csv_folder_loads_typed_tables():
    dataset = load_dataset(DataParams(source=str(FIXTURES / "csv_basic")), as_of=AS_OF)
    lines = dataset.order_lines
    assert dataset.currency == "CNY"
    assert dataset.source == f"CSV files in {FIXTURES / 'csv_basic'}"
    assert set(dataset.tables) == {"accounts", "order_lines", "products"}
    assert lines["order_date"].dtype == "datetime64[ns]"
    assert lines["net_amount"].dtype == "float64"
    assert str(lines["line_no"].dtype) == "Int64"
    assert pd.api.types.is_string_dtype(lines["order_id"].dtype)
    assert lines["net_amount"].tolist() == [12500.0, 2400.0, 6250.0, 1200.0, -625.0]
    assert dataset.accounts.loc[0, "name"] == "华东集团"
    assert pd.isna(dataset.accounts.loc[0, "parent_id"])  # empty -> missing
    assert [w.code for w in dataset.warnings] == ["absent_tables"]


def test_relative_source_resolves_against_base_dir():
    dataset = load_dataset(DataParams(source="csv_basic"), base_dir=FIXTURES, as_of=AS_OF)
    assert dataset.source == "CSV files in csv_basic"
    assert len(dataset.accounts) == 4


def test_utf8_with_bom(tmp_path):
    write(tmp_path, {"accounts.csv": ACCOUNTS, "order_lines.csv": LINES}, encoding="utf-8-sig")
    assert (tmp_path / "accounts.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    dataset = load_dataset(DataParams(source=str(tmp_path)), as_of=AS_OF)
    assert list(dataset.accounts.columns) == ["account_id", "name"]
    assert dataset.accounts["name"].tolist() == ["上海华新化工有限公司", "苏州明达电子"]


def test_declared_utf8_reads_a_bom_file(tmp_path):
    write(tmp_path, {"accounts.csv": ACCOUNTS, "order_lines.csv": LINES}, encoding="utf-8-sig")
    dataset = load_dataset(DataParams(source=str(tmp_path), encoding="utf-8"), as_of=AS_OF)
    assert list(dataset.accounts.columns) == ["account_id", "name"]


def test_gbk_csv_is_detected(tmp_path):
    write(tmp_path, {"accounts.csv": ACCOUNTS}, encoding="gbk")
    write(tmp_path, {"order_lines.csv": LINES})
    raw = read_source(DataParams(source=str(tmp_path)))
    assert raw.tables["accounts"].encoding == "gb18030"
    assert raw.tables["order_lines"].encoding == "utf-8-sig"
    assert raw.source == f"CSV files in {tmp_path} (accounts.csv: gb18030)"
    dataset = load_dataset(DataParams(source=str(tmp_path)), as_of=AS_OF)
    assert dataset.accounts["name"].tolist() == ["上海华新化工有限公司", "苏州明达电子"]


def test_declared_gbk_encoding_is_used_as_given(tmp_path):
    write(tmp_path, {"accounts.csv": ACCOUNTS, "order_lines.csv": LINES}, encoding="gbk")
    dataset = load_dataset(DataParams(source=str(tmp_path), encoding="gbk"), as_of=AS_OF)
    assert dataset.accounts["name"].tolist() == ["上海华新化工有限公司", "苏州明达电子"]


def test_declared_encoding_that_does_not_fit(tmp_path):
    write(tmp_path, {"accounts.csv": ACCOUNTS}, encoding="gbk")
    write(tmp_path, {"order_lines.csv": LINES})
    _, report = check_dataset(DataParams(source=str(tmp_path), encoding="utf-8"), as_of=AS_OF)
    assert [str(e) for e in report.errors] == [
        f"[encoding] {tmp_path}/accounts.csv: accounts.csv is not readable as UTF-8. "
        "Fix: Save the file as UTF-8 (in Excel: CSV UTF-8), or set data.encoding to the "
        "file's encoding (utf-8, utf-8-sig, gbk or gb18030)."
    ]


def test_file_in_neither_encoding(tmp_path):
    write(tmp_path, {"order_lines.csv": LINES})
    (tmp_path / "accounts.csv").write_bytes(b"account_id,name\nA1,\xff\xfe\x80\n")
    _, report = check_dataset(DataParams(source=str(tmp_path)), as_of=AS_OF)
    assert [str(e) for e in report.errors] == [
        f"[encoding] {tmp_path}/accounts.csv: accounts.csv is not readable as UTF-8-SIG or "
        "GB18030. Fix: Save the file as UTF-8 (in Excel: CSV UTF-8), or set data.encoding to "
        "the file's encoding (utf-8, utf-8-sig, gbk or gb18030)."
    ]
    # the unreadable table is not reported missing a second time
    assert "missing_table" not in [i.code for i in report.issues]


def test_header_whitespace_and_case_are_tolerated(tmp_path):
    write(
        tmp_path,
        {
            "Accounts.csv": " Account_ID , NAME \nA1,Alpha\n",
            "order_lines.csv": LINES.replace("order_date", "Order Date").replace("A2", "A1"),
        },
    )
    dataset = load_dataset(DataParams(source=str(tmp_path)), as_of=AS_OF)
    assert list(dataset.accounts.columns) == ["account_id", "name"]
    assert "order_date" in dataset.order_lines


def test_semicolon_separated_csv(tmp_path):
    write(
        tmp_path, {"accounts.csv": "account_id;name\nA1;Alpha\nA2;Beta\n", "order_lines.csv": LINES}
    )
    dataset = load_dataset(DataParams(source=str(tmp_path)), as_of=AS_OF)
    assert dataset.accounts["name"].tolist() == ["Alpha", "Beta"]


def test_blank_lines_keep_row_numbers(tmp_path):
    lines = LINES + "\nSO3,1,A1,P1,someday,1,1\n"  # the bad row is row 5 in a spreadsheet
    write(tmp_path, {"accounts.csv": ACCOUNTS, "order_lines.csv": lines})
    _, report = check_dataset(DataParams(source=str(tmp_path)), as_of=AS_OF)
    assert [(e.code, e.row) for e in report.errors] == [("bad_date", 5)]


def test_column_mapped_export_with_chinese_and_english_headers():
    data = DataParams(
        source=str(FIXTURES / "mapped_export"),
        tables={"accounts": "客户.csv", "order_lines": "销售明细"},
        columns=MAPPING,
    )
    dataset = load_dataset(data, as_of=AS_OF)
    lines = dataset.order_lines
    assert list(lines.columns) == [
        "order_id",
        "account_id",
        "product_id",
        "order_date",
        "quantity",
        "net_amount",
        "cost_amount",
    ]
    assert lines["net_amount"].tolist() == [12500.0, 6250.0]
    assert lines["order_date"].tolist() == [pd.Timestamp("2024-01-15"), pd.Timestamp("2024-02-03")]
    assert dataset.accounts["industry"].tolist() == ["Chemicals", "Electronics"]
    assert [str(w) for w in dataset.warnings if w.code == "extra_columns"] == [
        f"[extra_columns] {FIXTURES / 'mapped_export'}/客户.csv, table accounts: Columns not "
        "in the data model are ignored: ['备注']. Fix: If one of them holds a data-model "
        "column, map it under data.columns.accounts; otherwise nothing to do."
    ]


def test_mapping_names_a_header_not_in_the_file():
    columns = {**MAPPING, "order_lines": {**MAPPING["order_lines"], "Customer No": "account_id"}}
    del columns["order_lines"]["Customer No."]
    data = DataParams(
        source=str(FIXTURES / "mapped_export"),
        tables={"accounts": "客户.csv", "order_lines": "销售明细.csv"},
        columns=columns,
    )
    with pytest.raises(DataValidationError) as caught:
        load_dataset(data, as_of=AS_OF)
    errors = caught.value.report.errors
    assert [str(e) for e in errors] == [
        f"[mapped_header_missing] {FIXTURES / 'mapped_export'}/销售明细.csv, table "
        "order_lines, column 'account_id': data.columns.order_lines names header "
        "'Customer No', which is not in 销售明细.csv. Headers in file: ['订单号', "
        "'Customer No.', 'Product Code', '日期', '数量', '金额', '成本']. Fix: Correct the "
        "header in data.columns.order_lines to one of the headers above (spelling and spaces "
        "count)."
    ]


def test_mapping_to_a_column_that_is_not_in_the_data_model(tmp_path):
    write(tmp_path, {"accounts.csv": "ID,name\nA1,x\n", "order_lines.csv": LINES})
    data = DataParams(source=str(tmp_path), columns={"accounts": {"ID": "acount_id"}})
    _, report = check_dataset(data, as_of=AS_OF)
    assert str(report.errors[0]) == (
        f"[bad_mapping] {tmp_path}/accounts.csv: data.columns.accounts maps 'ID' to "
        "'acount_id', which is not a column of accounts. Expected one of account_id, name, "
        "name_en, parent_id, industry, region, country, size_band, ka_manager, customer_since, "
        "influence, address, found 'acount_id'. Fix: Did you mean 'account_id'? Correct the "
        "column name in data.columns.accounts."
    )


def test_unknown_table_in_params(tmp_path):
    write(tmp_path, {"accounts.csv": ACCOUNTS, "order_lines.csv": LINES})
    data = DataParams(source=str(tmp_path), tables={"orderlines": "x.csv"})
    _, report = check_dataset(data, as_of=AS_OF)
    assert str(report.errors[0]) == (
        f"[unknown_table] {tmp_path}: data.tables names table 'orderlines', which is not in "
        "the data model. Expected one of accounts, order_lines, products, fx_rates, invoices, "
        "targets, category_targets, activities, contacts, opportunities, surveys, "
        "complaints, wallet, competitors, service_costs, account_plans, found 'orderlines'. "
        "Fix: Did you mean 'order_lines'? Correct the table name in data.tables."
    )


def test_mapped_file_that_does_not_exist(tmp_path):
    write(tmp_path, {"accounts.csv": ACCOUNTS, "order_lines.csv": LINES})
    data = DataParams(source=str(tmp_path), tables={"invoices": "应收.csv"})
    _, report = check_dataset(data, as_of=AS_OF)
    assert str(report.errors[0]) == (
        f"[missing_table] {tmp_path}, table invoices: data.tables.invoices names '应收.csv', "
        f"which is not in {tmp_path}. Expected a file 应收.csv, found files: accounts.csv, "
        "order_lines.csv. Fix: Correct data.tables.invoices to one of the files in the folder."
    )


def test_files_that_match_no_table_are_named_once(tmp_path):
    write(tmp_path, {"accounts.csv": ACCOUNTS, "order_lines.csv": LINES, "invoice.csv": "x\n"})
    _, report = check_dataset(DataParams(source=str(tmp_path)), as_of=AS_OF)
    unused = [str(i) for i in report.warnings if i.code == "unused_file"]
    assert unused == [
        f"[unused_file] {tmp_path}: Files not used (no data-model table of that name): "
        "invoice.csv. Fix: Rename the file to its table name, or map it under data.tables "
        "(e.g. data.tables.order_lines: <file name>). Possible matches: invoice.csv → invoices?."
    ]


def test_missing_required_table_in_a_folder(tmp_path):
    write(tmp_path, {"accounts.csv": ACCOUNTS, "orderlines.csv": LINES})
    _, report = check_dataset(DataParams(source=str(tmp_path)), as_of=AS_OF)
    assert str(report.errors[0]) == (
        f"[missing_table] {tmp_path}, table order_lines: Required table order_lines not found. "
        "Expected a file order_lines.csv, found files: accounts.csv, orderlines.csv. Fix: Save "
        f"the table as order_lines.csv in {tmp_path}, or name your file in the params file: "
        "data.tables.order_lines: orderlines.csv."
    )


def test_malformed_csv_is_an_issue_not_a_crash(tmp_path):
    write(tmp_path, {"accounts.csv": ACCOUNTS, "order_lines.csv": 'order_id\n"SO1\n'})
    _, report = check_dataset(DataParams(source=str(tmp_path)), as_of=AS_OF)
    assert [(e.code, e.table) for e in report.errors] == [("unreadable_file", "order_lines")]
    assert report.errors[0].message.startswith("order_lines.csv is not a well-formed CSV file:")


# --- source-level failures ---------------------------------------------------------------


def test_source_that_does_not_exist(tmp_path):
    (tmp_path / "export").mkdir()
    with pytest.raises(DataSourceError) as caught:
        load_dataset(DataParams(source="exprot"), base_dir=tmp_path)
    assert str(caught.value) == (
        f"Data source 'exprot' not found (looked at {tmp_path / 'exprot'}). Did you mean "
        "'export'? Set data.source to a folder of CSV files, an .xlsx workbook, a folder of "
        ".parquet files or a database URL such as sqlite:///data/kam.db."
    )


def test_folder_without_data_files(tmp_path):
    with pytest.raises(DataSourceError, match=r"holds no .csv or .parquet files"):
        load_dataset(DataParams(source=str(tmp_path)))


def test_single_csv_file_as_source(tmp_path):
    write(tmp_path, {"accounts.csv": ACCOUNTS})
    with pytest.raises(DataSourceError, match="is a single file; point it at the folder"):
        load_dataset(DataParams(source=str(tmp_path / "accounts.csv")))


def test_old_xls_workbook(tmp_path):
    (tmp_path / "kam.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DataSourceError, match=r"Excel 97-2003 workbook \(\.xls\)"):
        load_dataset(DataParams(source=str(tmp_path / "kam.xls")))


def test_corrupt_workbook(tmp_path):
    (tmp_path / "kam.xlsx").write_text("not a zip")
    with pytest.raises(DataSourceError, match=r"is not a valid .xlsx workbook"):
        load_dataset(DataParams(source=str(tmp_path / "kam.xlsx")))


# --- Excel -------------------------------------------------------------------------------


def make_workbook(path: Path, order_sheet: str = "order_lines") -> Path:
    book = openpyxl.Workbook()
    accounts = book.active
    accounts.title = "Accounts"
    accounts.append(["account_id", "name", "customer_since"])
    accounts.append(["A1", "上海华新化工有限公司", dt.datetime(2018, 3, 15)])
    accounts.append([1002, "苏州明达电子", "2020/07/01"])  # a numeric id cell
    lines = book.create_sheet(order_sheet)
    lines.append(
        ["order_id", "line_no", "account_id", "product_id", "order_date", "quantity", "net_amount"]
    )
    lines.append(["SO1", 1, "A1", "P1", dt.datetime(2024, 1, 15), 10, 1234.5])
    lines.append(["SO2", 1, 1002, "P1", dt.date(2024, 2, 3), 5.0, "¥1,000"])
    lines.append(["SO3", 1, "A1", "P1", dt.datetime(2024, 2, 9, 14, 30), 1, 10])
    book.create_sheet("Notes").append(["free text"])
    book.save(path)
    return path


def test_excel_workbook_with_date_cells(tmp_path):
    path = make_workbook(tmp_path / "kam.xlsx")
    dataset = load_dataset(DataParams(source=str(path)), as_of=AS_OF)
    lines = dataset.order_lines
    assert dataset.source == f"Excel workbook {path}"
    assert lines["order_date"].tolist() == [
        pd.Timestamp("2024-01-15"),
        pd.Timestamp("2024-02-03"),
        pd.Timestamp("2024-02-09"),
    ]
    assert lines["net_amount"].tolist() == [1234.5, 1000.0, 10.0]
    assert lines["account_id"].tolist() == ["A1", "1002", "A1"]
    assert dataset.accounts["customer_since"].tolist() == [
        pd.Timestamp("2018-03-15"),
        pd.Timestamp("2020-07-01"),
    ]
    unused = [i.message for i in dataset.warnings if i.code == "unused_sheet"]
    assert unused == ["Sheets not used (no data-model table of that name): Notes."]


def test_excel_sheet_mapped_by_name(tmp_path):
    path = make_workbook(tmp_path / "kam.xlsx", order_sheet="销售明细")
    data = DataParams(source=str(path), tables={"order_lines": "销售明细"})
    dataset = load_dataset(data, as_of=AS_OF)
    assert len(dataset.order_lines) == 3


def test_excel_errors_name_sheet_and_row(tmp_path):
    path = make_workbook(tmp_path / "kam.xlsx")
    book = openpyxl.load_workbook(path)
    book["order_lines"]["E3"] = "2024-13-01"
    book.save(path)
    _, report = check_dataset(DataParams(source=str(path)), as_of=AS_OF)
    assert str(report.errors[0]) == (
        f"[bad_date] {path}, sheet 'order_lines', column 'order_date', row 3: Not a date. "
        "Expected a date written YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD or YYYY年M月D日 (a time "
        "after the date is ignored), found '2024-13-01'. Fix: Write the dates as YYYY-MM-DD "
        "(years 1678 to 2261), or format the column as dates in Excel before exporting."
    )


def test_excel_missing_sheet(tmp_path):
    path = make_workbook(tmp_path / "kam.xlsx", order_sheet="Sales")
    _, report = check_dataset(DataParams(source=str(path)), as_of=AS_OF)
    assert str(report.errors[0]) == (
        f"[missing_table] {path}, table order_lines: Required table order_lines not found. "
        "Expected a sheet named 'order_lines', found sheets: Accounts, Sales, Notes. Fix: Add "
        "a sheet named order_lines, or name your sheet in the params file: "
        "data.tables.order_lines: <sheet name>."
    )


# --- SQL ---------------------------------------------------------------------------------


def make_database(path: Path) -> str:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        pd.DataFrame(
            {"account_id": ["A1", "A2"], "name": ["上海华新化工有限公司", "苏州明达电子"]}
        ).to_sql("accounts", conn, index=False)
        pd.DataFrame(
            {
                "order_id": ["SO1", "SO1", "SO2"],
                "line_no": [1, 2, 1],
                "account_id": ["A1", "A1", "A2"],
                "product_id": ["P1", "P2", "P1"],
                "order_date": ["2024-01-15", "2024-01-15", "2024-02-03"],
                "quantity": [10, 2, 5],
                "net_amount": [1000.0, 240.5, 500.0],
                "currency": ["CNY", "CNY", None],
            }
        ).to_sql("orders", conn, index=False)
    engine.dispose()
    return f"sqlite:///{path}"


def test_sqlite_database_via_url(tmp_path):
    url = make_database(tmp_path / "kam.db")
    data = DataParams(source=url, tables={"order_lines": "orders"})
    dataset = load_dataset(data, as_of=AS_OF)
    lines = dataset.order_lines
    assert dataset.source == f"database {url}"
    assert lines["net_amount"].tolist() == [1000.0, 240.5, 500.0]
    assert lines["line_no"].tolist() == [1, 2, 1]
    assert lines["order_date"].dtype == "datetime64[ns]"
    assert lines["account_id"].tolist() == ["A1", "A1", "A2"]


def test_sqlite_relative_path_and_query(tmp_path):
    make_database(tmp_path / "kam.db")
    query = (
        "SELECT order_id, line_no, account_id, product_id, order_date, quantity, "
        "net_amount AS amount FROM orders WHERE account_id = 'A1'"
    )
    data = DataParams(
        source="sqlite:///kam.db",
        tables={"order_lines": query},
        columns={"order_lines": {"amount": "net_amount"}},
    )
    dataset = load_dataset(data, base_dir=tmp_path, as_of=AS_OF)
    assert dataset.order_lines["net_amount"].tolist() == [1000.0, 240.5]


def test_sql_errors_name_the_row_by_its_key(tmp_path):
    url = make_database(tmp_path / "kam.db")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE orders SET order_date = '15.01.2024' WHERE line_no = 2"))
    engine.dispose()
    _, report = check_dataset(DataParams(source=url, tables={"order_lines": "orders"}), as_of=AS_OF)
    error = report.errors[0]
    assert (error.code, error.row, error.found) == (
        "bad_date",
        "order_id=SO1, line_no=2",
        "'15.01.2024'",
    )
    assert error.location() == (
        "database table orders, table order_lines, column 'order_date', row order_id=SO1, line_no=2"
    )


def test_failing_query_is_reported_with_the_rest(tmp_path):
    url = make_database(tmp_path / "kam.db")
    data = DataParams(source=url, tables={"order_lines": "SELECT * FROM no_such_table"})
    _, report = check_dataset(data, as_of=AS_OF)
    assert [str(e) for e in report.errors] == [
        "[query_failed] query for order_lines: The query in "
        "data.tables.order_lines failed: no such table: no_such_table. Fix: Run the query in a "
        "database client, correct it and try again."
    ]


def test_missing_sqlite_file(tmp_path):
    with pytest.raises(DataSourceError) as caught:
        load_dataset(DataParams(source="sqlite:///nope.db"), base_dir=tmp_path)
    assert str(caught.value) == (
        f"SQLite database file 'nope.db' not found (looked at {tmp_path / 'nope.db'}). Check "
        "the path in data.source (sqlite:///relative/path.db or sqlite:////absolute/path.db)."
    )
    assert not (tmp_path / "nope.db").exists()


def test_password_never_appears_in_messages():
    url = "postgresql+nosuchdriver://kam:s3cret@db.example.com:5432/erp"
    with pytest.raises(DataSourceError) as caught:
        load_dataset(DataParams(source=url))
    assert "s3cret" not in str(caught.value)
    assert "kam:***@db.example.com" in str(caught.value)
    assert mask_url("postgresql://kam:s3cret@db/erp") == "postgresql://kam:***@db/erp"
    assert describe_source(DataParams(source=url)) == (
        "database postgresql+nosuchdriver://kam:***@db.example.com:5432/erp"
    )


def test_connection_failure_is_a_source_error(tmp_path):
    (tmp_path / "not_a_db.db").write_text("plain text, not SQLite")
    with pytest.raises(DataSourceError, match=r"Cannot (connect to|read from) database"):
        load_dataset(DataParams(source=f"sqlite:///{tmp_path / 'not_a_db.db'}"))


def test_invalid_url():
    with pytest.raises(DataSourceError, match=r"is not valid. Write it as dialect://"):
        load_dataset(DataParams(source="://nothing"))


# --- Parquet -----------------------------------------------------------------------------


def test_parquet_without_pyarrow_says_what_to_install(tmp_path, monkeypatch):
    (tmp_path / "accounts.parquet").write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(DataSourceError) as caught:
        load_dataset(DataParams(source=str(tmp_path)))
    assert str(caught.value) == (
        "Reading Parquet files needs the pyarrow package, which is not installed. Install it "
        "with: pip install pyarrow (or export the data as CSV files instead)."
    )


def test_parquet_typed_columns_are_accepted_as_they_are(tmp_path):
    frames = {
        "accounts": pd.DataFrame({"account_id": ["A1", "A2"], "name": ["x", "y"]}),
        "order_lines": pd.DataFrame(
            {
                "order_id": ["SO1", "SO2"],
                "line_no": np.array([1, 1], dtype="int32"),
                "account_id": ["A1", "A2"],
                "product_id": ["P1", "P1"],
                "order_date": pd.to_datetime(["2024-01-15 10:30", "2024-02-03 00:00"]).as_unit(
                    "us"
                ),
                "quantity": np.array([1.0, 2.0]),
                "net_amount": np.array([100, 200], dtype="int64"),
            }
        ),
    }
    for name, frame in frames.items():
        frame.to_parquet(tmp_path / f"{name}.parquet", index=False)
    dataset = load_dataset(DataParams(source=str(tmp_path), format="parquet"), as_of=AS_OF)
    lines = dataset.order_lines
    assert dataset.source == f"Parquet files in {tmp_path}"
    assert lines["order_date"].tolist() == [pd.Timestamp("2024-01-15"), pd.Timestamp("2024-02-03")]
    assert lines["order_date"].dtype == "datetime64[ns]"
    assert lines["net_amount"].dtype == "float64"
    assert str(lines["line_no"].dtype) == "Int64"


def test_parquet_reads_the_mapped_columns_as_a_frame_would_map_them(tmp_path, monkeypatch):
    """Only data-model columns are read from the file; mapping, headers and issues are the
    ones the same table gets as a frame, and a pandas index written with it is no column."""
    import pyarrow.parquet as pq

    from kamreport.schema import TABLES_BY_NAME
    from kamreport.sources.raw import map_columns

    accounts = pd.DataFrame(
        {"Account ID": ["A1", "A2", "A3"], "Kunde": ["x", "y", "z"], "memo": ["m", "n", "o"]},
        index=[7, 3, 5],  # not a RangeIndex: written as a column __index_level_0__
    )
    accounts.to_parquet(tmp_path / "accounts.parquet")
    pd.DataFrame({"account_id": ["A1"]}).to_parquet(tmp_path / "order_lines.parquet")
    read_columns = []
    real_read_table = pq.read_table

    def spy(path, *args, columns=None, **kwargs):
        read_columns.append((Path(path).name, columns))
        return real_read_table(path, *args, columns=columns, **kwargs)

    monkeypatch.setattr(pq, "read_table", spy)
    mapping = {"accounts": {"Kunde": "name"}}
    raw = read_source(DataParams(source=str(tmp_path), columns=mapping))
    assert ("accounts.parquet", ["Account ID", "Kunde"]) in read_columns
    table = raw.tables["accounts"]
    framed, headers, issues = map_columns(
        accounts.reset_index(drop=True), TABLES_BY_NAME["accounts"], mapping["accounts"],
        source=table.source, short=table.short, noun="file",
    )  # fmt: skip
    assert table.headers == headers == ("Account ID", "Kunde", "memo")
    pd.testing.assert_frame_equal(table.frame, framed)
    assert [i for i in raw.issues if i.table == "accounts"] == issues
    assert [i.message for i in issues] == ["Columns not in the data model are ignored: ['memo']."]


def test_parquet_typed_columns_keep_their_data(tmp_path):
    """Clean typed columns (dates at midnight, floats, ids) reach the dataset without a copy."""
    lines = pd.DataFrame(
        {
            "order_id": ["SO1", "SO2"], "line_no": [1, 1], "account_id": ["A1", "A2"],
            "product_id": ["P1", "P1"],
            "order_date": pd.to_datetime(["2024-01-15", "2024-02-03"]).as_unit("ns"),
            "quantity": [1.0, 2.0], "net_amount": [100.0, 200.0], "currency": ["CNY", "CNY"],
        }
    )  # fmt: skip
    lines.to_parquet(tmp_path / "order_lines.parquet", index=False)
    pd.DataFrame({"account_id": ["A1", "A2"]}).to_parquet(tmp_path / "accounts.parquet")
    data = DataParams(source=str(tmp_path))
    raw = read_source(data)
    from kamreport.validation import validate

    tables, report = validate(raw, "CNY", as_of=AS_OF)
    assert report.ok
    typed, read = tables["order_lines"], raw.tables["order_lines"].frame
    for column in ("order_date", "quantity", "net_amount"):
        assert np.shares_memory(typed[column].to_numpy(), read[column].to_numpy()), column
    assert typed["order_id"].array._pa_array is read["order_id"].array._pa_array
    # repeated text is read as Parquet's dictionary and kept as a categorical of its values
    for column in ("account_id", "product_id", "currency"):
        assert isinstance(read[column].dtype, pd.CategoricalDtype), column
        assert isinstance(typed[column].dtype, pd.CategoricalDtype), column
        assert typed[column].astype(str).tolist() == lines[column].tolist(), column
    pd.testing.assert_frame_equal(typed, load_dataset(data, as_of=AS_OF).order_lines)


def test_table_mapping_to_a_missing_file_or_sheet(tmp_path):
    folder = write(tmp_path / "csv", {"accounts.csv": ACCOUNTS, "order_lines.csv": LINES})
    _, report = check_dataset(
        DataParams(source=str(folder), tables={"order_lines": "销售明细"}), as_of=AS_OF
    )
    issue = next(i for i in report.errors if i.code == "missing_table")
    assert issue.message == f"data.tables.order_lines names '销售明细', which is not in {folder}."
    assert (issue.expected, issue.found) == (
        "a file 销售明细.csv",
        "files: accounts.csv, order_lines.csv",
    )

    book = openpyxl.Workbook()
    book.active.title = "accounts"
    book.active.append(["account_id", "name"])
    book.active.append(["A1", "x"])
    path = tmp_path / "kam.xlsx"
    book.save(path)
    _, report = check_dataset(
        DataParams(source=str(path), tables={"order_lines": "订单"}), as_of=AS_OF
    )
    issue = next(i for i in report.errors if i.code == "missing_table")
    assert issue.message == (
        "data.tables.order_lines names sheet '订单', which is not in the workbook."
    )
    assert (issue.expected, issue.found) == ("a sheet named '订单'", "sheets: 'accounts'")
