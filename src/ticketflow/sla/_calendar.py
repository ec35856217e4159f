"""Business-hours arithmetic: how much open time lies between two instants, and when it is due.

The calendar lives in its own IANA zone.  Wall-clock hours mean local time on each local date,
and an instant is open exactly when its local wall time falls in an open interval.  So hours that
fall into a daylight-saving gap are shortened (the missing wall times never happen) and hours that
overlap a fold are counted once per real elapsed second (the repeated wall times happen twice).

How it stays fast: time is cut into fixed UTC *chunks* of 384 days.  A chunk is built once,
lazily, as sorted open intervals with the open time accumulated up to each interval's end, so
``between`` is two bisections and ``add`` is one bisection plus a walk over whole-chunk totals
(one dictionary lookup per chunk skipped).  Instants are kept as ``timedelta`` offsets from the
POSIX epoch: ``t - epoch`` is the cheapest exact conversion of an aware datetime, its ``days``
give the chunk, and answers need no further conversion.  Building a chunk maps local wall
intervals to UTC through the zone's offset periods, which are found by probing the zone
(``zoneinfo`` offers no list of transitions).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Final

import attrs

from ticketflow.exceptions import CalendarError, InvalidValueError, NaiveDatetimeError

from .._shown import shown
from ._calendar_spec import CalendarSpec

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from ._calendar_spec import Closure, Opening

__all__ = ["BusinessCalendar"]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE: Final = datetime(1970, 1, 1)  # noqa: DTZ001 - UTC fields, zone attached later
_EPOCH_ORDINAL: Final = _EPOCH_NAIVE.toordinal()
_ZERO: Final = timedelta(0)
_SECONDS_PER_DAY: Final = 86_400

# A chunk is a whole number of days of UTC time, so ``(t - epoch).days`` finds it.
_CHUNK_DAYS: Final = 384
_CHUNK_SECONDS: Final = _CHUNK_DAYS * _SECONDS_PER_DAY
# Offsets are probed this often; two transitions closer together than this would be missed.
_PROBE_STEP_SECONDS: Final = 6 * 3600
# Chunks whose intervals are kept per calendar; totals are kept for every chunk ever built.
_MAX_CHUNKS: Final = 64

_MIN_SECONDS: Final = (datetime.min.replace(tzinfo=UTC) - _EPOCH) // timedelta(seconds=1)
_MAX_SECONDS: Final = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // timedelta(seconds=1)
# Probing stays two days inside the datetime range so that adding an offset cannot overflow.
_PROBE_MIN: Final = _MIN_SECONDS + 2 * _SECONDS_PER_DAY
_PROBE_MAX: Final = _MAX_SECONDS - 2 * _SECONDS_PER_DAY
_LAST_CHUNK: Final = _MAX_SECONDS // _CHUNK_SECONDS

_Interval = tuple[int, int]


class _Chunk:
    """The open time of one UTC chunk.

    ``starts[i]``/``ends[i]`` bound the i-th open interval (offsets from the POSIX epoch, clipped
    to the chunk); ``done[i]`` is the open time from the chunk's start to ``ends[i]``.
    """

    __slots__ = ("done", "ends", "starts", "total")

    def __init__(self, intervals: list[_Interval]) -> None:
        self.starts = [timedelta(seconds=start) for start, _ in intervals]
        self.ends = [timedelta(seconds=end) for _, end in intervals]
        done: list[timedelta] = []
        total = 0
        for start, end in intervals:
            total += end - start
            done.append(timedelta(seconds=total))
        self.done = done
        self.total = timedelta(seconds=total)

    def open_before(self, instant: timedelta) -> timedelta:
        """Return the open time from the chunk's start up to ``instant`` (inside the chunk)."""
        index = bisect_right(self.starts, instant) - 1
        if index < 0:
            return _ZERO
        end = self.ends[index]
        return self.done[index] - end + instant if instant < end else self.done[index]

    def reach(self, amount: timedelta) -> timedelta:
        """Return the first instant by which ``amount`` (``0 < amount <= total``) is open."""
        index = bisect_left(self.done, amount)
        return self.ends[index] - (self.done[index] - amount)


