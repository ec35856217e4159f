"""Properties of BusinessCalendar on random calendars in zones with awkward daylight saving.

Calendars run from around the clock to a minute a week; instants come from three eras (today,
where probing the zone meets its yearly rule, and the last years Python can represent); amounts
run to ten years of open time, so far answers (arithmetic) are checked as well as near ones
(chunks), against each other and, on windows of days, against the brute-force reference.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from calendar_reference import MINUTE, MinuteTable, RawCalendar, transitions
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ticketflow.exceptions import CalendarError
from ticketflow.sla import BusinessCalendar
from ticketflow.sla._calendar import _CHUNK_DAYS, _CHUNK_SECONDS, _EPOCH

ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "Asia/Gaza",
)
DAY = 24 * 60
WEEK = 7 * DAY
FIRST = datetime(2025, 1, 1, tzinfo=UTC)
LAST = datetime(2028, 1, 1, tzinfo=UTC)
# Today; where probed years meet the yearly rule's copies; the last years Python can represent.
ERAS = ((2025, 2027), (2099, 2101), (9996, 9997))
LATEST = datetime.max.replace(tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
TEN_YEARS = timedelta(days=3650)
WINDOW = 4 * DAY
# A brute-force example walks thousands of minutes: run a fifth of the profile's examples.
BRUTE_FORCE = settings(max_examples=max(10, settings().max_examples // 5), deadline=None)
# The calendar's internal chunk boundaries, rounded down to a minute for the reference.
CHUNK_BOUNDARIES = tuple(
    datetime.fromtimestamp(seconds - seconds % 60, UTC)
    for seconds in range(
        -(-int(FIRST.timestamp()) // _CHUNK_SECONDS) * _CHUNK_SECONDS,
        int(LAST.timestamp()),
        _CHUNK_SECONDS,
    )
)


def interval_text(start: int, length: int) -> str:
    """Spell ``length`` minutes from ``start`` (minute of the day) as ``"HH:MM-HH:MM"``."""
    stop = start + length
    if stop > DAY:
        stop -= DAY
    return f"{start // 60:02d}:{start % 60:02d}-{stop // 60:02d}:{stop % 60:02d}"


def overlaps(start: int, end: int, other_start: int, other_end: int) -> bool:
    """Tell whether two week-minute intervals overlap on the week circle (touching is fine)."""
    return any(
        max(start, other_start + shift) < min(end, other_end + shift) for shift in (-WEEK, 0, WEEK)
    )


@st.composite
def intervals(draw: st.DrawFn, step: int) -> tuple[int, int]:
    """Draw ``(start, length)`` in minutes: a valid interval, overnight ones included."""
    start = draw(st.integers(0, DAY // step - 1)) * step
    length = draw(st.integers(1, DAY // step)) * step
    if start and length == DAY:
        length -= step  # a 24-hour interval is only expressible from midnight
    return start, length


@st.composite
def weekly_hours(draw: st.DrawFn) -> tuple[tuple[int, str], ...]:
    """Draw a weekly schedule: up to eight intervals, a few minutes, or around the clock."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return tuple((weekday, "00:00-24:00") for weekday in range(7))
    if kind <= 2:  # sparse: one or two short intervals a week, overnight ones included
        wanted = draw(
            st.lists(
                st.tuples(st.integers(0, 6), st.integers(0, DAY - 1), st.integers(1, 120)),
                min_size=1,
                max_size=2,
            )
        )
        chosen: list[tuple[int, int]] = []
        for weekday, start, length in wanted:
            begin = weekday * DAY + start
            if not any(overlaps(begin, begin + length, *other) for other in chosen):
                chosen.append((begin, begin + length))
        return tuple(
            (begin // DAY, interval_text(begin % DAY, end - begin)) for begin, end in chosen
        )
    step = draw(st.sampled_from((1, 15, 30, 60)))
    wanted_intervals = draw(
        st.lists(st.tuples(st.integers(0, 6), intervals(step)), min_size=1, max_size=8)
    )
    chosen = []
    for weekday, (start, length) in wanted_intervals:
        begin = weekday * DAY + start
        if not any(overlaps(begin, begin + length, *other) for other in chosen):
            chosen.append((begin, begin + length))
    return tuple((begin // DAY, interval_text(begin % DAY, end - begin)) for begin, end in chosen)


@st.composite
def raw_calendars(draw: st.DrawFn, tz: str, around: date) -> RawCalendar:
    """Draw a configuration with holidays, closures and openings near ``around``."""
    days = st.integers(-3, 8).map(lambda n: around + timedelta(days=n))
    one_off = st.tuples(days, intervals(draw(st.sampled_from((1, 15, 30))))).map(
        lambda pair: (pair[0], interval_text(*pair[1]))
    )
    return RawCalendar(
        tz=tz,
        weekly=draw(weekly_hours()),
        holidays=draw(st.frozensets(days, max_size=3)),
        closures=tuple(draw(st.lists(one_off, max_size=2))),
        openings=tuple(draw(st.lists(one_off, max_size=2))),
    )


def anchors(tz: str) -> st.SearchStrategy[datetime]:
    """Draw UTC-minute instants of an era, often within days of a DST transition or boundary."""
    return st.sampled_from(ERAS).flatmap(lambda era: era_anchors(tz, *era))


def era_anchors(tz: str, first_year: int, last_year: int) -> st.SearchStrategy[datetime]:
    first = datetime(first_year, 1, 1, tzinfo=UTC)
    last = datetime(last_year, 12, 25, tzinfo=UTC)
    anywhere = st.integers(0, (last - first) // MINUTE).map(lambda n: first + n * MINUTE)
    landmarks = transitions(tz, first_year, last_year) + CHUNK_BOUNDARIES
    landmarks += tuple(datetime(year, 1, 1, tzinfo=UTC) for year in range(first_year, last_year))
    near = st.tuples(
        st.sampled_from([moment for moment in landmarks if first <= moment <= last]),
        st.integers(-3 * DAY, DAY),
    ).map(lambda pair: pair[0] + pair[1] * MINUTE)
    return st.one_of(near, anywhere)


class Case:
    """A random calendar, the calendar under test, and its minute table around an anchor."""

    def __init__(self, raw: RawCalendar, start: datetime) -> None:
        self.raw = raw
        self.calendar = raw.build()
        self.table = MinuteTable(raw, start, WINDOW)
        self.start = start

    def at(self, minute: int) -> datetime:
        return self.start + minute * MINUTE


@st.composite
def cases(draw: st.DrawFn) -> Case:
    tz = draw(st.sampled_from(ZONES))
    anchor = draw(anchors(tz))
    raw = draw(raw_calendars(tz, anchor.astimezone(ZoneInfo(tz)).date()))
    return Case(raw, anchor - draw(st.integers(0, 2 * DAY)) * MINUTE)


@st.composite
def calendars(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime, int]:
    """Draw a calendar, an instant near its landmarks (to the microsecond), and its weekly load.

    The load is the open minutes of an ordinary week, to scale durations by.
    """
    tz = draw(st.sampled_from(ZONES))
    anchor = draw(anchors(tz)) + draw(st.integers(0, 59_999_999)) * timedelta(microseconds=1)
    raw = draw(raw_calendars(tz, anchor.astimezone(ZoneInfo(tz)).date()))
    per_week = 0
    for _, text in raw.weekly:
        begin, end = (int(part[:2]) * 60 + int(part[3:]) for part in text.split("-"))
        per_week += (end - begin) % DAY or DAY
    return raw.build(), anchor, per_week


def durations(per_week: int) -> st.SearchStrategy[timedelta]:
    """Draw durations of up to two years of weeks, or ten years of open time, to the microsecond.

    On a calendar open minutes a week, ten years of open time lie beyond the datetime range.
    """
    return st.one_of(
        st.integers(0, per_week * 60_000_000 * 110),
        st.integers(0, TEN_YEARS // MICROSECOND),
    ).map(lambda n: n * MICROSECOND)


def due(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> datetime | None:
    """Return ``calendar.add`` in UTC, or None when the answer lies beyond what can be shown."""
    try:
        return calendar.add(start, duration).astimezone(UTC)
    except CalendarError:
        # Nothing is left before the end, but for the last day some zones cannot show.
        assert calendar.between(start, LATEST - timedelta(days=1)) < duration
        return None


def no_later(earlier: datetime | None, later: datetime | None) -> bool:
    """Compare due instants, None (beyond the range) being the latest."""
    return later is None or (earlier is not None and earlier <= later)


def later(start: datetime, micros: int) -> datetime:
    """Return ``start`` plus ``micros`` microseconds, or the last datetime if that is sooner."""
    return start + min(micros, (LATEST - start) // MICROSECOND) * MICROSECOND


def micros(moment: datetime) -> int:
    """Return an instant as microseconds since the POSIX epoch, as the arithmetic counts."""
    return (moment - _EPOCH) // MICROSECOND


def instant(moment: datetime) -> datetime:
    """Return an instant in UTC, so comparisons never ignore ``fold`` (same-zone comparisons do)."""
    return moment.astimezone(UTC)


# --- properties that hold for every calendar ------------------------------------------------


@given(calendars(), st.data())
def test_between_start_and_due_instant_is_the_duration(
    drawn: tuple[BusinessCalendar, datetime, int], data: st.DataObject
) -> None:
    calendar, start, per_week = drawn
    duration = data.draw(durations(per_week))
    deadline = due(calendar, start, duration)
    assert deadline is None or calendar.between(start, deadline) == duration


@given(calendars(), st.data())
def test_add_is_monotone_in_the_start(
    drawn: tuple[BusinessCalendar, datetime, int], data: st.DataObject
) -> None:
    calendar, start, per_week = drawn
    duration = data.draw(durations(per_week))
    later = start + data.draw(st.integers(0, 10**12)) * timedelta(microseconds=1)
    assert no_later(due(calendar, start, duration), due(calendar, later, duration))


@given(calendars(), st.data())
def test_add_is_monotone_in_the_duration(
    drawn: tuple[BusinessCalendar, datetime, int], data: st.DataObject
) -> None:
    calendar, start, per_week = drawn
    shorter, longer = sorted((data.draw(durations(per_week)), data.draw(durations(per_week))))
    assert no_later(due(calendar, start, shorter), due(calendar, start, longer))


@given(calendars(), st.data())
def test_between_is_additive_over_a_split_point(
    drawn: tuple[BusinessCalendar, datetime, int], data: st.DataObject
) -> None:
    calendar, start, _ = drawn
    spans = st.one_of(st.integers(0, 10**13), st.integers(0, 10**16))  # days, or centuries
    split = later(start, data.draw(spans))
    end = later(split, data.draw(spans))
    assert calendar.between(start, end) == calendar.between(start, split) + calendar.between(
        split, end
    )


@given(calendars(), st.data())
def test_between_never_exceeds_elapsed_time(
    drawn: tuple[BusinessCalendar, datetime, int], data: st.DataObject
) -> None:
    calendar, start, _ = drawn
    end = later(start, data.draw(st.integers(-(10**12), 10**16)))
    assert timedelta(0) <= calendar.between(start, end) <= max(end - start, timedelta(0))


@given(calendars())
def test_next_open_is_open_and_nothing_opens_before_it(
    drawn: tuple[BusinessCalendar, datetime, int],
) -> None:
    calendar, start, _ = drawn
    opening = calendar.next_open(start)
    assert calendar.is_open(opening)
    assert instant(opening) >= instant(start)
    assert calendar.between(start, opening) == timedelta(0)


@given(calendars(), st.data())
def test_answers_are_in_the_calendars_zone(
    drawn: tuple[BusinessCalendar, datetime, int], data: st.DataObject
) -> None:
    calendar, start, per_week = drawn
    duration = data.draw(durations(per_week).filter(bool))
    assume(due(calendar, start, duration) is not None)
    assert calendar.add(start, duration).tzinfo is calendar.tz
    assert calendar.next_open(start).tzinfo is calendar.tz


@given(weekly_hours(), st.sampled_from(ZONES))
def test_the_hours_shown_by_repr_build_an_equal_calendar(
    weekly: tuple[tuple[int, str], ...], tz: str
) -> None:
    calendar = RawCalendar(tz=tz, weekly=weekly).build()
    shown = calendar._spec.describe_hours()
    assert BusinessCalendar.weekly(tz=tz, hours=shown) == calendar
    assert repr(shown) in repr(calendar)


# --- agreement with the brute-force reference -------------------------------------------------


@BRUTE_FORCE
@given(cases())
def test_is_open_agrees_with_the_reference_at_every_minute(case: Case) -> None:
    disagreements = [
        case.at(minute)
        for minute, expected in enumerate(case.table.open)
        if case.calendar.is_open(case.at(minute)) != expected
    ]
    assert disagreements == []


@BRUTE_FORCE
@given(cases(), st.data())
def test_between_agrees_with_the_reference(case: Case, data: st.DataObject) -> None:
    for _ in range(20):
        first, last = data.draw(st.integers(0, WINDOW)), data.draw(st.integers(0, WINDOW))
        a, b = case.at(first), case.at(last)
        assert case.calendar.between(a, b) == case.table.between(a, b), (a, b)


@BRUTE_FORCE
@given(cases(), st.data())
def test_add_agrees_with_the_reference(case: Case, data: st.DataObject) -> None:
    for _ in range(20):
        start = case.at(data.draw(st.integers(0, WINDOW - 1)))
        minutes = data.draw(st.integers(0, case.table.open_after(start)))
        expected = case.table.add(start, minutes)
        assert expected is not None
        assert instant(case.calendar.add(start, minutes * MINUTE)) == expected, (start, minutes)


@BRUTE_FORCE
@given(cases(), st.data())
def test_next_open_agrees_with_the_reference(case: Case, data: st.DataObject) -> None:
    first = data.draw(st.integers(0, WINDOW - 1))
    opens = [minute for minute in range(first, WINDOW) if case.table.open[minute]]
    if opens:
        assert instant(case.calendar.next_open(case.at(first))) == case.at(opens[0])
    else:
        assert instant(case.calendar.next_open(case.at(first))) >= case.at(WINDOW)


@BRUTE_FORCE
@given(cases(), st.data())
def test_wall_clock_starts_in_gaps_and_folds_agree_with_the_reference(
    case: Case, data: st.DataObject
) -> None:
    zone = ZoneInfo(case.raw.tz)
    margin = 3 * 60 * MINUTE
    nearby = [
        moment
        for era in ERAS
        for moment in transitions(case.raw.tz, *era)
        if case.start + margin <= moment <= case.at(WINDOW - DAY) - margin
    ]
    middle = case.at(data.draw(st.integers(DAY, 2 * DAY)))
    base = data.draw(st.sampled_from(nearby)) if nearby else middle
    # A local wall time near the transition, including ones it skips or repeats.
    wall = base.astimezone(zone).replace(tzinfo=None) + data.draw(st.integers(-90, 90)) * MINUTE
    start = wall.replace(tzinfo=zone, fold=data.draw(st.integers(0, 1)))
    minutes = data.draw(st.integers(0, case.table.open_after(start)))
    assert instant(case.calendar.add(start, minutes * MINUTE)) == case.table.add(start, minutes)
    end = case.at(data.draw(st.integers(0, WINDOW)))
    assert case.calendar.between(start, end) == case.table.between(start, end)
    assert case.calendar.is_open(start) == case.table.is_open(start)


# --- far answers (arithmetic) against near ones (chunks) and the reference ------------------


@given(calendars(), st.data())
def test_arithmetic_agrees_with_the_chunks_where_both_answer(
    drawn: tuple[BusinessCalendar, datetime, int], data: st.DataObject
) -> None:
    calendar, start, _ = drawn
    end = later(start, data.draw(st.integers(0, 2 * _CHUNK_SECONDS * 1_000_000)))
    assume((end - _EPOCH).days // _CHUNK_DAYS - (start - _EPOCH).days // _CHUNK_DAYS <= 1)
    amount = calendar.between(start, end)  # from the chunks, as the two chunks are neighbours
    arithmetic = calendar._long()
    assert arithmetic.between(micros(start), micros(end)) * MICROSECOND == amount
    if amount:
        reached = calendar._reach(start - _EPOCH, amount, "duration")  # from the chunks
        assert arithmetic.reach(micros(start), amount // MICROSECOND) == reached // MICROSECOND


@BRUTE_FORCE
@given(cases(), st.data())
def test_arithmetic_agrees_with_the_reference(case: Case, data: st.DataObject) -> None:
    arithmetic = case.calendar._long()
    for _ in range(20):
        first, last = sorted((data.draw(st.integers(0, WINDOW)), data.draw(st.integers(0, WINDOW))))
        a, b = case.at(first), case.at(last)
        assert arithmetic.between(micros(a), micros(b)) * MICROSECOND == case.table.between(a, b)
        start = case.at(data.draw(st.integers(0, WINDOW - 1)))
        minutes = data.draw(st.integers(1, max(case.table.open_after(start), 1)))
        expected = case.table.add(start, minutes)
        if expected is not None:
            reached = arithmetic.reach(micros(start), minutes * 60_000_000)
            assert reached == micros(expected), (start, minutes)
