"""Reading a business calendar's configuration into one normalized, comparable value.

Wall-clock times are whole minutes.  A weekly schedule becomes a tuple of intervals in
*week minutes* (minutes since Monday 00:00, local wall time) on a circle of one week, merged where
they touch, so that two spellings of the same schedule compare equal.  One-off closures and
openings become ``(day, start, end)`` triples in minutes after that day's midnight; an ``end``
beyond 1440 reaches into the next day.

It also says what a configuration opens in wall-clock time, before any zone maps wall time to
real time: the open wall intervals over a window (:class:`WallClock`), and the open wall time
before any wall instant (:class:`WallMeasure`).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from itertools import accumulate, pairwise
from typing import Final, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from ticketflow.exceptions import CalendarError

from .._shown import shown

__all__ = [
    "DAY_NAMES",
    "MINUTES_PER_DAY",
    "MINUTES_PER_WEEK",
    "SECONDS_PER_DAY",
    "US_PER_SECOND",
    "CalendarSpec",
    "Closure",
    "Interval",
    "Opening",
    "WallClock",
    "WallMeasure",
    "holidays_from",
    "parse_interval",
]

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
SECONDS_PER_DAY: Final = 86_400
US_PER_SECOND: Final = 1_000_000
_US_PER_MINUTE: Final = 60 * US_PER_SECOND
_US_PER_WEEK: Final = 7 * SECONDS_PER_DAY * US_PER_SECOND
# 1970-01-05 00:00, a Monday, in wall microseconds: the weekly hours are counted from it.
_MONDAY: Final = 4 * SECONDS_PER_DAY * US_PER_SECOND
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NUMBERS = {
    name: number for names in (DAY_NAMES, _FULL_DAY_NAMES) for number, name in enumerate(names)
}
_INTERVAL = re.compile(r"\s*([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})\s*")
_INTERVAL_FORM = "'HH:MM-HH:MM'"

# A day-minute interval: (start, end) with 0 <= start < 1440 and start < end <= start + 1440.
_Minutes: TypeAlias = tuple[int, int]
# A stretch of time, start included and end excluded, in whole units (seconds, minutes).
Interval: TypeAlias = tuple[int, int]


def _minute_of_day(hour: str, minute: str, text: str, where: str) -> int:
    hours, minutes = int(hour), int(minute)
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):  # noqa: PLR2004 - clock limits
        raise CalendarError(where, f"{shown(text)} has a time that is not on a 24-hour clock")
    return hours * 60 + minutes


def parse_interval(text: object, where: str) -> _Minutes:
    """Read ``"HH:MM-HH:MM"`` into minutes after midnight.

    An end before the start crosses midnight into the next day (the end is returned plus 1440);
    ``24:00`` may end an interval, never start one.

    Args:
        text: The interval as configured.
        where: Where it was configured, for the error.

    Returns:
        ``(start, end)`` with ``0 <= start < 1440`` and ``start < end <= start + 1440``.

    Raises:
        CalendarError: The text is not an interval, names an impossible time, or is empty.
    """
    if not isinstance(text, str):
        raise CalendarError(where, f"expected an interval {_INTERVAL_FORM}, got {shown(text)}")
    match = _INTERVAL.fullmatch(text)
    if match is None:
        raise CalendarError(where, f"{shown(text)} is not an interval of the form {_INTERVAL_FORM}")
    start = _minute_of_day(match[1], match[2], text, where)
    end = _minute_of_day(match[3], match[4], text, where)
    if start == MINUTES_PER_DAY:
        raise CalendarError(where, f"{shown(text)} starts at 24:00; 24:00 can only end an interval")
    if start == end:
        raise CalendarError(where, f"{shown(text)} is empty; use '00:00-24:00' for a whole day")
    if end < start:
        end += MINUTES_PER_DAY
    return start, end


def _day_number(name: str, key: str, where: str) -> int:
    number = _DAY_NUMBERS.get(name.strip().lower())
    if number is None:
        raise CalendarError(
            where,
            f"{shown(name.strip())} in {shown(key)} is not a weekday; use {', '.join(DAY_NAMES)}"
            " (a range like 'mon-fri' or a list like 'sat,sun')",
        )
    return number


def _parse_days(key: object, where: str) -> tuple[int, ...]:
    """Read a weekday key (``mon``, ``mon-fri``, ``fri-mon``, ``sat,sun``) into day numbers."""
    if not isinstance(key, str):
        raise CalendarError(where, f"expected a weekday name such as 'mon-fri', got {shown(key)}")
    days: list[int] = []
    for part in key.split(","):
        first_name, dash, last_name = part.partition("-")
        first = _day_number(first_name, key, where)
        if not dash:
            days.append(first)
            continue
        last = _day_number(last_name, key, where)
        if first == last:
            raise CalendarError(
                where, f"the range {shown(part.strip())} starts and ends on one day"
            )
        days.extend((first + step) % 7 for step in range((last - first) % 7 + 1))
    for day in days:
        if days.count(day) > 1:
            raise CalendarError(where, f"{shown(key)} names {DAY_NAMES[day]} twice")
    return tuple(days)


@attrs.frozen
class _Placed:
    """One configured weekly interval in week minutes, and where it was configured."""

    start: int
    end: int
    where: str
    order: int


def _check_disjoint(placed: list[_Placed]) -> None:
    """Raise for the first overlap on the week circle, blaming the later-configured interval."""
    ordered = sorted(placed, key=lambda p: (p.start, p.end))
    pairs = list(pairwise(ordered))
    if len(ordered) > 1:
        last, first = ordered[-1], ordered[0]
        pairs.append((last, attrs.evolve(first, start=first.start + MINUTES_PER_WEEK)))
    for before, after in pairs:
        if after.start < before.end:
            blamed, other = (after, before) if after.order > before.order else (before, after)
            day = DAY_NAMES[after.start % MINUTES_PER_WEEK // MINUTES_PER_DAY]
            raise CalendarError(blamed.where, f"overlaps {other.where} on {day}")


def _merge_circle(placed: list[_Placed]) -> tuple[_Minutes, ...]:
    """Merge disjoint week intervals where they touch, also across the end of the week."""
    merged: list[list[int]] = []
    for item in sorted(placed, key=lambda p: p.start):
        if merged and merged[-1][1] == item.start:
            merged[-1][1] = item.end
        else:
            merged.append([item.start, item.end])
    if len(merged) > 1 and merged[-1][1] - MINUTES_PER_WEEK == merged[0][0]:
        merged[0] = [merged[-1][0], merged[0][1] + MINUTES_PER_WEEK]
        merged.pop()
    if len(merged) == 1 and merged[0][1] - merged[0][0] == MINUTES_PER_WEEK:
        return ((0, MINUTES_PER_WEEK),)
    return tuple(sorted((start, end) for start, end in merged))


def _parse_weekly(hours: object) -> tuple[_Minutes, ...]:
    if not isinstance(hours, Mapping):
        raise CalendarError(
            "hours",
            f"expected a mapping such as {{'mon-fri': ['09:00-17:00']}}, got {shown(hours)}",
        )
    entries: Iterable[tuple[object, object]] = hours.items()
    owner: dict[int, str] = {}
    placed: list[_Placed] = []
    for key, value in entries:
        where = f"hours[{shown(key)}]"
        days = _parse_days(key, where)
        for day in days:
            if day in owner:
                raise CalendarError(where, f"{DAY_NAMES[day]} is already given by {owner[day]}")
            owner[day] = where
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise CalendarError(
                where, f"expected a list of intervals {_INTERVAL_FORM}, got {shown(value)}"
            )
        for index, text in enumerate(value):
            item = f"{where}[{index}]"
            start, end = parse_interval(text, item)
            # ``order`` is the position in the configuration: an overlap blames the later one.
            order = len(placed)
            placed.extend(
                _Placed(day * MINUTES_PER_DAY + start, day * MINUTES_PER_DAY + end, item, order)
                for day in days
            )
    if not placed:
        raise CalendarError(
            "hours", "the weekly schedule has no open time; a calendar must open at some time"
        )
    _check_disjoint(placed)
    return _merge_circle(placed)


def _resolve_zone(tz: object) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    if not isinstance(tz, str):
        raise CalendarError("tz", f"expected an IANA time zone name or a ZoneInfo, got {shown(tz)}")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise CalendarError("tz", f"unknown time zone {shown(tz)}") from None


def _check_day(value: object, where: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise CalendarError(where, f"expected a date, got {shown(value)}")
    return value


def _check_day_field(instance: object, attribute: attrs.Attribute[date], value: date) -> None:
    _check_day(value, f"{type(instance).__name__}.{attribute.name}")


def _check_hours_field(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    parse_interval(value, f"{type(instance).__name__}.{attribute.name}")


@attrs.frozen
class Closure:
    """A one-off partial closure: the wall-clock ``hours`` of ``day`` are closed.

    A whole closed day is a holiday.  An interval whose end is before its start runs on past
    midnight into the next day.

    Args:
        day: The local date.
        hours: ``"HH:MM-HH:MM"`` in the calendar's local time, e.g. ``"12:00-17:00"``.

    Raises:
        CalendarError: ``day`` is not a date or ``hours`` is not an interval
            (``where`` is ``Closure.day`` or ``Closure.hours``).

    .. versionadded:: 0.1
    """

    day: date = attrs.field(validator=_check_day_field)
    hours: str = attrs.field(validator=_check_hours_field)


@attrs.frozen
class Opening:
    """A one-off opening: the wall-clock ``hours`` of ``day`` are open, whatever else applies.

    An opening wins over the weekly schedule, holidays and closures on those hours.

    Args:
        day: The local date.
        hours: ``"HH:MM-HH:MM"`` in the calendar's local time, e.g. ``"10:00-14:00"``.

    Raises:
        CalendarError: ``day`` is not a date or ``hours`` is not an interval
            (``where`` is ``Opening.day`` or ``Opening.hours``).

    .. versionadded:: 0.1
    """

    day: date = attrs.field(validator=_check_day_field)
    hours: str = attrs.field(validator=_check_hours_field)


_OneOff: TypeAlias = tuple[date, int, int]


def _one_offs(items: object, kind: type[Closure | Opening], name: str) -> frozenset[_OneOff]:
    if not isinstance(items, Iterable) or isinstance(items, str):
        raise CalendarError(name, f"expected an iterable of {kind.__name__}, got {shown(items)}")
    entries: Iterable[object] = items
    found: set[_OneOff] = set()
    for index, item in enumerate(entries):
        if not isinstance(item, kind):
            raise CalendarError(
                f"{name}[{index}]", f"expected a {kind.__name__}, got {shown(item)}"
            )
        start, end = parse_interval(item.hours, f"{name}[{index}].hours")
        found.add((item.day, start, end))
    return frozenset(found)


def _holiday_dates(holidays: object) -> frozenset[date]:
    if not isinstance(holidays, Iterable) or isinstance(holidays, str):
        raise CalendarError("holidays", f"expected an iterable of dates, got {shown(holidays)}")
    entries: Iterable[object] = holidays
    return frozenset(_check_day(day, f"holidays[{index}]") for index, day in enumerate(entries))


@attrs.frozen
class CalendarSpec:
    """A validated calendar configuration; equal configurations are equal values.

    Attributes:
        tz: The calendar's zone (compared by its key).
        weekly: Disjoint, non-touching ``(start, end)`` week-minute intervals, ``start`` in
            ``[0, 10080)``; an ``end`` beyond 10080 runs into the next week.
        holidays: Local dates that are closed all day.
        closures: ``(day, start, end)`` closed wall-clock minutes.
        openings: ``(day, start, end)`` open wall-clock minutes; they win over the rest.
    """

    tz: ZoneInfo = attrs.field(eq=str)  # str() is the key, also of an uncached ZoneInfo
    weekly: tuple[_Minutes, ...]
    holidays: frozenset[date] = frozenset()
    closures: frozenset[_OneOff] = frozenset()
    openings: frozenset[_OneOff] = frozenset()

    @classmethod
    def read(
        cls,
        *,
        tz: object,
        hours: object,
        holidays: object = (),
        closures: object = (),
        openings: object = (),
    ) -> CalendarSpec:
        """Validate a configuration, naming exactly where it goes wrong.

        Args:
            tz: An IANA zone name or a ZoneInfo.
            hours: Weekday keys to lists of ``"HH:MM-HH:MM"``.
            holidays: Dates closed all day.
            closures: :class:`Closure` values.
            openings: :class:`Opening` values.

        Returns:
            The normalized configuration.

        Raises:
            CalendarError: Any part is malformed; ``where`` names it.
        """
        return cls(
            tz=_resolve_zone(tz),
            weekly=_parse_weekly(hours),
            holidays=_holiday_dates(holidays),
            closures=_one_offs(closures, Closure, "closures"),
            openings=_one_offs(openings, Opening, "openings"),
        )

    def describe_hours(self) -> dict[str, list[str]]:
        """Return the weekly schedule as the shortest ``hours`` mapping that builds it again."""
        per_day: list[list[str]] = [[] for _ in DAY_NAMES]
        for start, end in self.weekly:
            begin = start
            while begin < end:
                day, minute = divmod(begin, MINUTES_PER_DAY)
                length = end - begin
                if length < MINUTES_PER_DAY:
                    stop = minute + length
                    per_day[day % 7].append(f"{_clock(minute)}-{_clock(stop % MINUTES_PER_DAY)}")
                    break
                per_day[day % 7].append(f"{_clock(minute)}-24:00")
                begin += MINUTES_PER_DAY - minute
        for texts in per_day:
            texts.sort()
        described: dict[str, list[str]] = {}
        first = 0
        while first < len(DAY_NAMES):
            last = first
            while last + 1 < len(DAY_NAMES) and per_day[last + 1] == per_day[first]:
                last += 1
            if per_day[first]:
                key = DAY_NAMES[first] if first == last else f"{DAY_NAMES[first]}-{DAY_NAMES[last]}"
                described[key] = per_day[first]
            first = last + 1
        return described


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


# --- wall-clock time ---------------------------------------------------------------------


class WallClock:
    """What a configuration opens, in wall-clock time (no zone involved).

    Wall seconds read local wall time as if it were UTC, counted from 1970-01-01 00:00, so a
    local date and time map to one number whatever the offset.
    """

    __slots__ = ("_closed", "_opened", "_weekly")

    def __init__(self, spec: CalendarSpec) -> None:
        self._weekly = spec.weekly
        self._closed, self._opened = _one_off_intervals(spec)

    def intervals(self, low: int, high: int) -> list[Interval]:
        """Return the open wall intervals reaching into ``[low, high)``, in wall seconds."""
        weekly = _subtract(self._weekly_intervals(low, high), _window(self._closed, low, high))
        return _union(weekly, _window(self._opened, low, high))

    def measure(self) -> WallMeasure:
        """Return the measure of open wall time, for questions about long spans."""
        return WallMeasure(self._weekly, self._closed, self._opened)

    def _weekly_intervals(self, low: int, high: int) -> list[Interval]:
        """Return the weekly hours alone, as wall intervals reaching into ``[low, high)``."""
        first_day = max((low // SECONDS_PER_DAY + _EPOCH_ORDINAL) - 8, 1)
        last_day = min(high // SECONDS_PER_DAY + _EPOCH_ORDINAL + 1, date.max.toordinal())
        first_monday = first_day - (first_day - 1) % 7  # ordinal 1 (0001-01-01) is a Monday
        weekly: list[Interval] = []
        for monday in range(first_monday, last_day + 1, 7):
            base = (monday - _EPOCH_ORDINAL) * SECONDS_PER_DAY
            weekly += [(base + start * 60, base + end * 60) for start, end in self._weekly]
        return _union(weekly, [])


class WallMeasure:
    """The open wall-clock time before a wall time, in microseconds (``F`` in ``_calendar``).

    Wall microseconds read local wall time as if it were UTC, counted from 1970-01-01 00:00.
    Outside the *segments* that one-offs cover the weekly hours decide; inside one, openings
    are open and the rest is closed (openings win, and a segment is made of one-offs only).
    """

    __slots__ = (
        "_done",
        "_ends",
        "_opened_done",
        "_opened_ends",
        "_opened_starts",
        "_segment_after",
        "_segment_before",
        "_segment_ends",
        "_segment_starts",
        "_starts",
        "segments",
        "week",
    )

    def __init__(
        self, weekly: Iterable[Interval], closed: list[Interval], opened: list[Interval]
    ) -> None:
        """Take the weekly hours (week minutes), and the closed and opened wall seconds."""
        pieces: list[Interval] = []
        for start, end in weekly:
            # An interval that runs past the end of the week goes on at the start of the next.
            pieces.append((start, min(end, MINUTES_PER_WEEK)))
            if end > MINUTES_PER_WEEK:
                pieces.append((0, end - MINUTES_PER_WEEK))
        pieces.sort()
        self._starts = [start * _US_PER_MINUTE for start, _ in pieces]
        self._ends = [end * _US_PER_MINUTE for _, end in pieces]
        self._done = list(accumulate((end - start) * _US_PER_MINUTE for start, end in pieces))
        self.week = self._done[-1]
        self._opened_starts = [start * US_PER_SECOND for start, _ in opened]
        self._opened_ends = [end * US_PER_SECOND for _, end in opened]
        self._opened_done = list(accumulate((end - start) * US_PER_SECOND for start, end in opened))
        self.segments = _union(closed, opened)
        self._segment_starts = [start * US_PER_SECOND for start, _ in self.segments]
        self._segment_ends = [end * US_PER_SECOND for _, end in self.segments]
        # How far the one-offs have moved the measure off the weekly hours, before each segment
        # and after it.
        self._segment_before: list[int] = []
        self._segment_after: list[int] = []
        moved = 0
        for start, end in zip(self._segment_starts, self._segment_ends, strict=True):
            self._segment_before.append(moved)
            moved += self._opened(end) - self._opened(start) - self.weekly(end) + self.weekly(start)
            self._segment_after.append(moved)

    def weekly(self, wall: int) -> int:
        """Return the open time before ``wall`` by the weekly hours alone."""
        weeks, rest = divmod(wall - _MONDAY, _US_PER_WEEK)
        index = bisect_right(self._starts, rest) - 1
        if index < 0:
            return weeks * self.week
        return weeks * self.week + self._done[index] - max(self._ends[index] - rest, 0)

    def at(self, wall: int) -> int:
        """Return the open time before ``wall``: the weekly hours and the one-offs."""
        index = bisect_right(self._segment_starts, wall) - 1
        if index < 0:
            return self.weekly(wall)
        if wall >= self._segment_ends[index]:
            return self.weekly(wall) + self._segment_after[index]
        start = self._segment_starts[index]
        inside = self._opened(wall) - self._opened(start)
        return self.weekly(start) + self._segment_before[index] + inside

    def _opened(self, wall: int) -> int:
        """Return the one-off opened time before ``wall``."""
        index = bisect_right(self._opened_starts, wall) - 1
        if index < 0:
            return 0
        return self._opened_done[index] - max(self._opened_ends[index] - wall, 0)


def _union(left: list[Interval], right: list[Interval]) -> list[Interval]:
    """Merge two sorted interval lists into one sorted list of disjoint, non-touching intervals."""
    merged: list[Interval] = []
    for start, end in sorted(left + right):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _subtract(kept: list[Interval], removed: list[Interval]) -> list[Interval]:
    """Remove the (sorted, disjoint) ``removed`` intervals from sorted, disjoint ``kept``."""
    result: list[Interval] = []
    index = 0
    for start, end in kept:
        while index < len(removed) and removed[index][1] <= start:
            index += 1
        cursor = start
        probe = index
        while probe < len(removed) and removed[probe][0] < end:
            cut_start, cut_end = removed[probe]
            if cut_start > cursor:
                result.append((cursor, cut_start))
            cursor = max(cursor, cut_end)
            probe += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def _day_seconds(day: date) -> int:
    """Return the wall-clock seconds (local time read as if it were UTC) of a day's midnight."""
    return (day.toordinal() - _EPOCH_ORDINAL) * SECONDS_PER_DAY


