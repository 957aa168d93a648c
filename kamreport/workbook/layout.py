"""The shape of the target-setting workbook, shared by the builder and the reader.

Sheet names are fixed (they are part of the file format, not of the language);
column headers are bilingual ("Bottom-up / 自下而上") and found by their English
part when the workbook is read back, so columns may be moved but not renamed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from kamreport.i18n import Formatter

INSTRUCTIONS, ACCOUNTS, SUMMARY, META = "Instructions", "Accounts", "Summary", "_meta"
SERVICE, CATEGORIES, LAST_YEAR = "Service", "Categories", "Last year"
SHEETS = (INSTRUCTIONS, ACCOUNTS, SUMMARY, SERVICE, CATEGORIES)  # LAST_YEAR is optional
TABLE_NAME = "Targets"
SERVICE_TABLE, CATEGORY_TABLE = "Service", "Categories"
FORMAT_VERSION = "2"
# _meta facts: which workbook of a split workshop this is.
WHOLE, MANAGER_PART, MERGED = "whole", "manager", "merged"
PARTS_FACT = "parts"  # _meta fact of the VP's workbook: {manager: file name} as JSON
# The header of the category block of _meta.
META_CATEGORY_HEADS = ("category_account_id", "category", "share")

# Summary cells the formulas and the reader refer to.
GOAL_CELL = "B3"
TOLERANCE_CELL = "B4"
AGREED_TOTAL_CELL = "B9"
BASELINE_TOTAL_CELL = "B5"

# (key, kind): kind is "text", "money", "input" (editable money), "formula" or "percent".
COLUMNS: tuple[tuple[str, str], ...] = (
    ("account_id", "text"),
    ("name", "text"),
    ("ka_manager", "text"),
    ("region", "text"),
    ("tier", "text"),
    ("revenue_y3", "money"),
    ("revenue_y2", "money"),
    ("revenue_y1", "money"),
    ("ytd", "money"),
    ("forecast", "money"),
    ("proposal", "money"),
    ("proposal_low", "money"),
    ("proposal_high", "money"),
    ("method", "text"),
    ("reason", "text"),
    ("headroom", "money"),
    ("bottom_up", "input"),
    ("top_down", "formula"),
    ("override", "input"),
    ("agreed", "formula"),
    ("gap", "formula"),
    ("gap_pct", "percent"),
    ("goal_spread", "money"),
)
INPUT_COLUMNS = ("bottom_up", "override")
FORMULA_COLUMNS = ("top_down", "agreed", "gap", "gap_pct")

# The Service sheet: the yearly visit, senior-visit and training targets per account.
# Kinds add "count" (a whole number), "count_input" (editable) and "count_formula".
SERVICE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("account_id", "text"),
    ("name", "text"),
    ("ka_manager", "text"),
    ("tier", "text"),
    ("visits_ltm", "count"),
    ("senior_visits_ltm", "count"),
    ("training_ltm", "count"),
    ("visits_proposed", "count"),
    ("senior_visits_proposed", "count"),
    ("training_proposed", "count"),
    ("visits", "count_input"),
    ("senior_visits", "count_input"),
    ("training", "count_input"),
    ("visits_agreed", "count_formula"),
    ("senior_visits_agreed", "count_formula"),
    ("training_agreed", "count_formula"),
)

# The Categories sheet: one row per account and product category it bought in the LTM.
CATEGORY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("account_id", "text"),
    ("name", "text"),
    ("category", "text"),
    ("category_revenue_ltm", "money"),
    ("category_share", "percent"),
    ("category_proposed", "formula"),
    ("category_target", "input"),
    ("category_agreed", "formula"),
)


# Amounts in the workbook's currency: their headers name it ("Bottom-up (CNY) / …").
MONEY_KEYS = frozenset(
    [k for k, kind in (*COLUMNS, *CATEGORY_COLUMNS) if kind in ("money", "input", "formula")]
    + ["loop_proposal", "loop_agreed", "loop_actual"]
)


def letter(key: str, columns: tuple[tuple[str, str], ...] = COLUMNS) -> str:
    """The column letter of ``key`` in the generated layout of a sheet."""
    return get_column_letter([k for k, _ in columns].index(key) + 1)


@dataclass(frozen=True)
class Headers:
    """The header texts of the Accounts sheet for one as-of year (C)."""

    current_year: int
    target_year: int
    currency: str = ""

    def _label(self, fmt: Formatter, key: str) -> str:
        label = self._plain(fmt, key)
        if self.currency and key in MONEY_KEYS:
            return fmt.t("targets.col.money", label=label, currency=self.currency)
        return label

    def _plain(self, fmt: Formatter, key: str) -> str:
        years = {
            "revenue_y3": self.current_year - 3,
            "revenue_y2": self.current_year - 2,
            "revenue_y1": self.current_year - 1,
        }
        if key in years:
            return fmt.t("targets.col.revenue_year", year=years[key])
        if key in ("ytd", "forecast"):
            return fmt.t(f"targets.col.{key}", year=self.current_year)
        if key == "proposal":
            return fmt.t("targets.col.proposal", year=self.target_year)
        return fmt.t(f"targets.col.{key}")

    def english(self, key: str) -> str:
        return self._label(Formatter("en"), key)

    def english_variants(self, key: str) -> tuple[str, ...]:
        """The English header of ``key`` normalised as :func:`english_part`, with the
        currency and (a workbook written before headers named it) without."""
        plain = Headers(self.current_year, self.target_year)
        return tuple(dict.fromkeys(english_part(h.english(key)) for h in (self, plain)))

    def text(self, key: str) -> str:
        """The header as written: English / Chinese."""
        return bilingual(self._label(Formatter("en"), key), self._label(Formatter("zh-CN"), key))


def bilingual(english: str, chinese: str) -> str:
    return f"{english} / {chinese}"


def header_cell(text: str) -> str:
    """A bilingual header as written into its cell: the Chinese part on a line of its own."""
    return text.replace(" / ", " /\n", 1)


def english_part(header: object) -> str:
    """The English part of a header cell (" / " or " /" and a line break between the
    languages), normalised for matching."""
    text = "" if header is None else str(header)
    return " ".join(re.split(r"\s/\s", text, maxsplit=1)[0].split()).casefold()


def display_width(text: str) -> int:
    """The width of ``text`` in columns of a monospaced font: CJK characters count double."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)
