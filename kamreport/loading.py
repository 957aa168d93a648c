"""The data boundary: read the configured source, validate it once, hand out a Dataset.

Everything after :func:`load_dataset` trusts the data. Problems with the data
are collected into one :class:`~kamreport.errors.ValidationReport`; problems
with the source itself (missing folder, bad URL, no connection) raise
:class:`~kamreport.errors.DataSourceError` straight away.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kamreport.dataset import Dataset
from kamreport.errors import DataValidationError, ValidationReport
from kamreport.heap import release_freed_memory, use_arrow_jemalloc
from kamreport.params import DataParams
from kamreport.sources import ReadScope, read_source
from kamreport.validation import validate

__all__ = ["check_dataset", "load_dataset"]


def check_dataset(
    data: DataParams,
    *,
    base_dir: Path | None = None,
    as_of: dt.date | None = None,
    scope: ReadScope | None = None,
) -> tuple[Dataset | None, ValidationReport]:
    """Read and validate; the Dataset (None when there are errors) and the full report.

    ``as_of`` (default today) only affects the warning about order lines after
    the last complete month. ``scope`` limits what a database source reads
    (docs/database.md); validation then checks the rows read.
    """
    use_arrow_jemalloc()  # before the data is read into Arrow's pool (kamreport.heap)
    raw = read_source(data, base_dir=base_dir, scope=scope)
    currency = data.currency.strip().upper()
    tables, report = validate(
        raw,
        currency,
        as_of=as_of,
        bounds=data.bounds,
        lines_without_account=data.lines_without_account,
    )
    if not report.ok:
        return None, report
    dataset = Dataset(
        tables,
        currency=currency,
        source=raw.source,
        warnings=report.warnings,
        latest_order_date=raw.latest_order_date,
    )
    del raw, tables  # the source's frames and validation's: only the dataset's data stays
    release_freed_memory()  # what reading and validating freed, before the figures start
    return dataset, report


def load_dataset(
    data: DataParams,
    *,
    base_dir: Path | None = None,
    as_of: dt.date | None = None,
    scope: ReadScope | None = None,
) -> Dataset:
    """Read and validate; the Dataset, or :class:`DataValidationError` listing every error."""
    dataset, report = check_dataset(data, base_dir=base_dir, as_of=as_of, scope=scope)
    if dataset is None:
        raise DataValidationError(report)
    return dataset
