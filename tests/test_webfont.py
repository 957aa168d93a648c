"""The bundled font in an HTML page: cut to the page's characters, for screens only,
the same bytes for the same page."""

from __future__ import annotations

import base64
import io
import re

from fontTools.ttLib import TTFont

from kamreport.webfont import embed_font, page_characters

PAGE = (
    "<!DOCTYPE html><html><head><style>body { color: red; }</style></head>"
    "<body><h1>客户分析 &amp; Review</h1><svg><text>销售额 1.2M</text></svg></body></html>"
)


def embedded_font(page: str) -> TTFont:
    uri = re.search(r'url\("data:font/woff2?;base64,([^"]+)"\)', page).group(1)
    return TTFont(io.BytesIO(base64.b64decode(uri)))


def test_the_subset_holds_the_page_text_and_chart_labels_only():
    assert page_characters(PAGE) == "".join(sorted(set("客户分析&Review销售额1.2M")))
    cmap = embedded_font(embed_font(PAGE)).getBestCmap()
    assert {chr(c) for c in cmap} == set(page_characters(PAGE))


def test_the_rule_is_for_screens_once_and_the_same_for_the_same_page():
    page = embed_font(PAGE)
    assert page.count('<style media="screen">') == 1
    assert page.index('<style media="screen">') < page.index("</head>")
    assert '@font-face { font-family: "KAM Sans SC"; font-style: normal; font-weight: 400;' in page
    assert embed_font(page) == page  # once
    assert embed_font(PAGE) == page  # same bytes
    assert embed_font("<p>no head</p>") == "<p>no head</p>"


def test_the_subset_draws_each_glyph_as_the_bundled_font_does():
    from fontTools.pens.boundsPen import BoundsPen

    from kamreport.fonts import FONT_FILES

    def shapes(font: TTFont) -> dict[str, tuple]:
        glyphs, cmap = font.getGlyphSet(), font.getBestCmap()
        out = {}
        for char in "客R1.":
            pen = BoundsPen(glyphs)
            glyphs[cmap[ord(char)]].draw(pen)
            out[char] = (pen.bounds, glyphs[cmap[ord(char)]].width)
        return out

    assert shapes(embedded_font(embed_font(PAGE))) == shapes(TTFont(FONT_FILES["regular"]))
