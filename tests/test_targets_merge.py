"""A split workshop: one workbook per KA manager, merged back into the VP's, then imported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from openpyxl import load_workbook

from kamreport.analytics.service_targets import category_mix
from kamreport.analytics.target_gap import spread_gap
from kamreport.analytics.target_proposals import propose
from kamreport.layout import targets_part_workbook
from kamreport.params import DataParams, Params, TargetsParams
from kamreport.reports.targets import TargetSetting, import_targets, workbooks
from kamreport.workbook.layout import CATEGORY_COLUMNS, SERVICE_COLUMNS, letter
from kamreport.workbook.merge import merge_workbooks, merged_name
from kamreport.workbook.read import TargetsImportError, read_workbook
from tests.conftest import libreoffice_convert
from tests.test_targets_proposals import AS_OF, YEAR, tables, tiers, write_csv_folder

GOAL = 6_000_000.0
BOTTOM_UP, OVERRIDE = letter("bottom_up"), letter("override")
VISITS = letter("visits", SERVICE_COLUMNS)
CATEGORY_TARGET = letter("category_target", CATEGORY_COLUMNS)
WANG, LI = "王伟", "Li Na"  # A1 A2 A4 are Wang's, A3 A5 Li's; A6 has no manager


@pytest.fixture(scope="module")
def setting() -> TargetSetting:
    t = tables()
    proposals = propose(t["order_lines"], t["wallet"], AS_OF, YEAR, tiers(), TargetsParams())
    categories = category_mix(t["order_lines"], t["products"], AS_OF, proposals.accounts.index)
    return TargetSetting(
        proposals=proposals,
        goal=GOAL,
        last_year=pd.DataFrame(),
        current_year=pd.DataFrame(),
        distribution=pd.DataFrame(),
        cutoffs=(),
        categories=categories,
    )


@pytest.fixture
def folder(tmp_path, setting) -> Path:
    """The split workbooks as `make targets SPLIT=manager` writes them."""
    run = SimpleNamespace(
        params=Params(), dataset=SimpleNamespace(currency="CNY", accounts=tables()["accounts"])
    )
    out = tmp_path / "targets"
    out.mkdir()
    for name, payload in workbooks(setting, run, "2026-12-01 09:00", "manager").items():
        (out / name).write_bytes(payload)
    return out


def rows(path: Path) -> dict[str, int]:
    sheet = load_workbook(path)["Accounts"]
    return {sheet[f"A{r}"].value: r for r in range(2, sheet.max_row + 1)}


def enter(path: Path, cells: dict[str, object]) -> None:
    book = load_workbook(path)
    for reference, value in cells.items():
        sheet, _, cell = reference.partition("!")
        book[sheet][cell] = value
    book.save(path)


def part(folder: Path, manager: str) -> Path:
    return folder / targets_part_workbook(YEAR, manager)


def test_split_writes_the_vps_workbook_and_one_per_manager(folder, setting):
    assert sorted(p.name for p in folder.iterdir()) == [
        f"targets-{YEAR}-Li_Na-ce66ef.xlsx",  # a space: replaced, with a hash of the name
        f"targets-{YEAR}-王伟.xlsx",
        f"targets-{YEAR}.xlsx",
    ]
    assert list(rows(part(folder, WANG))) == ["A1", "A2", "A4"]
    assert list(rows(part(folder, LI))) == ["A3", "A5"]
    assert list(rows(folder / f"targets-{YEAR}.xlsx")) == ["A1", "A2", "A3", "A4", "A5", "A6"]
    # each manager's goal is their top-down share: the same top-down per account as the VP's
    baseline = setting.proposals.accounts["proposal"]
    wang_goal = load_workbook(part(folder, WANG))["Summary"]["B3"].value
    assert wang_goal == pytest.approx(GOAL * baseline[["A1", "A2", "A4"]].sum() / baseline.sum())
    meta = {r[0].value: r[1].value for r in load_workbook(folder / f"targets-{YEAR}.xlsx")["_meta"]}
    assert json.loads(meta["parts"]) == {
        WANG: targets_part_workbook(YEAR, WANG),
        LI: targets_part_workbook(YEAR, LI),
    }


def test_merge_gathers_every_entry_and_spreads_the_gap(folder, setting):
    wang, li = rows(part(folder, WANG)), rows(part(folder, LI))
    enter(
        part(folder, WANG),
        {
            f"Accounts!{BOTTOM_UP}{wang['A1']}": 3_000_000,
            f"Service!{VISITS}{wang['A4']}": 9,
            f"Categories!{CATEGORY_TARGET}2": 1_000_000,  # A1's only category
        },
    )
    enter(part(folder, LI), {f"Accounts!{BOTTOM_UP}{li['A5']}": 400_000})
    result = merge_workbooks(folder, YEAR)
    assert result.path == folder / merged_name(YEAR)
    assert result.missing == () and result.entered == {WANG: 1, LI: 1}
    merged = load_workbook(result.path)
    vp = rows(result.path)
    accounts = merged["Accounts"]
    assert accounts[f"{BOTTOM_UP}{vp['A1']}"].value == 3_000_000
    assert accounts[f"{BOTTOM_UP}{vp['A5']}"].value == 400_000
    assert accounts[f"{BOTTOM_UP}{vp['A2']}"].value is None
    assert merged["Service"][f"{VISITS}{vp['A4']}"].value == 9
    # the goal spread, from the merged bottom-up: checked against the figures themselves
    base = setting.proposals.accounts
    frame = pd.DataFrame(
        {
            "baseline": base["proposal"],
            "bottom_up": pd.Series({"A1": 3_000_000.0, "A5": 400_000.0}).reindex(base.index),
            "headroom": base["headroom"],
            "tier": base["tier"],
        }
    )
    expected = spread_gap(frame, GOAL, "headroom").accounts["proposed"]
    spread = {a: accounts[f"{letter('goal_spread')}{r}"].value for a, r in vp.items()}
    assert spread == pytest.approx(expected.to_dict(), abs=0.005)
    assert sum(spread.values()) == pytest.approx(GOAL, abs=0.01)
    assert result.spread.gap == pytest.approx(
        GOAL - 3_400_000 - base.loc[["A2", "A3", "A4", "A6"], "proposal"].sum()
    )
    # a manager's own workbook cannot be imported, the merged one can
    with pytest.raises(TargetsImportError, match="Gather the managers' workbooks first"):
        read_workbook(part(folder, WANG), YEAR, tolerance=1.0)
    imported = read_workbook(result.path, YEAR, tolerance=1.0)
    assert imported.targets.loc["A1", "source"] == "bottom_up"
    assert imported.targets.loc["A2", "source"] == "top_down"
    assert imported.service.loc["A4", "visits"] == 9
    a1 = imported.categories.loc[imported.categories["account_id"] == "A1", "revenue_target"]
    assert a1.tolist() == [1_000_000.0]


def test_conflicts_and_bad_cells_are_reported_per_cell_and_nothing_is_written(folder):
    vp, wang = rows(folder / f"targets-{YEAR}.xlsx"), rows(part(folder, WANG))
    enter(folder / f"targets-{YEAR}.xlsx", {f"Accounts!{BOTTOM_UP}{vp['A2']}": 700_000})
    enter(
        part(folder, WANG),
        {
            f"Accounts!{BOTTOM_UP}{wang['A2']}": 650_000,  # differs from the VP's entry
            f"Service!{VISITS}{wang['A1']}": 2.5,  # not a whole number
        },
    )
    with pytest.raises(TargetsImportError) as info:
        merge_workbooks(folder, YEAR)
    text = str(info.value)
    wang_file = targets_part_workbook(YEAR, WANG)
    assert (
        f"{wang_file} Accounts!{BOTTOM_UP}{wang['A2']}: found 650,000 for account 'A2', "
        f"bottom up, expected one value: targets-{YEAR}.xlsx Accounts!{BOTTOM_UP}{vp['A2']} "
        "holds 700,000."
    ) in text
    assert f"{wang_file} Service!{VISITS}{wang['A1']}: found 2.5, expected a whole number" in text
    assert not (folder / merged_name(YEAR)).exists()


def test_a_missing_workbook_is_named_and_its_accounts_stay_top_down(folder):
    part(folder, LI).unlink()
    result = merge_workbooks(folder, YEAR)
    assert result.missing == (LI,)
    assert result.warnings == (
        f"No workbook from {LI} (expected {targets_part_workbook(YEAR, LI)}): their accounts "
        "keep the top-down value.",
    )
    assert result.path.exists()


def test_merged_workbook_imports_with_sources_and_service(folder, tmp_path):
    wang = rows(part(folder, WANG))
    enter(part(folder, WANG), {f"Accounts!{BOTTOM_UP}{wang['A4']}": 450_000})
    merged = merge_workbooks(folder, YEAR).path
    enter(merged, {f"Accounts!{OVERRIDE}{rows(merged)['A3']}": 2_000_000})
    data = write_csv_folder(tmp_path / "data")
    params = Params(data=DataParams(source=str(data)), targets=TargetsParams(tolerance=1.0))
    import_targets(merged, YEAR, params, base_dir=data, progress=lambda m: None)
    written = pd.read_csv(data / "targets.csv", dtype={"account_id": str})
    source = written.groupby("account_id")["target_source"].agg(set).to_dict()
    assert source == {
        "A1": {"top_down"}, "A2": {"top_down"}, "A3": {"override"}, "A4": {"bottom_up"},
        "A5": {"top_down"}, "A6": {"top_down"},
    }  # fmt: skip
    assert written.loc[written["account_id"] == "A4", "revenue_target"].sum() == pytest.approx(
        450_000
    )


def test_libreoffice_saved_workbooks_merge_and_recalculate(folder, tmp_path):
    wang = rows(part(folder, WANG))
    enter(part(folder, WANG), {f"Accounts!{BOTTOM_UP}{wang['A1']}": 2_500_000})
    # a manager opens and saves the workbook in LibreOffice
    resaved = libreoffice_convert(part(folder, WANG), "xlsx", tmp_path / "lo1")
    shutil.copy(resaved, part(folder, WANG))
    merged = merge_workbooks(folder, YEAR).path
    recalculated = libreoffice_convert(merged, "xlsx", tmp_path / "lo2")
    book = load_workbook(recalculated, data_only=True)
    agreed = book["Accounts"][f"{letter('agreed')}{rows(merged)['A1']}"].value
    assert agreed == pytest.approx(2_500_000)
    imported = read_workbook(recalculated, YEAR, tolerance=1.0)
    assert imported.targets.loc["A1", "agreed"] == pytest.approx(2_500_000)
    assert imported.targets.loc["A1", "source"] == "bottom_up"
