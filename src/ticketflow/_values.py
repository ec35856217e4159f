"""The domain of every value ticketflow stores: one set of rules, checked where values are built.

Whatever enters from outside the pure core (a constructor argument, a command argument, a host
strategy's answer, a stored row) is checked here, with the same rules and the same
:class:`~ticketflow.exceptions.InvalidValueError` everywhere. The rules are chosen so that every
shipped store holds exactly what the value types accept:

- text has no lone surrogates (SQLite, PostgreSQL and UTF-8 JSON cannot hold them);
- single-line text has no line break of any kind (CR, LF, VT, FF, FS, GS, RS, NEL, U+2028,
  U+2029: everything :meth:`str.splitlines` splits on), so it survives headers and CSV;
- integers fit in 64 bits (SQLite's and PostgreSQL's ``bigint``);
- floats are finite (JSON has no NaN or infinity);
- lengths are bounded, so one value cannot take a store down.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Final, TypeVar

from ._shown import shown
from .exceptions import InvalidValueError, NaiveDatetimeError

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "MAX_NAME_LENGTH",
    "MAX_SUBJECT_LENGTH",
    "MAX_TEXT_LENGTH",
    "check_bool",
    "check_enum",
    "check_instances",
    "check_instant",
    "check_int",
    "check_items",
    "check_key",
    "check_name",
    "check_optional_int",
    "check_optional_name",
    "check_optional_text",
    "check_text",
    "converter",
    "text_problem",
    "validator",
]

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
MAX_NAME_LENGTH: Final = 256
"""Identifiers, labels, queue and agent names, e-mail addresses, field names, tags."""
MAX_SUBJECT_LENGTH: Final = 998
"""RFC 5322's line limit: a subject must survive a round trip through mail."""
MAX_TEXT_LENGTH: Final = 1_048_576
"""Descriptions, comment bodies and reasons, in characters."""

E = TypeVar("E", bound=Enum)
T = TypeVar("T")

_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_LINE_BREAK: Final = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def text_problem(
    value: object, *, empty: bool = True, single_line: bool = False, max_length: int
) -> str | None:
    """Return what is wrong with ``value`` as text of this kind, or ``None`` if nothing is."""
    if not isinstance(value, str):
        return "must be a string"
    if len(value) > max_length:
        return f"must be at most {max_length} characters (got {len(value)})"
    if not empty and not value.strip():
        return "must not be empty"
    # ASCII holds no surrogate, and printable ASCII no line break: the usual case, in C.
    if value.isascii() and (not single_line or value.isprintable()):
        problem = None
    elif _SURROGATE.search(value):
        problem = "must not contain lone surrogates (not valid Unicode text)"
    elif single_line and _LINE_BREAK.search(value):
        problem = "must be a single line (no line breaks)"
    else:
        problem = None
    return problem


def _shown(value: object) -> object:
    # A megabyte of text in an error message helps nobody.
    if isinstance(value, str) and len(value) > 80:  # noqa: PLR2004
        return value[:77] + "..."
    return value


def check_text(
    field: str,
    value: object,
    *,
    empty: bool = True,
    single_line: bool = False,
    max_length: int = MAX_TEXT_LENGTH,
) -> str:
    """Return ``value`` if it is text of this kind.

    Raises:
        InvalidValueError: It is not; ``field`` names where it was given.
    """
    if (
        type(value) is str
        and len(value) <= max_length
        and value.isascii()
        and (not single_line or value.isprintable())
        and (empty or value.strip())
    ):
        return value  # the usual case, at a glance (text_problem says the same, more slowly)
    problem = text_problem(value, empty=empty, single_line=single_line, max_length=max_length)
    if problem is not None:
        raise InvalidValueError(field, _shown(value), problem)
    return value  # type: ignore[return-value]


def check_name(field: str, value: object, *, max_length: int = MAX_NAME_LENGTH) -> str:
    """Return ``value`` if it is a non-empty single line of at most ``max_length`` characters."""
    if (
        type(value) is str
        and len(value) <= max_length
        and value.isascii()
        and value.isprintable()
        and value.strip()
    ):
        return value  # as check_text, without its keywords: a command checks several names
    return check_text(field, value, empty=False, single_line=True, max_length=max_length)


def check_optional_name(field: str, value: object) -> str | None:
    """Return ``value`` if it is ``None`` or a name (see :func:`check_name`)."""
    return None if value is None else check_name(field, value)


def check_optional_text(field: str, value: object) -> str | None:
    """Return ``value`` if it is ``None`` or non-empty text (multi-line allowed)."""
    return None if value is None else check_text(field, value, empty=False)


