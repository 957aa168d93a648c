"""Reading an edited target-setting workbook back, checking every edit at once.

Cached formula values are never used (a workbook saved by openpyxl has none, and
a cached value can be stale): the agreed targets are recomputed from the inputs
with the workbook's own rules (Top-down = goal × baseline / Σ baselines; Agreed
= Override, else Bottom-up, else Top-down). Every problem is reported with its
sheet and cell (``Accounts!N17``), what was found and what was expected.

Rows are found by their account id (Categories: account and category), never by
their position: a workbook whose rows were sorted or filtered reads the same.
"""

from __future__ import annotations

import numbers
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kamreport.analytics.target_proposals import SEASON_COLUMNS
from kamreport.errors import KamReportError
from kamreport.params import SERVICE_KINDS
from kamreport.workbook.layout import (
    ACCOUNTS,
    AGREED_TOTAL_CELL,
    CATEGORIES,
    CATEGORY_COLUMNS,
    COLUMNS,
    FORMAT_VERSION,
    FORMULA_COLUMNS,
    GOAL_CELL,
    INPUT_COLUMNS,
    MANAGER_PART,
    META,
    META_CATEGORY_HEADS,
    SERVICE,
    SERVICE_COLUMNS,
    SHEETS,
    SUMMARY,
    Headers,
    english_part,
)

NUMBER_OR_EMPTY = "a number ≥ 0 or an empty cell"
# Columns a sheet cannot be read without, besides its inputs: the keys of its rows, the
# baseline and the formulas the Accounts sheet's agreed targets are checked against.
REQUIRED_COLUMNS = ("account_id", "category", "proposal", *FORMULA_COLUMNS[:2])
WHOLE_OR_EMPTY = "a whole number ≥ 0 or an empty cell"


@dataclass(frozen=True)
class WorkbookIssue:
    """One invalid edit: where (``Accounts!N17``), what was found and what was expected."""

    where: str
    found: str
    expected: str
    fix: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        text = f"{self.where}: found {self.found}, expected {self.expected}."
        return f"{text} {self.fix}" if self.fix else text


class TargetsImportError(KamReportError):
    """The edited workbook cannot be imported; every problem is listed, nothing was written."""

    def __init__(self, path: str, issues: list[WorkbookIssue]):
        self.path = path
        self.issues = tuple(issues)
        errors = [i for i in issues if i.severity == "error"]
        lines = "\n".join(f"  {i.severity.upper():7} {i}" for i in issues)
        super().__init__(
            f"The workbook {path} has {len(errors)} error(s); nothing was written.\n{lines}"
        )


@dataclass(frozen=True)
class ImportedTargets:
    """The agreed yearly target per account, as recomputed from the workbook's inputs."""

    year: int
    goal: float
    tolerance: float
    targets: pd.DataFrame  # index account_id: baseline, bottom_up, override, top_down, agreed,
    # source (override | bottom_up | top_down), method (the proposal's)
    seasonality: pd.DataFrame  # index account_id, columns 1–12
    warnings: tuple[WorkbookIssue, ...] = field(default_factory=tuple)
    service: pd.DataFrame = field(default_factory=pd.DataFrame)  # index account_id: kinds
    categories: pd.DataFrame = field(default_factory=pd.DataFrame)  # account_id, category,
    # revenue_target (agreed)

    @property
    def agreed_total(self) -> float:
        return float(self.targets["agreed"].sum())


def describe(value: object) -> str:
    if isinstance(value, str):
        if value.startswith("="):
            return f"the formula {value!r}"
        return f"text {value!r}"
    if isinstance(value, bool):
        return f"the logical value {str(value).upper()}"
    if isinstance(value, numbers.Number):
        return f"{float(value):g}"
    return f"{type(value).__name__} {value!r}"


