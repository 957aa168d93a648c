"""Text measured as browsers draw it: the bundled font's advance widths, and line breaking.

Chart labels are SVG ``<text>`` in KAM Sans SC (the page embeds it, the PDF engine has it),
so their widths are the font's advance widths times the size: no kerning (the page's subset
has no GPOS table), no shaping. The widths come from the font's ``hmtx`` and ``cmap``
tables, read once per process. A character the font lacks is drawn by a fallback font;
it counts as one em when it is wide (CJK), half an em otherwise.

Sizes are in points, and a chart's SVG user unit is one point.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

from kamreport.fonts import FONT_FILES

# The glyph box of a line, from the font's typographic ascender and descender (em units):
# what a label occupies above and below its baseline. Lines of a label are LINE_SPACING
# apart (matplotlib's spacing, which the charts had before).
ASCENT = 0.88
DESCENT = 0.12
LINE_SPACING = 1.2


def _wide(char: str) -> bool:
    """Whether ``char`` is a wide (CJK) character: one em when the font lacks it, and
    lines may break before and after it."""
    return unicodedata.east_asian_width(char) in ("W", "F")


@dataclass(frozen=True)
class _Advances:
    """Advance widths (em) of one font's characters."""

    widths: dict[int, float]

    def width(self, char: str) -> float:
        found = self.widths.get(ord(char))
        if found is not None:
            return found
        return 1.0 if _wide(char) else 0.5


@cache
def _advances(bold: bool) -> _Advances:
    """The advance widths of the bundled regular or bold font, read once."""
    from fontTools.ttLib import TTFont

    font = TTFont(FONT_FILES["bold" if bold else "regular"], lazy=True)
    units = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    widths = {code: metrics[glyph][0] / units for code, glyph in font.getBestCmap().items()}
    font.close()
    return _Advances(widths)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width (pt) of one line of ``text`` at ``size`` points. Not cached by text: a
    process serving many accounts keeps nothing of one (only the font's widths)."""
    advances = _advances(bold)
    return sum(advances.width(c) for c in text) * size


def block_width(text: str, size: float, bold: bool = False) -> float:
    """The width (pt) of the widest line of ``text``."""
    return max(text_width(line, size, bold) for line in text.split("\n"))


# --- line breaking -----------------------------------------------------------------------

_NO_LINE_START = set("，。、；：？！）」』》〉】〕”’,.;:?!)%")
_NO_LINE_END = set("（「『《〈【〔“‘([")


def _tokens(text: str) -> list[str]:
    """``text`` cut where a line may break: after spaces and around CJK characters, never
    before closing or after opening punctuation."""
    tokens: list[str] = []
    for char in text:
        if tokens:
            last = tokens[-1][-1]
            after_space = last.isspace() and not char.isspace()
            cjk = _wide(char) or _wide(last)
            if char.isspace() or char in _NO_LINE_START or last in _NO_LINE_END:
                tokens[-1] += char
                continue
            if not (after_space or cjk):
                tokens[-1] += char
                continue
        tokens.append(char)
    return tokens


def wrap(text: str, max_width: float, size: float, bold: bool = False) -> str:
    """``text`` broken into lines no wider than ``max_width`` points where a line may break
    (a single token wider than that keeps its own line)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for token in _tokens(paragraph):
            if line and text_width((line + token).rstrip(), size, bold) > max_width:
                lines.append(line.rstrip())
                line = token.lstrip()
            else:
                line += token
        lines.append(line.rstrip())
    return "\n".join(lines)
