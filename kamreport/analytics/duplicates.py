"""Likely duplicate accounts: the same company entered twice under near-same names.

Names are normalised before comparing: Unicode NFKC (full-width to half-width),
case folded, accents removed ("Müller" is "muller", "Ørsted" "orsted", "Straße"
"strasse"), legal-form suffixes removed (股份有限公司, 有限责任公司, 有限公司, 集团,
Co., Ltd., Inc., GmbH, AG, S.A., B.V., 株式会社…; a Latin one only as a word of its
own, so "Zinc" keeps its "inc"), then everything but the letters and digits of any
script dropped (Cyrillic, Greek, kana and Hangul names are compared too).
Two accounts are a likely duplicate when their normalised names (``name``) hold
the same numbers and are at least ``min_similarity`` alike (Indel similarity,
2·LCS / (len a + len b); 1 when identical), or their normalised English names
(``name_en``) are identical. Numbers are compared as numbers, not as characters:
"Customer 12346" and "Customer 12347", or "Store 12" and "Store 21", are
different accounts however alike the rest. English names are not compared by
similarity: romanised names of different companies share most letters
("Shanghai Ruikang" and "Shanghai Runkang"). Accounts of the same group (one the
parent of the other, or sharing a parent) are legitimately alike and not
reported. Only names that share a rare-enough token are compared
(:mod:`kamreport.analytics.name_blocking`), so tens of thousands of accounts take
seconds.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import Indel

from kamreport.analytics.name_blocking import (
    MAX_BLOCK,
    candidate_pairs,
    name_numbers,
    placeholders,
    unique_codes,
)

# Longest first, so 股份有限公司 is removed before 有限公司. A name's trailing full stops and
# commas are stripped before a suffix is looked for, so "S.A." is found as "s.a".
SUFFIXES = (
    "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "股份公司", "集团", "公司",
    "company limited", "co., ltd.", "co., ltd", "co. ltd.", "co ltd", "co.,ltd",
    "corporation", "limited", "ltd.", "ltd", "inc.", "inc", "corp.", "corp", "gmbh",
    "llc", "plc", "co.", "group", "株式会社", "有限会社", "s.p.a", "s.r.l", "s.a.r.l",
    "sarl", "s.a", "a/s", "b.v", "n.v", "pty", "ag", "sa", "bv", "nv", "spa", "srl",
    "company", "co",
)  # fmt: skip
_KEEP = re.compile(r"[\W_]+")
# Latin letters that carry no separable accent in Unicode.
_FOLD = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "ı": "i", "þ": "th", "ð": "d"}
)
_COLUMNS = ["account_a", "account_b", "name_a", "name_b", "similarity", "field"]


_TRAILING = ",.;()（）"


def _without_suffix(text: str) -> str | None:
    """``text`` without its legal-form suffix, or None when it ends in none. A Latin
    suffix counts only after something other than a Latin letter or digit ("zinc"
    keeps its "inc", "unlimited" its "limited")."""
    if not text.endswith(SUFFIXES):
        return None
    for suffix in SUFFIXES:
        if not text.endswith(suffix) or len(text) <= len(suffix):
            continue
        before = text[-len(suffix) - 1]
        if suffix[0].isascii() and before.isascii() and before.isalnum():
            continue
        return text[: -len(suffix)]
    return None


def _without_accents(text: str) -> str:
    """``text`` with the accents of its letters removed (é → e, ø → o); other scripts'
    letters, Hangul syllables included, as they were."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", bare)


def normalise_name(name: object) -> str:
    """The comparable core of a company name ('' for a missing name)."""
    if not isinstance(name, str):
        return ""
    text = _without_accents(unicodedata.normalize("NFKC", name).casefold().strip())
    while True:
        end = len(text)
        while end and (text[end - 1].isspace() or text[end - 1] in _TRAILING):
            end -= 1
        stripped = _without_suffix(text[:end])
        if stripped is None:
            return _KEEP.sub("", text[:end])
        text = stripped


def similarity(a: str, b: str) -> float:
    """Indel similarity of two normalised names, 2·LCS / (len a + len b) (0 when
    either is empty); their numbers are not looked at here."""
    if not a or not b:
        return 0.0
    return float(Indel.normalized_similarity(a, b))


def _codes(values: list) -> np.ndarray:
    """One integer per distinct value, -1 for an empty one (to compare pairs at once)."""
    column = np.empty(len(values), dtype=object)
    column[:] = [v or None for v in values]  # tuples stay whole, not a second dimension
    return pd.factorize(column)[0].astype(np.int64)


def _scores(names: list[str], i: np.ndarray, j: np.ndarray, min_similarity: float) -> np.ndarray:
    """The similarity of each pair of names (i, j) that hold the same numbers and reach
    ``min_similarity``, else 0."""
    numbers = _codes([name_numbers(n) if n else () for n in names])
    scores = np.zeros(len(i))
    lengths = np.fromiter((len(n) for n in names), dtype=np.int64, count=len(names))
    # the similarity cannot exceed 2·min(len) / (len a + len b): skip hopeless pairs
    reachable = 2 * np.minimum(lengths[i], lengths[j]) >= min_similarity * (lengths[i] + lengths[j])
    worth = np.flatnonzero(reachable & (lengths[i] > 0) & (numbers[i] == numbers[j]))
    if len(worth):
        scored = process.cpdist(
            [names[k] for k in i[worth]],
            [names[k] for k in j[worth]],
            scorer=Indel.normalized_similarity,
            score_cutoff=min_similarity,
            dtype=np.float64,
        )
        scores[worth] = np.where(scored >= min_similarity, scored, 0.0)
    return scores


