"""Plain text sent as ``format=flowed`` (RFC 3676), joined back into its paragraphs.

Apple Mail and Thunderbird soft-wrap long lines: a line ending in a space continues on the
next line at the same quote depth. Joined again, a wrapped quote header is one line and a
paragraph reads as written. With ``delsp=yes`` the space that marks the soft break is not part
of the text.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["unflow"]

_QUOTE_PREFIX: Final = re.compile(r"(?:> ?)*")
_SIGNATURE: Final = "-- "


def _joined(pieces: list[str], depth: int) -> str:
    return (">" * depth + " " if depth else "") + "".join(pieces)


def unflow(text: str, *, delsp: bool) -> str:
    """Return ``text`` (lines separated by line feeds) with its soft line breaks joined."""
    out: list[str] = []
    pieces: list[str] = []  # the lines of the paragraph being joined
    depth_of = 0
    for line in text.split("\n"):
        prefix = _QUOTE_PREFIX.match(line)
        end = prefix.end() if prefix else 0
        depth = line.count(">", 0, end)
        content = line[end:]
        if depth == 0 and content.startswith(" "):
            content = content[1:]  # space-stuffed
        if pieces and depth != depth_of:
            out.append(_joined(pieces, depth_of))
            pieces = []
        flowed = content.endswith(" ") and content != _SIGNATURE
        pieces.append(content[:-1] if flowed and delsp else content)
        depth_of = depth
        if not flowed:
            out.append(_joined(pieces, depth))
            pieces = []
    if pieces:
        out.append(_joined(pieces, depth_of))
    return "\n".join(out)
