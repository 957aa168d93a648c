"""What every run starts with: parameters resolved, data loaded, as-of date fixed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kamreport.analytics.lookup import closest_accounts
from kamreport.analytics.periods import default_as_of
from kamreport.dataset import Dataset
from kamreport.errors import KamReportError, UnknownCustomerError
from kamreport.i18n import Formatter
from kamreport.loading import load_dataset
from kamreport.params import Params, load_params
from kamreport.sources.pushdown import ReadScope


@dataclass(frozen=True)
class Session:
    params: Params
    dataset: Dataset
    as_of: dt.date

    @property
    def fmt(self) -> Formatter:
        return Formatter(self.params.report.locale, self.dataset.currency)

    def account_id(self, customer: str) -> str:
        """The account id for ``customer`` (an id), or an error naming the closest ones."""
        return resolve_customer(self.dataset, customer)


def resolve_as_of(params: Params, dataset: Dataset) -> dt.date:
    """The explicit as-of date, or the end of the last complete month of the data."""
    if params.report.as_of is not None:
        return params.report.as_of
    return default_as_of(dataset.last_order_date())


def resolve_customer(dataset: Dataset, customer: str) -> str:
    ids = dataset.accounts["account_id"]
    if (ids == customer).any():
        return customer
    raise UnknownCustomerError(customer, closest_accounts(dataset.accounts, customer))


def open_session(
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    params: Params | None = None,
) -> Session:
    """Load parameters (unless given) and data, and fix the as-of date.

    A database source reads only the order lines up to the as-of date
    (docs/database.md); no figure looks past it.
    """
    params = params or load_params(params_file or None, overrides or {})
    dataset = load_dataset(params.data, scope=ReadScope(as_of=params.report.as_of))
    as_of = resolve_as_of(params, dataset)
    if as_of > dataset.last_order_date().date():
        raise KamReportError(
            f"The as-of date {as_of} is after the last order in the data "
            f"({dataset.last_order_date().date()}). Choose AS_OF on or before that date."
        )
    return Session(params=params, dataset=dataset, as_of=as_of)
