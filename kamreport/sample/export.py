"""Write the sample data as files: one CSV or Parquet file per table, or one Excel workbook.

Writing is atomic: everything goes into a temporary sibling folder first,
which then replaces ``out_dir`` in one rename, so an interrupted run never
leaves a half-written sample behind. The ``.complete`` marker is the last file
written into the temporary folder; an existing ``out_dir`` is only replaced
when it holds nothing but the files a sample consists of.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kamreport import schema
from kamreport.errors import KamReportError, ParamsError
from kamreport.sample.generator import DEFAULT_SEED, generate_sample
from kamreport.sample.wholesale import CURRENCY as WHOLESALE_CURRENCY
from kamreport.sample.wholesale import generate_wholesale

FORMATS = ("csv", "xlsx", "parquet")
MARKER = ".complete"
README = "README.txt"
WORKBOOK = "sample.xlsx"
EXCEL_MAX_ROWS = 1_048_576  # rows per sheet, header included


def export_sample(
    out_dir: Path,
    fmt: str = "csv",
    seed: int = DEFAULT_SEED,
    profile: str = "kam",
    **generate_kwargs: Any,
) -> list[Path]:
    """Generate the sample and write it into ``out_dir``; returns the files written.

    ``fmt`` is ``csv`` (``<table>.csv`` per table, UTF-8, dates YYYY-MM-DD), ``parquet``
    (``<table>.parquet`` per table) or ``xlsx`` (``sample.xlsx``, one sheet per table).
    ``profile`` is ``kam`` (the bundled key-account sample,
    :func:`~kamreport.sample.generate_sample`) or ``wholesale`` (a distributor's
    minimal export, :func:`~kamreport.sample.wholesale.generate_wholesale`);
    ``generate_kwargs`` go to that function. ``out_dir/.complete`` marks a finished
    sample.
    """
    if fmt not in FORMATS:
        raise ParamsError(f"Unknown sample format {fmt!r}. Expected one of: {', '.join(FORMATS)}.")
    if profile not in PROFILES:
        raise ParamsError(
            f"Unknown sample profile {profile!r}. Expected one of: {', '.join(PROFILES)}."
        )
    generate, readme, marker_line = PROFILES[profile]
    out_dir = Path(out_dir)
    _check_replaceable(out_dir)
    tables = generate(seed=seed, **generate_kwargs)
    if fmt == "xlsx":
        too_big = {name: len(f) for name, f in tables.items() if len(f) >= EXCEL_MAX_ROWS}
        if too_big:
            found = ", ".join(f"{name} has {rows:,} rows" for name, rows in too_big.items())
            raise ParamsError(
                f"An Excel sheet holds at most {EXCEL_MAX_ROWS - 1:,} data rows, but {found}. "
                "Use the csv format for a sample this large."
            )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    umask = os.umask(0o022)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; a sample folder is not
    try:
        if fmt == "csv":
            names = [_write_csv(frame, staging / f"{name}.csv") for name, frame in tables.items()]
        elif fmt == "parquet":
            names = [
                _write_parquet(frame, staging / f"{name}.parquet") for name, frame in tables.items()
            ]
        else:
            names = [_write_xlsx(tables, staging / WORKBOOK)]
        (staging / README).write_text(readme(tables, fmt, seed, generate_kwargs), "utf-8")
        names.append(README)
        (staging / MARKER).write_text(f"seed={seed}\nformat={fmt}\n{marker_line}", "utf-8")
        _swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out_dir / name for name in names]


def sample_file_names() -> set[str]:
    """Every file name a sample folder may hold."""
    tables = {t.name for t in schema.TABLES}
    return (
        {f"{n}.csv" for n in tables} | {f"{n}.parquet" for n in tables} | {WORKBOOK, README, MARKER}
    )


def _check_replaceable(out_dir: Path) -> None:
    """Refuse to replace anything but an empty folder or an earlier sample."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise KamReportError(
            f"Cannot write the sample to {out_dir}: it is a file, not a folder. "
            "Choose another --out folder."
        )
    foreign = sorted(p.name for p in out_dir.iterdir() if p.name not in sample_file_names())
    if foreign:
        shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
        raise KamReportError(
            f"Cannot write the sample to {out_dir}: the folder holds files that are not part "
            f"of a sample ({shown}) and writing replaces the whole folder. Choose an empty "
            "or new --out folder."
        )


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Put the finished staging folder in place of ``out_dir`` (renames only)."""
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    retired.rmdir()
    out_dir.rename(retired)
    try:
        staging.rename(out_dir)
    except BaseException:
        retired.rename(out_dir)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _write_csv(frame: pd.DataFrame, path: Path) -> str:
    """One table as UTF-8 CSV: no index, dates as YYYY-MM-DD, numbers never in e-notation."""
    _plain_numbers(frame).to_csv(path, index=False, encoding="utf-8", date_format="%Y-%m-%d")
    return path.name


def _write_parquet(frame: pd.DataFrame, path: Path) -> str:
    """One table as a Parquet file (no index; dates as timestamps, text as strings)."""
    frame.to_parquet(path, index=False)
    return path.name


def _plain_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Float columns that would print in scientific notation, as positional text."""
    out = frame
    for name in frame.columns:
        values = frame[name]
        if values.dtype != np.float64:
            continue
        size = np.abs(values.to_numpy())
        if ((size > 0) & (size < 1e-4)).any() or (size >= 1e15).any():
            text = [
                "" if np.isnan(v) else np.format_float_positional(v, trim="-")
                for v in values.to_numpy()
            ]
            out = out.assign(**{name: text})
    return out


