"""Reading an edited account-plan workbook back, checking every cell at once.

Every problem is reported with its sheet and cell (``KA0001!E9``), what was found,
what was expected and how to fix it: an unknown status or attitude, a due date that
is missing or not a date, an entry without its objective, action or name, an unknown
or missing account sheet, a section that was moved. Sections are found by their
titles' English part; an item keeps the id in column A (empty for a new one).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from kamreport.analytics.plan_document import (
    ATTITUDES,
    CONTEXT,
    RESOURCES,
    STATUSES,
    SWOT,
    Action,
    Objective,
    Person,
    PlanDocument,
    Resource,
)
from kamreport.errors import KamReportError
from kamreport.workbook.build import EN, ZH
from kamreport.workbook.layout import english_part
from kamreport.workbook.plans import (
    FORMAT_VERSION,
    INSTRUCTIONS,
    KIND,
    META,
    META_HEADS,
    SECTIONS,
)
from kamreport.workbook.read import WorkbookIssue, describe

REGENERATE = "Write the workbook again with make plans and copy your entries over."


class PlansImportError(KamReportError):
    """The plan workbook cannot be imported; every problem is listed, nothing was stored."""

    def __init__(self, path: str, issues: list[WorkbookIssue]):
        self.path = path
        self.issues = tuple(issues)
        lines = "\n".join(f"  ERROR   {i}" for i in issues)
        super().__init__(
            f"The plan workbook {path} has {len(issues)} error(s); nothing was stored.\n{lines}"
        )


@dataclass(frozen=True)
class PlanWorkbook:
    """What an edited plan workbook holds: its facts and each account's plan (new items
    with an empty id)."""

    path: str
    facts: dict[str, str]
    plans: dict[str, PlanDocument]


def _choices(group: str, keys: tuple[str, ...]) -> dict[str, str]:
    """Every accepted spelling of a list value (bilingual, English, Chinese) → its key."""
    out: dict[str, str] = {}
    for key in keys:
        english, chinese = EN.t(f"plans.{group}.{key}"), ZH.t(f"plans.{group}.{key}")
        for spelling in (english, chinese, f"{english} / {chinese}", key):
            out[" ".join(spelling.split()).casefold()] = key
    return out


STATUS_CHOICES = _choices("status", STATUSES)
ATTITUDE_CHOICES = _choices("attitude", ATTITUDES)
LABELS = {
    part: {english_part(EN.t(f"plans.{part}.{k}")): k for k in keys}
    for part, keys in (("swot", SWOT), ("context", CONTEXT), ("resources", RESOURCES))
}
TITLES = {english_part(EN.t(f"plans.section.{key}")): key for key in SECTIONS}


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object) -> str:
    if _empty(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def open_plans(path: str | Path) -> Any:
    label = str(path)
    try:
        return load_workbook(path, data_only=False)
    except FileNotFoundError:
        issue = WorkbookIssue(label, "no such file", "the edited account-plan workbook")
        raise PlansImportError(label, [issue]) from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        issue = WorkbookIssue(label, f"a file that is not an .xlsx workbook ({exc})", "an .xlsx")
        raise PlansImportError(label, [issue]) from None


def _meta(book, label: str) -> tuple[dict[str, str], dict[str, str]]:
    if META not in book.sheetnames:
        issue = WorkbookIssue(
            label,
            f"a workbook without the {META} sheet (sheets: {', '.join(book.sheetnames)})",
            "an account-plan workbook written by make plans",
            REGENERATE,
        )
        raise PlansImportError(label, [issue])
    facts: dict[str, str] = {}
    sheets: dict[str, str] = {}
    rows = book[META].iter_rows(values_only=True)
    for row in rows:
        if row and row[0] == META_HEADS[0]:
            break
        if row and row[0] is not None:
            facts[str(row[0])] = "" if row[1] is None else str(row[1])
    for row in rows:
        if row and row[0] is not None:
            sheets[str(row[0])] = str(row[1])
    if facts.get("kind") != KIND or facts.get("format_version") != FORMAT_VERSION:
        issue = WorkbookIssue(
            label,
            f"a workbook of kind {facts.get('kind')!r}, format {facts.get('format_version')!r}",
            f"an account-plan workbook of format {FORMAT_VERSION}",
            REGENERATE,
        )
        raise PlansImportError(label, [issue])
    return facts, sheets


class _Cells:
    """Reads typed values from one sheet, reporting problems with their cell."""

    def __init__(self, sheet, issues: list[WorkbookIssue]):
        self.sheet = sheet
        self.issues = issues

    def where(self, row: int, column: int) -> str:
        return f"{self.sheet.title}!{self.sheet.cell(row=row, column=column).coordinate}"

    def add(self, row: int, column: int, found: str, expected: str, fix: str = "") -> None:
        self.issues.append(WorkbookIssue(self.where(row, column), found, expected, fix))

    def date(self, row: int, column: int, value: object, required: bool) -> dt.date | None:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if _empty(value):
            if required:
                self.add(row, column, "an empty cell", "a due date",
                         "Enter the date it is due, e.g. 2027-03-31.")  # fmt: skip
            return None
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.add(row, column, describe(value), "a date such as 2027-03-31",
                 "Type the date as year-month-day; the cell is formatted as a date.")  # fmt: skip
        return None

    def choice(
        self, row: int, column: int, value: object, choices: dict[str, str], group: str
    ) -> str | None:
        key = None if _empty(value) else choices.get(" ".join(str(value).split()).casefold())
        if key is not None:
            return key
        listed = ", ".join(EN.t(f"plans.{group}.{k}") for k in dict.fromkeys(choices.values()))
        if _empty(value):
            self.add(row, column, "an empty cell", f"one of {listed}", "Choose one from the list.")
        else:
            self.add(row, column, describe(value), f"one of {listed}",
                     "Choose one from the cell's list.")  # fmt: skip
        return None


def _sections(sheet, issues: list[WorkbookIssue]) -> dict[str, list[int]]:
    """The rows of each section's entries, found by the section titles in column A."""
    found: dict[str, int] = {}
    for (cell,) in sheet.iter_rows(min_col=1, max_col=1):
        key = TITLES.get(english_part(cell.value)) if isinstance(cell.value, str) else None
        if key and key not in found:
            found[key] = cell.row
    missing = [k for k in SECTIONS if k not in found]
    if missing:
        names = ", ".join(EN.t(f"plans.section.{k}") for k in missing)
        issues.append(
            WorkbookIssue(
                f"sheet {sheet.title!r}",
                f"no section {names}",
                "the six sections of the written workbook",
                REGENERATE,
            )
        )
        return {}
    starts = sorted((row, key) for key, row in found.items())
    out: dict[str, list[int]] = {}
    for i, (row, key) in enumerate(starts):
        header = row + 1
        for index, (column, _kind) in enumerate(SECTIONS[key], start=1):
            value = sheet.cell(row=header, column=index).value
            expected = english_part(EN.t(f"plans.col.{column}"))
            if english_part(value) != expected:
                issues.append(
                    WorkbookIssue(
                        f"{sheet.title}!{sheet.cell(row=header, column=index).coordinate}",
                        describe(value),
                        f"the header {EN.t(f'plans.col.{column}')!r}",
                        REGENERATE,
                    )
                )
        end = starts[i + 1][0] if i + 1 < len(starts) else sheet.max_row + 1
        out[key] = list(range(header + 1, end))
    return out


