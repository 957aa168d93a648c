"""Validation: every problem found in one run, each message pinned word for word."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from raw_tables import raw, table

from kamreport.dataset import Dataset
from kamreport.errors import DataValidationError
from kamreport.loading import load_dataset
from kamreport.params import DataParams
from kamreport.sources.raw import RawTable
from kamreport.validation import validate
from kamreport.validation.messages import rows_phrase

AS_OF = dt.date(2024, 3, 31)
DATE_EXPECTED = (
    "Expected a date written YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD or YYYY年M月D日 (a time after "
    "the date is ignored)"
)
DATE_FIX = (
    "Fix: Write the dates as YYYY-MM-DD (years 1678 to 2261), or format the column as dates in "
    "Excel before exporting."
)


def accounts(**extra) -> RawTable:
    return table("accounts", {"account_id": ["A1", "A2"], "name": ["Alpha", "Beta"], **extra})


def lines(n: int = 2, **override) -> RawTable:
    columns = {
        "order_id": [f"SO{i}" for i in range(n)],
        "line_no": ["1"] * n,
        "account_id": (["A1", "A2"] * n)[:n],
        "product_id": ["P1"] * n,
        "order_date": ["2024-01-15"] * n,
        "quantity": ["1"] * n,
        "net_amount": ["100"] * n,
        "cost_amount": ["60"] * n,
    }
    columns.update(override)
    return table("order_lines", {k: v for k, v in columns.items() if v is not None})


def run(*tables: RawTable, currency: str = "CNY", **kw):
    return validate(raw(*tables, **kw), currency, as_of=AS_OF)


def errors(*tables: RawTable, **kw) -> list[str]:
    return [str(i) for i in run(*tables, **kw)[1].errors]


def warnings(*tables: RawTable, code: str | None = None) -> list[str]:
    return [str(i) for i in run(*tables)[1].warnings if code is None or i.code == code]


# --- row lists ---------------------------------------------------------------------------


def test_rows_phrase():
    assert rows_phrase([4], 1) == "row 4"
    assert rows_phrase([4, 9], 2) == "rows 4 and 9"
    assert rows_phrase([4, 9, 17, 18, 30], 117) == "rows 4, 9, 17, 18, 30 and 112 more"
    assert rows_phrase(["order_id=SO1, line_no=1", "order_id=SO2, line_no=1"], 3) == (
        "rows order_id=SO1, line_no=1; order_id=SO2, line_no=1 and 1 more"
    )


# --- a clean load ------------------------------------------------------------------------


def test_clean_tables_are_typed_and_trimmed():
    tables, report = run(
        accounts(parent_id=["", " A1 "], size_band=["Large", " ENTERPRISE"]),
        lines(net_amount=[" 1,234.5 ", "¥100"], line_no=["1", "2.0"]),
    )
    assert report.ok
    acc, ol = tables["accounts"], tables["order_lines"]
    assert acc["parent_id"].isna().tolist() == [True, False]
    assert acc["parent_id"].iloc[1] == "A1"
    assert acc["size_band"].tolist() == ["large", "enterprise"]
    assert ol["net_amount"].tolist() == [1234.5, 100.0]
    assert ol["line_no"].tolist() == [1, 2]
    assert str(ol["line_no"].dtype) == "Int64"
    assert ol["order_date"].dtype == "datetime64[ns]"
    assert list(ol.columns) == [
        "order_id",
        "line_no",
        "account_id",
        "product_id",
        "order_date",
        "quantity",
        "net_amount",
        "cost_amount",
    ]


def test_accepted_date_formats():
    dates = [
        "2024-03-05",
        "2024/3/5",
        "2024.03.05",
        "2024年3月5日",
        "2024-03-05 00:00:00",
        "2024/3/5 13:45",
    ]
    tables, report = run(accounts(), lines(6, order_date=dates))
    assert report.ok
    assert set(tables["order_lines"]["order_date"]) == {pd.Timestamp("2024-03-05")}


def test_activity_status_defaults_to_done():
    activities = table(
        "activities",
        {
            "activity_id": ["V1", "V2"],
            "account_id": ["A1", "A2"],
            "date": ["2024-01-02", "2024-01-03"],
            "type": ["Visit", "senior visit"],
            "status": ["", "Planned"],
        },
    )
    tables, report = run(accounts(), lines(), activities)
    assert report.ok
    assert tables["activities"]["status"].tolist() == ["done", "planned"]
    assert tables["activities"]["type"].tolist() == ["visit", "senior_visit"]
    without = table(
        "activities",
        {"activity_id": ["V1"], "account_id": ["A1"], "date": ["2024-01-02"], "type": ["call"]},
    )
    tables, _ = run(accounts(), lines(), without)
    assert tables["activities"]["status"].tolist() == ["done"]


def test_optional_columns_are_not_invented():
    tables, _ = run(accounts(), lines(cost_amount=None))
    assert "cost_amount" not in tables["order_lines"]
    assert "name_en" not in tables["accounts"]


def test_typed_columns_from_a_database_are_accepted():
    typed = table(
        "order_lines",
        {
            "order_id": ["SO1", "SO2"],
            "line_no": [1, 2],
            "account_id": ["A1", "A2"],
            "product_id": [101, 102],  # integer ids become text
            "order_date": [dt.date(2024, 1, 5), dt.date(2024, 2, 6)],
            "quantity": [1.0, 2.0],
            "net_amount": [100, 200],
        },
        typed=True,
        row_key=("order_id", "line_no"),
        first_row=1,
    )
    tables, report = run(accounts(), typed)
    assert report.ok
    ol = tables["order_lines"]
    assert ol["product_id"].tolist() == ["101", "102"]
    assert ol["order_date"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-02-06")]
    assert ol["net_amount"].dtype == "float64"


# --- errors, one of each kind ------------------------------------------------------------


def test_missing_required_table():
    assert errors(accounts(), looked_for={"order_lines": "a file order_lines.csv"}) == [
        "[missing_table] export, table order_lines: Required table order_lines not found. "
        "Expected a file order_lines.csv, found files: accounts.csv. Fix: Save the table as "
        "order_lines.csv in export, or name your file in the params file: "
        "data.tables.order_lines: <file name>."
    ]


def test_missing_required_column():
    assert errors(accounts(), lines(order_date=None, **{"Date": ["2024-01-15"] * 2})) == [
        "[missing_column] export/order_lines.csv, column 'order_date': Column 'order_date' not "
        "in order_lines.csv. Columns in file: ['order_id', 'line_no', 'account_id', "
        "'product_id', 'quantity', 'net_amount', 'cost_amount', 'Date']. Fix: Add the column, "
        "or map the header that holds it in the params file: "
        "data.columns: {order_lines: {<your header>: order_date}}."
    ]


def test_missing_column_suggests_a_similar_header():
    order_lines = lines(1, quantity=None, Quantiy=["1"])
    assert errors(accounts(), order_lines)[0].endswith(
        "Fix: Add the column, or map the header that holds it in the params file: "
        "data.columns: {order_lines: {Quantiy: quantity}}."
    )


def test_missing_name_column_names_accounts_by_id_and_suggests_a_similar_header():
    acc = table("accounts", {"account_id": ["A1"], "Nmae": ["Alpha"]})
    tables, report = run(acc, lines(1))
    assert report.ok
    assert tables["accounts"]["name"].tolist() == ["A1"]
    assert list(tables["accounts"].columns) == ["account_id", "name"]
    assert warnings(acc, lines(1), code="default_name") == [
        "[default_name] export/accounts.csv, column 'name': Column 'name' not "
        "in accounts.csv: every report names the accounts by their account_id. Fix: Add a name "
        "column to show names, or map the header that holds them in the params file: "
        "data.columns: {accounts: {Nmae: name}}."
    ]
    (issue,) = [i for i in report.warnings if i.code == "default_name"]
    assert issue.account_ids == ()  # said once in every account's report, not per row


def test_empty_names_default_to_the_account_id():
    tables, report = run(accounts(name=["Alpha", "  "]), lines())
    assert report.ok
    assert tables["accounts"]["name"].tolist() == ["Alpha", "A2"]
    (issue,) = [i for i in report.warnings if i.code == "default_name"]
    assert str(issue) == (
        "[default_name] export/accounts.csv, column 'name', row 3: Empty name: the account_id "
        "is shown instead. Expected a name for every account, found an empty cell. "
        "Fix: Fill in the names."
    )
    assert issue.account_ids == ("A2",)


def test_unparsable_date():
    assert errors(accounts(), lines(order_date=["2024-01-15", "15/01/2024"])) == [
        "[bad_date] export/order_lines.csv, column 'order_date', row 3: Not a date. "
        f"{DATE_EXPECTED}, found '15/01/2024'. {DATE_FIX}"
    ]


def test_many_bad_cells_make_one_issue_with_the_first_five_rows():
    quantities = ["1", "x", "x", "1,23", "y", "x", "x", "z", "1"]
    assert errors(accounts(), lines(9, quantity=quantities)) == [
        "[bad_number] export/order_lines.csv, column 'quantity': Not a number in rows 3, 4, 5, "
        "6, 7 and 2 more. Expected a number such as 1234.5, 1,234.5 or ¥1,234.50, found 'x', "
        "'1,23', 'y', 'z'. Fix: Remove units and other text from the cells and write decimals "
        "with a dot."
    ]


def test_number_that_is_not_whole():
    assert errors(accounts(), lines(line_no=["1", "1.5"])) == [
        "[bad_number] export/order_lines.csv, column 'line_no', row 3: Not a whole number. "
        "Expected a whole number such as 3, found '1.5'. Fix: Write whole numbers without "
        "decimals, units or other text."
    ]


def test_empty_value_in_required_column():
    assert errors(accounts(), lines(product_id=["P1", "  "])) == [
        "[empty_value] export/order_lines.csv, column 'product_id', row 3: Empty value. "
        "Expected a value in every row (product_id is required), found an empty cell. "
        "Fix: Fill in product_id, or remove rows that are not data (such as totals or notes)."
    ]


def test_value_not_allowed():
    acts = table(
        "activities",
        {
            "activity_id": ["V1", "V2"],
            "account_id": ["A1", "A1"],
            "date": ["2024-01-02"] * 2,
            "type": ["VISIT", "lunch"],
        },
    )
    assert errors(accounts(), lines(), acts) == [
        "[not_allowed] export/activities.csv, column 'type', row 3: Value not allowed. Expected "
        "one of visit, call, training, senior_visit, email, meeting (any letter case), found "
        "'lunch'. Fix: Replace the values with allowed ones; docs/data-model.md says what each "
        "means."
    ]


def test_value_out_of_range():
    assert errors(accounts(influence=["0", "6"]), lines()) == [
        "[out_of_range] export/accounts.csv, column 'influence': Value out of range in rows 2 "
        "and 3. Expected a value from 1 to 5, found 0, 6. Fix: Correct the values, or leave "
        "the cells empty where unknown."
    ]
    opps = table(
        "opportunities",
        {
            "opportunity_id": ["O1"],
            "account_id": ["A1"],
            "name": ["Line 2"],
            "stage": ["won"],
            "amount": ["5"],
            "probability": ["60"],
        },
    )
    assert errors(accounts(), lines(), opps)[0].endswith(
        "Expected a value from 0 to 1, found 60. Fix: Correct the values, or leave the cells "
        "empty where unknown. Write shares and probabilities as fractions (0.6 for 60%)."
    )


def test_duplicate_key():
    assert errors(accounts(account_id=["A1", "A1 "]), lines(account_id=["A1", "A1"])) == [
        "[duplicate_key] export/accounts.csv, column 'account_id': Duplicate account_id in rows "
        "2 and 3. Expected each account_id once, found 'A1' (rows 2 and 3). Fix: Remove the "
        "duplicate rows, or give each row its own account_id."
    ]


def test_duplicate_composite_key():
    ol = lines(3, order_id=["SO1", "SO1", "SO1"], line_no=["1", "1", "2"])
    assert errors(accounts(), ol) == [
        "[duplicate_key] export/order_lines.csv: Duplicate (order_id, line_no) in rows 2 and 3. "
        "Expected each (order_id, line_no) once, found 'SO1', 1 (rows 2 and 3). Fix: Remove the "
        "duplicate rows, or give each row its own (order_id, line_no)."
    ]


def test_no_key_check_without_line_no():
    ol = lines(2, order_id=["SO1", "SO1"], line_no=None)
    assert errors(accounts(), ol) == []


def test_order_line_for_unknown_account():
    assert errors(accounts(), lines(3, account_id=["A1", "C9", "C9"])) == [
        "[unknown_reference] export/order_lines.csv, column 'account_id': Unknown account_id "
        "(not in accounts) in rows 3 and 4. Expected account_id values listed in accounts "
        "(accounts.csv), found 'C9'. Fix: Add the missing accounts to accounts, or correct the "
        "ids (look for dropped leading zeros and extra spaces)."
    ]


def test_unknown_product_only_when_products_are_supplied():
    assert errors(accounts(), lines(product_id=["P1", "P7"])) == []
    products = table("products", {"product_id": ["P1"], "name": ["Resin"]})
    assert errors(accounts(), lines(product_id=["P1", "P7"]), products) == [
        "[unknown_reference] export/order_lines.csv, column 'product_id', row 3: Unknown "
        "product_id (not in products). Expected product_id values listed in products "
        "(products.csv), found 'P7'. Fix: Add the missing products to products, or correct the "
        "ids (look for dropped leading zeros and extra spaces)."
    ]


def test_other_tables_pointing_at_unknown_accounts():
    invoices = table(
        "invoices",
        {
            "invoice_id": ["I1"],
            "account_id": ["ZZ"],
            "invoice_date": ["2024-01-01"],
            "due_date": ["2024-02-01"],
            "amount": ["10"],
        },
    )
    assert [e.split(":")[0] for e in errors(accounts(), lines(), invoices)] == [
        "[unknown_reference] export/invoices.csv, column 'account_id', row 2"
    ]


def test_empty_required_table():
    empty = table("order_lines", {c: [] for c in lines().frame.columns})
    assert errors(accounts(), empty) == [
        "[empty_table] export/order_lines.csv: Table has no rows. Expected at least one data "
        "row, found a header row only. Fix: Check the export of order_lines; the reports need it."
    ]


def test_mixed_currencies_without_fx_rates():
    assert errors(accounts(), lines(3, currency=["CNY", "usd", ""])) == [
        "[mixed_currency] export/order_lines.csv, column 'currency': Order lines are in CNY and "
        "USD but there is no fx_rates table to convert them to CNY (data.currency). Expected "
        "every amount in CNY, or an fx_rates table with a rate for each other currency, found "
        "CNY (2 lines), USD (1 line). Fix: Add an fx_rates table (columns currency and rate, "
        "in CNY per one unit), or set data.currency to the currency of the data if it uses "
        "only one."
    ]


def test_currency_without_a_rate():
    fx = table("fx_rates", {"currency": ["USD"], "rate": ["7.1"]})
    assert errors(accounts(), lines(3, currency=["CNY", "USD", "EUR"]), fx) == [
        "[missing_fx_rate] export/order_lines.csv, column 'currency', row 4: No rate for EUR in "
        "fx_rates. Expected a row in fx_rates (fx_rates.csv) for EUR, found none. Fix: Add EUR "
        "to fx_rates with its rate in CNY per one EUR."
    ]


def test_fx_rates_convert_amounts_into_the_reporting_currency():
    fx = table("fx_rates", {"currency": ["usd", "EUR"], "rate": ["7.1", "7.8"]})
    ol = lines(3, currency=["CNY", "USD", ""], list_amount=["110", "110", "110"])
    tables, report = run(accounts(), ol, fx)
    assert report.ok
    converted = tables["order_lines"]
    assert converted["net_amount"].tolist() == pytest.approx([100.0, 710.0, 100.0])
    assert converted["cost_amount"].tolist() == pytest.approx([60.0, 426.0, 60.0])
    assert converted["list_amount"].tolist() == pytest.approx([110.0, 781.0, 110.0])
    assert converted["currency"].tolist() == ["CNY", "CNY", "CNY"]


def test_reporting_currency_other_than_cny():
    tables, report = run(accounts(), lines(currency=["usd", "USD"]), currency="usd")
    assert report.ok
    assert tables["order_lines"]["currency"].tolist() == ["USD", "USD"]


# --- warnings ----------------------------------------------------------------------------


def test_empty_optional_table_is_a_warning():
    products = table("products", {"product_id": [], "name": []})
    assert warnings(accounts(), lines(), products, code="empty_table") == [
        "[empty_table] export/products.csv: Table has no rows; report sections that use it will "
        'say "no data". Fix: Nothing to do, unless the export should hold rows.'
    ]


def test_absent_optional_tables_are_listed_once():
    assert warnings(accounts(), lines(), code="absent_tables") == [
        "[absent_tables] export: Optional tables not supplied: products, invoices, "
        "targets, activities, contacts, opportunities, surveys, complaints, wallet, "
        "competitors, service_costs, account_plans. Report sections that need them will say "
        '"no data". Fix: Nothing to do unless you have this data; docs/data-model.md '
        "describes each table."
    ]


def test_order_lines_after_the_last_complete_month():
    ol = lines(3, order_date=["2024-03-31", "2024-04-01", "2024-04-09"])
    _, report = validate(raw(accounts(), ol), "CNY", as_of=dt.date(2024, 4, 10))
    assert [str(i) for i in report.warnings if i.code == "incomplete_month"] == [
        "[incomplete_month] export/order_lines.csv, column 'order_date': Order date in an "
        "incomplete month (after 2024-03-31) in rows 3 and 4. Expected order dates up to "
        "2024-03-31, found dates up to 2024-04-09. Fix: Nothing to do if the export is current: "
        "the month in progress is incomplete. Dates in the future point at an export error."
    ]
    _, report = validate(raw(accounts(), ol), "CNY", as_of=dt.date(2024, 4, 30))
    assert "incomplete_month" not in [i.code for i in report.issues]


def test_account_without_order_lines():
    acc = table(
        "accounts",
        {
            "account_id": ["G1", "A1", "A2", "A3"],
            "name": ["group", "a", "b", "c"],
            "parent_id": ["", "G1", "", ""],
        },
    )
    # G1 buys through its subsidiary A1: not reported
    assert warnings(acc, lines(), code="no_orders") == [
        "[no_orders] export/accounts.csv, column 'account_id', row 5: No order lines for this "
        "account. Expected order lines for every account, found none for 'A3'. Fix: Nothing to "
        "do for new or inactive accounts; otherwise check that the order-line export covers "
        "them."
    ]


def test_parent_that_is_not_an_account():
    assert warnings(accounts(parent_id=["", "G9"]), lines(), code="unknown_parent") == [
        "[unknown_parent] export/accounts.csv, column 'parent_id', row 3: Unknown parent_id "
        "(not an account_id in accounts). Expected the account_id of the group company, or an "
        "empty cell, found 'G9'. Fix: Add the group company to accounts, or leave parent_id "
        "empty; until then these accounts are not grouped."
    ]


def test_missing_cost():
    assert warnings(accounts(), lines(cost_amount=None), code="missing_cost") == [
        "[missing_cost] export/order_lines.csv, column 'cost_amount': Column cost_amount not "
        'supplied; margin figures will say "no data". Fix: Add cost_amount (cost of goods sold '
        "per line) to the order lines to get margins; without costs, set clv.assumed_margin "
        "(e.g. 0.25) in the params file to value the accounts on an assumed margin."
    ]
    assert warnings(accounts(), lines(cost_amount=["", "5"]), code="missing_cost") == [
        "[missing_cost] export/order_lines.csv, column 'cost_amount', row 2: Empty cost_amount. "
        "Expected a cost for every order line, found an empty cell for account 'A1'. Fix: Fill "
        'in the cost of goods sold; until then margin figures of these accounts say "no data" '
        "for periods that include these lines."
    ]


# --- all at once -------------------------------------------------------------------------


def test_every_problem_is_reported_at_once(tmp_path: Path):
    (tmp_path / "accounts.csv").write_text(
        "account_id,name,size_band\nA1,Alpha,large\nA1,Alpha again,big\nA3,,small\n"
    )
    (tmp_path / "order_lines.csv").write_text(
        "order_id,line_no,account_id,product_id,order_date,quantity,net_amount,currency\n"
        "SO1,1,A1,P1,2024-01-15,1,100,CNY\n"
        "SO2,1,A9,P1,15/01/2024,one,100,USD\n"
    )
    with pytest.raises(DataValidationError) as caught:
        load_dataset(DataParams(source=str(tmp_path)), as_of=AS_OF)
    report = caught.value.report
    assert [(i.code, i.table, i.column) for i in report.errors] == [
        ("not_allowed", "accounts", "size_band"),
        ("duplicate_key", "accounts", "account_id"),
        ("bad_date", "order_lines", "order_date"),
        ("bad_number", "order_lines", "quantity"),
        ("unknown_reference", "order_lines", "account_id"),
        ("mixed_currency", "order_lines", "currency"),
    ]
    assert str(caught.value).startswith(
        "The input data has errors; nothing was written.\n6 error(s), 4 warning(s):\n"
    )


# --- invariants --------------------------------------------------------------------------

_ids = st.sampled_from(["A1", "A2", "A3", "B7"])
_dates = st.sampled_from(["2024-01-15", "2024/02/29", "2024年3月5日", "2024-04-02", "bad", ""])
_numbers = st.sampled_from(["1", "-2.5", "1,234.5", "¥10", "x", ""])
_line = st.tuples(
    st.sampled_from(["SO1", "SO2", "SO3"]),
    st.sampled_from(["1", "2", ""]),
    _ids,
    _dates,
    _numbers,
    _numbers,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_line, min_size=1, max_size=12), st.data())
def test_result_does_not_depend_on_row_order(rows, data):
    order = data.draw(st.permutations(range(len(rows))))

    def check(selected):
        ol = table(
            "order_lines",
            {
                "order_id": [r[0] for r in selected],
                "line_no": [r[1] for r in selected],
                "account_id": [r[2] for r in selected],
                "product_id": ["P1"] * len(selected),
                "order_date": [r[3] for r in selected],
                "quantity": [r[4] for r in selected],
                "net_amount": [r[5] for r in selected],
            },
        )
        acc = table("accounts", {"account_id": ["A1", "A2", "A3"], "name": ["a", "b", "c"]})
        return validate(raw(acc, ol), "CNY", as_of=AS_OF)

    tables, report = check(rows)
    shuffled_tables, shuffled_report = check([rows[i] for i in order])

    def summary(rep):
        return sorted((i.severity, i.code, i.table, i.column or "") for i in rep.issues)

    assert summary(report) == summary(shuffled_report)
    assert Dataset(tables).content_hash() == Dataset(shuffled_tables).content_hash()


def test_validation_stays_vectorised_on_large_typed_tables():
    n = 200_000
    rng = np.random.default_rng(1)
    ol = table(
        "order_lines",
        {
            "order_id": [f"SO{i // 3}" for i in range(n)],
            "line_no": np.arange(n) % 3 + 1,
            "account_id": rng.choice(["A1", "A2"], n),
            "product_id": ["P1"] * n,
            "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 60, n), "D"),
            "quantity": rng.random(n),
            "net_amount": rng.random(n) * 100,
            "cost_amount": rng.random(n) * 50,
        },
        typed=True,
        row_key=("order_id", "line_no"),
        first_row=1,
    )
    start = pd.Timestamp.now()
    tables, report = run(accounts(), ol)
    assert report.ok
    assert len(tables["order_lines"]) == n
    assert (pd.Timestamp.now() - start).total_seconds() < 20


def test_row_issues_name_the_accounts_they_concern(tmp_path):
    """An account's report shows the load warnings about its own rows, and only those."""
    from kamreport.analytics.account_review import review_account

    folder = tmp_path / "acc"
    folder.mkdir()
    (folder / "accounts.csv").write_text(
        "account_id,name\nA1,Alpha\nA2,Beta\nA10,Gamma\n", encoding="utf-8"
    )
    (folder / "order_lines.csv").write_text(
        "order_id,line_no,account_id,product_id,order_date,quantity,net_amount,cost_amount\n"
        "O1,1,A1,P1,2026-09-01,1,100,60\n"
        "O2,1,A10,P1,2026-09-02,1,100,\n"
        "O3,1,A2,P1,2026-09-30,1,100,50\n",
        encoding="utf-8",
    )
    dataset = load_dataset(DataParams(source=str(folder)))
    empty_cost = [w for w in dataset.warnings if w.code == "missing_cost"]
    assert empty_cost and empty_cost[0].account_ids == ("A10",)
    as_of = dt.date(2026, 9, 30)
    assert [w.code for w in review_account(dataset, "A10", as_of).warnings] == ["missing_cost"]
    assert review_account(dataset, "A1", as_of).warnings == ()


