"""Many distinct account names, and the same companies written differently, for
testing and timing duplicate detection at the size of a real export.

Built from the sample's name pools (``names.py``): Chinese names are a place (a
province or a city), a trade name of two characters taken from two different
trade names of the pool (瑞 of 瑞丰 and 康 of 康源 → 瑞康, some 4,500 of them), an
industry word and a legal form, with the English name in pinyin; Latin names are
a brand (an export stem, or a trade name's pinyin), a trade word and the
country's legal form; templated names are "Customer 12346", "Customer 12347", …
as a system without names exports them. A planted duplicate is a second account
holding one of these names written differently: another legal form, other case,
full-width letters, spaces, punctuation, leading zeros or a mistyped character.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.duplicates import normalise_name
from kamreport.sample import names as nm

SHARES = {"chinese": 0.7, "latin": 0.1, "templated": 0.2}
FIRST_TEMPLATED = 12346
_SYLLABLES = re.compile(r"(.+?[aeiouvnrg])((?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])[aeiouv].*)")
_LEGAL_ZH = ("有限公司", "股份有限公司", "有限责任公司")
_LATIN_WORDS = (
    "Agro", "Nutrition", "Trading", "Industries", "Holdings", "Partners", "Bio", "Farms",
    "Mills", "Labs", "Supply", "Health", "Sciences", "Organics", "Naturals", "Chemicals",
)  # fmt: skip
_LATIN_FORMS = {
    "Vietnam": "JSC", "Thailand": "Co., Ltd.", "India": "Pvt. Ltd.", "Germany": "GmbH",
    "Brazil": "Ltda.",
}  # fmt: skip
_LEGAL_EN = ("Co., Ltd.", "Co Ltd", "Company Limited", "Ltd.", "Limited")


def _syllables(pinyin: str) -> tuple[str, str]:
    """The two syllables of a two-character trade name's pinyin ("Ruifeng" → Rui, feng)."""
    match = _SYLLABLES.fullmatch(pinyin.lower())
    if match is None:
        raise ValueError(f"not two pinyin syllables: {pinyin}")
    return match.group(1).capitalize(), match.group(2)


def _trade_names() -> list[tuple[str, str]]:
    """Two-character trade names mixed from the pool: first of one, second of another."""
    stems = [(zh, _syllables(en)) for zh, en in nm.STEMS if len(zh) == 2]
    return [
        (a[0] + b[1], ea[0] + eb[1])
        for x, (a, ea) in enumerate(stems)
        for y, (b, eb) in enumerate(stems)
        if x != y
    ]


def _places() -> list[tuple[str, str]]:
    """Provinces (short names) and cities, in Chinese and pinyin."""
    places = [(short, pinyin) for short, pinyin, *_ in nm.PROVINCES]
    return places + [city for *_, cities in nm.PROVINCES for city in cities]


def _chinese(py: random.Random, trade: list, places: list) -> tuple[str, str]:
    place, place_en = py.choice(places)
    stem, stem_en = py.choice(trade)
    industry = py.choice(nm.INDUSTRIES)
    word, word_en = py.choice(nm.INDUSTRY_WORDS[industry])
    form, form_en = py.choice(nm.LEGAL_FORMS)
    return f"{place}{stem}{word}{form}", f"{place_en} {stem_en} {word_en} {form_en}"


def _latin(py: random.Random, trade: list) -> tuple[str, str]:
    country, *_ = py.choice(nm.EXPORT_COUNTRIES)
    brand = py.choice(nm.EXPORT_STEMS[country]) if py.random() < 0.2 else py.choice(trade)[1]
    name = f"{brand} {py.choice(_LATIN_WORDS)} {_LATIN_FORMS[country]}"
    return name, name


def company_names(n: int, seed: int = 0) -> list[tuple[str, str | None]]:
    """``n`` (name, English name) pairs, no two alike once normalised, in the mix of
    :data:`SHARES`; templated names have no English name."""
    py = random.Random(seed)
    trade, places = _trade_names(), _places()
    templated = round(n * SHARES["templated"])
    out: list[tuple[str, str | None]] = [
        (f"Customer {FIRST_TEMPLATED + k}", None) for k in range(templated)
    ]
    used = {normalise_name(name) for name, _ in out}
    latin_share = SHARES["latin"] / (SHARES["latin"] + SHARES["chinese"])
    while len(out) < n:
        name, english = (
            _latin(py, trade) if py.random() < latin_share else _chinese(py, trade, places)
        )
        key = normalise_name(name)
        if key not in used:
            used.add(key)
            out.append((name, english))
    py.shuffle(out)
    return out


def _full_width(text: str) -> str:
    """ASCII letters and digits as their full-width forms (Ａ for A)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def _typo(core: str, py: random.Random) -> str:
    """``core`` with one character after its first two replaced by another."""
    at = py.randrange(2, len(core))
    other = py.choice([c for zh, _ in nm.STEMS for c in zh if c != core[at]])
    return core[:at] + other + core[at + 1 :]


def written_differently(name: str, py: random.Random) -> str:
    """The same company's name as another person might enter it: another legal form,
    spaces, case, full-width letters, punctuation, leading zeros, or (in a Chinese
    name of ten or more characters without its legal form) one character mistyped."""
    for form in sorted(_LEGAL_ZH, key=len, reverse=True):
        if name.endswith(form):
            core = name[: -len(form)]
            other = py.choice([f for f in _LEGAL_ZH if f != form])
            ways = [core + other, f"{core} {form}", f"{core}（集团）{form}"]
            if len(core) >= 10:
                ways.append(_typo(core, py) + form)
            return py.choice(ways)
    number = re.search(r"\d+$", name)
    if number:
        head, digits = name[: number.start()], number.group()
        return py.choice(
            [f"{head.upper()}{digits}", f"{head}0{digits}", f"{head.strip()}-{digits}"]
        )
    for form in sorted(_LEGAL_EN, key=len, reverse=True):
        if name.endswith(form):
            core = name[: -len(form)].rstrip()
            other = py.choice([f for f in _LEGAL_EN if f != form])
            return py.choice([f"{core.upper()} {other}", f"{core}, {other}", _full_width(name)])
    return _full_width(name.upper())


@dataclass(frozen=True)
class PlantedAccounts:
    """Accounts (account_id, name, name_en, parent_id) and the planted duplicate pairs
    among them, as (account_a, account_b) with a < b."""

    accounts: pd.DataFrame
    planted: frozenset[tuple[str, str]]


def accounts_with_duplicates(n: int, planted: int, seed: int = 0) -> PlantedAccounts:
    """``n`` accounts of :func:`company_names` plus ``planted`` more, each a duplicate
    of one of them written differently."""
    py = random.Random(seed + 1)
    base = company_names(n, seed)
    ids = [f"A{k:06d}" for k in range(n + planted)]
    rows = [(ids[k], name, english, None) for k, (name, english) in enumerate(base)]
    pairs = set()
    for k, original in enumerate(py.sample(range(n), planted)):
        name, english = base[original]
        variant = written_differently(name, py)
        # a Latin name is its own English name; a Chinese one's copy has none
        rows.append((ids[n + k], variant, variant if english == name else None, None))
        pairs.add((ids[original], ids[n + k]))
    frame = pd.DataFrame(rows, columns=["account_id", "name", "name_en", "parent_id"])
    return PlantedAccounts(frame, frozenset(pairs))


__all__ = [
    "PlantedAccounts",
    "accounts_with_duplicates",
    "company_names",
    "written_differently",
]
