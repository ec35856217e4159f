"""The Desk's two seams: decide-and-commit (execute + Draft) and work that comes due (DueWork)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from ticketflow import (
    Actor,
    Desk,
    Draft,
    DueWork,
    LinkKind,
    NewTicket,
    Requester,
    Ticket,
    TicketCategorized,
    TicketCreated,
    TicketEvent,
    TicketKind,
    TicketStatus,
    TicketTagged,
)
from ticketflow.exceptions import (
    AccessDeniedError,
    InvalidTransitionError,
    InvalidValueError,
    TicketNotFoundError,
)
from ticketflow.storage import InMemoryTicketStore
from ticketflow.testing import FrozenClock

ALICE = Actor.customer("alice@example.com")
BOB = Actor.agent("bob")
BOT = Actor.system("bot")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def desk(clock: FrozenClock) -> Desk:
    counter = itertools.count(1)
    return Desk(InMemoryTicketStore(), clock=clock, ids=lambda: f"id{next(counter)}")


def submit(desk: Desk, **changes: object) -> Ticket:
    values: dict[str, object] = {
        "subject": "Parcel late",
        "requester": Requester("alice@example.com"),
    }
    values.update(changes)
    return desk.submit(NewTicket(**values), actor=BOB)  # type: ignore[arg-type]


def test_a_decision_commits_its_events_and_messages_in_one_change(desk: Desk) -> None:
    ticket = submit(desk)

    def triage(draft: Draft) -> None:
        draft.record(TicketCategorized, category="delivery/late")
        draft.transition(TicketStatus.TRIAGED, reason="rules matched")
        draft.emit("triage.explained", {"rule": "late parcels"})

    after = desk.execute(ticket.id, triage, actor=BOB, command="triage")
    assert (after.category, after.status, after.version) == ("delivery/late", "triaged", 3)
    assert [e.type for e in desk.history(ticket.id)] == ["created", "categorized", "transitioned"]
    topics = [
        m.message.topic
        for m in desk.store.claim_outbox(
            worker="w", now=after.updated_at, lease=timedelta(minutes=1), limit=10
        )
    ]
    assert "triage.explained" in topics


def test_a_decision_that_raises_writes_nothing(desk: Desk) -> None:
    ticket = submit(desk)

    def half_done(draft: Draft) -> None:
        draft.record(TicketCategorized, category="delivery/late")
        draft.transition(TicketStatus.CLOSED)  # not an edge from new

    with pytest.raises(InvalidTransitionError):
        desk.execute(ticket.id, half_done, actor=BOB, command="triage")
    assert desk.get(ticket.id) == ticket
    assert len(desk.history(ticket.id)) == 1


def test_a_decision_that_records_nothing_commits_nothing(desk: Desk) -> None:
    ticket = submit(desk)
    assert desk.execute(ticket.id, lambda _: None, actor=BOB, command="triage") == ticket


def test_status_changes_go_through_the_guard_not_record(desk: Desk) -> None:
    ticket = submit(desk)
    for event_type in (TicketCreated, "transitioned"):
        with pytest.raises(InvalidValueError):
            desk.execute(
                ticket.id,
                lambda draft, t=event_type: draft.record(t),  # type: ignore[misc]
                actor=BOB,
                command="x",
            )


def test_a_draft_stamps_the_header_itself(desk: Desk) -> None:
    ticket = submit(desk)
    with pytest.raises(InvalidValueError, match="stamps"):
        desk.execute(
            ticket.id,
            lambda d: d.record(TicketCategorized, category="x", version=99),
            actor=BOB,
            command="x",
        )


def test_capability_commands_are_for_staff_unless_granted(clock: FrozenClock) -> None:
    desk = Desk(InMemoryTicketStore(), clock=clock, roles={"rate": ["customer"]})
    ticket = desk.submit(
        NewTicket(subject="s", requester=Requester("alice@example.com")), actor=ALICE
    )
    with pytest.raises(AccessDeniedError) as caught:
        desk.execute(ticket.id, lambda _: None, actor=ALICE, command="triage")
    assert (caught.value.code, caught.value.role) == ("access_denied", "customer")
    desk.execute(
        ticket.id, lambda d: d.record(TicketTagged, added={"rated"}), actor=ALICE, command="rate"
    )
    other = Actor.customer("mallory@example.com")
    with pytest.raises(TicketNotFoundError):
        desk.execute(ticket.id, lambda _: None, actor=other, command="rate")


class _Reminder:
    """A due-work kind: tag a ticket 'stale' once it sat untouched for a day."""

    name = "reminder"
    actor = Actor.system("reminder")

    def next_due(self, ticket: Ticket, history: Sequence[TicketEvent]) -> datetime | None:  # noqa: ARG002
        return None if "stale" in ticket.tags else ticket.updated_at + timedelta(days=1)

    def run(self, draft: Draft, now: datetime) -> Sequence[str]:
        if "stale" not in draft.ticket.tags and now >= draft.ticket.updated_at + timedelta(days=1):
            draft.record(TicketTagged, added={"stale"})
        return ()


def test_work_that_comes_due_runs_once_through_tick(clock: FrozenClock) -> None:
    reminder = _Reminder()
    assert isinstance(reminder, DueWork)
    desk = Desk(InMemoryTicketStore(), clock=clock, due=[reminder])
    ticket = submit(desk)
    assert desk.tick(clock.now() + timedelta(hours=23)).tickets == 0
    report = desk.tick(clock.now() + timedelta(days=2))
    assert (report.tickets, dict(report.recorded)) == (1, {"tagged": 1})
    assert desk.get(ticket.id).tags == {"stale"}
    assert desk.history(ticket.id)[-1].actor == reminder.actor
    assert desk.tick(clock.now() + timedelta(days=3)).tickets == 0, "done, so no longer due"


def test_internal_comments_have_their_own_outbox_topic(desk: Desk) -> None:
    ticket = submit(desk)
    desk.comment(ticket.id, "public", actor=BOB)
    desk.comment(ticket.id, "margin is thin", actor=BOB, public=False)
    leased = desk.store.claim_outbox(
        worker="w", now=desk.clock.now(), lease=timedelta(minutes=1), limit=10
    )
    topics = [m.message.topic for m in leased]
    assert topics.count("ticket.commented") == 1
    assert topics.count("ticket.internal_comment") == 1


def test_agents_categorize_prioritize_and_tag_by_hand(desk: Desk) -> None:
    ticket = submit(desk)
    desk.categorize(ticket.id, "delivery/late", actor=BOB)
    desk.prioritize(ticket.id, "P2", impact=3, urgency=4, actor=BOB)
    desk.tag(ticket.id, add={"vip", "carrier"}, actor=BOB)
    after = desk.tag(ticket.id, add={"vip"}, remove={"carrier"}, actor=BOB)
    assert (after.category, after.priority, after.impact, after.urgency) == (
        "delivery/late",
        "P2",
        3,
        4,
    )
    assert after.tags == {"vip"}
    assert desk.tag(ticket.id, add={"vip"}, actor=BOB) == after, (
        "nothing to change: nothing written"
    )
    with pytest.raises(AccessDeniedError):
        desk.categorize(ticket.id, "billing", actor=ALICE)


def test_links_point_to_existing_tickets_of_the_right_kind(desk: Desk) -> None:
    incident, other = submit(desk), submit(desk)
    problem = submit(desk, kind=TicketKind.PROBLEM)
    desk.link(incident.id, LinkKind.PROBLEM, problem.id, actor=BOB)
    with pytest.raises(InvalidValueError, match="problem"):
        desk.link(incident.id, "problem", other.id, actor=BOB)
    with pytest.raises(TicketNotFoundError):
        desk.link(incident.id, "follow_up_of", "nope", actor=BOB)
    desk.link(other.id, "duplicate_of", incident.id, actor=BOB)
    with pytest.raises(InvalidValueError, match="duplicate itself"):
        desk.link(problem.id, "duplicate_of", other.id, actor=BOB)
    with pytest.raises(InvalidValueError, match="itself"):
        desk.link(incident.id, "duplicate_of", incident.id, actor=BOB)
    assert desk.get(incident.id).links.problem == problem.id
    assert desk.link(incident.id, "problem", None, actor=BOB).links.problem is None


def test_a_customer_who_may_not_link_learns_nothing_about_the_target(desk: Desk) -> None:
    ticket = desk.submit(
        NewTicket(subject="s", requester=Requester("alice@example.com")), actor=ALICE
    )
    other = submit(desk)
    for target in (other.id, "no-such-ticket"):
        with pytest.raises(AccessDeniedError):
            desk.link(ticket.id, "duplicate_of", target, actor=ALICE)


def test_commands_that_change_nothing_record_nothing(desk: Desk) -> None:
    ticket = desk.assign(submit(desk).id, queue="l1", actor=BOB)
    assert desk.assign(ticket.id, actor=BOB) == ticket
    assert desk.assign(ticket.id, queue="l1", actor=BOB) == ticket
    ticket = desk.categorize(ticket.id, "delivery", actor=BOB)
    assert desk.categorize(ticket.id, "delivery", actor=BOB) == ticket
    ticket = desk.prioritize(ticket.id, "P2", actor=BOB)
    assert desk.prioritize(ticket.id, "P2", actor=BOB) == ticket
    assert desk.link(ticket.id, "problem", None, actor=BOB) == ticket