# --- plausible ranges (data.bounds) -----------------------------------------------------


def test_amounts_beyond_the_plausible_range_are_errors_naming_rows():
    found = errors(
        accounts(),
        lines(3, net_amount=["1e308", "-2e12", "100"], quantity=["1", "1", "5e9"]),
    )
    assert found == [
        "[out_of_range] export/order_lines.csv, column 'quantity', row 4: Value beyond the "
        "plausible range. Expected a quantity between -1,000,000,000 and 1,000,000,000 "
        "(data.bounds.max_quantity), found '5e9'. Fix: Correct the values (look for a "
        "misplaced decimal point, digits typed twice or a number in scientific notation); if "
        "values this large are real, raise data.bounds.max_quantity in the params file.",
        "[out_of_range] export/order_lines.csv, column 'net_amount': Value beyond the "
        "plausible range in rows 2 and 3. Expected an amount between -1,000,000,000,000 and "
        "1,000,000,000,000 (data.bounds.max_amount), found '1e308', '-2e12'. Fix: Correct the "
        "values (look for a misplaced decimal point, digits typed twice or a number in "
        "scientific notation); if values this large are real, raise data.bounds.max_amount "
        "in the params file.",
    ]


def test_infinite_amounts_are_not_numbers():
    found = errors(accounts(), lines(2, net_amount=["inf", "-Infinity"]))
    assert len(found) == 1 and found[0].startswith(
        "[bad_number] export/order_lines.csv, column 'net_amount': Not a number in rows 2 and 3."
    )


