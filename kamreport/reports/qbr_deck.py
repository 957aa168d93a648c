"""The QBR deck as a PowerPoint file (python-pptx), from :class:`kamreport.views.qbr.QbrView`.

Charts are native PowerPoint charts with their data inside (the customer's team can
edit or restyle them), tables are native tables; nothing is a picture. Text is set in
the bundled KAM Sans SC for Latin script and in Microsoft YaHei for East Asian script
(``a:ea``), which Windows has and other systems substitute with their own CJK font.
"""

from __future__ import annotations

import io
import unicodedata

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.text.text import Font
from pptx.util import Emu, Inches, Pt

from kamreport.fonts import FAMILY
from kamreport.views.qbr import Chart, Kpi, QbrView, Slide, Table

EAST_ASIAN_FONT = "Microsoft YaHei"
INK = RGBColor(0x1F, 0x29, 0x37)
MUTED = RGBColor(0x5B, 0x65, 0x73)
ACCENT = RGBColor(0x1D, 0x4E, 0x89)
LIGHT = RGBColor(0xEE, 0xF2, 0xF7)
WARN = RGBColor(0x9A, 0x34, 0x12)
SERIES_COLOURS = (
    RGBColor(0x1D, 0x4E, 0x89),
    RGBColor(0x9C, 0xA3, 0xAF),
    RGBColor(0xD9, 0x77, 0x06),
)
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
BODY_WIDTH = WIDTH - 2 * MARGIN
ROW_HEIGHT = Inches(0.34)


def _font(font: Font, size: float, *, bold: bool = False, colour: RGBColor = INK) -> None:
    font.name = FAMILY
    font.size = Pt(size)
    font.bold = bold
    font.color.rgb = colour
    rpr = font._rPr  # python-pptx has no API for the East Asian typeface
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = rpr.makeelement(qn("a:ea"), {})
        latin = rpr.find(qn("a:latin"))
        latin.addnext(ea)
    ea.set("typeface", EAST_ASIAN_FONT)


def _text(
    slide,
    left: int,
    top: int,
    width: int,
    height: int,
    lines: list[tuple[str, float, bool, RGBColor]],
    *,
    align: PP_ALIGN = PP_ALIGN.LEFT,
    anchor: MSO_ANCHOR = MSO_ANCHOR.TOP,
    spacing: int = 0,
) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    for side in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
        setattr(frame, side, Inches(0.04))
    for i, (text, size, bold, colour) in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        if spacing:
            paragraph.space_after = spacing
        run = paragraph.add_run()
        run.text = text
        _font(run.font, size, bold=bold, colour=colour)


def _kpis(slide, kpis: tuple[Kpi, ...], top: int) -> int:
    """A row of figure cards; the top of what follows."""
    gap = Inches(0.2)
    width = int((BODY_WIDTH - gap * (len(kpis) - 1)) / len(kpis))
    height = Inches(1.3)
    for i, kpi in enumerate(kpis):
        left = MARGIN + i * (width + gap)
        card = slide.shapes.add_shape(1, left, top, width, height)  # 1: rectangle
        card.fill.solid()
        card.fill.fore_color.rgb = LIGHT
        card.line.fill.background()
        card.shadow.inherit = False
        lines = [(kpi.label, 12, False, MUTED), (kpi.value, 22, True, INK)]
        if kpi.note:
            lines.append((kpi.note, 10.5, False, MUTED))
        _text(slide, left + Inches(0.12), top + Inches(0.08), width - Inches(0.24),
              height - Inches(0.16), lines)  # fmt: skip
    return top + height + Inches(0.3)


