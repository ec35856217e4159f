"""BusinessCalendar, by example: configuration, arithmetic, daylight saving, holidays."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest

import ticketflow.sla
from ticketflow.exceptions import CalendarError, InvalidValueError, NaiveDatetimeError
from ticketflow.sla import BusinessCalendar, Closure, Opening, holidays_from
from ticketflow.sla._calendar import _MAX_CHUNKS, _MAX_YEARS

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
HOUR = timedelta(hours=1)
OFFICE = {"mon-fri": ["09:00-17:00"]}
OFFICE_WITH_LUNCH = {"mon-fri": ["09:00-12:00", "13:00-17:00"]}


def berlin(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
    *,
    fold: int = 0,
) -> datetime:
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=BERLIN, fold=fold)


AWARE = berlin(2025, 6, 6, 10)


def office(**options: Any) -> BusinessCalendar:
    return BusinessCalendar.weekly(tz="Europe/Berlin", hours=OFFICE, **options)


def same_instant(left: datetime, right: datetime) -> bool:
    """Compare instants in UTC: same-zone comparisons ignore ``fold``."""
    return left.astimezone(UTC) == right.astimezone(UTC)


# --- the headline example ---------------------------------------------------------------------


def test_ticket_opened_friday_1630_with_four_business_hours_is_due_monday_1230() -> None:
    friday = berlin(2025, 6, 6, 16, 30)
    assert office().add(friday, 4 * HOUR) == berlin(2025, 6, 9, 12, 30)


def test_lunch_break_pushes_the_same_ticket_to_monday_1330() -> None:
    calendar = BusinessCalendar.weekly(tz="Europe/Berlin", hours=OFFICE_WITH_LUNCH)
    assert calendar.add(berlin(2025, 6, 6, 16, 30), 4 * HOUR) == berlin(2025, 6, 9, 13, 30)


def test_due_instant_is_the_closing_time_when_the_duration_fills_the_day() -> None:
    assert office().add(berlin(2025, 6, 6, 9), 8 * HOUR) == berlin(2025, 6, 6, 17)


def test_counting_begins_at_the_next_opening_when_started_in_closed_time() -> None:
    saturday = berlin(2025, 6, 7, 10)
    assert office().add(saturday, HOUR) == berlin(2025, 6, 9, 10)


def test_zero_duration_returns_the_start_unchanged_even_in_closed_time() -> None:
    saturday = berlin(2025, 6, 7, 10)
    assert office().add(saturday, timedelta(0)) is saturday


def test_negative_duration_is_rejected_naming_the_argument() -> None:
    with pytest.raises(InvalidValueError) as caught:
        office().add(berlin(2025, 6, 6, 9), -HOUR)
    assert caught.value.field == "duration"


def test_add_works_to_the_microsecond() -> None:
    start = berlin(2025, 6, 6, 9, 0, 0, 1)
    due = office().add(start, timedelta(hours=1, microseconds=2))
    assert due == berlin(2025, 6, 6, 10, 0, 0, 3)


def test_ten_thousand_business_hours_are_counted_exactly() -> None:
    calendar = office()
    start = berlin(2025, 6, 6, 16, 30)
    due = calendar.add(start, 10_000 * HOUR)
    assert calendar.between(start, due) == 10_000 * HOUR
    assert calendar.is_open(due - timedelta(microseconds=1))


# --- between, is_open, next_open ----------------------------------------------------------------


def test_between_counts_the_open_time_of_a_week() -> None:
    monday = berlin(2025, 6, 2)
    assert office().between(monday, monday + timedelta(days=7)) == 40 * HOUR


def test_between_is_zero_when_the_end_is_not_after_the_start() -> None:
    a = berlin(2025, 6, 6, 10)
    assert office().between(a, a) == timedelta(0)
    assert office().between(a, a - HOUR) == timedelta(0)


def test_between_spans_years() -> None:
    start = berlin(2025, 1, 1)
    # 2025 and 2026 have 261 weekdays each.
    assert office().between(start, berlin(2027, 1, 1)) == 2 * 261 * 8 * HOUR


def test_is_open_includes_the_opening_and_excludes_the_closing_instant() -> None:
    calendar = office()
    assert calendar.is_open(berlin(2025, 6, 6, 9))
    assert calendar.is_open(berlin(2025, 6, 6, 16, 59, 59, 999_999))
    assert not calendar.is_open(berlin(2025, 6, 6, 17))
    assert not calendar.is_open(berlin(2025, 6, 7, 12))


def test_next_open_is_the_instant_itself_when_open() -> None:
    t = datetime(2025, 6, 6, 10, tzinfo=UTC)
    assert same_instant(office().next_open(t), t)


def test_next_open_skips_the_weekend() -> None:
    assert office().next_open(berlin(2025, 6, 6, 17)) == berlin(2025, 6, 9, 9)


def test_next_open_skips_the_rest_of_the_day_after_the_last_interval() -> None:
    calendar = BusinessCalendar.weekly(tz="Europe/Berlin", hours=OFFICE_WITH_LUNCH)
    assert calendar.next_open(berlin(2025, 6, 6, 12, 30)) == berlin(2025, 6, 6, 13)


def test_inputs_may_be_in_any_zone_and_answers_are_in_the_calendars_zone() -> None:
    utc_friday = datetime(2025, 6, 6, 14, 30, tzinfo=UTC)  # 16:30 in Berlin
    due = office().add(utc_friday, 4 * HOUR)
    assert due.tzinfo is BERLIN
    assert (due.hour, due.minute) == (12, 30)
    assert office().next_open(utc_friday).tzinfo is BERLIN


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c, naive: c.add(naive, HOUR), "start"),
        (lambda c, naive: c.between(naive, AWARE), "a"),
        (lambda c, naive: c.between(AWARE, naive), "b"),
        (lambda c, naive: c.is_open(naive), "t"),
        (lambda c, naive: c.next_open(naive), "t"),
    ],
    ids=["add", "between-a", "between-b", "is_open", "next_open"],
)
def test_naive_datetimes_are_rejected_naming_the_argument(call: Any, field: str) -> None:
    naive = datetime(2025, 6, 6, 10)  # noqa: DTZ001 - the point of the test
    with pytest.raises(NaiveDatetimeError) as caught:
        call(office(), naive)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.add(date(2025, 6, 6), HOUR), "start"),
        (lambda c: c.between(AWARE, "2025-06-06"), "b"),
        (lambda c: c.is_open(1_749_200_000), "t"),
    ],
    ids=["add", "between", "is_open"],
)
def test_values_that_are_not_datetimes_are_a_type_error_naming_the_argument(
    call: Any, field: str
) -> None:
    with pytest.raises(TypeError, match=f"^{field} must be a timezone-aware datetime"):
        call(office())


# --- daylight saving ------------------------------------------------------------------------------


def test_night_shift_across_spring_forward_is_an_hour_short() -> None:
    calendar = BusinessCalendar.weekly(tz="America/New_York", hours={"sat": ["22:00-06:00"]})
    start = datetime(2025, 3, 8, 20, tzinfo=NEW_YORK)
    assert calendar.between(start, datetime(2025, 3, 9, 8, tzinfo=NEW_YORK)) == 7 * HOUR
    assert calendar.add(start, 7 * HOUR) == datetime(2025, 3, 9, 6, tzinfo=NEW_YORK)


def test_night_shift_across_fall_back_is_an_hour_long() -> None:
    calendar = BusinessCalendar.weekly(tz="America/New_York", hours={"sat": ["22:00-06:00"]})
    start = datetime(2025, 11, 1, 20, tzinfo=NEW_YORK)
    assert calendar.between(start, datetime(2025, 11, 2, 8, tzinfo=NEW_YORK)) == 9 * HOUR


def test_day_with_a_fold_counts_twenty_five_hours_around_the_clock() -> None:
    calendar = BusinessCalendar.always("Europe/Berlin")
    assert calendar.between(berlin(2025, 10, 26), berlin(2025, 10, 27)) == 25 * HOUR


def test_day_with_a_gap_counts_twenty_three_hours_around_the_clock() -> None:
    calendar = BusinessCalendar.always("Europe/Berlin")
    assert calendar.between(berlin(2025, 3, 30), berlin(2025, 3, 31)) == 23 * HOUR


def test_adding_a_day_around_the_clock_across_spring_forward_is_elapsed_time() -> None:
    calendar = BusinessCalendar.always("Europe/Berlin")
    assert calendar.add(berlin(2025, 3, 30), 24 * HOUR) == berlin(2025, 3, 31, 1)


def test_hours_that_fall_into_a_gap_are_not_open() -> None:
    calendar = BusinessCalendar.weekly(tz="Europe/Berlin", hours={"sun": ["02:00-03:00"]})
    assert calendar.between(berlin(2025, 3, 30), berlin(2025, 3, 31)) == timedelta(0)
    assert calendar.between(berlin(2025, 4, 6), berlin(2025, 4, 7)) == HOUR


def test_hours_that_overlap_a_fold_are_open_on_both_passes() -> None:
    calendar = BusinessCalendar.weekly(tz="Europe/Berlin", hours={"sun": ["02:00-03:00"]})
    assert calendar.between(berlin(2025, 10, 26), berlin(2025, 10, 27)) == 2 * HOUR
    assert calendar.is_open(berlin(2025, 10, 26, 2, 30, fold=0))
    assert calendar.is_open(berlin(2025, 10, 26, 2, 30, fold=1))


def test_lord_howe_half_hour_fold_lengthens_hours_by_thirty_minutes() -> None:
    calendar = BusinessCalendar.weekly(tz="Australia/Lord_Howe", hours={"sun": ["01:00-03:00"]})
    day = datetime(2025, 4, 6, tzinfo=LORD_HOWE)
    assert calendar.between(day, day + timedelta(days=1)) == timedelta(hours=2, minutes=30)


def test_lord_howe_half_hour_gap_shortens_hours_by_thirty_minutes() -> None:
    calendar = BusinessCalendar.weekly(tz="Australia/Lord_Howe", hours={"sun": ["01:00-03:00"]})
    day = datetime(2025, 10, 5, tzinfo=LORD_HOWE)
    assert calendar.between(day, day + timedelta(days=1)) == timedelta(hours=1, minutes=30)
    assert calendar.add(day, HOUR) == datetime(2025, 10, 5, 2, 30, tzinfo=LORD_HOWE)


def test_a_start_given_as_a_skipped_wall_time_is_the_instant_python_assigns() -> None:
    calendar = BusinessCalendar.always("Europe/Berlin")
    skipped = berlin(2025, 3, 30, 2, 30)  # fold=0 reads it with the winter offset: 01:30 UTC
    due = calendar.add(skipped, HOUR)
    assert due.astimezone(UTC) == datetime(2025, 3, 30, 2, 30, tzinfo=UTC)
    assert (due.hour, due.minute) == (4, 30)


def test_a_start_in_the_second_pass_of_a_fold_counts_from_that_pass() -> None:
    calendar = BusinessCalendar.always("Europe/Berlin")
    due = calendar.add(berlin(2025, 10, 26, 2, 30, fold=1), HOUR)
    assert due.astimezone(UTC) == datetime(2025, 10, 26, 2, 30, tzinfo=UTC)


def test_an_answer_in_a_fold_carries_the_right_fold() -> None:
    calendar = BusinessCalendar.always("Europe/Berlin")
    due = calendar.add(berlin(2025, 10, 26, 2, 30, fold=0), HOUR)
    assert (due.hour, due.minute, due.fold) == (2, 30, 1)


# --- holidays, closures, openings -----------------------------------------------------------------


def test_a_holiday_closes_the_after_midnight_part_of_a_night_shift() -> None:
    calendar = BusinessCalendar.weekly(
        tz="Europe/Berlin", hours={"mon": ["22:00-06:00"]}, holidays=[date(2025, 6, 10)]
    )
    monday = berlin(2025, 6, 9)
    assert calendar.between(monday, monday + timedelta(days=2)) == 2 * HOUR


def test_a_holiday_on_the_evening_leaves_the_after_midnight_part_open() -> None:
    calendar = BusinessCalendar.weekly(
        tz="Europe/Berlin", hours={"mon": ["22:00-06:00"]}, holidays=[date(2025, 6, 9)]
    )
    monday = berlin(2025, 6, 9)
    assert calendar.between(monday, monday + timedelta(days=2)) == 6 * HOUR
    assert calendar.next_open(monday) == berlin(2025, 6, 10)


def test_a_holidays_package_calendar_is_accepted_as_it_is() -> None:
    calendar = office(holidays=holidays.country_holidays("DE", years=2025))
    christmas = berlin(2025, 12, 25)
    assert calendar.between(christmas, christmas + timedelta(days=1)) == timedelta(0)


def test_holidays_from_lists_a_countrys_holidays() -> None:
    found = holidays_from("DE", years=[2025, 2026], subdiv="BY")
    assert {date(2025, 1, 6), date(2025, 12, 25), date(2026, 1, 1)} <= found


@pytest.mark.parametrize(
    ("country", "subdiv", "where"), [("XX", None, "country"), ("DE", "ZZ", "subdiv")]
)
def test_holidays_from_rejects_unknown_places(country: str, subdiv: str | None, where: str) -> None:
    with pytest.raises(CalendarError) as caught:
        holidays_from(country, years=[2025], subdiv=subdiv)
    assert caught.value.where == where


def test_holidays_from_without_the_package_points_at_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "holidays", None)
    with pytest.raises(ImportError, match=r"ticketflow\[holidays\]"):
        holidays_from("DE", years=[2025])


def test_a_closure_closes_part_of_a_day() -> None:
    calendar = office(closures=[Closure(date(2025, 12, 24), "12:00-17:00")])
    day = berlin(2025, 12, 24)
    assert calendar.between(day, day + timedelta(days=1)) == 3 * HOUR


def test_an_overnight_closure_reaches_into_the_next_day() -> None:
    calendar = office(closures=[Closure(date(2025, 12, 22), "16:00-10:00")])
    day = berlin(2025, 12, 22)
    assert calendar.between(day, day + timedelta(days=2)) == (7 + 7) * HOUR


def test_an_opening_opens_hours_on_a_closed_day() -> None:
    calendar = office(openings=[Opening(date(2025, 6, 8), "10:00-14:00")])
    sunday = berlin(2025, 6, 8)
    assert calendar.between(sunday, sunday + timedelta(days=1)) == 4 * HOUR


def test_an_opening_wins_over_a_holiday() -> None:
    calendar = office(
        holidays=[date(2025, 12, 24)], openings=[Opening(date(2025, 12, 24), "10:00-12:00")]
    )
    day = berlin(2025, 12, 24)
    assert calendar.between(day, day + timedelta(days=1)) == 2 * HOUR


def test_an_opening_wins_over_a_closure() -> None:
    calendar = office(
        closures=[Closure(date(2025, 12, 24), "09:00-17:00")],
        openings=[Opening(date(2025, 12, 24), "16:00-18:00")],
    )
    day = berlin(2025, 12, 24)
    assert calendar.between(day, day + timedelta(days=1)) == 2 * HOUR


def test_years_of_holidays_are_skipped() -> None:
    closed = [date(2025, 1, 1) + timedelta(days=n) for n in range(3 * 365)]
    calendar = office(holidays=closed)
    assert calendar.next_open(berlin(2025, 1, 1)) == berlin(2028, 1, 3, 9)
    assert calendar.add(berlin(2025, 1, 1), HOUR) == berlin(2028, 1, 3, 10)


# --- configuration --------------------------------------------------------------------------------


def test_weekday_keys_are_ranges_lists_or_names_in_any_case() -> None:
    spelled = BusinessCalendar.weekly(
        tz="Europe/Berlin",
        hours={"Mon-Tue": ["09:00-17:00"], "WED,thursday": ["09:00-17:00"], "fri": ["09:00-17:00"]},
    )
    assert spelled == office()


def test_a_range_may_wrap_over_the_weekend() -> None:
    calendar = BusinessCalendar.weekly(tz="UTC", hours={"fri-mon": ["00:00-24:00"]})
    monday = datetime(2025, 6, 2, tzinfo=UTC)
    assert calendar.between(monday, monday + timedelta(days=7)) == 4 * 24 * HOUR


def test_an_overnight_interval_runs_into_the_next_day() -> None:
    calendar = BusinessCalendar.weekly(tz="UTC", hours={"mon": ["22:00-06:00"]})
    assert calendar.is_open(datetime(2025, 6, 3, 5, 59, tzinfo=UTC))
    assert not calendar.is_open(datetime(2025, 6, 3, 6, tzinfo=UTC))
    assert not calendar.is_open(datetime(2025, 6, 2, 21, 59, tzinfo=UTC))


def test_a_sunday_night_shift_runs_into_monday() -> None:
    calendar = BusinessCalendar.weekly(tz="UTC", hours={"sun": ["22:00-06:00"]})
    assert calendar.is_open(datetime(2025, 6, 9, 5, tzinfo=UTC))  # a Monday


def test_touching_intervals_and_split_shifts_are_the_same_schedule() -> None:
    joined = BusinessCalendar.weekly(tz="UTC", hours={"mon": ["09:00-17:00", "22:00-06:00"]})
    split = BusinessCalendar.weekly(
        tz="UTC", hours={"mon": ["09:00-12:00", "12:00-17:00", "22:00-24:00"], "tue": ["0:00-6:00"]}
    )
    assert joined == split
    assert hash(joined) == hash(split)


def test_always_is_the_whole_week_open() -> None:
    assert BusinessCalendar.always() == BusinessCalendar.weekly(
        tz=ZoneInfo("UTC"), hours={"mon-sun": ["00:00-24:00"]}
    )


def test_different_zones_make_different_calendars() -> None:
    assert BusinessCalendar.always("Europe/Berlin") != BusinessCalendar.always("UTC")


def test_the_zone_is_compared_by_name() -> None:
    assert BusinessCalendar.always(ZoneInfo.no_cache("Europe/Berlin")) == BusinessCalendar.always(
        "Europe/Berlin"
    )


def test_repr_shows_the_zone_and_the_shortest_hours() -> None:
    calendar = BusinessCalendar.weekly(
        tz="Europe/Berlin",
        hours={
            "mon": ["13:00-17:00", "09:00-12:00"],
            "tue-fri": ["09:00-12:00", "13:00-17:00"],
            "sat": ["22:00-06:00"],
        },
    )
    assert repr(calendar) == (
        "BusinessCalendar.weekly(tz='Europe/Berlin', hours={'mon-fri': ['09:00-12:00',"
        " '13:00-17:00'], 'sat': ['22:00-06:00']})"
    )


def test_repr_counts_exceptions_and_spells_long_shifts_by_day() -> None:
    calendar = BusinessCalendar.weekly(
        tz="UTC",
        hours={"mon": ["09:00-24:00"], "tue": ["00:00-24:00"], "wed": ["00:00-09:00"]},
        holidays=[date(2025, 1, 1)],
        closures=[Closure(date(2025, 1, 2), "09:00-10:00")],
        openings=[Opening(date(2025, 1, 4), "09:00-10:00")],
    )
    assert repr(calendar) == (
        "BusinessCalendar.weekly(tz='UTC', hours={'mon': ['09:00-24:00'],"
        " 'tue': ['00:00-24:00'], 'wed': ['00:00-09:00']}, holidays=<1>, closures=<1>,"
        " openings=<1>)"
    )


def test_repr_of_the_whole_week() -> None:
    assert repr(BusinessCalendar.always()) == (
        "BusinessCalendar.weekly(tz='UTC', hours={'mon-sun': ['00:00-24:00']})"
    )


def _weekly(**changes: Any) -> BusinessCalendar:
    options: dict[str, Any] = {"tz": "Europe/Berlin", "hours": OFFICE}
    options.update(changes)
    return BusinessCalendar.weekly(**options)


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"tz": ""}, "tz"),
        ({"tz": 1}, "tz"),
        ({"hours": ["09:00-17:00"]}, "hours"),
        ({"hours": {}}, "hours"),
        ({"hours": {"sat,sun": []}}, "hours"),
        ({"hours": {"mo": ["09:00-17:00"]}}, "hours['mo']"),
        ({"hours": {"mon-fry": ["09:00-17:00"]}}, "hours['mon-fry']"),
        ({"hours": {"": ["09:00-17:00"]}}, "hours['']"),
        ({"hours": {1: ["09:00-17:00"]}}, "hours[1]"),
        ({"hours": {"mon-mon": ["09:00-17:00"]}}, "hours['mon-mon']"),
        ({"hours": {"mon,tue,mon": ["09:00-17:00"]}}, "hours['mon,tue,mon']"),
        ({"hours": {"mon-fri": ["09:00-17:00"], "Fri": ["18:00-19:00"]}}, "hours['Fri']"),
        ({"hours": {"mon": "09:00-17:00"}}, "hours['mon']"),
        ({"hours": {"mon": None}}, "hours['mon']"),
        ({"hours": {"mon": ["09:00-17:00", 9]}}, "hours['mon'][1]"),
        ({"hours": {"mon": ["9-17"]}}, "hours['mon'][0]"),
        ({"hours": {"mon": ["09:00"]}}, "hours['mon'][0]"),
        ({"hours": {"mon": ["25:00-26:00"]}}, "hours['mon'][0]"),
        ({"hours": {"mon": ["09:60-10:00"]}}, "hours['mon'][0]"),
        ({"hours": {"mon": ["09:00-24:30"]}}, "hours['mon'][0]"),
        ({"hours": {"mon": ["24:00-02:00"]}}, "hours['mon'][0]"),
        ({"hours": {"mon": ["09:00-09:00"]}}, "hours['mon'][0]"),
        ({"hours": {"mon": ["00:00-00:00"]}}, "hours['mon'][0]"),
        ({"hours": {"mon-fri": ["09:00-12:00", "11:00-17:00"]}}, "hours['mon-fri'][1]"),
        ({"hours": {"mon-fri": ["11:00-17:00", "09:00-12:00"]}}, "hours['mon-fri'][1]"),
        ({"hours": {"mon": ["22:00-06:00"], "tue": ["05:00-09:00"]}}, "hours['tue'][0]"),
        ({"hours": {"sun": ["22:00-06:00"], "mon": ["05:00-09:00"]}}, "hours['mon'][0]"),
        ({"hours": {"mon": ["05:00-09:00"], "sun": ["22:00-06:00"]}}, "hours['sun'][0]"),
        ({"holidays": ["2025-12-25"]}, "holidays[0]"),
        ({"holidays": [date(2025, 1, 1), datetime(2025, 12, 25, tzinfo=UTC)]}, "holidays[1]"),
        ({"holidays": "2025-12-25"}, "holidays"),
        ({"holidays": 2025}, "holidays"),
        ({"closures": [(date(2025, 12, 24), "12:00-17:00")]}, "closures[0]"),
        ({"closures": 5}, "closures"),
        ({"openings": [Closure(date(2025, 12, 24), "12:00-17:00")]}, "openings[0]"),
    ],
)
def test_a_malformed_configuration_names_where_it_goes_wrong(
    changes: dict[str, Any], where: str
) -> None:
    with pytest.raises(CalendarError) as caught:
        _weekly(**changes)
    assert caught.value.where == where


@pytest.mark.parametrize(
    ("kind", "day", "hours", "where"),
    [
        (Closure, date(2025, 12, 24), "12-17", "Closure.hours"),
        (Closure, "2025-12-24", "12:00-17:00", "Closure.day"),
        (Opening, datetime(2025, 12, 24, tzinfo=UTC), "12:00-17:00", "Opening.day"),
        (Opening, date(2025, 12, 24), "12:00-12:00", "Opening.hours"),
    ],
)
def test_a_malformed_one_off_is_rejected_when_built(
    kind: type[Closure | Opening], day: object, hours: object, where: str
) -> None:
    with pytest.raises(CalendarError) as caught:
        kind(day, hours)  # type: ignore[arg-type]
    assert caught.value.where == where


def test_an_overlap_names_the_interval_it_collides_with() -> None:
    with pytest.raises(CalendarError, match=r"overlaps hours\['mon'\]\[0\] on tue"):
        _weekly(hours={"mon": ["22:00-06:00"], "tue": ["05:00-09:00"]})


# --- range and cache ------------------------------------------------------------------------------


def test_the_cache_of_chunks_stays_bounded_over_a_century() -> None:
    calendar = office()
    start, end = berlin(2000, 1, 1), berlin(2100, 1, 1)
    century = calendar.between(start, end)
    # A question within a chunk or two builds them: ask about every stretch of 300 days.
    stretches = [start + n * 300 * 24 * HOUR for n in range(122)]
    pieces = [calendar.between(a, b) for a, b in zip(stretches, [*stretches[1:], end], strict=True)]
    assert sum(pieces, timedelta(0)) == century
    assert 0 < len(calendar._chunks) <= _MAX_CHUNKS


def test_the_caches_of_years_stay_bounded_over_eight_millennia() -> None:
    calendar = office()
    starts = [datetime(year, 6, 1, tzinfo=UTC) for year in range(1900, 9990)]
    spans = [calendar.between(start, start.replace(year=start.year + 3)) for start in starts]
    assert min(spans) > 0 * HOUR
    far = calendar._long()
    assert 0 < len(far._terms) <= _MAX_YEARS
    assert 0 < len(calendar._offsets._copies) <= _MAX_YEARS
    assert 0 < len(calendar._offsets._changes) <= _MAX_YEARS


def test_the_earliest_dates_work() -> None:
    calendar = BusinessCalendar.always()
    start = datetime(1, 1, 1, tzinfo=UTC)
    assert calendar.between(start, start + timedelta(days=7)) == 7 * 24 * HOUR


def test_an_answer_beyond_the_datetime_range_is_a_calendar_error() -> None:
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar.always().add(datetime(9999, 12, 31, tzinfo=UTC), 2 * 24 * HOUR)
    assert caught.value.where == "duration"


def test_running_out_of_calendar_is_a_calendar_error() -> None:
    with pytest.raises(CalendarError) as caught:
        office().add(datetime(9999, 12, 1, tzinfo=UTC), 1000 * HOUR)
    assert caught.value.where == "duration"


def test_an_answer_the_zone_cannot_show_is_a_calendar_error() -> None:
    # 23:30 UTC on the last day is open, but Berlin's wall clock is already in year 10000.
    with pytest.raises(CalendarError):
        BusinessCalendar.always("Europe/Berlin").add(
            datetime(9999, 12, 31, 23, tzinfo=UTC), 30 * 60 * timedelta(seconds=1)
        )


def test_no_opening_before_the_end_of_time_is_a_calendar_error() -> None:
    with pytest.raises(CalendarError) as caught:
        office().next_open(datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
    assert caught.value.where == "t"


def test_the_package_exports_the_calendar_names() -> None:
    for name in ("BusinessCalendar", "Closure", "Opening", "holidays_from"):
        assert name in ticketflow.sla.__all__
        assert getattr(ticketflow.sla, name) is not None
