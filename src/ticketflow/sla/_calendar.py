"""Business-hours arithmetic: how much open time lies between two instants, and when it is due.

The calendar lives in its own IANA zone.  Wall-clock hours mean local time on each local date,
and an instant is open exactly when its local wall time falls in an open interval.  So hours that
fall into a daylight-saving gap are shortened (the missing wall times never happen) and hours that
overlap a fold are counted once per real elapsed second (the repeated wall times happen twice).

Near answers stay fast: time is cut into fixed UTC *chunks* of 384 days.  A chunk is built once,
lazily, as sorted open intervals with the open time accumulated up to each interval's end, so a
question inside one chunk, or two neighbouring ones, is a few bisections.  Instants are kept as
``timedelta`` offsets from the POSIX epoch: ``t - epoch`` is the cheapest exact conversion of an
aware datetime, its ``days`` give the chunk, and answers need no further conversion.

Far answers stay bounded, whatever the calendar and the amounts, because they are arithmetic
rather than a walk.  Let ``F(w)`` be the open wall-clock time before wall time ``w``: whole weeks
times the weekly total, plus part of a week, plus the one-off corrections (holidays, closures and
openings) before ``w``.  While the zone's offset stays ``o``, the open time in ``[a, b)`` is
``F(b + o) - F(a + o)``, so each offset change at ``T`` from ``o`` to ``o'`` adds one *term*,
``F(T + o') - F(T + o)`` (the open hours a gap skips, or minus those a fold repeats)::

    open(a, b) = F(b + o_b) - F(a + o_a) - (the terms of the changes in (a, b])

``F`` is :class:`~ticketflow.sla._calendar_spec.WallMeasure`.  The terms are summed per UTC
year.  Answers to ``add`` are found by galloping, then bisecting, over years with that formula,
and inverting ``F`` inside the year.  All of it is exact, in integer microseconds.

Where the offset changes is found by probing the zone (``zoneinfo`` offers no list of
transitions): every three days, bisecting where two probes differ.  Three facts about the tz
database make this exact and bounded, and are checked by the tests:

* No offset leaves and comes back within three days (the shortest such excursion lasts four:
  Africa/Freetown, 1939), so no change slips between two probes.
* No offset changes before 1800 (the first change is in 1834): earlier years are not probed.
* No change is listed after 2087; later years follow each zone's yearly rule, which ``zoneinfo``
  applies per UTC year.  So from 2100 on, two years that begin on the same weekday and have the
  same length change offset at the same moments: fourteen years are probed and the others copy
  them, and since the Gregorian calendar repeats every 400 years, so do the yearly sums of terms.
  A span of millennia costs one multiplication.

Most zones follow their rule long before 2100: their TZif data (RFC 8536) lists transitions up
to 2037 at most (Morocco's and Gaza's up to 2087), and every later change is the rule's.  So the
years after the last listed transition copy their model years too; each copy is checked against
the zone at a few instants (either side of each change, and between), a handful of questions
where probing a year asks 122.

What a zone's years hold is learned once per process, as questions reach them: the first
question about a span from today to the end of time probes the years up to the zone's last
listed transition and the model years (a few milliseconds); questions reaching back to 1800
probe those too.

The horizon: an SLA target is accepted only if, counted from :data:`HORIZON_START`, it is met
before :data:`HORIZON_END`.  As ``add`` is monotone in its start, every deadline of a ticket
whose events all come before the horizon then exists.
"""

from __future__ import annotations

import struct
import zoneinfo
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate, filterfalse, pairwise, repeat
from operator import add, sub
from pathlib import Path
from typing import TYPE_CHECKING, Final

import attrs

from ticketflow.exceptions import CalendarError, InvalidValueError, NaiveDatetimeError

from .._shown import shown
from ._calendar_spec import (
    SECONDS_PER_DAY,
    US_PER_SECOND,
    CalendarSpec,
    Interval,
    WallClock,
    WallMeasure,
)

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from ._calendar_spec import Closure, Opening

__all__ = ["HORIZON_END", "HORIZON_START", "BusinessCalendar"]

