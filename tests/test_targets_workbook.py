"""The target-setting workbook: structure, round trip, every invalid edit, a real recalculation."""

from __future__ import annotations

import csv
import shutil
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.formula.translate import Translator

from kamreport.analytics.service_targets import category_mix
from kamreport.analytics.target_proposals import propose
from kamreport.loading import load_dataset
from kamreport.params import DataParams, Params, TargetsParams
from kamreport.reports.targets import import_targets
from kamreport.workbook.build import build_workbook, workbook_bytes
from kamreport.workbook.read import TargetsImportError, read_workbook
from tests.conftest import libreoffice_convert
from tests.test_targets_proposals import ACCOUNTS, AS_OF, YEAR, tables, tiers, write_csv_folder

GOAL = 6_000_000.0
# generated row order: key A1 A2 A3, growth A4 A5, maintain A6 (rows 2–7)
ROW = {"A1": 2, "A2": 3, "A3": 4, "A4": 5, "A5": 6, "A6": 7}


@pytest.fixture(scope="module")
def proposals():
    t = tables()
    return propose(t["order_lines"], t["wallet"], AS_OF, YEAR, tiers(), TargetsParams())


@pytest.fixture
def workbook_path(tmp_path, proposals) -> Path:
    t = tables()
    book = build_workbook(
        proposals,
        t["accounts"],
        goal=GOAL,
        tolerance=0.02,
        currency="CNY",
        generated="2026-12-01 09:00",
        categories=category_mix(t["order_lines"], t["products"], AS_OF, proposals.accounts.index),
    )
    path = tmp_path / f"targets-{YEAR}.xlsx"
    path.write_bytes(workbook_bytes(book))
    return path


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return write_csv_folder(tmp_path / "data")


def edit(path: Path, change) -> Path:
    """Open the workbook as a user's program would, change it, save it."""
    book = load_workbook(path)
    change(book)
    book.save(path)
    return path


def params_for(data_dir: Path, **targets) -> Params:
    return Params(data=DataParams(source=str(data_dir)), targets=TargetsParams(**targets))


def expected_agreed(proposals, bottom_up: dict[str, float], override: dict[str, float]):
    baselines = proposals.accounts["proposal"]
    top_down = GOAL * baselines / baselines.sum()
    return {
        a: override.get(a, bottom_up.get(a, float(top_down[a]))) for a in proposals.accounts.index
    }


def read_targets_csv(path: Path) -> dict[str, float]:
    totals: dict[str, float] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["month"].startswith(str(YEAR)):
                totals[row["account_id"]] = totals.get(row["account_id"], 0.0) + float(
                    row["revenue_target"]
                )
    return totals


def test_structure_inputs_marked_validated_formulas_protected(workbook_path):
    book = load_workbook(workbook_path)
    assert book.sheetnames == [
        "Instructions", "Accounts", "Summary", "Service", "Categories", "_meta"
    ]  # fmt: skip
    assert book["_meta"].sheet_state == "veryHidden"
    sheet = book["Accounts"]
    assert sheet.freeze_panes == "C2"
    assert sheet.protection.sheet
    assert "Targets" in sheet.tables
    assert sheet.tables["Targets"].ref == "A1:W7"
    assert sheet["Q1"].value == "Bottom-up (CNY) /\n自下而上（CNY）"
    assert sheet["S1"].value == "Override (CNY) /\n调整值（CNY）"
    for cell in ("Q2", "S7"):
        assert sheet[cell].protection.locked is False
        assert sheet[cell].fill.start_color.rgb.endswith("FFF2CC")
    for cell in ("K2", "R2", "T2", "U2", "A2"):
        assert sheet[cell].protection.locked is True
    assert sheet["R2"].value.startswith("=IF(SUM($K$2:$K$7)>0,Summary!$B$3*K2/")
    assert sheet["T2"].value == "=IF(ISNUMBER(S2),S2,IF(ISNUMBER(Q2),Q2,R2))"
    rules = sheet.data_validations.dataValidation
    assert len(rules) == 1
    assert (rules[0].type, rules[0].operator, rules[0].formula1) == (
        "decimal",
        "greaterThanOrEqual",
        "0",
    )
    assert str(rules[0].sqref) == "Q2:Q7 S2:S7"
    summary = book["Summary"]
    assert summary["B3"].value == GOAL
    assert summary["B3"].protection.locked is False
    assert summary["B9"].value == "=SUM(Accounts!$T$2:$T$7)"
    assert len(summary.conditional_formatting) == 1
    instructions = [c.value for c in book["Instructions"]["A"] if c.value]
    assert any("Bottom-up" in text for text in instructions)
    assert any("自下而上" in text for text in instructions)
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1


