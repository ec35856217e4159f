"""SLA clocks derived from the journal, through the Desk, with pinned examples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from _walk import walk
from ticketflow import (
    Actor,
    Desk,
    NewTicket,
    Requester,
    SlaMetric,
    TicketStatus,
    from_json,
    to_json,
)
from ticketflow.exceptions import ConfigurationError, InvalidValueError
from ticketflow.sla import (
    BusinessCalendar,
    ClockReading,
    ClockState,
    SlaPolicy,
    SlaState,
    SlaTargets,
    sla_state,
)
from ticketflow.storage import InMemoryTicketStore
from ticketflow.testing import FrozenClock

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = BusinessCalendar.weekly(tz="Europe/Berlin", hours={"mon-fri": ["09:00-17:00"]})
ALICE = Actor.customer("alice@example.com")
BOB = Actor.agent("bob")
S = TicketStatus
R = SlaMetric.RESOLUTION


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2026 (the 2nd is a Monday, the 6th a Friday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=BERLIN)


def make_desk(start: datetime, **targets: timedelta) -> tuple[Desk, FrozenClock, str]:
    clock = FrozenClock(start)
    policy = SlaPolicy.by_priority(
        {"P2": SlaTargets(**targets) if targets else timedelta(hours=4)}, calendar=OFFICE
    )
    desk = Desk(InMemoryTicketStore(), clock=clock, sla=policy)
    ticket = desk.submit(
        NewTicket(subject="Parcel late", requester=Requester("alice@example.com"), priority="P2"),
        actor=ALICE,
    )
    return desk, clock, ticket.id


def move(desk: Desk, clock: FrozenClock, ticket_id: str, at: datetime, *path: str) -> None:
    clock.set(at)
    walk(desk, ticket_id, *path, actor=BOB)


def test_friday_1630_with_four_business_hours_is_due_monday_1230() -> None:
    desk, _, ticket_id = make_desk(berlin(6, 16, 30))
    reading = desk.sla_state(ticket_id).reading(R)
    assert reading is not None
    assert reading.deadline == berlin(9, 12, 30)
    assert reading.state is ClockState.RUNNING


def test_pending_time_is_excluded_from_the_resolution_clock() -> None:
    desk, clock, ticket_id = make_desk(berlin(2, 9))
    move(desk, clock, ticket_id, berlin(2, 10), S.TRIAGED, S.IN_PROGRESS, S.PENDING_CUSTOMER)
    paused = desk.sla_state(ticket_id, as_of=berlin(3, 15)).reading(R)
    assert paused is not None
    assert (paused.state, paused.elapsed, paused.deadline) == (
        ClockState.PAUSED,
        timedelta(hours=1),
        None,
    )
    move(desk, clock, ticket_id, berlin(4, 9), S.IN_PROGRESS)
    resumed = desk.sla_state(ticket_id).reading(R)
    assert resumed is not None
    assert resumed.deadline == berlin(4, 12)
    assert resumed.remaining == timedelta(hours=3)


def test_a_reopened_ticket_resumes_with_its_remaining_time() -> None:
    desk, clock, ticket_id = make_desk(berlin(2, 9))
    move(desk, clock, ticket_id, berlin(2, 11), S.TRIAGED, S.IN_PROGRESS, S.RESOLVED)
    resolved = desk.sla_state(ticket_id, as_of=berlin(5, 9)).reading(R)
    assert resolved is not None
    assert (resolved.state, resolved.met_at, resolved.breached) == (
        ClockState.MET,
        berlin(2, 11),
        False,
    )
    move(desk, clock, ticket_id, berlin(5, 9), S.IN_PROGRESS)
    reopened = desk.sla_state(ticket_id).reading(R)
    assert reopened is not None
    assert not reopened.breached, "not an instant breach"
    assert reopened.deadline == berlin(5, 11), "the 2 hours left, not a fresh 4"
    assert desk.get(ticket_id).reopen_count == 1


def test_first_response_is_met_by_a_public_agent_reply_only() -> None:
    desk, clock, ticket_id = make_desk(berlin(2, 9), first_response=timedelta(hours=1))
    clock.set(berlin(2, 9, 10))
    desk.comment(ticket_id, "internal note", actor=BOB, public=False)
    desk.comment(ticket_id, "me again", actor=ALICE)
    assert desk.sla_state(ticket_id).reading(SlaMetric.FIRST_RESPONSE).state is ClockState.RUNNING  # type: ignore[union-attr]
    clock.set(berlin(2, 9, 40))
    desk.comment(ticket_id, "Looking into it", actor=BOB)
    reading = desk.sla_state(ticket_id).reading(SlaMetric.FIRST_RESPONSE)
    assert reading is not None
    assert (reading.state, reading.met_at, reading.elapsed) == (
        ClockState.MET,
        berlin(2, 9, 40),
        timedelta(minutes=40),
    )


def test_next_response_runs_from_the_oldest_unanswered_customer_message() -> None:
    desk, clock, ticket_id = make_desk(
        berlin(2, 9), first_response=timedelta(hours=1), next_response=timedelta(hours=2)
    )
    clock.set(berlin(2, 9, 30))
    desk.comment(ticket_id, "On it", actor=BOB)
    for minute in (0, 30):
        clock.set(berlin(2, 10, minute))
        desk.comment(ticket_id, "any news?", actor=ALICE)
    waiting = desk.sla_state(ticket_id).reading(SlaMetric.NEXT_RESPONSE)
    assert waiting is not None
    assert (waiting.cycle, waiting.started_at, waiting.deadline) == (
        0,
        berlin(2, 10),
        berlin(2, 12),
    )
    clock.set(berlin(2, 11))
    desk.comment(ticket_id, "Shipped", actor=BOB)
    clock.set(berlin(2, 15))
    desk.comment(ticket_id, "Not here", actor=ALICE)
    second = desk.sla_state(ticket_id).reading(SlaMetric.NEXT_RESPONSE)
    assert second is not None
    assert (second.cycle, second.deadline) == (1, berlin(2, 17))
    first = desk.sla_state(ticket_id).reading(SlaMetric.NEXT_RESPONSE, 0)
    assert first is not None
    assert first.state is ClockState.MET


def test_a_priority_change_recomputes_without_drift() -> None:
    clock = FrozenClock(berlin(2, 9))
    policy = SlaPolicy.by_priority(
        {"P1": timedelta(hours=2), "P3": timedelta(hours=8)}, calendar=OFFICE
    )
    desk = Desk(InMemoryTicketStore(), clock=clock, sla=policy)
    ticket = desk.submit(
        NewTicket(subject="s", requester=Requester("alice@example.com"), priority="P3"),
        actor=ALICE,
    )
    move(desk, clock, ticket.id, berlin(2, 10), S.TRIAGED, S.IN_PROGRESS, S.PENDING_CUSTOMER)
    move(desk, clock, ticket.id, berlin(2, 14), S.IN_PROGRESS)
    assert desk.sla_state(ticket.id).reading(R).deadline == berlin(3, 13)  # type: ignore[union-attr]
    from ticketflow import TicketPrioritized  # noqa: PLC0415

    before = desk.get(ticket.id)
    event = TicketPrioritized(
        ticket_id=before.id,
        version=before.version + 1,
        at=clock.now(),
        actor=BOB,
        priority="P1",
        impact=None,
        urgency=None,
    )
    journal = [*desk.history(ticket.id), event]
    reading = sla_state(journal, policy, as_of=berlin(2, 14)).reading(R)
    assert reading is not None
    assert reading.elapsed == timedelta(hours=1), "the 4 pending hours stay excluded"
    assert reading.deadline == berlin(2, 15)


def test_state_as_of_an_instant_ignores_later_events() -> None:
    desk, clock, ticket_id = make_desk(berlin(2, 9))
    move(desk, clock, ticket_id, berlin(2, 10), S.TRIAGED, S.IN_PROGRESS, S.PENDING_CUSTOMER)
    journal = list(desk.history(ticket_id))
    earlier = [e for e in journal if e.at <= berlin(2, 9, 30)]
    policy = desk.sla
    assert policy is not None
    assert sla_state(journal, policy, as_of=berlin(2, 9, 30)) == sla_state(
        earlier, policy, as_of=berlin(2, 9, 30)
    )


def test_a_ticket_no_rule_covers_has_no_clocks() -> None:
    desk, _, _ = make_desk(berlin(2, 9))
    other = desk.submit(
        NewTicket(subject="s", requester=Requester("a@example.com"), priority="P9"), actor=BOB
    )
    state = desk.sla_state(other.id)
    assert (state.rule, state.clocks, state.next_due_at, state.breached) == (None, (), None, False)
    assert "no SLA rule applies" in desk.explain_sla(other.id)


def test_a_desk_without_policy_refuses_sla_calls() -> None:
    desk = Desk(InMemoryTicketStore())
    with pytest.raises(ConfigurationError, match="no SLA policy"):
        desk.tick()


def reading_arguments() -> dict[str, object]:
    at = datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("UTC"))
    return {
        "metric": R,
        "cycle": 0,
        "state": ClockState.RUNNING,
        "target": timedelta(hours=1),
        "started_at": at,
        "elapsed": timedelta(0),
        "remaining": timedelta(hours=1),
        "deadline": at + timedelta(hours=1),
        "breached": False,
        "met_at": None,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("metric", "speed"),
        ("cycle", -1),
        ("state", None),
        ("target", 3600),
        ("started_at", datetime(2026, 3, 2, 9)),  # noqa: DTZ001 - naive on purpose
        ("deadline", "soon"),
        ("breached", "no"),
        ("met_at", 0),
    ],
)
def test_a_clock_reading_refuses_a_value_out_of_its_domain(field: str, value: object) -> None:
    with pytest.raises(InvalidValueError) as raised:
        ClockReading(**{**reading_arguments(), field: value})  # type: ignore[arg-type]
    assert raised.value.field == field


def test_a_clock_reading_read_from_json_holds_members_and_utc() -> None:
    arguments = {**reading_arguments(), "started_at": berlin(2, 10)}
    reading = from_json(to_json(ClockReading(**arguments)), ClockReading)  # type: ignore[arg-type]
    assert reading.metric is R
    assert reading.state is ClockState.RUNNING
    assert reading.started_at == berlin(2, 10)
    assert reading.started_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("field", "value"),
    [("as_of", None), ("rule", "P1"), ("clocks", [None]), ("alerts_due", (1,))],
)
def test_an_sla_state_refuses_a_value_out_of_its_domain(field: str, value: object) -> None:
    arguments: dict[str, object] = {
        "as_of": berlin(2, 10),
        "rule": None,
        "clocks": (),
        "alerts_due": (),
        "next_due_at": None,
    }
    with pytest.raises(InvalidValueError) as raised:
        SlaState(**{**arguments, field: value})  # type: ignore[arg-type]
    assert raised.value.field.startswith(field)
