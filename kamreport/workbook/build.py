"""The target-setting workbook (openpyxl): Instructions, Accounts, Service, Categories,
Summary, and Last year when the data holds last year's targets.

Accounts: one row per account in scope, an Excel table with frozen headers and
filter buttons (a KA manager's accounts alone: filter the KA manager column).
Yellow cells (Bottom-up, Override, the company goal) are the only unlocked cells,
with data validation (a number ≥ 0); everything else is protected (no password,
so the workshop can still unprotect it on purpose), filtering and sorting stay
allowed. No formula refers to another row of its own sheet, and the reader finds
rows by account id, so sorted rows compute and import the same. Money headers
name the currency; each column is as wide as its longest label (CJK characters
count double); printing fits the width of a landscape A4 page and repeats the
header row. Formulas:

- Top-down = goal × baseline / Σ baselines;
- Agreed = Override if entered, else Bottom-up if entered, else Top-down;
- Gap = Agreed − baseline, Gap % = Agreed / baseline − 1.

Next to the baseline: its range (low, high) and, for an account whose baseline
was adjusted for inactivity, the reason in both languages. Goal spread: the
baseline (or bottom-up, once entered) plus the account's part of goal − Σ
bottom-up by ``targets.gap_rule`` (kamreport.analytics.target_gap), a value the
room may copy into Override.

Service: the yearly visit, senior-visit and training targets (agreed = the yellow
input if entered, else the proposal). Categories: per account and product
category, the proposed target = its share of the account's LTM revenue × the
account's agreed target (a live formula, looked up by account id), agreed = the
yellow input if entered, else the proposal. The Summary lists KA managers and
regions by the size of their proposals, largest first.

The hidden ``_meta`` sheet records the year, which workbook of a split workshop
this is, the generated account ids in row order with each account's seasonal
profile and proposal method, and the generated category rows, which the reader
checks and uses.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from kamreport.analytics.service_targets import SERVICE_KINDS
from kamreport.analytics.target_gap import GapSpread, spread_gap
from kamreport.analytics.target_loop import LoopReview
from kamreport.analytics.target_proposals import SEASON_COLUMNS, Proposals
from kamreport.analytics.targets import RECENT_MONTHS
from kamreport.exact import tidy
from kamreport.i18n import Formatter
from kamreport.params import TARGET_METHODS, TIERS
from kamreport.spreadsheet_safety import as_text, text_cell
from kamreport.workbook.layout import (
    ACCOUNTS,
    AGREED_TOTAL_CELL,
    BASELINE_TOTAL_CELL,
    CATEGORIES,
    CATEGORY_COLUMNS,
    CATEGORY_TABLE,
    COLUMNS,
    FORMAT_VERSION,
    GOAL_CELL,
    INSTRUCTIONS,
    LAST_YEAR,
    META,
    META_CATEGORY_HEADS,
    PARTS_FACT,
    SERVICE,
    SERVICE_COLUMNS,
    SERVICE_TABLE,
    SUMMARY,
    TABLE_NAME,
    TOLERANCE_CELL,
    WHOLE,
    Headers,
    bilingual,
    display_width,
    header_cell,
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
# Columns of long, wrapped text keep a fixed width; every other column is fitted to its
# labels (:func:`_fit_widths`), between MIN_WIDTH and MAX_WIDTH.
WRAPPED_WIDTHS = {"reason": 40}
MIN_WIDTH, MAX_WIDTH = 8, 48
# A header wraps: its Chinese part may break anywhere, so it is fitted up to this width.
HEADER_PART_WIDTH = 12
HEADER_LINE_PT = 15
BOLD = 1.1  # a bold header's letters are about this much wider
# Accounts columns grouped and folded (a "+" above the sheet opens them): the sheet
# shows the proposal and the workshop's columns first, and prints at a readable size.
FOLDED = (("revenue_y3", "ytd"), ("proposal_low", "headroom"))
WIDTHS = {
    "loop_method": 24,
    "loop_recorded": 34,
    "loop_source": 34,
}
EN, ZH = Formatter("en"), Formatter("zh-CN")
NONE = "—"
TIER_KEYS, METHOD_KEYS = frozenset(TIERS), frozenset(TARGET_METHODS)
STEPS = 14


def both(key: str, **values: object) -> str:
    return bilingual(EN.t(key, **values), ZH.t(key, **values))


def money_label(key: str, currency: str, **values: object) -> str:
    """The bilingual label of ``key`` naming the currency of its amounts."""
    if not currency:
        return both(key, **values)
    return bilingual(
        *(
            fmt.t("targets.col.money", label=fmt.t(key, **values), currency=currency)
            for fmt in (EN, ZH)
        )
    )


def _validation(sheet: Worksheet, ranges: str, whole: bool = False) -> None:
    what = ("A whole number ≥ 0 / 整数 ≥ 0", "a whole number ≥ 0", "大于等于 0 的整数")
    if not whole:
        what = ("Number ≥ 0 / 数字 ≥ 0", "a number ≥ 0", "大于等于 0 的数字")
    rule = DataValidation(
        type="whole" if whole else "decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=what[0],
        error=f"Enter {what[1]}, or leave the cell empty. / 请输入{what[2]}，或留空。",
        showInputMessage=False,
    )
    sheet.add_data_validation(rule)
    for part in ranges.split():
        rule.add(part)


def protect(sheet: Worksheet) -> None:
    sheet.protection.sheet = True
    for option in ("sort", "autoFilter", "formatColumns", "formatRows", "selectUnlockedCells"):
        setattr(sheet.protection, option, False)


def print_setup(sheet: Worksheet, title_rows: str | None = None) -> None:
    """Landscape A4, as many pages down as the rows need and one page across (fit to
    width only), narrow margins, ``title_rows`` repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.25
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    sheet.page_margins.header = sheet.page_margins.footer = 0.2
    if title_rows:
        sheet.print_title_rows = title_rows


