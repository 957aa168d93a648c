"""PDF output: the engine checks, the HTML → PDF step, and whole reports checked with poppler."""

from __future__ import annotations

import csv
import html as html_lib
import importlib.abc
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_tool

from kamreport import pdf
from kamreport.errors import ParamsError, PdfEngineError
from kamreport.i18n import catalog
from kamreport.params import load_params

PRINT_CSS = Path(__file__).parents[1] / "templates" / "css" / "print.css"


def page(body: str, lang: str = "en", marker: bool = True) -> str:
    """A minimal page with the real print stylesheet, as base.html.j2 includes it."""
    head = '<meta charset="utf-8">' + (pdf.PRINT_MARKER if marker else "")
    css = PRINT_CSS.read_text(encoding="utf-8")
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head>{head}<style media="print">{css}</style>'
        f'</head><body class="locale-{lang}">{body}</body></html>'
    )


@pytest.fixture
def engine(pdf_engine):
    """WeasyPrint with every library it needs; skip (fail in CI) without them."""


@pytest.fixture
def fresh_engine():
    """Forget the cached engine check before and after a test that fakes a missing library."""
    pdf._engine.cache_clear()
    yield
    pdf._engine.cache_clear()


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


# --- the engine check --------------------------------------------------------------


def test_missing_harfbuzz_subset_fails_loudly_with_the_package_to_install(
    monkeypatch, fresh_engine
):
    import weasyprint  # noqa: F401  (a declared dependency: missing is a failure)

    monkeypatch.setattr(pdf, "_harfbuzz_subset_available", lambda: False)
    with pytest.raises(PdfEngineError) as caught:
        pdf.check_engine()
    message = str(caught.value)
    assert "libharfbuzz-subset.so.0" in message
    assert "sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0" in message
    assert "10–25 s" in message and "leave pdf out of FORMATS" in message


class _NoPango(importlib.abc.MetaPathFinder):
    """Import of weasyprint fails the way it does when Pango cannot be loaded."""

    def find_spec(self, name, path=None, target=None):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': not found")
        return None


