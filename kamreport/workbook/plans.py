"""The account-plan workbook (openpyxl): Instructions, one sheet per account, ``_meta``.

An account's sheet holds its plan in sections, one under the other: objectives
(objective, measure, target value, due date, status), actions (action, owner, due
date, status), SWOT, the customer's own strategy and pressures, key people (name,
role, attitude, our counterpart) and resources needed. Each section is a title row,
a header row and its entries, with empty rows to add to. Yellow cells are the only
unlocked ones; statuses and attitudes come from a list (bilingual, "open / 进行中"),
due dates are real dates. Sheets are protected without a password and the
workbook's structure is locked, so sheets are neither added, renamed nor removed.

The reader (:mod:`kamreport.workbook.plans_read`) finds sections by their titles'
English part and items by the id in column A (empty for a new item). The hidden
``_meta`` sheet records the as-of date, the hash of the data the plans were written
from, and which sheet holds which account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kamreport.analytics.plan_document import (
    ATTITUDES,
    CONTEXT,
    RESOURCES,
    STATUSES,
    SWOT,
    PlanDocument,
)
from kamreport.spreadsheet_safety import as_text, text_cell
from kamreport.workbook.build import (
    EN,
    INPUT_BORDER,
    INPUT_FILL,
    UNLOCKED,
    ZH,
    Instructions,
    both,
    heading,
    print_setup,
    protect,
    write_instructions,
)
from kamreport.workbook.layout import bilingual

INSTRUCTIONS, META = "Instructions", "_meta"
FORMAT_VERSION = "1"
KIND = "account_plans"
META_HEADS = ("sheet", "account_id")
DATE_FORMAT = "yyyy-mm-dd"
SECTION_FILL = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
WIDTHS = {"A": 34, "B": 46, "C": 24, "D": 18, "E": 18, "F": 18}
INSTRUCTION_STEPS = 8

# (key, kind) per section: "id" (locked, from the plan), "label" (locked), "text", "date",
# "status" and "attitude" (yellow inputs; the last two from a list).
SECTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "objectives": (
        ("id", "id"),
        ("objective", "text"),
        ("measure", "text"),
        ("target", "text"),
        ("due_date", "date"),
        ("status", "status"),
    ),
    "actions": (
        ("id", "id"),
        ("action", "text"),
        ("owner", "text"),
        ("due_date", "date"),
        ("status", "status"),
    ),
    "swot": (("kind", "label"), ("point", "text")),
    "context": (("kind", "label"), ("point", "text")),
    "people": (
        ("id", "id"),
        ("name", "text"),
        ("role", "text"),
        ("attitude", "attitude"),
        ("counterpart", "text"),
    ),
    "resources": (("kind", "label"), ("need", "text")),
}
# Empty rows to add new entries to, per section (per kind for SWOT and context).
SPARE = {"objectives": 3, "actions": 5, "people": 3, "swot": 1, "context": 1}
MIN_ROWS_PER_KIND = 3
OTHER_RESOURCE_ROWS = 2


def label(group: str, key: str) -> str:
    """A plan text as written into a cell, bilingual: a title, header, row label or list
    value (``open / 进行中``)."""
    return both(f"plans.{group}.{key}")


def sheet_name(account_id: str, taken: set[str]) -> str:
    """The account id as a sheet name: characters Excel refuses replaced, at most 31, unique."""
    name = "".join("_" if c in "[]:*?/\\" else c for c in account_id).strip("'")[:31] or "account"
    base, n = name, 1
    while name.casefold() in taken or name in (INSTRUCTIONS, META):
        n += 1
        name = f"{base[: 28 - len(str(n))]}~{n}"
    taken.add(name.casefold())
    return name


def _list_validation(values: Sequence[str], what: str) -> DataValidation:
    options = ",".join(values)
    return DataValidation(
        type="list",
        formula1=f'"{options}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=both("plans.validation.title"),
        error=bilingual(
            EN.t("plans.validation.list", what=EN.t(f"plans.validation.{what}")),
            ZH.t("plans.validation.list", what=ZH.t(f"plans.validation.{what}")),
        ),
    )


def _date_validation() -> DataValidation:
    return DataValidation(
        type="date",
        operator="between",
        formula1="DATE(2000,1,1)",
        formula2="DATE(2100,12,31)",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=both("plans.validation.title"),
        error=both("plans.validation.date"),
    )


class _Sheet:
    """Writes one account's sections, row by row, collecting the input cells per kind."""

    def __init__(self, sheet: Worksheet):
        self.sheet = sheet
        self.row = 1
        self.inputs: dict[str, list[str]] = {"status": [], "attitude": [], "date": []}

    def title(self, text: str, size: int = 14) -> None:
        cell = text_cell(self.sheet, self.row, 1, text)
        cell.font = Font(bold=True, size=size)
        self.row += 1

    def note(self, text: str) -> None:
        text_cell(self.sheet, self.row, 1, text).font = Font(italic=True, color="595959")
        self.row += 1

    def section(self, key: str) -> None:
        self.row += 1
        columns = SECTIONS[key]
        for index in range(1, len(columns) + 1):
            self.sheet.cell(row=self.row, column=index).fill = SECTION_FILL
        cell = self.sheet.cell(row=self.row, column=1, value=label("section", key))
        cell.font = Font(bold=True, size=12)
        self.row += 1
        for index, (column, kind) in enumerate(columns, start=1):
            header = self.sheet.cell(row=self.row, column=index, value=label("col", column))
            heading(header, entry=kind not in ("id", "label"))
        self.sheet.row_dimensions[self.row].height = 30
        self.row += 1

    def entry(self, key: str, values: Mapping[str, object]) -> None:
        for index, (column, kind) in enumerate(SECTIONS[key], start=1):
            value = values.get(column)
            cell = self.sheet.cell(row=self.row, column=index, value=value if value else None)
            as_text(cell)
            if kind in ("id", "label"):
                if kind == "label":
                    cell.font = Font(bold=True)
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                continue
            cell.fill, cell.border, cell.protection = INPUT_FILL, INPUT_BORDER, UNLOCKED
            centred = "center" if kind in ("date", "status", "attitude") else None
            cell.alignment = Alignment(wrap_text=kind == "text", vertical="top", horizontal=centred)
            if kind == "date":
                cell.number_format = DATE_FORMAT
            if kind in self.inputs:
                self.inputs[kind].append(cell.coordinate)
        self.row += 1


