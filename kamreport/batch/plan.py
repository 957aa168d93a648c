"""What a batch renders: the accounts in scope, each with a content hash, minus the unchanged.

An account's hash covers everything its report is made from: the code version
(package version and the source of kamreport, the notebook, the templates and
the message catalogs), the resolved parameters and as-of date, the account's
own rows in every table, the whole accounts and products tables (duplicate-name
notes and categories look across accounts), and the account's rows of the
portfolio-wide figures (score, rank, tier, lifetime value, risk flags, metrics),
which is how a change elsewhere in the portfolio reaches this report, and the
portfolio's revenue by account and category (whitespace compares with the peers). The hash
is stored in the report's manifest; a re-run skips an account whose hash and
outputs are unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kamreport.layout import read_manifest
from kamreport.provenance import code_version as provenance_code_version
from kamreport.provenance import params_hash
from kamreport.runner import Job

HASH_KEY = "batch_hash"
WHOLE_TABLES = ("accounts", "products")
# Packages that do not shape a customer report once the data is read (the data is hashed).
NOT_REPORT_CODE = ("sources", "sample", "mail", "workbook")


@dataclass(frozen=True)
class Plan:
    jobs: tuple[Job, ...]
    skipped: tuple[str, ...] = field(default_factory=tuple)  # account ids left as they are


def code_version() -> str:
    """A hash of the code that makes a customer report (changes when any of it changes)."""
    return provenance_code_version(NOT_REPORT_CODE)


def _row_hashes(frame: pd.DataFrame) -> np.ndarray:
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def _whole(frame: pd.DataFrame) -> str:
    """An order-independent hash of a table's contents."""
    return hashlib.sha256(np.sort(_row_hashes(frame)).tobytes()).hexdigest()


def _per_account(frame: pd.DataFrame, ids: pd.Series) -> pd.Series:
    """Per account: sum (mod 2^64) and count of its rows' hashes, as text."""
    hashes = pd.Series(_row_hashes(frame), index=frame.index, dtype="uint64")
    grouped = hashes.groupby(ids.to_numpy())
    total = grouped.sum().astype("uint64").astype(str)
    return total + ":" + grouped.size().astype(str)


def _frames(context: Any) -> Iterable[tuple[str, pd.DataFrame]]:
    yield "values", context.valuation.accounts
    yield "flags", context.flags
    yield "metrics", context.metrics


def account_hashes(tables: Mapping[str, pd.DataFrame], context: Any, base: str) -> pd.Series:
    """The content hash of every account's report inputs (index: account_id)."""
    accounts = tables["accounts"]["account_id"].astype(str)
    parts: dict[str, pd.Series] = {}
    shared = [base]
    for name in sorted(tables):
        frame = tables[name]
        if name in WHOLE_TABLES or "account_id" not in frame:
            shared.append(f"{name}={_whole(frame)}")
        else:
            parts[name] = _per_account(frame, frame["account_id"].astype(str))
    for name, frame in _frames(context):
        ids = frame["account_id"] if "account_id" in frame else frame.index.to_series()
        parts[f"ctx.{name}"] = _per_account(frame, ids.astype(str))
    valuation = context.valuation
    shared.append(f"clv={valuation.clv.message}|{valuation.margin_rate_portfolio!r}")
    # what every account's value notes say: the margin basis and the score's criteria
    choice = getattr(valuation, "clv_choice", None)
    basis = (choice.margin_basis, choice.assumed_margin) if choice is not None else None
    shared.append(f"value={basis!r}|{getattr(valuation, 'score_basis', None)!r}")
    by_category = getattr(context, "by_category", None)  # whitespace compares with all peers
    if by_category is not None:
        shared.append(f"by_category={_whole(by_category.reset_index())}")
    head = hashlib.sha256("|".join(shared).encode()).hexdigest()
    out = {}
    for account_id in accounts:
        text = (
            head + "|" + "|".join(f"{k}={s.get(account_id, '-')}" for k, s in sorted(parts.items()))
        )
        out[account_id] = hashlib.sha256(text.encode()).hexdigest()
    return pd.Series(out, dtype=object)


def base_hash(params: Any, as_of: Any) -> str:
    """Code version, resolved parameters and as-of date."""
    text = json.dumps(
        {"code": code_version(), "params": params_hash(params), "as_of": str(as_of)},
        sort_keys=True,
        allow_nan=False,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def is_current(target: Path, content_hash: str) -> bool:
    """True when ``target`` holds a complete report made from ``content_hash``."""
    recorded = read_manifest(target)
    if recorded is None or recorded.get(HASH_KEY) != content_hash:
        return False
    return all((target / name).is_file() for name in recorded.get("outputs", ()))


def in_scope(values: pd.DataFrame, accounts: pd.Series, tier: str | None) -> list[str]:
    """Account ids in data order, only those of ``tier`` when given."""
    ids = [str(a) for a in accounts]
    if not tier:
        return ids
    tiers = values["tier"].astype(str)
    return [a for a in ids if tiers.get(a) == tier]
