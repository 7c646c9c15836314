"""The comparison pages in a real browser: tabs, table, picker, layout."""

import datetime as dt
import re

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture then skips, or fails under REQUIRE_BROWSER=1
    expect = None

DJANGO_VS_FLASK = "/compare/django-vs-flask/"
FOUR_WAY = "/compare/bottle-vs-fastapi-vs-pyramid-vs-tornado/"


def compare_table(page):
    return page.locator("#comparison table.compare-table")


def body_row(page, label):
    """The table row whose row header reads exactly ``label``."""
    header = page.locator("th[scope=row]", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    return compare_table(page).locator("tbody tr", has=header)


def body_row_count(page):
    return compare_table(page).locator("tbody tr").count()


def test_django_vs_flask(page, page_errors, mobile_page, screenshot):
    page.goto(DJANGO_VS_FLASK)
    expect(page.locator("h1")).to_have_text("Django vs Flask")

    tabs = page.get_by_role("navigation", name="Sections")
    for name in ("Overview", "Decisions", "Comparison", "Alternatives"):
        expect(tabs.get_by_role("link", name=re.compile(rf"^{name}\b"))).to_be_visible()
    tabs.get_by_role("link", name="Comparison", exact=True).click()
    expect(page).to_have_url(re.compile(r"#comparison$"))
    expect(page.locator("#comparison-title")).to_be_in_viewport()

    table = compare_table(page)
    expect(table.locator("caption")).to_contain_text("Django vs Flask")
    head = table.locator("thead")
    expect(head.locator("th[scope=col]")).to_have_count(3)
    for name in ("Criterion", "Django", "Flask"):
        expect(head.get_by_role("columnheader", name=name, exact=True)).to_have_count(1)
    for group in ("Statistics", "Criteria", "Pros & cons", "Ecosystem"):
        expect(table.locator(".group-row th", has_text=group)).to_have_count(1)
    for label in ("GitHub stars", "Learning curve", "Pros", "Cons", "Integrations"):
        expect(body_row(page, label)).to_have_count(1)
    expect(body_row(page, "Integrations").locator("td")).to_have_count(2)

    django_pros = body_row(page, "Pros").locator("td").first
    rapid = django_pros.locator("li.procon", has_text="Rapid development")
    expect(rapid.locator(".vote-count")).to_have_text("678")

    expect(page.locator("#decisions article.decision")).to_have_count(3)
    alternatives = page.locator("#alternatives")
    expect(alternatives.get_by_role("link", name="FastAPI", exact=True)).to_be_visible()

    assert page_errors == []
    screenshot(page, "django-vs-flask-desktop")
    mobile_page.goto(DJANGO_VS_FLASK)
    expect(mobile_page.locator("h1")).to_have_text("Django vs Flask")
    screenshot(mobile_page, "django-vs-flask-mobile")


def test_picker_builds_a_three_way_comparison(page, page_errors):
    page.goto("/compare/")
    picker = page.locator("form.picker")
    for index, name in enumerate(("FastAPI", "Flask", "Django"), start=1):
        picker.get_by_label(f"Framework {index}").fill(name)
    picker.get_by_role("button", name="Compare").click()

    expect(page).to_have_url(re.compile(r"/compare/[a-z0-9-]+/$"))
    slugs = page.url.rstrip("/").rsplit("/", 1)[-1].split("-vs-")
    assert sorted(slugs) == ["django", "fastapi", "flask"]
    heading = page.locator("h1")
    for name in ("Django", "FastAPI", "Flask"):
        expect(heading).to_contain_text(name)
    expect(page.locator(".page-head__meta")).to_contain_text("Generated comparison of 3")
    expect(compare_table(page).locator("thead th[scope=col]")).to_have_count(1 + 3)
    expect(body_row(page, "Pros").locator("td")).to_have_count(3)
    assert page_errors == []


def test_show_only_differences_switch(page):
    page.goto(DJANGO_VS_FLASK)
    all_rows = body_row_count(page)

    page.get_by_role("link", name="Show only differences").click()
    expect(page).to_have_url(re.compile(r"\?only=differences#comparison$"))
    expect(page.locator(".switch-row__state")).to_have_text("Showing only rows where they differ.")
    assert body_row_count(page) <= all_rows

    page.get_by_role("link", name="Show all rows").click()
    expect(page).to_have_url(re.compile(r"/compare/django-vs-flask/#comparison$"))
    expect(page.get_by_role("link", name="Show only differences")).to_be_visible()
    assert body_row_count(page) == all_rows


NARROW_PAGES = ["/", DJANGO_VS_FLASK, "/frameworks/", "/frameworks/django/", FOUR_WAY]


def test_nothing_overflows_sideways_at_375px(mobile_page, screenshot):
    page = mobile_page
    overflowing = {}
    for path in NARROW_PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        assert page.url.endswith(path), f"{path} redirected to {page.url}"
        widths = page.evaluate(
            "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
        )
        if widths["scroll"] > widths["inner"]:
            overflowing[path] = widths
            name = path.strip("/").replace("/", "-") or "home"
            screenshot(page, f"overflow-{name}-mobile")
        if "/compare/" in path:
            # The wide table scrolls inside its own region instead.
            region = page.locator("#comparison .table-scroll")
            sizes = region.evaluate(
                "el => ({scroll: el.scrollWidth, client: el.clientWidth,"
                " overflow: getComputedStyle(el).overflowX})"
            )
            assert sizes["scroll"] > sizes["client"], (path, sizes)
            assert sizes["overflow"] in {"auto", "scroll"}, (path, sizes)
    assert overflowing == {}
    screenshot(page, "four-way-mobile")


def _header_top(page):
    return page.locator("#comparison thead th").first.evaluate(
        "th => th.getBoundingClientRect().top"
    )


def _header_on_top(page, name="Django"):
    """Whether the header cell of ``name`` is the topmost element at its
    centre: in view, and not covered by the rows scrolling under it."""
    th = page.locator("#comparison thead").get_by_role("columnheader", name=name, exact=True)
    return th.evaluate(
        "th => { const r = th.getBoundingClientRect();"
        " const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
        " return hit !== null && th.contains(hit); }"
    )


def test_table_header_sticks_to_the_viewport_on_desktop(page):
    # Wide enough for the whole table: the page scrolls, not the table region.
    page.goto(DJANGO_VS_FLASK)
    table = compare_table(page).evaluate(
        "t => { const r = t.getBoundingClientRect();"
        " return {top: r.top + scrollY, height: r.height}; }"
    )
    assert table["height"] > 2 * page.viewport_size["height"], "too short to test stickiness"
    for offset in (300, table["height"] / 2, table["height"] - 400):
        y = table["top"] + offset
        page.evaluate("y => window.scrollTo(0, y)", y)
        page.wait_for_function("y => Math.abs(window.scrollY - y) < 2", arg=y, timeout=2000)
        assert 0 <= _header_top(page) <= 2, offset
        assert _header_on_top(page), offset


def test_table_header_and_first_column_stick_inside_the_region_on_mobile(mobile_page):
    page = mobile_page
    page.goto(DJANGO_VS_FLASK)
    region = page.locator("#comparison .table-scroll")
    region.scroll_into_view_if_needed()
    box = region.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return {top: r.top, left: r.left, depth: el.scrollHeight - el.clientHeight}; }"
    )
    assert box["depth"] > 500, "the table region does not scroll vertically"
    for scroll_top in (300, box["depth"]):
        region.evaluate("(el, y) => { el.scrollTop = y; }", scroll_top)
        assert abs(_header_top(page) - box["top"]) <= 2, scroll_top
        assert _header_on_top(page), scroll_top

    # Scrolled sideways to the Flask column, the row headers stay at the left.
    region.evaluate("el => { el.scrollTop = 0; el.scrollLeft = el.scrollWidth; }")
    assert _header_on_top(page, "Flask")
    row_header = compare_table(page).locator("tbody th[scope=row]").first
    left = row_header.evaluate("th => th.getBoundingClientRect().left")
    assert abs(left - box["left"]) <= 2


