"""Finding accounts by id or by part of their name, in English or Chinese."""

from __future__ import annotations

import difflib

import pandas as pd

# Characters people type for one another in ids: O for 0, l or I for 1.
_CONFUSABLE = str.maketrans({"o": "0", "i": "1", "l": "1"})


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


def _similarity(query: str, candidate: str) -> float:
    plain = difflib.SequenceMatcher(None, query, candidate).ratio()
    confused = difflib.SequenceMatcher(
        None, query.translate(_CONFUSABLE), candidate.translate(_CONFUSABLE)
    ).ratio()
    return max(plain, confused)


def closest_accounts(accounts: pd.DataFrame, query: str, n: int = 5) -> list[str]:
    """Up to ``n`` accounts resembling ``query``, best first, as "id (name)" labels.

    Accounts whose id or names contain the query come first; then the most
    similar ids and names, where typing O for 0 or l for 1 counts as a match.
    """
    ids = accounts["account_id"].astype(str).tolist()
    names = accounts["name"].astype(str).tolist()
    english = accounts["name_en"].fillna("").astype(str).tolist() if "name_en" in accounts else []
    label = dict(zip(ids, names, strict=True))
    found = filter_accounts(accounts, query)["account_id"].astype(str).tolist()[:n]
    key = query.casefold()
    scores: dict[str, float] = {}
    for texts in (ids, names, english):
        for text, account_id in zip(texts, ids, strict=False):
            if text:
                score = _similarity(key, text.casefold())
                scores[account_id] = max(score, scores.get(account_id, 0.0))
    ranked = sorted((s, i) for i, s in scores.items() if s >= 0.5)
    ranked.sort(key=lambda pair: (-pair[0], pair[1]))
    for _score, account_id in ranked:
        if len(found) >= n:
            break
        if account_id not in found:
            found.append(account_id)
    return [f"{i} ({label[i]})" for i in found[:n]]
