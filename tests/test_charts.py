"""Charts: text stays text in the SVG, in the report's font stack; margins leave room for
every label; the same input gives the same SVG."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from kamreport.charts import base, line_chart
from kamreport.context import open_context
from kamreport.i18n import Formatter
from kamreport.reports import customer

# how matplotlib names a glyph it exports as an outline: <path id="DejaVuSans-4f" …>
GLYPH_OUTLINE = re.compile(r'<path id="[A-Za-z-]+-[0-9a-f]{2,6}"')


@pytest.fixture(scope="module")
def review(sample_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("charts")
    overrides = {"data": {"source": str(sample_dir)}, "report": {"output_dir": str(out)}}
    run = open_context(None, overrides, say=lambda _: None)
    return customer.review(run, "KA0001")


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_every_chart_keeps_its_text_as_text(review, locale):
    charts = customer.charts(review, Formatter(locale, "CNY"))
    assert sum(c is not None for c in charts.values()) >= 6
    for chart in filter(None, charts.values()):
        svg = chart.svg
        assert svg.startswith('<svg class="chart" aria-hidden="true" font-family="')
        assert "KAM Sans SC" in svg[: svg.index(">")]
        texts = re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)
        assert texts, chart.chart_id
        assert not GLYPH_OUTLINE.search(svg), chart.chart_id  # no letters drawn as paths
        if locale == "zh-CN":
            assert any(re.search(r"[\u4e00-\u9fff]", t) for t in texts), chart.chart_id


def test_the_same_input_gives_the_same_svg(review):
    fmt = Formatter("en", "CNY")
    first = customer.charts(review, fmt)
    again = customer.charts(review, fmt)
    assert {k: c.svg for k, c in first.items() if c} == {k: c.svg for k, c in again.items() if c}


def test_charts_are_light(review):
    svgs = [c.svg for c in customer.charts(review, Formatter("en", "CNY")).values() if c]
    assert sum(len(s) for s in svgs) < 150_000  # text, not glyph paths: was ~330 KB


def test_a_long_title_is_wrapped_inside_the_figure():
    fmt = Formatter("zh-CN", "CNY")
    series = pd.Series([1.0, 2.0, 3.0])
    title = "非常长的图表标题，" * 12
    fig, ax = base.new_figure()
    ax.plot(series.index, series.to_numpy())
    ax.set_title(title)
    base.fit_margins(fig)
    renderer = FigureCanvasAgg(fig).get_renderer()
    shown = ax._left_title  # titles are left-aligned in the report style
    box = shown.get_window_extent(renderer)
    assert "\n" in shown.get_text()
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height
    chart = line_chart({"a": series}, fmt, chart_id="t", title=title, ylabel="y")
    assert "<text" in chart.svg
