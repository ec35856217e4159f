"""Time enters ticketflow only through a :class:`Clock`; aware datetimes only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from .exceptions import NaiveDatetimeError

__all__ = ["Clock", "SystemClock", "require_aware"]


@runtime_checkable
class Clock(Protocol):
    """Where the current instant comes from.

    Inject one into :class:`~ticketflow.Desk`; tests use
    :class:`ticketflow.testing.FrozenClock`.
    """

    def now(self) -> datetime:
        """Return the current instant, timezone-aware."""
        ...


class SystemClock:
    """The machine's clock, in UTC."""

    __slots__ = ()

    def now(self) -> datetime:
        """Return the current instant in UTC."""
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


def require_aware(value: datetime, field: str) -> datetime:
    """Return ``value`` if it is timezone-aware.

    Raises:
        NaiveDatetimeError: ``value`` has no UTC offset; ``field`` names where it was given.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(field, value)
    return value
