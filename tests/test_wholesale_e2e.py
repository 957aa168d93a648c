"""A distributor's minimal export end to end: the wholesale sample profile (300 accounts)
through validate, metrics --all, the portfolio report and one customer report.

Figures are checked against sums made here with the csv module; the comparisons across
windows and the value figures of this export are checked where they are defined.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kamreport.cli import main
from kamreport.sample import export_sample

pytestmark = pytest.mark.slow
AS_OF = dt.date(2026, 9, 30)
LTM_START = dt.date(2025, 9, 30)  # as_of − 12 months < d ≤ as_of


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wholesale") / "export"
    export_sample(folder, "csv", seed=11, profile="wholesale", n_accounts=300)
    return folder


@pytest.fixture(scope="module")
def params(export: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Params files that refuse (the default) and exclude lines without an account."""
    folder = tmp_path_factory.mktemp("params")
    base = f"data:\n  source: {export}\n  currency: GBP\n"
    refuse, exclude = folder / "refuse.yaml", folder / "exclude.yaml"
    refuse.write_text(base, encoding="utf-8")
    exclude.write_text(base + "  lines_without_account: exclude\n", encoding="utf-8")
    return {"refuse": refuse, "exclude": exclude, "out": folder / "outputs"}


def read_lines(export: Path) -> list[dict[str, str]]:
    with open(export / "order_lines.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def without_account(export: Path) -> tuple[int, float]:
    rows = [r for r in read_lines(export) if not r["account_id"].strip()]
    return len(rows), sum(float(r["net_amount"]) for r in rows)


def ltm_revenue(export: Path) -> dict[str, float]:
    totals: dict[str, float] = {}
    for row in read_lines(export):
        day = dt.date.fromisoformat(row["order_date"])
        if row["account_id"] and LTM_START < day <= AS_OF:
            totals[row["account_id"]] = totals.get(row["account_id"], 0.0) + float(
                row["net_amount"]
            )
    return totals


def test_validate_refuses_lines_without_account_by_default(
    export: Path, params: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--params", str(params["refuse"])]) == 1
    out = capsys.readouterr().out
    count, amount = without_account(export)
    assert count > 0
    (line,) = [x for x in out.splitlines() if "[no_account]" in x]
    assert line.lstrip().startswith("ERROR")
    assert "order_lines.csv, column 'account_id'" in line
    assert f"found {count:,} order lines without one, net_amount {amount:,.2f} GBP" in line
    assert "data.lines_without_account: exclude" in line


def test_validate_passes_with_exclude_and_reports_count_and_amount(
    export: Path, params: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--params", str(params["exclude"])]) == 0
    out = capsys.readouterr().out
    count, amount = without_account(export)
    (line,) = [x for x in out.splitlines() if "[excluded_no_account]" in x]
    assert f"found {count:,} order lines without one, net_amount {amount:,.2f} GBP" in line
    assert "[default_name]" in out  # the accounts have no names: said once
    assert "300 accounts" in out


def test_metrics_all_for_every_account(
    export: Path, params: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["metrics", "--all", "--format", "json", "--params", str(params["exclude"])]
    assert main([*args, "--output-dir", str(params["out"])]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 300
    expected = ltm_revenue(export)
    got = {r["account_id"]: r["revenue_ltm"] for r in records}
    for account, revenue in expected.items():
        assert got[account] == pytest.approx(revenue, abs=0.01), account
    assert all(r["gross_margin_ltm"] is None for r in records)  # no costs: no margin


def test_metrics_as_csv_too(params: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    args = ["metrics", "--all", "--format", "csv", "--params", str(params["exclude"])]
    assert main([*args, "--output-dir", str(params["out"])]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 300


def test_portfolio_data_quality_reports_the_excluded_lines(
    export: Path, params: dict[str, Path]
) -> None:
    done = run_cli(
        "portfolio", "--params", str(params["exclude"]), "--output-dir", str(params["out"])
    )
    assert done.returncode == 0, done.stderr
    page = (params["out"] / "2026-09-30" / "en" / "portfolio" / "portfolio.html").read_text("utf-8")
    text = html.unescape(page)
    count, amount = without_account(export)
    assert f"{count:,} order lines without one, net_amount {amount:,.2f} GBP in total" in text
    assert text.count("every report names the accounts by their account_id") == 1


def test_one_customer_report_renders(export: Path, params: dict[str, Path]) -> None:
    revenue = ltm_revenue(export)
    account = max(revenue, key=revenue.__getitem__)
    done = run_cli(
        "report",
        "--customer",
        account,
        "--params",
        str(params["exclude"]),
        "--output-dir",
        str(params["out"]),
    )
    assert done.returncode == 0, done.stderr
    path = params["out"] / "2026-09-30" / "en" / "customers" / account / "report.html"
    text = html.unescape(path.read_text("utf-8"))
    assert text.count("every report names the accounts by their account_id") == 1
    assert "n/a: the products have no categories" in text
    mix = section(text, "mix")
    assert "chart-figure" not in mix and "Other" not in mix
    breadth = section(text, "profitability")
    assert 'data-metric="products"' in breadth
    assert 'data-metric="categories"' not in breadth  # every line "other": no count of 1


def section(page: str, name: str) -> str:
    start = page.index(f'id="{name}"')
    return page[start : page.index("</section>", start)]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it (the reports execute a notebook in a kernel)."""
    return subprocess.run(
        [sys.executable, "-m", "kamreport.cli", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=600,
    )


# --- no misleading figure on a thirteen-month export without names or costs -------------


@pytest.fixture(scope="module")
def portfolio_page(params: dict[str, Path]) -> str:
    done = run_cli(
        "portfolio", "--params", str(params["exclude"]), "--output-dir", str(params["out"])
    )
    assert done.returncode == 0, done.stderr
    path = params["out"] / "2026-09-30" / "en" / "portfolio" / "portfolio.html"
    return html.unescape(path.read_text("utf-8"))


@pytest.fixture(scope="module")
def metrics_rows(params: dict[str, Path]) -> list[dict[str, str]]:
    done = run_cli("metrics", "--all", "--format", "csv", "--params", str(params["exclude"]))
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


def test_the_portfolio_compares_nothing_the_data_does_not_cover(portfolio_page: str) -> None:
    summary = section(portfolio_page, "summary")
    assert "n/a: the data starts on Sep 1, 2025" in summary
    assert "%" not in summary.split("Revenue over the last 12 months")[1].split(".")[0]
    assert "n/a — data starts Sep 1, 2025" in section(portfolio_page, "bridge")
    for growth in re.findall(r'data-metric="growth"[^>]*>([^<]*)<', portfolio_page):
        assert growth.startswith("n/a"), growth


def test_an_account_named_by_its_id_is_not_named_twice(portfolio_page: str) -> None:
    """Without names the id is the name: "12347", not "12347 12347"."""
    doubled = re.findall(
        r">(\d{5})</a>\s*<span[^>]*>\1</span>|>(\d{5}) <span[^>]*>\2<", portfolio_page
    )
    assert doubled == []


def test_no_gross_margin_is_promised_without_costs(portfolio_page: str) -> None:
    assert "cumulative share of LTM revenue and gross margin" not in portfolio_page
    assert "Pareto curve: cumulative share of LTM revenue" in portfolio_page


def test_new_accounts_of_the_year_are_not_counted_from_a_short_history(
    portfolio_page: str,
) -> None:
    """Jan–Sep 2026 against data from Sep 2025: an old customer's first order in the data
    would count as new, so the year's scorecard says n/a; the month's (Sep 2026, with the
    twelve months before it in the data) counts."""
    team = section(portfolio_page, "team")
    month, ytd = team.split("Scorecard 2026 to date")

    def new_accounts(table: str) -> str:
        header = re.findall(r"<th[^>]*>([^<]*)</th>", table.split("</thead>")[0])
        row = table.split("<tbody>")[1].split("</tr>")[0]
        cells = re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)
        return cells[header.index("New accounts")]

    assert new_accounts(ytd) == "n/a"
    assert new_accounts(month.split("Scorecard Sep 2026")[1]).replace(",", "").isdigit()


def test_a_large_key_tier_comes_with_how_to_cap_it(
    portfolio_page: str, metrics_rows: list[dict[str, str]]
) -> None:
    key = sum(r["tier"] == "key" for r in metrics_rows)
    hint = "reach the key score: more than a key-account team can look after closely"
    if key > 0.2 * len(metrics_rows):
        assert f"{key} of {len(metrics_rows)} accounts" in section(portfolio_page, "tiers")
        assert hint in portfolio_page and "scoring.tier_key_max_accounts" in portfolio_page
    else:
        assert hint not in portfolio_page


def test_the_customer_report_claims_no_margin_and_shows_no_na_in_its_heading(
    export: Path, params: dict[str, Path]
) -> None:
    revenue = ltm_revenue(export)
    account = min(revenue, key=revenue.__getitem__)
    done = run_cli(
        "report", "--customer", account, "--params", str(params["exclude"]),
        "--output-dir", str(params["out"]),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    path = params["out"] / "2026-09-30" / "en" / "customers" / account / "report.html"
    text = html.unescape(path.read_text("utf-8"))
    subtitle = re.search(r'<p class="subtitle">([^<]*)</p>', text).group(1)
    assert "n/a" not in subtitle and account not in subtitle  # the heading is the id already
    assert "Monthly revenue, last" in text and "Monthly revenue and gross margin" not in text
    assert "the gross margin is not falling" not in text


def test_the_target_workbook_is_made_from_the_export(
    export: Path, params: dict[str, Path], metrics_rows: list[dict[str, str]]
) -> None:
    from openpyxl import load_workbook

    done = run_cli(
        "targets", "--year", "2027", "--params", str(params["exclude"]),
        "--output-dir", str(params["out"]),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    book = params["out"] / "2026-09-30" / "en" / "targets" / "targets-2027.xlsx"
    sheet = load_workbook(book, read_only=True)["Accounts"]
    ids = {str(row[0]) for row in sheet.iter_rows(values_only=True) if row and row[0]}
    in_scope = {r["account_id"] for r in metrics_rows if r["tier"] in ("key", "growth", "maintain")}
    assert in_scope <= ids
