"""Likely duplicate accounts: name normalising, Chinese included, numbers compared as
numbers, the planted pairs found among thousands of accounts by comparing few of them."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from rapidfuzz import fuzz, process

from kamreport.analytics.duplicates import duplicates_of, likely_duplicates, normalise_name
from kamreport.analytics.name_blocking import blocking_tokens, candidate_pairs
from kamreport.sample.name_mix import accounts_with_duplicates, company_names
from kamreport.sample.stories import DUPLICATE_NAMES, DUPLICATE_PAIR, GROUPS


@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("山东华康药业股份有限公司", "山东华康药业"),
        ("山东华康药业有限公司", "山东华康药业"),
        ("Shandong Huakang Pharmaceutical Co., Ltd.", "shandonghuakangpharmaceutical"),
        ("Shandong Huakang Pharmaceutical Co Ltd", "shandonghuakangpharmaceutical"),
        ("ＡＢＣ（上海）有限责任公司", "abc上海"),
        ("Acme GmbH", "acme"),
        ("ＡＣＭＥ　Ｔｒａｄｉｎｇ　Ｃｏ．，Ｌｔｄ．", "acmetrading"),
        ("Acme Zinc", "acmezinc"),  # "inc" only as a word of its own
        ("Unlimited Foods Unlimited", "unlimitedfoodsunlimited"),
        ("Store No. 12", "storeno12"),
        ("Müller GmbH", "muller"),
        ("Société Générale S.A.", "societegenerale"),
        ("Ørsted A/S", "orsted"),
        ("Straße AG", "strasse"),
        ("Acme Co.", "acme"),
        ("Costco", "costco"),
        ("Casa", "casa"),  # "sa" only as a word of its own
        ("ООО «Ромашка»", "оооромашка"),
        ("トヨタ自動車株式会社", "トヨタ自動車"),
        ("삼성전자", "삼성전자"),
        (None, ""),
    ],
)
def test_normalise_name(name, core):
    assert normalise_name(name) == core


def accounts(rows):
    return pd.DataFrame(rows, columns=["account_id", "name", "name_en", "parent_id"])


def test_same_and_near_same_names_are_found_groups_are_not():
    frame = accounts(
        [
            ("K1", "山东华康药业股份有限公司", None, None),
            ("K2", "山东华康药业有限公司", None, None),
            ("K3", "上海瑞康牧业有限公司", "Shanghai Ruikang", None),
            ("K4", "上海润康牧业有限公司", "Shanghai Runkang", None),  # another company
            ("K5", "恒昌集团股份有限公司", None, None),
            ("K6", "恒昌集团有限公司", None, "K5"),  # subsidiary: legitimately alike
            ("K7", "北京某某科技有限公司", "Acme Trading Co., Ltd.", None),
            ("K8", "艾克米贸易", "ACME Trading Co Ltd", None),  # same English name
            ("K9", "广州长江生物营养科技发展有限公司", None, None),
            ("K10", "广州长江生物营养科技发屐有限公司", None, None),  # a typo: 11 of 12 alike
            ("K11", "广州 长江营养(集团)有限公司", None, None),
            ("K12", "广州长江营养有限责任公司", None, None),  # same after normalising
        ]
    )
    found = likely_duplicates(frame, 0.9)
    pairs = {(a, b): f for a, b, f in found[["account_a", "account_b", "field"]].itertuples(False)}
    assert pairs == {
        ("K1", "K2"): "name", ("K7", "K8"): "name_en", ("K10", "K9"): "name",
        ("K11", "K12"): "name",
    }  # fmt: skip
    assert found.set_index("account_a").at["K10", "similarity"] == pytest.approx(11 / 12)
    assert found.iloc[0]["similarity"] == 1.0


def test_the_planted_sample_pair_is_the_only_likely_duplicate(sample_tables):
    found = likely_duplicates(sample_tables["accounts"], 0.9)
    assert [tuple(p) for p in found[["account_a", "account_b"]].to_numpy()] == [DUPLICATE_PAIR]
    assert tuple(found.iloc[0][["name_a", "name_b"]]) == (
        DUPLICATE_NAMES[0][0],
        DUPLICATE_NAMES[1][0],
    )
    group_members = {p for p, subs in GROUPS.items() for _ in subs} | {
        s for subs in GROUPS.values() for s in subs
    }
    assert not set(found["account_a"]) & group_members


def pair_set(found: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(found["account_a"], found["account_b"], strict=True))


def named(names: list[str]) -> pd.DataFrame:
    return accounts([(f"N{k:05d}", name, None, None) for k, name in enumerate(names)])


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Customer 12346", "Customer 12347"),
        ("Store 12", "Store 21"),
        ("Shandong Huakang Pharmaceutical Plant 2", "Shandong Huakang Pharmaceutical Plant 3"),
        ("华康药业第1分公司有限公司", "华康药业第2分公司有限公司"),
        ("Customer 12346", "Customer 12346 2"),
    ],
)
def test_names_that_differ_in_their_numbers_are_different_accounts(a, b):
    assert likely_duplicates(named([a, b]), 0.9).empty
    assert duplicates_of(named([a, b]), "N00000", 0.9).empty


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Customer 12346", "CUSTOMER 012346"),  # numbers compared as numbers
        ("Store 12", "Store-12"),
        ("山东华康药业股份有限公司", "山东华康药业有限责任公司"),
        ("山东华康药业有限公司", "山东 华康 药业 有限公司"),
        ("ABC（上海）有限公司", "ＡＢＣ 上海 有限责任公司"),
        ("Shandong Huakang Pharmaceutical Co., Ltd.", "SHANDONG HUA KANG PHARMACEUTICAL CO LTD"),
        ("Huakang Trading Company Limited", "Huakang Trading Ltd."),
        ("Mekong Feed JSC", "ＭＥＫＯＮＧ　ＦＥＥＤ　ＪＳＣ"),
        ("广州长江生物营养科技发展有限公司", "广州长江生物营养科技发屐有限公司"),
    ],
)
def test_the_same_company_written_differently_is_found(a, b):
    # among names sharing their common parts, so that only rare tokens can pair them
    crowd = [f"{w} Trading Co., Ltd." for w in ("Alpha", "Beta", "Gamma", "Delta")]
    crowd += [f"山东{w}药业有限公司" for w in ("瑞丰", "康源", "丰泽", "宏达")]
    found = likely_duplicates(named([a, b, *crowd]), 0.9)
    assert pair_set(found) == {("N00000", "N00001")}
    assert pair_set(duplicates_of(named([a, b, *crowd]), "N00001", 0.9)) == {("N00000", "N00001")}


def test_tokens_are_chinese_bigrams_and_latin_trigrams_without_digits():
    assert blocking_tokens(normalise_name("潍坊瑞丰饲料有限公司")) == {
        "潍坊", "坊瑞", "瑞丰", "丰饲", "饲料",
    }  # fmt: skip
    assert blocking_tokens("customer12346") == {"cus", "ust", "sto", "tom", "ome", "mer"}
    assert blocking_tokens(normalise_name("ABC（上海）有限公司")) == {"abc", "上海"}
    assert blocking_tokens("a1") == {"a"}


def test_a_token_held_by_more_than_max_block_names_makes_no_pair():
    names = ["xqzalpha", "xqzbravo", "xqzcharl"]  # alike only in "xqz"
    assert candidate_pairs(names, max_block=3).tolist() == [[0, 1], [0, 2], [1, 2]]
    assert candidate_pairs(names, max_block=2).tolist() == []
    # identical names are compared up to max_block of them; more is a placeholder ("N/A")
    assert candidate_pairs(["same"] * 3, max_block=3).tolist() == [[0, 1], [0, 2], [1, 2]]
    assert candidate_pairs(["same"] * 3, max_block=2).tolist() == []


def test_templated_names_make_no_pair_and_no_comparison():
    names = [f"Customer {12346 + k}" for k in range(4400)]
    assert likely_duplicates(named(names), 0.9).empty
    assert len(candidate_pairs([normalise_name(n) for n in names])) == 0


def every_pair_by_brute_force(frame: pd.DataFrame, threshold: float) -> set[tuple[str, str]]:
    """The rule applied to every pair of names (no blocking): same numbers and an Indel
    ratio of the normalised names of at least ``threshold``, or the same English name;
    groups are not in this frame."""
    rows = frame.sort_values("account_id").reset_index(drop=True)
    keys = [normalise_name(n) for n in rows["name"]]
    english = [normalise_name(n) for n in rows["name_en"]]
    ratio = process.cdist(keys, keys, scorer=fuzz.ratio, score_cutoff=100 * threshold - 1e-9)
    found = set()
    for i, j in zip(*np.nonzero(np.triu(ratio, k=1)), strict=True):
        numbers = [int(d) for d in re.findall(r"[0-9]+", keys[i])]
        if numbers == [int(d) for d in re.findall(r"[0-9]+", keys[j])]:
            found.add((rows.at[i, "account_id"], rows.at[j, "account_id"]))
    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            if english[i] and english[i] == english[j]:
                found.add((rows.at[i, "account_id"], rows.at[j, "account_id"]))
    return found


def test_planted_duplicates_among_thousands_are_found_and_blocking_loses_no_pair():
    mix = accounts_with_duplicates(2500, 50, seed=11)
    found = pair_set(likely_duplicates(mix.accounts, 0.9))
    assert mix.planted <= found  # recall: every planted duplicate
    assert len(found - mix.planted) <= len(mix.accounts) // 100  # few others
    # and exactly the pairs the rule gives when every name is compared with every other
    assert found == every_pair_by_brute_force(mix.accounts, 0.9)


@pytest.mark.parametrize("threshold", [0.7, 0.8, 0.9])
def test_on_the_sample_blocking_loses_no_pair(sample_tables, threshold):
    """Every pair of the rule on the sample's accounts, at lower thresholds too (the
    blocking by name heads and ends used before missed 江苏金桥水产饲料 / 江西金桥水产饲料)."""
    frame = sample_tables["accounts"].assign(parent_id=None)  # groups: see above
    found = pair_set(likely_duplicates(frame, threshold))
    assert found == every_pair_by_brute_force(frame, threshold)


def test_duplicates_of_one_account_are_its_rows_of_the_portfolio_pairs():
    mix = accounts_with_duplicates(1500, 30, seed=5)
    everything = likely_duplicates(mix.accounts, 0.9)
    for account_a, account_b in sorted(mix.planted)[:10]:
        mine = everything.loc[
            (everything["account_a"] == account_b) | (everything["account_b"] == account_b)
        ]
        assert pair_set(duplicates_of(mix.accounts, account_b, 0.9)) == pair_set(mine)
        assert (account_a, account_b) in pair_set(mine)


def test_comparisons_grow_about_linearly_not_with_the_square():
    """Candidate comparisons on the realistic mix (a fifth templated) at 2,000 and 8,000
    accounts: four times the accounts must cost far fewer than sixteen times the
    comparisons (comparing all pairs, or every templated name with every other, would)."""

    def comparisons(n: int) -> int:
        return len(candidate_pairs([normalise_name(name) for name, _ in company_names(n, 3)]))

    small, large = comparisons(2000), comparisons(8000)
    assert large / small < 6
    assert large < 8000 * 50  # tens per account, not thousands


def test_accented_and_other_script_names_are_found():
    frame = accounts(
        [
            ("K1", "Müller Logistik GmbH", None, None),
            ("K2", "Muller Logistik", None, None),
            ("K3", "ООО Ромашка Трейд", None, None),
            ("K4", "ООО Ромашка Трейд", None, None),
            ("K5", "Ørsted Sales A/S", None, None),
            ("K6", "Orsted Sales", None, None),
            ("K7", "Nordic Paper AB", None, None),
        ]
    )
    found = likely_duplicates(frame, min_similarity=0.9)
    pairs = {tuple(sorted(p)) for p in zip(found["account_a"], found["account_b"], strict=True)}
    assert pairs == {("K1", "K2"), ("K3", "K4"), ("K5", "K6")}


def test_a_placeholder_name_held_by_many_accounts_pairs_nothing():
    rows = [(f"P{i:04d}", "N/A", "Unknown", None) for i in range(150)]
    rows += [("K1", "Acme Trading Ltd", None, None), ("K2", "ACME Trading", None, None)]
    rows += [("K3", "Cash customer", None, None), ("K4", "Cash Customer", None, None)]
    frame = accounts(rows)
    found = likely_duplicates(frame, max_block=100)
    pairs = {tuple(sorted(p)) for p in zip(found["account_a"], found["account_b"], strict=True)}
    assert pairs == {("K1", "K2"), ("K3", "K4")}  # two alike are still a pair
    assert duplicates_of(frame, "P0001").empty
    assert set(duplicates_of(frame, "K1")["account_b"]) == {"K2"}


def test_duplicates_of_one_account_lists_only_its_own_pairs():
    frame = accounts(
        [
            ("K1", "Acme Trading Ltd", None, None),
            ("K2", "Acme Trading", None, None),
            ("K3", "Acme Tradings", None, None),
        ]
    )
    found = duplicates_of(frame, "K1", min_similarity=0.9)
    assert set(found["account_a"]) | set(found["account_b"]) == {"K1", "K2", "K3"}
    assert all("K1" in pair for pair in zip(found["account_a"], found["account_b"], strict=True))
