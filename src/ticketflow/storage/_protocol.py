"""What a ticket store is: the protocol host applications implement.

A store keeps, per ticket, the current snapshot and its append-only journal; an outbox of
messages for other systems; and an index of the next SLA due time. One :meth:`commit` writes a
ticket's new snapshot, its new events, its outbox messages and its due time together, or
nothing at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import attrs

from .._events import TicketEvent
from .._fields import Fields, FieldValue
from .._ticket import Ticket, to_utc
from ..exceptions import InvalidValueError

__all__ = [
    "Change",
    "DueEntry",
    "LeasedMessage",
    "OutboxMessage",
    "Page",
    "TicketQuery",
    "TicketStore",
]


def _utc_at(value: datetime) -> datetime:
    return to_utc(value, "at")


def check_limit(limit: object) -> None:
    """Raise :class:`InvalidValueError` unless ``limit`` is an integer >= 0."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise InvalidValueError("limit", limit, "must be an integer >= 0")


def check_lease(lease: object) -> None:
    """Raise :class:`InvalidValueError` unless ``lease`` is a positive ``timedelta``.

    A lease of zero would let the next worker claim the same message at once.
    """
    if not isinstance(lease, timedelta) or lease <= timedelta(0):
        raise InvalidValueError("lease", lease, "must be a positive timedelta")