def test_round_trip_writes_the_agreed_targets(workbook_path, data_dir, proposals):
    bottom_up = {"A1": 2_500_000.0, "A4": 400_000.0}
    override = {"A2": 550_000.0}

    def fill(book):
        sheet = book["Accounts"]
        for account, value in bottom_up.items():
            sheet[f"Q{ROW[account]}"] = value
        for account, value in override.items():
            sheet[f"S{ROW[account]}"] = value
        sheet[f"Q{ROW['A2']}"] = 1.0  # overridden

    edit(workbook_path, fill)
    params = params_for(data_dir, tolerance=0.5)
    result = import_targets(workbook_path, YEAR, params, base_dir=data_dir, progress=lambda m: None)
    written = read_targets_csv(data_dir / "targets.csv")
    expected = expected_agreed(proposals, bottom_up, override)
    assert written.keys() == expected.keys()
    for account, value in expected.items():
        assert written[account] == pytest.approx(value, abs=0.005)
    assert result.agreed_total == pytest.approx(sum(expected.values()))
    assert result.rows == 6 * 12
    assert result.backup == ""  # there was no targets.csv before
    # later reports read them: the data loads and validates with the new targets table
    dataset = load_dataset(params.data)
    loaded = dataset.get("targets").groupby("account_id")["revenue_target"].sum()
    assert loaded.to_dict() == pytest.approx(expected, abs=0.005)


