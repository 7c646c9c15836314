"""Small server-rendered SVG line charts: no chart library, no JavaScript.

Every value that reaches the markup goes through ``format_html`` (escaped);
colours come from CSS classes whose tokens swap in dark mode. A chart has an
accessible name (``<title>``) and a description of its first and last points
(``<desc>``), and the page keeps the figures as text beside it.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 320, 120
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 12, 10, 22
MAX_SERIES = 4
#: Fewer readings than this say nothing of a trend: they are given as
#: figures with their dates, not drawn.
MIN_TREND_POINTS = 3


@dataclass(frozen=True)
class Series:
    """One plotted series; ``index`` (1-4) is the colour class of its marks
    and of its legend swatch alike."""

    index: int
    label: str
    points: list


@dataclass(frozen=True)
class Chart:
    """A chart's SVG and its legend, numbered from one list of series."""

    svg: str
    legend: str


def numbered(series):
    """The series that have points, at most four, each with its colour index.
    The one place an index is given: marks and legend both read it."""
    kept = [(label, points) for label, points in series if points][:MAX_SERIES]
    return [Series(i, label, points) for i, (label, points) in enumerate(kept, start=1)]


def legend(plotted, readings=()):
    """The drawn series with their swatches, then each (label, points) too
    short to draw as its figures and dates, without a swatch."""
    return format_html(
        '<ul class="chart-legend">{}{}</ul>',
        format_html_join(
            "",
            '<li><span class="chart-legend__swatch chart-legend__swatch--{}" '
            'aria-hidden="true"></span>{}</li>',
            ((s.index, s.label) for s in plotted),
        ),
        format_html_join("", "<li>{}: {} (too few readings to chart)</li>", (
            (label, ", ".join(
                f"{compact(p[1])} on {date_format(p[0])}" for p in reversed(points)
            ))
            for label, points in readings
        )),
    )  # fmt: skip


def chart_with_legend(series, *, title, chart_id):
    """A Chart of the series with enough points to show a trend, with its
    legend; a series with fewer is given in the legend as its figures and
    dates (and the Chart has no SVG when no series has enough). None when no
    series has a point."""
    plotted = numbered([(label, pts) for label, pts in series if len(pts) >= MIN_TREND_POINTS])
    readings = [(label, pts) for label, pts in series if 0 < len(pts) < MIN_TREND_POINTS]
    if not plotted and not readings:
        return None
    svg = _svg(plotted, title=title, chart_id=chart_id) if plotted else ""
    return Chart(svg=svg, legend=legend(plotted, readings))


@dataclass
class Change:
    days: int
    delta: int
    since: date


def compact(number):
    for limit, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if abs(number) >= limit:
            return f"{number / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return str(number)


def change_over(points, days):
    """The change over ``days`` up to the latest point, when the history holds
    a point from then (within a tolerance of a few days); else None."""
    if len(points) < 2:
        return None
    last_day, last_value = points[-1][0], points[-1][1]
    target = last_day - timedelta(days=days)
    tolerance = timedelta(days=max(3, days // 30))
    for day, value, *_ in reversed(points[:-1]):
        if day <= target:
            if day >= target - tolerance:
                return Change(days, last_value - value, day)
            return None
    return None


def line_chart(series, *, title, chart_id):
    """An SVG of 1-4 series [(label, [(day, value), ...]), ...] on shared axes;
    "" when none has enough points to show a trend."""
    plotted = numbered([(label, pts) for label, pts in series if len(pts) >= MIN_TREND_POINTS])
    return _svg(plotted, title=title, chart_id=chart_id) if plotted else ""


def _svg(series, *, title, chart_id):
    days = [p[0] for s in series for p in s.points]
    values = [p[1] for s in series for p in s.points]
    first, last = min(days), max(days)
    low, high = min(values), max(values)
    if high == low:
        low, high = max(0, low - 1), high + 1
    span_days = max((last - first).days, 1)
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(day):
        return PAD_LEFT + plot_w * (day - first).days / span_days

    def y(value):
        return PAD_TOP + plot_h * (1 - (value - low) / (high - low))

    lines = []
    for index, points in ((s.index, s.points) for s in series):
        coords = " ".join(f"{x(p[0]):.1f},{y(p[1]):.1f}" for p in points)
        lines.append(
            format_html(
                '<polyline class="chart__line chart__line--{}" points="{}"/>', index, coords
            )
        )
        lines.append(
            format_html_join(
                "",
                '<circle class="chart__dot chart__dot--{}" cx="{}" cy="{}" r="2.5"/>',
                ((index, f"{x(p[0]):.1f}", f"{y(p[1]):.1f}") for p in points),
            )
        )
    descriptions = "; ".join(
        f"{label}: {compact(points[0][1])} on {date_format(points[0][0])}"
        f" to {compact(points[-1][1])} on {date_format(points[-1][0])}"
        for label, points in ((s.label, s.points) for s in series)
    )
    bottom = HEIGHT - 6
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d" '
        'focusable="false" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>'
        '<line class="chart__axis" x1="{pl}" y1="{base}" x2="{right}" y2="{base}"/>'
        '<text class="chart__label" x="{lx}" y="{ty}" text-anchor="end">{high}</text>'
        '<text class="chart__label" x="{lx}" y="{base}" text-anchor="end">{low}</text>'
        '<text class="chart__label" x="{pl}" y="{bottom}">{first}</text>'
        '<text class="chart__label" x="{right}" y="{bottom}" text-anchor="end">{last}</text>'
        "{lines}</svg>",
        w=WIDTH,
        h=HEIGHT,
        id=chart_id,
        title=title,
        desc=descriptions,
        pl=PAD_LEFT,
        right=WIDTH - PAD_RIGHT,
        base=PAD_TOP + plot_h,
        lx=PAD_LEFT - 4,
        ty=PAD_TOP + 8,
        high=compact(high),
        low=compact(low),
        bottom=bottom,
        first=date_format(first, "YEAR_MONTH_FORMAT"),
        last=date_format(last, "YEAR_MONTH_FORMAT"),
        lines=mark_safe("".join(lines)),  # built with format_html above
    )


SPARK_WIDTH, SPARK_HEIGHT, SPARK_GAP = 72, 18, 1


def sparkline(counts, *, label):
    """A tiny bar chart of weekly counts (oldest first), e.g. member votes
    per week. Its accessible name carries every figure, so nothing is only
    visible; returns "" when there is nothing to draw."""
    if not counts:
        return ""
    high = max(counts) or 1
    bar = (SPARK_WIDTH - SPARK_GAP * (len(counts) - 1)) / len(counts)
    heights = [max(1.0, SPARK_HEIGHT * n / high) if n else 0.0 for n in counts]
    bars = format_html_join(
        "",
        '<rect class="spark__bar" x="{}" y="{}" width="{}" height="{}"/>',
        (
            (f"{i * (bar + SPARK_GAP):.1f}", f"{SPARK_HEIGHT - h:.1f}", f"{bar:.1f}", f"{h:.1f}")
            for i, h in enumerate(heights)
        ),
    )
    name = f"{label}: " + ", ".join(str(n) for n in counts)
    return format_html(
        '<svg class="spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="{name}" focusable="false" xmlns="http://www.w3.org/2000/svg">'
        "<title>{name}</title>{bars}</svg>",
        w=SPARK_WIDTH,
        h=SPARK_HEIGHT,
        name=name,
        bars=bars,
    )
