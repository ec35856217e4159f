"""A store written by the release with schema version 1, and how it was written.

``schema_v1.sqlite3`` beside this file was made by running this module with that release's
code (``PYTHONPATH=<checkout>/src python tests/storage/_schema_v1_fixture.py <file>``). The
migration test replays :func:`populate` on an in-memory store and expects the migrated file
to answer exactly alike.
"""

from __future__ import annotations

import itertools
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ticketflow import Actor, Desk, NewTicket, Requester
from ticketflow import TicketStatus as S
from ticketflow.storage import TicketStore

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
AGENT = Actor.agent("bob")
CUSTOMER = Actor.customer("alice@example.com")
LEASE = timedelta(minutes=5)
LATER = AT + timedelta(days=1)
FIXTURE = Path(__file__).with_name("schema_v1.sqlite3")


class _Clock:
    def __init__(self) -> None:
        self._now = AT

    def now(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now


def populate(store: TicketStore, *, prefix: str = "id") -> None:
    """Three tickets, a dozen events, a host's own message, and a half-drained outbox."""
    counter = itertools.count()
    desk = Desk(store, clock=_Clock(), ids=lambda: f"{prefix}{next(counter):04d}")
    first = desk.submit(
        NewTicket(
            subject="Parcel 42 late",
            description="Ordered a week ago.",
            requester=Requester("alice@example.com", name="Alice"),
            queue="logistics",
            tags=frozenset({"parcel"}),
            fields={"carrier": "ACME", "kg": 2.5, "fragile": True, "count": 3},
        ),
        actor=AGENT,
    )
    second = desk.submit(
        NewTicket(subject="Invoice wrong", requester=Requester("bob@example.org")),
        actor=AGENT,
    )
    desk.submit(
        NewTicket(subject="Password reset", requester=Requester("alice@example.com")),
        actor=CUSTOMER,
    )
    desk.transition(first.id, S.TRIAGED, actor=AGENT, reason="looked at it")
    desk.assign(first.id, queue="carriers", assignee="dana", actor=AGENT)
    desk.comment(first.id, "We asked the carrier.", actor=AGENT)
    desk.comment(first.id, "Carrier is slow again.", actor=AGENT, public=False)
    desk.set_fields(first.id, {"kg": None, "count": 4}, actor=AGENT)
    desk.transition(second.id, S.TRIAGED, actor=AGENT)
    desk.execute(
        second.id,
        lambda draft: draft.emit("billing.credit", {"amount": 12.5, "lines": [1, 2]}),
        actor=AGENT,
        command="comment",
    )
    claimed = store.claim_outbox(worker="w", now=LATER, lease=LEASE, limit=3)
    store.ack_outbox(claimed[0])
    store.ack_outbox(claimed[1])
    store.retry_outbox(claimed[2], not_before=LATER + timedelta(hours=1))
    store.claim_outbox(worker="w", now=LATER, lease=LEASE, limit=2)  # left leased


if __name__ == "__main__":
    from ticketflow.storage import SQLiteTicketStore

    with SQLiteTicketStore(sys.argv[1]) as written:
        populate(written)