def _input_value(value: object, where: str, issues: list[WorkbookIssue]) -> float | None:
    """A valid input cell's number (None when empty); problems go to ``issues``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        number = float(value)
        if number >= 0 and number == number:
            return number
    issues.append(WorkbookIssue(where, describe(value), NUMBER_OR_EMPTY))
    return None


def _whole_value(value: object, where: str, issues: list[WorkbookIssue]) -> float | None:
    """A valid count cell's whole number (None when empty); problems go to ``issues``."""
    number = _input_value(value, where, [])
    if number is None and not (value is None or (isinstance(value, str) and not value.strip())):
        issues.append(WorkbookIssue(where, describe(value), WHOLE_OR_EMPTY))
        return None
    if number is not None and number != int(number):
        issues.append(WorkbookIssue(where, describe(value), WHOLE_OR_EMPTY))
        return None
    return number


@dataclass(frozen=True)
class _Meta:
    facts: dict[str, object]
    ids: list[str]
    season: pd.DataFrame  # index account_id, columns 1–12
    methods: pd.Series  # index account_id
    tiers: pd.Series  # index account_id
    categories: pd.DataFrame  # account_id, category, share (generated order)


def _meta(book) -> _Meta:
    sheet = book[META]
    facts: dict[str, object] = {}
    rows = sheet.iter_rows(values_only=True)
    for row in rows:
        if row[0] == "account_id":
            break
        if row[0] is not None:
            facts[str(row[0])] = row[1]
    ids: list[str] = []
    shares: list[list[float]] = []
    methods: list[str] = []
    tiers: list[str] = []
    for row in rows:
        if row[0] == META_CATEGORY_HEADS[0]:
            break
        if row[0] is None:
            continue
        ids.append(str(row[0]))
        shares.append([float(v or 0) for v in row[1 : 1 + len(SEASON_COLUMNS)]])
        extra = [*row[1 + len(SEASON_COLUMNS) :], None, None]
        methods.append("" if extra[0] is None else str(extra[0]))
        tiers.append("" if extra[1] is None else str(extra[1]))
    pairs = [(str(row[0]), str(row[1]), float(row[2] or 0)) for row in rows if row[0] is not None]
    index = pd.Index(ids, name="account_id")
    return _Meta(
        facts=facts,
        ids=ids,
        season=pd.DataFrame(shares, index=index, columns=range(1, 13)),
        methods=pd.Series(methods, index=index, dtype=object),
        tiers=pd.Series(tiers, index=index, dtype=object),
        categories=pd.DataFrame(pairs, columns=["account_id", "category", "share"]),
    )


def _find(found: dict[str, int], headers: Headers, key: str) -> int | None:
    """The column of ``key`` among the ``found`` headers (with or without the currency)."""
    return next((found[v] for v in headers.english_variants(key) if v in found), None)


@dataclass(frozen=True)
class WorkbookInputs:
    """Everything entered in a targets workbook, checked cell by cell (no totals yet)."""

    path: str
    book: Any  # the openpyxl workbook, formulas kept
    meta: _Meta
    accounts: pd.DataFrame  # index account_id: baseline, bottom_up, override (NaN: empty)
    service: pd.DataFrame  # index account_id: entered counts per kind (NaN: empty)
    service_proposed: pd.DataFrame  # index account_id: proposed counts per kind
    categories: pd.Series  # entered category targets by row of meta.categories
    cells: dict[tuple[str, str], str]  # (account_id, input key) → its cell reference
    category_cells: dict[int, str]  # meta.categories row → the cell of its input
    issues: list[WorkbookIssue]
    rows: dict[str, int] = field(default_factory=dict)  # account_id → its Accounts row

    @property
    def facts(self) -> dict[str, object]:
        return self.meta.facts


def open_workbook(path: str | Path) -> Any:
    """The workbook at ``path`` with its formulas, or :class:`TargetsImportError`."""
    label = str(path)
    try:
        return load_workbook(path, data_only=False)
    except FileNotFoundError:
        raise TargetsImportError(
            label, [WorkbookIssue(label, "no such file", "the edited targets workbook")]
        ) from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        issue = WorkbookIssue(label, f"a file that is not an .xlsx workbook ({exc})", "an .xlsx")
        raise TargetsImportError(label, [issue]) from None