def _same_group(rows: pd.DataFrame, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Whether each pair (i, j) of ``rows`` is one group: parent and subsidiary, or
    two subsidiaries of one parent."""
    ids = rows["account_id"].to_numpy(dtype=object)
    if "parent_id" not in rows:
        return np.zeros(len(i), dtype=bool)
    parents = np.array([p if isinstance(p, str) else None for p in rows["parent_id"]], dtype=object)
    has_parent = np.array([p is not None for p in parents], dtype=bool)
    pa, pb = parents[i], parents[j]
    return (pa == ids[j]) | (pb == ids[i]) | (has_parent[i] & (pa == pb))


def _column(rows: pd.DataFrame, field: str) -> np.ndarray:
    """A column of ``rows`` as objects, all None when the table has no such column."""
    if field in rows:
        return rows[field].to_numpy(dtype=object)
    return np.full(len(rows), None, dtype=object)


def _english_pairs(english: list[str], max_block: int) -> np.ndarray:
    """Index pairs (i < j) of identical non-empty English names, placeholders aside."""
    skipped = placeholders(english, max_block)
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(english):
        if key and key not in skipped:
            groups.setdefault(key, []).append(i)
    pairs = [(a, b) for m in groups.values() for x, a in enumerate(m) for b in m[x + 1 :]]
    return np.asarray(pairs, dtype=np.int64).reshape(-1, 2)


def likely_duplicates(
    accounts: pd.DataFrame, min_similarity: float = 0.9, max_block: int = MAX_BLOCK
) -> pd.DataFrame:
    """Pairs of accounts that are probably the same company.

    Columns: account_a, account_b (a < b), name_a, name_b, similarity (1 for
    identical normalised names), field ("name" or "name_en": what matched).
    Sorted by similarity, highest first. ``max_block``: see
    :func:`kamreport.analytics.name_blocking.candidate_pairs`.
    """
    rows = accounts.sort_values("account_id", kind="stable").reset_index(drop=True)
    names, english = ([normalise_name(v) for v in _column(rows, f)] for f in ("name", "name_en"))
    pairs = np.vstack([candidate_pairs(names, max_block), _english_pairs(english, max_block)])
    coded = unique_codes((pairs[:, 0] << 32) | pairs[:, 1])
    i, j = coded >> 32, coded & 0xFFFFFFFF
    scores = _scores(names, i, j, min_similarity)
    english_code = _codes(english)
    same_english = (english_code[i] >= 0) & (english_code[i] == english_code[j])
    by_name = scores >= min_similarity
    field = np.where(by_name & (scores == 1.0), "name", np.where(same_english, "name_en", "name"))
    similarity_of = np.where(same_english & (scores < 1.0), 1.0, scores)
    keep = (by_name | same_english) & ~_same_group(rows, i, j)
    i, j = i[keep], j[keep]
    ids, shown = rows["account_id"].to_numpy(dtype=object), _column(rows, "name")
    out = pd.DataFrame(
        {
            "account_a": ids[i],
            "account_b": ids[j],
            "name_a": shown[i],
            "name_b": shown[j],
            "similarity": similarity_of[keep],
            "field": field[keep],
        },
        columns=_COLUMNS,
    )
    return out.sort_values(["similarity", "account_a"], ascending=[False, True], kind="stable")


def duplicates_of(
    accounts: pd.DataFrame, account_id: str, min_similarity: float = 0.9
) -> pd.DataFrame:
    """The rows of :func:`likely_duplicates` that involve ``account_id``, found by
    comparing that one account with every other (linear, for a single review)."""
    own = accounts.loc[accounts["account_id"] == account_id]
    if own.empty:
        return likely_duplicates(accounts.iloc[0:0], min_similarity)
    me = own.iloc[0]
    name, english = normalise_name(me.get("name")), normalise_name(me.get("name_en"))
    others = accounts.loc[accounts["account_id"] != account_id]
    names = [name, *(normalise_name(n) for n in _column(others, "name"))]
    rest = np.arange(1, len(names))
    by_name = _scores(names, np.zeros_like(rest), rest, min_similarity) >= min_similarity
    same_english = [
        english != "" and english == normalise_name(e) for e in _column(others, "name_en")
    ]
    alike = by_name | np.asarray(same_english, dtype=bool)
    found = likely_duplicates(pd.concat([own.iloc[:1], others.loc[alike]]), min_similarity)
    return found.loc[(found["account_a"] == account_id) | (found["account_b"] == account_id)]


__all__ = ["duplicates_of", "likely_duplicates", "normalise_name", "similarity"]
