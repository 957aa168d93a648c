"""One term per concept: the glossary, the catalogues that use it, and the Chinese outputs
of the bundled sample (account review, portfolio, targets page and workbook, emails)."""

from __future__ import annotations

import email
import os
import re
import subprocess
import sys
from email import policy
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from kamreport import i18n
from kamreport.i18n import Formatter, catalog
from kamreport.views.display import Display
from tests.conftest import ROOT

AS_OF = "2026-09-30"
ACCOUNT = "KA0008"  # a key account of the sample with risk flags and every section
TIERS = ("key", "growth", "maintain", "ordinary")
# Words a Chinese reader met for the same concept before there was one glossary.
VARIANTS = {
    "share of wallet": ("客户份额",),
    "profitability": ("赢利",),
    "supporter": ("支持部门",),
    "maintain tier": ("维护客户",),
    "growth tier": ("成长",),
    "risk flag": ("风险提示",),
    "tier": ("分层",),
}
CJK = "\u4e00-\u9fff"
# An ASCII colon, question mark or bracket inside Chinese text: between two Chinese
# characters, or between a Chinese character and a digit.
ASCII_IN_CHINESE = re.compile(rf"[{CJK}]\s*[:?()]\s*[{CJK}0-9]|[{CJK}0-9]\s*[:?()]\s*[{CJK}]")


def glossary(locale: str) -> dict[str, str]:
    return {k[2:]: v for k, v in catalog(locale).items() if k.startswith("g.")}


# --- the catalogues ---------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_every_output_names_tiers_roles_flags_and_sections_from_the_glossary(locale):
    messages, g = catalog(locale), glossary(locale)
    for tier in TIERS:
        for key in ("tier", "email.tier", "portfolio.tier", "targets.tier"):
            assert messages[f"{key}.{tier}"] == g[f"tier.{tier}"], (key, tier)
    for key in ("email.col.tier", "portfolio.tiers.tier", "targets.col.tier", "batch.col.tier"):
        assert messages[key] == g["tier.label"], key
    flags = [k.split(".")[-1] for k in messages if k.startswith("flag.title.")]
    assert len(flags) >= 10
    for code in flags:
        assert messages[f"flag.title.{code}"] == g[f"flag.{code}"], code
    for role in ("decision_maker", "purchaser", "user", "influencer", "supporter", "blocker"):
        assert messages[f"values.role.{role}"] == g[f"role.{role}"], role
    for section, review_key in (
        ("kpis", "sections"),
        ("trend", "sections"),
        ("risks", "review.sections"),
    ):
        shown = {messages[f"email.section.{section}"], messages[f"{review_key}.{section}"]}
        assert shown == {g[f"section.{section}"]}, section
    for section in ("receivables", "targets", "data_quality"):
        assert messages[f"portfolio.sections.{section}"] == g[f"section.{section}"], section
    assert messages["review.sections.wallet"] == g["section.wallet"]
    assert messages["review.wallet.share"] == g["metric.share_of_wallet"]


def test_chinese_terms_are_the_glossary_ones():
    g = glossary("zh-CN")
    assert [g[f"tier.{t}"] for t in TIERS] == ["重点客户", "潜在客户", "维持客户", "普通客户"]
    assert g["metric.share_of_wallet"] == "钱包份额"
    assert g["metric.profitability"] == "盈利率"
    assert g["role.supporter"] == "支持者"
    for key, message in catalog("zh-CN").items():
        for concept, words in VARIANTS.items():
            for word in words:
                assert word not in message, f"{key} says {word} for {concept}: {message}"


def test_chinese_catalogue_uses_full_width_punctuation():
    for key, message in catalog("zh-CN").items():
        assert not ASCII_IN_CHINESE.search(message), f"{key}: {message}"
        assert not re.search(r"\dQ\d|Q\{", message), f"{key}: {message}"


