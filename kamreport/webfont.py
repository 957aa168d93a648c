"""The bundled font inside an HTML page, cut to the characters the page uses.

A report read on a machine without CJK fonts would show Chinese (names in an English
report, everything in a Chinese one) as empty boxes, and chart labels in a font with
other widths than the ones the chart layout measured (:mod:`kamreport.charts.text`).
:func:`embed_font` adds one ``@font-face`` rule for ``KAM Sans SC`` (regular; browsers
draw bold from it) with a ``data:`` URI of a subset holding only the page's characters: a
few kilobytes for an English page, some 150–300 KB for a Chinese one. The rule is for
screens only; the PDF engine takes the whole font from ``kamreport.pdf``.
"""

from __future__ import annotations

import base64
import html as html_lib
import io
import re
from functools import cache

import uharfbuzz as hb
from fontTools.ttLib import TTFont

from kamreport.fonts import FAMILY, FONT_FILES

# Layout tables are left out: the browser then places glyphs as the charts measured them
# (no kerning), and Simplified Chinese needs no substitutions. Vertical metrics are unused.
_DROPPED_TABLES = ("GPOS", "GSUB", "BASE", "VORG", "vhea", "vmtx", "DSIG")
_STYLE_OR_SCRIPT = re.compile(r"<(style|script)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")
_MARK = "<!-- kamreport:webfont -->"


def page_characters(page: str) -> str:
    """Every character of the page's text (element content, chart labels included), sorted."""
    text = html_lib.unescape(_TAG.sub(" ", _STYLE_OR_SCRIPT.sub(" ", page)))
    return "".join(sorted({c for c in text if c.isprintable() and not c.isspace()}))


# WOFF (zlib) rather than WOFF2 (Brotli): 8% larger, but packed in a millisecond.
_FLAVOR = "woff"


@cache
def _regular_face() -> hb.Face:
    """The bundled regular face, read once per process (the same for every page)."""
    return hb.Face(hb.Blob(FONT_FILES["regular"].read_bytes()))


def _tag(name: str) -> int:
    """An OpenType table tag as HarfBuzz's 32-bit number."""
    return int.from_bytes(name.ljust(4).encode("ascii"), "big")


def font_subset(characters: str) -> tuple[str, bytes]:
    """(format, bytes) of the regular face with only ``characters`` (and .notdef).

    HarfBuzz cuts the face (about a millisecond, where fontTools' subsetter took
    0.15–0.4 s a page on this CFF font); fontTools only packs the result as WOFF,
    copying its tables without reading them.
    """
    request = hb.SubsetInput()
    request.unicode_set.update(ord(c) for c in characters)
    request.drop_table_tag_set.update(_tag(name) for name in _DROPPED_TABLES)
    request.flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.DESUBROUTINIZE
    cut = request.subset(_regular_face())
    if cut is None:
        raise RuntimeError(f"HarfBuzz could not cut {FONT_FILES['regular']} to the page's text")
    font = TTFont(io.BytesIO(cut.blob.data), lazy=True, recalcTimestamp=False)
    font.flavor = _FLAVOR
    buffer = io.BytesIO()
    font.save(buffer, reorderTables=False)
    return _FLAVOR, buffer.getvalue()


def font_face_rule(characters: str) -> str:
    """The ``@font-face`` rule of the bundled font cut to ``characters``, as a data URI."""
    flavor, data = font_subset(characters)
    uri = f"data:font/{flavor};base64,{base64.b64encode(data).decode('ascii')}"
    return (
        f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: 400; '
        f'font-display: block; src: url("{uri}") format("{flavor}"); }}'
    )


def embed_font(page: str) -> str:
    """``page`` with a screen-only ``<style>`` holding the font subset its text needs, just
    before ``</head>`` (a page without a head is returned as it is)."""
    if _MARK in page or "</head>" not in page:
        return page
    rule = font_face_rule(page_characters(page))
    style = f'{_MARK}\n<style media="screen">\n{rule}\n</style>\n'
    return page.replace("</head>", style + "</head>", 1)
