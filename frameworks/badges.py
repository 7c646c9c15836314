"""The README badge of a framework: a small SVG in the shields.io style.

Pure functions (no queries): ``badge_svg(name, stars, votes)``. Everything
interpolated is escaped for XML, so a curated name cannot inject markup.
"""

from django.utils.html import escape

from core.templatetags.site import compact

HEIGHT = 20
FONT_SIZE = 11
CHAR_WIDTH = 6.6  # Verdana-like average at 11px; badges need not be exact
PADDING = 6


def text_width(text):
    return round(len(text) * CHAR_WIDTH) + 2 * PADDING


def badge_svg(name, stars, votes):
    """The badge: the name on the left, stars and votes on the right."""
    label = name
    value = f"★ {compact(stars)} · {compact(votes)} votes"
    title = f"{name}: {compact(stars)} GitHub stars, {compact(votes)} community votes"
    left, right = text_width(label), text_width(value)
    width = left + right
    label, value, title = escape(label), escape(value), escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
        f'viewBox="0 0 {width} {HEIGHT}" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        '<linearGradient id="shine" x2="0" y2="100%">'
        '<stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="round"><rect width="{width}" height="{HEIGHT}" rx="3" fill="#fff"/>'
        "</clipPath>"
        '<g clip-path="url(#round)">'
        f'<rect width="{left}" height="{HEIGHT}" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="{HEIGHT}" fill="#0b5cad"/>'
        f'<rect width="{width}" height="{HEIGHT}" fill="url(#shine)"/></g>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" '
        f'font-size="{FONT_SIZE}" aria-hidden="true">'
        f'<text x="{left / 2:g}" y="14">{label}</text>'
        f'<text x="{left + right / 2:g}" y="14">{value}</text></g></svg>'
    )
