"""Finding accounts by id or by part of their name, in English or Chinese."""

from __future__ import annotations

import difflib

import pandas as pd


def _search_text(accounts: pd.DataFrame) -> pd.Series:
    text = accounts["account_id"].astype(str) + " " + accounts["name"].astype(str)
    if "name_en" in accounts:
        text = text + " " + accounts["name_en"].fillna("").astype(str)
    return text.str.casefold()


def filter_accounts(accounts: pd.DataFrame, query: str | None) -> pd.DataFrame:
    """Accounts whose id, name or English name contains ``query`` (case-insensitive)."""
    if not query:
        return accounts
    mask = _search_text(accounts).str.contains(query.casefold(), regex=False)
    return accounts.loc[mask]


def closest_accounts(accounts: pd.DataFrame, query: str, n: int = 5) -> list[str]:
    """Up to ``n`` accounts resembling ``query``, as "id (name)" labels."""
    ids = accounts["account_id"].astype(str).tolist()
    names = accounts["name"].astype(str).tolist()
    english = accounts["name_en"].fillna("").astype(str).tolist() if "name_en" in accounts else []
    label = dict(zip(ids, names, strict=True))
    found: list[str] = []
    for hit in filter_accounts(accounts, query)["account_id"].astype(str).tolist()[:n]:
        found.append(hit)
    candidates = {i.casefold(): i for i in ids}
    candidates.update({n.casefold(): i for n, i in zip(names, ids, strict=True)})
    candidates.update({e.casefold(): i for e, i in zip(english, ids, strict=False) if e})
    for match in difflib.get_close_matches(query.casefold(), list(candidates), n=n, cutoff=0.5):
        if candidates[match] not in found:
            found.append(candidates[match])
    return [f"{i} ({label[i]})" for i in found[:n]]