def test_missing_pango_fails_with_the_package_to_install(monkeypatch, fresh_engine):
    for name in [n for n in sys.modules if n == "weasyprint" or n.startswith("weasyprint.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_NoPango(), *sys.meta_path])
    with pytest.raises(PdfEngineError, match=r"Pango text layout library.*apt-get install"):
        pdf.check_engine()


def test_missing_weasyprint_says_how_to_install_it(monkeypatch, fresh_engine):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(PdfEngineError, match=r"pip install weasyprint"):
        pdf.check_engine()


def test_runner_checks_the_engine_before_running_the_notebook(monkeypatch, sample_dir, tmp_path):
    from kamreport import runner

    def missing():
        raise PdfEngineError("no engine")

    monkeypatch.setattr(pdf, "check_engine", missing)
    monkeypatch.setattr(runner, "start_kernel", lambda: None)
    out = tmp_path / "out"
    overrides = {
        "data": {"source": str(sample_dir)},
        "report": {"formats": ["html", "pdf"], "output_dir": str(out)},
    }
    with pytest.raises(PdfEngineError, match="no engine"):
        runner.run_customer_report("KA0001", overrides=overrides, progress=lambda _: None)
    assert not list(out.glob("2*"))  # failed before any report folder was made


# --- parameters ------------------------------------------------------------------------


def test_page_size_is_a4_by_default_and_letter_on_request():
    assert load_params().report.page_size == "A4"
    assert load_params(overrides={"report": {"page_size": "Letter"}}).report.page_size == "Letter"
    with pytest.raises(
        ParamsError, match=r"report.page_size must be one of A4, Letter, found 'A5'"
    ):
        load_params(overrides={"report": {"page_size": "A5"}})
    with pytest.raises(ParamsError, match=r"report\.page_size"):
        pdf.page_css("a4")


def test_wants_pdf_reads_the_formats_of_a_run():
    assert pdf.wants_pdf({"report": {"formats": ["html", "pdf"]}})
    assert not pdf.wants_pdf({"report": {"formats": ["html"]}})
    assert pdf.page_size_of({"report": {"page_size": "Letter"}}) == "Letter"


# --- HTML → PDF ------------------------------------------------------------------------


@pytest.mark.system
def test_chinese_renders_with_the_bundled_font_embedded_as_a_subset(engine, tmp_path):
    pdffonts = require_tool("pdffonts")
    require_tool("pdftotext")
    source = tmp_path / "r.html"
    source.write_text(
        page("<h1>重点客户 Key account</h1><p>销售额同比增长 12%</p>", "zh-CN"), "utf-8"
    )
    result = pdf.html_to_pdf(source, page_size="Letter")
    assert result.path == tmp_path / "r.pdf" and result.pages == 1
    fonts = run(pdffonts, str(result.path)).splitlines()[2:]
    assert fonts, "no fonts in the PDF"
    for line in fonts:
        name, *_, emb, sub, _uni, _obj, _gen = line.split()
        assert (emb, sub) == ("yes", "yes"), line  # embedded, as a subset
        assert "KAM-Sans-SC" in name, line  # the bundled font, not whatever the system has
    text = run("pdftotext", str(result.path), "-")
    assert "重点客户 Key account" in text and "销售额同比增长 12%" in text
    assert "612 x 792" in run("pdfinfo", str(result.path))  # Letter


@pytest.mark.system
def test_pdf_is_written_atomically(engine, tmp_path, monkeypatch):
    import weasyprint

    source = tmp_path / "report.html"
    source.write_text(page("<p>x</p>"), "utf-8")
    good = tmp_path / "report.pdf"
    good.write_bytes(b"%PDF good")

    def broken(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(weasyprint.Document, "write_pdf", broken)
    with pytest.raises(RuntimeError):
        pdf.html_to_pdf(source)
    assert good.read_bytes() == b"%PDF good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.pdf"]


@pytest.mark.system
def test_write_pdfs_converts_reports_only(engine, tmp_path):
    (tmp_path / "report.html").write_text(page("<p>report</p>"), "utf-8")
    (tmp_path / "email.html").write_text(page("<p>mail body</p>", marker=False), "utf-8")
    results = pdf.write_pdfs(tmp_path, {"report": {"formats": ["html", "pdf"]}})
    assert [r.path.name for r in results] == ["report.pdf"]
    assert not (tmp_path / "email.pdf").exists()


@pytest.mark.system
def test_inline_svg_charts_stay_vector_and_visible(engine, tmp_path):
    require_tool("pdfimages")
    chart = (  # as kamreport.charts writes them, without the optional namespaces
        '<svg class="chart" aria-hidden="true" viewBox="0 0 100 50">'
        '<defs><path id="g" d="M0 0 H40 V40 H0 Z"/></defs>'
        '<use xlink:href="#g" x="5" y="5" fill="#000"/></svg>'
    )
    assert "<img" in pdf.charts_as_images(chart)
    source = tmp_path / "chart.html"
    source.write_text(page(f'<figure class="chart-figure">{chart}</figure>'), "utf-8")
    result = pdf.html_to_pdf(source)
    assert run("pdfimages", "-list", str(result.path)).splitlines()[2:] == []  # no raster
    run(
        "pdftoppm", "-r", "20", "-gray", "-f", "1", "-l", "1", str(result.path), str(tmp_path / "p")
    )
    pixels = next(tmp_path.glob("p-*.pgm")).read_bytes().split(b"\n", 3)[3]
    assert sum(1 for v in pixels if v < 100) > 200  # the black square is drawn


def chinese_chart_page(tmp_path: Path) -> tuple[Path, list[str]]:
    """A page with one chart in Chinese, and the chart texts the PDF must show."""
    import pandas as pd

    from kamreport.charts import line_chart
    from kamreport.i18n import Formatter

    fmt = Formatter("zh-CN", "CNY")
    quarters = ["2025年第4季度", "2026年第1季度", "2026年第2季度", "2026年第3季度"]
    values = pd.Series([0.12, 0.125, 0.118, 0.121])
    chart = line_chart({"折扣深度": values}, fmt, chart_id="discount-depth",
                       title="各季度折扣深度（净额／标价）", ylabel="折扣",
                       kind="percent", x_labels=quarters)  # fmt: skip
    source = tmp_path / "chart.html"
    source.write_text(page(f'<figure class="chart-figure">{chart.svg}</figure>', "zh-CN"), "utf-8")
    return source, ["各季度折扣深度（净额／标价）", "折扣", "2026年第1季度"]


def pdf_fonts(path: Path) -> list[str]:
    return run(require_tool("pdffonts"), str(path)).splitlines()[2:]


@pytest.mark.system
def test_chart_text_is_text_in_the_bundled_font(engine, tmp_path):
    require_tool("pdftotext")
    require_tool("pdfimages")
    source, texts = chinese_chart_page(tmp_path)
    assert "<text" in source.read_text("utf-8")
    result = pdf.html_to_pdf(source)
    text = squash(run("pdftotext", str(result.path), "-"))
    for expected in texts:
        assert squash(expected) in text, expected
    assert run("pdfimages", "-list", str(result.path)).splitlines()[2:] == []  # vector
    fonts = pdf_fonts(result.path)
    assert fonts and all("KAM-Sans-SC" in line for line in fonts), fonts


@pytest.mark.system
def test_chart_text_needs_no_cjk_font_on_the_machine(engine, tmp_path):
    """With no font installed at all, Chinese chart labels still come out in KAM Sans SC."""
    require_tool("pdftotext")
    fc_list = require_tool("fc-list")
    source, texts = chinese_chart_page(tmp_path)
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>",
        "utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FONTCONFIG")}
    env["FONTCONFIG_FILE"] = str(config)
    code = (
        "import sys, warnings; warnings.simplefilter('ignore'); "
        "from kamreport.pdf import html_to_pdf; html_to_pdf(sys.argv[1])"
    )
    subprocess.run([sys.executable, "-c", code, str(source)], check=True, env=env)
    listed = subprocess.run([fc_list], env=env, capture_output=True, text=True).stdout
    assert listed.strip() == ""  # the subprocess saw no system font
    pdf_path = source.with_suffix(".pdf")
    text = squash(run("pdftotext", str(pdf_path), "-"))
    for expected in texts:
        assert squash(expected) in text, expected
    fonts = pdf_fonts(pdf_path)
    assert fonts and all("KAM-Sans-SC" in line for line in fonts), fonts


