"""The comparison pages in a real browser: tabs, table, picker, layout."""

import datetime as dt
import re

import pytest

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


NARROW_PAGES = [
    "/",
    DJANGO_VS_FLASK,
    DJANGO_VS_FLASK + "?details=1",
    "/frameworks/",
    "/frameworks/django/",
    FOUR_WAY,
    FOUR_WAY + "?details=1",
]

#: The table, what it holds and what holds it: those that scroll on their own.
NESTED_SCROLLERS = """() => {
    const table = document.querySelector('#comparison table');
    const around = [table, ...table.querySelectorAll('*')];
    for (let el = table.parentElement; el; el = el.parentElement) around.push(el);
    const scrolls = v => v === 'auto' || v === 'scroll';
    return around.filter(el => {
        const style = getComputedStyle(el);
        return (scrolls(style.overflowX) && el.scrollWidth > el.clientWidth)
            || (scrolls(style.overflowY) && el.scrollHeight > el.clientHeight);
    }).map(el => el.tagName + '.' + el.className);
}"""


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
            name = path.strip("/").replace("/", "-").replace("?", "-") or "home"
            screenshot(page, f"overflow-{name}-mobile")
        if "/compare/" in path:
            # The table has no scroll box of its own: the page alone scrolls.
            assert page.evaluate(NESTED_SCROLLERS) == [], path
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


#: The boxes of a row's cells, and whether each is the topmost element at
#: its corners (nothing, the sticky names included, covers any of it).
CELL_BOXES = """tr => [...tr.querySelectorAll('td')].map(td => {
    const r = td.getBoundingClientRect();
    const inset = 2;
    const corners = [[r.left + inset, r.top + inset], [r.right - inset, r.top + inset],
                     [r.left + inset, r.bottom - inset], [r.right - inset, r.bottom - inset]];
    const uncovered = corners.every(([x, y]) => {
        const hit = document.elementFromPoint(x, y);
        return hit !== null && td.contains(hit);
    });
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, uncovered};
})"""


def test_two_frameworks_side_by_side_at_375px(mobile_page, screenshot):
    page = mobile_page
    page.goto(DJANGO_VS_FLASK)
    width, height = page.evaluate("() => [innerWidth, innerHeight]")
    rows = compare_table(page).locator("tbody tr[id^=criterion-]")
    assert rows.count() == 11
    for index in range(rows.count()):
        row = rows.nth(index)
        # Scrolled so the cells sit just under the sticky names.
        row.locator("td").first.evaluate("td => td.scrollIntoView({block: 'center'})")
        cells = row.evaluate(CELL_BOXES)
        name = row.get_attribute("id")
        assert len(cells) == 2, name
        django, flask = cells
        for cell in cells:
            assert cell["left"] >= 0 and cell["right"] <= width, (name, cell)
            assert cell["top"] >= 0 and cell["bottom"] <= height, (name, cell)
            assert cell["uncovered"], (name, cell)
        assert django["top"] == flask["top"] and django["right"] <= flask["left"], name
        # Two equal columns: Flask is no sliver.
        assert abs((django["right"] - django["left"]) - (flask["right"] - flask["left"])) <= 1
    screenshot(row, "django-vs-flask-row-mobile")


@pytest.mark.parametrize(
    ("path", "names"),
    [
        (DJANGO_VS_FLASK, ["Django", "Flask"]),
        (FOUR_WAY, ["Bottle", "FastAPI", "Pyramid", "Tornado"]),
    ],
    ids=["two", "four"],
)
def test_the_names_stick_to_the_top_on_a_phone(mobile_page, path, names):
    page = mobile_page
    page.goto(path)
    head = page.locator("#comparison thead")
    table = compare_table(page).evaluate(
        "t => { const r = t.getBoundingClientRect();"
        " return {top: r.top + scrollY, height: r.height}; }"
    )
    for offset in (400, table["height"] / 2, table["height"] - 600):
        y = table["top"] + offset
        page.evaluate("y => window.scrollTo(0, y)", y)
        page.wait_for_function("y => Math.abs(window.scrollY - y) < 2", arg=y, timeout=2000)
        for name in names:
            box = head.get_by_role("columnheader", name=name, exact=True).bounding_box()
            # Two lines of names at most: 130 px of the phone's 812.
            assert box["y"] >= 0 and box["y"] + box["height"] <= 130, (offset, name, box)
            assert _header_on_top(page, name), (offset, name)


def test_the_table_comes_before_the_decisions(page):
    for path in (DJANGO_VS_FLASK, FOUR_WAY, "/compare/fastapi-vs-flask/"):
        page.goto(path)
        order = page.evaluate(
            """() => {
                const [cards, table, decisions] = ['.framework-card', '#comparison table',
                    '#decisions'].map(s => document.querySelector(s));
                const before = (a, b) =>
                    Boolean(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
                return [before(cards, table), before(table, decisions)];
            }"""
        )
        assert order == [True, True], path
        # ...and on screen: the table starts within the first two screens.
        top = compare_table(page).evaluate("t => t.getBoundingClientRect().top + scrollY")
        assert top < 2 * page.viewport_size["height"], (path, top)


def test_sources_and_exports_work_without_javascript(new_context, screenshot):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(DJANGO_VS_FLASK)
    table = compare_table(page)
    expect(table.get_by_role("link", name=re.compile("^Suggest an edit"))).to_have_count(0)

    page.get_by_role("link", name="Show sources and dates").click()
    expect(page).to_have_url(re.compile(r"\?details=1#comparison$"))
    routing = page.locator("#criterion-url-routing")
    expect(routing.get_by_role("link", name="source for Flask on URL routing")).to_have_count(1)
    expect(routing.locator("time")).to_have_count(2)
    expect(
        table.get_by_role("link", name="Suggest an edit to Flask on URL routing (log in first)")
    ).to_have_count(1)
    expect(table.get_by_role("link", name=re.compile("^Suggest an edit"))).to_have_count(30)
    screenshot(routing, "django-vs-flask-row-with-sources")

    page.get_by_role("link", name="Hide sources and dates").click()
    expect(page).to_have_url(re.compile(r"/compare/django-vs-flask/#comparison$"))
    expect(table.locator("time")).to_have_count(0)

    # Share and export: a disclosure, then real links.
    menu = page.locator("details.share-menu")
    json_link = menu.get_by_role("link", name="JSON")
    expect(json_link).to_be_hidden()
    menu.locator("summary").click()
    expect(json_link).to_be_visible()
    expect(menu.get_by_label("HTML")).to_have_value(re.compile(r"/compare/django-vs-flask/embed/"))
    for name, kind in (("JSON", "application/json"), ("CSV", "text/csv")):
        href = menu.get_by_role("link", name=name, exact=True).get_attribute("href")
        response = page.request.get(href)
        assert response.ok and response.headers["content-type"].startswith(kind), name
    menu.get_by_role("link", name="Preview the card").click()
    expect(page.get_by_role("heading", name="Django vs Flask")).to_be_visible()


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
