"""A change: the one atomic write of a ticket, checked so that every store can write it back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TypeVar

import attrs

from .._events import EVENT_TYPES, TicketCreated, TicketEvent
from .._ticket import Ticket
from ._checks import (
    INT64_MAX,
    check_writable,
    instance,
    instant,
    invalid,
    storable,
    validator,
)
from ._outbox import OutboxMessage

__all__ = ["Change"]

T = TypeVar("T")


def _sequence(field: str, value: object, kinds: tuple[type[T], ...], what: str) -> tuple[T, ...]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise invalid(field, value, f"must be an iterable of {what}s")
    items: list[T] = []
    for index, item in enumerate(value):
        if not isinstance(item, kinds):
            raise invalid(f"{field}[{index}]", item, f"must be a {what}")
        items.append(item)
    return tuple(items)


def _events(value: Iterable[TicketEvent]) -> tuple[TicketEvent, ...]:
    return _sequence("events", value, EVENT_TYPES, "ticketflow event")


def _messages(value: Iterable[OutboxMessage]) -> tuple[OutboxMessage, ...]:
    return _sequence("outbox", value, (OutboxMessage,), "OutboxMessage")


def _expected_version(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT64_MAX:
        raise invalid("expected_version", value, "must be an integer >= 0 (64 bits)")


def _due_at(value: datetime | None) -> datetime | None:
    return None if value is None else instant("due_at", value)


@attrs.frozen(kw_only=True)
class Change:
    """One atomic write: a ticket's next snapshot with the events that lead to it.

    A change with no events (``ticket.version == expected_version``) only updates the due
    index, still guarded by the version; its ticket must equal the stored snapshot (nothing
    changes a ticket without a journal entry).

    Everything a store would write is checked here, so that every store reads it back: the
    ticket's id, status, queue, assignee and field names encode as UTF-8 (they are keys and
    index columns), and every integer in the ticket and the events fits in 64 bits and every
    float is finite.

    Attributes:
        ticket: The snapshot after ``events``.
        events: The new journal entries, in order; versions ``expected_version + 1`` onward.
        expected_version: The version the writer read; 0 for a new ticket.
        outbox: Messages to write with it.
        due_at: The ticket's next SLA due instant, or ``None`` if nothing is due.

    Raises:
        InvalidValueError: An attribute is of the wrong type (``events[1]`` is not a
            ticketflow event, say), the event versions do not lead from
            ``expected_version`` to the ticket's, an event is for another ticket, or the
            change holds something no store can write back; ``field`` names it.
    """

    ticket: Ticket = attrs.field(
        validator=validator(lambda value: instance("ticket", value, Ticket))
    )
    events: tuple[TicketEvent, ...] = attrs.field(converter=_events)
    expected_version: int = attrs.field(validator=validator(_expected_version))
    outbox: tuple[OutboxMessage, ...] = attrs.field(default=(), converter=_messages)
    due_at: datetime | None = attrs.field(default=None, converter=_due_at)

    def __attrs_post_init__(self) -> None:
        ticket = self.ticket
        first = self.expected_version + 1
        versions = [event.version for event in self.events]
        # Compared without building the expected range: a hostile version may be huge.
        if (
            len(versions) != ticket.version - self.expected_version
            or any(version != first + index for index, version in enumerate(versions))
            or (not versions and self.expected_version == 0)
        ):
            raise invalid(
                "events",
                versions,
                f"must carry versions {first} to {ticket.version} (from the expected version"
                " to the ticket's)",
            )
        if any(event.ticket_id != ticket.id for event in self.events):
            raise invalid("events", ticket.id, "every event must be for the ticket")
        _check_keys(ticket)
        check_writable("ticket", ticket)
        for index, event in enumerate(self.events):
            # A creation carries the very snapshot just checked.
            if not (isinstance(event, TicketCreated) and event.ticket is ticket):
                check_writable(f"events[{index}]", event)


def _check_keys(ticket: Ticket) -> None:
    keys: list[tuple[str, object]] = [("ticket.id", ticket.id), ("ticket.status", ticket.status)]
    keys += [("ticket.queue", ticket.queue), ("ticket.assignee", ticket.assignee)]
    keys += [(f"ticket.fields.{name}", name) for name in ticket.fields]
    for field, value in keys:
        if value is None:
            continue
        if not isinstance(value, str):
            raise invalid(field, value, "must be a string")
        if not storable(value):
            raise invalid(field, value, "must be valid Unicode (no lone surrogates)")