# --- whole reports on the sample data ------------------------------------------------------

PAGE_RANGES = {"customer": (3, 16), "portfolio": (6, 40)}


def sample_name(sample_dir: Path, account_id: str) -> str:
    with (sample_dir / "accounts.csv").open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if row["account_id"] == account_id:
                return row["name"]
    raise AssertionError(f"{account_id} not in the sample")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def headings(report_html: str) -> list[str]:
    """The section headings (h2) of a report, as text."""
    found = re.findall(r"<h2[^>]*>(.*?)</h2>", report_html, flags=re.S)
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", h)).strip() for h in found]


def blank_pages(pdf_path: Path, tmp_path: Path) -> list[int]:
    """Pages with nothing in their body (between running header and footer)."""
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", run("pdfinfo", str(pdf_path)))
    width, height = (float(v) / 72 * 20 for v in size.groups())  # pixels at 20 dpi
    margin = round(26 / 25.4 * 20)  # skip 26 mm at top and bottom: the running texts
    prefix = tmp_path / "page"
    run("pdftoppm", "-r", "20", "-gray", "-x", "0", "-y", str(margin), "-W", str(round(width)),
        "-H", str(round(height) - 2 * margin), str(pdf_path), str(prefix))  # fmt: skip
    blank = []
    for number, image in enumerate(sorted(tmp_path.glob("page-*.pgm"), key=_page_no), 1):
        pixels = image.read_bytes().split(b"\n", 3)[3]  # P5 header: magic, size, maxval
        if sum(1 for p in pixels if p < 200) < 20:
            blank.append(number)
    return blank


def footer_only_pages(pdf_path: Path, pages: int, locale: str) -> list[int]:
    """Pages whose only text is the report's closing provenance footer."""
    messages = catalog(locale)
    closing = tuple(
        messages[k].split("{")[0].strip() for k in ("report.provenance", "report.generated")
    )
    found = []
    for number in range(1, pages + 1):
        text = run("pdftotext", "-f", str(number), "-l", str(number), str(pdf_path), "-")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        body = lines[2:-2]  # without the running header and footer
        if body and all(line.startswith(closing) for line in body):
            found.append(number)
    return found


def _page_no(path: Path) -> int:
    return int(path.stem.rsplit("-", 1)[1])


