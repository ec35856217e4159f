"""Reading a business calendar's configuration into one normalized, comparable value.

Wall-clock times are whole minutes.  A weekly schedule becomes a tuple of intervals in
*week minutes* (minutes since Monday 00:00, local wall time) on a circle of one week, merged where
they touch, so that two spellings of the same schedule compare equal.  One-off closures and
openings become ``(day, start, end)`` triples in minutes after that day's midnight; an ``end``
beyond 1440 reaches into the next day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from itertools import pairwise
from typing import TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from ticketflow.exceptions import CalendarError

from .._shown import shown

__all__ = [
    "DAY_NAMES",
    "MINUTES_PER_DAY",
    "MINUTES_PER_WEEK",
    "CalendarSpec",
    "Closure",
    "Opening",
    "holidays_from",
    "parse_interval",
]

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NUMBERS = {
    name: number for names in (DAY_NAMES, _FULL_DAY_NAMES) for number, name in enumerate(names)
}
_INTERVAL = re.compile(r"\s*([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})\s*")
_INTERVAL_FORM = "'HH:MM-HH:MM'"

# A day-minute interval: (start, end) with 0 <= start < 1440 and start < end <= start + 1440.
_Minutes: TypeAlias = tuple[int, int]


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