HORIZON_START: Final = datetime(9000, 1, 1, tzinfo=UTC)
"""Every deadline from a start before this instant exists, for every accepted SLA target."""
HORIZON_END: Final = datetime(9999, 1, 1, tzinfo=UTC)
"""An accepted target, counted from :data:`HORIZON_START`, is met before this instant.

The year left before ``datetime.max`` keeps every deadline representable in every zone, with room
for arithmetic on it.
"""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE: Final = datetime(1970, 1, 1)  # noqa: DTZ001 - UTC fields, zone attached later
_EPOCH_ORDINAL: Final = _EPOCH_NAIVE.toordinal()
_MAX_ORDINAL: Final = date.max.toordinal()
_ZERO: Final = timedelta(0)
_US: Final = timedelta(microseconds=1)
# Offsets from the epoch whose instant is a datetime in every zone (offsets stay within a day).
_UTC_SAFE: Final = datetime.max.replace(tzinfo=UTC) - _EPOCH - timedelta(days=2)
_SECOND: Final = timedelta(seconds=1)

# A chunk is a whole number of days of UTC time, so ``(t - epoch).days`` finds it.
_CHUNK_DAYS: Final = 384
_CHUNK_SECONDS: Final = _CHUNK_DAYS * SECONDS_PER_DAY
_CHUNK_US: Final = _CHUNK_SECONDS * US_PER_SECOND
# Chunks whose intervals are kept per calendar.
_MAX_CHUNKS: Final = 64
# Years whose offset changes and terms are kept per calendar.
_MAX_YEARS: Final = 4096
_MAX_SECONDS: Final = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // timedelta(seconds=1)
_LAST_CHUNK: Final = _MAX_SECONDS // _CHUNK_SECONDS
# The last instant a datetime can hold, in microseconds since the epoch.
_LIMIT: Final = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // _US

# Offsets are probed this often; an offset that leaves and returns faster would be missed.
_PROBE_STEP_SECONDS: Final = 3 * SECONDS_PER_DAY
_PROBE_STEP: Final = timedelta(seconds=_PROBE_STEP_SECONDS)
# Offsets are constant before the first probed year; from the first rule year on, each year
# changes offset where its model year (below) does.
_FIRST_PROBED_YEAR: Final = 1800
_FIRST_RULE_YEAR: Final = 2100
# The Gregorian calendar, weekdays included, repeats every 400 years.
_CYCLE_YEARS: Final = 400
# A TZif file's header (RFC 8536): magic, version, 15 reserved bytes, six counts.
_TZIF_HEADER: Final = struct.Struct(">4sc15x6L")
_TZIF_MAX_BYTES: Final = 1 << 20
# A transition time of the 32-bit (version 1) and the 64-bit block.
_TZIF_TIMES: Final = {4: ">l", 8: ">q"}

_YearKind = tuple[int, int]  # weekday of 1 January, days in the year


def _year_start(year: int) -> int:
    """Return 1 January 00:00 UTC of a proleptic Gregorian year, in POSIX seconds."""
    before = year - 1
    days = before * 365 + before // 4 - before // 100 + before // 400 + 1 - _EPOCH_ORDINAL
    return days * SECONDS_PER_DAY


def _year_of(seconds: int) -> int:
    """Return the UTC year of a POSIX time (0 and 10000 for the day beyond either end)."""
    ordinal = seconds // SECONDS_PER_DAY + _EPOCH_ORDINAL
    if ordinal < 1:
        return 0
    if ordinal > _MAX_ORDINAL:
        return 10_000
    return date.fromordinal(ordinal).year


def _year_kind(year: int) -> _YearKind:
    """Return what decides the moments of a yearly rule: the first weekday, and the length."""
    first = _year_start(year) // SECONDS_PER_DAY
    return (first + 3) % 7, _year_start(year + 1) // SECONDS_PER_DAY - first


# The first year of each kind from the first rule year: 2100 to 2128 hold all fourteen.
_MODEL_YEARS: Final = {
    _year_kind(year): year for year in range(_FIRST_RULE_YEAR + 28, _FIRST_RULE_YEAR - 1, -1)
}


# The kinds of each year of a 400-year cycle from the year after the first rule year, and of the
# year before it.
_CYCLE_PAIRS: Final = {
    year: (_year_kind(year - 1), _year_kind(year))
    for year in range(_FIRST_RULE_YEAR + 1, _FIRST_RULE_YEAR + 1 + _CYCLE_YEARS)
}
# The first year of the cycle with each pair of kinds.
_PAIR_YEARS: Final = {pair: year for year, pair in reversed(_CYCLE_PAIRS.items())}