def test_import_again_keeps_a_backup_and_replaces_the_year(workbook_path, data_dir):
    params = params_for(data_dir, tolerance=0.5)
    import_targets(workbook_path, YEAR, params, base_dir=data_dir, progress=lambda m: None)
    first = (data_dir / "targets.csv").read_text(encoding="utf-8")
    edit(workbook_path, lambda b: b["Accounts"].__setitem__("Q2", 2_100_000))
    second = import_targets(workbook_path, YEAR, params, base_dir=data_dir, progress=lambda m: None)
    assert Path(second.backup).read_text(encoding="utf-8") == first
    assert Path(second.backup).name.startswith("targets.csv.")
    written = read_targets_csv(data_dir / "targets.csv")
    assert written["A1"] == pytest.approx(2_100_000)
    lines = (data_dir / "targets.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 72


def _set(cell: str, value, sheet: str = "Accounts"):
    return lambda book: book[sheet].__setitem__(cell, value)


INVALID = {
    "text": (
        _set("Q3", "abc"),
        "Accounts!Q3: found text 'abc', expected a number ≥ 0 or an empty cell.",
    ),
    "negative": (
        _set("S4", -5),
        "Accounts!S4: found -5, expected a number ≥ 0 or an empty cell.",
    ),
    "formula_in_input": (
        _set("Q5", "=1000*2"),
        "Accounts!Q5: found the formula '=1000*2', expected a number ≥ 0 or an empty cell.",
    ),
    "added": (
        _set("A8", "A9"),
        "Accounts!A8: found 'A9', an account that was not in the generated workbook, "
        "expected only the generated accounts. Accounts must not be added; targets for "
        "other accounts need a new workbook.",
    ),
    "removed": (
        lambda book: book["Accounts"].delete_rows(7),
        "Accounts!A:A: found no row for account 'A6' (generated in row 7), expected every "
        "generated account. Accounts must not be removed; leave Bottom-up empty to use the "
        "top-down value.",
    ),
    "service_fraction": (
        _set("K2", 2.5, "Service"),
        "Service!K2: found 2.5, expected a whole number ≥ 0 or an empty cell.",
    ),
    "service_text": (
        _set("L3", "twice", "Service"),
        "Service!L3: found text 'twice', expected a whole number ≥ 0 or an empty cell.",
    ),
    "category_negative": (
        _set("G2", -1, "Categories"),
        "Categories!G2: found -1, expected a number ≥ 0 or an empty cell.",
    ),
    "category_row_changed": (
        _set("A3", "A9", "Categories"),
        "Categories!A3: found 'A9' / '—', a row that was not generated, expected only the "
        "generated rows. Rows of the Categories sheet must not be added, removed or changed.",
    ),
    "changed": (
        _set("A3", "A2X"),
        "Accounts!A3: found account id 'A2X', expected 'A2' as generated. "
        "Account ids must not be changed.",
    ),
    "missing_sheet": (
        lambda book: book.remove(book["Summary"]),
        "sheet 'Summary': found no such sheet (sheets: Instructions, Accounts, Service, "
        "Categories, _meta), expected the sheets Instructions, Accounts, Summary, Service, "
        "Categories of the generated workbook. "
        "Sheets must not be renamed or deleted; start again from the generated file.",
    ),
    "missing_column": (
        _set("Q1", "KAM"),
        "Accounts!1:1: found no column 'Bottom-up (CNY) / 自下而上（CNY）'",
    ),
    "formula_overwritten": (
        _set("T6", 123),
        "Accounts!T6: found 123, expected the generated formula. "
        "Enter numbers in the Bottom-up or Override column instead.",
    ),
    "goal": (
        _set("B3", "lots", "Summary"),
        "Summary!B3: found text 'lots', expected the company goal, a number > 0.",
    ),
    "outside_tolerance": (
        _set("Q2", 10_000_000),
        "Summary!B9: found an agreed total of ",
    ),
}


@pytest.mark.parametrize("name", list(INVALID))
def test_each_invalid_edit_is_reported_and_nothing_is_written(
    name, workbook_path, data_dir, proposals
):
    change, message = INVALID[name]
    edit(workbook_path, change)
    before = sorted(p.name for p in data_dir.iterdir())
    with pytest.raises(TargetsImportError) as info:
        import_targets(
            workbook_path, YEAR, params_for(data_dir), base_dir=data_dir, progress=lambda m: None
        )
    assert message in str(info.value)
    assert "nothing was written" in str(info.value)
    assert sorted(p.name for p in data_dir.iterdir()) == before  # no targets.csv, no backup


def test_tolerance_message_in_full_and_as_a_warning(workbook_path, data_dir, proposals):
    edit(workbook_path, _set("Q2", 10_000_000))
    agreed = expected_agreed(proposals, {"A1": 10_000_000.0}, {})
    total = sum(agreed.values())
    with pytest.raises(TargetsImportError) as info:
        read_workbook(workbook_path, YEAR, tolerance=0.02)
    assert str(info.value.issues[0]) == (
        f"Summary!B9: found an agreed total of {total:,.0f}, {total / GOAL - 1:+.1%} against "
        f"the company goal {GOAL:,.0f}, expected a total within ±2.0% of the goal. "
        "Adjust Bottom-up or Override values (or the goal) until they agree."
    )
    params = params_for(data_dir, tolerance_action="warning")
    result = import_targets(workbook_path, YEAR, params, base_dir=data_dir, progress=lambda m: None)
    assert len(result.warnings) == 1 and result.warnings[0].startswith("Summary!B9:")
    assert (data_dir / "targets.csv").is_file()


def test_every_problem_at_once(workbook_path):
    def several(book):
        book["Accounts"]["Q2"] = "x"
        book["Accounts"]["S3"] = -1
        book["Accounts"]["A7"] = "ZZ"

    edit(workbook_path, several)
    with pytest.raises(TargetsImportError) as info:
        read_workbook(workbook_path, YEAR, tolerance=0.02)
    cells = [issue.where for issue in info.value.issues]
    assert cells == ["Accounts!Q2", "Accounts!S3", "Accounts!A7"]
    assert str(info.value).startswith(f"The workbook {workbook_path} has 3 error(s)")


def test_wrong_year_and_not_a_workbook(workbook_path, tmp_path):
    with pytest.raises(TargetsImportError, match="found a workbook for 2027, expected the work"):
        read_workbook(workbook_path, 2028, tolerance=0.02)
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a zip")
    with pytest.raises(TargetsImportError, match=r"not an \.xlsx workbook"):
        read_workbook(bad, YEAR, tolerance=0.02)


@pytest.mark.system
def test_libreoffice_recalculates_the_same_totals(workbook_path, tmp_path, proposals):
    bottom_up = {"A1": 2_000_000.0, "A3": 3_000_000.0, "A6": 90_000.0}
    override = {"A5": 300_000.0}

    def fill(book):
        for account, value in bottom_up.items():
            book["Accounts"][f"Q{ROW[account]}"] = value
        for account, value in override.items():
            book["Accounts"][f"S{ROW[account]}"] = value

    edit(workbook_path, fill)
    recalculated = libreoffice_convert(workbook_path, "xlsx", tmp_path / "recalc")
    book = load_workbook(recalculated, data_only=True)
    expected = expected_agreed(proposals, bottom_up, override)
    sheet = book["Accounts"]
    for account, row in ROW.items():
        assert sheet[f"A{row}"].value == account
        assert sheet[f"T{row}"].value == pytest.approx(expected[account], rel=1e-9)
    summary = book["Summary"]
    assert summary["B9"].value == pytest.approx(sum(expected.values()), rel=1e-9)
    # the status names the amount: agreed − goal, and Σ baselines − goal
    difference = sum(expected.values()) - GOAL
    word = ("Short of", "低于") if difference < 0 else ("Above", "高于")
    assert summary["B12"].value == (
        f"{word[0]} the goal by {abs(difference):,.0f} / {word[1]}公司目标 {abs(difference):,.0f}"
    )
    baseline_gap = float(proposals.accounts["proposal"].sum()) - GOAL
    assert summary["B13"].value == pytest.approx(baseline_gap, rel=1e-9)
    assert summary["B14"].value.startswith(
        "Baselines short of" if baseline_gap < 0 else "Baselines above"
    )
    assert summary["B7"].value == len(bottom_up)
    # the by-manager table (rows after the header at 18) adds up to the same total
    managers = {}
    for row in range(19, 32):
        name = summary[f"A{row}"].value
        if name is None or str(name).startswith("Total"):
            break
        managers[name] = summary[f"F{row}"].value
    by_manager: dict[str, float] = {}
    for account, (_, manager, *_rest) in ACCOUNTS.items():
        by_manager[manager or "—"] = by_manager.get(manager or "—", 0.0) + expected[account]
    assert managers == pytest.approx(by_manager, rel=1e-9)
    # the re-saved file is still readable, and the reader agrees with LibreOffice
    imported = read_workbook(recalculated, YEAR, tolerance=1.0)
    assert imported.agreed_total == pytest.approx(summary["B9"].value, rel=1e-9)
    # category proposals follow the agreed target live; service agreed = proposed when empty
    categories = book["Categories"]
    for r in range(2, categories.max_row + 1):
        account = categories[f"A{r}"].value
        share = categories[f"E{r}"].value
        assert categories[f"H{r}"].value == pytest.approx(share * expected[account], rel=1e-9)
    by_account = imported.categories.set_index("account_id")["revenue_target"]
    for r in range(2, categories.max_row + 1):
        assert by_account[categories[f"A{r}"].value] == pytest.approx(
            categories[f"H{r}"].value, abs=0.01
        )
    service = book["Service"]
    for r in range(2, service.max_row + 1):
        assert service[f"N{r}"].value == service[f"H{r}"].value  # agreed = proposed visits


def _header_lines(sheet, column: str) -> list[str]:
    return str(sheet[f"{column}1"].value).split("\n")


def test_money_headers_name_the_currency_and_only_they(workbook_path):
    book = load_workbook(workbook_path)
    money = {
        "Accounts": set("FGHIJKLMPQRSTUW"),
        "Categories": set("DFGH"),
        "Service": set(),
    }
    for name, columns in money.items():
        sheet = book[name]
        for cell in sheet[1]:
            english, chinese = str(cell.value).split(" /\n")
            named = ("(CNY)" in english, "（CNY）" in chinese)
            assert named == ((cell.column_letter in columns),) * 2, (name, cell.value)
    summary = [c.value for c in book["Summary"]["A"] if c.value]
    assert "Company goal (CNY) / 公司目标（CNY）" in summary
    heads = [c.value for c in book["Summary"][18]]
    assert heads[2] == "Proposed baseline 2027 (CNY) / 2027年建议基准（CNY）"
    assert heads[1] == "Accounts / 客户数"


def test_columns_fit_their_longest_label_in_both_languages(workbook_path):
    def width(text: str) -> int:  # CJK characters count double
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    book = load_workbook(workbook_path)
    for name in ("Accounts", "Service", "Categories"):
        sheet = book[name]
        for column in sheet.iter_cols(min_row=1, max_row=sheet.max_row):
            letter = column[0].column_letter
            shown = sheet.column_dimensions[letter].width
            english, chinese = _header_lines(sheet, letter)
            assert shown >= max(width(w) for w in english.split()), (name, letter)
            assert shown >= min(width(chinese), 12), (name, letter)
            if letter == "O" and name == "Accounts":
                assert column[1].alignment.wrap_text  # the reason wraps in its fixed width
                continue
            for cell in column[1:]:
                if isinstance(cell.value, str) and not cell.value.startswith("="):
                    assert shown >= width(cell.value), (name, cell.coordinate, cell.value)
    tier = book["Accounts"].column_dimensions["E"].width  # was 11: "Maintain / 维持" cut
    assert book["Accounts"]["E7"].value.startswith("Maintain / 维持")
    assert tier >= width(book["Accounts"]["E7"].value) >= 15
    # the header row is tall enough for its wrapped headers (about 15 pt a line)
    assert book["Accounts"].row_dimensions[1].height >= 15 * 4


def test_tables_filter_and_protected_sheets_still_sort_and_filter(workbook_path):
    book = load_workbook(workbook_path)
    for name, table, ref in (
        ("Accounts", "Targets", "A1:W7"),
        ("Service", "Service", "A1:P7"),
        ("Categories", "Categories", None),
    ):
        sheet = book[name]
        found = sheet.tables[table]
        assert found.autoFilter is not None and found.autoFilter.ref == found.ref
        if ref:
            assert found.ref == ref
        assert sheet.protection.sheet
        # openpyxl's flags say what protection forbids: False = allowed
        assert sheet.protection.sort is False and sheet.protection.autoFilter is False
        assert "KA manager" in " ".join(str(c.value) for c in sheet[1]) or name == "Categories"
    instructions = [str(c.value) for c in book["Instructions"]["A"] if c.value]
    assert any("KA manager column" in text and "filter" in text for text in instructions)
    assert any("筛选" in text and "重点客户经理" in text for text in instructions)


def test_print_fits_the_width_of_a_landscape_page_and_repeats_the_headers(workbook_path):
    book = load_workbook(workbook_path)
    for name in ("Accounts", "Service", "Categories", "Summary"):
        sheet = book[name]
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize) == ("landscape", 9), name  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, name
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), name  # width only
        if name != "Summary":
            assert sheet.print_title_rows == "$1:$1", name
    # the history and the proposal's details are folded: what prints is what the room uses
    sheet = book["Accounts"]
    hidden = {c for c in "ABCDEFGHIJKLMNOPQRSTUVW" if sheet.column_dimensions[c].hidden}
    assert hidden == set("FGHILMNOP")
    assert all(sheet.column_dimensions[c].outlineLevel == 1 for c in hidden)
    shown = sum(sheet.column_dimensions[c].width for c in "ABCDEJKQRSTUVW")
    assert shown <= 230  # ≈ 7 pt or more on a landscape A4 page


