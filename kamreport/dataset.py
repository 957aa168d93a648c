"""The validated input data, as one immutable object handed to the analytics."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from kamreport.errors import Issue
from kamreport.row_hashes import row_hashes

# The dtype of a dataset's text columns, pandas' default: "str" (Arrow, NaN for missing)
# from pandas 3; object before.
TEXT_DTYPE: str | type = "str" if int(pd.__version__.split(".")[0]) >= 3 else object


@dataclass(frozen=True)
class Dataset:
    """Validated tables keyed by data-model name, plus what the load found.

    Tables follow ``kamreport.schema``: columns renamed to the data model, dates
    as ``datetime64[ns]``, amounts as floats, ids as strings; the columns marked
    ``repeats`` (the account and product ids of the large tables, their labels) as
    categoricals of text (:mod:`kamreport.repeated_text`). Optional tables that were
    not supplied are simply absent: use :meth:`get`.
    """

    tables: Mapping[str, pd.DataFrame]
    currency: str = "CNY"
    source: str = ""
    warnings: tuple[Issue, ...] = field(default_factory=tuple)
    # The source's last order date when only order lines up to the as-of date were read.
    latest_order_date: dt.date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))

    @property
    def accounts(self) -> pd.DataFrame:
        return self.tables["accounts"]

    @property
    def order_lines(self) -> pd.DataFrame:
        return self.tables["order_lines"]

    def get(self, name: str) -> pd.DataFrame | None:
        """The table, or None when the source did not supply it."""
        return self.tables.get(name)

    def has(self, name: str) -> bool:
        return name in self.tables and not self.tables[name].empty

    def last_order_date(self) -> pd.Timestamp:
        if self.latest_order_date is not None:
            return pd.Timestamp(self.latest_order_date)
        return pd.Timestamp(self.order_lines["order_date"].max())

    def content_hash(self, names: Iterable[str] | None = None) -> str:
        """A SHA-256 of the table contents (of ``names`` only, when given), independent of
        file format and row order: of each table's name, its column names and the
        sorted 64-bit hashes of its rows (:mod:`kamreport.row_hashes`)."""
        digest = hashlib.sha256()
        chosen = self.tables if names is None else [n for n in names if n in self.tables]
        for name in sorted(chosen):
            frame = self.tables[name]
            digest.update(name.encode())
            digest.update(",".join(map(str, frame.columns)).encode())
            hashes = row_hashes(frame, list(frame.columns), missing_apart=True)
            assert hashes is not None  # missing_apart: every column is hashed
            hashes.sort()
            digest.update(hashes.tobytes())
        return digest.hexdigest()
