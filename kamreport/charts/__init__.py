"""Charts for the reports, written as SVG (:mod:`kamreport.charts.axes`); PNG for email
(:mod:`kamreport.charts.png`)."""

from kamreport.charts.base import Chart
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
    "histogram_chart",
    "line_chart",
    "mix_chart",
    "pareto_chart",
    "relationship_map",
    "revenue_trend",
    "waterfall_chart",
]
