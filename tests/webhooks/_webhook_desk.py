"""For the webhook delivery tests: a secret, and a desk whose outbox fills with events."""

from __future__ import annotations

from datetime import UTC, datetime

from ticketflow import Actor, Desk, NewTicket, Requester, Ticket
from ticketflow.storage import TicketStore
from ticketflow.testing import FrozenClock

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105 - a test secret


def submit(store: TicketStore, subject: str = "printer on fire", *, at: datetime = T0) -> Ticket:
    """Create a ticket through a Desk: its outbox gets a ``ticket.created`` message."""
    desk = Desk(store, clock=FrozenClock(at))
    requester = "ann@example.com"
    return desk.submit(
        NewTicket(subject=subject, requester=Requester(requester)),
        actor=Actor.customer(requester),
    )