def _items(sheet: _Sheet, key: str, entries: Iterable[Mapping[str, object]]) -> None:
    """A section of items (objectives, actions, people), then its empty rows to add to."""
    sheet.section(key)
    for values in entries:
        sheet.entry(key, values)
    for _ in range(SPARE[key]):
        sheet.entry(key, {})


def _points(sheet: _Sheet, key: str, kinds: Sequence[str], points: Mapping[str, Sequence[str]]):
    for kind in kinds:
        own = list(points.get(kind, ()))
        rows = max(MIN_ROWS_PER_KIND, len(own) + SPARE[key])
        for i in range(rows):
            value = own[i] if i < len(own) else None
            sheet.entry(key, {"kind": label(key, kind), "point": value})


def _account_sheet(
    sheet: Worksheet, plan: PlanDocument, info: Mapping[str, str], as_of: dt.date
) -> None:
    out = _Sheet(sheet)
    name = " ".join(part for part in (plan.account_id, info.get("name", "")) if part)
    out.title(f"{name} — {both('plans.sheet_title')}")
    out.note(
        bilingual(
            *(
                f.t("plans.sheet_facts", manager=info.get("ka_manager") or "—", date=as_of)
                for f in (EN, ZH)
            )
        )
    )
    status = {s: label("status", s) for s in STATUSES}
    attitude = {a: label("attitude", a) for a in ATTITUDES}
    for key, items in (("objectives", plan.objectives), ("actions", plan.actions)):
        _items(out, key, ({**asdict(i), "status": status.get(i.status)} for i in items))
    out.section("swot")
    _points(out, "swot", SWOT, plan.swot)
    out.section("context")
    _points(out, "context", CONTEXT, plan.context)
    people = ({**asdict(p), "attitude": attitude.get(p.attitude)} for p in plan.people)
    _items(out, "people", people)
    out.section("resources")
    needs = {r.kind: r.need for r in plan.resources if r.kind != "other"}
    for kind in RESOURCES[:-1]:
        out.entry("resources", {"kind": label("resources", kind), "need": needs.get(kind)})
    others = [r.need for r in plan.resources if r.kind == "other"]
    for i in range(max(OTHER_RESOURCE_ROWS, len(others) + 1)):
        need = others[i] if i < len(others) else None
        out.entry("resources", {"kind": label("resources", "other"), "need": need})
    for kind, rule in (
        ("status", _list_validation(list(status.values()), "status")),
        ("attitude", _list_validation(list(attitude.values()), "attitude")),
        ("date", _date_validation()),
    ):
        if out.inputs[kind]:
            sheet.add_data_validation(rule)
            for coordinate in out.inputs[kind]:
                rule.add(coordinate)
    for column, width in WIDTHS.items():
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A3"
    print_setup(sheet)
    sheet.page_setup.orientation = "portrait"
    sheet.print_area = f"A1:F{out.row}"
    protect(sheet)


