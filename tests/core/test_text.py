"""The text policy (core/text.py): what text from outside may hold.

NUL is refused, the other C0 control characters but tab, LF and CR are
stripped (or, in an address, refused), and format characters go the way
``visible_text()`` sends them."""

import xml.etree.ElementTree as ET

import pytest

from core.text import (
    ControlCharacterError,
    clean_text,
    has_control_character,
    visible_text,
    xml_text,
)

C0_STRIPPED = "".join(chr(c) for c in range(1, 32) if chr(c) not in "\t\n\r")


def test_clean_text_refuses_nul():
    with pytest.raises(ControlCharacterError, match="NUL"):
        clean_text("Dja\x00ngo")


def test_clean_text_refuses_a_lone_surrogate():
    # json.loads("\"\\ud800\"") makes one; no database can store it as UTF-8.
    with pytest.raises(ControlCharacterError, match="surrogate"):
        clean_text("v1\ud800")


def test_clean_text_strips_the_other_c0_controls_and_keeps_tab_lf_cr():
    assert clean_text(f"a{C0_STRIPPED}b") == "ab"
    assert clean_text("line\tone\r\nline two\n") == "line\tone\r\nline two\n"


def test_clean_text_keeps_everything_else():
    text = "Caf\u00e9 \u2764\ufe0f \u200b \u00a0 \x7f \x85 \U0001f600"

    assert clean_text(text) == text


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f"])
def test_an_address_with_a_control_character_is_caught(char):
    assert has_control_character(f"django{char}")


@pytest.mark.parametrize("text", ["", "django", "a\tb", "a\nb\r", "\x7f\x85\u200b\u00e4"])
def test_tab_lf_cr_and_other_characters_are_not_control_characters(text):
    assert not has_control_character(text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Fast\x01 and\x1f small", "Fast and small"),
        ("\x00\x07\x0b\x0c", ""),  # nothing visible is left
        ("v1\x7f.0\x85", "v1.0"),  # DEL and the C1 controls draw nothing either
        ("a\tb\nc", "a b c"),
    ],
)
def test_visible_text_drops_control_characters(raw, expected):
    assert visible_text(raw) == expected


def test_visible_text_keeps_tab_and_newlines_when_multiline():
    assert visible_text("First\x01 line\r\n\n\tcode\x0b", multiline=True) == "First line\n\n\tcode"


def test_xml_text_is_always_well_formed_xml():
    text = f"Body\x00 with{C0_STRIPPED}\ud800 odd\ufffe\uffff characters\t\n"

    cleaned = xml_text(text)

    assert cleaned == "Body with odd characters\t\n"
    ET.fromstring(f"<a>{cleaned}</a>")  # parses


def test_xml_text_keeps_what_xml_allows():
    text = "Caf\u00e9 \x7f \x85 \U0001f600 \u200b <&>"

    assert xml_text(text) == text
