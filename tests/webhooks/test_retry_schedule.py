"""RetrySchedule: the Standard Webhooks waits by default, jitter within its bounds, then none."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketflow.exceptions import InvalidValueError
from ticketflow.integrations import STANDARD_WEBHOOKS_DELAYS, RetrySchedule

_delays = st.lists(
    st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=365)),
    min_size=1,
    max_size=10,
)


def test_the_default_is_the_specifications_example() -> None:
    schedule = RetrySchedule(jitter=0)
    assert [schedule.delay_after(n) for n in range(1, 9)] == [
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
        timedelta(hours=10),
        timedelta(hours=10),
        None,
    ]
    assert schedule.max_attempts == 8
    assert RetrySchedule().jitter == 0.1
    total = sum(STANDARD_WEBHOOKS_DELAYS, timedelta())
    assert total == timedelta(hours=27, minutes=35, seconds=5), "about 27.5 hours in all"


@given(delays=_delays, jitter=st.floats(0, 0.99), seed=st.integers(0, 2**32))
def test_every_wait_lies_within_the_jitter_of_its_delay(
    delays: list[timedelta], jitter: float, seed: int
) -> None:
    schedule = RetrySchedule(delays, jitter=jitter, random=random.Random(seed).random)
    for attempt, delay in enumerate(delays, start=1):
        wait = schedule.delay_after(attempt)
        assert wait is not None
        assert wait > timedelta(0), "a retry always comes later"
        slack = timedelta(microseconds=1)
        assert delay * (1 - jitter) - slack <= wait <= delay * (1 + jitter) + slack, (delay, wait)
    assert schedule.delay_after(len(delays) + 1) is None
    assert schedule.delay_after(len(delays) + 100) is None


@given(delays=_delays, attempts=st.integers(1, 20))
def test_no_jitter_waits_the_delay_exactly(delays: list[timedelta], attempts: int) -> None:
    schedule = RetrySchedule(delays, jitter=0)
    expected = delays[attempts - 1] if attempts <= len(delays) else None
    assert schedule.delay_after(attempts) == expected


def test_the_random_source_decides_where_in_the_band() -> None:
    delay = (timedelta(minutes=10),)
    assert RetrySchedule(delay, random=lambda: 0.0).delay_after(1) == timedelta(minutes=9)
    assert RetrySchedule(delay, random=lambda: 0.5).delay_after(1) == timedelta(minutes=10)
    assert RetrySchedule(delay, random=lambda: 1.0).delay_after(1) == timedelta(minutes=11)
    assert RetrySchedule(delay, random=lambda: 7.0).delay_after(1) == timedelta(minutes=11)
    assert RetrySchedule(delay, random=lambda: float("nan")).delay_after(1) == timedelta(minutes=9)


def test_a_seeded_source_repeats_its_waits() -> None:
    first = RetrySchedule(random=random.Random(7).random)
    second = RetrySchedule(random=random.Random(7).random)
    assert [first.delay_after(n) for n in range(1, 8)] == [
        second.delay_after(n) for n in range(1, 8)
    ]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"delays": []}, "delays"),
        ({"delays": "5s"}, "delays"),
        ({"delays": [timedelta(0)]}, "delays[0]"),
        ({"delays": [timedelta(seconds=1), 5]}, "delays[1]"),
        ({"delays": [timedelta(days=366)]}, "delays[0]"),
        ({"delays": [timedelta(seconds=1)] * 101}, "delays"),
        ({"jitter": 1}, "jitter"),
        ({"jitter": -0.1}, "jitter"),
        ({"jitter": True}, "jitter"),
        ({"jitter": float("nan")}, "jitter"),
        ({"random": 0.5}, "random"),
    ],
)
def test_a_bad_schedule_is_refused_naming_the_field(
    arguments: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidValueError) as caught:
        RetrySchedule(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize("attempts", [0, -1, True, 1.0, "1"])
def test_attempts_are_counted_from_one(attempts: object) -> None:
    with pytest.raises(InvalidValueError) as caught:
        RetrySchedule().delay_after(attempts)  # type: ignore[arg-type]
    assert caught.value.field == "attempts"
