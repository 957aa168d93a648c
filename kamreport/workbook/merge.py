"""Gathering the KA managers' workbooks into the VP's (``make targets-merge``).

A split workshop (``make targets YEAR=… SPLIT=manager``) writes the VP's workbook
``targets-<year>.xlsx`` and one ``targets-<year>-<manager>.xlsx`` per KA manager
with only that manager's accounts. Each manager fills in Bottom-up (and the
Service and Categories inputs) on their own. The merge:

- checks every workbook as the import does (every bad cell, with file and cell);
- copies each entered value into the VP's workbook, at the account's row;
- reports a **conflict** when two workbooks (two managers, or a manager and the
  VP) hold different values for the same cell, and a **missing** workbook for a
  manager the split wrote a workbook for but who has not handed one back (their
  accounts keep the top-down value);
- proposes the goal spread again from the merged bottom-up figures
  (kamreport.analytics.target_gap, ``targets.gap_rule``);
- writes ``targets-<year>-merged.xlsx`` beside them, all or nothing: with any error
  or conflict nothing is written. The merged workbook is what the VP edits top-down
  and imports with ``make targets-import``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kamreport.analytics.target_gap import GapSpread, spread_gap
from kamreport.errors import KamReportError
from kamreport.outputs import atomic_write_bytes
from kamreport.params import SERVICE_KINDS
from kamreport.workbook.build import workbook_bytes
from kamreport.workbook.layout import (
    ACCOUNTS,
    GOAL_CELL,
    INPUT_COLUMNS,
    MANAGER_PART,
    MERGED,
    META,
    PARTS_FACT,
    SUMMARY,
    WHOLE,
    letter,
)
from kamreport.workbook.read import (
    TargetsImportError,
    WorkbookInputs,
    WorkbookIssue,
    read_inputs,
)


def merged_name(year: int) -> str:
    return f"targets-{year}-merged.xlsx"


@dataclass(frozen=True)
class MergeResult:
    path: Path
    vp_workbook: Path
    workbooks: tuple[Path, ...]  # the managers' workbooks merged
    missing: tuple[str, ...]  # managers without a workbook (their accounts: top-down)
    entered: Mapping[str, int]  # manager → accounts with a bottom-up figure
    spread: GapSpread
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _value(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _entries(inputs: WorkbookInputs) -> dict[tuple, tuple[float, str]]:
    """Every entered value of a workbook: (account, key) or ("category", row key) →
    (value, cell reference)."""
    out: dict[tuple, tuple[float, str]] = {}
    for account_id, row in inputs.accounts.iterrows():
        for key in INPUT_COLUMNS:
            if not math.isnan(row[key]):
                out[(account_id, key)] = (float(row[key]), inputs.cells[(account_id, key)])
    for account_id, row in inputs.service.iterrows():
        for kind in SERVICE_KINDS:
            if not math.isnan(row[kind]):
                out[(account_id, kind)] = (float(row[kind]), inputs.cells[(account_id, kind)])
    categories = inputs.meta.categories
    for index, value in inputs.categories.items():
        item = categories.loc[index]
        key = ("category", item["account_id"], item["category"])
        out[key] = (float(value), inputs.category_cells[index])
    return out


def _label(key: tuple) -> str:
    if key[0] == "category":
        return f"account {key[1]!r}, category {key[2]!r}"
    return f"account {key[0]!r}, {key[1].replace('_', ' ')}"


def merge_workbooks(
    folder: str | Path,
    year: int,
    *,
    gap_rule: str = "headroom",
    tier_weights: Mapping[str, float] | None = None,
) -> MergeResult:
    """Merge the managers' workbooks in ``folder`` into the VP's; see the module doc."""
    folder = Path(folder)
    vp_path = folder / f"targets-{year}.xlsx"
    vp = read_inputs(vp_path, year)
    issues: list[WorkbookIssue] = list(vp.issues)
    if vp.facts.get("part") != WHOLE:
        issues.append(
            WorkbookIssue(
                str(vp_path),
                f"a workbook of part {vp.facts.get('part')!r}",
                "the VP's whole workbook written by make targets SPLIT=manager",
            )
        )
        raise TargetsImportError(str(vp_path), issues)
    parts: dict[str, str] = json.loads(str(vp.facts.get(PARTS_FACT) or "{}"))
    paths = sorted(
        p
        for p in folder.glob(f"targets-{year}-*.xlsx")
        if p.name != merged_name(year) and not p.name.startswith("~$")
    )
    owners: dict[str, str] = {a: "" for a in vp.meta.ids}
    entries: dict[tuple, tuple[float, str]] = {
        k: (v, f"{vp_path.name} {cell}") for k, (v, cell) in _entries(vp).items()
    }
    seen: set[str] = set()
    merged: list[Path] = []
    entered: dict[str, int] = {}
    for path in paths:
        part = read_inputs(path, year)
        issues += [
            WorkbookIssue(f"{path.name} {i.where}", i.found, i.expected, i.fix, i.severity)
            for i in part.issues
        ]
        if part.facts.get("part") != MANAGER_PART:
            continue  # another file of the folder (a copy, a backup): not a manager's part
        manager = str(part.facts.get("manager") or "")
        seen.add(manager)
        merged.append(path)
        unknown = [a for a in part.meta.ids if a not in owners]
        for account_id in unknown:
            issues.append(
                WorkbookIssue(
                    f"{path.name} {ACCOUNTS}",
                    f"account {account_id!r}, which is not in {vp_path.name}",
                    "only accounts of the VP's workbook",
                    "Generate the split again from the same data (make targets SPLIT=manager).",
                )
            )
        for account_id in part.meta.ids:
            if owners.get(account_id):
                issues.append(
                    WorkbookIssue(
                        f"{path.name} {ACCOUNTS}",
                        f"account {account_id!r}, also in {owners[account_id]}",
                        "each account in one manager's workbook",
                    )
                )
            elif account_id in owners:
                owners[account_id] = path.name
        entered[manager] = int(part.accounts["bottom_up"].notna().sum())
        for key, (value, cell) in _entries(part).items():
            where = f"{path.name} {cell}"
            if key in entries and not math.isclose(entries[key][0], value, abs_tol=0.005):
                issues.append(
                    WorkbookIssue(
                        where,
                        f"{_value(value)} for {_label(key)}",
                        f"one value: {entries[key][1]} holds {_value(entries[key][0])}",
                        "Agree on one value and clear the other cell, then merge again.",
                    )
                )
            else:
                entries.setdefault(key, (value, where))
    if any(i.severity == "error" for i in issues):
        raise TargetsImportError(str(folder), issues)
    missing = tuple(sorted(m for m in parts if m not in seen))
    book = vp.book
    _write_entries(book, vp, entries)
    spread = _respread(book, vp, entries, gap_rule, tier_weights)
    book[META].cell(row=_fact_row(book, "part"), column=2, value=MERGED)
    out = folder / merged_name(year)
    atomic_write_bytes(out, workbook_bytes(book))
    warnings = tuple(
        f"No workbook from {m} (expected {parts[m]}): their accounts keep the top-down value."
        for m in missing
    )
    return MergeResult(out, vp_path, tuple(merged), missing, entered, spread, warnings)


def find_split_folder(output_dir: Path, year: int) -> Path:
    """The newest ``<output_dir>/<as-of>/<locale>/targets`` holding ``targets-<year>.xlsx``."""
    found = sorted(
        output_dir.glob(f"*/*/targets/targets-{year}.xlsx"), key=lambda p: p.stat().st_mtime
    )
    if not found:
        raise KamReportError(
            f"No targets-{year}.xlsx under {output_dir}. Write the split workbooks first "
            f"(make targets YEAR={year} SPLIT=manager), or name their folder with DIR=."
        )
    return found[-1].parent


def _cell(book, reference: str):
    sheet, _, cell = reference.rpartition("!")
    return book[sheet][cell]


def _write_entries(book, vp: WorkbookInputs, entries: dict[tuple, tuple[float, str]]) -> None:
    """Each entered value into the VP's workbook, at the cell of its account (category)."""
    rows = {(r["account_id"], r["category"]): i for i, r in vp.meta.categories.iterrows()}
    for key, (value, _) in entries.items():
        if key[0] == "category":
            index = rows.get((key[1], key[2]))
            if index is None:
                continue  # a category the VP's workbook does not list (not possible from a split)
            reference = vp.category_cells[index]
        else:
            reference = vp.cells[key]
        _cell(book, reference).value = int(value) if key[-1] in SERVICE_KINDS else value


