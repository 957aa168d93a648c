"""Minimal exports: accounts with only an id, no accounts table, no products table, and
order lines without an account (refused by default, excluded on request, never silently)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from raw_tables import raw, table

from kamreport.errors import DataValidationError, ParamsError
from kamreport.loading import check_dataset, load_dataset
from kamreport.params import DataParams, load_params
from kamreport.sources.raw import RawTable
from kamreport.validation import validate

AS_OF = dt.date(2024, 3, 31)


def lines(account_ids: list[str], amounts: list[str] | None = None) -> RawTable:
    n = len(account_ids)
    return table(
        "order_lines",
        {
            "order_id": [f"SO{i}" for i in range(n)],
            "account_id": account_ids,
            "product_id": ["P1"] * n,
            "order_date": ["2024-01-15"] * n,
            "quantity": ["1"] * n,
            "net_amount": amounts or ["100"] * n,
        },
    )


ACCOUNTS = table("accounts", {"account_id": ["A1", "A2"], "country": ["UK", "FR"]})
GUESTS = lines(["A1", "", "A2", " ", "", "A1"], ["10", "20.5", "30", "-4", "1,000", "60"])


def test_rows_without_an_account_are_refused_with_count_amount_and_fix():
    _tables, report = validate(raw(ACCOUNTS, GUESTS), "GBP", as_of=AS_OF)
    assert [i.code for i in report.errors] == ["no_account"]
    assert str(report.errors[0]) == (
        "[no_account] export/order_lines.csv, column 'account_id': No account_id in rows 3, 5 "
        "and 6. Expected an account_id in every row, found 3 order lines without one, "
        "net_amount 1,016.50 GBP in total. Fix: Fill in account_id; or, if these are sales "
        "without a customer (such as guest orders), set data.lines_without_account: exclude "
        "in the params file to leave them out of every figure (their count and amount are "
        "then reported as a warning)."
    )
    # reported once, not a second time as empty cells
    assert not [i for i in report.issues if i.code == "empty_value"]


def test_excluded_rows_leave_every_figure_and_are_reported():
    tables, report = validate(
        raw(ACCOUNTS, GUESTS), "GBP", as_of=AS_OF, lines_without_account="exclude"
    )
    assert report.ok
    kept = tables["order_lines"]
    assert kept["account_id"].tolist() == ["A1", "A2", "A1"]
    assert kept["net_amount"].sum() == 100.0
    (issue,) = [i for i in report.warnings if i.code == "excluded_no_account"]
    assert str(issue) == (
        "[excluded_no_account] export/order_lines.csv, column 'account_id': Left out of every "
        "figure (data.lines_without_account: exclude): no account_id in rows 3, 5 and 6. "
        "Expected an account_id in every row, found 3 order lines without one, net_amount "
        "1,016.50 GBP in total. Fix: Nothing to do if these are sales without a customer (such "
        "as guest orders); otherwise fill in account_id."
    )


def test_other_problems_in_kept_rows_keep_their_row_numbers():
    bad = lines(["", "A1", "A2"], ["5", "x", "7"])
    _tables, report = validate(
        raw(ACCOUNTS, bad), "GBP", as_of=AS_OF, lines_without_account="exclude"
    )
    (error,) = report.errors
    assert error.code == "bad_number" and error.row == 3


def test_invoices_without_an_account_are_counted_with_their_amount():
    invoices = table(
        "invoices",
        {
            "invoice_id": ["I1", "I2"],
            "account_id": ["A1", ""],
            "invoice_date": ["2024-01-15"] * 2,
            "due_date": ["2024-02-15"] * 2,
            "amount": ["100", "250"],
        },
    )
    _tables, report = validate(raw(ACCOUNTS, lines(["A1"]), invoices), "GBP", as_of=AS_OF)
    (error,) = report.errors
    assert error.code == "no_account" and error.table == "invoices"
    assert "found 1 invoice without one, amount 250.00 GBP in total" in str(error)


def test_foreign_currencies_are_not_summed_as_the_reporting_currency():
    mixed = lines(["", "A1"])
    mixed.frame["currency"] = ["USD", "GBP"]
    _tables, report = validate(raw(ACCOUNTS, mixed), "GBP", as_of=AS_OF)
    assert "net_amount 100.00 in the rows' own currencies in total" in str(report.errors[0])


def test_the_parameter_is_checked():
    assert DataParams().lines_without_account == "refuse"
    with pytest.raises(
        ParamsError, match=r"data\.lines_without_account must be one of refuse, exclude"
    ):
        DataParams(lines_without_account="drop")


def test_the_parameter_reaches_validation(tmp_path: Path):
    (tmp_path / "order_lines.csv").write_text(
        "order_id,account_id,product_id,order_date,quantity,net_amount\n"
        "1,A1,P1,2024-01-15,1,10\n2,,P1,2024-01-16,2,20\n",
        encoding="utf-8",
    )
    params = tmp_path / "p.yaml"
    params.write_text(f"data:\n  source: {tmp_path}\n  currency: GBP\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="no_account"):
        load_dataset(load_params(params).data, as_of=AS_OF)
    params.write_text(
        f"data:\n  source: {tmp_path}\n  currency: GBP\n  lines_without_account: exclude\n",
        encoding="utf-8",
    )
    dataset = load_dataset(load_params(params).data, as_of=AS_OF)
    assert dataset.order_lines["account_id"].tolist() == ["A1"]
    assert [w.code for w in dataset.warnings if w.code == "excluded_no_account"]


def test_accounts_with_only_an_id_are_named_by_it():
    tables, report = validate(raw(ACCOUNTS, lines(["A1", "A2"])), "GBP", as_of=AS_OF)
    assert report.ok
    assert tables["accounts"]["name"].tolist() == ["A1", "A2"]
    assert tables["accounts"]["country"].tolist() == ["UK", "FR"]
    assert [i.code for i in report.warnings].count("default_name") == 1


def test_without_an_accounts_table_the_accounts_come_from_the_order_lines():
    tables, report = validate(raw(lines(["B2", "A1", "B2"])), "GBP", as_of=AS_OF)
    assert report.ok, report.format()
    assert tables["accounts"]["account_id"].tolist() == ["A1", "B2"]
    assert tables["accounts"]["name"].tolist() == ["A1", "B2"]
    codes = [i.code for i in report.warnings]
    assert "derived_accounts" in codes and "default_name" not in codes
    assert not [i for i in report.issues if i.code == "missing_table"]
    absent = next(i for i in report.warnings if i.code == "absent_tables")
    assert "accounts" not in absent.message
    derived = next(i for i in report.warnings if i.code == "derived_accounts")
    assert "the 2 account ids in order_lines.csv are the accounts" in derived.message


def test_other_tables_still_need_known_accounts_when_they_are_derived():
    surveys = table(
        "surveys",
        {"account_id": ["A1", "Z9"], "survey_date": ["2024-01-01"] * 2, "score": ["8"] * 2},
    )
    _tables, report = validate(raw(lines(["A1"]), surveys), "GBP", as_of=AS_OF)
    (error,) = report.errors
    assert error.code == "unknown_reference" and error.table == "surveys"


def test_order_lines_alone_load_from_a_folder(tmp_path: Path):
    (tmp_path / "order_lines.csv").write_text(
        "order_id,account_id,product_id,order_date,quantity,net_amount\n"
        "1,A1,P1,2024-01-15,1,10\n2,A2,P2,2024-01-16,2,20\n",
        encoding="utf-8",
    )
    dataset, report = check_dataset(DataParams(source=str(tmp_path), currency="GBP"), as_of=AS_OF)
    assert dataset is not None, report.format()
    assert dataset.accounts["account_id"].tolist() == ["A1", "A2"]
    assert dataset.get("products") is None


# --- no products table: no mix by category ------------------------------------------------


def _mix(products: pd.DataFrame | None):
    from kamreport.analytics.mix import account_mix, category_revenue
    from kamreport.analytics.periods import months_back

    as_of = dt.date(2026, 9, 30)
    own = pd.DataFrame(
        {
            "account_id": ["A1", "A1"],
            "product_id": ["P1", "P2"],
            "order_date": pd.to_datetime(["2026-03-10", "2026-08-20"]),
            "net_amount": [100.0, 50.0],
        }
    )
    accounts = pd.DataFrame({"account_id": ["A1"], "name": ["A1"]})
    by_category = category_revenue(own, products, as_of)
    window = months_back(as_of, 36)
    return account_mix(own, products, accounts, "A1", window, as_of, by_category)


@pytest.mark.parametrize(
    "products",
    [None, pd.DataFrame({"product_id": ["P1", "P2"], "name": ["P1", "P2"]})],
    ids=["no products table", "no category column"],
)
def test_without_categories_the_mix_says_why_and_draws_no_chart(products):
    from kamreport.i18n import Formatter
    from tests.test_customer_view import hand_review, view

    review = hand_review(mix=_mix(products))
    assert review.mix.has_categories is False
    charts = report_charts(review)
    assert charts["mix"] is None  # no "Other 100%" chart
    shown = view(review, charts=charts).mix
    assert shown.no_data == Formatter("en").t("review.mix.no_categories")
    assert shown.no_data.startswith("n/a")
    assert shown.chart is None and shown.categories is None and shown.whitespace is None


def test_with_categories_the_mix_is_shown():
    from tests.test_customer_view import hand_review, view

    products = pd.DataFrame(
        {"product_id": ["P1", "P2"], "name": ["P1", "P2"], "category": ["resin", None]}
    )
    review = hand_review(mix=_mix(products))
    assert review.mix.has_categories is True
    charts = report_charts(review)
    assert charts["mix"] is not None
    shown = view(review, charts=charts).mix
    assert shown.no_data == "" and shown.categories is not None


def report_charts(review):
    """The report's charts; the monthly trend left out (the hand-made review has none)."""
    from dataclasses import replace

    from kamreport.i18n import Formatter
    from kamreport.reports import customer as report

    quiet = replace(review, monthly=review.monthly.assign(revenue=0.0))
    return report.charts(quiet, Formatter("en", "GBP"))