def check_report_pdf(pdf_path: Path, kind: str, locale: str, title: str, tmp_path: Path) -> None:
    """The checks every report PDF passes: opens, length, fonts, text, no blank page."""
    info = run("pdfinfo", str(pdf_path))
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    low, high = PAGE_RANGES[kind]
    assert low <= pages <= high, f"{pdf_path}: {pages} pages"
    assert "595.276 x 841.89" in info  # A4

    assert run("pdfimages", "-list", str(pdf_path)).splitlines()[2:] == []  # charts are vector
    fonts = run("pdffonts", str(pdf_path)).splitlines()[2:]
    assert all(line.split()[-5:-3] == ["yes", "yes"] for line in fonts), fonts
    if locale == "zh-CN":
        assert any("KAM-Sans-SC" in line for line in fonts), fonts  # the CJK font

    text = squash(run("pdftotext", "-layout", str(pdf_path), "-"))
    html = pdf_path.with_suffix(".html").read_text(encoding="utf-8")
    section_titles = headings(html)
    assert len(section_titles) >= 3
    for heading in section_titles:
        assert squash(heading) in text, heading
    assert squash(title) in text
    messages = catalog(locale)
    page_two = messages["pdf.page_before"] + "2" + messages["pdf.page_between"] + str(pages)
    assert squash(page_two + messages["pdf.page_after"]) in text  # running footer
    label = "内部资料" if locale == "zh-CN" else "INTERNAL"  # the confidentiality label
    assert text.count(label) >= pages  # on every page
    assert blank_pages(pdf_path, tmp_path) == []
    assert footer_only_pages(pdf_path, pages, locale) == []


def run_reports(kind: str, sample_dir: Path, tmp_path_factory) -> dict:
    """The report of ``kind`` in both languages on the sample data, with PDFs."""
    from kamreport.runner import run_customer_report, run_portfolio_report

    results = {}
    for locale in ("en", "zh-CN"):
        out = tmp_path_factory.mktemp(f"pdf-{kind}-{locale}")
        overrides = {
            "data": {"source": str(sample_dir)},
            "report": {"locale": locale, "output_dir": str(out), "formats": ["html", "pdf"]},
        }
        if kind == "customer":
            results[locale] = run_customer_report("KA0001", overrides=overrides)
        else:
            results[locale] = run_portfolio_report(overrides=overrides)
    return results


@pytest.fixture(scope="module")
def customer_reports(pdf_engine, sample_dir, tmp_path_factory):
    return run_reports("customer", sample_dir, tmp_path_factory)


@pytest.fixture(scope="module")
def portfolio_reports(pdf_engine, sample_dir, tmp_path_factory):
    return run_reports("portfolio", sample_dir, tmp_path_factory)


def require_poppler() -> None:
    for tool in ("pdfinfo", "pdffonts", "pdftotext", "pdftoppm", "pdfimages"):
        require_tool(tool)


def outline(html: Path) -> list:
    """The PDF bookmarks of a report, as WeasyPrint builds them from its HTML."""
    document = pdf._engine().HTML(filename=str(html)).render()
    return document.make_bookmark_tree()


@pytest.mark.slow
@pytest.mark.system
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_customer_report_pdf(customer_reports, locale, sample_dir, tmp_path, engine):
    require_poppler()
    result = customer_reports[locale]
    pdf_path = result.directory / "report.pdf"
    assert pdf_path in result.files
    manifest = (result.directory / "manifest.json").read_text(encoding="utf-8")
    assert '"report.pdf"' in manifest
    name = sample_name(sample_dir, "KA0001")
    check_report_pdf(pdf_path, "customer", locale, name, tmp_path)
    text = squash(run("pdftotext", str(pdf_path), "-"))
    assert squash(catalog(locale)["report.customer_title"]) in text


@pytest.mark.slow
@pytest.mark.system
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_portfolio_report_pdf(portfolio_reports, locale, tmp_path, engine):
    require_poppler()
    result = portfolio_reports[locale]
    pdf_path = result.directory / "portfolio.pdf"
    assert pdf_path in result.files
    check_report_pdf(pdf_path, "portfolio", locale, catalog(locale)["portfolio.title"], tmp_path)
    # The table of contents on page 1 gives each section's page number.
    first_page = run("pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf_path), "-")
    toc = [line for line in first_page.splitlines() if re.search(r"\.{3,}\s*\d+\s*$", line)]
    assert len(toc) >= 5, first_page


@pytest.mark.slow
@pytest.mark.system
@pytest.mark.parametrize("kind", ["customer", "portfolio"])
def test_pdf_bookmarks_are_the_report_and_its_sections(kind, request, engine):
    result = request.getfixturevalue(f"{kind}_reports")["en"]
    html = result.directory / ("report.html" if kind == "customer" else "portfolio.html")
    tree = outline(html)
    assert len(tree) == 1  # the report's title, with its sections below it
    label, _target, children, _state = tree[0]
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html.read_text("utf-8"), re.S).group(1)
    assert squash(label) == squash(html_lib.unescape(re.sub(r"<[^>]+>", "", h1)))
    assert [child[0] for child in children] == headings(html.read_text("utf-8"))


