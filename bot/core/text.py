"""User text as psbot takes it in: without the control characters nobody types.

A NUL byte is refused by PostgreSQL in text (SQLite keeps it, and it then breaks what
reads it), a lone surrogate can't be encoded at all, and the other C0 and C1 control
characters only garble what is shown. Tab, line feed and carriage return are typed
text and stay.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# The ASCII characters _CONTROL lets through: the printable ones, tab, LF and CR.
_ASCII_TYPED = bytes(range(0x20, 0x7F)) + b"\t\n\r"


def without_control_characters(text: str) -> str:
    """`text` without control characters (but tab, line feed, carriage return) and lone
    surrogates."""
    return _CONTROL.sub("", text)


def has_control_characters(text: str) -> bool:
    """Whether `without_control_characters` would change `text`."""
    if text.isascii():  # as most text is: a byte-wide C loop, 8x quicker than the regex
        return bool(text.encode("ascii").translate(None, _ASCII_TYPED))
    return _CONTROL.search(text) is not None


def clean_strings(value: Any) -> Any:
    """`value` with every string in it (in dicts and lists, at any depth) cleaned with
    `without_control_characters`; dicts and lists are changed in place."""
    if isinstance(value, str):
        return without_control_characters(value)
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = clean_strings(item)
    elif isinstance(value, list):
        value[:] = [clean_strings(item) for item in value]
    return value
