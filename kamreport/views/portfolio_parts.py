"""What every section of the portfolio view is made of: the inputs and one titled table.

A :class:`Part` is the recurring shape of the report: a heading, a table (or the
sentence saying why there is none) and the notes around it. :class:`Context`
carries what every section builder needs, so each reads the same account names,
links and row limit.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.portfolio import PortfolioReview
from kamreport.params import Params
from kamreport.views.blocks import Cell, Column, Row, Table, attrs
from kamreport.views.display import Display, number

CATALOG_KEY = re.compile(r"[a-z_]+(\.[\w-]+)+")


@dataclass(frozen=True)
class Part:
    """A titled table: ``lead`` and ``intro`` come before it, ``note`` after it;
    ``empty`` is said instead when there is no table."""

    title: str = ""
    table: Table | None = None
    empty: str = ""
    lead: str = ""  # a sentence of the text
    intro: str = ""  # a small note before the table
    note: str = ""  # a small note after the table


@dataclass(frozen=True)
class Context:
    """The inputs of every section builder."""

    review: PortfolioReview
    display: Display
    params: Params
    links: dict[str, str]

    @property
    def rows(self) -> int:
        """How many rows a table shows at most."""
        return self.params.portfolio.table_rows

    def t(self, key: str, **values: object) -> str:
        return self.display.t(key, **values)

    def account(self, account_id: object) -> Cell:
        """An account cell, linked to its account review when that exists; a group's row
        (portfolio.group_accounts) says how many accounts it sums."""
        cell = self.display.account_cell(str(account_id), self.links.get(str(account_id), ""))
        groups = self.review.groups
        if groups is None or account_id not in groups.index:
            return cell
        members = self.t("portfolio.group_row", n=self.display.number(groups[account_id]))
        note = f"{cell.note} · {members}" if cell.note else members
        return dataclasses.replace(cell, note=note)

    @property
    def grouped(self) -> str:
        """The note over a table that shows groups as one row (portfolio.group_accounts)."""
        groups = self.review.groups
        if groups is None or groups.empty:
            return ""
        return self.t(
            "portfolio.grouped_note",
            groups=self.display.number(len(groups)),
            accounts=self.display.number(int(groups.sum())),
        )

    def columns(self, *labels: str, numeric: Iterable[int] = ()) -> tuple[Column, ...]:
        """Column headers; a label written as a catalog key ("portfolio.col.account") is
        translated, any other ("#", "1–30", a tier name) is shown as it is. ``numeric``
        lists the right-aligned columns by position."""
        right = set(numeric)
        return tuple(
            Column(self.t(label) if CATALOG_KEY.fullmatch(label) else label, i in right)
            for i, label in enumerate(labels)
        )

    def account_rows(
        self,
        frame: pd.DataFrame,
        limit: int,
        cells: Callable[[str, pd.Series], tuple[Cell, ...]],
    ) -> tuple[tuple[Row, ...], str]:
        """Rows of the first ``limit`` accounts of an account-indexed frame (each marked with
        its account id) and the "top n of m" note."""
        rows = tuple(
            Row(cells(str(account_id), row), attrs=attrs(account=account_id))
            for account_id, row in frame.head(limit).iterrows()
        )
        return rows, self.display.cap_note(limit, len(frame))


def bar_width(value: object, scale: object) -> float | None:
    """A bar of up to 100 px for ``value`` against ``scale`` (None: no bar)."""
    v, s = number(value), number(scale)
    if v is None or not s:
        return None
    return round(100 * max(v / s, 0.0), 1)


__all__ = ["Context", "Part", "bar_width"]
