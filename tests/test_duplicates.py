"""Likely duplicate accounts: name normalising, Chinese included, and the planted pair."""

from __future__ import annotations

import pandas as pd
import pytest

from kamreport.analytics.duplicates import likely_duplicates, normalise_name
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
