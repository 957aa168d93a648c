"""Account plans written back: the plan workbook out, the edited workbook in.

``make plans`` writes ``outputs/<as-of>/<locale>/plans/account-plans.xlsx`` (one
sheet per account, or a KA manager's or one customer's accounts), prefilled with
each account's current plan: the last imported one, else the data's
``account_plans`` and ``contacts``. ``make plans-import`` checks every cell, and only
when all are valid stores a new version of the plans (kamreport.plans_store); the
account review then shows the imported plan and what changed.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from kamreport.analytics.plan_document import (
    CHANGES,
    Change,
    PlanDocument,
    baseline_plans,
    plan_changes,
    with_ids,
)
from kamreport.context import RunContext, open_context
from kamreport.dataset import Dataset
from kamreport.errors import KamReportError
from kamreport.layout import plans_workbook
from kamreport.outputs import atomic_write_bytes
from kamreport.plans_store import current_documents, write_version
from kamreport.workbook.build import workbook_bytes
from kamreport.workbook.plans import build_plans_workbook
from kamreport.workbook.plans_read import read_plans_workbook

# The tables a plan workbook is written from; their hash ties the workbook to its data.
PLAN_TABLES = ("accounts", "contacts", "account_plans")

Say = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def plan_data_hash(dataset: Dataset) -> str:
    """SHA-256 of the accounts, contacts and account plans of the data."""
    return dataset.content_hash(PLAN_TABLES)


@dataclass(frozen=True)
class PlansWritten:
    path: Path
    accounts: int


@dataclass(frozen=True)
class PlansImported:
    version: Path
    accounts: int
    changes: dict[str, int]  # added, changed, done, dropped over every imported account


def scope(dataset: Dataset, manager: str = "", customer: str = "") -> list[str]:
    """The account ids of the workbook, in data order: every account, one KA manager's,
    or one customer's."""
    if customer:
        return [customer]
    accounts = dataset.accounts
    ids = accounts["account_id"].astype(str)
    if not manager:
        return list(ids)
    managers = accounts["ka_manager"] if "ka_manager" in accounts else pd.Series(dtype=object)
    chosen = managers.astype(str) == manager
    if not chosen.any():
        known = sorted(set(managers.dropna().astype(str)))
        raise KamReportError(
            f"No account has the KA manager {manager!r}. KA managers in the data: "
            f"{', '.join(known) or 'none (the accounts table has no ka_manager column)'}."
        )
    return list(ids[chosen])


def current_plans(context: RunContext, ids: list[str]) -> list[PlanDocument]:
    """Each account's current plan: the imported one, else the data's."""
    stored = current_documents(context.layout.plans_store)
    dataset = context.dataset
    data = baseline_plans(
        dataset.get("account_plans"), dataset.get("contacts"), [a for a in ids if a not in stored]
    )
    return [stored.get(a) or data[a] for a in ids]


def write_plans(
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    manager: str = "",
    customer: str = "",
    now: dt.datetime | None = None,
    say: Say = _stderr,
) -> PlansWritten:
    """Write the plan workbook of every account (or of ``manager``'s, or ``customer``)."""
    context = open_context(params_file, overrides, say=say)
    customer = context.account_id(customer) if customer else ""
    dataset = context.dataset
    ids = scope(dataset, manager, customer)
    book = build_plans_workbook(
        current_plans(context, ids),
        dataset.accounts,
        as_of=context.as_of,
        data_hash=plan_data_hash(dataset),
        generated=(now or dt.datetime.now()).replace(microsecond=0).isoformat(sep=" "),
        manager=manager,
        customer=customer,
    )
    path = context.layout.plans_dir / plans_workbook(manager, customer)
    atomic_write_bytes(path, workbook_bytes(book))
    return PlansWritten(path=path, accounts=len(ids))


def import_plans(
    path: str | Path,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    now: dt.datetime | None = None,
    say: Say = _stderr,
) -> PlansImported:
    """Check the edited workbook; only when every cell is valid, store a new version."""
    context = open_context(params_file, overrides, say=say)
    dataset = context.dataset
    say(f"Reading {path}…")
    known = set(dataset.accounts["account_id"].astype(str))
    read = read_plans_workbook(path, data_hash=plan_data_hash(dataset), known=known)
    store = context.layout.plans_store
    stored = current_documents(store)
    plans = {a: with_ids(doc) for a, doc in read.plans.items()}
    baselines = baseline_plans(
        dataset.get("account_plans"), dataset.get("contacts"), [a for a in plans if a not in stored]
    )
    changes: list[Change] = []
    for account_id, document in plans.items():
        changes += plan_changes(stored.get(account_id) or baselines.get(account_id), document)
    facts = {"workbook": str(path), "as_of": read.facts.get("as_of", "")}
    version = write_version(store, plans, baselines, facts=facts, now=now)
    counts = {kind: sum(c.change == kind for c in changes) for kind in CHANGES}
    return PlansImported(version=version, accounts=len(plans), changes=counts)


__all__ = [
    "PLAN_TABLES",
    "PlansImported",
    "PlansWritten",
    "current_plans",
    "import_plans",
    "plan_data_hash",
    "scope",
    "write_plans",
]
