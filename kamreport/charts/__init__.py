"""Charts for the reports: matplotlib figures, exported as SVG (reports) or PNG (email)."""

from kamreport.charts.base import Chart, figure_to_png, figure_to_svg, new_figure
from kamreport.charts.distribution import histogram_chart
from kamreport.charts.dso import dso_chart
from kamreport.charts.lines import line_chart
from kamreport.charts.mix import mix_chart
from kamreport.charts.pareto import pareto_chart
from kamreport.charts.relationship_map import relationship_map
from kamreport.charts.trend import revenue_trend
from kamreport.charts.waterfall import waterfall_chart

__all__ = [
    "Chart",
    "dso_chart",
    "figure_to_png",
    "figure_to_svg",
    "histogram_chart",
    "line_chart",
    "mix_chart",
    "new_figure",
    "pareto_chart",
    "relationship_map",
    "revenue_trend",
    "waterfall_chart",
]
