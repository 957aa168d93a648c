"""The sample data generator: a believable fine-chemicals maker and its customers.

The company makes niacin (烟酸), niacinamide (烟酰胺) and related vitamins (B5
calcium pantothenate, B6, inositol, panthenol) and feed premixes, and sells
them to feed, pharmaceutical, food and cosmetics manufacturers in seven
Chinese regions and a few export countries, all invoiced in CNY.

:func:`generate_sample` returns every table of :mod:`kamreport.schema` except
``fx_rates`` (one currency) and ``category_targets`` (set in the target workshop).
It is deterministic for a given seed: every part draws from its own random stream
``numpy.random.default_rng([seed, part])`` and nothing reads the clock. Order lines
are generated with vectorised numpy, so ``target_lines`` of ten million stays
practical. The planted stories are in :mod:`kamreport.sample.stories`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kamreport import schema
from kamreport.errors import ParamsError
from kamreport.sample import feedback, market, plans, relationship
from kamreport.sample.accounts import build_accounts
from kamreport.sample.catalog import products_frame
from kamreport.sample.orders import build_orders
from kamreport.sample.receivables import build_invoices
from kamreport.sample.stories import MIN_ACCOUNTS
from kamreport.sample.timeline import build_timeline

DEFAULT_SEED = 20260930
DEFAULT_START = dt.date(2023, 1, 1)
DEFAULT_END = dt.date(2026, 9, 30)

# One random stream per part, so changing one part leaves the others alone.
_STREAMS = (
    "accounts",
    "orders",
    "invoices",
    "contacts",
    "activities",
    "surveys",
    "complaints",
    "wallet",
    "competitors",
    "targets",
    "service_costs",
    "opportunities",
    "account_plans",
)


def generate_sample(
    seed: int = DEFAULT_SEED,
    n_accounts: int = 260,
    start: dt.date = DEFAULT_START,
    end: dt.date = DEFAULT_END,
    lines_per_account_year: float | None = None,
    target_lines: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Every table of the data model for a fictitious company, keyed by table name.

    ``end`` is the last order date and the as-of date the stories are planted
    against. The number of order lines follows ``target_lines`` (approximately)
    or else ``lines_per_account_year`` (mean order lines per active account and
    year, default 125: about 110,000 lines for the default 260 accounts). The
    story accounts alone make about 5,000 lines, so smaller targets end up above
    ``target_lines``.
    """
    start, end = _check(n_accounts, start, end, lines_per_account_year, target_lines)

    def rng(part: str) -> np.random.Generator:
        return np.random.default_rng([seed, _STREAMS.index(part)])

    tl = build_timeline(start, end)
    acc = build_accounts(rng("accounts"), n_accounts, tl)
    orders = build_orders(rng("orders"), acc, tl, lines_per_account_year, target_lines)
    contacts = relationship.build_contacts(rng("contacts"), acc)
    monthly = orders.monthly_revenue
    wallet, wallet_matrix = market.build_wallet(rng("wallet"), acc, tl, monthly)
    tables = {
        "accounts": acc.frame,
        "order_lines": orders.frame,
        "products": products_frame(),
        "invoices": build_invoices(rng("invoices"), acc, tl, orders),
        "targets": plans.build_targets(rng("targets"), acc, tl, monthly),
        "activities": relationship.build_activities(rng("activities"), acc, tl, contacts),
        "contacts": contacts.frame,
        "opportunities": plans.build_opportunities(rng("opportunities"), acc, tl, orders),
        "surveys": feedback.build_surveys(rng("surveys"), acc, tl, contacts),
        "complaints": feedback.build_complaints(rng("complaints"), acc, tl),
        "wallet": wallet,
        "competitors": market.build_competitors(
            rng("competitors"), acc, tl, monthly, wallet_matrix
        ),
        "service_costs": plans.build_service_costs(rng("service_costs"), acc, tl, monthly),
        "account_plans": plans.build_account_plans(rng("account_plans"), acc, tl),
    }
    return {name: _conform(name, frame) for name, frame in tables.items()}


def _check(
    n_accounts: int,
    start: dt.date,
    end: dt.date,
    lines_per_account_year: float | None,
    target_lines: int | None,
) -> tuple[dt.date, dt.date]:
    """Validate the arguments; dates may be given as datetimes (the time is dropped)."""
    start = start.date() if isinstance(start, dt.datetime) else start
    end = end.date() if isinstance(end, dt.datetime) else end
    if n_accounts < MIN_ACCOUNTS:
        raise ParamsError(
            f"The sample needs at least {MIN_ACCOUNTS} accounts (the planted story accounts "
            f"have fixed ids up to KA0097); got n_accounts={n_accounts}."
        )
    earliest = dt.date(end.year - 2, 1, 1)
    if start > earliest:
        raise ParamsError(
            f"The sample must start on or before {earliest:%Y-%m-%d} (two full calendar years "
            f"before the year of end={end:%Y-%m-%d}, so year-on-year and two-year stories are "
            f"visible); got start={start:%Y-%m-%d}."
        )
    if lines_per_account_year is not None and target_lines is not None:
        raise ParamsError("Give either lines_per_account_year or target_lines, not both.")
    if lines_per_account_year is not None and lines_per_account_year <= 0:
        raise ParamsError(f"lines_per_account_year must be positive; got {lines_per_account_year}.")
    if target_lines is not None and target_lines < 1000:
        raise ParamsError(f"target_lines must be at least 1000; got {target_lines}.")
    return start, end


def _conform(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Columns in data-model order with the data-model dtypes (ids str, dates ns, floats)."""
    wanted = {
        schema.DATE: "datetime64[ns]",
        schema.FLOAT: "float64",
        schema.INT: "int64",
        schema.STR: "str",
    }
    out = {}
    for column in schema.table(name).columns:
        if column.name not in frame and not column.required:
            continue  # an optional column the sample does not carry
        values = frame[column.name]
        dtype = wanted[column.dtype]
        out[column.name] = values if values.dtype == dtype else values.astype(dtype)
    return pd.DataFrame(out, copy=False).reset_index(drop=True)