def read_inputs(path: str | Path, year: int) -> WorkbookInputs:
    """Check a workbook's sheets, format, year and every input cell. Structural problems
    raise :class:`TargetsImportError`; problems with entered values are collected in
    ``issues`` so that a caller can report them with its own."""
    label = str(path)
    book = open_workbook(path)
    issues: list[WorkbookIssue] = []
    for name in (*SHEETS, META):
        if name not in book.sheetnames:
            issues.append(
                WorkbookIssue(
                    f"sheet {name!r}",
                    f"no such sheet (sheets: {', '.join(book.sheetnames)})",
                    f"the sheets {', '.join(SHEETS)} of the generated workbook",
                    "Sheets must not be renamed or deleted; start again from the generated file.",
                )
            )
    if issues:
        raise TargetsImportError(label, issues)
    meta = _meta(book)
    facts, expected_ids = meta.facts, meta.ids
    if str(facts.get("format_version")) != FORMAT_VERSION:
        issue = WorkbookIssue(
            label,
            f"a workbook of format {facts.get('format_version')}",
            f"format {FORMAT_VERSION}",
            "Generate the workbook again with this version (make targets) and copy the "
            "entries over.",
        )
        raise TargetsImportError(label, [issue])
    if int(str(facts.get("year", 0))) != year:
        issues.append(
            WorkbookIssue(
                label,
                f"a workbook for {facts.get('year')}",
                f"the workbook for {year}",
                "Pass the YEAR the workbook was generated for.",
            )
        )
    as_of_year = int(str(facts.get("as_of", f"{year - 1}"))[:4])
    currency = str(facts.get("currency") or "")
    headers = Headers(current_year=as_of_year, target_year=year, currency=currency)
    columns = _sheet_columns(book[ACCOUNTS], COLUMNS, headers, issues)
    service_columns = _sheet_columns(book[SERVICE], SERVICE_COLUMNS, headers, issues)
    category_columns = _sheet_columns(book[CATEGORIES], CATEGORY_COLUMNS, headers, issues)
    if issues:
        raise TargetsImportError(label, issues)
    frame, rows = _read_rows(book[ACCOUNTS], columns, expected_ids, issues)
    service_rows: dict[str, int] = {}
    entered, proposed = read_service(
        book[SERVICE], service_columns, expected_ids, issues, service_rows
    )
    category_rows: dict[int, int] = {}
    categories = read_categories(
        book[CATEGORIES], category_columns, meta.categories, issues, category_rows
    )
    cells: dict[tuple[str, str], str] = {}
    for account_id, r in rows.items():
        for key in INPUT_COLUMNS:
            cells[(account_id, key)] = f"{ACCOUNTS}!{get_column_letter(columns[key])}{r}"
    for account_id, r in service_rows.items():
        for kind in SERVICE_KINDS:
            cells[(account_id, kind)] = f"{SERVICE}!{get_column_letter(service_columns[kind])}{r}"
    target_column = get_column_letter(category_columns["category_target"])
    category_cells = {i: f"{CATEGORIES}!{target_column}{r}" for i, r in category_rows.items()}
    return WorkbookInputs(
        path=label,
        book=book,
        meta=meta,
        accounts=frame,
        service=entered,
        service_proposed=proposed,
        categories=categories,
        cells=cells,
        category_cells=category_cells,
        issues=issues,
        rows={a: r for a, r in rows.items() if a in set(expected_ids)},
    )


def read_workbook(
    path: str | Path, year: int, *, tolerance: float, tolerance_action: str = "error"
) -> ImportedTargets:
    """Check the edited workbook and recompute its agreed targets, or raise
    :class:`TargetsImportError` listing every problem."""
    label = str(path)
    inputs = read_inputs(path, year)
    meta, issues, frame = inputs.meta, inputs.issues, inputs.accounts
    if meta.facts.get("part") == MANAGER_PART:
        issue = WorkbookIssue(
            label,
            f"the workbook of one KA manager ({meta.facts.get('manager')})",
            "the VP's workbook, whole or merged",
            f"Gather the managers' workbooks first: make targets-merge YEAR={year}, then "
            "import the merged workbook.",
        )
        raise TargetsImportError(label, [issue])
    goal = _goal(inputs.book[SUMMARY], issues)
    service = inputs.service.fillna(inputs.service_proposed)
    entered = inputs.categories
    warnings: list[WorkbookIssue] = []
    if not any(i.severity == "error" for i in issues) and goal is not None:
        frame = recompute(frame, goal)
        total = float(frame["agreed"].sum())
        off = total / goal - 1
        if abs(off) > tolerance + 1e-12:
            issue = WorkbookIssue(
                f"{SUMMARY}!{AGREED_TOTAL_CELL}",
                f"an agreed total of {total:,.0f}, {off:+.1%} against the company goal {goal:,.0f}",
                f"a total within ±{tolerance:.1%} of the goal",
                "Adjust Bottom-up or Override values (or the goal) until they agree.",
                severity="error" if tolerance_action == "error" else "warning",
            )
            (issues if issue.severity == "error" else warnings).append(issue)
    if issues:
        raise TargetsImportError(label, issues + warnings)
    frame["method"] = meta.methods.reindex(frame.index).fillna("")
    return ImportedTargets(
        year=year,
        goal=float(goal or 0),
        tolerance=tolerance,
        targets=frame,
        seasonality=meta.season.reindex(frame.index),
        warnings=tuple(warnings),
        service=service.reindex(frame.index),
        categories=category_targets(meta.categories, entered, frame["agreed"]),
    )


