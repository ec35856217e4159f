"""Mail addresses: the value type, and a linear reader for address-list headers.

Address headers are read here rather than by the standard library's structured parser, which
is quadratic on long runs of quotes and recursive on nested comments (see ``_decode``). The
reader splits the list at top-level commas, then takes each entry's address from its last
``<...>`` (or the bare entry with comments removed) and its display name from the rest.
Whatever is not an address by :func:`ticketflow._identity.address_problem` is left out and
reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

import attrs

from .._identity import address_problem
from .._values import MAX_NAME_LENGTH, check_name, check_optional_name
from ..exceptions import InvalidValueError
from ._decode import decode_words, one_line

__all__ = ["MailAddress", "read_addresses"]

_COMMENT: Final = re.compile(r"\((?:[^()\\]|\\.)*\)")
_QUOTED_PAIR: Final = re.compile(r"\\(.)")
_GROUP_NAME: Final = re.compile(r'^[^"<>@,]*:(?!:)')


def _address(value: str) -> str:
    address = check_name("address", value)
    problem = address_problem(address)
    if problem is not None:
        raise InvalidValueError("address", address, problem)
    return address


def _display_name(value: str | None) -> str | None:
    return check_optional_name("name", value)


@attrs.frozen
class MailAddress:
    """A mailbox as a header names it: the address, and a display name if one was given.

    Attributes:
        address: The address, e.g. ``alice@example.com`` (compare with
            :func:`ticketflow.same_mailbox`, never with ``==``).
        name: The display name, decoded, e.g. ``Alice Example``; ``None`` if none was given.

    .. versionadded:: 0.1
    """

    address: str = attrs.field(converter=_address)
    name: str | None = attrs.field(default=None, converter=_display_name)


def _entries(value: str) -> Iterator[str]:  # noqa: C901 - one small state machine, one pass
    # Split at commas outside quotes, comments and angle brackets; one pass.
    start = 0
    quoted = False
    depth = 0
    angle = False
    escaped = False
    for index, char in enumerate(value):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == '"':
            quoted = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "<" and not depth:
            angle = True
        elif char == ">" and not depth:
            angle = False
        elif char in ",;" and not depth and not angle:
            yield value[start:index]
            start = index + 1
    yield value[start:]


def _entry(text: str) -> tuple[str, str | None] | None:
    text = _GROUP_NAME.sub("", text.strip(), count=1).strip()
    if not text:
        return None
    opening = text.rfind("<")
    if opening >= 0:
        closing = text.find(">", opening)
        address = text[opening + 1 : closing if closing >= 0 else len(text)]
        name = text[:opening] + (text[closing + 1 :] if closing >= 0 else "")
    else:
        comments = [m.group()[1:-1] for m in _COMMENT.finditer(text)]
        address = _COMMENT.sub(" ", text)
        name = " ".join(comments)
    address = address.strip().removeprefix("mailto:").strip()
    if address.startswith("@") and ":" in address:  # an obsolete source route: @a,@b:x@y
        address = address.rpartition(":")[2]
    return address, _name(name)


def _name(text: str) -> str | None:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':  # noqa: PLR2004
        text = _QUOTED_PAIR.sub(r"\1", text[1:-1])
    text = one_line(decode_words(text)).strip().strip('"').strip()
    if not text:
        return None
    if len(text) > MAX_NAME_LENGTH:
        text = text[: MAX_NAME_LENGTH - 1] + "\u2026"
    return text


def read_addresses(value: str, *, limit: int) -> tuple[list[MailAddress], list[str]]:
    """Read up to ``limit`` addresses from an address-list header value.

    Returns:
        The addresses, and one line for each entry left out (not an address, or over the
        limit).
    """
    found: list[MailAddress] = []
    left_out: list[str] = []
    for raw in _entries(value):
        entry = _entry(raw)
        if entry is None:
            continue
        address, name = entry
        if len(found) >= limit:
            left_out.append(f"more than {limit} addresses; the rest left out")
            break
        try:
            found.append(MailAddress(address, name))
        except InvalidValueError as error:
            left_out.append(f"{one_line(raw)[:80]!r} is not an address: {error.problem}")
    return found, left_out