# --- page breaks and the layout of print ---------------------------------------------


def laid_out(body: str) -> list:
    """The pages of ``body`` on the print stylesheet, as the PDF engine lays them out."""
    return pdf._engine().HTML(string=page(body)).render().pages


def boxes_of(pages: list, tag: str, kind: str = "") -> list[tuple[int, object]]:
    """(page number, box) of every box of an element ``tag`` (of the box type ``kind``,
    e.g. "TableBox" and not its wrapper), in document order."""
    found = []

    def walk(box, number: int) -> None:
        element = getattr(box, "element", None)
        if element is not None and element.tag == tag and kind in ("", type(box).__name__):
            found.append((number, box))
        for child in getattr(box, "children", None) or []:
            walk(child, number)

    for number, laid in enumerate(pages, 1):
        walk(laid._page_box, number)
    return found


def content_bottoms(box, out: list[float]) -> list[float]:
    """The bottom of every line, table row and picture inside ``box``."""
    kind = type(box).__name__
    if kind in ("LineBox", "TableRowBox") or "Replaced" in kind:
        out.append(box.position_y + box.margin_height())
        return out
    for child in getattr(box, "children", None) or []:
        content_bottoms(child, out)
    return out


def sections_moved_needlessly(pages: list) -> list[str]:
    """Sections that open a page although what must stay with their heading (the block
    after it, or its introduction and the block after that: print.css) fits in the room
    the page before left empty."""
    found = []
    for before, laid in itertools.pairwise(pages):
        area = before._page_box
        room = area.content_box_y() + area.height
        room -= max(content_bottoms(area.children[0], []), default=area.content_box_y())
        first = next(iter(boxes_of([laid], "section", "BlockBox")), None)
        if first is None:
            continue
        section = first[1]
        parts = [c for c in section.children if c.is_in_normal_flow()]
        if not parts or parts[0].element.tag != "h2" or section.element.get("id") is None:
            continue  # the section went on from the page before, or is the report's header
        kept = 3 if len(parts) > 2 and parts[1].element.tag == "p" else 2
        needed = section.padding_top + sum(c.margin_height() for c in parts[:kept])
        if needed < room:
            found.append(f"{section.element.get('id')}: needs {needed:.0f}px of {room:.0f}px")
    return found


@pytest.mark.slow
@pytest.mark.system
@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_no_section_leaves_the_page_before_it_half_empty(customer_reports, locale, engine):
    html = customer_reports[locale].directory / "report.html"
    document = pdf._engine().HTML(string=pdf.charts_as_images(html.read_text("utf-8")))
    stylesheets, fonts = pdf._stylesheets("A4")
    pages = document.render(stylesheets=stylesheets, font_config=fonts).pages
    assert sections_moved_needlessly(pages) == []


@pytest.mark.system
def test_two_columns_sit_side_by_side_and_a_card_value_keeps_to_one_line(engine):
    table = '<div class="table-scroll"><table class="data"><tr><td>x</td></tr></table></div>'
    cards = "".join(
        f'<div class="kpi-card"><div class="kpi-label">Tier</div>'
        f'<div class="kpi-value">{value}</div></div>\n'
        for value in ("Key account · A", "CN¥12,345,678", "重点客户 · A", "98.9%")
    )
    # as the templates write them: line breaks between the columns and between the cards
    pages = laid_out(
        f'<div class="two-col">\n{table}\n{table}\n</div>\n<div class="kpi-grid">{cards}</div>'
    )
    left, right = (box for _, box in boxes_of(pages, "table", "TableBox"))
    assert left.position_y == right.position_y and right.position_x > left.position_x
    values = [
        box
        for _, box in boxes_of(pages, "div", "BlockBox")
        if box.element.get("class") == "kpi-value"
    ]
    assert len(values) == 4
    for box in values:
        lines = [c for c in box.children if type(c).__name__ == "LineBox"]
        assert len(lines) == 1, box.element.text