def test_bounds_are_parameters():
    from kamreport.params import BoundsParams

    wide = BoundsParams(max_amount=1e14, earliest_date=dt.date(1900, 1, 1))
    tables, report = validate(
        raw(accounts(), lines(2, net_amount=["2e12", "1"], order_date=["1900-01-01"] * 2)),
        "CNY",
        as_of=AS_OF,
        bounds=wide,
    )
    assert report.errors == ()
    assert [i.code for i in report.warnings] == ["absent_tables"]
    assert tables["order_lines"]["net_amount"].tolist() == [2e12, 1.0]


def test_dates_before_the_earliest_plausible_date_are_warnings():
    found = warnings(
        accounts(), lines(2, order_date=["1900-01-01", "2024-01-15"]), code="implausible_date"
    )
    assert found == [
        "[implausible_date] export/order_lines.csv, column 'order_date', row 2: Date before "
        "1990-01-01. Expected dates from 1990-01-01 on (data.bounds.earliest_date), found "
        "'1900-01-01'. Fix: Correct the dates (placeholders such as 1900-01-01 often stand for "
        '"unknown": leave such cells empty); if the data really goes back this far, set '
        "data.bounds.earliest_date in the params file."
    ]
    # a relationship may be older than any export
    assert not warnings(
        accounts(customer_since=["1985-06-01", ""]), lines(), code="implausible_date"
    )


