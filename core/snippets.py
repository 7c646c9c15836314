"""Copy-paste snippets for re-users (iframe cards, README badges).

The snippets are text a reader copies into *their* page, so each value is
escaped for the language of the snippet (HTML attributes, Markdown link
text) here, and the template escapes the whole snippet once more to show it
in a ``<textarea>``. Plain ``str`` results: never marked safe.
"""

import re

from django.utils.html import format_html

MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|])")


def markdown_text(text):
    """Text that stays literal inside a Markdown link's brackets."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_url(url):
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")


def plain(safe):
    """The text of a SafeString as a plain str, so templates escape it."""
    return str.__str__(safe)


def iframe_html(src, title, width=600, height=360):
    return plain(
        format_html(
            '<iframe src="{}" title="{}" width="{}" height="{}" loading="lazy"></iframe>',
            src,
            title,
            width,
            height,
        )
    )


def link_markdown(text, href):
    return f"[{markdown_text(text)}]({markdown_url(href)})"


def image_link_markdown(alt, src, href):
    return f"[![{markdown_text(alt)}]({markdown_url(src)})]({markdown_url(href)})"


def image_link_html(alt, src, href, height=20):
    return plain(
        format_html('<a href="{}"><img src="{}" alt="{}" height="{}"></a>', href, src, alt, height)
    )
