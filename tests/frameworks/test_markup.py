"""render_markdown: members' Markdown to HTML, with only safe HTML left.

Raw HTML a member types is not markup: it is shown as text (escaped)."""

import re

import pytest
from django.template import Context, Template
from django.utils.safestring import SafeString

from frameworks.templatetags.markup import markdown, render_markdown


def hrefs(html):
    """href values of real <a> tags (not of escaped text)."""
    return [
        href
        for name, attrs in tags(html)
        if name == "a"
        for href in re.findall(r'href="([^"]*)"', attrs)
    ]


def tags(html):
    """The real tags in ``html`` (escaped text like &lt;img&gt; is not a tag)."""
    return re.findall(r"<([a-z0-9]+)([^>]*)>", html, re.IGNORECASE)


def test_emphasis_and_code():
    html = render_markdown("**bold**, *italic* and `x < y`")

    assert "<strong>bold</strong>" in html
    assert "<em>italic</em>" in html
    assert "<code>x &lt; y</code>" in html


def test_lists_and_paragraphs():
    html = render_markdown("First paragraph.\n\n- one\n- two\n\n1. a\n2. b")

    assert "<p>First paragraph.</p>" in html
    assert re.search(r"<ul>\s*<li>one</li>\s*<li>two</li>\s*</ul>", html)
    assert re.search(r"<ol>\s*<li>a</li>\s*<li>b</li>\s*</ol>", html)


def test_script_is_shown_as_text_never_run():
    html = render_markdown("Hi <script>alert(1)</script>\n\n<script>alert(2)</script>")

    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Hi" in html


@pytest.mark.parametrize(
    "link",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](  javascript:alert(1))",
        "[x](java&#115;cript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox)",
    ],
)
def test_dangerous_link_schemes_lose_their_href(link):
    html = render_markdown(link)

    assert hrefs(html) == []
    assert "javascript" not in html.lower()
    assert ">x</a>" in html  # the text stays


def test_a_raw_html_link_is_text_not_a_link():
    html = render_markdown('<a href="javascript:alert(1)">x</a>')

    assert hrefs(html) == []
    assert [name for name, _ in tags(html)] == ["p"]


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[site](https://example.com/a?b=1)", "https://example.com/a?b=1"),
        ("[site](http://example.com/)", "http://example.com/"),
        ("[mail](mailto:me@example.com)", "mailto:me@example.com"),
        ("<https://auto.example/>", "https://auto.example/"),
    ],
)
def test_safe_links_are_kept_with_rel_nofollow(source, href):
    html = render_markdown(source)

    assert hrefs(html) == [href.replace("&", "&amp;")]
    rel = re.search(r'rel="([^"]*)"', html).group(1).split()
    assert {"nofollow", "noopener", "ugc"} <= set(rel)


def test_a_members_own_link_attributes_never_become_markup():
    html = render_markdown('<a href="https://e.example/" rel="author" target="_blank">e</a>')

    assert hrefs(html) == []
    assert all("target" not in attrs and "author" not in attrs for _, attrs in tags(html))


@pytest.mark.parametrize(
    "source",
    [
        '<img src="x" onerror="alert(1)">',
        "![pixel](https://tracker.example/p.gif)",
        '<iframe src="https://e.example/"></iframe>',
        "<style>body{display:none}</style>",
        '<p onclick="alert(1)" style="color:red">hi</p>',
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_raw_html_images_and_event_handlers_never_become_tags(source):
    html = render_markdown(source)

    for name, attrs in tags(html):
        assert name.lower() in {"p", "a"}, html
        assert not re.search(r"\son\w+\s*=|style\s*=", attrs), html
    assert "<img" not in html and "<iframe" not in html and "<svg" not in html


def test_headings_are_limited_to_h3_and_h4():
    html = render_markdown("# Big\n\n## Bigger\n\n### Section\n\n#### Sub")

    assert "<h1" not in html
    assert "<h2" not in html
    assert "<h3>Section</h3>" in html
    assert "<h4>Sub</h4>" in html
    assert "Big" in html  # stripped tags keep their text


def test_comments_are_text_not_hidden_markup():
    html = render_markdown("<!-- secret -->visible")

    assert "<!--" not in html
    assert "&lt;!-- secret --&gt;visible" in html


@pytest.mark.parametrize("empty", [None, ""])
def test_nothing_renders_as_nothing(empty):
    assert render_markdown(empty) == ""


def test_plain_text_is_escaped():
    html = render_markdown("Tom & Jerry say 5 > 3 and <b")

    assert "&amp;" in html
    assert "&gt;" in html
    assert "<b" not in html.replace("<blockquote", "")


def test_filter_marks_its_output_safe_and_is_used_from_templates():
    assert isinstance(markdown("**x**"), SafeString)

    rendered = Template("{% load markup %}{{ body|markdown }}").render(
        Context({"body": "**hi** <script>alert(1)</script>"})
    )

    assert "<strong>hi</strong>" in rendered
    assert "<script" not in rendered
    assert "&amp;lt;" not in rendered  # not escaped a second time