def _mappings_as_dicts(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON-compatible")


def _json_payload(_: object, __: object, value: object) -> None:
    try:
        json.dumps(value, allow_nan=False, default=_mappings_as_dicts)
    except (TypeError, ValueError) as error:
        raise InvalidValueError("payload", value, f"must be JSON-compatible ({error})") from error


@attrs.frozen(kw_only=True)
class OutboxMessage:
    """A message for another system (a webhook, a billing adapter), delivered after commit.

    It is written in the same transaction as the change that caused it.

    Attributes:
        id: Unique; also the idempotency key receivers dedupe on.
        topic: What it is about, e.g. ``ticket.transitioned``.
        payload: JSON-compatible data.
        ticket_id: The ticket it concerns, if any.
        created_at: When it was written (UTC).
    """

    id: str
    topic: str
    payload: Mapping[str, Any] = attrs.field(validator=_json_payload)
    ticket_id: str | None = None
    created_at: datetime = attrs.field(converter=_utc_at)


@attrs.frozen(kw_only=True)
class LeasedMessage:
    """An outbox message held by one worker until ``lease_until``.

    Attributes:
        message: The message.
        lease_token: Proves the lease when acknowledging or postponing.
        lease_until: When the lease lapses and the message may be claimed again.
        attempts: How many times it has been claimed, this claim included.
    """

    message: OutboxMessage
    lease_token: str
    lease_until: datetime
    attempts: int


def _events(value: Iterable[TicketEvent]) -> tuple[TicketEvent, ...]:
    return tuple(value)


def _messages(value: Iterable[OutboxMessage]) -> tuple[OutboxMessage, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Change:
    """One atomic write: a ticket's next snapshot with the events that lead to it.

    A change with no events (``ticket.version == expected_version``) only updates the due
    index, still guarded by the version; its ticket must equal the stored snapshot (nothing
    changes a ticket without a journal entry).

    Attributes:
        ticket: The snapshot after ``events``.
        events: The new journal entries, in order; versions ``expected_version + 1`` onward.
        expected_version: The version the writer read; 0 for a new ticket.
        outbox: Messages to write with it.
        due_at: The ticket's next SLA due instant, or ``None`` if nothing is due.
    """

    ticket: Ticket
    events: tuple[TicketEvent, ...] = attrs.field(converter=_events)
    expected_version: int
    outbox: tuple[OutboxMessage, ...] = attrs.field(default=(), converter=_messages)
    due_at: datetime | None = None

    def __attrs_post_init__(self) -> None:
        versions = [event.version for event in self.events]
        expected = list(range(self.expected_version + 1, self.ticket.version + 1))
        if versions != expected or (not self.events and self.expected_version == 0):
            raise InvalidValueError(
                "events",
                versions,
                f"must carry versions {expected} (from the expected version to the ticket's)",
            )
        if any(event.ticket_id != self.ticket.id for event in self.events):
            raise InvalidValueError("events", self.ticket.id, "every event must be for the ticket")
        if self.due_at is not None:
            object.__setattr__(self, "due_at", to_utc(self.due_at, "due_at"))


@attrs.frozen(kw_only=True)
class TicketQuery:
    """A filter over tickets; every given criterion must hold. Results are ordered by number.

    Attributes:
        status: Only tickets in this status.
        queue: Only tickets in this queue.
        assignee: Only tickets assigned to this agent.
        fields: Only tickets whose structured fields have these exact values (type included).
        limit: The page size (1 to 1000).
        after: The cursor of the previous page (``Page.next_cursor``).
    """

    status: str | None = None
    queue: str | None = None
    assignee: str | None = None
    fields: Fields = attrs.field(factory=Fields, converter=Fields)
    limit: int = 50
    after: int | None = None

    def __attrs_post_init__(self) -> None:
        if isinstance(self.limit, bool) or not 1 <= self.limit <= 1000:  # noqa: PLR2004
            raise InvalidValueError("limit", self.limit, "must be from 1 to 1000")

    def matches(self, ticket: Ticket) -> bool:
        """Return whether ``ticket`` meets every criterion (the cursor aside)."""
        return (
            (self.status is None or ticket.status == self.status)
            and (self.queue is None or ticket.queue == self.queue)
            and (self.assignee is None or ticket.assignee == self.assignee)
            and all(
                key in ticket.fields and _same(ticket.fields[key], value)
                for key, value in self.fields.items()
            )
        )


def _same(a: FieldValue, b: FieldValue) -> bool:
    # 1 == True == 1.0 in Python; a field filter compares types too.
    return type(a) is type(b) and a == b


@attrs.frozen
class Page:
    """One page of query results.

    Attributes:
        tickets: The tickets on this page, by ascending number.
        next_cursor: Pass as ``TicketQuery.after`` for the next page; ``None`` on the last.
    """

    tickets: tuple[Ticket, ...]
    next_cursor: int | None


@attrs.frozen
class DueEntry:
    """A ticket whose next SLA deadline is due."""

    ticket_id: str
    due_at: datetime


@runtime_checkable
class TicketStore(Protocol):
    """Where tickets, their journals, the outbox and the SLA due index live.

    Implement it on your database and prove it with
    :func:`ticketflow.testing.check_ticket_store`. Every method is safe to call from several
    threads; a store meant for several processes must keep :meth:`commit` and
    :meth:`claim_outbox` atomic across them.
    """

    def allocate_number(self) -> int:
        """Return a ticket number never returned before (numbers may have gaps)."""
        ...

    def get(self, ticket_id: str) -> Ticket:
        """Return the ticket's current snapshot.

        Raises:
            TicketNotFoundError: No such ticket.
        """
        ...

    def get_by_number(self, number: int) -> Ticket:
        """Return the ticket with this human-facing number.

        Raises:
            TicketNotFoundError: No such ticket.
        """
        ...

    def commit(self, change: Change) -> None:
        """Write the change atomically: snapshot, events, outbox and due time, or nothing.

        Raises:
            ConflictError: The stored version is not ``change.expected_version`` (for a new
                ticket: the id or the number is taken). Nothing was written.
            InvalidValueError: The change would alter the ticket's number, a change without
                events would alter the snapshot, or an outbox message id is taken. Nothing was
                written.
        """
        ...

    def journal(self, ticket_id: str, *, after_version: int = 0) -> Sequence[TicketEvent]:
        """Return the ticket's events with a version above ``after_version``, in order.

        Raises:
            TicketNotFoundError: No such ticket.
        """
        ...

    def query(self, query: TicketQuery) -> Page:
        """Return one page of tickets matching ``query``, by ascending number."""
        ...

    def due(self, at_or_before: datetime, *, limit: int = 100) -> Sequence[DueEntry]:
        """Return tickets whose due time is at or before the instant, earliest first.

        Ties are ordered by ticket id; ``limit`` is an integer >= 0.
        """
        ...

    def claim_outbox(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int = 10
    ) -> Sequence[LeasedMessage]:
        """Lease up to ``limit`` deliverable messages to ``worker`` until ``now + lease``.

        A message is deliverable when it is due (``now`` is past its not-before time) and not
        under another live lease. No two live leases ever cover the same message. Oldest first
        (by creation time, then id); ``limit`` is an integer >= 0 and ``lease`` a positive
        ``timedelta``.
        """
        ...

    def ack_outbox(self, leased: LeasedMessage) -> bool:
        """Remove a delivered message.

        Returns ``False`` (and removes nothing) if the lease was lost: another claim took the
        message after this lease expired, or it was acknowledged already. An expired lease
        that nobody claimed since still acknowledges.
        """
        ...

    def retry_outbox(self, leased: LeasedMessage, *, not_before: datetime) -> bool:
        """Release a message for another attempt no earlier than ``not_before``.

        Returns ``False`` if the lease was lost (nothing changed).
        """
        ...