def text_width(text: str) -> int:
    """Width of ``text`` in half-em units: East Asian characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_weights(table: Table) -> list[float]:
    """Each column's share of a table's width: its widest cell or its header (bold, a
    little wider), at least 6 half-ems."""
    weights = []
    for i, header in enumerate(table.headers):
        cells = [text_width(row[i]) for row in table.rows]
        weights.append(float(max([6, int(text_width(header) * 1.1) + 1, *cells])))
    return weights


def _table(slide, table: Table, left: int, top: int, width: int) -> int:
    """A native table; the bottom of it (with its "and n more" line)."""
    rows = len(table.rows) + 1
    shape = slide.shapes.add_table(rows, len(table.headers), left, top, width, ROW_HEIGHT * rows)
    grid = shape.table
    weights = column_weights(table)
    total = sum(weights)
    for i, weight in enumerate(weights):
        grid.columns[i].width = Emu(int(width * weight / total))
    for r in range(rows):
        grid.rows[r].height = ROW_HEIGHT
        values = table.headers if r == 0 else table.rows[r - 1]
        for c, value in enumerate(values):
            cell = grid.cell(r, c)
            cell.margin_left = cell.margin_right = Inches(0.06)
            cell.margin_top = cell.margin_bottom = Inches(0.03)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            frame = cell.text_frame
            frame.word_wrap = True
            paragraph = frame.paragraphs[0]
            paragraph.alignment = PP_ALIGN.RIGHT if table.numeric[c] else PP_ALIGN.LEFT
            run = paragraph.add_run()
            run.text = value
            header = r == 0
            _font(run.font, 11, bold=header, colour=RGBColor(0xFF, 0xFF, 0xFF) if header else INK)
            cell.fill.solid()
            cell.fill.fore_color.rgb = (
                ACCENT if header else (LIGHT if r % 2 == 0 else RGBColor(0xFF, 0xFF, 0xFF))
            )
    bottom = top + ROW_HEIGHT * rows
    if table.more:
        _text(
            slide, left, bottom + Inches(0.04), width, Inches(0.3), [(table.more, 10, False, MUTED)]
        )
        bottom += Inches(0.34)
    return bottom


def _chart(slide, chart: Chart, left: int, top: int, width: int, height: int) -> None:
    data = CategoryChartData(number_format="#,##0")
    data.categories = list(chart.categories)
    for name, values in chart.series:
        data.add_series(name, list(values))
    kind = XL_CHART_TYPE.BAR_CLUSTERED if chart.horizontal else XL_CHART_TYPE.COLUMN_CLUSTERED
    frame = slide.shapes.add_chart(kind, left, top, width, height, data)
    plot = frame.chart
    plot.has_title = True
    plot.chart_title.text_frame.text = chart.title
    _font(plot.chart_title.text_frame.paragraphs[0].runs[0].font, 13, bold=True)
    plot.has_legend = len(chart.series) > 1
    if plot.has_legend:
        plot.legend.position = XL_LEGEND_POSITION.BOTTOM
        plot.legend.include_in_layout = False
        _font(plot.legend.font, 11)
    _font(plot.font, 11)
    for i, series in enumerate(plot.series):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = SERIES_COLOURS[i % len(SERIES_COLOURS)]
    value_axis = plot.value_axis
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = RGBColor(0xE5, 0xE7, 0xEB)
    value_axis.tick_labels.number_format = "#,##0"
    value_axis.tick_labels.number_format_is_linked = False
    if chart.horizontal:
        plot.category_axis.reverse_order = True  # largest first, at the top
    plot.plots[0].gap_width = 60


def _footer(slide, view: QbrView, number: int, total: int) -> None:
    bottom = HEIGHT - Inches(0.45)
    lines = [(view.footer, 9, False, MUTED)]
    _text(slide, MARGIN, bottom, BODY_WIDTH - Inches(1.0), Inches(0.3), lines)
    _text(slide, WIDTH - MARGIN - Inches(1.0), bottom, Inches(1.0), Inches(0.3),
          [(f"{number} / {total}", 9, False, MUTED)], align=PP_ALIGN.RIGHT)  # fmt: skip


def _cover(prs, view: QbrView) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    band = slide.shapes.add_shape(1, 0, 0, WIDTH, Inches(0.35))
    band.fill.solid()
    band.fill.fore_color.rgb = ACCENT
    band.line.fill.background()
    lines = [
        (view.title, 20, False, MUTED),
        (view.account, 34, True, INK),
        (view.quarter, 26, True, ACCENT),
        (view.period, 16, False, INK),
        ("", 10, False, INK),
        (view.as_of, 13, False, MUTED),
        (view.label, 13, False, WARN if view.variant == "internal" else MUTED),
    ]
    _text(slide, MARGIN + Inches(0.3), Inches(1.6), BODY_WIDTH - Inches(0.6), Inches(4.8), lines,
          spacing=Pt(8))  # fmt: skip


def _slide(prs, view: QbrView, content: Slide, number: int, total: int) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    colour = WARN if content.internal else INK
    _text(slide, MARGIN, Inches(0.35), BODY_WIDTH, Inches(0.7), [(content.title, 26, True, colour)])
    top = Inches(1.2)
    if content.kpis:
        top = _kpis(slide, content.kpis, top)
    notes_height = Inches(0.32) * len(content.notes)
    bottom = HEIGHT - Inches(0.6) - notes_height
    end = top  # the bottom of what is on the slide so far
    if content.chart is not None:
        chart_width = int(BODY_WIDTH * 0.5) if content.layout == "split" else BODY_WIDTH
        _chart(slide, content.chart, MARGIN, top, chart_width, bottom - top)
        end = bottom
        if content.tables:
            left = MARGIN + chart_width + Inches(0.3)
            _table(slide, content.tables[0], left, top, BODY_WIDTH - chart_width - Inches(0.3))
    elif content.layout == "pair":
        gap = Inches(0.3)
        first = int((BODY_WIDTH - gap) * 0.64)
        end = max(
            _table(slide, content.tables[0], MARGIN, top, first),
            _table(slide, content.tables[1], MARGIN + first + gap, top, BODY_WIDTH - first - gap),
        )
    elif content.tables:
        end = _table(slide, content.tables[0], MARGIN, top, BODY_WIDTH)
    if content.notes:
        lines = [(note, 12, False, MUTED) for note in content.notes]
        notes_top = min(end + Inches(0.15), bottom)
        _text(slide, MARGIN, notes_top, BODY_WIDTH, notes_height, lines)
    _footer(slide, view, number, total)


def deck_bytes(view: QbrView) -> bytes:
    """The deck as the bytes of a .pptx file (16:9)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    prs.core_properties.title = view.file_title
    prs.core_properties.language = view.lang
    total = len(view.slides) + 1
    _cover(prs, view)
    for number, content in enumerate(view.slides, start=2):
        _slide(prs, view, content, number, total)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


__all__ = ["EAST_ASIAN_FONT", "deck_bytes"]
