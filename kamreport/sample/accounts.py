"""Account master data of the sample: who the customers are, how big, who looks after them.

Ids are handed out in order of ``customer_since`` (KA0001 is the oldest
customer), except that the accounts of ``stories.py`` keep their fixed ids.
Account sizes follow a lognormal distribution drawn on fixed quantiles (so
every seed has the same Pareto shape: the top 20% of accounts make about 80%
of revenue); older customers tend to be the bigger ones.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from kamreport.sample import names as nm
from kamreport.sample import stories as st
from kamreport.sample.timeline import Timeline

MEDIAN_REVENUE = 800_000.0  # CNY a year, median account at full activity
SIZE_SIGMA = 1.6  # lognormal spread of account sizes
SIZE_BANDS = ("small", "medium", "large", "enterprise")
_BAND_CUTS = (0.38, 0.72, 0.92)  # size percentiles (of customer size) between bands
_GROUP_SIZE_QUANTILE = {"KA0002": 0.04, "KA0017": 0.07, "KA0045": 0.10}
_FIXED_SIZE_QUANTILE = {
    **st.STORY_SIZE_QUANTILE,
    **_GROUP_SIZE_QUANTILE,
    st.ESCAPING_ACCOUNT: 0.85,
    st.DUPLICATE_PAIR[0]: 0.12,
    st.DUPLICATE_PAIR[1]: 0.90,
}
_STORY_SHARE = {"healthy": 0.55, "growing": 0.35, "churning": 0.50, "falling_wallet_share": 0.62}
LOST_SHARE = 0.035  # share of accounts that stop ordering in the year before the as-of year


@dataclass(frozen=True)
class Accounts:
    """Per-account attributes (numpy arrays indexed like ``ids``) and the accounts table."""

    ids: np.ndarray
    story: np.ndarray  # story name or ""
    revenue: np.ndarray  # base yearly revenue (CNY) at activity multiplier 1
    share: np.ndarray  # base share of wallet
    band: np.ndarray  # index into SIZE_BANDS
    industry: np.ndarray  # index into names.INDUSTRIES
    export: np.ndarray
    manager: np.ndarray
    since: np.ndarray  # day index of customer_since (negative before the sample)
    active_from: np.ndarray  # first day index the account can order
    active_to: np.ndarray  # last day index the account can order
    lost: np.ndarray
    growth: np.ndarray  # yearly trend of order activity
    terms: np.ndarray  # payment terms in days
    pay_delay: np.ndarray  # mean days paid after due
    pay_spread: np.ndarray  # spread of the days paid after due
    discount: np.ndarray  # base discount off list price
    frame: pd.DataFrame

    @property
    def n(self) -> int:
        return len(self.ids)


def account_index(account_id: str) -> int:
    """Row of a fixed account id such as ``KA0019``."""
    return int(account_id[2:]) - 1


def _fixed_indices() -> dict[str, int]:
    fixed = [*st.STORY_PROFILES, *st.GROUPS, st.ESCAPING_ACCOUNT, *st.DUPLICATE_PAIR]
    fixed += [s for subs in st.GROUPS.values() for s in subs]
    return {a: account_index(a) for a in fixed}


def _since_days(rng: np.random.Generator, n: int, tl: Timeline) -> np.ndarray:
    """Sorted customer_since day indices: mostly long-standing, some new customers."""
    lower = tl.day(dt.date(tl.end.year - 21, 1, 1))
    recent = tl.day(dt.date(tl.end.year - 1, 1, 1))
    kind = rng.choice(3, size=n, p=(0.78, 0.13, 0.09))
    days = np.where(
        kind == 0,
        rng.integers(lower, 0, size=n),
        np.where(
            kind == 1, rng.integers(0, recent, size=n), rng.integers(recent, tl.n_days - 60, size=n)
        ),
    )
    return np.sort(days)


def _sizes(rng: np.random.Generator, n: int, age: np.ndarray, fixed: dict[str, int]) -> np.ndarray:
    """Base revenue per account: fixed lognormal quantiles, fixed accounts at fixed ranks."""
    dist = NormalDist()
    z = np.array([dist.inv_cdf((i + 0.5) / n) for i in range(n)])[::-1]
    values = np.sort(MEDIAN_REVENUE * np.exp(SIZE_SIGMA * z + rng.normal(0, 0.08, n)))[::-1]
    revenue = np.zeros(n)
    taken = np.zeros(n, dtype=bool)
    for account_id in sorted(_FIXED_SIZE_QUANTILE, key=_FIXED_SIZE_QUANTILE.get):
        rank = min(int(_FIXED_SIZE_QUANTILE[account_id] * n), n - 1)
        while taken[rank]:
            rank = (rank + 1) % n
        taken[rank] = True
        revenue[fixed[account_id]] = values[rank]
    ranked = [fixed[a] for a in _FIXED_SIZE_QUANTILE]
    others = np.setdiff1d(np.arange(n), np.array(ranked))
    key = rng.normal(0, 1, len(others)) + 0.08 * age[others]
    revenue[others[np.argsort(-key)]] = values[~taken]
    return revenue


def build_accounts(rng: np.random.Generator, n: int, tl: Timeline) -> Accounts:
    """Draw every account attribute and build the accounts table."""
    fixed = _fixed_indices()
    since = _since_days(rng, n, tl)
    established = since > -365
    for account_id, i in sorted(fixed.items()):
        if account_id != st.DUPLICATE_PAIR[1] and established[i]:
            since[i] = rng.integers(tl.day(dt.date(tl.end.year - 21, 1, 1)), -400)
    dup = fixed[st.DUPLICATE_PAIR[1]]
    since[dup] = tl.day(dt.date(tl.end.year - 1, 3, 1)) + rng.integers(0, 120)
    revenue = _sizes(rng, n, -since / 365.25, fixed)

    story = np.full(n, "", dtype=object)
    for name, ids in st.PLANTED.items():
        for account_id in ids:
            story[fixed[account_id]] = name
    is_fixed = np.zeros(n, dtype=bool)
    is_fixed[list(fixed.values())] = True

    # Where they are and what they do.
    region = rng.choice(nm.REGIONS, size=n, p=nm.REGION_WEIGHTS).astype(object)
    industry = rng.choice(len(nm.INDUSTRIES), size=n, p=nm.INDUSTRY_WEIGHTS)
    country = np.full(n, "China", dtype=object)
    abroad = np.flatnonzero(region == nm.EXPORT_REGION)
    pick = rng.choice(len(nm.EXPORT_COUNTRIES), size=len(abroad), p=nm.EXPORT_COUNTRY_WEIGHTS)
    for i, c in zip(abroad, pick, strict=True):
        country[i] = nm.EXPORT_COUNTRIES[c][0]
        industry[i] = rng.choice(4, p=nm.EXPORT_COUNTRIES[c][1])
    for account_id, (ind, reg, ctry) in st.STORY_PROFILES.items():
        i = fixed[account_id]
        industry[i], region[i], country[i] = nm.INDUSTRIES.index(ind), reg, ctry
    domestic_regions = [r for r in nm.REGIONS if r != nm.EXPORT_REGION]
    for parent, subs in st.GROUPS.items():
        for account_id in (parent, *subs):
            i = fixed[account_id]
            industry[i] = industry[fixed[parent]]
            region[i], country[i] = rng.choice(domestic_regions), "China"
    for account_id in st.DUPLICATE_PAIR:
        i = fixed[account_id]
        industry[i], region[i], country[i] = 1, "华东", "China"
    i = fixed[st.ESCAPING_ACCOUNT]
    industry[i], region[i], country[i] = 2, "华东", "China"
    export = region == nm.EXPORT_REGION

    # Share of wallet, customer size and size band.
    share = np.clip(rng.beta(3, 3.5, n), 0.08, 0.9)
    for i in np.flatnonzero(story != ""):
        share[i] = _STORY_SHARE.get(story[i], 0.45)
    size_rank = np.argsort(np.argsort(revenue / share)) / max(n - 1, 1)
    band = np.searchsorted(_BAND_CUTS, size_rank)
    band[fixed[st.ESCAPING_ACCOUNT]] = 0
    band[dup] = band[fixed[st.DUPLICATE_PAIR[0]]]
    influence = np.clip(np.round(1 + 4 * size_rank**0.7 + rng.normal(0, 0.6, n)), 1, 5)

    # Key account managers: by region; a group and its subsidiaries share one.
    manager = np.array([rng.choice(nm.MANAGERS_BY_REGION[r]) for r in region], dtype=object)
    for parent, subs in st.GROUPS.items():
        for account_id in subs:
            manager[fixed[account_id]] = manager[fixed[parent]]
    original = manager[fixed[st.DUPLICATE_PAIR[0]]]
    manager[dup] = next(m for m in nm.MANAGERS_BY_REGION["华东"] if m != original)

    # Active window: from shortly after customer_since; a few accounts lost last year.
    active_from = np.maximum(0, since + rng.integers(3, 30, n))
    active_to = np.full(n, tl.n_days - 1)
    candidates = np.flatnonzero(~is_fixed & (since < 0))
    lost_idx = rng.choice(
        candidates, size=min(len(candidates), round(LOST_SHARE * n)), replace=False
    )
    lost = np.zeros(n, dtype=bool)
    lost[lost_idx] = True
    last_year = tl.day(dt.date(tl.end.year - 1, 1, 1))
    active_to[lost_idx] = last_year + rng.integers(0, 330, len(lost_idx))

    # Trade terms and payment behaviour.
    growth = np.clip(rng.normal(0.05, 0.09, n), -0.25, 0.35)
    term_p = np.array([[0.6, 0.4, 0.0], [0.4, 0.5, 0.1], [0.2, 0.6, 0.2], [0.1, 0.5, 0.4]])
    terms = np.array([30, 60, 90])[
        (rng.random(n)[:, None] > np.cumsum(term_p[band], axis=1)).sum(axis=1)
    ]
    habit = rng.choice(3, size=n, p=(0.65, 0.25, 0.10))
    pay_delay = np.choose(habit, [rng.normal(1, 3, n), rng.normal(10, 5, n), rng.normal(28, 10, n)])
    pay_spread = 3 + np.abs(rng.normal(0, 3, n))
    discount = np.clip(
        0.03 + 0.10 * (1 - np.argsort(np.argsort(-revenue)) / n) ** 1.3 + rng.normal(0, 0.012, n),
        0.02,
        0.15,
    )
    is_story = story != ""
    terms[is_story] = 60
    pay_delay[is_story], pay_spread[is_story] = -2.5, 1.5
    discount[is_story] = rng.uniform(0.06, 0.09, is_story.sum())

    ids = np.array([f"KA{i:04d}" for i in range(1, n + 1)], dtype=object)  # KA9999, KA10000
    names_zh, names_en, addresses = _names(rng, region, country, industry, fixed)
    parent_id = np.full(n, None, dtype=object)
    for parent, subs in st.GROUPS.items():
        for account_id in subs:
            parent_id[fixed[account_id]] = parent
    frame = pd.DataFrame(
        {
            "account_id": pd.array(ids, dtype="str"),
            "name": pd.array(names_zh, dtype="str"),
            "name_en": pd.array(names_en, dtype="str"),
            "parent_id": pd.array(parent_id, dtype="str"),
            "industry": pd.array(np.array(nm.INDUSTRIES, dtype=object)[industry], dtype="str"),
            "region": pd.array(region, dtype="str"),
            "country": pd.array(country, dtype="str"),
            "size_band": pd.array(np.array(SIZE_BANDS, dtype=object)[band], dtype="str"),
            "ka_manager": pd.array(manager, dtype="str"),
            "customer_since": tl.dates(since),
            "influence": influence.astype(float),
            "address": pd.array(addresses, dtype="str"),
        }
    )
    return Accounts(
        ids,
        story,
        revenue,
        share,
        band,
        industry,
        export,
        manager,
        since,
        active_from,
        active_to,
        lost,
        growth,
        terms,
        pay_delay,
        pay_spread,
        discount,
        frame,
    )


def _names(
    rng: np.random.Generator,
    region: np.ndarray,
    country: np.ndarray,
    industry: np.ndarray,
    fixed: dict[str, int],
) -> tuple[list[str], list[str], list[str]]:
    """Chinese and English names and addresses, unique per account.

    A trade name is used at most once per province while there are free ones;
    only very large samples fall back to reusing them with another place or
    industry word.
    """
    py = random.Random(int(rng.integers(2**62)))  # cheap scalar draws, seeded from rng
    n = len(region)
    names_zh, names_en, addresses = [""] * n, [""] * n, [""] * n
    provinces_of = {r: [i for i, p in enumerate(nm.PROVINCES) if p[3] == r] for r in nm.REGIONS}
    stems = list(range(len(nm.STEMS)))
    group_stems = py.sample(stems, len(st.GROUPS))
    free = [s for s in stems if s not in group_stems]
    unused = {p: py.sample(free, len(free)) for p in range(len(nm.PROVINCES))}
    group_of = {fixed[p]: (g, True) for g, p in enumerate(st.GROUPS)}
    group_of |= {fixed[s]: (g, False) for g, subs in enumerate(st.GROUPS.values()) for s in subs}
    used: set[str] = set()
    for i in range(n):
        if country[i] != "China":
            zh, en, address = _export_name(py, country[i], industry[i], used)
        else:
            prov = py.choice(provinces_of[region[i]])
            _, _, _, _, cities = nm.PROVINCES[prov]
            city = py.choice(cities) if cities and py.random() < 0.6 else None
            if i in group_of:
                g, is_parent = group_of[i]
                stem = group_stems[g]
            else:
                is_parent = False
                stem = unused[prov].pop() if unused[prov] else py.choice(free)
            zh, en = _domestic_name(py, prov, city, stem, industry[i], is_parent, used)
            address = _domestic_address(py, prov, city)
        used.add(zh)
        names_zh[i], names_en[i], addresses[i] = zh, en, address
    i = fixed[st.ESCAPING_ACCOUNT]
    names_zh[i], names_en[i] = st.ESCAPING_NAMES
    addresses[i] = "上海市漕河泾开发区宜山路 88 号 5 楼"
    first, second = (fixed[a] for a in st.DUPLICATE_PAIR)
    (names_zh[first], names_en[first]), (names_zh[second], names_en[second]) = st.DUPLICATE_NAMES
    addresses[first] = "山东省济宁市高新技术产业开发区科技路 16 号"
    addresses[second] = "山东省济宁市高新区科技路16号"
    return names_zh, names_en, addresses


def _domestic_name(
    py: random.Random,
    prov: int,
    city: tuple[str, str] | None,
    stem: int,
    industry: int,
    group: bool,
    used: set[str],
) -> tuple[str, str]:
    short, pinyin, _, _, _ = nm.PROVINCES[prov]
    place, place_en = city or (short, pinyin)
    stem_zh, stem_en = nm.STEMS[stem]
    if group:
        return f"{short}{stem_zh}集团股份有限公司", f"{pinyin} {stem_en} Group Co., Ltd."
    words = nm.INDUSTRY_WORDS[nm.INDUSTRIES[industry]]
    zh = en = ""
    for word_zh, word_en in py.sample(words, len(words)):
        form_zh, form_en = nm.LEGAL_FORMS[py.random() < nm.LEGAL_FORM_WEIGHTS[1]]
        zh = f"{place}{stem_zh}{word_zh}{form_zh}"
        en = f"{place_en} {stem_en} {word_en} {form_en}"
        if zh not in used:
            return zh, en
    branch = len(used)
    return f"{zh}第{branch}分公司", f"{en} (Branch {branch})"


def _domestic_address(py: random.Random, prov: int, city: tuple[str, str] | None) -> str:
    _, _, full, _, cities = nm.PROVINCES[prov]
    if city is None and cities:
        city = py.choice(cities)
    zone, road = py.choice(nm.ADDRESS_ZONES), py.choice(nm.ADDRESS_ROADS)
    return f"{full}{city[0] + '市' if city else ''}{zone}{road}{py.randint(1, 299)}号"


def _export_name(
    py: random.Random, country: str, industry: int, used: set[str]
) -> tuple[str, str, str]:
    stems = nm.EXPORT_STEMS[country]
    cities = next(c[2] for c in nm.EXPORT_COUNTRIES if c[0] == country)
    ending = nm.EXPORT_ENDINGS[country][industry]
    city = py.choice(cities)
    name = ""
    for attempt in range(20):
        stem = py.choice(stems)
        name = f"{stem} {ending}" if attempt < 10 else f"{stem} {city} {ending}"
        if name not in used:
            break
    else:
        name = f"{name} (Plant {len(used)})"
    address = f"{py.randint(1, 399)} Industrial Zone Road {py.randint(1, 29)}, {city}, {country}"
    return name, name, address