def recompute(frame: pd.DataFrame, goal: float) -> pd.DataFrame:
    """Top-down and agreed targets from the inputs, as the workbook's formulas define them,
    and who set each agreed target (override, bottom_up or top_down)."""
    out = frame.copy()
    total = out["baseline"].sum()
    out["top_down"] = goal * out["baseline"] / total if total > 0 else 0.0
    out["agreed"] = out["override"].fillna(out["bottom_up"]).fillna(out["top_down"])
    out["source"] = np.where(
        out["override"].notna(), "override", np.where(out["bottom_up"].notna(), "bottom_up",
                                                      "top_down")
    )  # fmt: skip
    return out


def category_targets(
    generated: pd.DataFrame, entered: pd.Series, agreed: pd.Series
) -> pd.DataFrame:
    """Agreed category targets: the entered amount, else share × the account's agreed
    target (the workbook's formula), in cents. Columns account_id, category, revenue_target."""
    out = generated[["account_id", "category"]].copy()
    proposed = generated["share"] * generated["account_id"].map(agreed).astype(float)
    values = entered.reindex(generated.index) if len(entered) else pd.Series(np.nan, out.index)
    out["revenue_target"] = values.fillna(proposed).round(2)
    return out.reset_index(drop=True)


def _sheet_columns(
    sheet: Worksheet,
    layout: tuple[tuple[str, str], ...],
    headers: Headers,
    issues: list[WorkbookIssue],
) -> dict[str, int]:
    """The columns of a sheet laid out as ``layout``, found by their English header (so
    columns may be moved); a missing input column or key column is an issue."""
    found = {english_part(c.value): c.column for c in sheet[1] if c.value is not None}
    columns: dict[str, int] = {}
    for key, kind in layout:
        column = _find(found, headers, key)
        if column is not None:
            columns[key] = column
        elif kind in ("input", "count_input") or key in REQUIRED_COLUMNS:
            names = ", ".join(repr(str(c.value)) for c in sheet[1] if c.value is not None)
            issues.append(
                WorkbookIssue(
                    f"{sheet.title}!1:1",
                    f"no column {headers.text(key)!r} (headers: {names or 'none'})",
                    f"the column {headers.text(key)!r} in the header row",
                    "Use a freshly generated workbook; columns must not be renamed or deleted.",
                )
            )
    return columns


def _rows_by_key(
    sheet: Worksheet, key_columns: list[int]
) -> tuple[dict[tuple[str, ...], int], list[tuple[int, tuple[str, ...]]]]:
    """Each row's key (the stripped text of ``key_columns``) → its row, first occurrence;
    and every later row whose key was seen before. Empty rows are skipped."""
    rows: dict[tuple[str, ...], int] = {}
    repeated: list[tuple[int, tuple[str, ...]]] = []
    for r in range(2, sheet.max_row + 1):
        values = [sheet.cell(row=r, column=c).value for c in key_columns]
        if all(v is None for v in values):
            continue
        key = tuple("" if v is None else str(v).strip() for v in values)
        if key in rows:
            repeated.append((r, key))
        else:
            rows[key] = r
    return rows, repeated