# --- the portfolio on a minimal export ------------------------------------------------------


def test_segments_without_values_say_na_instead_of_one_unknown_segment():
    from kamreport.dataset import Dataset
    from kamreport.i18n import Formatter
    from kamreport.provenance import make_provenance
    from kamreport.reports import portfolio as report
    from kamreport.sample.wholesale import generate_wholesale
    from kamreport.views.portfolio import portfolio_display, portfolio_view

    tables = generate_wholesale(seed=2, n_accounts=60)
    lines = tables["order_lines"]
    accounts = tables["accounts"].assign(name=tables["accounts"]["account_id"])
    dataset = Dataset({"accounts": accounts, "order_lines": lines.loc[lines["account_id"] != ""]})
    as_of = dt.date(2026, 9, 30)
    params = load_params()
    review = report.analyse(dataset, as_of, params)
    provenance = make_provenance(params, dataset, as_of, data_hash="0" * 64)
    view = portfolio_view(
        review, {}, portfolio_display(Formatter("en"), review), provenance, params, {}
    )
    parts = {p.title: p for p in view.segments.parts}
    unknown = Formatter("en").t("portfolio.no_data.segment_unknown")
    for title in ("By region", "By industry", "By product category", "By KA manager"):
        assert parts[title].table is None and parts[title].empty == unknown
    country = parts["By country"]
    assert country.table is not None and len(country.table.rows) > 1
