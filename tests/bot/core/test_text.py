"""Control characters in user text (bot/core/text.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.text import has_control_characters, without_control_characters


@pytest.mark.parametrize(
    ("text", "has"),
    [
        ("SOW-1,jane@example.com,PM,2026-11-30,8,hard,200\r\n", False),
        ("tab\tand line\nbreaks\r", False),
        ("a NUL\x00byte", True),
        ("escape\x1b[31m", True),
        ("delete\x7f", True),
        ("René, 24°C", False),
        ("René\x85", True),  # a C1 control in non-ASCII text
        ("lone \ud800 surrogate", True),
    ],
)
def test_control_characters_are_found_in_ascii_and_other_text(text, has):
    assert has_control_characters(text) is has


@given(st.text(st.characters(max_codepoint=0x10FF)))
def test_text_has_control_characters_exactly_when_they_would_be_removed(text):
    assert has_control_characters(text) == (without_control_characters(text) != text)
