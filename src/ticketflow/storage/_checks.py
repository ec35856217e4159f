"""What a store accepts: one set of checks, so every shipped store refuses the same input alike.

The rule (stated for hosts on :class:`~ticketflow.storage.TicketStore`):

* An argument of the wrong type raises :class:`InvalidValueError` naming the argument.
* A well-typed key that no stored ticket can have (an id with a lone surrogate, a number
  outside 64 bits) is not found, like any other unknown key.
* What a store writes is checked where it is built (:class:`OutboxMessage` with
  ``_payload.py``, :class:`Change`): strings that become keys encode as UTF-8, integers fit
  in 64 bits, floats are finite, and payloads are JSON that reads back equal. So a commit
  never writes what cannot be read back.

The stores call the ``*_arguments`` functions first thing, so their answers cannot drift
apart by checking in a different order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final, TypeVar

from .._clock import require_aware
from ..exceptions import InvalidValueError

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "claim_arguments",
    "due_arguments",
    "instance",
    "instant",
    "invalid",
    "journal_arguments",
    "key_text",
    "lease_end",
    "limit_argument",
    "number_argument",
    "printable_int",
    "reportable",
    "storable",
    "ticket_id_argument",
    "to_int64",
    "validator",
]

T = TypeVar("T")

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1


def reportable(value: object) -> object:
    """Return ``value``, or a description of it when it cannot be shown.

    An error message shows the offending value, and Python cannot show some values: an
    integer of more than 4,300 digits, a list nested too deeply, an object whose ``__repr__``
    fails. Building the error must never fail in its turn.
    """
    try:
        repr(value)
    except Exception:  # noqa: BLE001 - whatever a hostile __repr__ raises
        if isinstance(value, int):
            return f"<an integer of {value.bit_length()} bits>"
        return f"<a {type(value).__name__} that cannot be shown>"
    return value


def printable_int(value: int) -> int | str:
    """Return ``value``, or a description of it if it has too many digits to print."""
    shown = reportable(value)
    return value if shown is value else str(shown)


def invalid(field: str, value: object, problem: str) -> InvalidValueError:
    """Return an :class:`InvalidValueError` that can be built whatever ``value`` is."""
    return InvalidValueError(field, reportable(value), problem)


def validator(check: Callable[[object], object]) -> Any:  # noqa: ANN401
    """Return an attrs validator that calls ``check(value)``.

    Typed ``Any`` so that attrs keeps the attribute's declared type for ``__init__``.
    """

    def validate(_: object, __: object, value: object) -> None:
        check(value)

    return validate


def storable(text: str) -> bool:
    """Return whether ``text`` encodes as UTF-8 (holds no lone surrogate)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def to_int64(value: int) -> int:
    """Return ``value`` clamped to 64 bits: beyond the range, nothing stored compares apart."""
    return min(max(value, INT64_MIN), INT64_MAX)


def instance(field: str, value: object, cls: type[T]) -> T:
    """Return ``value`` if it is a ``cls``; otherwise raise :class:`InvalidValueError`."""
    if not isinstance(value, cls):
        raise invalid(field, value, f"must be a {cls.__name__}")
    return value


def key_text(field: str, value: object) -> str:
    """Return ``value`` if it can be a key: a non-empty single-line string that encodes as UTF-8.

    Raises:
        InvalidValueError: It cannot; ``field`` names it.
    """
    if not isinstance(value, str):
        raise invalid(field, value, "must be a string")
    if not value.strip():
        raise invalid(field, value, "must not be empty")
    if "\r" in value or "\n" in value:
        raise invalid(field, value, "must be a single line (no CR or LF)")
    if not storable(value):
        raise invalid(field, value, "must be valid Unicode (no lone surrogates)")
    return value


def _integer(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(field, value, "must be an integer")
    return value


def instant(field: str, value: object) -> datetime:
    """Return an aware datetime ``value`` in UTC.

    Raises:
        InvalidValueError: It is not a datetime, or it lies beyond the UTC calendar.
        NaiveDatetimeError: It is naive.
    """
    if not isinstance(value, datetime):
        raise invalid(field, value, "must be a datetime")
    if value.tzinfo is UTC:
        return value
    try:
        return require_aware(value, field).astimezone(UTC)
    except OverflowError:
        raise invalid(field, value, "lies beyond the range of UTC datetimes") from None


def ticket_id_argument(value: object) -> str:
    """Return the ``ticket_id`` argument of a lookup, which must be a string."""
    if not isinstance(value, str):
        raise invalid("ticket_id", value, "must be a string")
    return value


def number_argument(value: object) -> int:
    """Return the ``number`` argument of a lookup, which must be an integer."""
    return _integer("number", value)


def limit_argument(value: object) -> int:
    """Return ``limit`` if it is an integer >= 0; otherwise raise :class:`InvalidValueError`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid("limit", value, "must be an integer >= 0")
    return value


def journal_arguments(ticket_id: object, after_version: object) -> tuple[str, int]:
    """Return the checked arguments of ``journal``."""
    return ticket_id_argument(ticket_id), _integer("after_version", after_version)


def due_arguments(at_or_before: object, limit: object) -> tuple[datetime, int]:
    """Return the checked arguments of ``due``: the cutoff in UTC and the limit."""
    return instant("at_or_before", at_or_before), limit_argument(limit)


def claim_arguments(
    worker: object, now: object, lease: object, limit: object
) -> tuple[str, datetime, datetime, int]:
    """Return the checked arguments of ``claim_outbox``: worker, now, lease end and limit.

    A lease of zero would let the next worker claim the same message at once, so a lease is
    a positive ``timedelta``.
    """
    worker = key_text("worker", worker)
    at = instant("now", now)
    return worker, at, lease_end(at, lease), limit_argument(limit)


def lease_end(at: datetime, lease: object) -> datetime:
    """Return when a lease of ``lease`` taken at ``at`` ends (``lease`` checked as ``lease``)."""
    if not isinstance(lease, timedelta) or lease <= timedelta(0):
        raise invalid("lease", lease, "must be a positive timedelta")
    try:
        return at + lease
    except OverflowError:
        raise invalid("lease", lease, "ends after the last datetime") from None
