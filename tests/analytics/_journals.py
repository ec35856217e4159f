"""Writing hand-made journals straight to a store, for analytics to read through the feed.

Each event is built with the next version and applied by the one reducer, so what is
committed is a history the store and every reader accept; a journal commits what it has not
committed yet, in one change, so a test can commit part of a history, read, and go on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ticketflow import Actor, Requester, Ticket
from ticketflow._events import (
    CommentAdded,
    CsatRecorded,
    FieldsChanged,
    SlaBreached,
    SlaMetric,
    TicketAssigned,
    TicketCreated,
    TicketEvent,
    TicketTransitioned,
)
from ticketflow._journal import apply
from ticketflow.storage import Change, TicketStore

AGENT = Actor.agent("bob")
CUSTOMER = Actor.customer("ann@example.com")
SYSTEM = Actor.system()


class TicketJournal:
    """One ticket's journal, written event by event."""

    def __init__(
        self,
        ticket_id: str,
        at: datetime,
        *,
        number: int,
        subject: str = "Parcel late",
        **snapshot: Any,
    ) -> None:
        ticket = Ticket(
            id=ticket_id,
            number=number,
            subject=subject,
            requester=Requester("ann@example.com", external=True),
            created_at=at,
            updated_at=at,
            **snapshot,
        )
        self.ticket = ticket
        self.events: list[TicketEvent] = [
            TicketCreated(ticket_id=ticket_id, version=1, at=at, actor=CUSTOMER, ticket=ticket)
        ]
        self.committed = 0

    def add(
        self, kind: type[TicketEvent], at: datetime, actor: Actor = AGENT, **fields: Any
    ) -> TicketJournal:
        """Append an event of ``kind`` at ``at``."""
        event = kind(
            ticket_id=self.ticket.id, version=self.ticket.version + 1, at=at, actor=actor, **fields
        )
        self.ticket = apply(self.ticket, event)
        self.events.append(event)
        return self

    def move(self, target: str, at: datetime, *, reopen: bool = False) -> TicketJournal:
        """Move to ``target``."""
        source = self.ticket.status
        return self.add(TicketTransitioned, at, source=source, target=target, reopen=reopen)

    def walk(self, at: datetime, *targets: str) -> TicketJournal:
        """Move through ``targets`` at one instant."""
        for target in targets:
            self.move(target, at)
        return self

    def comment(self, at: datetime, *, actor: Actor = AGENT, public: bool = True) -> TicketJournal:
        """Add a comment by ``actor``."""
        number = len(self.events)
        return self.add(
            CommentAdded, at, actor, comment_id=f"c{number}", body="Noted.", public=public
        )

    def breach(self, at: datetime, metric: SlaMetric, cycle: int = 0) -> TicketJournal:
        """Record an SLA breach of ``metric``."""
        return self.add(SlaBreached, at, SYSTEM, metric=metric, cycle=cycle, due_at=at)

    def csat(self, at: datetime, score: int) -> TicketJournal:
        """Record a CSAT answer."""
        number = len(self.events)
        return self.add(CsatRecorded, at, CUSTOMER, score=score, response_id=f"r{number}")

    def fields(self, at: datetime, **changes: Any) -> TicketJournal:
        """Set (or with ``None`` remove) structured fields."""
        return self.add(FieldsChanged, at, changes=changes)

    def assign(self, at: datetime, queue: str | None, assignee: str | None) -> TicketJournal:
        """Set the queue and assignee."""
        return self.add(TicketAssigned, at, queue=queue, assignee=assignee)

    def commit(self, store: TicketStore) -> None:
        """Commit the events not committed yet, in one change."""
        new = tuple(self.events[self.committed :])
        if new:
            store.commit(Change(ticket=self.ticket, events=new, expected_version=self.committed))
            self.committed = len(self.events)