def test_events_far_after_the_as_of_date_are_errors_but_due_dates_are_not():
    invoices = table(
        "invoices",
        {
            "invoice_id": ["I1"],
            "account_id": ["A1"],
            "invoice_date": ["2024-01-10"],
            "due_date": ["2031-01-01"],
            "amount": ["100"],
        },
    )
    found = errors(accounts(), lines(2, order_date=["2024-01-15", "2099-01-01"]), invoices)
    assert found == [
        "[out_of_range] export/order_lines.csv, column 'order_date', row 3: Date after "
        "2025-04-01, 366 days after the as-of date 2024-03-31. Expected dates up to 2025-04-01 "
        "(data.bounds.future_days), found '2099-01-01'. Fix: Correct the dates (look for a "
        "wrong year or day and month swapped); an event cannot lie in the future."
    ]


# --- typed columns: the quick paths give what the general conversion gives ----------------


def test_typed_whole_numbers_convert_as_through_float():
    from kamreport.validation.parse import to_float, to_int

    for values in (
        pd.Series([1, -3, 2**53, -(2**53), 0], dtype="int64"),
        pd.Series([1, 2**53 + 1, -(2**62), np.iinfo(np.int64).min], dtype="int64"),
        pd.Series([7, 2**63 + 5], dtype="uint64"),
        pd.Series([4, 5], dtype="int32"),
    ):
        numbers, bad = to_float(values)
        array = numbers.to_numpy()
        bad = bad | (np.isfinite(array) & (np.abs(array) > 2**53))
        general = numbers.where(~bad).astype("Int64")
        quick, quick_bad = to_int(values)
        assert quick_bad.tolist() == bad.tolist()
        pd.testing.assert_series_equal(quick, general)