def test_summary_lists_managers_and_regions_by_size(workbook_path, proposals):
    book = load_workbook(workbook_path)
    names = [c.value for c in book["Summary"]["A"]]
    start = names.index("KA manager / 重点客户经理") + 1
    managers = names[start : names.index("Total / 合计", start)]
    # Li Na 6.1M, 王伟 3.19M, none 0.14M: not the alphabetical order (Li Na, —, 王伟)
    assert managers == ["Li Na", "王伟", "—"]
    start = names.index("Region / 区域") + 1
    regions = names[start : names.index("Total / 合计", start)]
    by_region = {"华东": 0.0, "华北": 0.0}
    for account, (_, _, region, *_rest) in ACCOUNTS.items():
        by_region[region] += float(proposals.accounts.at[account, "proposal"])
    assert regions == sorted(by_region, key=lambda r: -by_region[r])


def sort_rows(sheet, key, reverse: bool = False) -> None:
    """Sort a sheet's data rows as a spreadsheet program does: each row moves whole, and
    the relative references of its formulas move with it."""
    last = max(r for r in range(1, sheet.max_row + 1) if sheet.cell(row=r, column=1).value)
    rows = [
        [sheet.cell(row=r, column=c).value for c in range(1, sheet.max_column + 1)]
        for r in range(2, last + 1)
    ]
    order = sorted(range(len(rows)), key=lambda i: key(rows[i]), reverse=reverse)
    for new, old in enumerate(order, start=2):
        for c, value in enumerate(rows[old], start=1):
            if isinstance(value, str) and value.startswith("="):
                value = Translator(value, origin=f"A{old + 2}").translate_formula(f"A{new}")
            sheet.cell(row=new, column=c, value=value)
    assert order != sorted(order)  # the rows did move