def _offset_at(zone: ZoneInfo, seconds: int) -> int:
    """Return the zone's UTC offset in seconds at a POSIX time."""
    clamped = min(max(seconds, _PROBE_MIN), _PROBE_MAX)
    utc_fields = _EPOCH_NAIVE + timedelta(seconds=clamped)
    offset = zone.fromutc(utc_fields.replace(tzinfo=zone)).utcoffset() or _ZERO
    return offset.days * _SECONDS_PER_DAY + offset.seconds


@lru_cache(maxsize=512)
def _offset_periods(zone: ZoneInfo, chunk: int) -> tuple[tuple[int, int, int], ...]:
    """Return ``(start, end, offset)`` in POSIX seconds covering one chunk, in order."""
    first = chunk * _CHUNK_SECONDS
    last = first + _CHUNK_SECONDS
    periods: list[tuple[int, int, int]] = []
    start, offset = first, _offset_at(zone, first)
    probe = first
    while probe < last:
        following = min(probe + _PROBE_STEP_SECONDS, last)
        if _offset_at(zone, following) != offset:
            # Bisect to the first second that has the new offset.
            low, high = probe, following
            while high - low > 1:
                middle = (low + high) // 2
                if _offset_at(zone, middle) == offset:
                    low = middle
                else:
                    high = middle
            periods.append((start, high, offset))
            start, offset = high, _offset_at(zone, high)
        probe = following
    periods.append((start, last, offset))
    return tuple(periods)


def _union(left: list[_Interval], right: list[_Interval]) -> list[_Interval]:
    """Merge two sorted interval lists into one sorted list of disjoint, non-touching intervals."""
    merged: list[_Interval] = []
    for start, end in sorted(left + right):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _subtract(kept: list[_Interval], removed: list[_Interval]) -> list[_Interval]:
    """Remove the (sorted, disjoint) ``removed`` intervals from sorted, disjoint ``kept``."""
    result: list[_Interval] = []
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
    return (day.toordinal() - _EPOCH_ORDINAL) * _SECONDS_PER_DAY


def _one_off_intervals(spec: CalendarSpec) -> tuple[list[_Interval], list[_Interval]]:
    """Return the wall-clock intervals closed by holidays and closures, and opened by openings."""
    closed = [(_day_seconds(day), _day_seconds(day) + _SECONDS_PER_DAY) for day in spec.holidays]
    closed += [
        (_day_seconds(day) + start * 60, _day_seconds(day) + end * 60)
        for day, start, end in spec.closures
    ]
    opened = [
        (_day_seconds(day) + start * 60, _day_seconds(day) + end * 60)
        for day, start, end in spec.openings
    ]
    return _union(closed, []), _union(opened, [])


def _window(intervals: list[_Interval], low: int, high: int) -> list[_Interval]:
    """Return the sorted, disjoint intervals that reach into ``[low, high)``."""
    first = bisect_right(intervals, low, key=lambda interval: interval[1])
    last = bisect_left(intervals, high, key=lambda interval: interval[0])
    return intervals[first:last]


