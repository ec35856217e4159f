"""SLA targets bounded by their calendar: what the horizon promises, and what happens beyond it."""

from __future__ import annotations

import gc
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketflow import Actor, Desk, NewTicket, Requester, TicketStatus
from ticketflow.exceptions import InvalidValueError, TicketflowError
from ticketflow.sla import BusinessCalendar, SlaPolicy, SlaRule, SlaTargets
from ticketflow.sla._calendar import HORIZON_END, HORIZON_START
from ticketflow.storage import InMemoryTicketStore
from ticketflow.testing import FrozenClock

ONE_MINUTE_A_WEEK = BusinessCalendar.weekly(tz="America/New_York", hours={"mon": ["09:00-09:01"]})
TWO_HOURS_A_WEEK = BusinessCalendar.weekly(tz="Europe/Berlin", hours={"wed": ["14:00-16:00"]})
SPARSE = (ONE_MINUTE_A_WEEK, TWO_HOURS_A_WEEK)
TEN_YEARS = timedelta(days=3650)
HOUR = timedelta(hours=1)
MICROSECOND = timedelta(microseconds=1)
LATEST = datetime.max.replace(tzinfo=UTC)


def rule(calendar: BusinessCalendar, **targets: timedelta) -> SlaRule:
    return SlaRule(name="gold", targets=SlaTargets(**targets), calendar=calendar)


def room(calendar: BusinessCalendar) -> timedelta:
    """Return the open time the horizon leaves: the longest target the calendar accepts."""
    return calendar.between(HORIZON_START, HORIZON_END)


def test_a_ten_year_target_on_a_calendar_open_a_minute_a_week_is_refused() -> None:
    with pytest.raises(InvalidValueError) as caught:
        rule(ONE_MINUTE_A_WEEK, first_response=HOUR, resolution=TEN_YEARS)
    assert (caught.value.field, caught.value.value) == ("targets.resolution", TEN_YEARS)
    assert "rule 'gold'" in str(caught.value)


def test_the_refusal_names_the_first_unreachable_target() -> None:
    with pytest.raises(InvalidValueError) as caught:
        rule(ONE_MINUTE_A_WEEK, next_response=TEN_YEARS, resolution=TEN_YEARS)
    assert caught.value.field == "targets.next_response"


def test_a_ten_year_target_on_a_calendar_open_two_hours_a_week_is_accepted() -> None:
    assert rule(TWO_HOURS_A_WEEK, resolution=TEN_YEARS).targets.resolution == TEN_YEARS


@pytest.mark.parametrize("calendar", SPARSE, ids=repr)
def test_a_target_is_refused_exactly_when_the_horizon_holds_less_open_time(
    calendar: BusinessCalendar,
) -> None:
    longest = min(room(calendar), TEN_YEARS)
    assert rule(calendar, resolution=longest).targets.resolution == longest
    if longest < TEN_YEARS:
        with pytest.raises(InvalidValueError):
            rule(calendar, resolution=longest + MICROSECOND)


def test_a_policy_by_priority_refuses_an_unreachable_target_naming_the_priority() -> None:
    with pytest.raises(InvalidValueError, match="rule 'P1'"):
        SlaPolicy.by_priority({"P1": TEN_YEARS}, calendar=ONE_MINUTE_A_WEEK)


@given(
    st.sampled_from(SPARSE),
    st.datetimes(max_value=HORIZON_START.replace(tzinfo=None), timezones=st.just(UTC)),
)
def test_the_longest_accepted_target_has_a_deadline_from_any_start_before_the_horizon(
    calendar: BusinessCalendar, start: datetime
) -> None:
    longest = min(room(calendar), TEN_YEARS)
    assert calendar.add(start, longest) <= HORIZON_END


def desk_at(created: datetime) -> tuple[Desk, FrozenClock, str]:
    clock = FrozenClock(created)
    targets = SlaTargets(first_response=TEN_YEARS, resolution=TEN_YEARS)
    policy = SlaPolicy.by_priority({"P2": targets}, calendar=TWO_HOURS_A_WEEK)
    desk = Desk(InMemoryTicketStore(), clock=clock, sla=policy)
    ticket = desk.submit(
        NewTicket(subject="Parcel late", requester=Requester("alice@example.com"), priority="P2"),
        actor=Actor.customer("alice@example.com"),
    )
    return desk, clock, ticket.id


def test_a_transition_with_the_clock_at_the_end_of_time_takes_no_time() -> None:
    desk, clock, ticket_id = desk_at(datetime(2025, 6, 2, 9, tzinfo=UTC))
    clock.set(LATEST)
    gc.disable()  # the code is timed, not a collection of what the test session left
    try:
        began = time.perf_counter()
        desk.transition(ticket_id, TicketStatus.TRIAGED, actor=Actor.agent("bob"))
        state = desk.sla_state(ticket_id)
        elapsed = time.perf_counter() - began
    finally:
        gc.enable()
    # It took 77 s when every chunk to the end of time was built.
    assert elapsed < 0.5, f"{elapsed * 1000:.1f} ms"
    assert state.breached


def test_past_the_horizon_an_sla_reading_fails_with_a_ticketflow_error_only() -> None:
    desk, _, ticket_id = desk_at(LATEST - timedelta(days=1))
    # Ten years of a two-hour week cannot elapse in the last day Python can represent.
    with pytest.raises(TicketflowError):
        desk.sla_state(ticket_id)
