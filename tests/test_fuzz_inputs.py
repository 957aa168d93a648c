"""Generated hostile and broken inputs end in a report or in errors naming their place.

Hypothesis writes CSV folders (in UTF-8, UTF-8 with BOM, GBK or UTF-16) and Excel
workbooks with odd headers, ids, numbers and dates, and the test loads, validates,
computes the portfolio figures and renders the first account's review with its charts,
in-process, through the calls the report notebook makes. Every run must end either in
figures whose JSON is valid (no NaN, no Infinity) and a whole HTML report, or in a
kamreport error that says where the problem is; any other exception is a bug.
The budget is fixed and the examples derandomised, so CI sees the same cases each time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamreport.analytics.periods import default_as_of
from kamreport.context import check_as_of, summarise
from kamreport.errors import DataValidationError, KamReportError
from kamreport.figures import compute_figures
from kamreport.i18n import Formatter
from kamreport.loading import load_dataset
from kamreport.metrics import records, to_json
from kamreport.params import DataParams, Params
from kamreport.provenance import make_provenance
from kamreport.reports import customer

BUDGET = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
EXCEL_BUDGET = settings(BUDGET, max_examples=8)

ACCOUNT_HEADERS = ["account_id", "name", "industry", "customer_since", "influence"]
LINE_HEADERS = [
    "order_id", "line_no", "account_id", "product_id", "order_date", "quantity",
    "net_amount", "cost_amount", "currency",
]  # fmt: skip
ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "utf-16")

ids = st.sampled_from(
    ["KA0001", "KA0002", "ka0001", " KA0003 ", "007", "7", "客户1", "=cmd|' /C calc'!A0",
     "a\nb", "", "KA/../x", "\u202eKA9", "1e3"]
)  # fmt: skip
texts = st.text(
    alphabet=st.sampled_from(list("abcXYZ 01,;\"'=+-@\t\r\n\u2028\u3000华新化工¥€\x00\x7f")),
    max_size=20,
)
numbers = st.one_of(
    st.sampled_from(
        ["100", "-5", "1,234.50", "¥1,000", "1e308", "-1e308", "inf", "nan", "NaN", "", " ",
         "12abc", "0", "0.0000001", "9" * 40, "1.2.3", "(100)", "١٢٣"]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**15), max_value=10**15).map(str),
)  # fmt: skip
dates = st.one_of(
    st.sampled_from(
        ["2024-01-15", "2024/02/29", "2023.12.31", "2024年3月1日", "2024-13-01", "2024-02-30",
         "1900-01-01", "9999-12-31", "0001-01-01", "", "yesterday", "45000", "2024-01-15T10:00Z",
         "15/01/2024"]
    ),
    st.dates(min_value=dt.date(1600, 1, 1), max_value=dt.date(2300, 12, 31)).map(str),
    st.dates(min_value=dt.date(2022, 1, 1), max_value=dt.date(2026, 9, 30)).map(str),
)  # fmt: skip
currencies = st.sampled_from(["", "CNY", "cny", "USD", "XXX", "人民币"])


CLEAN_IDS = ("KA0001", "KA0002", "KA0003")
GOOD = {
    "account_id": st.sampled_from(CLEAN_IDS),
    "customer_since": st.sampled_from(["2019-01-01", "", "2020/6/1"]),
    "influence": st.sampled_from(["", "1", "3", "5"]),
    "line_no": st.sampled_from(["1", "2", ""]),
    "product_id": st.sampled_from(["P1", "P2"]),
    "order_date": st.dates(dt.date(2023, 1, 1), dt.date(2026, 9, 30)).map(str),
    "quantity": st.integers(-5, 500).map(str),
    "net_amount": st.floats(-1e4, 1e7, allow_nan=False).map(lambda x: f"{x:.2f}"),
    "cost_amount": st.one_of(st.just(""), st.floats(0, 1e7).map(lambda x: f"{x:.2f}")),
    "currency": st.sampled_from(["", "CNY"]),
}
HOSTILE = {
    "account_id": ids,
    "name": texts,
    "industry": texts,
    "customer_since": dates,
    "influence": numbers,
    "order_id": ids,
    "line_no": numbers,
    "product_id": st.sampled_from(["P1", "P2", "", "p1", "P9"]),
    "order_date": dates,
    "quantity": numbers,
    "net_amount": numbers,
    "cost_amount": numbers,
    "currency": currencies,
}


@st.composite
def headers(draw, names: list[str]) -> list[str]:
    """The data-model headers; in one case of four some are in another case or with
    spaces, some left out or doubled, and sometimes one extra."""
    if draw(st.integers(0, 3)):
        return list(names)
    out = []
    for name in names:
        choice = draw(st.integers(0, 9))
        if choice == 0:
            continue  # a missing column
        out.append(name.upper() if choice == 1 else f" {name} " if choice == 2 else name)
        if choice == 3:
            out.append(name)  # the same header twice
    if draw(st.booleans()):
        out.append(draw(st.sampled_from(["extra", "", "备注", "Unnamed: 3"])))
    return out


@st.composite
def tables(draw) -> dict[str, list[list[str]]]:
    """accounts and order_lines as rows of cells, headers first.

    Each example draws how hostile it is (no bad cell, a few, many): clean data with a
    few odd cells reaches the figures, where the crashes of the analytics would be.
    Names and other free text are always hostile; they must never break anything."""
    account_headers = draw(headers(ACCOUNT_HEADERS))
    line_headers = draw(headers(LINE_HEADERS))
    percent_bad = draw(st.sampled_from([0, 0, 2, 10, 50]))
    order_ids = iter(range(10**6))

    def cell(name: str, account: str | None = None) -> str:
        key = name.strip().lower()
        if key == "account_id" and account is not None and draw(st.integers(0, 99)) >= percent_bad:
            return account
        if key == "order_id" and draw(st.integers(0, 99)) >= percent_bad:
            return f"SO{next(order_ids)}"
        good = GOOD.get(key)
        if good is not None and draw(st.integers(0, 99)) >= percent_bad:
            return draw(good)
        return draw(HOSTILE.get(key, texts))

    accounts = [account_headers]
    for account in CLEAN_IDS[: draw(st.integers(0, 3))]:
        accounts.append([cell(n, account) for n in account_headers])
    lines = [line_headers]
    for _ in range(draw(st.integers(0, 12))):
        account = draw(st.sampled_from(CLEAN_IDS[: max(1, len(accounts) - 1)]))
        lines.append([cell(n, account) for n in line_headers])
    return {"accounts": accounts, "order_lines": lines}


def write_csv(folder: Path, name: str, rows: list[list[str]], encoding: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    (folder / f"{name}.csv").write_bytes(buffer.getvalue().encode(encoding, errors="replace"))


def write_xlsx(path: Path, data: dict[str, list[list[str]]]) -> None:
    """A workbook as a user saves it: numbers and dates typed where they parse."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in data.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append([typed(cell) for cell in row])
    book.save(path)


