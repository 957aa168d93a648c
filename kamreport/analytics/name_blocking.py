"""Candidate pairs for fuzzy name matching, without comparing every name with every other.

Two normalised names (see :func:`kamreport.analytics.duplicates.normalise_name`) are a
candidate pair only when

- they hold the same numbers (names that differ in their numbers are different
  accounts, so "customer12346" is never compared with "customer12347"), and
- they are identical, or they share a rare-enough token: a character bigram of a run
  of CJK characters (kana and Hangul too), or a character trigram of a run of other
  letters (Latin, Cyrillic, Greek…), taken from the name with its digits removed.
  Chinese names have no spaces, and the others lose theirs when normalised, so
  grams, not words, are the tokens: a typo or a moved space destroys only the few
  grams around it. A token held by more than
  ``max_block`` names of the same numbers does not discriminate (a place name, an
  industry word, "customer") and makes no pairs; the grams spanning a place and a
  trade name ("坊瑞" in 潍坊瑞丰饲料) are rare and do.

A name held by more than ``max_block`` accounts ("N/A", "Unknown", "现金客户") is a
placeholder, not a company: it is paired with nothing. So every pair comes from a
block of at most ``max_block`` names, and the number of comparisons grows linearly
with the number of names, not with its square.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

MAX_BLOCK = 100  # a token in more names than this does not discriminate
_DIGITS = re.compile(r"[0-9]+")
# Scripts written without spaces (CJK characters, kana, Hangul) and the others.
_CJK = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
_RUNS = re.compile(rf"[{_CJK}]+|[^\W\d_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def name_numbers(key: str) -> tuple[int, ...]:
    """The numbers in a normalised name, in order, compared as numbers ("007" is 7)."""
    return tuple(int(run) for run in _DIGITS.findall(key))


def blocking_tokens(key: str) -> set[str]:
    """Bigrams of runs of CJK characters (kana and Hangul too) and trigrams of runs of
    other letters (Latin, Cyrillic, Greek…) of a normalised name's text (digits
    removed); a run shorter than its gram is a token itself."""
    tokens: set[str] = set()
    for run in _RUNS.findall(_DIGITS.sub("", key)):
        size = 2 if _IS_CJK.match(run) else 3
        if len(run) <= size:
            tokens.add(run)
        else:
            tokens.update(run[k : k + size] for k in range(len(run) - size + 1))
    return tokens


def _pairs_of(members: list[int]) -> np.ndarray:
    """Every pair i < j of a block's members (ascending), each coded as one int64 (i << 32 | j)."""
    ids = np.asarray(members, dtype=np.int64)
    a, b = np.triu_indices(len(ids), k=1)
    return (ids[a] << 32) | ids[b]


def unique_codes(codes: np.ndarray) -> np.ndarray:
    """The distinct values of an int64 array, ascending (by sorting: faster than
    ``np.unique``'s hashing for millions of pair codes)."""
    codes = np.sort(codes)
    return codes[np.concatenate(([True], codes[1:] != codes[:-1]))] if len(codes) else codes


def placeholders(keys: Sequence[str], max_block: int = MAX_BLOCK) -> set[str]:
    """The non-empty names held by more than ``max_block`` of ``keys``: placeholders
    such as "N/A" or "Unknown", not companies entered twice."""
    return {key for key, n in Counter(keys).items() if key and n > max_block}


def candidate_pairs(keys: Sequence[str], max_block: int = MAX_BLOCK) -> np.ndarray:
    """Index pairs (i < j) of the names worth scoring, as an (m, 2) array sorted by i, j.

    Empty names and placeholders (:func:`placeholders`) are never paired. See the
    module docstring for the rule.
    """
    numbers = [name_numbers(key) for key in keys]
    holding = Counter(n for n, key in zip(numbers, keys, strict=True) if key)
    skipped = placeholders(keys, max_block)
    exact: dict[str, list[int]] = {}
    blocks: dict[tuple[tuple[int, ...], str], list[int]] = {}
    for i, key in enumerate(keys):
        if not key or holding[numbers[i]] < 2 or key in skipped:
            continue  # no other name holds its numbers ("Customer 12346"): nothing to compare
        exact.setdefault(key, []).append(i)
        for token in blocking_tokens(key):
            blocks.setdefault((numbers[i], token), []).append(i)
    coded = [_pairs_of(m) for m in exact.values() if len(m) > 1]
    coded += [_pairs_of(m) for m in blocks.values() if 1 < len(m) <= max_block]
    if not coded:
        return np.empty((0, 2), dtype=np.int64)
    unique = unique_codes(np.concatenate(coded))
    return np.column_stack([unique >> 32, unique & 0xFFFFFFFF])


__all__ = [
    "MAX_BLOCK",
    "blocking_tokens",
    "candidate_pairs",
    "name_numbers",
    "placeholders",
    "unique_codes",
]
