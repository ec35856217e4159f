"""A clock that moves only when told to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .._clock import require_aware
from ..exceptions import InvalidValueError

__all__ = ["FrozenClock"]


def _instant(value: object, field: str) -> datetime:
    # Checked here rather than left to datetime arithmetic, which would raise a bare
    # TypeError or AttributeError far from the call that passed the wrong value.
    if not isinstance(value, datetime):
        raise InvalidValueError(field, value, "must be a timezone-aware datetime")
    return require_aware(value, field)


class FrozenClock:
    """A :class:`ticketflow.Clock` for tests: stands still until advanced.

    Args:
        start: The initial instant (timezone-aware); defaults to 2026-01-05 09:00 UTC.

    Raises:
        NaiveDatetimeError: ``start`` is naive.
        InvalidValueError: ``start`` is not a datetime.

    .. versionadded:: 0.1
    """

    __slots__ = ("_now",)

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (
            datetime(2026, 1, 5, 9, tzinfo=UTC) if start is None else _instant(start, "start")
        )

    def now(self) -> datetime:
        """Return the current (frozen) instant."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` (never backward) and return the new instant.

        Raises:
            InvalidValueError: ``delta`` is not a ``timedelta``, is negative, or would move
                the clock past the last representable instant; ``field`` is ``"delta"``.
        """
        if not isinstance(delta, timedelta):
            raise InvalidValueError("delta", delta, "must be a timedelta")
        if delta < timedelta(0):
            raise InvalidValueError("delta", delta, "a clock does not go backward")
        try:
            self._now += delta
        except OverflowError:
            raise InvalidValueError(
                "delta", delta, f"moves the clock from {self._now} past datetime.max"
            ) from None
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to ``instant`` (timezone-aware), forward or backward.

        Raises:
            NaiveDatetimeError: ``instant`` is naive.
            InvalidValueError: ``instant`` is not a datetime.
        """
        self._now = _instant(instant, "instant")

    def __repr__(self) -> str:
        return f"FrozenClock({self._now.isoformat()})"
