"""Charts for the reports: matplotlib figures, exported as SVG (reports) or PNG (email)."""

from kamreport.charts.base import Chart, figure_to_png, figure_to_svg, new_figure
from kamreport.charts.trend import revenue_trend

__all__ = ["Chart", "figure_to_png", "figure_to_svg", "new_figure", "revenue_trend"]
