"""A brute-force business calendar for the tests: one UTC minute at a time, from the raw config.

Every question is answered by converting each UTC minute to local wall time and asking the raw
configuration whether that wall time is open on that local date.  Nothing here uses the
calendar's precomputed intervals, so agreement between the two means something.  All offsets of
the zones under test are whole minutes, so every boundary falls on a UTC minute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate
from zoneinfo import ZoneInfo

import attrs

from ticketflow.sla import BusinessCalendar, Closure, Opening

MINUTE = timedelta(minutes=1)
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@lru_cache(maxsize=4096)
def span(text: str) -> tuple[int, int]:
    """Read ``"HH:MM-HH:MM"`` as ``(start, end)`` minutes of the day, ``end`` possibly <= start."""
    first, last = text.split("-")
    start_hour, start_minute = first.split(":")
    end_hour, end_minute = last.split(":")
    return int(start_hour) * 60 + int(start_minute), int(end_hour) * 60 + int(end_minute)


def covers(text: str, begins_on: date, day: date, minute: int) -> bool:
    """Tell whether an interval configured on ``begins_on`` covers wall ``minute`` of ``day``."""
    start, end = span(text)
    if end > start:
        return begins_on == day and start <= minute < end
    # It runs past midnight: the evening of its own day, the early hours of the next.
    return (begins_on == day and minute >= start) or (
        begins_on + timedelta(days=1) == day and minute < end
    )


@attrs.frozen
class RawCalendar:
    """A calendar configuration in its plainest form, one weekday per key."""

    tz: str
    weekly: tuple[tuple[int, str], ...]
    holidays: frozenset[date] = frozenset()
    closures: tuple[tuple[date, str], ...] = ()
    openings: tuple[tuple[date, str], ...] = ()

    def build(self) -> BusinessCalendar:
        """Return the calendar under test for this configuration."""
        hours: dict[str, list[str]] = {}
        for weekday, text in self.weekly:
            hours.setdefault(DAY_KEYS[weekday], []).append(text)
        return BusinessCalendar.weekly(
            tz=self.tz,
            hours=hours,
            holidays=self.holidays,
            closures=[Closure(day, text) for day, text in self.closures],
            openings=[Opening(day, text) for day, text in self.openings],
        )

    def wall_is_open(self, wall: datetime) -> bool:
        """Tell whether a local wall time is open, straight from the configuration."""
        day = wall.date()
        minute = wall.hour * 60 + wall.minute
        if any(covers(text, on, day, minute) for on, text in self.openings):
            return True
        if day in self.holidays:
            return False
        if any(covers(text, on, day, minute) for on, text in self.closures):
            return False
        yesterday = day - timedelta(days=1)
        for weekday, text in self.weekly:
            if weekday == day.weekday() and covers(text, day, day, minute):
                return True
            if weekday == yesterday.weekday() and covers(text, yesterday, day, minute):
                return True
        return False


class MinuteTable:
    """The open minutes of a window of UTC time, and the answers read off them."""

    def __init__(self, raw: RawCalendar, start: datetime, minutes: int) -> None:
        zone = ZoneInfo(raw.tz)
        self.start = start.astimezone(UTC)
        self.open = [
            raw.wall_is_open((self.start + i * MINUTE).astimezone(zone).replace(tzinfo=None))
            for i in range(minutes)
        ]
        self.before = [0, *accumulate(self.open)]

    def index(self, instant: datetime) -> int:
        """Return the minute number of a minute-aligned instant inside the window."""
        offset, rest = divmod(instant.astimezone(UTC) - self.start, MINUTE)
        assert not rest, instant
        assert 0 <= offset <= len(self.open), instant
        return offset

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Return the open time in ``[a, b)``."""
        first, last = self.index(a), self.index(b)
        return MINUTE * max(self.before[last] - self.before[first], 0)

    def add(self, a: datetime, minutes: int) -> datetime | None:
        """Return when ``minutes`` of open time have elapsed after ``a``, in UTC.

        None means the answer lies beyond the window.
        """
        first = self.index(a)
        if minutes == 0:
            # In UTC: a skipped or repeated wall time never equals an instant in another zone.
            return a.astimezone(UTC)
        for i in range(first, len(self.open)):
            if self.before[i + 1] - self.before[first] == minutes:
                return self.start + (i + 1) * MINUTE
        return None

    def is_open(self, t: datetime) -> bool:
        """Tell whether the minute starting at ``t`` is open."""
        return self.open[self.index(t)]

    def open_after(self, a: datetime) -> int:
        """Return the open minutes from ``a`` to the end of the window."""
        return self.before[-1] - self.before[self.index(a)]


@lru_cache(maxsize=64)
def transitions(tz: str, first_year: int, last_year: int) -> tuple[datetime, ...]:
    """Return the UTC instants at which the zone's offset changes in the given years."""
    zone = ZoneInfo(tz)

    def offset(instant: datetime) -> timedelta | None:
        return instant.astimezone(zone).utcoffset()

    found: list[datetime] = []
    probe = datetime(first_year, 1, 1, tzinfo=UTC)
    stop = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    step = 6 * 60
    while probe < stop:
        if offset(probe + step * MINUTE) != offset(probe):
            low, high = 0, step
            while high - low > 1:
                middle = (low + high) // 2
                if offset(probe + middle * MINUTE) == offset(probe):
                    low = middle
                else:
                    high = middle
            found.append(probe + high * MINUTE)
        probe += step * MINUTE
    return tuple(found)