def _values(sheet, row: int, key: str) -> dict[str, object]:
    return {
        column: sheet.cell(row=row, column=index).value
        for index, (column, _kind) in enumerate(SECTIONS[key], start=1)
    }


def _inputs_empty(values: dict[str, object], key: str) -> bool:
    return all(_empty(values[c]) for c, kind in SECTIONS[key] if kind not in ("id", "label"))


def _col(key: str, column: str) -> int:
    return [c for c, _ in SECTIONS[key]].index(column) + 1


def _read_items(cells: _Cells, rows: list[int], key: str) -> list:
    """Objectives or actions of one sheet."""
    title = "objective" if key == "objectives" else "action"
    items = []
    for row in rows:
        values = _values(cells.sheet, row, key)
        if _inputs_empty(values, key):
            if not _empty(values["id"]):
                cells.add(row, _col(key, title), "an empty row for item " + _text(values["id"]),
                          f"the {title}, its due date and status",
                          "Set its status to dropped instead of clearing it.")  # fmt: skip
            continue
        if _empty(values[title]):
            cells.add(row, _col(key, title), "an empty cell", f"the {title}",
                      f"Describe the {title}, or clear the whole row.")  # fmt: skip
        due = cells.date(row, _col(key, "due_date"), values["due_date"], required=True)
        status = cells.choice(row, _col(key, "status"), values["status"], STATUS_CHOICES, "status")
        common = {"id": _text(values["id"]), "due_date": due, "status": status or "open"}
        if key == "objectives":
            items.append(
                Objective(
                    objective=_text(values["objective"]),
                    measure=_text(values["measure"]),
                    target=_text(values["target"]),
                    **common,
                )
            )
        else:
            items.append(
                Action(action=_text(values["action"]), owner=_text(values["owner"]), **common)
            )
    return items


