"""Likely duplicate accounts: the same company entered twice under near-same names.

Names are normalised before comparing: Unicode NFKC (full-width to half-width),
lower case, legal-form suffixes removed (股份有限公司, 有限责任公司, 有限公司,
集团, Co., Ltd., Inc., GmbH…), then everything but letters, digits and CJK
characters dropped. Two accounts are a likely duplicate when their normalised
names (``name``) are at least ``min_similarity`` alike (difflib ratio; 1 when
identical) or their normalised English names (``name_en``) are identical.
English names are not compared by similarity: romanised names of different
companies share most letters ("Shanghai Ruikang" and "Shanghai Runkang").
Accounts of the same group (one the parent of the other, or sharing a parent)
are legitimately alike and not reported. Only names that can reach the
similarity threshold are compared (see ``_candidate_pairs``).
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

import pandas as pd

# Longest first, so 股份有限公司 is removed before 有限公司.
SUFFIXES = (
    "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "股份公司", "集团", "公司",
    "company limited", "co., ltd.", "co., ltd", "co. ltd.", "co ltd", "co.,ltd",
    "corporation", "limited", "ltd.", "ltd", "inc.", "inc", "corp.", "corp", "gmbh",
    "llc", "plc", "co.", "group",
)  # fmt: skip
_KEEP = re.compile(r"[^0-9a-z\u3400-\u9fff]+")


def normalise_name(name: object) -> str:
    """The comparable core of a company name ('' for a missing name)."""
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFKC", name).lower().strip()
    changed = True
    while changed:
        changed = False
        text = re.sub(r"[\s,.;()（）]+$", "", text)
        for suffix in SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                changed = True
                break
    return _KEEP.sub("", text)


def similarity(a: str, b: str) -> float:
    """difflib ratio of two normalised names (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _same_group(a: pd.Series, b: pd.Series) -> bool:
    pa, pb = a.get("parent_id"), b.get("parent_id")
    pa = pa if isinstance(pa, str) else None
    pb = pb if isinstance(pb, str) else None
    return pa == b["account_id"] or pb == a["account_id"] or (pa is not None and pa == pb)


def _candidate_pairs(names: list[str], english: list[str]) -> list[tuple[int, int]]:
    """Index pairs worth comparing, so tens of thousands of accounts are not all
    compared with each other: names with the same first four characters, or the
    same first two and last two at the same length (the legal form is already
    stripped, so a variant of one company's name keeps its head or its ends);
    English names must be identical anyway."""
    blocks: dict[tuple[object, ...], list[int]] = {}
    for i, name in enumerate(names):
        if name:
            for key in (("ends", name[:2], name[-2:], len(name)), ("head", name[:4])):
                blocks.setdefault(key, []).append(i)
    for i, name in enumerate(english):
        if name:
            blocks.setdefault(("name_en", name), []).append(i)
    pairs = set()
    for members in blocks.values():
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                pairs.add((members[a], members[b]))
    return sorted(pairs)


def likely_duplicates(accounts: pd.DataFrame, min_similarity: float = 0.9) -> pd.DataFrame:
    """Pairs of accounts that are probably the same company.

    Columns: account_a, account_b (a < b), name_a, name_b, similarity (1 for
    identical normalised names), field ("name" or "name_en": what matched).
    Sorted by similarity, highest first.
    """
    rows = accounts.sort_values("account_id", kind="stable").reset_index(drop=True)
    keys = {
        field: [normalise_name(v) for v in rows[field]] if field in rows else [""] * len(rows)
        for field in ("name", "name_en")
    }
    found = []
    for i, j in _candidate_pairs(keys["name"], keys["name_en"]):
        best, where = 0.0, ""
        for field, values in keys.items():
            a, b = values[i], values[j]
            if not a or not b or (field == "name_en" and a != b):
                continue
            # cheap upper bound first: the ratio cannot exceed this
            bound = 2 * min(len(a), len(b)) / (len(a) + len(b))
            if bound < min_similarity or best == 1.0:
                continue
            if field == "name_en":
                score = 1.0 if a == b else 0.0
            else:
                score = 1.0 if a == b else similarity(a, b)
            if score > best:
                best, where = score, field
        if best >= min_similarity and not _same_group(rows.iloc[i], rows.iloc[j]):
            found.append(
                {
                    "account_a": rows.at[i, "account_id"],
                    "account_b": rows.at[j, "account_id"],
                    "name_a": rows.at[i, "name"],
                    "name_b": rows.at[j, "name"],
                    "similarity": best,
                    "field": where,
                }
            )
    columns = ["account_a", "account_b", "name_a", "name_b", "similarity", "field"]
    out = pd.DataFrame(found, columns=columns)
    return out.sort_values(["similarity", "account_a"], ascending=[False, True], kind="stable")


def duplicates_of(
    accounts: pd.DataFrame, account_id: str, min_similarity: float = 0.9
) -> pd.DataFrame:
    """The rows of :func:`likely_duplicates` that involve ``account_id``, found by
    comparing that one account with the others (linear, for a single review)."""
    own = accounts.loc[accounts["account_id"] == account_id]
    if own.empty:
        return likely_duplicates(accounts.iloc[0:0], min_similarity)
    me = own.iloc[0]
    keys = {f: normalise_name(me.get(f)) for f in ("name", "name_en")}
    candidates = []
    for _, other in accounts.loc[accounts["account_id"] != account_id].iterrows():
        name_score = similarity(keys["name"], normalise_name(other["name"]))
        english = normalise_name(other.get("name_en"))
        if name_score >= min_similarity or (keys["name_en"] and keys["name_en"] == english):
            candidates.append(other)
    if not candidates:
        return likely_duplicates(accounts.iloc[0:0], min_similarity)
    return likely_duplicates(pd.DataFrame([me, *candidates]), min_similarity)


__all__ = ["duplicates_of", "likely_duplicates", "normalise_name", "similarity"]
