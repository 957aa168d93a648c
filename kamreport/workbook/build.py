"""The target-setting workbook (openpyxl): Instructions, Accounts, Summary.

Accounts: one row per account in scope, an Excel table with frozen headers.
Yellow cells (Bottom-up, Override, the company goal) are the only unlocked cells,
with data validation (a number ≥ 0); everything else is protected (no password,
so the workshop can still unprotect it on purpose). Formulas:

- Top-down = goal × baseline / Σ baselines;
- Agreed = Override if entered, else Bottom-up if entered, else Top-down;
- Gap = Agreed − baseline, Gap % = Agreed / baseline − 1.

Next to the baseline: its range (low, high) and, for an account whose baseline
was adjusted for inactivity, the reason in both languages.

The hidden ``_meta`` sheet records the year, the generated account ids in row
order and each account's seasonal profile, which the reader checks and uses.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from kamreport.analytics.target_proposals import SEASON_COLUMNS, Proposals
from kamreport.analytics.targets import RECENT_MONTHS
from kamreport.exact import tidy
from kamreport.i18n import Formatter
from kamreport.spreadsheet_safety import as_text, text_cell
from kamreport.workbook.layout import (
    ACCOUNTS,
    AGREED_TOTAL_CELL,
    BASELINE_TOTAL_CELL,
    COLUMNS,
    FORMAT_VERSION,
    GOAL_CELL,
    INSTRUCTIONS,
    META,
    SUMMARY,
    TABLE_NAME,
    TOLERANCE_CELL,
    Headers,
    bilingual,
    letter,
)

MONEY = "#,##0"
PERCENT = "0.0%"
INPUT_FILL = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
INPUT_HEADER_FILL = PatternFill("solid", start_color="F4B183", end_color="F4B183")
FORMULA_FILL = PatternFill("solid", start_color="EDF2F9", end_color="EDF2F9")
HEADER_FILL = PatternFill("solid", start_color="1F3864", end_color="1F3864")
RED_FILL = PatternFill("solid", start_color="F8CBAD", end_color="F8CBAD")
GREEN_FILL = PatternFill("solid", start_color="C6E0B4", end_color="C6E0B4")
THIN = Side(style="thin", color="A6A6A6")
INPUT_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
WIDTHS = {
    "account_id": 10,
    "name": 30,
    "ka_manager": 14,
    "region": 12,
    "tier": 11,
    "method": 30,
    "reason": 48,
    "gap_pct": 9,
}
EN, ZH = Formatter("en"), Formatter("zh-CN")
NONE = "—"


def both(key: str, **values: object) -> str:
    return bilingual(EN.t(key, **values), ZH.t(key, **values))


def _validation(sheet: Worksheet, ranges: str) -> None:
    rule = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Number ≥ 0 / 数字 ≥ 0",
        error="Enter a number ≥ 0, or leave the cell empty. / 请输入大于等于 0 的数字，或留空。",
        showInputMessage=False,
    )
    sheet.add_data_validation(rule)
    for part in ranges.split():
        rule.add(part)


def _protect(sheet: Worksheet) -> None:
    sheet.protection.sheet = True
    for option in ("sort", "autoFilter", "formatColumns", "formatRows", "selectUnlockedCells"):
        setattr(sheet.protection, option, False)


def _print_setup(sheet: Worksheet, title_rows: str | None = None) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    if title_rows:
        sheet.print_title_rows = title_rows


def _accounts_sheet(
    sheet: Worksheet, proposals: Proposals, accounts: pd.DataFrame, headers: Headers
) -> int:
    """Fill the Accounts sheet; returns the last data row."""
    info = accounts.set_index("account_id")
    rows = proposals.accounts
    last = len(rows) + 1
    col = {key: letter(key) for key, _ in COLUMNS}
    baseline = f"${col['proposal']}$2:${col['proposal']}${last}"
    goal = f"{SUMMARY}!${GOAL_CELL[0]}${GOAL_CELL[1:]}"
    for index, (key, kind) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=headers.text(key))
        cell.font = Font(bold=True, color="000000" if kind == "input" else "FFFFFF")
        cell.fill = INPUT_HEADER_FILL if kind == "input" else HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[col[key]].width = WIDTHS.get(key, 15)
    sheet.row_dimensions[1].height = 48
    for r, (account_id, row) in enumerate(rows.iterrows(), start=2):
        meta = info.loc[account_id] if account_id in info.index else pd.Series(dtype=object)
        y = proposals.as_of.year
        values = {
            "account_id": account_id,
            "name": _text(meta.get("name")),
            "ka_manager": _text(meta.get("ka_manager")),
            "region": _text(meta.get("region")),
            "tier": both(f"targets.tier.{row['tier']}"),
            "revenue_y3": float(row[f"revenue_{y - 3}"]),
            "revenue_y2": float(row[f"revenue_{y - 2}"]),
            "revenue_y1": float(row[f"revenue_{y - 1}"]),
            "ytd": float(row["revenue_ytd"]),
            "forecast": float(row["forecast"]),
            "proposal": float(row["proposal"]),
            "proposal_low": _amount(row.get("proposal_low")),
            "proposal_high": _amount(row.get("proposal_high")),
            "method": both(f"targets.method.{row['method']}"),
            "reason": inactivity_reason(row),
            "headroom": None if pd.isna(row["headroom"]) else float(row["headroom"]),
            "bottom_up": None,
            "top_down": (f"=IF(SUM({baseline})>0,{goal}*{col['proposal']}{r}/SUM({baseline}),0)"),
            "override": None,
            "agreed": (
                f"=IF(ISNUMBER({col['override']}{r}),{col['override']}{r},"
                f"IF(ISNUMBER({col['bottom_up']}{r}),{col['bottom_up']}{r},{col['top_down']}{r}))"
            ),
            "gap": f"={col['agreed']}{r}-{col['proposal']}{r}",
            "gap_pct": (
                f'=IF({col["proposal"]}{r}>0,{col["agreed"]}{r}/{col["proposal"]}{r}-1,"")'
            ),
        }
        for index, (key, kind) in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row=r, column=index, value=values[key])
            if kind in ("money", "input", "formula"):
                cell.number_format = MONEY
            if kind == "percent":
                cell.number_format = PERCENT
            if kind == "text":
                as_text(cell)  # names from data stay text, never formulas
            if key == "reason":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if kind == "input":
                cell.fill = INPUT_FILL
                cell.border = INPUT_BORDER
                cell.protection = UNLOCKED
            elif kind in ("formula", "percent"):
                cell.fill = FORMULA_FILL
    table = Table(displayName=TABLE_NAME, ref=f"A1:{col['gap_pct']}{last}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    sheet.add_table(table)
    _validation(sheet, f"{col['bottom_up']}2:{col['bottom_up']}{last} "
                f"{col['override']}2:{col['override']}{last}")  # fmt: skip
    sheet.freeze_panes = "C2"
    _print_setup(sheet, "1:1")
    sheet.print_area = f"A1:{col['gap_pct']}{last}"
    _protect(sheet)
    return last


def _amount(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _whole(value: object) -> str:
    return f"{float(value):,.0f}"


def inactivity_reason(row: pd.Series, fmt: Formatter | None = None) -> str | None:
    """Why an inactive account's forecast and baseline are not the usual method's (both
    languages, or ``fmt``'s alone); None for an active account."""
    if not bool(row.get("inactive", False)):
        return None
    naive = row.get("proposal_unadjusted")
    values = {
        "days": _whole(row["days_since_order"]),
        "usual": _whole(row["usual_interval"]) if pd.notna(row["usual_interval"]) else "",
        "months": RECENT_MONTHS,
        "recent": _whole(row["revenue_recent"]),
        "naive": _whole(naive if naive is not None and pd.notna(naive) else 0.0),
    }
    key = "targets.reason.inactive" if values["usual"] else "targets.reason.inactive_no_usual"
    return fmt.t(key, **values) if fmt is not None else both(key, **values)


def _text(value: object) -> str:
    """A text cell; missing values become NONE so that the Summary can group them."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or str(value) == "":
        return NONE
    return str(value)


def _with_amount(key: str, amount: str) -> str:
    """A formula joining the bilingual text of ``key`` around TEXT(amount) at {amount}."""
    marker = "\x00"
    parts = both(key, amount=marker).replace('"', '""').split(marker)
    shown = f'TEXT({amount},"#,##0")'
    return f'"{parts[0]}"' + "".join(f'&{shown}&"{part}"' for part in parts[1:])


def _status_formulas() -> tuple[str, str]:
    """(agreed status, baseline status): within tolerance, or short of / above the goal
    by the amount (B10 = agreed − goal, B13 = baseline total − goal)."""
    ok = both("targets.summary.status_ok")
    agreed = (
        f'=IF(ABS(B11)<={TOLERANCE_CELL},"{ok}",IF(B10<0,'
        f"{_with_amount('targets.summary.status_short', '-B10')},"
        f"{_with_amount('targets.summary.status_above', 'B10')}))"
    )
    baseline = (
        f"=IF(B13<0,{_with_amount('targets.summary.baseline_short', '-B13')},"
        f"{_with_amount('targets.summary.baseline_above', 'B13')})"
    )
    return agreed, baseline


def _summary_sheet(
    sheet: Worksheet,
    last: int,
    headers: Headers,
    goal: float,
    tolerance: float,
    groups: dict[str, list[str]],
) -> None:
    col = {key: letter(key) for key, _ in COLUMNS}

    def rng(key: str) -> str:
        return f"{ACCOUNTS}!${col[key]}${2}:${col[key]}${last}"

    agreed_status, baseline_status = _status_formulas()
    sheet["A1"] = both("targets.summary.title", year=headers.target_year)
    sheet["A1"].font = Font(bold=True, size=14)
    lines = [
        ("goal", goal, MONEY),
        ("tolerance", tolerance, PERCENT),
        ("baseline_total", f"=SUM({rng('proposal')})", MONEY),
        ("bottom_up_total", f"=SUM({rng('bottom_up')})", MONEY),
        ("bottom_up_count", f"=COUNT({rng('bottom_up')})", "0"),
        ("top_down_total", f"=SUM({rng('top_down')})", MONEY),
        ("agreed_total", f"=SUM({rng('agreed')})", MONEY),
        ("difference", f"={AGREED_TOTAL_CELL}-{GOAL_CELL}", MONEY),
        ("difference_pct", f"=IF({GOAL_CELL}>0,B10/{GOAL_CELL},0)", PERCENT),
        ("status", agreed_status, "General"),
        ("baseline_gap", f"={BASELINE_TOTAL_CELL}-{GOAL_CELL}", MONEY),
        ("baseline_status", baseline_status, "General"),
    ]
    for offset, (key, value, number_format) in enumerate(lines):
        r = 3 + offset
        sheet.cell(row=r, column=1, value=both(f"targets.summary.{key}")).font = Font(bold=True)
        cell = sheet.cell(row=r, column=2, value=value)
        cell.number_format = number_format
        cell.fill = FORMULA_FILL
    goal_cell = sheet[GOAL_CELL]
    goal_cell.fill, goal_cell.border, goal_cell.protection = INPUT_FILL, INPUT_BORDER, UNLOCKED
    outside = f"ABS($B$11)>${TOLERANCE_CELL[0]}${TOLERANCE_CELL[1:]}"
    sheet.conditional_formatting.add(
        "B10:B12", FormulaRule(formula=[outside], fill=RED_FILL, font=Font(bold=True))
    )
    sheet.conditional_formatting.add(
        "B10:B12", FormulaRule(formula=[f"NOT({outside})"], fill=GREEN_FILL)
    )
    _validation(sheet, GOAL_CELL)
    row = 17
    for group, key in (("by_manager", "ka_manager"), ("by_region", "region")):
        row = _group_table(sheet, row, group, key, groups[key], rng, headers) + 2
    widths = {"A": 46, "B": 22, "C": 18, "D": 16, "E": 16, "F": 16, "G": 16, "H": 10}
    for column, width in widths.items():
        sheet.column_dimensions[column].width = width
    _print_setup(sheet)
    _protect(sheet)


def _group_table(
    sheet: Worksheet,
    row: int,
    group: str,
    key: str,
    values: Sequence[str],
    rng: Callable[[str], str],
    headers: Headers,
) -> int:
    """A table of totals per KA manager or region over the Accounts sheet.

    The group is matched by exact equality (SUMPRODUCT), not by SUMIFS criteria: a
    criterion reads a leading ``=``, ``<`` or ``>`` as an operator and ``*`` or ``?``
    as wildcards, so a manager named ``=X`` or ``A*`` would be counted wrongly."""
    sheet.cell(row=row, column=1, value=both(f"targets.summary.{group}")).font = Font(
        bold=True, size=12
    )
    heads = [key, "accounts", "proposal", "bottom_up", "top_down", "agreed", "gap", "gap_pct"]
    row += 1
    for index, head in enumerate(heads, start=1):
        text = both("targets.summary.accounts") if head == "accounts" else headers.text(head)
        cell = sheet.cell(row=row, column=index, value=text)
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    sheet.row_dimensions[row].height = 48
    first = row + 1
    for value in values:
        row += 1
        same = f"({rng(key)}=$A{row})"
        text_cell(sheet, row, 1, value)
        sheet.cell(row=row, column=2, value=f"=SUMPRODUCT(--{same})")
        for index, column in enumerate(("proposal", "bottom_up", "top_down", "agreed"), start=3):
            formula = f"=SUMPRODUCT({same}*{rng(column)})"
            sheet.cell(row=row, column=index, value=formula).number_format = MONEY
        sheet.cell(row=row, column=7, value=f"=F{row}-C{row}").number_format = MONEY
        pct = sheet.cell(row=row, column=8, value=f'=IF(C{row}>0,F{row}/C{row}-1,"")')
        pct.number_format = PERCENT
    row += 1
    sheet.cell(row=row, column=1, value=both("targets.summary.total")).font = Font(bold=True)
    for index, column in enumerate("BCDEFG", start=2):
        cell = sheet.cell(row=row, column=index, value=f"=SUM({column}{first}:{column}{row - 1})")
        cell.number_format = MONEY if column != "B" else "0"
        cell.font = Font(bold=True)
    pct = sheet.cell(row=row, column=8, value=f'=IF(C{row}>0,F{row}/C{row}-1,"")')
    pct.number_format = PERCENT
    pct.font = Font(bold=True)
    return row


def _instructions_sheet(sheet: Worksheet, year: int, facts: dict[str, object]) -> None:
    sheet.column_dimensions["A"].width = 115
    row = 1
    for fmt in (EN, ZH):
        title = sheet.cell(row=row, column=1, value=fmt.t("targets.instructions.title", year=year))
        title.font = Font(bold=True, size=14)
        row += 1
        separator = "、" if fmt is ZH else ", "
        tiers = separator.join(fmt.t(f"targets.tier.{tier}") for tier in facts["tiers"])
        text = fmt.t("targets.instructions.facts", **{**facts, "tiers": tiers})
        sheet.cell(row=row, column=1, value=text)
        row += 1
        for step in range(1, 10):
            text = fmt.t(f"targets.instructions.step{step}", year=year, months=RECENT_MONTHS)
            cell = sheet.cell(row=row, column=1, value=text)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            # wrapped rows get their height here: spreadsheet programs do not grow them on open
            per_line = 64 if fmt is ZH else 125
            sheet.row_dimensions[row].height = 15 * (len(text) // per_line + 1)
            row += 1
        legend = sheet.cell(row=row, column=1, value=fmt.t("targets.instructions.legend_input"))
        legend.fill, legend.border = INPUT_FILL, INPUT_BORDER
        row += 1
        formula = sheet.cell(row=row, column=1, value=fmt.t("targets.instructions.legend_formula"))
        formula.fill = FORMULA_FILL
        row += 2
    _print_setup(sheet)
    sheet.page_setup.fitToHeight = 1  # one page for the room
    _protect(sheet)


def _meta_sheet(sheet: Worksheet, proposals: Proposals, facts: dict[str, object]) -> None:
    """What the reader needs: format version, year, the accounts in row order, seasonality."""
    for row, (key, value) in enumerate(facts.items(), start=1):
        sheet.cell(row=row, column=1, value=key)
        as_text(sheet.cell(row=row, column=2, value=value))
    start = len(facts) + 2
    sheet.cell(row=start, column=1, value="account_id")
    for index, name in enumerate(SEASON_COLUMNS, start=2):
        sheet.cell(row=start, column=index, value=name)
    for offset, (account_id, row) in enumerate(proposals.accounts.iterrows(), start=1):
        text_cell(sheet, start + offset, 1, account_id)
        for index, name in enumerate(SEASON_COLUMNS, start=2):
            sheet.cell(row=start + offset, column=index, value=float(row[name]))
    sheet.sheet_state = "veryHidden"
    _protect(sheet)


def _tidy_numbers(book: Workbook) -> None:
    """Money cells to cents, other numbers to four decimals (kamreport.exact): the sums
    behind a proposal carry no float dust into a cell. The hidden sheet keeps its
    seasonal shares exact, because the import splits agreed targets by them."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if not isinstance(cell.value, float):
                    continue
                if sheet.title == META and cell.column > 2:
                    continue
                cell.value = tidy(cell.value, money=cell.number_format == MONEY)


def build_workbook(
    proposals: Proposals,
    accounts: pd.DataFrame,
    *,
    goal: float,
    tolerance: float,
    currency: str,
    generated: str,
) -> Workbook:
    """The workshop workbook for ``proposals`` (accounts: the dataset's accounts table)."""
    headers = Headers(current_year=proposals.as_of.year, target_year=proposals.year)
    book = Workbook()
    instructions = book.active
    instructions.title = INSTRUCTIONS
    sheet = book.create_sheet(ACCOUNTS)
    last = _accounts_sheet(sheet, proposals, accounts, headers)
    info = accounts.set_index("account_id").reindex(proposals.accounts.index)
    groups = {
        key: sorted({_text(v) for v in info[key]}) if key in info else [NONE]
        for key in ("ka_manager", "region")
    }
    _summary_sheet(book.create_sheet(SUMMARY), last, headers, goal, tolerance, groups)
    tiers = tuple(dict.fromkeys(proposals.accounts["tier"]))
    _instructions_sheet(
        instructions,
        proposals.year,
        {
            "as_of": proposals.as_of.isoformat(),
            "currency": currency,
            "accounts": len(proposals.accounts),
            "tiers": tiers,
            "generated": generated,
        },
    )
    _meta_sheet(
        book.create_sheet(META),
        proposals,
        {
            "format_version": FORMAT_VERSION,
            "year": proposals.year,
            "as_of": proposals.as_of.isoformat(),
            "currency": currency,
            "goal": goal,
            "accounts": len(proposals.accounts),
        },
    )
    _tidy_numbers(book)
    book.active = 1
    return book


def workbook_bytes(book: Workbook) -> bytes:
    """The workbook as .xlsx bytes (written atomically by the caller)."""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