def test_unknown_framework_gets_a_helpful_404(page):
    response = page.goto("/compare/django-vs-flsk/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Comparison not found")
    expect(page.locator("main")).to_contain_text('"flsk"')
    suggestions = page.locator(".suggestions")
    expect(suggestions.get_by_role("link", name="Flask", exact=True)).to_have_attribute(
        "href", "/frameworks/flask/"
    )
    corrected = page.get_by_role("link", name="Django vs Flask")
    expect(corrected).to_have_attribute("href", DJANGO_VS_FLASK)
    corrected.click()
    expect(page.locator("h1")).to_have_text("Django vs Flask")


def test_each_star_series_is_drawn_in_its_legend_colour(page):
    # In the demo Django has two star snapshots and Flask one, on Django's
    # first day (56K under 58K): too few to chart. A third reading for Django
    # and two more for Flask draw both. FastAPI and Pyramid have none, so
    # Flask is the second series drawn. The lines are told apart by their
    # data (Flask's starts lower), not by their classes.
    from stats.models import StatSnapshot
    from tests.factories import StatSnapshotFactory

    first, second = (
        StatSnapshot.objects.filter(framework__slug=slug).first().framework
        for slug in ("django", "flask")
    )
    StatSnapshotFactory(framework=first, day=dt.date(2023, 6, 1), value=72000)
    StatSnapshotFactory(framework=second, day=dt.date(2023, 6, 1), value=64000)
    StatSnapshotFactory(framework=second, day=dt.date(2025, 6, 1), value=70000)
    page.goto("/compare/django-vs-fastapi-vs-pyramid-vs-flask/")
    figure = page.locator("figure.star-history")
    swatches = figure.evaluate(
        """f => Object.fromEntries([...f.querySelectorAll('.chart-legend li')].map(li =>
            [li.textContent.trim(),
             getComputedStyle(li.querySelector('.chart-legend__swatch')).backgroundColor]))"""
    )
    assert list(swatches) == ["Django", "Flask"]
    lines = figure.evaluate(
        """f => [...f.querySelectorAll('polyline')].map(line => {
            const vertices = line.getAttribute('points').split(' ');
            const dots = [...f.querySelectorAll('circle')].filter(d =>
                vertices.includes(d.getAttribute('cx') + ',' + d.getAttribute('cy')));
            return {
                firstY: parseFloat(vertices[0].split(',')[1]),
                stroke: getComputedStyle(line).stroke,
                dots: dots.map(d => getComputedStyle(d).fill),
            };
        })"""
    )
    django, flask = sorted(lines, key=lambda line: line["firstY"])  # y grows downwards
    assert django["stroke"] == swatches["Django"]
    assert django["dots"] == [swatches["Django"]] * 3
    assert flask["stroke"] == swatches["Flask"]
    assert flask["dots"] == [swatches["Flask"]] * 3
    assert swatches["Django"] != swatches["Flask"]
