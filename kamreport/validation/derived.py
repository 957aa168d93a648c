"""What a minimal export leaves out and kamreport can stand in for: account names and
the accounts table itself.

- ``accounts.name`` missing (the column, or a cell): the account_id is the name, and
  one warning says so (docs/data-model.md, "accounts").
- no ``accounts`` table at all: the accounts are the account ids seen in the order
  lines, named by their id, and one warning says so.

Both warnings reach every customer report once (not per row), through their codes.
"""

from __future__ import annotations

import pandas as pd

from kamreport.dataset import TEXT_DTYPE
from kamreport.errors import Issue
from kamreport.schema import table
from kamreport.sources.raw import RawData, RawTable
from kamreport.validation.messages import empty_cells, row_issue
from kamreport.validation.tables import Checked, check_table, mapping_hint


def accounts_from_lines(raw: RawData, lines: Checked | None) -> tuple[Checked | None, Issue | None]:
    """The accounts table built from the account ids of ``lines``, and the warning
    saying so; ``(None, None)`` without usable order lines."""
    if lines is None or "account_id" not in lines.frame:
        return None, None
    seen = lines.frame["account_id"].dropna().unique()  # each id once, not once per line
    ids = sorted({str(i) for i in seen} | set(lines.raw.later_accounts))
    frame = pd.DataFrame({"account_id": pd.Series(ids, dtype=TEXT_DTYPE)})
    derived = RawTable(
        "accounts",
        frame,
        source=lines.raw.source,
        short=lines.raw.short,
        noun=lines.raw.noun,
        headers=("account_id",),
    )
    checked = check_table(derived)
    _name_by_id(checked)
    issue = Issue(
        "warning",
        "derived_accounts",
        "accounts",
        f"No accounts table: the {len(ids):,} account ids in {lines.raw.short} are the "
        "accounts, each named by its id (no country, region or industry).",
        source=raw.location,
        fix="Add an accounts table to give names, countries and other attributes; only "
        "account_id is required (docs/data-model.md).",
    )
    return checked, issue


def default_names(accounts: Checked) -> list[Issue]:
    """Fill a missing ``name`` (column or cells) with the account_id; one warning."""
    frame = accounts.frame
    if "account_id" not in frame:
        return []
    raw = accounts.raw
    if "name" not in frame:
        _name_by_id(accounts)
        return [
            Issue(
                "warning",
                "default_name",
                "accounts",
                f"Column 'name' not in {raw.short}: every report names the accounts by "
                "their account_id.",
                source=raw.source,
                column="name",
                fix="Add a name column to show names, or map the header that holds them "
                f"in the params file: {mapping_hint(raw, table('accounts'), 'name')}.",
            )
        ]
    empty = (frame["name"].isna() & frame["account_id"].notna()).to_numpy()
    if not empty.any():
        return []
    accounts.frame = frame.assign(name=frame["name"].fillna(frame["account_id"]))
    return [
        row_issue(
            raw,
            empty,
            severity="warning",
            code="default_name",
            problem="Empty name: the account_id is shown instead",
            column="name",
            expected="a name for every account",
            found=empty_cells(empty),
            fix="Fill in the names.",
        )
    ]


def _name_by_id(accounts: Checked) -> None:
    """Add ``name`` = ``account_id``, columns in data-model order."""
    frame = accounts.frame.assign(name=accounts.frame["account_id"].astype(TEXT_DTYPE))
    order = [c for c in table("accounts").column_names if c in frame]
    accounts.frame = frame[order]


__all__ = ["accounts_from_lines", "default_names"]