SORTED_INPUTS = {"A1": 2_000_000.0, "A3": 3_000_000.0, "A6": 90_000.0}


def sorted_and_filled(path: Path) -> Path:
    """The workbook with every table sorted by name, descending, then filled by account."""

    def change(book):
        for name in ("Accounts", "Service", "Categories"):
            sort_rows(book[name], lambda row: (str(row[1]), str(row[2])), reverse=True)
        sheet = book["Accounts"]
        for r in range(2, sheet.max_row + 1):
            account = sheet[f"A{r}"].value
            if account in SORTED_INPUTS:
                sheet[f"Q{r}"] = SORTED_INPUTS[account]
            if account == "A5":
                sheet[f"S{r}"] = 300_000.0
        service = book["Service"]
        for r in range(2, service.max_row + 1):
            if service[f"A{r}"].value == "A2":
                service[f"K{r}"] = 7
        categories = book["Categories"]
        for r in range(2, categories.max_row + 1):
            if categories[f"A{r}"].value == "A3":
                categories[f"G{r}"] = 1234.0
                break

    return edit(path, change)


def test_a_sorted_workbook_imports_as_the_generated_one(workbook_path, tmp_path, proposals):
    generated = tmp_path / "generated.xlsx"
    shutil.copy(workbook_path, generated)

    def fill(book):
        for account, value in SORTED_INPUTS.items():
            book["Accounts"][f"Q{ROW[account]}"] = value
        book["Accounts"][f"S{ROW['A5']}"] = 300_000.0
        book["Service"][f"K{ROW['A2']}"] = 7
        for r in range(2, book["Categories"].max_row + 1):
            if book["Categories"][f"A{r}"].value == "A3":
                book["Categories"][f"G{r}"] = 1234.0
                break

    edit(generated, fill)
    expected = read_workbook(generated, YEAR, tolerance=1.0)
    found = read_workbook(sorted_and_filled(workbook_path), YEAR, tolerance=1.0)
    pd.testing.assert_frame_equal(found.targets, expected.targets)
    pd.testing.assert_frame_equal(found.service, expected.service)
    pd.testing.assert_frame_equal(found.categories, expected.categories)
    assert found.service.at["A2", "visits"] == 7
    assert (found.categories["revenue_target"] == 1234.0).sum() == 1