def _header_need(text: str) -> tuple[int, int]:
    """(width, lines) a wrapped bilingual header needs: every English word on a line of
    its own at most, the Chinese part whole up to HEADER_PART_WIDTH."""
    parts = re.split(r"\s/\s", text, maxsplit=1)
    english, chinese = parts[0], " ".join(parts[1:])
    width = max([math.ceil(display_width(w) * BOLD) for w in english.split()] or [0])
    width = max(width, min(display_width(chinese), HEADER_PART_WIDTH))
    return width, 0 if not text else _lines(f"{english} /", width) + _lines(chinese, width)


def _lines(text: str, width: int) -> int:
    """Lines ``text`` takes wrapped at spaces (CJK anywhere) in ``width`` columns."""
    if not text:
        return 0
    lines, used = 1, 0
    for word in text.split():
        size = display_width(word)
        if used and used + 1 + size > width:
            lines, used = lines + 1, 0
        used = used + 1 + size if used else size
        while used > width:  # a CJK run longer than the line
            lines, used = lines + 1, used - width
    return lines


def _fit_widths(
    sheet: Worksheet, columns: tuple[tuple[str, str], ...], header_row: int = 1
) -> None:
    """Each column as wide as its longest label: a text cell whole on one line (CJK
    characters count double), a figure as formatted, the header wrapped (see
    :func:`_header_need`); the header row as high as its longest header."""
    lines = 1
    for index, (key, kind) in enumerate(columns, start=1):
        column = letter(key, columns)
        header = sheet.cell(row=header_row, column=index).value
        need, header_lines = _header_need("" if header is None else str(header))
        lines = max(lines, header_lines)
        for (cell,) in sheet.iter_rows(min_row=header_row + 1, min_col=index, max_col=index):
            value = cell.value
            if isinstance(value, str) and not value.startswith("="):
                need = max(need, display_width(value))
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                shown = f"{value:,.0f}" if kind != "percent" else f"{value:.1%}"
                need = max(need, len(shown))
            elif kind in ("formula", "input"):
                need = max(need, 10)  # up to 99,999,999 and its sign
        width = WRAPPED_WIDTHS.get(key) or min(max(need + 2, MIN_WIDTH), MAX_WIDTH)
        sheet.column_dimensions[column].width = width
    sheet.row_dimensions[header_row].height = HEADER_LINE_PT * max(lines, 2)