@attrs.frozen(repr=False)
class BusinessCalendar:
    """When a help desk is open, and how much open time lies between instants.

    Build one with :meth:`weekly` or :meth:`always`.  Calendars are immutable, hashable values;
    equal configurations compare equal (``'mon-fri'`` equals the five days spelled out).

    Wall-clock hours are local time in the calendar's zone on each local date; an instant is open
    exactly when its local wall time is open.  Open time is the union of the weekly hours and
    the one-off openings, minus holidays and closures, where **openings win**: a one-off opening
    on a holiday opens those hours.  A holiday closes every instant whose local date is that day,
    including the after-midnight part of a shift that began the evening before.  Hours in a
    daylight-saving gap are not open (they never happen); hours in a fold are open on both passes,
    so every elapsed second counts once.

    All answers are exact to the microsecond.  Every datetime given must be timezone-aware (a
    naive one raises :class:`~ticketflow.exceptions.NaiveDatetimeError` naming the argument, and
    anything else raises :class:`TypeError`); every datetime returned is in the calendar's zone.
    Calendars cache what they compute (a bounded number of 384-day chunks), so repeated questions
    about the same years are cheap; sharing one calendar between threads is safe.

    .. versionadded:: 0.1
    """

    _spec: CalendarSpec
    _closed: list[_Interval] = attrs.field(init=False, eq=False, hash=False)
    _opened: list[_Interval] = attrs.field(init=False, eq=False, hash=False)
    _chunks: dict[int, _Chunk] = attrs.field(init=False, eq=False, hash=False, factory=dict)
    _totals: dict[int, timedelta] = attrs.field(init=False, eq=False, hash=False, factory=dict)
    # The epoch with the calendar's zone attached; ``tz.fromutc`` turns UTC fields into local.
    _epoch: datetime = attrs.field(init=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if type(self._spec) is not CalendarSpec:
            raise CalendarError("spec", "build a calendar with BusinessCalendar.weekly or .always")
        closed, opened = _one_off_intervals(self._spec)
        object.__setattr__(self, "_closed", closed)
        object.__setattr__(self, "_opened", opened)
        object.__setattr__(self, "_epoch", _EPOCH_NAIVE.replace(tzinfo=self._spec.tz))

    @classmethod
    def weekly(
        cls,
        *,
        tz: str | ZoneInfo,
        hours: Mapping[str, Sequence[str]],
        holidays: Iterable[date] = (),
        closures: Iterable[Closure] = (),
        openings: Iterable[Opening] = (),
    ) -> BusinessCalendar:
        """Build a calendar from weekly opening hours and exceptions.

        Args:
            tz: The IANA zone the hours are in, e.g. ``"Europe/Berlin"``.
            hours: Weekdays to lists of ``"HH:MM-HH:MM"`` intervals.  A key is a day (``mon``
                .. ``sun`` or the full name, any case), a range (``mon-fri``; ``fri-mon`` wraps)
                or a comma list (``sat,sun``).  A day may have several intervals (a lunch
                break).  An interval whose end is before its start runs past midnight into the
                next day (``"22:00-06:00"``); ``"00:00-24:00"`` is the whole day.
            holidays: Local dates closed all day; a dict keyed by date (such as a ``holidays``
                package calendar) works as it is.
            closures: One-off partial closures.
            openings: One-off openings; they win over weekly hours, holidays and closures.

        Returns:
            The calendar.

        Raises:
            CalendarError: Part of the configuration is malformed; ``where`` names it, e.g.
                ``hours['mon-fri'][1]``: an unknown zone (``tz``), an unknown weekday, a weekday
                given twice, a malformed or empty interval, overlapping intervals (also across
                midnight or the end of the week), a holiday that is not a date, or a schedule
                with no open time at all.
        """
        spec = CalendarSpec.read(
            tz=tz, hours=hours, holidays=holidays, closures=closures, openings=openings
        )
        return cls(spec)

    @classmethod
    def always(cls, tz: str | ZoneInfo = "UTC") -> BusinessCalendar:
        """Build a calendar that is open around the clock, every day (24x7).

        Args:
            tz: The zone its answers are given in.

        Returns:
            The calendar.

        Raises:
            CalendarError: ``tz`` is not a known zone.
        """
        return cls.weekly(tz=tz, hours={"mon-sun": ["00:00-24:00"]})

    @property
    def tz(self) -> ZoneInfo:
        """The calendar's zone; hours are local time here, answers are given here."""
        return self._spec.tz

    def is_open(self, t: datetime) -> bool:
        """Tell whether an instant is open.

        Args:
            t: The instant (timezone-aware, any zone).

        Returns:
            Whether ``t`` lies in open time (intervals include their start, not their end).

        Raises:
            NaiveDatetimeError: ``t`` is naive.
        """
        instant = _since_epoch(t, "t")
        chunk = self._chunk(instant.days // _CHUNK_DAYS)
        index = bisect_right(chunk.starts, instant) - 1
        return index >= 0 and instant < chunk.ends[index]

    def next_open(self, t: datetime) -> datetime:
        """Return the first open instant at or after ``t``.

        Args:
            t: The instant (timezone-aware, any zone).

        Returns:
            ``t`` itself (in the calendar's zone) if it is open, else the next opening.

        Raises:
            NaiveDatetimeError: ``t`` is naive.
            OverflowError: No opening follows before the end of the datetime range.
        """
        instant = _since_epoch(t, "t")
        number = instant.days // _CHUNK_DAYS
        chunk = self._chunk(number)
        index = bisect_right(chunk.starts, instant) - 1
        if index >= 0 and instant < chunk.ends[index]:
            return self._local(instant)
        if index + 1 < len(chunk.starts):
            return self._local(chunk.starts[index + 1])
        while True:
            number = _following(number)
            chunk = self._chunk(number)
            if chunk.starts:
                return self._local(chunk.starts[0])

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Return the open time in ``[a, b)``.

        The cost hardly grows with the distance between ``a`` and ``b``: one dictionary lookup
        per 384 days.

        Args:
            a: The start (timezone-aware, any zone).
            b: The end (timezone-aware, any zone).

        Returns:
            The open time, or zero if ``b`` is not after ``a``.

        Raises:
            NaiveDatetimeError: ``a`` or ``b`` is naive.
        """
        try:
            start = a - _EPOCH
            end = b - _EPOCH
        except TypeError as problem:
            raise (_instant_error(a, "a") or _instant_error(b, "b") or problem) from None
        if end <= start:
            return _ZERO
        first, last = start.days // _CHUNK_DAYS, end.days // _CHUNK_DAYS
        chunk = self._chunks.get(first) or self._chunk(first)
        if first == last:
            return chunk.open_before(end) - chunk.open_before(start)
        total = chunk.total - chunk.open_before(start)
        for number in range(first + 1, last):
            total += self._total(number)
        chunk = self._chunks.get(last) or self._chunk(last)
        return total + chunk.open_before(end)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Return the instant at which ``duration`` of open time has elapsed after ``start``.

        If ``start`` is closed, counting begins at the next opening.  The answer is the earliest
        such instant, so it may be a closing time (Friday 09:00 plus 8 hours of 09:00-17:00 is
        Friday 17:00, not Monday 09:00).  A zero ``duration`` returns ``start`` unchanged, even
        when it is closed: nothing elapses, so nothing moves.  The cost does not grow with
        ``duration`` (one dictionary lookup per 384 days).

        Args:
            start: When counting begins (timezone-aware, any zone).
            duration: The open time to let elapse; not negative.

        Returns:
            The due instant, in the calendar's zone (``start`` itself for a zero duration).

        Raises:
            NaiveDatetimeError: ``start`` is naive.
            InvalidValueError: ``duration`` is negative (field ``duration``).
            OverflowError: The answer lies beyond the datetime range.
        """
        try:
            instant = start - _EPOCH
        except TypeError as problem:
            raise (_instant_error(start, "start") or problem) from None
        if duration <= _ZERO:
            if duration < _ZERO:
                raise InvalidValueError("duration", duration, "must not be negative")
            return start
        number = instant.days // _CHUNK_DAYS
        chunk = self._chunks.get(number) or self._chunk(number)
        wanted = duration + chunk.open_before(instant)
        while wanted > chunk.total:
            wanted -= chunk.total
            number = _following(number)
            chunk = self._chunk(number)
        return self._local(chunk.reach(wanted))

    def __repr__(self) -> str:
        spec = self._spec
        parts = [f"tz={str(spec.tz)!r}", f"hours={spec.describe_hours()!r}"]
        counted = (("holidays", spec.holidays), ("closures", spec.closures))
        parts += [f"{name}=<{len(items)}>" for name, items in counted if items]
        if spec.openings:
            parts.append(f"openings=<{len(spec.openings)}>")
        return f"BusinessCalendar.weekly({', '.join(parts)})"

    def _local(self, instant: timedelta) -> datetime:
        """Return an offset from the POSIX epoch as a datetime in the calendar's zone."""
        try:
            return self._spec.tz.fromutc(self._epoch + instant)
        except OverflowError:
            raise OverflowError(
                "the answer lies beyond the last datetime Python can represent"
            ) from None

    def _total(self, number: int) -> timedelta:
        total = self._totals.get(number)
        if total is None:
            total = self._chunk(number).total
        return total

    def _chunk(self, number: int) -> _Chunk:
        chunk = self._chunks.get(number)
        if chunk is None:
            chunk = _Chunk(self._open_intervals(number))
            if len(self._chunks) >= _MAX_CHUNKS:
                # Start afresh rather than track use: rare, simple, and safe across threads.
                self._chunks.clear()
            self._chunks[number] = chunk
            self._totals[number] = chunk.total
        return chunk

    def _open_intervals(self, number: int) -> list[_Interval]:
        """Return the open UTC intervals (POSIX seconds) of one chunk."""
        periods = _offset_periods(self._spec.tz, number)
        low = min(start + offset for start, _, offset in periods)
        high = max(end + offset for _, end, offset in periods)
        walls = self._wall_intervals(low, high)
        ends = [end for _, end in walls]
        result: list[_Interval] = []
        for period_start, period_end, offset in periods:
            index = bisect_right(ends, period_start + offset)
            while index < len(walls) and walls[index][0] < period_end + offset:
                start = max(walls[index][0] - offset, period_start)
                end = min(walls[index][1] - offset, period_end)
                if result and result[-1][1] == start:
                    result[-1] = (result[-1][0], end)
                else:
                    result.append((start, end))
                index += 1
        return result

    def _wall_intervals(self, low: int, high: int) -> list[_Interval]:
        """Return the open wall-clock intervals reaching into ``[low, high)``, in wall seconds.

        Wall seconds read local wall time as if it were UTC, so a local date and time map to
        one number whatever the offset.
        """
        first_day = max((low // _SECONDS_PER_DAY + _EPOCH_ORDINAL) - 8, 1)
        last_day = min(high // _SECONDS_PER_DAY + _EPOCH_ORDINAL + 1, date.max.toordinal())
        first_monday = first_day - (first_day - 1) % 7  # ordinal 1 (0001-01-01) is a Monday
        weekly: list[_Interval] = []
        for monday in range(first_monday, last_day + 1, 7):
            base = (monday - _EPOCH_ORDINAL) * _SECONDS_PER_DAY
            weekly += [(base + start * 60, base + end * 60) for start, end in self._spec.weekly]
        weekly = _union(weekly, [])
        weekly = _subtract(weekly, _window(self._closed, low, high))
        return _union(weekly, _window(self._opened, low, high))


def _following(number: int) -> int:
    if number >= _LAST_CHUNK:
        raise OverflowError("the answer lies beyond the last datetime Python can represent")
    return number + 1


def _since_epoch(value: datetime, field: str) -> timedelta:
    """Return an aware datetime as its offset from the POSIX epoch."""
    try:
        return value - _EPOCH
    except TypeError as problem:
        raise (_instant_error(value, field) or problem) from None


def _instant_error(value: object, field: str) -> Exception | None:
    """Return the error for a value that is not an aware datetime, naming ``field``."""
    if not isinstance(value, datetime):
        return TypeError(f"{field} must be a timezone-aware datetime, got {shown(value)}")
    if value.utcoffset() is None:
        return NaiveDatetimeError(field, value)
    return None
