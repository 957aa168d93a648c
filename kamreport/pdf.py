"""HTML → PDF for every report, through WeasyPrint and the shared print stylesheet.

One function, :func:`html_to_pdf`, turns a rendered report into a PDF; the runner
calls :func:`write_pdfs` on a run's staging folder when ``pdf`` is among the
run's ``report.formats``, so every report (customer, portfolio, targets) gets
its PDF the same way. The page layout (running header and footer, page
numbers, breaks, bookmarks) lives in ``templates/css/print.css``; this module
adds only the page size and the bundled font.

WeasyPrint implements CSS paged media (``@page`` margin boxes, ``counter(pages)``,
``bookmark-level``, ``target-counter``) without a browser, installs from PyPI
and needs only Pango from the system. Text is embedded as subset fonts, so it
stays selectable and searchable; inline SVG charts stay vector.

Speed: WeasyPrint subsets embedded fonts with HarfBuzz's subset library when
it is there (about 0.1 s for a report) and otherwise falls back to fontTools,
which takes 10–25 s per report for a CJK font. That fallback is refused here:
a missing library is a clear error naming the package to install, never a
silently slow run.
"""

from __future__ import annotations

import base64
import contextlib
import io
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kamreport.errors import ParamsError, PdfEngineError
from kamreport.fonts import FAMILY, FONT_FILES
from kamreport.outputs import atomic_write_bytes
from kamreport.params import PAGE_SIZES

# base.html.j2 marks every report page with this; other HTML (emails) gets no PDF.
PRINT_MARKER = '<meta name="kamreport:print" content="pdf">'
SYSTEM_PACKAGES = {
    "Debian/Ubuntu": "sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0",
    "Fedora": "sudo dnf install pango harfbuzz",
    "macOS": "brew install pango harfbuzz",
}
Progress = Callable[[str], None]


@dataclass(frozen=True)
class PdfResult:
    """One written PDF: where, how many pages, how long it took."""

    path: Path
    pages: int
    seconds: float


def _install_hint() -> str:
    return "; ".join(f"{system}: {command}" for system, command in SYSTEM_PACKAGES.items())


def _harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint found HarfBuzz's subset library (4.1 or newer)."""
    from weasyprint.text import ffi

    subset = getattr(ffi, "harfbuzz_subset", None)
    return subset is not None and bool(ffi.harfbuzz.hb_version_atleast(4, 1, 0))


@cache
def _engine() -> Any:
    """The ``weasyprint`` module, after checking every library it needs is present."""
    try:
        # WeasyPrint prints its own installation banner when Pango is missing.
        with contextlib.redirect_stdout(io.StringIO()):
            import weasyprint
    except ImportError as exc:
        raise PdfEngineError(
            f"PDF output needs the Python package WeasyPrint, which is not installed ({exc}). "
            "Run `make venv` again, or `.venv/bin/pip install weasyprint`."
        ) from None
    except OSError as exc:
        raise PdfEngineError(
            "PDF output needs the Pango text layout library, which was not found "
            f"({exc}). Install it with your package manager — {_install_hint()} — "
            "or leave pdf out of FORMATS."
        ) from None
    if not _harfbuzz_subset_available():
        raise PdfEngineError(
            "PDF output needs HarfBuzz's font subset library (libharfbuzz-subset.so.0, "
            "HarfBuzz 4.1 or newer), which was not found. Without it every PDF takes "
            "10–25 s to embed its fonts instead of under a second. Install it with your "
            f"package manager — {_install_hint()} — or leave pdf out of FORMATS."
        )
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return weasyprint


def check_engine() -> None:
    """Raise :class:`PdfEngineError` now, before any work, when PDFs cannot be made fast."""
    _engine()


def font_face_css() -> str:
    """``@font-face`` rules for the bundled KAM Sans SC, by file URL.

    The font is part of the package, so Chinese renders and is embedded on a
    machine with no CJK fonts installed; the print stylesheet puts it first.
    Every CSS weight maps to one of its two faces, so no weight (500 for table
    headers, say) falls through to another installed CJK font.
    """
    rules = []
    for weight in range(100, 1000, 100):
        face = FONT_FILES["bold" if weight >= 600 else "regular"].resolve().as_uri()
        for style in ("normal", "italic"):
            rules.append(
                f'@font-face {{ font-family: "{FAMILY}"; font-weight: {weight}; '
                f'font-style: {style}; src: url("{face}"); }}'
            )
    return "\n".join(rules)