def typed(cell: str) -> object:
    cell = "".join(ch for ch in cell if ch in "\t\n\r" or ord(ch) >= 32)  # no control chars
    try:
        return dt.date.fromisoformat(cell)
    except ValueError:
        pass
    try:
        number = float(cell)
    except ValueError:
        return cell
    return number if abs(number) < 1e300 else cell


def outcome(source: Path) -> str:
    """Load, validate and compute as a run does; "figures", or the kind of clear error."""
    try:
        dataset = load_dataset(DataParams(source=str(source)))
    except DataValidationError as error:
        assert error.report.errors
        for issue in error.report.errors:
            assert issue.table or issue.source, issue
            assert issue.location() and issue.message, issue
        return "invalid"
    except KamReportError as error:  # the source itself cannot be read
        assert str(error).strip()
        return "refused"
    summary = summarise(dataset)
    as_of = default_as_of(dataset.last_order_date())
    try:
        check_as_of(as_of, summary)
    except KamReportError as error:
        assert "as-of date" in str(error)
        return "refused"
    params = Params()
    figures = compute_figures(dataset, as_of, params)
    json.loads(to_json(records(figures.metrics)), parse_constant=_not_json)
    if len(dataset.accounts):
        _render_review(dataset, str(dataset.accounts["account_id"].iloc[0]), as_of, params)
    return "figures"


def _render_review(dataset, account_id: str, as_of: dt.date, params: Params) -> None:
    """The account review of ``account_id`` as HTML with its charts, as the notebook
    renders it (in-process: the notebook only orchestrates these calls)."""
    review = customer.analyse(dataset, account_id, as_of, params)
    fmt = Formatter("en", dataset.currency)
    charts = customer.charts(review, fmt)
    provenance = make_provenance(params, dataset, as_of)
    html = customer.render_html(review, charts, fmt, provenance, params)
    assert html.lstrip().startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")


def _not_json(name: str) -> None:
    raise AssertionError(f"{name} in the metrics JSON")


@BUDGET
@given(data=tables(), encoding=st.sampled_from(ENCODINGS))
def test_generated_csv_folders_give_figures_or_a_located_error(data, encoding):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, rows in data.items():
            write_csv(folder, name, rows, encoding)
        assert outcome(folder) in ("figures", "invalid", "refused")


@EXCEL_BUDGET
@given(data=tables())
def test_generated_workbooks_give_figures_or_a_located_error(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.xlsx"
        write_xlsx(path, data)
        assert outcome(path) in ("figures", "invalid", "refused")


def clean_rows() -> dict[str, list[list[str]]]:
    accounts = [["account_id", "name"], ["KA0001", "Alpha"], ["KA0002", "Beta"]]
    lines = [LINE_HEADERS[:7]]  # order_id … net_amount: no costs, no currency
    for month in range(1, 13):
        for account in ("KA0001", "KA0002"):
            order = f"SO{account}{month}"
            lines.append([order, "1", account, "P1", f"2024-{month:02d}-15", "2", str(100 * month)])
    return {"accounts": accounts, "order_lines": lines}


@pytest.mark.parametrize("encoding", ENCODINGS[:3])
def test_a_clean_export_in_each_encoding_gives_figures(tmp_path: Path, encoding: str):
    """The harness is not vacuous: sound data does reach the figures."""
    for name, rows in clean_rows().items():
        write_csv(tmp_path, name, rows, encoding)
    assert outcome(tmp_path) == "figures"


def test_an_overflowing_amount_is_invalid_not_infinite(tmp_path: Path):
    data = clean_rows()
    data["order_lines"][1][6] = "1e308"
    data["order_lines"][2][6] = "1e308"
    for name, rows in data.items():
        write_csv(tmp_path, name, rows, "utf-8")
    assert outcome(tmp_path) == "invalid"
