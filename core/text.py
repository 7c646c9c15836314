"""The site's text policy, and normalising text typed by people (members'
suggestions and decisions, curators' pros and cons) so that what is stored
is what a reader sees.

The policy holds at every edge where text comes in. NUL is refused:
PostgreSQL cannot store it, XML cannot carry it, and the page cache once
took it for a marker. The other C0 control characters but tab, LF and CR
draw nothing and break XML: stored text loses them (``clean_text``), an
address holding one is refused (``has_control_character``). Format
characters go as ``visible_text()`` sends them. Text stored before the
policy may still hold any of them: XML output strips what XML 1.0 forbids
(``xml_text``).

The edges that call it: ``core.middleware.TextPolicyMiddleware`` (addresses,
form bodies, cookies), ``comparison.catalogue_io.parse`` (imports),
``stats.sources`` (the sync's answers), the forms' ``visible_text``
and ``core.feeds.XmlSafeFeed`` (feeds, on output).
"""

import re
import unicodedata

#: The C0 control characters text may hold: tab, LF and CR.
ALLOWED_CONTROLS = "\t\n\r"
_STRIPPED = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: What XML 1.0 cannot carry: C0 controls but tab, LF, CR; surrogates; U+FFFE, U+FFFF.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: Letters and symbols that draw nothing although Unicode calls them visible:
#: the Hangul fillers and the braille blank, favourites of "invisible" names.
BLANK_GRAPHEMES = frozenset("\u115f\u1160\u3164\uffa0\u2800")


class ControlCharacterError(ValueError):
    """Text that may not be stored: a NUL, or a lone surrogate (not Unicode)."""


def has_control_character(text):
    """``text`` holds a NUL or another C0 control but tab, LF and CR."""
    return _CONTROL.search(text) is not None


def clean_text(text):
    """``text`` under the policy: ``ControlCharacterError`` for a NUL or a
    lone surrogate, the other C0 controls (tab, LF and CR aside) removed."""
    if "\x00" in text:
        raise ControlCharacterError("holds a NUL character (U+0000)")
    if _SURROGATE.search(text):
        raise ControlCharacterError("holds a lone surrogate, which is not Unicode text")
    return _STRIPPED.sub("", text)


def xml_text(text):
    """``text`` without the characters XML 1.0 forbids, for feeds."""
    return _NOT_XML.sub("", text)


def _is_invisible(char):
    # Cf: zero-width space/joiners, word joiner, BOM, soft hyphen, bidi controls.
    # Cc: NUL and the other C0 controls, DEL and the C1 controls (tab, LF and
    # CR are whitespace and kept or folded below).
    return char not in ALLOWED_CONTROLS and unicodedata.category(char) in ("Cf", "Cc")


def has_visible_character(text):
    """At least one letter, digit, punctuation mark or symbol that draws ink."""
    return any(
        unicodedata.category(char)[0] in "LNPS" and char not in BLANK_GRAPHEMES for char in text
    )


def visible_text(value, *, multiline=False):
    """``value`` without format and control characters (Unicode categories
    Cf and Cc; tab, LF and CR count as whitespace) and with runs of
    whitespace (any Unicode space, e.g. U+3000) made one space;
    ``multiline`` keeps the layout (Markdown paragraphs, indented lists and
    code) and only trims the ends. Returns "" when nothing visible is left, so a form
    field's ``required`` check refuses it."""
    text = "".join(char for char in (value or "") if not _is_invisible(char))
    text = text.replace("\r\n", "\n").strip() if multiline else " ".join(text.split())
    return text if has_visible_character(text) else ""
