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


def test_series_too_short_to_chart_take_no_colour():
    chart = charts.chart_with_legend(
        [
            ("Django", points(1, 2)),
            ("FastAPI", []),
            ("Pyramid", points(7)),
            ("Flask", points(3, 4)),
        ],
        title="t",
        chart_id="c",
    )
    assert legend_entries(chart.legend) == [("1", "Django"), ("2", "Flask")]
    assert mark_colours(chart.svg) == ["1", "1", "1", "2", "2", "2"]  # a line and 2 dots each


def test_a_one_point_series_is_given_as_its_figure_and_date():
    chart = charts.chart_with_legend(
        [("Django", points(1000, 2000)), ("Flask", [(dt.date(2021, 8, 10), 56000)])],
        title="t",
        chart_id="c",
    )
    assert "<li>Flask: 56K on 10 Aug 2021 (one reading, not charted)</li>" in chart.legend
    assert "Flask" not in chart.svg
    assert set(mark_colours(chart.svg)) == {"1"}


def test_legend_and_marks_share_one_index_for_every_series():
    series = [("A", points(1, 2)), ("B", points(2, 3, 4)), ("C", points(5, 6)), ("D", points(1, 9))]
    chart = charts.chart_with_legend(series, title="t", chart_id="c")
    assert [label for _, label in legend_entries(chart.legend)] == ["A", "B", "C", "D"]
    assert sorted(set(mark_colours(chart.svg))) == [i for i, _ in legend_entries(chart.legend)]


def test_no_chart_when_no_series_has_two_points():
    assert charts.chart_with_legend([("A", []), ("B", points(1))], title="t", chart_id="c") is None


def test_legend_escapes_labels():
    chart = charts.chart_with_legend([("<b>x</b>", points(1, 2))], title="t", chart_id="c")
    assert "<b>" not in chart.legend and "&lt;b&gt;x&lt;/b&gt;" in chart.legend
