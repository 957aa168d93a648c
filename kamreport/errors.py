"""One exception tree for everything kamreport reports to a user.

Every error says what was wrong, what was found and how to fix it; the CLI
prints ``str(error)`` to stderr and exits non-zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class KamReportError(Exception):
    """Base of every error kamreport raises on purpose."""

    exit_code = 1


class ParamsError(KamReportError):
    """A parameter is unknown, has the wrong type or an invalid value."""

    exit_code = 2


class DataSourceError(KamReportError):
    """The data source cannot be opened or read at all."""


class UnknownCustomerError(KamReportError):
    """A customer id that is not in the data."""

    def __init__(self, customer: str, suggestions: Sequence[str]):
        self.customer = customer
        self.suggestions = tuple(suggestions)
        hint = (
            "Closest matches: " + ", ".join(self.suggestions) + "."
            if self.suggestions
            else "No similar id or name found."
        )
        super().__init__(
            f"Unknown customer {customer!r}. {hint} "
            "Run `kamreport list` (or `make list FILTER=…`) to see the account ids."
        )


class PdfEngineError(KamReportError):
    """PDF output was asked for but the PDF engine or a system library it needs is missing."""


class NotebookExecutionError(KamReportError):
    """A report notebook failed; the failed notebook is kept for inspection."""

    def __init__(self, message: str, notebook_path: str):
        self.notebook_path = notebook_path
        super().__init__(f"{message}\nThe failed notebook is kept at: {notebook_path}")


class Reason(StrEnum):
    """Why a data problem was reported: one code per kind of problem, stable for scripts."""

    # the source and its tables
    MISSING_TABLE = "missing_table"
    UNKNOWN_TABLE = "unknown_table"
    ABSENT_TABLES = "absent_tables"
    EMPTY_TABLE = "empty_table"
    UNREADABLE_FILE = "unreadable_file"
    ENCODING = "encoding"
    UNUSED_FILE = "unused_file"
    UNUSED_SHEET = "unused_sheet"
    UNUSED_TABLE = "unused_table"
    PERMISSION_DENIED = "permission_denied"
    QUERY_FAILED = "query_failed"
    READ_FAILED = "read_failed"
    # headers and the column mapping
    MISSING_COLUMN = "missing_column"
    BAD_MAPPING = "bad_mapping"
    MAPPED_HEADER_MISSING = "mapped_header_missing"
    DUPLICATE_MAPPING = "duplicate_mapping"
    AMBIGUOUS_COLUMN = "ambiguous_column"
    EXTRA_COLUMNS = "extra_columns"
    # cells and rows
    BAD_DATE = "bad_date"
    BAD_NUMBER = "bad_number"
    EMPTY_VALUE = "empty_value"
    NOT_ALLOWED = "not_allowed"
    OUT_OF_RANGE = "out_of_range"
    IMPLAUSIBLE_DATE = "implausible_date"
    DUPLICATE_KEY = "duplicate_key"
    NO_ACCOUNT = "no_account"
    EXCLUDED_NO_ACCOUNT = "excluded_no_account"
    DEFAULT_NAME = "default_name"
    # across tables
    DERIVED_ACCOUNTS = "derived_accounts"
    UNKNOWN_REFERENCE = "unknown_reference"
    UNKNOWN_PARENT = "unknown_parent"
    PARENT_CYCLE = "parent_cycle"
    NO_ORDERS = "no_orders"
    MISSING_COST = "missing_cost"
    INCOMPLETE_MONTH = "incomplete_month"
    MIXED_CURRENCY = "mixed_currency"
    MISSING_FX_RATE = "missing_fx_rate"


@dataclass(frozen=True)
class Issue:
    """One problem found while validating input data.

    ``row`` is the row number as the user sees it in their file (header = row 1,
    so the first data row is row 2), or the key of the row for database sources.
    """

    severity: str  # "error" or "warning"
    code: Reason  # given as a Reason or its text
    table: str
    message: str
    source: str = ""
    column: str | None = None
    row: int | str | None = None
    expected: str | None = None
    found: str | None = None
    fix: str | None = None
    # Accounts the problem rows belong to, so an account's report shows its own warnings.
    account_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", Reason(self.code))

    def location(self) -> str:
        parts = [self.source or self.table]
        if self.source and self.table and self.table not in self.source:
            parts.append(f"table {self.table}")
        if self.column:
            parts.append(f"column {self.column!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"[{self.code}] {self.location()}: {self.message}"
        if self.expected is not None:
            text += f" Expected {self.expected}"
            text += f", found {self.found}." if self.found is not None else "."
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


@dataclass(frozen=True)
class ValidationReport:
    """Every issue found in one load, errors and warnings together."""

    issues: tuple[Issue, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors

    def format(self) -> str:
        if not self.issues:
            return "No problems found."
        lines = [
            f"{len(self.errors)} error(s), {len(self.warnings)} warning(s):",
            *(f"  {i.severity.upper():7} {i}" for i in self.issues),
        ]
        return "\n".join(lines)


class DataValidationError(KamReportError):
    """The input data has errors; all of them are listed at once."""

    def __init__(self, report: ValidationReport):
        self.report = report
        super().__init__("The input data has errors; nothing was written.\n" + report.format())