def _one_off_intervals(spec: CalendarSpec) -> tuple[list[Interval], list[Interval]]:
    """Return the wall-clock intervals closed by holidays and closures, and opened by openings."""
    closed = [(_day_seconds(day), _day_seconds(day) + SECONDS_PER_DAY) for day in spec.holidays]
    closed += [
        (_day_seconds(day) + start * 60, _day_seconds(day) + end * 60)
        for day, start, end in spec.closures
    ]
    opened = [
        (_day_seconds(day) + start * 60, _day_seconds(day) + end * 60)
        for day, start, end in spec.openings
    ]
    return _union(closed, []), _union(opened, [])


def _window(intervals: list[Interval], low: int, high: int) -> list[Interval]:
    """Return the sorted, disjoint intervals that reach into ``[low, high)``."""
    first = bisect_right(intervals, low, key=lambda interval: interval[1])
    last = bisect_left(intervals, high, key=lambda interval: interval[0])
    return intervals[first:last]


def holidays_from(
    country: str, *, years: Iterable[int], subdiv: str | None = None
) -> frozenset[date]:
    """Return the public holidays of a country from the optional ``holidays`` package.

    Args:
        country: An ISO 3166-1 alpha-2 code such as ``"DE"``.
        years: The years to list.
        subdiv: A subdivision (state, province) code such as ``"BY"``, if any.

    Returns:
        The holiday dates, ready for ``BusinessCalendar.weekly(holidays=...)``.

    Raises:
        ImportError: The ``holidays`` package is not installed (``pip install
            'ticketflow[holidays]'``).
        CalendarError: The package knows no such country or subdivision, or an argument is not
            of its kind (``where`` is ``country``, ``subdiv`` or ``years``).

    .. versionadded:: 0.1
    """
    if not isinstance(country, str):
        raise CalendarError(
            "country", f"expected a country code such as 'DE', got {shown(country)}"
        )
    if subdiv is not None and not isinstance(subdiv, str):
        raise CalendarError("subdiv", f"expected a subdivision code or None, got {shown(subdiv)}")
    if isinstance(years, str | bytes) or not isinstance(years, Iterable):
        raise CalendarError("years", f"expected a collection of years, got {shown(years)}")
    years = list(years)
    for year in years:
        if type(year) is not int or not date.min.year <= year <= date.max.year:
            raise CalendarError("years", f"{shown(year)} is not a year from 1 to 9999")
    try:
        import holidays as holidays_package  # noqa: PLC0415 - an optional extra, loaded on use
    except ImportError as missing:
        raise ImportError(
            "holidays_from() needs the optional 'holidays' package;"
            " install it with: pip install 'ticketflow[holidays]'"
        ) from missing
    try:
        table = holidays_package.country_holidays(country, subdiv=subdiv, years=years)
    except NotImplementedError:
        if country not in holidays_package.list_supported_countries():
            raise CalendarError(
                "country", f"the holidays package knows no country {shown(country)}"
            ) from None
        raise CalendarError(
            "subdiv",
            f"the holidays package knows no subdivision {shown(subdiv)} of {shown(country)}",
        ) from None
    return frozenset(table)
