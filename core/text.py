"""Normalising text typed by people (members' suggestions and decisions,
curators' pros and cons) so that what is stored is what a reader sees."""

import unicodedata

#: Letters and symbols that draw nothing although Unicode calls them visible:
#: the Hangul fillers and the braille blank, favourites of "invisible" names.
BLANK_GRAPHEMES = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _is_format(char):
    # Cf: zero-width space/joiners, word joiner, BOM, soft hyphen, bidi controls.
    return unicodedata.category(char) == "Cf"


def has_visible_character(text):
    """At least one letter, digit, punctuation mark or symbol that draws ink."""
    return any(
        unicodedata.category(char)[0] in "LNPS" and char not in BLANK_GRAPHEMES for char in text
    )


def visible_text(value, *, multiline=False):
    """``value`` without format characters (Unicode category Cf) and with
    runs of whitespace (any Unicode space, e.g. U+3000) made one space;
    ``multiline`` keeps the layout (Markdown paragraphs, indented lists and
    code) and only trims the ends. Returns "" when nothing visible is left, so a form
    field's ``required`` check refuses it."""
    text = "".join(char for char in (value or "") if not _is_format(char))
    text = text.replace("\r\n", "\n").strip() if multiline else " ".join(text.split())
    return text if has_visible_character(text) else ""