def page_css(page_size: str) -> str:
    """The page size rule; everything else about pages is in print.css."""
    if page_size not in PAGE_SIZES:
        raise ParamsError(
            f"report.page_size must be one of {', '.join(PAGE_SIZES)}, found {page_size!r}."
        )
    return f"@page {{ size: {page_size}; }}"


@cache
def _stylesheets(page_size: str) -> tuple[list[Any], Any]:
    """Font and page CSS with their font configuration, built once per process."""
    weasyprint = _engine()
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    css = weasyprint.CSS(
        string=font_face_css() + "\n" + page_css(page_size), font_config=font_config
    )
    return [css], font_config


def html_to_pdf(
    html_path: str | Path,
    pdf_path: str | Path | None = None,
    *,
    page_size: str = "A4",
) -> PdfResult:
    """Render ``html_path`` to ``pdf_path`` (default: same name, ``.pdf``) atomically.

    Relative links in the HTML resolve against its folder. The PDF only
    replaces an existing file once it has been written completely.
    """
    started = time.perf_counter()
    source = Path(html_path)
    target = Path(pdf_path) if pdf_path else source.with_suffix(".pdf")
    page_css(page_size)  # check before the slow part
    weasyprint = _engine()
    stylesheets, font_config = _stylesheets(page_size)
    html = charts_as_images(source.read_text(encoding="utf-8"))
    document = weasyprint.HTML(string=html, base_url=str(source.parent)).render(
        stylesheets=stylesheets, font_config=font_config
    )
    atomic_write_bytes(target, document.write_pdf())
    return PdfResult(target, len(document.pages), time.perf_counter() - started)


_CHART_SVG = re.compile(r'<svg class="chart"[^>]*>.*?</svg>', re.S)


def charts_as_images(html: str) -> str:
    """Inline SVG charts as ``<img class="chart">`` with the same SVG as a data URL.

    Still vector in the PDF, and the chart text still text: WeasyPrint draws an
    image's SVG with the document's font configuration, so the chart's font stack
    (bundled KAM Sans SC first) finds the ``@font-face`` of :func:`font_face_css`
    and the PDF embeds one subset of it for page and charts, on a machine without
    any CJK font. The chart's SVG elements no longer go through the page's CSS
    cascade: about half the time of drawing the same charts inline.
    Only kamreport's own charts (``<svg class="chart" …>``) are converted.
    """

    def image(match: re.Match[str]) -> str:
        svg = match.group(0)
        tag = svg[: svg.index(">")]
        if "xmlns=" not in tag:  # optional inside HTML, required in an SVG file
            svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
        if "xlink:" in svg and "xmlns:xlink=" not in tag:
            svg = svg.replace("<svg ", '<svg xmlns:xlink="http://www.w3.org/1999/xlink" ', 1)
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return f'<img class="chart" alt="" src="data:image/svg+xml;base64,{data}">'

    return _CHART_SVG.sub(image, html)


def page_size_of(params: Mapping[str, Any]) -> str:
    """``report.page_size`` from a run's plain parameters (as in provenance.json)."""
    return str(params.get("report", {}).get("page_size", "A4"))


def wants_pdf(params: Mapping[str, Any]) -> bool:
    """Whether a run's plain parameters ask for PDF output."""
    return "pdf" in params.get("report", {}).get("formats", ())


def printable(html_path: Path) -> bool:
    """Whether an HTML file is a report laid out by base.html.j2 (not, say, an email body)."""
    with html_path.open(encoding="utf-8", errors="replace") as handle:
        return PRINT_MARKER in handle.read(4096)


def write_pdfs(
    directory: str | Path,
    params: Mapping[str, Any],
    *,
    progress: Progress | None = None,
) -> list[PdfResult]:
    """A PDF beside every report HTML in ``directory`` (a run's staging folder)."""
    results = []
    for html in sorted(Path(directory).glob("*.html")):
        if not printable(html):
            continue
        if progress:
            progress(f"Writing {html.with_suffix('.pdf').name}…")
        results.append(html_to_pdf(html, page_size=page_size_of(params)))
    return results
