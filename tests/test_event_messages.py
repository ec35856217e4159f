"""The message announcing an event is built without a second check: it must pass that check.

``event_message`` skips the payload's JSON round trip (a cost on every command) because the
payload is the primitives of an event that checked itself; this holds it to the checked path.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ticketflow import CommentAdded, TicketEvent, from_json, to_json, to_primitive
from ticketflow._draft import event_message
from ticketflow.storage import OutboxMessage
from ticketflow.testing import events


@given(event=events(), message_id=st.uuids().map(str))
def test_an_event_s_message_is_the_one_the_checked_constructor_builds(
    event: TicketEvent, message_id: str
) -> None:
    message = event_message(event, message_id)
    internal = type(event) is CommentAdded and not event.public
    checked = OutboxMessage(
        id=message_id,
        topic="ticket.internal_comment" if internal else f"ticket.{event.type}",
        payload=to_primitive(event),
        ticket_id=event.ticket_id,
        created_at=event.at,
    )
    assert message == checked
    assert from_json(to_json(message), OutboxMessage) == message