def check_int(
    field: str, value: object, *, minimum: int = INT64_MIN, maximum: int = INT64_MAX
) -> int:
    """Return ``value`` if it is an ``int`` (not a ``bool``) from ``minimum`` to ``maximum``."""
    if type(value) is not int or not minimum <= value <= maximum:
        shown = value if type(value) is not int or value.bit_length() < 256 else "a huge integer"  # noqa: PLR2004
        raise InvalidValueError(field, shown, f"must be an integer from {minimum} to {maximum}")
    return value


def check_optional_int(
    field: str, value: object, *, minimum: int = INT64_MIN, maximum: int = INT64_MAX
) -> int | None:
    """Return ``value`` if it is ``None`` or an integer in range (see :func:`check_int`)."""
    return None if value is None else check_int(field, value, minimum=minimum, maximum=maximum)


def check_key(field: str, value: object) -> str:
    """Return ``value`` if it is a string to look something up by (stores say if it exists).

    Raises:
        InvalidValueError: It is not a string.
    """
    if not isinstance(value, str):
        raise InvalidValueError(field, _shown(value), "a key is a string")
    return value


def check_bool(field: str, value: object) -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (not a truthy string or number)."""
    if type(value) is not bool:
        raise InvalidValueError(field, _shown(value), "must be True or False")
    return value


def check_instant(field: str, value: object) -> datetime:
    """Return an aware datetime ``value`` in UTC.

    Raises:
        NaiveDatetimeError: ``value`` has no UTC offset.
        InvalidValueError: ``value`` is not a datetime, or cannot be expressed in UTC.
    """
    if not isinstance(value, datetime):
        raise InvalidValueError(field, _shown(value), "must be a timezone-aware datetime")
    if value.tzinfo is UTC:
        return value
    try:
        offset = value.utcoffset()
    except Exception as error:
        raise InvalidValueError(field, value, f"its time zone failed: {shown(error)}") from error
    if offset is None:
        raise NaiveDatetimeError(field, value)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError) as error:
        raise InvalidValueError(field, value, "is out of range in UTC") from error


def check_items(field: str, value: object, *, maximum: int, what: str) -> tuple[object, ...]:
    """Return ``value``, a list or tuple of at most ``maximum`` items, as a tuple.

    Each item is the caller's to check. A string, bytes or mapping is refused, not iterated.

    Raises:
        InvalidValueError: ``value`` is no such sequence (``what`` says of what), or too long.
    """
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, tuple | list):
        raise InvalidValueError(field, _shown(value), f"must be a sequence of {what}")
    if len(value) > maximum:
        raise InvalidValueError(field, len(value), f"at most {maximum} {what}")
    return tuple(value)


def check_instances(field: str, value: object, kind: type[T]) -> tuple[T, ...]:
    """Return ``value``, a collection of exactly ``kind`` values, as a tuple.

    Raises:
        InvalidValueError: ``value`` is a string, bytes or no collection (``field`` names it),
            or an item is not a ``kind`` (``field[index]`` names it).
    """
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError(
            field, _shown(value), f"must be a collection of {kind.__name__} values"
        )
    items = tuple(value)
    for index, item in enumerate(items):
        if type(item) is not kind:
            raise InvalidValueError(f"{field}[{index}]", item, f"must be a {kind.__name__}")
    return items


def check_enum(field: str, value: object, enum_type: type[E]) -> E:
    """Return the member of ``enum_type`` that ``value`` is or names.

    Raises:
        InvalidValueError: ``value`` is neither a member nor a member's value; the message lists
            the allowed values.
    """
    if isinstance(value, enum_type):
        return value
    try:
        return enum_type(value)
    except (ValueError, TypeError):
        allowed = ", ".join(str(member.value) for member in enum_type)
        raise InvalidValueError(field, _shown(value), f"must be one of: {allowed}") from None


def validator(check: Callable[..., object], field: str, **options: Any) -> Any:  # noqa: ANN401
    """Return an attrs validator that applies ``check(field, value, **options)``."""
    if not options:  # most: no keywords to unpack on every call

        def validate_plain(_: object, __: object, value: object) -> None:
            check(field, value)

        return validate_plain

    def validate(_: object, __: object, value: object) -> None:
        check(field, value, **options)

    return validate


def converter(check: Callable[..., Any], field: str, **options: Any) -> Any:  # noqa: ANN401
    """Return an attrs converter that returns ``check(field, value, **options)``."""

    def convert(value: object) -> Any:  # noqa: ANN401
        return check(field, value, **options)

    return convert
