"""How an error message shows a value it was given: briefly, and whatever the value is.

An error about a bad value must never fail itself. ``repr`` can: Python refuses to print an
integer of more than 4300 digits (``ValueError``), and a host object's ``__repr__`` may raise
anything. And a megabyte of text in a message helps nobody.
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = ["shown"]

_LONGEST: Final = 200


def shown(value: object) -> str:
    """Return ``repr(value)``, at most 200 characters long, or a description if it fails."""
    if isinstance(value, enum.Enum):
        value = value.value  # "agent", not <Role.AGENT: 'agent'>
    if type(value) is int and value.bit_length() > 256:  # noqa: PLR2004 - far past 64 bits
        return f"<an integer of {value.bit_length()} bits>"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - any failure of a foreign __repr__ is just that
        return f"<a {type(value).__name__} that cannot be shown>"
    if len(text) > _LONGEST:
        return text[: _LONGEST - 3] + "..."
    return text
