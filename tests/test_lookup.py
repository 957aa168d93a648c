"""Finding accounts: substring search and closest matches for a mistyped id."""

from __future__ import annotations

import pandas as pd

from kamreport.analytics.lookup import closest_accounts, filter_accounts

ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["KA0001", "KA0002", "KA0011", "KA0100"],
        "name": [
            "合肥宏达日化有限公司",
            "浙江新和饲料有限公司",
            "上海瑞康牧业有限公司",
            "R&D <Labs>",
        ],
        "name_en": ["Hefei Hongda Daily Chemical", "Zhejiang Xinhe Feed", None, "R&D <Labs>"],
    }
)


def test_filter_by_chinese_english_or_id():
    assert filter_accounts(ACCOUNTS, "新和")["account_id"].tolist() == ["KA0002"]
    assert filter_accounts(ACCOUNTS, "hongda")["account_id"].tolist() == ["KA0001"]
    assert filter_accounts(ACCOUNTS, "ka001")["account_id"].tolist() == ["KA0011"]
    assert len(filter_accounts(ACCOUNTS, None)) == 4


def test_mistyped_letter_o_for_zero_finds_the_account_first():
    assert closest_accounts(ACCOUNTS, "KA00O1")[0] == "KA0001 (合肥宏达日化有限公司)"


def test_closest_are_ordered_and_capped():
    found = closest_accounts(ACCOUNTS, "KA0003", n=2)
    assert len(found) == 2
    assert all(label.startswith("KA00") for label in found)


def test_nothing_similar():
    assert closest_accounts(ACCOUNTS, "zzzzzzzzzzzz") == []
