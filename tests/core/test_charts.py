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


def test_series_too_short_to_show_a_trend_take_no_colour():
    chart = charts.chart_with_legend(
        [
            ("Django", points(1, 2, 3)),
            ("FastAPI", []),
            ("Pyramid", points(7, 8)),
            ("Flask", points(3, 4, 5)),
        ],
        title="t",
        chart_id="c",
    )
    assert legend_entries(chart.legend) == [("1", "Django"), ("2", "Flask")]
    assert mark_colours(chart.svg) == ["1"] * 4 + ["2"] * 4  # a line and 3 dots each


def test_a_series_too_short_to_chart_is_given_as_its_figures_and_dates():
    chart = charts.chart_with_legend(
        [
            ("Django", points(1000, 2000, 3000)),
            ("Flask", [(dt.date(2021, 8, 10), 56000), (dt.date(2025, 6, 1), 70500)]),
        ],
        title="t",
        chart_id="c",
    )
    assert (
        "<li>Flask: 70.5K on 1 Jun 2025, 56K on 10 Aug 2021 (too few readings to chart)</li>"
        in chart.legend
    )
    assert "Flask" not in chart.svg
    assert set(mark_colours(chart.svg)) == {"1"}


def test_legend_and_marks_share_one_index_for_every_series():
    series = [
        ("A", points(1, 2, 3)),
        ("B", points(2, 3, 4)),
        ("C", points(5, 6, 7)),
        ("D", points(1, 9, 4)),
    ]
    chart = charts.chart_with_legend(series, title="t", chart_id="c")
    assert [label for _, label in legend_entries(chart.legend)] == ["A", "B", "C", "D"]
    assert sorted(set(mark_colours(chart.svg))) == [i for i, _ in legend_entries(chart.legend)]


def test_without_a_trend_to_draw_only_the_figures_are_given():
    chart = charts.chart_with_legend([("A", []), ("B", points(1, 2))], title="t", chart_id="c")
    assert chart.svg == ""
    assert (
        "<li>B: 2 on 31 Jan 2025, 1 on 1 Jan 2025 (too few readings to chart)</li>" in chart.legend
    )
    assert charts.chart_with_legend([("A", [])], title="t", chart_id="c") is None
    assert charts.line_chart([("A", points(1, 2))], title="t", chart_id="c") == ""


def test_legend_escapes_labels():
    chart = charts.chart_with_legend([("<b>x</b>", points(1, 2, 3))], title="t", chart_id="c")
    assert "<b>" not in chart.legend and "&lt;b&gt;x&lt;/b&gt;" in chart.legend