def _accounts_sheet(
    sheet: Worksheet,
    proposals: Proposals,
    accounts: pd.DataFrame,
    headers: Headers,
    spread: GapSpread,
) -> int:
    """Fill the Accounts sheet; returns the last data row."""
    info = accounts.set_index("account_id")
    rows = proposals.accounts
    last = len(rows) + 1
    col = _header_row(sheet, COLUMNS, headers)
    baseline = f"${col['proposal']}$2:${col['proposal']}${last}"
    goal = f"{SUMMARY}!${GOAL_CELL[0]}${GOAL_CELL[1:]}"
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
            "goal_spread": float(spread.accounts.at[account_id, "proposed"]),
        }
        for index, (key, kind) in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row=r, column=index, value=values[key])
            _style(cell, kind)
            if key == "reason":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    _validation(sheet, f"{col['bottom_up']}2:{col['bottom_up']}{last} "
                f"{col['override']}2:{col['override']}{last}")  # fmt: skip
    _finish_table(sheet, COLUMNS, TABLE_NAME, last)
    _fold(sheet, FOLDED)
    return last


def _fold(sheet: Worksheet, groups: Sequence[tuple[str, str]]) -> None:
    """Group the columns from the first to the last key of each pair, folded."""
    keys = [k for k, _ in COLUMNS]
    for first, last in groups:
        start, end = keys.index(first), keys.index(last)
        for key in keys[start : end + 1]:
            dimension = sheet.column_dimensions[letter(key)]
            dimension.outlineLevel, dimension.hidden = 1, True
        sheet.column_dimensions[letter(keys[end + 1])].collapsed = True
    sheet.sheet_format.outlineLevelCol = 1


def gap_frame(proposals: Proposals, bottom_up: pd.Series | None = None) -> pd.DataFrame:
    """What :func:`spread_gap` needs of the workbook's accounts (bottom-up where entered)."""
    rows = proposals.accounts
    entered = pd.Series(float("nan"), index=rows.index)
    if bottom_up is not None:
        entered = bottom_up.reindex(rows.index).astype(float)
    return pd.DataFrame(
        {
            "baseline": rows["proposal"].astype(float),
            "bottom_up": entered,
            "headroom": rows["headroom"].astype(float),
            "tier": rows["tier"],
        }
    )


def _style(cell, kind: str) -> None:
    """Number format, fill and protection of a cell by its column kind."""
    if kind in ("money", "input", "formula"):
        cell.number_format = MONEY
    elif kind == "percent":
        cell.number_format = PERCENT
    elif kind.startswith("count"):
        cell.number_format = "0"
    if kind == "text":
        as_text(cell)  # names from data stay text, never formulas
    if kind in ("input", "count_input"):
        cell.fill, cell.border, cell.protection = INPUT_FILL, INPUT_BORDER, UNLOCKED
    elif kind in ("formula", "percent", "count_formula"):
        cell.fill = FORMULA_FILL


def _header_row(
    sheet: Worksheet, columns: tuple[tuple[str, str], ...], headers: Headers
) -> dict[str, str]:
    """The bold header row of a sheet; returns each key's column letter."""
    for index, (key, kind) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=header_cell(headers.text(key)))
        heading(cell, entry=kind in ("input", "count_input"))
    return {key: letter(key, columns) for key, _ in columns}


