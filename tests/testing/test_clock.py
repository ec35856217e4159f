from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ticketflow.exceptions import InvalidValueError, NaiveDatetimeError
from ticketflow.testing import FrozenClock

NAIVE = datetime(2026, 1, 1)  # noqa: DTZ001 - the point of these tests


def test_advance_moves_forward_and_returns_the_new_instant() -> None:
    clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.advance(timedelta(hours=2)) == datetime(2026, 1, 1, 2, tzinfo=UTC)
    assert clock.now() == datetime(2026, 1, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize("delta", [timedelta(seconds=-1), timedelta(days=-3)])
def test_advance_backward_is_an_invalid_delta(delta: timedelta) -> None:
    clock = FrozenClock()
    before = clock.now()
    with pytest.raises(InvalidValueError, match="backward") as caught:
        clock.advance(delta)
    assert (caught.value.field, caught.value.value) == ("delta", delta)
    assert clock.now() == before


@pytest.mark.parametrize("delta", [60, 1.5, "1h", None])
def test_advance_by_a_non_timedelta_is_an_invalid_delta(delta: object) -> None:
    with pytest.raises(InvalidValueError, match="timedelta") as caught:
        FrozenClock().advance(delta)  # type: ignore[arg-type]
    assert type(caught.value) is InvalidValueError
    assert (caught.value.field, caught.value.value) == ("delta", delta)


def test_advance_past_the_last_instant_is_an_invalid_delta() -> None:
    clock = FrozenClock(datetime(9999, 12, 31, tzinfo=UTC))
    with pytest.raises(InvalidValueError, match=r"past datetime\.max") as caught:
        clock.advance(timedelta(days=2))
    assert caught.value.field == "delta"
    assert clock.now() == datetime(9999, 12, 31, tzinfo=UTC)


def test_a_naive_start_is_a_naive_datetime_error() -> None:
    with pytest.raises(NaiveDatetimeError) as caught:
        FrozenClock(NAIVE)
    assert caught.value.field == "start"


def test_setting_a_naive_instant_is_a_naive_datetime_error() -> None:
    clock = FrozenClock()
    before = clock.now()
    with pytest.raises(NaiveDatetimeError) as caught:
        clock.set(NAIVE)
    assert caught.value.field == "instant"
    assert clock.now() == before


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00Z", 1_767_225_600, date(2026, 1, 1)])
def test_a_start_that_is_not_a_datetime_is_an_invalid_value(value: object) -> None:
    with pytest.raises(InvalidValueError, match="datetime") as caught:
        FrozenClock(value)  # type: ignore[arg-type]
    assert type(caught.value) is InvalidValueError
    assert (caught.value.field, caught.value.value) == ("start", value)


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00Z", 1_767_225_600, None])
def test_setting_a_non_datetime_is_an_invalid_value(value: object) -> None:
    clock = FrozenClock()
    with pytest.raises(InvalidValueError, match="datetime") as caught:
        clock.set(value)  # type: ignore[arg-type]
    assert type(caught.value) is InvalidValueError
    assert caught.value.field == "instant"


def test_set_jumps_to_an_aware_instant_in_any_zone() -> None:
    clock = FrozenClock()
    berlin_noon = datetime(2026, 6, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    clock.set(berlin_noon)
    assert clock.now() == berlin_noon
    assert repr(clock) == "FrozenClock(2026-06-01T12:00:00+02:00)"
