"""Message catalogs and locale formatting."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kamreport.i18n import Formatter, catalog


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", text))


def test_catalogs_have_the_same_keys_and_placeholders():
    en, zh = catalog("en"), catalog("zh-CN")
    message_keys = {k for k in en if not k.startswith("values.")}
    assert message_keys == {k for k in zh if not k.startswith("values.")}
    for key in message_keys:
        assert placeholders(en[key]) == placeholders(zh[key]), key


def test_chinese_catalog_is_chinese():
    zh = catalog("zh-CN")
    assert zh["sections.profile"] == "大客户档案卡"
    assert zh["profile.ka_manager"] == "重点客户经理"


@pytest.mark.parametrize(
    ("locale", "money", "compact", "percent", "date", "month"),
    [
        ("en", "CN¥12,345,679", "CN¥12.3M", "12.3%", "Sep 30, 2026", "Sep 2026"),
        ("zh-CN", "¥12,345,679", "¥1234.6万", "12.3%", "2026年9月30日", "2026年9月"),
    ],
)
def test_locale_formats(locale, money, compact, percent, date, month):
    fmt = Formatter(locale, "CNY")
    assert fmt.money(12_345_678.9) == money
    assert fmt.money(12_345_678.9, compact=True) == compact
    assert fmt.percent(0.1234) == percent
    assert fmt.date(dt.date(2026, 9, 30)) == date
    assert fmt.month(dt.date(2026, 9, 1)) == month


def test_missing_values_say_so():
    fmt = Formatter("en")
    assert fmt.money(None) == "n/a"
    assert fmt.percent(float("nan")) == "n/a"
    assert Formatter("zh-CN").money(None) == "无"


def test_points_and_signs():
    fmt = Formatter("en")
    assert fmt.points(0.0123) == "+1.2 pp"
    assert fmt.points(-0.0004) == "0.0 pp"
    assert fmt.percent(0.05, signed=True) == "+5.0%"
    assert fmt.percent(-0.0002) == "0.0%"  # rounds to zero: no minus sign
    assert fmt.percent(0.0002, signed=True) == "0.0%"
    assert fmt.percent(-0.0006) == "\u22120.1%"  # a true minus sign, as in "+"'s width
    assert fmt.points(-0.012) == "\u22121.2 pp"


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_amounts_show_as_rounded_with_one_kind_of_minus(locale):
    fmt = Formatter(locale, "GBP")
    assert fmt.money(-102.58000000000003).endswith("103")
    assert "-" not in fmt.money(-102.58000000000003)
    assert fmt.money(-0.4) == fmt.money(0)  # "−£0" is zero
    assert fmt.number(-0.04, digits=1) == fmt.number(0, digits=1)
    assert fmt.number(-1234.0).startswith("\u2212")
    assert fmt.money(-12_100_000, compact=True).startswith("\u2212")


def test_a_value_ending_a_sentence_does_not_double_its_stop():
    fmt = Formatter("en")
    assert fmt.t("email.chart.tiers_alt", parts="Acme Co., Ltd.").endswith(" Acme Co., Ltd.")
    assert fmt.t("email.chart.tiers_alt", parts="to be continued...").count("...") == 1
    zh = Formatter("zh-CN")
    assert "。。" not in zh.t("review.risk.not_evaluated", codes="甲公司。")


def test_data_values_are_translated_when_known():
    assert Formatter("en").value("region", "华东") == "East China"
    assert Formatter("zh-CN").value("industry", "feed") == "饲料"
    assert Formatter("en").value("region", "Atlantis") == "Atlantis"
