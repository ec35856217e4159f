"""BusinessCalendar over spans of years and centuries, where answers come from arithmetic.

Each expectation here is worked out independently of the calendar: by counting weekdays, or,
around the clock, from elapsed time (every instant is open, so open time is elapsed time).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketflow.exceptions import CalendarError
from ticketflow.sla import BusinessCalendar, Opening
from ticketflow.sla._calendar import _FIRST_RULE_YEAR, _LongSpans, _ZoneOffsets
from ticketflow.sla._calendar_spec import WallMeasure

HOUR = timedelta(hours=1)
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
SPANS = [
    (datetime(1959, 12, 31, 23, 30, tzinfo=UTC), datetime(1960, 1, 1, 0, 30, tzinfo=UTC)),
    (datetime(1955, 6, 1, tzinfo=UTC), datetime(1962, 12, 1, 3, 7, 1, 5, tzinfo=UTC)),
    (datetime(2025, 3, 1, tzinfo=UTC), datetime(2026, 11, 15, 12, tzinfo=UTC)),
    (datetime(2025, 7, 1, 12, tzinfo=UTC), datetime(2526, 1, 1, 7, 59, 59, 999_999, tzinfo=UTC)),
    (datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(2101, 7, 1, tzinfo=UTC)),
    (EARLIEST + timedelta(days=1), LATEST - timedelta(days=1)),
    (datetime(9000, 10, 20, 5, tzinfo=UTC), LATEST - timedelta(hours=15)),
]
AROUND_THE_CLOCK_ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Africa/Niamey",  # its offset changed at 1960-01-01 00:00 UTC
    "Africa/Sao_Tome",  # a local mean time offset in seconds until 1912
    "Asia/Gaza",
    "Africa/Casablanca",
)


@pytest.mark.parametrize("tz", AROUND_THE_CLOCK_ZONES)
@pytest.mark.parametrize(("a", "b"), SPANS)
def test_around_the_clock_open_time_is_elapsed_time_over_any_span(
    tz: str, a: datetime, b: datetime
) -> None:
    calendar = BusinessCalendar.always(tz)
    assert calendar.between(a, b) == b - a
    assert calendar.add(a, b - a).astimezone(UTC) == b


def sundays(first: date, last: date) -> int:
    """Return how many Sundays lie in ``[first, last)``."""
    return sum(1 for ordinal in range(first.toordinal(), last.toordinal()) if ordinal % 7 == 0)


def test_hours_in_new_yorks_spring_gap_are_lost_every_year_for_five_centuries() -> None:
    # 02:00-03:00 on the second Sunday of March never happens; the autumn fold is 01:00-02:00.
    calendar = BusinessCalendar.weekly(tz="America/New_York", hours={"sun": ["02:00-03:00"]})
    start = datetime(2025, 1, 1, tzinfo=calendar.tz)
    end = datetime(2525, 1, 1, tzinfo=calendar.tz)
    expected = (sundays(date(2025, 1, 1), date(2525, 1, 1)) - 500) * HOUR
    assert calendar.between(start, end) == expected
    # 2524-12-31 is a Sunday: the last hour ends there.
    assert calendar.add(start, expected) == datetime(2524, 12, 31, 3, tzinfo=calendar.tz)


def last_sunday_of_march(year: int) -> date:
    day = date(year, 3, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def test_a_far_holiday_on_a_spring_forward_day_closes_the_23_hours_it_has() -> None:
    spring = last_sunday_of_march(2500)
    calendar = BusinessCalendar.weekly(
        tz="Europe/Berlin", hours={"mon-sun": ["00:00-24:00"]}, holidays=[spring]
    )
    start, end = datetime(2400, 1, 1, tzinfo=UTC), datetime(2600, 1, 1, tzinfo=UTC)
    assert calendar.between(start, end) == end - start - 23 * HOUR


def test_a_far_opening_on_a_spring_forward_day_opens_the_23_hours_it_has() -> None:
    spring = last_sunday_of_march(2500)
    calendar = BusinessCalendar.weekly(
        tz="Europe/Berlin",
        hours={"mon": ["09:00-10:00"]},
        openings=[Opening(spring, "00:00-24:00")],
    )
    start = datetime(2400, 1, 1, tzinfo=calendar.tz)
    end = datetime(2600, 1, 1, tzinfo=calendar.tz)
    mondays = sundays(date(2400, 1, 2), date(2600, 1, 2))  # each Monday follows a Sunday
    assert calendar.between(start, end) == (mondays + 23) * HOUR


class MarchToOctober(tzinfo):
    """An hour ahead from 1 March to 1 October, 01:00 UTC: fixed dates, so weekdays vary.

    The calendar only ever asks ``fromutc``; the rest is what ``tzinfo`` requires.
    """

    def fromutc(self, dt: datetime) -> datetime:
        spring = dt.replace(month=3, day=1, hour=1, minute=0, second=0, microsecond=0)
        autumn = spring.replace(month=10)
        return dt + HOUR if spring <= dt < autumn else dt

    def utcoffset(self, dt: datetime | None) -> timedelta:  # noqa: ARG002 - see the docstring
        return timedelta(0)

    def dst(self, dt: datetime | None) -> timedelta:  # noqa: ARG002
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:  # noqa: ARG002
        return "march-to-october"


def test_centuries_of_copied_years_sum_as_if_counted_one_by_one() -> None:
    # Open on Sundays 01:00-02:00: the spring gap takes an hour only when 1 March is a Sunday,
    # so the terms differ from year to year, and only the 400-year cycle repeats them.
    offsets = _ZoneOffsets(cast("ZoneInfo", MarchToOctober()))
    weekly = [(6 * 1440 + 60, 6 * 1440 + 120)]
    spans = _LongSpans(WallMeasure(weekly, [], []), offsets)
    first = _FIRST_RULE_YEAR + 1
    counted = sum(spans._year_part(year, None) for year in range(first, first + 1000))
    assert counted != 0
    assert spans._years(first, first + 1000) == counted
    assert spans._years(first + 123, first + 877) == sum(
        spans._year_part(year, None) for year in range(first + 123, first + 877)
    )


def test_a_run_of_holidays_into_the_copied_years_closes_every_hour_it_covers() -> None:
    # One segment from December 2100 to April 2101: its spring-forward day is in a copied year.
    first, last = date(2100, 12, 1), date(2101, 5, 1)
    calendar = BusinessCalendar.weekly(
        tz="Europe/Berlin",
        hours={"mon-sun": ["00:00-24:00"]},
        holidays=[first + timedelta(days=n) for n in range((last - first).days)],
    )
    closed = datetime(2101, 5, 1, tzinfo=calendar.tz).astimezone(UTC) - datetime(
        2100, 12, 1, tzinfo=calendar.tz
    ).astimezone(UTC)
    start, end = datetime(2000, 1, 1, tzinfo=UTC), datetime(2300, 1, 1, tzinfo=UTC)
    assert calendar.between(start, end) == end - start - closed


@given(
    st.sampled_from(AROUND_THE_CLOCK_ZONES),
    st.datetimes(
        min_value=datetime(1950, 1, 1),  # noqa: DTZ001 - given a zone below
        max_value=LATEST.replace(tzinfo=None),
        timezones=st.just(UTC),
    ),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4000)),
)
def test_the_checkpoints_utc_answer_is_add_in_utc_or_the_same_error(
    tz: str, start: datetime, amount: timedelta
) -> None:
    """The SLA checkpoint's shortcut to UTC answers as add does, up to the last datetime."""
    calendar = BusinessCalendar.weekly(tz=tz, hours={"mon-fri": ["09:00-17:00"]})

    def outcome(call: Callable[[], datetime]) -> object:
        try:
            return call()
        except CalendarError as error:
            return (type(error), str(error))

    expected = outcome(lambda: calendar.add(start, amount).astimezone(UTC))
    assert outcome(lambda: calendar._add_utc(start, amount)) == expected
