"""Members write decisions in plain text or Markdown; only safe HTML survives."""

import functools

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import mark_safe

register = template.Library()

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


@functools.lru_cache(maxsize=1024)
def render_markdown(text):
    """Markdown to HTML, then sanitised by nh3 (no raw HTML, no script, no
    javascript: or data: links; links get rel="nofollow noopener ugc")."""
    converter = markdown_lib.Markdown(extensions=["sane_lists"], output_format="html")
    # Raw HTML typed by a member is shown as text, never passed through.
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    html = converter.convert(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
        strip_comments=True,
    )


@register.filter(is_safe=True)
def markdown(text):
    return mark_safe(render_markdown(text))