@pytest.mark.system
def test_libreoffice_computes_a_sorted_workbook_as_the_import_reads_it(
    workbook_path, tmp_path, proposals
):
    sorted_and_filled(workbook_path)
    recalculated = libreoffice_convert(workbook_path, "xlsx", tmp_path / "recalc")
    book = load_workbook(recalculated, data_only=True)
    imported = read_workbook(recalculated, YEAR, tolerance=1.0)
    expected = expected_agreed(proposals, SORTED_INPUTS, {"A5": 300_000.0})
    sheet = book["Accounts"]
    ids = [sheet[f"A{r}"].value for r in range(2, 8)]
    assert ids != sorted(ids)  # still sorted by name, not by id
    for r in range(2, 8):
        account = sheet[f"A{r}"].value
        assert sheet[f"T{r}"].value == pytest.approx(expected[account], rel=1e-9)
        assert imported.targets.at[account, "agreed"] == pytest.approx(expected[account])
    assert book["Summary"]["B9"].value == pytest.approx(sum(expected.values()), rel=1e-9)
    # category proposals follow their own account's agreed target after the sort
    categories = book["Categories"]
    rows = imported.categories.set_index(["account_id", "category"])["revenue_target"]
    for r in range(2, categories.max_row + 1):
        account, category = categories[f"A{r}"].value, categories[f"C{r}"].value
        if categories[f"G{r}"].value is None:
            share = categories[f"E{r}"].value
            assert categories[f"F{r}"].value == pytest.approx(share * expected[account])
        assert rows[(account, category)] == pytest.approx(categories[f"H{r}"].value, abs=0.01)
