"""The journal's vocabulary: one immutable event per change to a ticket.

Every event names the ticket, the version the ticket has *after* it, when it happened and who
did it. Events are facts: the guard decides, the journal records.

Events (like tickets) are dict-backed frozen attrs classes rather than slotted ones: the
reducer and the guard copy and build them on every command, and filling an instance
dictionary is several times cheaper than per-slot frozen ``__setattr__`` calls.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar, TypeAlias, TypedDict

import attrs

from ._actors import Actor
from ._fields import FieldValue
from ._ticket import Ticket, to_utc

__all__ = [
    "CommentAdded",
    "FieldsChanged",
    "SlaBreached",
    "SlaMetric",
    "SlaWarned",
    "TicketAssigned",
    "TicketCategorized",
    "TicketCreated",
    "TicketEvent",
    "TicketPrioritized",
    "TicketTagged",
    "TicketTransitioned",
]


class EventHeader(TypedDict):
    """The fields every event starts with, for building events with ``**header``."""

    ticket_id: str
    version: int
    at: datetime
    actor: Actor


def header(ticket_id: str, version: int, at: datetime, actor: Actor) -> EventHeader:
    """Return the common fields of the event that makes a ticket ``version``."""
    return EventHeader(ticket_id=ticket_id, version=version, at=at, actor=actor)


def _at(value: datetime) -> datetime:
    return to_utc(value, "event.at")


@attrs.frozen(kw_only=True, slots=False)
class TicketCreated:
    """The ticket came into being; carries its first snapshot (version 1)."""

    type: ClassVar[str] = "created"
    ticket_id: str
    version: int
    at: datetime = attrs.field(converter=_at)
    actor: Actor
    ticket: Ticket


@attrs.frozen(kw_only=True, slots=False)
class TicketTransitioned:
    """The status moved along an edge (``source -> target``)."""

    type: ClassVar[str] = "transitioned"
    ticket_id: str
    version: int
    at: datetime = attrs.field(converter=_at)
    actor: Actor
    source: str
    target: str
    reason: str | None = None


@attrs.frozen(kw_only=True, slots=False)
class TicketAssigned:
    """The queue and/or assignee changed; ``None`` clears."""

    type: ClassVar[str] = "assigned"
    ticket_id: str
    version: int
    at: datetime = attrs.field(converter=_at)
    actor: Actor
    queue: str | None
    assignee: str | None


@attrs.frozen(kw_only=True, slots=False)
class CommentAdded:
    """A comment: public (the requester sees it) or internal (agents only)."""

    type: ClassVar[str] = "commented"
    ticket_id: str
    version: int
    at: datetime = attrs.field(converter=_at)
    actor: Actor
    comment_id: str
    body: str
    public: bool


@attrs.frozen(kw_only=True, slots=False)
class FieldsChanged:
    """Structured fields were set (a value) or removed (``None``)."""

    type: ClassVar[str] = "field_changed"
    ticket_id: str
    version: int
    at: datetime = attrs.field(converter=_at)
    actor: Actor
    changes: Mapping[str, FieldValue | None]


@attrs.frozen(kw_only=True, slots=False)
class TicketCategorized:
    """The category was set (or cleared with ``None``)."""

    type: ClassVar[str] = "categorized"
    ticket_id: str
    version: int
    at: datetime = attrs.field(converter=_at)
    actor: Actor
    category: str | None


@attrs.frozen(kw_only=True, slots=False)
class TicketPrioritized:
    """Priority, impact and urgency were assessed."""

    type: ClassVar[str] = "prioritized"
    ticket_id: str
    version: int
    at: datetime = attrs.field(converter=_at)
    actor: Actor
    priority: str | None
    impact: int | None
    urgency: int | None


@attrs.frozen(kw_only=True, slots=False)
class TicketTagged:
    """Tags were added and/or removed."""

    type: ClassVar[str] = "tagged"
    ticket_id: str
    version: int
    at: datetime = attrs.field(converter=_at)
    actor: Actor
    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()


class SlaMetric(enum.StrEnum):
    """What an SLA clock measures."""

    FIRST_RESPONSE = "first_response"
    """From creation to the first public reply of an agent."""
    NEXT_RESPONSE = "next_response"
    """From the oldest unanswered customer message to the next public reply of an agent."""
    RESOLUTION = "resolution"
    """From creation to resolved, without paused time."""


@attrs.frozen(kw_only=True, slots=False)
class SlaWarned:
    """An SLA clock passed a warning threshold (a fraction of its target)."""

    type: ClassVar[str] = "sla_warned"
    ticket_id: str
    version: int
    at: datetime = attrs.field(converter=_at)
    actor: Actor
    metric: SlaMetric = attrs.field(converter=SlaMetric)
    cycle: int
    threshold: float
    due_at: datetime = attrs.field(converter=_at)


@attrs.frozen(kw_only=True, slots=False)
class SlaBreached:
    """An SLA clock ran past its target."""

    type: ClassVar[str] = "sla_breached"
    ticket_id: str
    version: int
    at: datetime = attrs.field(converter=_at)
    actor: Actor
    metric: SlaMetric = attrs.field(converter=SlaMetric)
    cycle: int
    due_at: datetime = attrs.field(converter=_at)


def fast_transitioned(
    ticket_id: str,
    version: int,
    at: datetime,
    actor: Actor,
    source: str,
    target: str,
    reason: str | None,
) -> TicketTransitioned:
    """Build a :class:`TicketTransitioned` from already-validated parts (``at`` in UTC).

    The guard is the hot path of every command; filling the instance dictionary directly
    costs a fifth of attrs' generated ``__init__`` on frozen classes.
    """
    event = _new(TicketTransitioned)
    state = event.__dict__
    state["ticket_id"] = ticket_id
    state["version"] = version
    state["at"] = at
    state["actor"] = actor
    state["source"] = source
    state["target"] = target
    state["reason"] = reason
    return event


_new = object.__new__


TicketEvent: TypeAlias = (
    TicketCreated
    | TicketTransitioned
    | TicketAssigned
    | CommentAdded
    | FieldsChanged
    | TicketCategorized
    | TicketPrioritized
    | TicketTagged
    | SlaWarned
    | SlaBreached
)
"""Any event of a ticket's journal."""

EVENT_TYPES: tuple[type[TicketEvent], ...] = (
    TicketCreated,
    TicketTransitioned,
    TicketAssigned,
    CommentAdded,
    FieldsChanged,
    TicketCategorized,
    TicketPrioritized,
    TicketTagged,
    SlaWarned,
    SlaBreached,
)
