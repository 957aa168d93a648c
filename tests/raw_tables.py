"""Raw tables as a CSV loader delivers them, for the validation tests."""

from __future__ import annotations

import pandas as pd

from kamreport.sources.raw import RawData, RawTable


def table(name: str, columns: dict[str, list], *, typed: bool = False, **kw) -> RawTable:
    """A raw table as a CSV loader delivers it (all text), or typed as given."""
    frame = pd.DataFrame(
        {k: (pd.Series(v) if typed else pd.Series(v, dtype="str")) for k, v in columns.items()}
    )
    return RawTable(name, frame, f"export/{name}.csv", f"{name}.csv", "file", tuple(columns), **kw)


def raw(*tables: RawTable, **kw) -> RawData:
    """The tables as one CSV export folder."""
    return RawData(
        {t.name: t for t in tables},
        "CSV files in export",
        "export",
        "csv",
        available=tuple(f"{t.name}.csv" for t in tables),
        **kw,
    )