class _Chunk:
    """The open time of one UTC chunk.

    ``starts[i]``/``ends[i]`` bound the i-th open interval (offsets from the POSIX epoch, clipped
    to the chunk); ``done[i]`` is the open time from the chunk's start to ``ends[i]``.
    """

    __slots__ = ("done", "ends", "starts", "total")

    def __init__(self, intervals: list[Interval]) -> None:
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


class _ZoneYear:
    """A zone's offsets (in seconds) during one UTC year: at its start, then at each change."""

    __slots__ = ("final", "instants", "offset", "offsets", "start")

    def __init__(self, start: int, offset: int, changes: Sequence[tuple[int, int]]) -> None:
        self.start = start
        self.offset = offset
        self.instants = [instant for instant, _ in changes]
        self.offsets = [new for _, new in changes]
        self.final = self.offsets[-1] if changes else offset

    def offset_at(self, seconds: int) -> int:
        """Return the offset at a POSIX time inside the year."""
        index = bisect_right(self.instants, seconds)
        return self.offsets[index - 1] if index else self.offset


class _ZoneOffsets:
    """When one zone's UTC offset changes, year by UTC year (see the module docstring)."""

    def __init__(self, zone: ZoneInfo) -> None:
        self._zone = zone
        self._epoch = _EPOCH_NAIVE.replace(tzinfo=zone)
        self._probed: dict[int, _ZoneYear] = {}
        self._copies: dict[int, _ZoneYear] = {}
        self._changes: dict[int, tuple[tuple[int, int, int], ...]] = {}
        self._before = self._offset_at(_year_start(_FIRST_PROBED_YEAR))
        # Years from this one on copy their model year (those before 2100 once checked).
        self._rule_from = _rule_from(zone)

    def year(self, year: int) -> _ZoneYear:
        """Return the offsets of a UTC year."""
        if year < _FIRST_PROBED_YEAR:
            return _ZoneYear(_year_start(year), self._before, ())
        model = _MODEL_YEARS[_year_kind(year)] if year >= self._rule_from else year
        found = self._probed.get(model)
        if found is None:
            found = self._probed[model] = self._probe(model)
        if model == year:
            return found
        copy = self._copies.get(year)
        if copy is None:
            shift = _year_start(year) - found.start
            moved = [
                (instant + shift, new)
                for instant, new in zip(found.instants, found.offsets, strict=True)
            ]
            copy = _ZoneYear(found.start + shift, found.offset, moved)
            if year < _FIRST_RULE_YEAR and not self._agrees(copy):
                # The data read was not this zone's: probe every year up to 2100 after all.
                self._rule_from = _FIRST_RULE_YEAR
                return self.year(year)
            if len(self._copies) >= _MAX_YEARS:
                self._copies.clear()
            self._copies[year] = copy
        return copy

    def offset_at(self, seconds: int) -> int:
        """Return the offset at a POSIX time."""
        return self.year(_year_of(seconds)).offset_at(seconds)

    def changes(self, first: int, last: int) -> Iterator[tuple[int, int, int]]:
        """Yield ``(instant, before, after)`` for each change of offset in ``(first, last)``."""
        for year in range(_year_of(first), _year_of(last - 1) + 1):
            for change in self.year_changes(year):
                if first < change[0] < last:
                    yield change

    def year_changes(self, year: int) -> tuple[tuple[int, int, int], ...]:
        """Return ``(instant, before, after)`` for each change of offset in a UTC year."""
        found = self._changes.get(year)
        if found is None:
            current = self.year(year)
            offset = self.year(year - 1).final
            listed: list[tuple[int, int, int]] = []
            # A year may begin with a change, when the one before ended on another offset.
            for instant, new in zip(
                [current.start, *current.instants], [current.offset, *current.offsets], strict=True
            ):
                if new != offset:
                    listed.append((instant, offset, new))
                    offset = new
            if len(self._changes) >= _MAX_YEARS:
                self._changes.clear()
            found = self._changes[year] = tuple(listed)
        return found

    def periods(self, first: int, last: int) -> list[tuple[int, int, int]]:
        """Return ``(start, end, offset)`` covering ``[first, last)``, in order."""
        found: list[tuple[int, int, int]] = []
        start, offset = first, self.offset_at(first)
        for instant, before, after in self.changes(first, last):
            found.append((start, instant, before))
            start, offset = instant, after
        found.append((start, last, offset))
        return found

    def _probe(self, year: int) -> _ZoneYear:
        start, end = _year_start(year), _year_start(year + 1)
        # Stepping one datetime along is several times cheaper than building each probe anew,
        # ``local - utc`` (same tzinfo) is the offset without asking the zone again, and
        # ``map`` keeps the 122 probes of a year out of the interpreter's loop (and tracers).
        moments: list[datetime] = list(
            accumulate(
                repeat(_PROBE_STEP, (end - 1 - start) // _PROBE_STEP_SECONDS),
                add,
                initial=self._epoch + _SECOND * start,
            )
        )
        moments.append(self._epoch + _SECOND * (end - 1))
        seen = list(map(sub, map(self._zone.fromutc, moments), moments))
        changes: list[tuple[int, int]] = []
        hints: list[int] = []
        for index, (before, after) in enumerate(pairwise(seen)):
            if before != after:
                hints = hints or self._hints(year)
                low = start + index * _PROBE_STEP_SECONDS
                high = min(low + _PROBE_STEP_SECONDS, end - 1)
                self._split(low, before, high, after, changes, hints)
        return _ZoneYear(start, seen[0] // _SECOND, changes)

    def _hints(self, year: int) -> list[int]:
        """Return where a year before the rule years likely changes: where its model year does."""
        if year >= _FIRST_RULE_YEAR:
            return []
        model = self.year(_MODEL_YEARS[_year_kind(year)])
        return [instant - model.start + _year_start(year) for instant in model.instants]

    def _split(
        self,
        low: int,
        low_offset: timedelta,
        high: int,
        high_offset: timedelta,
        changes: list[tuple[int, int]],
        hints: Iterable[int] = (),
    ) -> None:
        """Append, in order, the changes in ``(low, high]``, whose ends have different offsets."""
        fromutc, epoch = self._zone.fromutc, self._epoch
        for hint in hints:
            # Found where the rule says: the offset holds up to it and from it, and nothing
            # changes and changes back within the three days around it.
            if low < hint <= high:
                moment = epoch + _SECOND * hint
                if fromutc(moment) - moment == high_offset:
                    moment -= _SECOND
                    if fromutc(moment) - moment == low_offset:
                        changes.append((hint, high_offset // _SECOND))
                        return
        while high - low > 1:
            middle = (low + high) // 2
            moment = epoch + _SECOND * middle
            middle_offset = fromutc(moment) - moment
            if middle_offset not in {low_offset, high_offset}:
                self._split(low, low_offset, middle, middle_offset, changes)
            if middle_offset == high_offset:
                high = middle
            else:
                low, low_offset = middle, middle_offset
        changes.append((high, high_offset // _SECOND))

    def _offset_at(self, seconds: int) -> int:
        """Ask the zone for its UTC offset, in seconds, at a POSIX time."""
        moment = self._epoch + _SECOND * seconds
        return (self._zone.fromutc(moment) - moment) // _SECOND

    def _agrees(self, copy: _ZoneYear) -> bool:
        """Whether the zone has a copied year's offsets.

        Asked either side of each change and halfway between changes: a few questions, where
        probing asks 122.
        """
        ends = [*copy.instants, _year_start(_year_of(copy.start) + 1)]
        offset, start = copy.offset, copy.start
        for end, new in zip(ends, [*copy.offsets, copy.final], strict=True):
            if self._offset_at((start + end) // 2) != offset or self._offset_at(end - 1) != offset:
                return False
            offset, start = new, end
        return all(map(int.__eq__, map(self._offset_at, copy.instants), copy.offsets))


@lru_cache(maxsize=64)
def _offsets_of(zone: ZoneInfo) -> _ZoneOffsets:
    """Return the (shared, lazily probed) offsets of a zone."""
    return _ZoneOffsets(zone)


def _rule_from(zone: ZoneInfo) -> int:
    """Return the first UTC year from which ``zone`` follows its yearly rule alone.

    That is the year after the last transition its TZif data lists (most zones list them up to
    2037, Morocco's up to 2087).  The data is read only for the zone ``ZoneInfo(key)`` gives,
    where ``zoneinfo`` read it (each ``TZPATH`` entry, then the ``tzdata`` package); for any
    other zone (built from a file, say), and data that cannot be read: :data:`_FIRST_RULE_YEAR`.
    Each year this saves probing is checked against the zone all the same, at a few instants
    (:meth:`_ZoneOffsets._agrees`), should the files have changed since the zone was loaded.
    """
    key = getattr(zone, "key", None)
    try:
        loaded = type(key) is str and zoneinfo.ZoneInfo(key) is zone
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        loaded = False
    data = _tzif_data(key) if loaded else None
    return _FIRST_RULE_YEAR if data is None else _listed_until(data)


def _tzif_data(key: object) -> bytes | None:
    """Return the TZif data of a zone key, as ``zoneinfo`` would find it; ``None`` if none."""
    if type(key) is not str or not key:
        return None
    parts = key.split("/")
    if any(part in {"", ".", ".."} or "\\" in part or "\0" in part for part in parts):
        return None
    try:
        for root in zoneinfo.TZPATH:
            path = Path(root).joinpath(*parts)
            if path.is_file():
                with path.open("rb") as file:
                    return file.read(_TZIF_MAX_BYTES)
        from importlib.resources import files  # noqa: PLC0415 - only where TZPATH has none

        return files("tzdata.zoneinfo").joinpath(*parts).read_bytes()[:_TZIF_MAX_BYTES]
    except (ImportError, OSError, ValueError):
        return None


def _listed_until(data: bytes) -> int:
    """Return the UTC year after the last transition TZif ``data`` lists (RFC 8536).

    :data:`_FIRST_PROBED_YEAR` if it lists none; :data:`_FIRST_RULE_YEAR` at the latest, and
    for data that is not TZif or counts leap seconds.
    """
    try:
        magic, version, isut, isstd, leaps, times, types, chars = _TZIF_HEADER.unpack_from(data)
        at, width = _TZIF_HEADER.size, 4
        if magic == b"TZif" and version != b"\0":
            # Skip the 32-bit block to the 64-bit one, which has a header of its own.
            at += times * 5 + types * 6 + chars + leaps * 8 + isstd + isut
            magic, _, _, _, leaps, times, _, _ = _TZIF_HEADER.unpack_from(data, at)
            at, width = at + _TZIF_HEADER.size, 8
        if magic != b"TZif" or leaps:
            return _FIRST_RULE_YEAR
        if not times:
            return _FIRST_PROBED_YEAR
        (last,) = struct.unpack_from(_TZIF_TIMES[width], data, at + (times - 1) * width)
    except struct.error:
        return _FIRST_RULE_YEAR
    return min(max(_year_of(last) + 1, _FIRST_PROBED_YEAR), _FIRST_RULE_YEAR)


class _LongSpans:
    """Open time over spans of any length, by arithmetic (see the module docstring).

    Instants, offsets and amounts here are integer microseconds.
    """

    def __init__(self, measure: WallMeasure, offsets: _ZoneOffsets) -> None:
        """Take the calendar's wall-clock measure and its zone's offsets."""
        self._measure = measure
        self._offsets = offsets
        self._terms: dict[int, tuple[list[int], list[int]]] = {}
        # The sums of the terms of whole probed years (at most three hundred).
        self._totals: dict[int, int] = {}
        # Filled on the first question past the first rule year: the terms of the years of a
        # 400-year cycle, summed, and the years whose terms one-offs change, with the changes.
        self._cycle: list[int] = []
        self._touched: list[int] = []
        self._touched_done: list[int] = []

    def offset(self, instant: int) -> int:
        """Return the zone's offset at an instant."""
        return self._offsets.offset_at(instant // US_PER_SECOND) * US_PER_SECOND

    def between(self, start: int, end: int) -> int:
        """Return the open time in ``[start, end)``, ``start <= end``."""
        at = self._measure.at
        opened = at(end + self.offset(end)) - at(start + self.offset(start))
        return opened - self._terms_between(start, end)

    def reach(self, start: int, amount: int) -> int | None:
        """Return the first instant by which ``amount > 0`` is open after ``start``.

        ``None`` means there is no such instant before the end of the datetime range.
        """
        if start >= _LIMIT:
            return None
        # The UTC year of the answer: gallop ahead, then bisect, so that a near answer never
        # asks about distant years.
        first = _year_of(start // US_PER_SECOND)
        last = _year_of(_LIMIT // US_PER_SECOND)
        low, step = first, 1
        while True:
            high = min(first + step - 1, last)
            if high == last:
                if self.between(start, _LIMIT) < amount:
                    return None
                break
            if self._by_year_end(start, high) >= amount:
                break
            low, step = high + 1, 2 * step
        while low < high:
            middle = (low + high) // 2
            if self._by_year_end(start, middle) >= amount:
                high = middle
            else:
                low = middle + 1
        begin = max(start, _year_start(low) * US_PER_SECOND)
        amount -= self.between(start, begin)
        finish = _year_start(low + 1) * US_PER_SECOND
        # Walk the stretches of one offset inside the year; the answer is in one of them.
        offset = self.offset(begin)
        at = self._measure.at
        changes = self._offsets.changes(begin // US_PER_SECOND, finish // US_PER_SECOND)
        stops = [(instant * US_PER_SECOND, after * US_PER_SECOND) for instant, _, after in changes]
        for stop, after in [*stops, (finish, offset)]:
            here = at(stop + offset) - at(begin + offset)
            if amount <= here or stop == finish:
                return self._invert(begin + offset, stop + offset, amount) - offset
            amount -= here
            begin, offset = stop, after
        return None  # pragma: no cover - the last stretch always answers

    def _by_year_end(self, start: int, year: int) -> int:
        """Return the open time from ``start`` to the end of a UTC year."""
        return self.between(start, max(start, _year_start(year + 1) * US_PER_SECOND))

    def _invert(self, low: int, high: int, amount: int) -> int:
        """Return the first wall time in ``(low, high]`` by which ``amount`` is open after low."""
        at = self._measure.at
        wanted = at(low) + amount
        while high - low > 1:
            middle = (low + high) // 2
            if at(middle) >= wanted:
                high = middle
            else:
                low = middle
        return high

    def _terms_between(self, start: int, end: int) -> int:
        """Return the sum of the terms of the offset changes in ``(start, end]``."""
        first, last = _year_of(start // US_PER_SECOND), _year_of(end // US_PER_SECOND)
        before = self._year_part(first, start)
        if first == last:
            return self._year_part(last, end) - before
        return (
            self._year_part(first, None)
            - before
            + self._years(first + 1, last)
            + self._year_part(last, end)
        )

    def _year_part(self, year: int, instant: int | None) -> int:
        """Return the sum of a year's terms up to ``instant`` (inclusive; ``None``: all)."""
        instants, done = self._year_terms(year)
        count = len(done) if instant is None else bisect_right(instants, instant)
        return done[count - 1] if count else 0

    def _years(self, first: int, last: int) -> int:
        """Return the sum of the terms of the whole years ``[first, last)``."""
        total = 0
        probed = range(max(first, _FIRST_PROBED_YEAR), min(last, _FIRST_RULE_YEAR + 1))
        if probed:
            totals = self._totals
            for year in list(filterfalse(totals.__contains__, probed)):
                totals[year] = self._year_part(year, None)
            total = sum(map(totals.__getitem__, probed))
        low = max(first, _FIRST_RULE_YEAR + 1)
        if last > low:
            total += self._rule_years(last) - self._rule_years(low)
        return total

    def _rule_years(self, year: int) -> int:
        """Return the sum of the terms of the years from the one after the first rule year."""
        if not self._cycle:
            self._count_cycle()
        cycles, rest = divmod(year - _FIRST_RULE_YEAR - 1, _CYCLE_YEARS)
        touched = bisect_left(self._touched, year)
        total = cycles * self._cycle[-1] + self._cycle[rest]
        return total + (self._touched_done[touched - 1] if touched else 0)

    def _count_cycle(self) -> None:
        """Sum the weekly terms over one 400-year cycle, and what one-offs change in them."""
        # A year's terms depend on its kind, and the kind before for a change at its start.
        by_pair = {pair: self._weekly_total(year) for pair, year in _PAIR_YEARS.items()}
        cycle = list(accumulate(map(by_pair.__getitem__, _CYCLE_PAIRS.values()), initial=0))
        # A change of offset moves wall time by less than a day either way, so only one-offs
        # within a day of a change can change its term.
        segments = self._measure.segments
        ends = [end for _, end in segments]
        far = bisect_right(ends, _year_start(_FIRST_RULE_YEAR + 1) - SECONDS_PER_DAY)
        self._touched = sorted(
            {
                year
                for start, end in segments[far:]
                for year in range(
                    _year_of(start - SECONDS_PER_DAY), _year_of(end + SECONDS_PER_DAY) + 1
                )
                if year > _FIRST_RULE_YEAR
            }
        )
        self._touched_done = list(
            accumulate(
                self._year_part(year, None) - self._weekly_total(year) for year in self._touched
            )
        )
        self._cycle = cycle

    def _weekly_total(self, year: int) -> int:
        _, done = self._count(year, self._measure.weekly)
        return done[-1] if done else 0

    def _year_terms(self, year: int) -> tuple[list[int], list[int]]:
        found = self._terms.get(year)
        if found is None:
            if len(self._terms) >= _MAX_YEARS:
                self._terms.clear()
            found = self._terms[year] = self._count(year, self._measure.at)
        return found

    def _count(self, year: int, measure: Callable[[int], int]) -> tuple[list[int], list[int]]:
        """Return the instants of a UTC year's offset changes and the running sum of terms."""
        instants: list[int] = []
        done: list[int] = []
        total = 0
        for instant, before, after in self._offsets.year_changes(year):
            at = instant * US_PER_SECOND
            total += measure(at + after * US_PER_SECOND) - measure(at + before * US_PER_SECOND)
            instants.append(at)
            done.append(total)
        return instants, done


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

    All answers are exact to the microsecond, and take bounded time whatever the calendar and the
    amounts: a span of years costs about as much as a span of days.  Every datetime given must
    be timezone-aware (a naive one raises :class:`~ticketflow.exceptions.NaiveDatetimeError`
    naming the argument, and anything else raises :class:`TypeError`); every datetime returned
    is in the calendar's zone.  An answer beyond the last datetime Python can represent raises
    :class:`~ticketflow.exceptions.CalendarError`.  Calendars cache what they compute (a bounded
    number of 384-day chunks and of years), so repeated questions about the same years are cheap;
    sharing one calendar between threads is safe.

    .. versionadded:: 0.1
    """

    _spec: CalendarSpec
    _wall: WallClock = attrs.field(init=False, eq=False, hash=False)
    _chunks: dict[int, _Chunk] = attrs.field(init=False, eq=False, hash=False, factory=dict)
    _offsets: _ZoneOffsets = attrs.field(init=False, eq=False, hash=False)
    # Built on the first question about a span longer than two chunks.
    _long_spans: _LongSpans | None = attrs.field(init=False, eq=False, hash=False, default=None)
    # The epoch with the calendar's zone attached; ``tz.fromutc`` turns UTC fields into local.
    _epoch: datetime = attrs.field(init=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if type(self._spec) is not CalendarSpec:
            raise CalendarError("spec", "build a calendar with BusinessCalendar.weekly or .always")
        object.__setattr__(self, "_wall", WallClock(self._spec))
        object.__setattr__(self, "_offsets", _offsets_of(self._spec.tz))
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
            CalendarError: No opening follows before the end of the datetime range (``where``
                is ``t``).
        """
        instant = _since_epoch(t, "t")
        # Open intervals start and end on whole seconds, so a microsecond fits in any of them.
        return self._local(self._reach(instant, _US, "t") - _US, "t")

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Return the open time in ``[a, b)``.

        The cost hardly grows with the distance between ``a`` and ``b``.

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
        if last - first > 1:
            return _US * self._long().between(start // _US, end // _US)
        chunk = self._chunks.get(first) or self._chunk(first)
        if first == last:
            return chunk.open_before(end) - chunk.open_before(start)
        following = self._chunks.get(last) or self._chunk(last)
        return chunk.total - chunk.open_before(start) + following.open_before(end)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Return the instant at which ``duration`` of open time has elapsed after ``start``.

        If ``start`` is closed, counting begins at the next opening.  The answer is the earliest
        such instant, so it may be a closing time (Friday 09:00 plus 8 hours of 09:00-17:00 is
        Friday 17:00, not Monday 09:00).  A zero ``duration`` returns ``start`` unchanged, even
        when it is closed: nothing elapses, so nothing moves.  The cost hardly grows with
        ``duration``.

        Args:
            start: When counting begins (timezone-aware, any zone).
            duration: The open time to let elapse; not negative.

        Returns:
            The due instant, in the calendar's zone (``start`` itself for a zero duration).

        Raises:
            NaiveDatetimeError: ``start`` is naive.
            InvalidValueError: ``duration`` is negative (field ``duration``).
            CalendarError: The answer lies beyond the last datetime Python can represent
                (``where`` is ``duration``).
        """
        try:
            instant = start - _EPOCH
        except TypeError as problem:
            raise (_instant_error(start, "start") or problem) from None
        if duration <= _ZERO:
            if duration < _ZERO:
                raise InvalidValueError("duration", duration, "must not be negative")
            return start
        return self._local(self._reach(instant, duration, "duration"), "duration")

    def _add_utc(self, start: datetime, duration: timedelta) -> datetime:
        """Return ``add(start, duration)`` in UTC (private: what the SLA checkpoint keeps).

        Skips the round trip through the calendar's zone wherever it cannot fail: an answer
        more than two days before the last datetime is one in every zone too.
        """
        if duration > _ZERO and start.tzinfo is UTC:
            reached = self._reach(start - _EPOCH, duration, "duration")
            if reached < _UTC_SAFE:
                return _EPOCH + reached
            return self._local(reached, "duration").astimezone(UTC)  # as add answers
        return self.add(start, duration).astimezone(UTC)

    def __repr__(self) -> str:
        spec = self._spec
        parts = [f"tz={str(spec.tz)!r}", f"hours={spec.describe_hours()!r}"]
        counted = (("holidays", spec.holidays), ("closures", spec.closures))
        parts += [f"{name}=<{len(items)}>" for name, items in counted if items]
        if spec.openings:
            parts.append(f"openings=<{len(spec.openings)}>")
        return f"BusinessCalendar.weekly({', '.join(parts)})"

    def _reach(self, instant: timedelta, duration: timedelta, field: str) -> timedelta:
        """Return the first instant by which ``duration > 0`` is open after ``instant``."""
        number = instant.days // _CHUNK_DAYS
        chunk = self._chunks.get(number) or self._chunk(number)
        wanted = duration + chunk.open_before(instant)
        if wanted <= chunk.total:
            return chunk.reach(wanted)
        # Ordinary targets end in the next chunk; longer ones are left to arithmetic.
        wanted -= chunk.total
        number += 1
        if number <= _LAST_CHUNK:
            chunk = self._chunks.get(number) or self._chunk(number)
            if wanted <= chunk.total:
                return chunk.reach(wanted)
            wanted -= chunk.total
            number += 1
        due = self._long().reach(number * _CHUNK_US, wanted // _US)
        if due is None:
            raise CalendarError(field, _BEYOND)
        return _US * due

    def _local(self, instant: timedelta, field: str) -> datetime:
        """Return an offset from the POSIX epoch as a datetime in the calendar's zone."""
        try:
            return self._spec.tz.fromutc(self._epoch + instant)
        except OverflowError:
            raise CalendarError(field, _BEYOND) from None

    def _long(self) -> _LongSpans:
        found = self._long_spans
        if found is None:
            found = _LongSpans(self._wall.measure(), self._offsets)
            object.__setattr__(self, "_long_spans", found)
        return found

    def _chunk(self, number: int) -> _Chunk:
        chunk = self._chunks.get(number)
        if chunk is None:
            chunk = _Chunk(self._open_intervals(number))
            if len(self._chunks) >= _MAX_CHUNKS:
                # Start afresh rather than track use: rare, simple, and safe across threads.
                self._chunks.clear()
            self._chunks[number] = chunk
        return chunk

    def _open_intervals(self, number: int) -> list[Interval]:
        """Return the open UTC intervals (POSIX seconds) of one chunk."""
        first = number * _CHUNK_SECONDS
        periods = self._offsets.periods(first, first + _CHUNK_SECONDS)
        low = min(start + offset for start, _, offset in periods)
        high = max(end + offset for _, end, offset in periods)
        walls = self._wall.intervals(low, high)
        ends = [end for _, end in walls]
        result: list[Interval] = []
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


_BEYOND: Final = "the answer lies beyond the last datetime Python can represent"


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