def heading(cell, entry: bool = False) -> None:
    """A table heading cell: white on dark blue, or black on orange above an input column."""
    cell.font = Font(bold=True, color="000000" if entry else "FFFFFF")
    cell.fill = INPUT_HEADER_FILL if entry else HEADER_FILL
    cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _finish_table(
    sheet: Worksheet, columns: tuple[tuple[str, str], ...], name: str, last: int
) -> None:
    """An Excel table with filter buttons over the rows, widths fitted to the labels,
    frozen headers, print setup, protection."""
    end = letter(columns[-1][0], columns)
    _fit_widths(sheet, columns)
    if last >= 2:
        table = Table(displayName=name, ref=f"A1:{end}{last}")
        table.autoFilter = AutoFilter(ref=table.ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
        sheet.add_table(table)
    sheet.freeze_panes = "C2"
    print_setup(sheet, "1:1")
    sheet.print_area = f"A1:{end}{max(last, 1)}"
    protect(sheet)


def _service_sheet(
    sheet: Worksheet,
    proposals: Proposals,
    accounts: pd.DataFrame,
    headers: Headers,
    service: pd.DataFrame,
) -> None:
    """Visits, senior visits and trainings per account: history, proposal, input, agreed."""
    info = accounts.set_index("account_id")
    col = _header_row(sheet, SERVICE_COLUMNS, headers)
    rows = proposals.accounts
    for r, (account_id, row) in enumerate(rows.iterrows(), start=2):
        meta = info.loc[account_id] if account_id in info.index else pd.Series(dtype=object)
        plan = service.loc[account_id] if account_id in service.index else pd.Series(dtype=float)
        values: dict[str, object] = {
            "account_id": account_id,
            "name": _text(meta.get("name")),
            "ka_manager": _text(meta.get("ka_manager")),
            "tier": both(f"targets.tier.{row['tier']}"),
        }
        for kind in SERVICE_KINDS:
            values[f"{kind}_ltm"] = int(plan.get(f"{kind}_ltm", 0))
            values[f"{kind}_proposed"] = int(plan.get(f"{kind}_proposed", 0))
            values[kind] = None
            given, proposed = f"{col[kind]}{r}", f"{col[f'{kind}_proposed']}{r}"
            values[f"{kind}_agreed"] = f"=IF(ISNUMBER({given}),{given},{proposed})"
        for index, (key, kind) in enumerate(SERVICE_COLUMNS, start=1):
            _style(sheet.cell(row=r, column=index, value=values[key]), kind)
    last = len(rows) + 1
    inputs = " ".join(f"{col[k]}2:{col[k]}{last}" for k in SERVICE_KINDS)
    _validation(sheet, inputs, whole=True)
    _finish_table(sheet, SERVICE_COLUMNS, SERVICE_TABLE, last)


def _categories_sheet(
    sheet: Worksheet,
    accounts: pd.DataFrame,
    headers: Headers,
    categories: pd.DataFrame,
    accounts_last: int,
) -> None:
    """Per account and category: LTM revenue, share, proposal (share × the account's
    agreed target on the Accounts sheet, found by account id), input, agreed."""
    names = accounts.set_index("account_id")["name"] if "name" in accounts else pd.Series()
    col = _header_row(sheet, CATEGORY_COLUMNS, headers)
    ids, agreed = (
        f"{ACCOUNTS}!${letter(key)}$2:${letter(key)}${accounts_last}"
        for key in ("account_id", "agreed")
    )
    for r, item in enumerate(categories.itertuples(index=False), start=2):
        given, proposed = f"{col['category_target']}{r}", f"{col['category_proposed']}{r}"
        share = f"{col['category_share']}{r}"
        same = f"({ids}={col['account_id']}{r})"
        values = {
            "account_id": item.account_id,
            "name": _text(names.get(item.account_id)),
            "category": str(item.category),
            "category_revenue_ltm": float(item.revenue_ltm),
            "category_share": float(item.share),
            "category_proposed": f"={share}*SUMPRODUCT({same}*{agreed})",
            "category_target": None,
            "category_agreed": f"=IF(ISNUMBER({given}),{given},{proposed})",
        }
        for index, (key, kind) in enumerate(CATEGORY_COLUMNS, start=1):
            _style(sheet.cell(row=r, column=index, value=values[key]), kind)
    last = len(categories) + 1
    if last >= 2:
        _validation(sheet, f"{col['category_target']}2:{col['category_target']}{last}")
    _finish_table(sheet, CATEGORY_COLUMNS, CATEGORY_TABLE, last)


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
        label = both(f"targets.summary.{key}")
        if number_format == MONEY:
            label = money_label(f"targets.summary.{key}", headers.currency)
        sheet.cell(row=r, column=1, value=label).font = Font(bold=True)
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
    print_setup(sheet)
    protect(sheet)


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
        heading(cell)
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


def _instructions_sheet(
    sheet: Worksheet, year: int, facts: dict[str, object], manager: str = ""
) -> None:
    parts = []
    for fmt in (EN, ZH):
        separator = "、" if fmt is ZH else ", "
        tiers = separator.join(fmt.t(f"targets.tier.{tier}") for tier in facts["tiers"])
        steps = [fmt.t("targets.instructions.part", manager=manager, year=year)] if manager else []
        steps += [
            fmt.t(f"targets.instructions.step{step}", year=year, months=RECENT_MONTHS)
            for step in range(1, STEPS + 1)
        ]
        parts.append(
            Instructions(
                title=fmt.t("targets.instructions.title", year=year),
                facts=fmt.t("targets.instructions.facts", **{**facts, "tiers": tiers}),
                steps=steps,
                legends=(
                    (fmt.t("targets.instructions.legend_input"), INPUT_FILL, INPUT_BORDER),
                    (fmt.t("targets.instructions.legend_formula"), FORMULA_FILL, None),
                ),
                line_chars=64 if fmt is ZH else 125,
            )
        )
    write_instructions(sheet, 115, parts)
    print_setup(sheet)
    sheet.page_setup.fitToHeight = 1  # one page for the room
    protect(sheet)


@dataclass(frozen=True)
class Instructions:
    """One language's part of a workbook's Instructions sheet."""

    title: str
    facts: str  # what the workbook was made from
    steps: Sequence[str]  # wrapped, one row each
    legends: Sequence[tuple[str, PatternFill, Border | None]]  # text, fill, border
    line_chars: int  # characters a wrapped row holds at the sheet's width (row heights)


def write_instructions(sheet: Worksheet, width: float, parts: Sequence[Instructions]) -> None:
    """Each part under the other in column A (``width`` characters wide): a bold title,
    the facts, the steps wrapped, and the legend of the cells' colours."""
    sheet.column_dimensions["A"].width = width
    row = 1
    for part in parts:
        sheet.cell(row=row, column=1, value=part.title).font = Font(bold=True, size=14)
        sheet.cell(row=row + 1, column=1, value=part.facts)
        row += 2
        for text in part.steps:
            cell = sheet.cell(row=row, column=1, value=text)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            # wrapped rows get their height here: spreadsheet programs do not grow them on open
            sheet.row_dimensions[row].height = 15 * (len(text) // part.line_chars + 1)
            row += 1
        for text, fill, border in part.legends:
            legend = sheet.cell(row=row, column=1, value=text)
            legend.fill = fill
            if border is not None:
                legend.border = border
            row += 1
        row += 1


def _meta_sheet(
    sheet: Worksheet,
    proposals: Proposals,
    facts: dict[str, object],
    categories: pd.DataFrame,
) -> None:
    """What the reader needs: the facts, the accounts in row order with their seasonality
    and method, and the generated category rows with their shares."""
    for row, (key, value) in enumerate(facts.items(), start=1):
        sheet.cell(row=row, column=1, value=key)
        as_text(sheet.cell(row=row, column=2, value=value))
    start = len(facts) + 2
    heads = ["account_id", *SEASON_COLUMNS, "method", "tier"]
    for index, name in enumerate(heads, start=1):
        sheet.cell(row=start, column=index, value=name)
    for offset, (account_id, row) in enumerate(proposals.accounts.iterrows(), start=1):
        text_cell(sheet, start + offset, 1, account_id)
        for index, name in enumerate(SEASON_COLUMNS, start=2):
            sheet.cell(row=start + offset, column=index, value=float(row[name]))
        text_cell(sheet, start + offset, len(heads) - 1, str(row["method"]))
        text_cell(sheet, start + offset, len(heads), str(row["tier"]))
    start += len(proposals.accounts) + 2
    for index, name in enumerate(META_CATEGORY_HEADS, start=1):
        sheet.cell(row=start, column=index, value=name)
    for offset, item in enumerate(categories.itertuples(index=False), start=1):
        text_cell(sheet, start + offset, 1, item.account_id)
        text_cell(sheet, start + offset, 2, str(item.category))
        sheet.cell(row=start + offset, column=3, value=float(item.share))
    sheet.sheet_state = "veryHidden"
    protect(sheet)


def _last_year_sheet(
    sheet: Worksheet, loop: LoopReview, accounts: pd.DataFrame, headers: Headers
) -> None:
    """Last year's loop: per account the proposal, the agreed target, who set it and what
    happened; then the accuracy by who set it, by tier and by KA manager (read only)."""
    names = accounts.set_index("account_id")["name"] if "name" in accounts else pd.Series()
    sheet["A1"] = both("targets.loop.title", year=loop.year)
    sheet["A1"].font = Font(bold=True, size=14)
    for offset, note in enumerate(loop.notes, start=2):
        sheet.cell(row=offset, column=1, value=both(f"targets.loop.note.{note}", year=loop.year))
    row = 3 + len(loop.notes)
    columns = [
        ("account_id", "text"), ("name", "text"), ("tier", "text"), ("ka_manager", "text"),
        ("loop_method", "text"), ("loop_proposal", "money"), ("loop_recorded", "text"),
        ("loop_agreed", "money"), ("loop_source", "text"), ("loop_actual", "money"),
        ("loop_proposal_ape", "percent"), ("loop_agreed_ape", "percent"),
    ]  # fmt: skip
    for index, (key, _) in enumerate(columns, start=1):
        cell = sheet.cell(row=row, column=index, value=header_cell(headers.text(key)))
        heading(cell)
        sheet.column_dimensions[letter(key, tuple(columns))].width = WIDTHS.get(key, 14)
    sheet.row_dimensions[row].height = 36
    header_row = row
    for account_id, item in loop.accounts.iterrows():
        row += 1
        values = {
            "account_id": account_id,
            "name": _text(names.get(account_id)),
            "tier": both(f"targets.tier.{item['tier']}") if item["tier"] in TIER_KEYS else NONE,
            "ka_manager": _text(item["ka_manager"]),
            "loop_method": both(f"targets.method.{item['method']}")
            if item["method"] in METHOD_KEYS
            else NONE,
            "loop_proposal": _amount(item["proposal"]),
            "loop_recorded": both(
                "targets.loop.recorded" if item["proposal_recorded"] else "targets.loop.recomputed"
            ),
            "loop_agreed": _amount(item["agreed"]),
            "loop_source": both(f"targets.loop.source.{item['source']}"),
            "loop_actual": _amount(item["actual"]),
            "loop_proposal_ape": _amount(item["proposal_ape"]),
            "loop_agreed_ape": _amount(item["agreed_ape"]),
        }
        for index, (key, kind) in enumerate(columns, start=1):
            _style(sheet.cell(row=row, column=index, value=values[key]), kind)
    if row > header_row:
        end = letter(columns[-1][0], tuple(columns))
        table = Table(displayName="LastYear", ref=f"A{header_row}:{end}{row}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
        sheet.add_table(table)
    row += 2
    row = _loop_groups(sheet, row, loop.by_source, "source", "targets.loop.by_source")
    row = _loop_groups(
        sheet, row + 2, loop.by_tier, "tier", "targets.loop.by_tier", headers.currency
    )
    _loop_groups(
        sheet, row + 2, loop.by_manager, "ka_manager", "targets.loop.by_manager", headers.currency
    )
    sheet.freeze_panes = f"C{header_row + 1}"
    print_setup(sheet, f"{header_row}:{header_row}")
    protect(sheet)


def _loop_groups(
    sheet: Worksheet, row: int, frame: pd.DataFrame, key: str, title: str, currency: str = ""
) -> int:
    """One accuracy table of last year's loop; returns its last row."""
    sheet.cell(row=row, column=1, value=both(title)).font = Font(bold=True, size=12)
    if key == "source":
        heads = [("source", "text"), ("accounts", "count"), ("mape_proposal", "percent"),
                 ("mape_agreed", "percent"), ("total_error_proposal", "percent"),
                 ("total_error_agreed", "percent")]  # fmt: skip
    else:
        heads = [(key, "text"), ("accounts", "count"), ("target", "money"), ("actual", "money"),
                 ("attainment", "percent"), ("mape_agreed", "percent")]  # fmt: skip
    row += 1
    for index, (head, kind) in enumerate(heads, start=1):
        text = both(f"targets.loop.col.{head}")
        if kind == "money":
            text = money_label(f"targets.loop.col.{head}", currency)
        cell = sheet.cell(row=row, column=index, value=header_cell(text))
        heading(cell)
    for item in frame.to_dict("records"):
        row += 1
        for index, (head, kind) in enumerate(heads, start=1):
            value = item.get(head)
            if head == "source":
                value = both(f"targets.loop.source.{value}")
            elif head == "tier":
                value = both(f"targets.tier.{value}") if value in TIER_KEYS else _text(value)
            elif kind == "text":
                value = _text(value)
            else:
                value = _amount(value)
            _style(sheet.cell(row=row, column=index, value=value), kind)
    return row


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


def empty_service(proposals: Proposals) -> pd.DataFrame:
    """No history and no proposal for the visit, senior-visit and training targets."""
    columns = [f"{k}_{part}" for k in SERVICE_KINDS for part in ("ltm", "proposed")]
    return pd.DataFrame(0, index=proposals.accounts.index, columns=columns)


def empty_categories() -> pd.DataFrame:
    return pd.DataFrame(columns=["account_id", "category", "revenue_ltm", "share"])


def build_workbook(
    proposals: Proposals,
    accounts: pd.DataFrame,
    *,
    goal: float,
    tolerance: float,
    currency: str,
    generated: str,
    service: pd.DataFrame | None = None,
    categories: pd.DataFrame | None = None,
    loop: LoopReview | None = None,
    gap_rule: str = "headroom",
    tier_weights: Mapping[str, float] | None = None,
    part: str = WHOLE,
    manager: str = "",
    parts: Mapping[str, str] | None = None,
) -> Workbook:
    """The workshop workbook for ``proposals`` (accounts: the dataset's accounts table).

    ``service``: per account {kind}_ltm and {kind}_proposed for each service kind;
    ``categories``: kamreport.analytics.service_targets.category_mix rows; ``loop``: last
    year's review (a Last year sheet); ``part``/``manager``: which workbook of a split
    workshop this is; ``parts``: the VP's workbook of a split workshop lists the managers'
    workbooks {manager: file name}."""
    headers = Headers(
        current_year=proposals.as_of.year, target_year=proposals.year, currency=currency
    )
    service = empty_service(proposals) if service is None else service
    categories = empty_categories() if categories is None else categories
    categories = categories.loc[categories["account_id"].isin(proposals.accounts.index)]
    # the share as shown is the share the formulas and the import use
    categories = categories.assign(share=categories["share"].astype(float).round(4))
    spread = spread_gap(gap_frame(proposals), goal, gap_rule, tier_weights)
    book = Workbook()
    instructions = book.active
    instructions.title = INSTRUCTIONS
    sheet = book.create_sheet(ACCOUNTS)
    last = _accounts_sheet(sheet, proposals, accounts, headers, spread)
    info = accounts.set_index("account_id").reindex(proposals.accounts.index)
    groups = {
        key: by_size(info[key], proposals.accounts["proposal"]) if key in info else [NONE]
        for key in ("ka_manager", "region")
    }
    _summary_sheet(book.create_sheet(SUMMARY), last, headers, goal, tolerance, groups)
    _service_sheet(book.create_sheet(SERVICE), proposals, accounts, headers, service)
    _categories_sheet(book.create_sheet(CATEGORIES), accounts, headers, categories, last)
    if loop is not None:
        _last_year_sheet(book.create_sheet(LAST_YEAR), loop, accounts, headers)
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
        manager,
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
            "part": part,
            "manager": manager,
            "gap_rule": gap_rule,
            PARTS_FACT: json.dumps(dict(parts or {}), ensure_ascii=False),
        },
        categories,
    )
    _tidy_numbers(book)
    book.active = 1
    return book


def by_size(groups: pd.Series, proposals: pd.Series) -> list[str]:
    """The groups (a KA manager or region per account) by Σ proposals, largest first, then
    by name; a missing group is shown as NONE."""
    names = groups.map(_text)
    totals = proposals.astype(float).groupby(names.to_numpy()).sum()
    return sorted(totals.index, key=lambda name: (-round(float(totals[name]), 2), str(name)))


def workbook_bytes(book: Workbook) -> bytes:
    """The workbook as .xlsx bytes (written atomically by the caller)."""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