def test_a_reference_is_replaced_at_load_and_an_unknown_one_is_an_error(tmp_path, monkeypatch):
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir(), bad.mkdir()
    (good / "glossary.yaml").write_text(
        'g:\n  tier:\n    key: "重点客户"\n  title: "{g.tier.key}名单"\n', encoding="utf-8"
    )
    (good / "report.yaml").write_text(
        'report:\n  line: "{n}个{g.tier.key}，见{g.title}"\n', encoding="utf-8"
    )
    (bad / "report.yaml").write_text('report:\n  line: "{g.tier.nope}"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOG_DIR", tmp_path)
    try:
        assert catalog("good")["report.line"] == "{n}个重点客户，见重点客户名单"
        with pytest.raises(ValueError, match=r"g\.tier\.nope"):
            catalog("bad")
    finally:
        catalog.cache_clear()


def test_confidentiality_labels_are_translated_and_own_text_is_kept():
    zh, en = Formatter("zh-CN"), Formatter("en")
    assert zh.confidentiality("Internal") == "内部资料"
    assert zh.confidentiality("INTERNAL") == "内部资料"
    assert zh.confidentiality("Confidential") == "机密"
    assert zh.confidentiality("仅限华东区团队") == "仅限华东区团队"
    assert zh.confidentiality("Project Falcon") == "Project Falcon"
    assert en.confidentiality("INTERNAL") == "INTERNAL"


def test_changes_in_sentences_read_naturally():
    zh, en = Display(Formatter("zh-CN")), Display(Formatter("en"))
    assert zh.growth_words(0.025) == "增长2.5%"
    assert zh.growth_words(-0.071) == "下降7.1%"
    assert zh.growth_words(0.0004) == "持平"
    assert zh.points_words(0.07) == "提高7.0个百分点"
    assert zh.points_words(-0.023) == "降低2.3个百分点"
    assert zh.text("points", 0.07) == "提高7.0个百分点"
    assert en.growth_words(0.025) == "+2.5%"
    assert en.points_words(-0.023) == "\u22122.3 pp"
    assert zh.labelled("前12个月", "¥100万") == "前12个月：¥100万"
    assert zh.aside("近120天内有接触", "2026年9月11日") == "近120天内有接触（2026年9月11日）"


# --- the Chinese outputs of the sample, end to end --------------------------------


class _Text(HTMLParser):
    """The text a reader sees: no style sheets or scripts; headings kept apart."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.headings: list[str] = []
        self._skip = 0
        self._heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        elif tag in ("h1", "h2"):
            self._heading = []

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        elif tag in ("h1", "h2") and self._heading is not None:
            self.headings.append("".join(self._heading).strip())
            self._heading = None
        self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)
            if self._heading is not None:
                self._heading.append(data)


def html_text(html: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts), parser.headings


def kamreport(*args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kamreport.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def outputs(sample_dir, tmp_path_factory) -> dict[str, tuple[str, list[str]]]:
    """Each zh-CN output of the sample as (visible text, headings)."""
    out = tmp_path_factory.mktemp("zh")
    where = ("--locale", "zh-CN", "--as-of", AS_OF, "--source", str(sample_dir),
             "--output-dir", str(out))  # fmt: skip
    mail = ("--dry-run", "--to", "vp@example.com")
    kamreport("report", "--customer", ACCOUNT, *where)
    kamreport("portfolio", *where)
    kamreport("targets", "--year", "2027", *where)
    kamreport("email", "--report", "portfolio", *mail, *where)
    kamreport("email", "--report", "customer", "--customer", ACCOUNT, *mail, *where)
    root = out / AS_OF / "zh-CN"
    found = {
        "review": html_text((root / "customers" / ACCOUNT / "report.html").read_text("utf-8")),
        "portfolio": html_text((root / "portfolio" / "portfolio.html").read_text("utf-8")),
        "targets page": html_text((root / "targets" / "targets-2027.html").read_text("utf-8")),
        "workbook": (workbook_chinese(root / "targets" / "targets-2027.xlsx"), []),
    }
    for name in ("portfolio", f"customer-{ACCOUNT}"):
        (path,) = (root / "email" / name).glob("*.eml")
        found[f"email {name}"] = email_text(path)
    return found


def workbook_chinese(path: Path) -> str:
    """The Chinese side of every text cell (bilingual cells read "English / 中文")."""
    lines = []
    for sheet in openpyxl.load_workbook(path):
        if sheet.sheet_state != "visible":
            continue
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str) and not value.startswith("="):
                    lines.append(value.replace("\n", " ").split(" / ")[-1])
    return "\n".join(lines)


def email_text(path: Path) -> tuple[str, list[str]]:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    texts, headings = [str(message["subject"])], []
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            texts.append(part.get_content())
        elif part.get_content_type() == "text/html":
            text, found = html_text(part.get_content())
            texts.append(text)
            headings += found
    return "\n".join(texts), headings


@pytest.mark.slow
def test_tier_names_are_the_same_in_every_output(outputs):
    g = glossary("zh-CN")
    tiers = [g[f"tier.{t}"] for t in TIERS]
    for name in ("portfolio", "targets page", "email portfolio"):
        text = outputs[name][0]
        for tier in tiers:
            assert tier in text, (name, tier)
    cells = outputs["workbook"][0].splitlines()
    assert set(cells) >= set(tiers[:3])  # the workbook's tiers in scope: key, growth, maintain
    assert g["tier.key"] in outputs["review"][0]
    for name, (text, _) in outputs.items():
        for concept, words in VARIANTS.items():
            for word in words:
                assert word not in text, f"{name} says {word} for {concept}"


@pytest.mark.slow
def test_flag_and_section_names_are_the_glossary_ones(outputs):
    g = glossary("zh-CN")
    review, portfolio = outputs["review"], outputs["portfolio"]
    for section in ("profile", "kpis", "trend", "wallet", "profitability", "receivables", "risks"):
        assert g[f"section.{section}"] in review[1], section
    for section in ("receivables", "targets", "scorecards", "data_quality"):
        assert g[f"section.{section}"] in portfolio[1], section
    for section in ("kpis", "trend"):
        assert g[f"section.{section}"] in outputs["email portfolio"][1], section
    # The same flag names in the review, the portfolio and the email of the same data.
    for code in ("WALLET_SHARE_FALL", "REVENUE_DECLINE", "NARROWING_BREADTH"):
        assert g[f"flag.{code}"] in review[0], code
        assert g[f"flag.{code}"] in portfolio[0], code
    assert any(g[f"flag.{code}"] in outputs["email portfolio"][0] for code in ("ORDER_GAP",
               "REVENUE_DECLINE", "WALLET_SHARE_FALL", "OVERDUE_RECEIVABLES"))  # fmt: skip


@pytest.mark.slow
def test_chinese_outputs_use_full_width_punctuation_and_one_quarter_form(outputs):
    for name, (text, _) in outputs.items():
        for line in text.splitlines():
            assert not ASCII_IN_CHINESE.search(line), f"{name}: {line.strip()}"
            assert not re.search(r"\d{4}\s*Q[1-4]|Q[1-4]\s*\d{4}", line), f"{name}: {line}"
    assert "2024年第1季度" in outputs["review"][0]


@pytest.mark.slow
def test_confidentiality_label_is_translated_everywhere(outputs):
    emails = ("email portfolio", f"email customer-{ACCOUNT}")
    for name in ("review", "portfolio", "targets page", *emails):
        text = outputs[name][0]
        assert "内部资料" in text, name
        assert "internal" not in text.casefold(), name


@pytest.mark.slow
def test_comparisons_and_shares_read_as_sentences(outputs):
    portfolio = outputs["portfolio"][0]
    assert re.search(r"近12个月销售额为¥[\d.]+[万亿]，同比(增长|下降)\d+\.\d%", portfolio)
    assert re.search(r"毛利率为\d+\.\d%（同比(提高|降低)\d+\.\d个百分点）", portfolio)
    assert re.search(r"占未收金额的\d+\.\d%", portfolio)
    for name, (text, _) in outputs.items():
        for line in text.splitlines():
            assert not re.search(r"较前12个月\s*[+\u2212]", line), f"{name}: {line}"
            assert not re.search(r"\d%\s*占", line), f"{name}: {line}"
            assert not re.search(r"\d 个百分点", line), f"{name}: {line}"
