"""What a run needs from a database, turned into SQL the database runs itself.

A :class:`ReadScope` says which rows a run needs: order lines up to the as-of
date (no analysis looks past it), and optionally only some accounts' rows.
:func:`scoped_select` builds the ``SELECT`` for one data-model table: only the
columns that map to the data model, labelled with their data-model names, and
the scope's conditions in its ``WHERE`` clause, so the database filters and
nothing unneeded crosses the network. docs/database.md explains which reports
can use which scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: reading files never loads SQLAlchemy (0.4 s)
    import sqlalchemy as sa

# Data-model tables whose rows are dated events no analysis reads past the as-of date.
DATED_TABLES: Mapping[str, str] = {"order_lines": "order_date"}


@dataclass(frozen=True)
class ReadScope:
    """The rows a run needs.

    ``limit_to_as_of``: read order lines dated on or before the as-of date only;
    ``as_of`` is that date, or None for the run's default (the end of the last
    complete month of the data, found with one ``max()`` query). ``accounts``:
    read only these accounts' rows of every table with an ``account_id``
    (None: all accounts; only for runs whose figures are all per account).
    """

    as_of: dt.date | None = None
    limit_to_as_of: bool = True
    accounts: tuple[str, ...] | None = None

    def describe(self, until: dt.date | None) -> str:
        """How the read was limited, for the data description (empty when not limited)."""
        parts = []
        if until is not None:
            parts.append(f"order lines up to {until:%Y-%m-%d}")
        if self.accounts is not None:
            parts.append("accounts " + ", ".join(self.accounts))
        return "; ".join(parts)


@dataclass(frozen=True)
class SourceColumn:
    """One column of the user's table or query, and what the pushdown may do with it."""

    name: str  # as in the database
    model: str  # the data-model column it maps to
    typed_date: bool = False  # holds real dates/timestamps: a date bound may go into SQL
    typed_text: bool = False  # holds text: compare ids without a cast


def scoped_select(
    source: sa.FromClause,
    columns: list[SourceColumn],
    table: str,
    scope: ReadScope | None,
    until: dt.date | None,
) -> sa.Select:
    """``SELECT <mapped columns> FROM source WHERE <scope>`` for data-model table ``table``."""
    import sqlalchemy as sa

    select = sa.select(*[source.c[c.name].label(c.model) for c in columns])
    by_model = {c.model: c for c in columns}
    date_column = by_model.get(DATED_TABLES.get(table, ""))
    if until is not None and date_column is not None and date_column.typed_date:
        # "< the next day" keeps timestamps on the as-of day and works for DATE and TIMESTAMP.
        next_day = until + dt.timedelta(days=1)
        select = select.where(source.c[date_column.name] < sa.literal(next_day, sa.Date))
    account = by_model.get("account_id")
    if scope is not None and scope.accounts is not None and account is not None:
        column = source.c[account.name]
        if not account.typed_text:
            column = sa.cast(column, sa.String)
        select = select.where(column.in_(list(scope.accounts)))
    return select


def is_date_type(column_type: sa.types.TypeEngine) -> bool:
    """True for DATE, TIMESTAMP and DATETIME columns as reflected by SQLAlchemy."""
    import sqlalchemy as sa

    return isinstance(column_type, (sa.Date, sa.DateTime))


def is_text_type(column_type: sa.types.TypeEngine) -> bool:
    import sqlalchemy as sa

    return isinstance(column_type, sa.String)
