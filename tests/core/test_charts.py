"""core/charts.py: one numbering for a chart's marks and its legend."""

import datetime as dt
import re

from core import charts

DAY = dt.date(2025, 1, 1)


def points(*values):
    return [(DAY + dt.timedelta(days=30 * i), v) for i, v in enumerate(values)]


def mark_colours(svg):
    return re.findall(r'class="chart__(?:line|dot) chart__(?:line|dot)--(\d)"', svg)


def legend_entries(legend):
    return re.findall(r'chart-legend__swatch--(\d)" aria-hidden="true"></span>([^<]*)<', legend)


def test_a_series_without_points_is_skipped_and_takes_no_colour():
    chart = charts.chart_with_legend(
        [("Django", points(1, 2)), ("FastAPI", []), ("Flask", points(3))],
        title="t",
        chart_id="c",
    )
    assert legend_entries(chart.legend) == [("1", "Django"), ("2", "Flask")]
    assert mark_colours(chart.svg) == ["1", "1", "1", "2"]  # Django's line, 2 dots; Flask's dot


def test_legend_and_marks_share_one_index_for_every_series():
    series = [("A", points(1, 2)), ("B", points(2, 3, 4)), ("C", points(5)), ("D", points(1, 9))]
    chart = charts.chart_with_legend(series, title="t", chart_id="c")
    assert [label for _, label in legend_entries(chart.legend)] == ["A", "B", "C", "D"]
    assert sorted(set(mark_colours(chart.svg))) == [i for i, _ in legend_entries(chart.legend)]


def test_no_chart_when_no_series_has_points():
    assert charts.chart_with_legend([("A", [])], title="t", chart_id="c") is None


def test_legend_escapes_labels():
    chart = charts.chart_with_legend([("<b>x</b>", points(1, 2))], title="t", chart_id="c")
    assert "<b>" not in chart.legend and "&lt;b&gt;x&lt;/b&gt;" in chart.legend