def _read_points(cells: _Cells, rows: list[int], key: str) -> dict[str, tuple[str, ...]]:
    labels = LABELS[key]
    text = SECTIONS[key][1][0]  # point, or need for resources
    out: dict[str, list[str]] = {k: [] for k in labels.values()}
    for row in rows:
        values = _values(cells.sheet, row, key)
        kind = labels.get(english_part(values["kind"]))
        if _empty(values[text]):
            continue
        if kind is None:
            cells.add(row, 1, describe(values["kind"]), "the row label written by make plans",
                      REGENERATE)  # fmt: skip
            continue
        out[kind].append(_text(values[text]))
    return {k: tuple(v) for k, v in out.items()}


def _read_people(cells: _Cells, rows: list[int]) -> list[Person]:
    people = []
    for row in rows:
        values = _values(cells.sheet, row, "people")
        if _inputs_empty(values, "people"):
            continue
        if _empty(values["name"]):
            cells.add(row, _col("people", "name"), "an empty cell", "the person's name",
                      "Enter the name, or clear the whole row.")  # fmt: skip
        attitude = cells.choice(
            row, _col("people", "attitude"), values["attitude"], ATTITUDE_CHOICES, "attitude"
        )
        people.append(
            Person(
                id=_text(values["id"]),
                name=_text(values["name"]),
                role=_text(values["role"]),
                attitude=attitude or "neutral",
                counterpart=_text(values["counterpart"]),
            )
        )
    return people


def _read_resources(cells: _Cells, rows: list[int]) -> list[Resource]:
    points = _read_points(cells, rows, "resources")
    return [Resource(kind, need) for kind in RESOURCES for need in points.get(kind, ())]


def read_account(sheet, account_id: str, issues: list[WorkbookIssue]) -> PlanDocument | None:
    """One account's plan from its sheet (None when its sections cannot be found)."""
    sections = _sections(sheet, issues)
    if not sections:
        return None
    cells = _Cells(sheet, issues)
    return PlanDocument(
        account_id=account_id,
        objectives=tuple(_read_items(cells, sections["objectives"], "objectives")),
        actions=tuple(_read_items(cells, sections["actions"], "actions")),
        swot=_read_points(cells, sections["swot"], "swot"),
        context=_read_points(cells, sections["context"], "context"),
        people=tuple(_read_people(cells, sections["people"])),
        resources=tuple(_read_resources(cells, sections["resources"])),
    )


def read_plans_workbook(
    path: str | Path, *, data_hash: str | None = None, known: set[str] | None = None
) -> PlanWorkbook:
    """Every account's plan in an edited workbook, or :class:`PlansImportError` listing
    every problem. ``data_hash``: the hash of the data the plans must have been written
    from; ``known``: the account ids of the data."""
    label = str(path)
    book = open_plans(path)
    facts, sheets = _meta(book, label)
    issues: list[WorkbookIssue] = []
    if data_hash is not None and facts.get("data_hash") != data_hash:
        issues.append(
            WorkbookIssue(
                label,
                f"a workbook written from other data (as of {facts.get('as_of')}, data hash "
                f"{str(facts.get('data_hash'))[:12]}…)",
                f"a workbook written from the current data (data hash {data_hash[:12]}…)",
                "Import it with the data source it was written from (PARAMS=), or write "
                "the workbook again from this data with make plans and copy the entries over.",
            )
        )
    if known is not None:
        for name, account_id in sheets.items():
            if account_id not in known:
                issues.append(
                    WorkbookIssue(
                        f"sheet {name!r}",
                        f"account {account_id!r}, which is not in the data's accounts table",
                        "an account of the data source",
                        "Import the workbook with the data it was written from (PARAMS=).",
                    )
                )
    for name in book.sheetnames:
        if name in (INSTRUCTIONS, META) or name in sheets:
            continue
        issues.append(
            WorkbookIssue(
                f"sheet {name!r}",
                "a sheet of no account of this workbook",
                f"only the account sheets it was written with ({len(sheets)})",
                "Remove the sheet, or write a workbook with that account (make plans "
                "CUSTOMER=<id>) and enter its plan there.",
            )
        )
    plans: dict[str, PlanDocument] = {}
    for name, account_id in sheets.items():
        if name not in book.sheetnames:
            issues.append(
                WorkbookIssue(
                    f"sheet {name!r}",
                    "no such sheet",
                    f"the sheet of account {account_id!r}",
                    REGENERATE,
                )
            )
            continue
        document = read_account(book[name], account_id, issues)
        if document is not None:
            plans[account_id] = document
    if issues:
        raise PlansImportError(label, issues)
    return PlanWorkbook(path=label, facts=facts, plans=plans)


__all__ = ["PlanWorkbook", "PlansImportError", "read_plans_workbook"]
