from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypedDict

import pytest
from hypothesis import given

from ticketflow import (
    DEFAULT_WORKFLOW,
    Actor,
    CommentAdded,
    FieldsChanged,
    NewTicket,
    Requester,
    TicketCategorized,
    TicketCreated,
    TicketEvent,
    TicketPrioritized,
    TicketTagged,
    TicketTransitioned,
    apply,
    replay,
    transition,
)
from ticketflow.exceptions import JournalError
from ticketflow.testing import histories

AT = datetime(2026, 3, 2, 10, tzinfo=UTC)


class Common(TypedDict):
    ticket_id: str
    at: datetime
    actor: Actor


BOB = Actor.agent("bob")


def created() -> TicketCreated:
    _, event = DEFAULT_WORKFLOW.create(
        NewTicket(subject="s", requester=Requester("a@example.com"), tags={"old"}),
        id="T-1",
        number=1,
        actor=Actor.customer("a@example.com"),
        at=AT,
    )
    return event


@given(histories())
def test_replaying_a_journal_reproduces_every_intermediate_ticket(
    journal: list[TicketEvent],
) -> None:
    ticket = None
    for index, event in enumerate(journal):
        ticket = apply(ticket, event)
        assert ticket.version == index + 1
        assert replay(journal[: index + 1]) == ticket
        assert ticket.updated_at == event.at


def test_each_event_kind_changes_what_it_names() -> None:
    ticket = apply(None, created())
    common = Common(ticket_id="T-1", at=AT, actor=BOB)
    ticket = apply(ticket, TicketCategorized(version=2, category="shipping", **common))
    ticket = apply(
        ticket, TicketPrioritized(version=3, priority="P2", impact=3, urgency=4, **common)
    )
    ticket = apply(
        ticket,
        TicketTagged(version=4, added=frozenset({"vip"}), removed=frozenset({"old"}), **common),
    )
    ticket = apply(ticket, FieldsChanged(version=5, changes={"carrier": "ACME"}, **common))
    ticket = apply(
        ticket, CommentAdded(version=6, comment_id="c1", body="hi", public=True, **common)
    )
    assert (ticket.category, ticket.priority, ticket.impact, ticket.urgency) == (
        "shipping",
        "P2",
        3,
        4,
    )
    assert ticket.tags == {"vip"}
    assert ticket.fields == {"carrier": "ACME"}
    assert ticket.version == 6


def test_creation_of_an_existing_ticket_is_refused() -> None:
    ticket = apply(None, created())
    with pytest.raises(JournalError, match="exists already"):
        apply(ticket, created())


def test_a_journal_must_start_with_created() -> None:
    event = TicketCategorized(ticket_id="T-1", version=2, at=AT, actor=BOB, category="x")
    with pytest.raises(JournalError, match="must start with created"):
        apply(None, event)


def test_an_empty_journal_is_refused() -> None:
    with pytest.raises(JournalError, match="empty journal"):
        replay([])


def test_an_event_for_another_ticket_is_refused() -> None:
    ticket = apply(None, created())
    event = TicketCategorized(ticket_id="T-2", version=2, at=AT, actor=BOB, category="x")
    with pytest.raises(JournalError, match="not for ticket T-1"):
        apply(ticket, event)


@pytest.mark.parametrize("version", [1, 3])
def test_an_event_out_of_sequence_is_refused(version: int) -> None:
    ticket = apply(None, created())
    event = TicketCategorized(ticket_id="T-1", version=version, at=AT, actor=BOB, category="x")
    with pytest.raises(JournalError, match="at version 1") as caught:
        apply(ticket, event)
    assert caught.value.code == "invalid_journal"


def test_a_transition_from_another_status_is_refused() -> None:
    ticket = apply(None, created())
    event = TicketTransitioned(
        ticket_id="T-1", version=2, at=AT, actor=BOB, source="triaged", target="in_progress"
    )
    with pytest.raises(JournalError, match="the ticket is new"):
        apply(ticket, event)


def test_a_creation_must_carry_version_one_of_its_own_ticket() -> None:
    event = created()
    bad = TicketCreated(ticket_id="T-9", version=1, at=AT, actor=BOB, ticket=event.ticket)
    with pytest.raises(JournalError, match="version 1 of its own ticket"):
        apply(None, bad)


def test_a_journal_never_goes_back_in_time() -> None:
    ticket = apply(None, created())
    earlier = AT - timedelta(seconds=1)
    event = TicketCategorized(ticket_id="T-1", version=2, at=earlier, actor=BOB, category="x")
    with pytest.raises(JournalError, match="never goes backward"):
        apply(ticket, event)
    with pytest.raises(JournalError, match="never goes backward"):
        transition(ticket, "triaged", actor=BOB, at=earlier)
