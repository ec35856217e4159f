"""How reading is typed, as a user writes it: mypy --strict checks this file.

``assert_type`` fails the type check when an overload regresses; the runtime assertions keep
each test able to fail under pytest as well.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, assert_type

from ticketflow import (
    Actor,
    Requester,
    Ticket,
    TicketEvent,
    from_json,
    from_primitive,
    to_json,
    to_primitive,
)

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
TICKET = Ticket(
    id="T1",
    number=1,
    subject="Parcel late",
    requester=Requester("a@example.com"),
    created_at=AT,
    updated_at=AT,
)


def test_reading_json_as_a_class_is_typed_as_that_class() -> None:
    ticket = from_json(to_json(TICKET), Ticket)
    assert_type(ticket, Ticket)
    assert ticket == TICKET


def test_reading_bytes_is_typed_like_reading_text() -> None:
    ticket = from_json(to_json(TICKET).encode(), Ticket)
    assert_type(ticket, Ticket)
    assert ticket == TICKET


def test_reading_primitives_as_a_class_is_typed_as_that_class() -> None:
    actor = from_primitive({"role": "agent", "id": "bob"}, Actor)
    assert_type(actor, Actor)
    assert actor == Actor.agent("bob")


def test_reading_a_generic_alias_is_typed_as_the_alias() -> None:
    tickets = from_primitive([to_primitive(TICKET)], list[Ticket])
    assert_type(tickets, list[Ticket])
    assert tickets == [TICKET]


def test_reading_a_union_alias_is_typed_any_so_it_can_be_annotated() -> None:
    text = '{"type": "commented", "ticket_id": "T1", "version": 2, "at": "2026-03-02T09:00:00Z",'
    text += ' "actor": {"role": "agent", "id": "bob"}, "comment_id": "c1", "body": "hi",'
    text += ' "public": true}'
    event = from_json(text, TicketEvent)
    assert_type(event, Any)
    annotated: TicketEvent = event
    assert annotated.version == 2


def test_the_result_of_a_class_is_not_any() -> None:
    # If the overload fell back to Any, this ignore would be unused: an error under --strict.
    actor: Actor = from_json(to_json(TICKET), Ticket)  # type: ignore[assignment]
    assert isinstance(actor, Ticket)