def _row_issues(
    sheet: Worksheet,
    found: dict[tuple[str, ...], int],
    repeated: list[tuple[int, tuple[str, ...]]],
    expected: list[tuple[str, ...]],
    issues: list[WorkbookIssue],
) -> None:
    """Rows added, repeated, changed or removed on a Service or Categories sheet (their
    order is free: sorting or filtering is fine)."""
    shown = " / ".join
    wanted = set(expected)
    fix = f"Rows of the {sheet.title} sheet must not be added, removed or changed."
    for key, r in found.items():
        if key not in wanted:
            issues.append(
                WorkbookIssue(
                    f"{sheet.title}!A{r}",
                    f"{shown(repr(k) for k in key)}, a row that was not generated",
                    "only the generated rows",
                    fix,
                )
            )
    for r, key in repeated:
        issues.append(
            WorkbookIssue(
                f"{sheet.title}!A{r}",
                f"{shown(repr(k) for k in key)} a second time (first in row {found[key]})",
                "each generated row once",
                fix,
            )
        )
    for key in expected:
        if key not in found:
            issues.append(
                WorkbookIssue(
                    f"{sheet.title}!A:A",
                    f"no row for {shown(repr(k) for k in key)}",
                    "every generated row",
                    fix,
                )
            )


def read_service(
    sheet: Worksheet,
    columns: dict[str, int],
    expected: list[str],
    issues: list[WorkbookIssue],
    rows: dict[str, int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The entered (NaN where empty) and the proposed visits, senior visits and trainings
    per account, each row found by its account id; ``rows`` gets each account's row."""
    entered: dict[str, dict[str, float]] = {}
    proposed: dict[str, dict[str, float]] = {}
    found, repeated = _rows_by_key(sheet, [columns["account_id"]])
    _row_issues(sheet, found, repeated, [(a,) for a in expected], issues)
    for account_id in expected:
        r = found.get((account_id,))
        if r is None:
            continue
        if rows is not None:
            rows[account_id] = r
        entered[account_id], proposed[account_id] = {}, {}
        for kind in SERVICE_KINDS:
            where = f"{SERVICE}!{get_column_letter(columns[kind])}{r}"
            value = _whole_value(sheet.cell(row=r, column=columns[kind]).value, where, issues)
            entered[account_id][kind] = np.nan if value is None else value
            proposed_column = columns.get(f"{kind}_proposed")
            plan = sheet.cell(row=r, column=proposed_column).value if proposed_column else 0
            number = isinstance(plan, numbers.Number) and not isinstance(plan, bool)
            proposed[account_id][kind] = float(plan) if number else 0.0

    def frame(records: dict[str, dict[str, float]]) -> pd.DataFrame:
        out = pd.DataFrame.from_dict(records, orient="index", columns=list(SERVICE_KINDS))
        out.index.name = "account_id"
        return out.astype(float)

    return frame(entered), frame(proposed)


def read_categories(
    sheet: Worksheet,
    columns: dict[str, int],
    generated: pd.DataFrame,
    issues: list[WorkbookIssue],
    rows: dict[int, int] | None = None,
) -> pd.Series:
    """Entered category targets by generated row (index of ``generated``), each row found
    by its account and category; ``rows`` gets each generated row's sheet row."""
    entered: dict[int, float] = {}
    found, repeated = _rows_by_key(sheet, [columns["account_id"], columns["category"]])
    keys = [(str(item.account_id), str(item.category)) for item in generated.itertuples()]
    _row_issues(sheet, found, repeated, keys, issues)
    for index, key in zip(generated.index, keys, strict=True):
        r = found.get(key)
        if r is None:
            continue
        if rows is not None:
            rows[index] = r
        where = f"{CATEGORIES}!{get_column_letter(columns['category_target'])}{r}"
        cell = sheet.cell(row=r, column=columns["category_target"]).value
        value = _input_value(cell, where, issues)
        if value is not None:
            entered[index] = value
    return pd.Series(entered, dtype=float)


def _goal(sheet: Worksheet, issues: list[WorkbookIssue]) -> float | None:
    value = sheet[GOAL_CELL].value
    if isinstance(value, numbers.Number) and not isinstance(value, bool) and value > 0:
        return float(value)
    found = "an empty cell" if value is None else describe(value)
    issues.append(WorkbookIssue(f"{SUMMARY}!{GOAL_CELL}", found, "the company goal, a number > 0"))
    return None


def _read_rows(
    sheet: Worksheet, columns: dict[str, int], expected: list[str], issues: list[WorkbookIssue]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The inputs and baseline of every account row, found by account id; and each
    account id's row."""
    id_col = get_column_letter(columns["account_id"])
    records: dict[str, dict[str, float | None]] = {}
    rows: dict[str, int] = {}
    extra: list[tuple[int, str]] = []
    for r in range(2, sheet.max_row + 1):
        raw = sheet.cell(row=r, column=columns["account_id"]).value
        values = [sheet.cell(row=r, column=c).value for c in columns.values()]
        if raw is None and all(v is None for v in values):
            continue
        account_id = "" if raw is None else str(raw).strip()
        where = f"{ACCOUNTS}!{id_col}{r}"
        if account_id in rows:
            issues.append(
                WorkbookIssue(
                    where,
                    f"account id {account_id!r} a second time (first in row {rows[account_id]})",
                    "each generated account once",
                )
            )
            continue
        rows[account_id] = r
        if account_id not in expected:
            extra.append((r, account_id))
        record: dict[str, float | None] = {}
        for key in INPUT_COLUMNS:
            cell = f"{ACCOUNTS}!{get_column_letter(columns[key])}{r}"
            record[key] = _input_value(sheet.cell(row=r, column=columns[key]).value, cell, issues)
        baseline = sheet.cell(row=r, column=columns["proposal"]).value
        if isinstance(baseline, numbers.Number) and not isinstance(baseline, bool):
            record["baseline"] = float(baseline)
        else:
            cell = f"{ACCOUNTS}!{get_column_letter(columns['proposal'])}{r}"
            issues.append(WorkbookIssue(cell, describe(baseline), "the proposed baseline number"))
            record["baseline"] = 0.0
        for key in FORMULA_COLUMNS[:2]:
            value = sheet.cell(row=r, column=columns[key]).value
            if not (isinstance(value, str) and value.startswith("=")):
                cell = f"{ACCOUNTS}!{get_column_letter(columns[key])}{r}"
                issues.append(
                    WorkbookIssue(
                        cell,
                        "an empty cell" if value is None else describe(value),
                        "the generated formula",
                        "Enter numbers in the Bottom-up or Override column instead.",
                    )
                )
        records[account_id] = record
    _check_ids(expected, rows, extra, id_col, issues)
    frame = pd.DataFrame.from_dict(records, orient="index", columns=["baseline", *INPUT_COLUMNS])
    frame.index.name = "account_id"
    order = [a for a in expected if a in frame.index]
    return frame.loc[order].astype(float), rows


def _check_ids(
    expected: list[str],
    rows: dict[str, int],
    extra: list[tuple[int, str]],
    id_col: str,
    issues: list[WorkbookIssue],
) -> None:
    """Changed ids (a missing account's row now holds an unknown id), added and removed ones."""
    missing = [a for a in expected if a not in rows]
    generated_row = {a: i + 2 for i, a in enumerate(expected)}
    for r, account_id in extra:
        was = next((a for a in missing if generated_row[a] == r), None)
        where = f"{ACCOUNTS}!{id_col}{r}"
        shown = repr(account_id) if account_id else "an empty account id"
        if was is not None:
            missing.remove(was)
            issues.append(
                WorkbookIssue(
                    where,
                    f"account id {shown}",
                    f"{was!r} as generated",
                    "Account ids must not be changed.",
                )
            )
        else:
            issues.append(
                WorkbookIssue(
                    where,
                    f"{shown}, an account that was not in the generated workbook",
                    "only the generated accounts",
                    "Accounts must not be added; targets for other accounts need a new workbook.",
                )
            )
    for account_id in missing:
        issues.append(
            WorkbookIssue(
                f"{ACCOUNTS}!{id_col}:{id_col}",
                f"no row for account {account_id!r} (generated in row {generated_row[account_id]})",
                "every generated account",
                "Accounts must not be removed; leave Bottom-up empty to use the top-down value.",
            )
        )