def _write_xlsx(tables: dict[str, pd.DataFrame], path: Path) -> str:
    """All tables as one workbook, a sheet per table named like the table."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, frame in tables.items():
        sheet = book.create_sheet(title=name)
        sheet.append(list(frame.columns))
        for row in _rows(frame):
            sheet.append(row)
    book.save(path)
    return path.name


def _rows(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """Rows of plain Python values: dates as ``datetime.date``, missing values as None."""
    columns = []
    for name in frame.columns:
        values = frame[name]
        missing = values.isna().to_numpy()
        if pd.api.types.is_datetime64_any_dtype(values):
            cells = np.array(values.dt.date.to_numpy(dtype=object), dtype=object)
        else:
            cells = values.to_numpy(dtype=object)
        cells[missing] = None
        columns.append(cells.tolist())
    return zip(*columns, strict=True)


def _readme(
    tables: dict[str, pd.DataFrame], fmt: str, seed: int, generate_kwargs: dict[str, Any]
) -> str:
    """What the files are, how they were made and how to make them again."""
    lines = tables["order_lines"]["order_date"]
    accounts = len(tables["accounts"])
    files = {
        "csv": "one CSV file per table (UTF-8, dates YYYY-MM-DD)",
        "parquet": "one Parquet file per table",
    }.get(fmt, f"{WORKBOOK}, one sheet per table (dates as Excel dates)")
    options = "".join(f", {k}={v}" for k, v in sorted(generate_kwargs.items()))
    listing = "\n".join(
        f"  {name + ('.' + fmt if fmt != 'xlsx' else ''):<22}{len(frame):>11,} rows  "
        f"{schema.table(name).description}"
        for name, frame in tables.items()
    )
    return f"""kamreport sample data
=====================

Generated by `kamreport sample` (kamreport.sample.export_sample, seed={seed}{options}).
A fictitious fine-chemicals maker (niacin, niacinamide and related vitamins,
feed premixes) and its {accounts} customer accounts in China and abroad. Every
company, person, e-mail address and phone number is made up.

Period: {lines.min():%Y-%m-%d} to {lines.max():%Y-%m-%d}; the last date is the as-of date of
the planted stories. Currency: CNY. Files: {files}.

{listing}

The columns are those of the kamreport data model (docs/data-model.md). Accounts
with planted stories (growing, churning, late payer, complaint spike, falling
share of wallet, price buyer, no senior contact, healthy) are listed with how
each story is planted in kamreport/sample/stories.py.

Make it again with:
  kamreport sample --out <folder> --format {fmt} --seed {seed}
The next run replaces this folder: do not keep other files in it.
"""


def _wholesale_readme(
    tables: dict[str, pd.DataFrame], fmt: str, seed: int, generate_kwargs: dict[str, Any]
) -> str:
    """What the wholesale files are, how to read them and how to make them again."""
    lines = tables["order_lines"]
    dates = lines["order_date"]
    without = int((lines["account_id"] == "").sum())
    credit = int((lines["net_amount"] < 0).sum())
    options = "".join(f" --{k.replace('_', '-')} {v}" for k, v in sorted(generate_kwargs.items()))
    options = options.replace("--n-accounts", "--accounts").replace("--target-lines", "--lines")
    return f"""kamreport sample data: the wholesale profile
============================================

Generated by `kamreport sample --profile wholesale` (kamreport.sample.wholesale,
seed={seed}). A fictitious distributor's minimal export, as many companies can give
no more: {len(tables["accounts"]):,} customers with an id and a country (no names),
and {len(lines):,} invoice lines from {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d} without
costs or a product table. {credit:,} lines are credit notes (negative, order ids
starting with C) and {without:,} lines have no customer id (guest orders).

Amounts are in {WHOLESALE_CURRENCY}. Read it with a params file such as:

  data:
    source: <this folder>
    currency: {WHOLESALE_CURRENCY}
    lines_without_account: exclude   # the default, refuse, reports them as an error

Make it again with:
  kamreport sample --profile wholesale --out <folder> --format {fmt} --seed {seed}{options}
The next run replaces this folder: do not keep other files in it.
"""


# profile → (generator, README writer, its line in the .complete marker: none for the
# bundled sample, so its marker is the same as before profiles existed).
PROFILES: dict[str, tuple[Callable[..., dict[str, pd.DataFrame]], Callable[..., str], str]] = {
    "kam": (generate_sample, _readme, ""),
    "wholesale": (generate_wholesale, _wholesale_readme, "profile=wholesale\n"),
}
