"""A clock that moves only when told to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .._clock import require_aware

__all__ = ["FrozenClock"]


class FrozenClock:
    """A :class:`ticketflow.Clock` for tests: stands still until advanced.

    Args:
        start: The initial instant (timezone-aware); defaults to 2026-01-05 09:00 UTC.
    """

    __slots__ = ("_now",)

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (
            datetime(2026, 1, 5, 9, tzinfo=UTC) if start is None else require_aware(start, "start")
        )

    def now(self) -> datetime:
        """Return the current (frozen) instant."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` (never backward) and return the new instant.

        Raises:
            ValueError: ``delta`` is negative.
        """
        if delta < timedelta(0):
            raise ValueError(f"a clock does not go backward (delta {delta})")
        self._now += delta
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to ``instant`` (timezone-aware)."""
        self._now = require_aware(instant, "instant")

    def __repr__(self) -> str:
        return f"FrozenClock({self._now.isoformat()})"