def test_typed_dates_at_midnight_are_kept_and_others_normalised():
    from kamreport.validation.parse import to_date

    midnight = pd.Series(pd.to_datetime(["1960-02-29", None, "2026-09-30"]).as_unit("ns"))
    dates, bad = to_date(midnight)
    assert not bad.any() and dates.dtype == "datetime64[ns]"
    assert np.shares_memory(dates.to_numpy(), midnight.to_numpy())
    with_time = pd.Series(pd.to_datetime(["1960-02-29 13:00:00", None, "2026-09-30 00:00:01"]))
    dates, bad = to_date(with_time.astype("datetime64[ns]"))
    assert not bad.any()
    pd.testing.assert_series_equal(dates, midnight)


def test_per_unique_keeps_a_column_it_does_not_change():
    from kamreport.validation.parse import normalize_choice, per_unique

    clean = pd.Series(["cny", "usd", None] * 5_000, dtype="str")
    assert per_unique(clean, lambda u: u.str.lower()) is clean
    assert normalize_choice(clean) is clean
    upper = per_unique(clean, lambda u: u.str.upper())
    assert upper.tolist()[:3] == ["CNY", "USD", upper.iloc[2]] and pd.isna(upper.iloc[2])


_EDGE_TEXT = st.text(
    alphabet=st.sampled_from(list("ab1-_ 中文\t\n\r\x0b\x0c\x1f\x85\xa0\u3000\u2003\u200b\ufeffé")),
    max_size=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(st.one_of(st.none(), _EDGE_TEXT), min_size=1, max_size=40),
    start=st.integers(0, 5),
    chunked=st.booleans(),
)
def test_stripping_text_gives_what_stripping_every_value_gives(values, start, chunked):
    """The quick check on each value's first and last byte never keeps a value that
    stripping would change, for Arrow text that is sliced or in several chunks."""
    import pyarrow as pa

    from kamreport.validation.parse import as_text

    arrow = pa.chunked_array(
        [pa.array(values[: len(values) // 2], pa.large_string()),
         pa.array(values[len(values) // 2 :], pa.large_string())]
        if chunked
        else [pa.array(values, pa.string())]
    )  # fmt: skip
    text = pd.Series(pd.arrays.ArrowStringArray(arrow), dtype="str").iloc[start:]
    text = text.reset_index(drop=True)
    stripped = text.str.strip()  # every value stripped, as without the quick check
    expected = [None if pd.isna(v) else v for v in stripped.where(stripped != "").tolist()]
    assert [None if pd.isna(v) else v for v in as_text(text).tolist()] == expected


def test_a_clean_text_column_is_kept_without_a_copy():
    from kamreport.validation.parse import as_text

    ids = pd.Series([f"SO-{i:06d}" for i in range(20_000)], dtype="str")
    assert as_text(ids) is ids
    spaced = ids.copy()
    spaced.iloc[12_345] = "SO-012345\u3000"
    assert as_text(spaced).iloc[12_345] == "SO-012345"


def test_currency_codes_are_upper_cased_unless_every_byte_says_they_are_already():
    from kamreport.validation.parse import upper_case_already

    assert upper_case_already(pd.Series(["CNY", "USD", None, "EUR"] * 10, dtype="str"))
    for column in (["CNY", "usd"], ["CNY", "Éur"], ["CNY", "ｕｓｄ"]):
        assert not upper_case_already(pd.Series(column, dtype="str"))
    assert not upper_case_already(pd.Series(["CNY"], dtype=object))  # not Arrow: upper-case it
    tables, _ = run(accounts(), lines(40_000, currency=["CNY"] * 39_999 + ["usd"]))
    assert tables["order_lines"]["currency"].iloc[-1] == "USD"