def _respread(
    book,
    vp: WorkbookInputs,
    entries: dict[tuple, tuple[float, str]],
    rule: str,
    tier_weights: Mapping[str, float] | None,
) -> GapSpread:
    """The goal spread from the merged bottom-up figures, written into its column."""
    goal = float(book[SUMMARY][GOAL_CELL].value)
    bottom_up = pd.Series(
        {a: entries[(a, "bottom_up")][0] for a in vp.meta.ids if (a, "bottom_up") in entries},
        dtype=float,
    )
    sheet = book[ACCOUNTS]
    headroom_col, spread_col = letter("headroom"), letter("goal_spread")
    frame = pd.DataFrame(
        {
            "baseline": vp.accounts["baseline"],
            "bottom_up": bottom_up.reindex(vp.accounts.index),
            "headroom": [
                _number(sheet[f"{headroom_col}{vp.rows[a]}"].value) for a in vp.accounts.index
            ],
            "tier": vp.meta.tiers.reindex(vp.accounts.index),
        },
        index=vp.accounts.index,
    )
    spread = spread_gap(frame, goal, rule, tier_weights)
    for account_id in vp.accounts.index:
        cell = sheet[f"{spread_col}{vp.rows[account_id]}"]
        cell.value = float(spread.accounts.at[account_id, "proposed"])
    return spread


def _number(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else float("nan")


def _fact_row(book, key: str) -> int:
    sheet = book[META]
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value == key:
            return row
    raise KeyError(key)


__all__ = ["MergeResult", "find_split_folder", "merge_workbooks", "merged_name"]