def _instructions(sheet: Worksheet, facts: Mapping[str, object]) -> None:
    parts = [
        Instructions(
            title=fmt.t("plans.instructions.title"),
            facts=fmt.t("plans.instructions.facts", **facts),
            steps=[fmt.t(f"plans.instructions.step{n}") for n in range(1, INSTRUCTION_STEPS + 1)],
            legends=((fmt.t("plans.instructions.legend"), INPUT_FILL, INPUT_BORDER),),
            line_chars=60 if fmt is ZH else 120,
        )
        for fmt in (EN, ZH)
    ]
    write_instructions(sheet, 110, parts)
    print_setup(sheet)
    sheet.page_setup.orientation = "portrait"
    protect(sheet)


def _meta(sheet: Worksheet, facts: Mapping[str, object], sheets: Mapping[str, str]) -> None:
    for row, (key, value) in enumerate(facts.items(), start=1):
        sheet.cell(row=row, column=1, value=key)
        as_text(sheet.cell(row=row, column=2, value=str(value)))
    start = len(facts) + 2
    for index, head in enumerate(META_HEADS, start=1):
        sheet.cell(row=start, column=index, value=head)
    for offset, (name, account_id) in enumerate(sheets.items(), start=1):
        text_cell(sheet, start + offset, 1, name)
        text_cell(sheet, start + offset, 2, account_id)
    sheet.sheet_state = "veryHidden"
    protect(sheet)


def build_plans_workbook(
    plans: Sequence[PlanDocument],
    accounts: pd.DataFrame,
    *,
    as_of: dt.date,
    data_hash: str,
    generated: str,
    manager: str = "",
    customer: str = "",
) -> Workbook:
    """The plan workbook of ``plans`` (one sheet each, in this order); ``accounts``: the
    dataset's accounts table (names and KA managers)."""
    info = accounts.assign(account_id=accounts["account_id"].astype(str)).set_index("account_id")
    book = Workbook()
    instructions = book.active
    instructions.title = INSTRUCTIONS
    taken: set[str] = set()
    sheets: dict[str, str] = {}
    for plan in plans:
        name = sheet_name(plan.account_id, taken)
        sheets[name] = plan.account_id
        row = info.loc[plan.account_id] if plan.account_id in info.index else pd.Series()
        texts = {k: "" if pd.isna(row.get(k)) else str(row.get(k)) for k in ("name", "ka_manager")}
        _account_sheet(book.create_sheet(name), plan, texts, as_of)
    facts = {
        "as_of": as_of.isoformat(),
        "accounts": len(plans),
        "generated": generated,
    }
    _instructions(instructions, facts)
    _meta(
        book.create_sheet(META),
        {
            "format_version": FORMAT_VERSION,
            "kind": KIND,
            "as_of": as_of.isoformat(),
            "data_hash": data_hash,
            "generated": generated,
            "manager": manager,
            "customer": customer,
            "accounts": len(plans),
        },
        sheets,
    )
    book.security = WorkbookProtection(lockStructure=True)
    book.active = 1 if plans else 0
    return book


__all__ = [
    "FORMAT_VERSION",
    "INSTRUCTIONS",
    "KIND",
    "META",
    "SECTIONS",
    "build_plans_workbook",
    "label",
    "sheet_name",
]
