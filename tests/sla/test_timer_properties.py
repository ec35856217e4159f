"""Laws of journal-derived SLA clocks, for random histories."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from ticketflow import TicketEvent
from ticketflow.sla import BusinessCalendar, ClockState, SlaPolicy, SlaRule, SlaTargets, sla_state
from ticketflow.testing import histories

OFFICE = BusinessCalendar.weekly(
    tz="America/New_York",
    hours={"mon-fri": ["09:00-12:00", "13:00-17:00"], "sat": ["22:00-04:00"]},
)
POLICY = SlaPolicy(
    [
        SlaRule(
            name="everyone",
            calendar=OFFICE,
            targets=SlaTargets(
                first_response=timedelta(hours=2),
                next_response=timedelta(hours=3),
                resolution=timedelta(hours=9),
            ),
        )
    ]
)
offsets = st.timedeltas(timedelta(0), timedelta(days=20))


@given(histories(max_events=12), offsets)
def test_breached_exactly_when_elapsed_reaches_the_target(
    journal: list[TicketEvent], offset: timedelta
) -> None:
    as_of = journal[-1].at + offset
    for clock in sla_state(journal, POLICY, as_of=as_of).clocks:
        assert clock.remaining == clock.target - clock.elapsed
        assert clock.breached == (clock.elapsed >= clock.target)
        if clock.deadline is not None and clock.state is not ClockState.RUNNING:
            assert clock.breached


@given(histories(max_events=12), offsets, offsets)
def test_elapsed_never_decreases_and_never_exceeds_business_time(
    journal: list[TicketEvent], first: timedelta, second: timedelta
) -> None:
    start = journal[0].at
    early, late = sorted((journal[-1].at + first, journal[-1].at + second))
    before = sla_state(journal, POLICY, as_of=early)
    after = sla_state(journal, POLICY, as_of=late)
    for clock in before.clocks:
        later = after.reading(clock.metric, clock.cycle)
        assert later is not None
        assert later.elapsed >= clock.elapsed
        assert clock.elapsed <= OFFICE.between(start, early)


@given(histories(max_events=12), offsets)
def test_due_alerts_are_reached_and_next_due_is_the_earliest(
    journal: list[TicketEvent], offset: timedelta
) -> None:
    as_of = journal[-1].at + offset
    state = sla_state(journal, POLICY, as_of=as_of)
    assert all(alert.due_at <= as_of for alert in state.alerts_due)
    if state.alerts_due:
        assert state.next_due_at == min(alert.due_at for alert in state.alerts_due)
    elif state.next_due_at is not None:
        assert state.next_due_at > as_of


@given(histories(max_events=12), offsets)
def test_a_running_deadline_leaves_exactly_the_remaining_business_time(
    journal: list[TicketEvent], offset: timedelta
) -> None:
    as_of = journal[-1].at + offset
    for clock in sla_state(journal, POLICY, as_of=as_of).clocks:
        if clock.state is ClockState.RUNNING and not clock.breached:
            assert clock.deadline is not None
            assert OFFICE.between(as_of, clock.deadline) == clock.remaining
