"""Bundled fonts, so Chinese renders on a machine with no CJK fonts installed.

``KAM Sans SC`` is a subset of Noto Sans CJK SC (GB2312 hanzi, Latin, CJK
punctuation) under the SIL Open Font License (``OFL.txt``). Characters outside
the subset fall back to whatever CJK font the system has.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

FONT_DIR = Path(__file__).parent
FAMILY = "KAM Sans SC"
FONT_FILES = {
    "regular": FONT_DIR / "KAMSansSC-Regular.otf",
    "bold": FONT_DIR / "KAMSansSC-Bold.otf",
}
# Tried in order by charts and by the CSS font stack.
FALLBACK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC")


@cache
def register_matplotlib_fonts() -> tuple[str, ...]:
    """Make the bundled font known to matplotlib; return the family list to use."""
    from matplotlib import font_manager

    for path in FONT_FILES.values():
        font_manager.fontManager.addfont(str(path))
    return (FAMILY, "DejaVu Sans", *FALLBACK_FAMILIES)
