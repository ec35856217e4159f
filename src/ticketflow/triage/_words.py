"""The words of a ticket's text, as keyword rules and modifiers match them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from .._fields import FieldValue, check_field_value
from .._identity import address_problem, mailbox_key
from .._ticket import Ticket
from .._values import MAX_TEXT_LENGTH, check_int, check_name
from ..exceptions import InvalidValueError

__all__ = [
    "DEFAULT_MAX_TEXT",
    "TicketText",
    "check_max_text",
    "domain_key",
    "field_values",
    "items_of",
    "keyword_set",
    "typed",
    "words",
]

DEFAULT_MAX_TEXT: Final = 20_000
"""How much of a ticket's text (subject, then description) keywords and patterns read."""

_WORD: Final = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Return the words of ``text``, case-folded: runs of letters, digits and ``_``."""
    return _WORD.findall(text.casefold())


class TicketText:
    """The first ``max_text`` characters of a ticket's subject and description, and its words."""

    __slots__ = ("_joined", "text", "tokens", "words")

    def __init__(self, ticket: Ticket, max_text: int) -> None:
        text = ticket.subject
        if ticket.description:
            text = f"{text}\n{ticket.description[: max(0, max_text - len(text) - 1)]}"
        self.text = text[:max_text]
        self.tokens = words(self.text)
        self.words = frozenset(self.tokens)
        self._joined: str | None = None

    def has(self, keyword: str) -> bool:
        """Whether the text holds ``keyword``: a word, or words in a row (a phrase)."""
        if " " not in keyword:
            return keyword in self.words
        if self._joined is None:
            self._joined = f" {' '.join(self.tokens)} "
        return f" {keyword} " in self._joined


def keyword_set(field: str, value: object) -> frozenset[str]:
    """Return ``value``, a collection of keywords, each as its case-folded words.

    Raises:
        InvalidValueError: ``value`` is a string or no collection, or a keyword has no word.
    """
    found: set[str] = set()
    for index, keyword in enumerate(items_of(field, value)):
        name = check_name(f"{field}[{index}]", keyword)
        folded = " ".join(words(name))
        if not folded:
            raise InvalidValueError(f"{field}[{index}]", name, "a keyword needs a letter or digit")
        found.add(folded)
    return frozenset(found)


def items_of(field: str, value: object) -> list[object]:
    if isinstance(value, str | bytes | bytearray) or not isinstance(value, Iterable):
        raise InvalidValueError(field, value, "must be a collection (a list or set), not one value")
    try:
        return list(value)
    except TypeError as error:
        raise InvalidValueError(field, value, f"cannot be read ({error})") from None


def field_values(field: str, value: object) -> frozenset[FieldValue]:
    """Return a field condition's accepted values: one value, or a collection of them."""
    if isinstance(value, str | bool | int | float):
        return frozenset({check_field_value(field, value)})
    values = [check_field_value(f"{field}[{i}]", v) for i, v in enumerate(items_of(field, value))]
    if not values:
        raise InvalidValueError(field, value, "a field condition accepts at least one value")
    return frozenset(values)


def typed(value: FieldValue) -> tuple[type, FieldValue]:
    """Return ``value`` with its type, so that ``True``, ``1`` and ``1.0`` stay apart."""
    return (type(value), value)


def domain_key(field: str, value: object) -> str:
    """Return the domain ``value`` as it is compared: IDNA, in lower case, without a root dot.

    Raises:
        InvalidValueError: ``value`` is not a domain name.
    """
    name = check_name(field, value).removeprefix("@")
    address = f"x@{name}"
    key = mailbox_key(address) if "@" not in name and address_problem(address) is None else None
    if key is None:
        raise InvalidValueError(field, value, "must be a domain name such as example.com")
    return key.partition("@")[2]


def check_max_text(value: object) -> int:
    """Return ``value`` if it is a sensible cap on the text read (1 .. 1 MiB characters)."""
    return check_int("max_text", value, minimum=1, maximum=MAX_TEXT_LENGTH)
