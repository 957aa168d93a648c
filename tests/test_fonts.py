"""The bundled font covers every character our own texts use, so no glyph goes missing."""

from __future__ import annotations

from pathlib import Path

from fontTools.ttLib import TTFont

from kamreport.fonts import FONT_FILES

ROOT = Path(__file__).parents[1]


def our_texts() -> str:
    files = [*(ROOT / "kamreport" / "i18n").rglob("*.yaml"), *(ROOT / "templates").rglob("*.j2")]
    return "".join(path.read_text(encoding="utf-8") for path in files)


def test_every_character_of_catalogs_and_templates_has_a_glyph():
    for weight, path in FONT_FILES.items():
        cmap = TTFont(path).getBestCmap()
        missing = sorted({c for c in our_texts() if c.isprintable() and ord(c) not in cmap})
        assert missing == [], f"{weight} lacks {''.join(missing)!r}"


def test_common_business_characters_are_covered():
    cmap = TTFont(FONT_FILES["regular"]).getBestCmap()
    for text in (
        "重点客户经理 回款率 应收账款周转天数 ¥￥€ ▲▼ ✓ ≥ ≤ ± → 第 1 页，共 3 页",
        "R&D <Labs> Nutrition Ltd. Xi’an",
    ):
        assert all(ord(c) in cmap for c in text if c != " ")
