"""The one reducer: ``apply(ticket, event)``; and ``replay`` of a whole journal."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final, cast

import attrs

from ._events import (
    CommentAdded,
    CsatRecorded,
    DecisionExplained,
    FieldsChanged,
    FixVerified,
    IncidentLinkChanged,
    ProblemUpdated,
    ResolutionAnswered,
    ResolutionRecorded,
    SlaBreached,
    SlaWarned,
    SuggestionReviewed,
    TicketAssigned,
    TicketCategorized,
    TicketCreated,
    TicketEvent,
    TicketLinked,
    TicketPrioritized,
    TicketTagged,
    TicketTransitioned,
)
from ._fields import Fields
from ._ticket import MAX_TAGS, Ticket, TicketLinks, evolve_unchecked
from .exceptions import InvalidValueError, JournalError

__all__ = ["apply", "replay"]


def _in_order(ticket: Ticket, event: Any) -> None:  # noqa: ANN401
    if event.at < ticket.updated_at:
        raise JournalError(
            event.ticket_id,
            event.version,
            f"happened at {event.at.isoformat()}, before the ticket's last change at"
            f" {ticket.updated_at.isoformat()}: a journal's time never goes backward",
        )


def _next(ticket: Ticket, event: Any, changes: dict[str, object]) -> Ticket:  # noqa: ANN401
    _in_order(ticket, event)
    changes["version"] = event.version
    changes["updated_at"] = event.at
    return evolve_unchecked(ticket, changes)


def apply_transition(ticket: Ticket, event: TicketTransitioned) -> Ticket:
    """The reducer of :class:`TicketTransitioned` (also the guard's fast path)."""
    if event.source != ticket.status:
        raise JournalError(
            event.ticket_id,
            event.version,
            f"transition from {event.source!s} but the ticket is {ticket.status!s}",
        )
    if event.at < ticket.updated_at:
        _in_order(ticket, event)  # raises; inlined test: this is the guard's hot path
    state = ticket.__dict__.copy()
    state["status"] = event.target
    state["version"] = event.version
    state["updated_at"] = event.at
    if event.reopen:
        state["reopen_count"] += 1
    new = _new(Ticket)
    _set(new, "__dict__", state)
    return new


_new = object.__new__
_set = object.__setattr__


def _assigned(ticket: Ticket, event: Any) -> Ticket:  # noqa: ANN401
    return _next(ticket, event, {"queue": event.queue, "assignee": event.assignee})


def _resolution_recorded(ticket: Ticket, event: Any) -> Ticket:  # noqa: ANN401
    # A suggestion changes nothing until an agent accepts it; a resolution sets the code.
    if event.suggested:
        return _next(ticket, event, {})
    return _next(ticket, event, {"resolution": event.resolution.code})


def _no_change(ticket: Ticket, event: Any) -> Ticket:  # noqa: ANN401
    # Comments and SLA alerts are journal facts; the snapshot only moves its version.
    return _next(ticket, event, {})


def _fields_changed(ticket: Ticket, event: Any) -> Ticket:  # noqa: ANN401
    return _next(ticket, event, {"fields": Fields.coerce(ticket.fields).updated(event.changes)})


def _categorized(ticket: Ticket, event: Any) -> Ticket:  # noqa: ANN401
    return _next(ticket, event, {"category": event.category})


def _prioritized(ticket: Ticket, event: Any) -> Ticket:  # noqa: ANN401
    changes: dict[str, object] = {
        "priority": event.priority,
        "impact": event.impact,
        "urgency": event.urgency,
    }
    return _next(ticket, event, changes)


def _tagged(ticket: Ticket, event: Any) -> Ticket:  # noqa: ANN401
    tags = (ticket.tags - event.removed) | event.added
    if len(tags) > MAX_TAGS:
        raise InvalidValueError("tags", len(tags), f"a ticket has at most {MAX_TAGS} tags")
    return _next(ticket, event, {"tags": tags})


def _linked(ticket: Ticket, event: Any) -> Ticket:  # noqa: ANN401
    links = TicketLinks(**{**attrs.asdict(ticket.links), event.link.value: event.target})
    return _next(ticket, event, {"links": links})


_REDUCERS: Final[dict[type, Callable[[Ticket, Any], Ticket]]] = {
    TicketTransitioned: apply_transition,
    TicketAssigned: _assigned,
    CommentAdded: _no_change,
    FieldsChanged: _fields_changed,
    TicketCategorized: _categorized,
    TicketPrioritized: _prioritized,
    TicketTagged: _tagged,
    TicketLinked: _linked,
    SlaWarned: _no_change,
    SlaBreached: _no_change,
    DecisionExplained: _no_change,
    ResolutionRecorded: _resolution_recorded,
    SuggestionReviewed: _no_change,
    ResolutionAnswered: _no_change,
    CsatRecorded: _no_change,
    IncidentLinkChanged: _no_change,
    ProblemUpdated: _no_change,
    FixVerified: _no_change,
}


def apply(ticket: Ticket | None, event: TicketEvent) -> Ticket:
    """Return the ticket after ``event``.

    This is the only way a ticket changes. ``ticket`` is ``None`` exactly for a
    :class:`TicketCreated` event.

    Raises:
        JournalError: The event does not follow ``ticket`` (another ticket, not the next
            version, a transition from another status, a creation of an existing ticket).
        InvalidValueError: ``event`` is not an event or ``ticket`` not a ticket.
    """
    reducer = _REDUCERS.get(type(event))
    if reducer is None and type(event) is not TicketCreated:
        raise InvalidValueError("event", event, "must be a ticket event")
    if ticket is not None and type(ticket) is not Ticket:
        raise InvalidValueError("ticket", ticket, "must be a Ticket or None")
    if reducer is None:
        if ticket is not None:
            raise JournalError(event.ticket_id, event.version, "the ticket exists already")
        created = cast("TicketCreated", event).ticket
        if created.id != event.ticket_id or created.version != 1 or event.version != 1:
            raise JournalError(
                event.ticket_id, event.version, "a creation carries version 1 of its own ticket"
            )
        return created
    if ticket is None:
        raise JournalError(event.ticket_id, event.version, "the journal must start with created")
    if event.ticket_id != ticket.id:
        raise JournalError(event.ticket_id, event.version, f"event is not for ticket {ticket.id}")
    if event.version != ticket.version + 1:
        raise JournalError(
            event.ticket_id, event.version, f"the ticket is at version {ticket.version}"
        )
    return reducer(ticket, event)


def replay(events: Iterable[TicketEvent]) -> Ticket:
    """Return the ticket that a journal describes, from its creation on.

    Raises:
        JournalError: The journal is empty or an event does not follow its predecessor.
    """
    given: object = events
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise InvalidValueError("events", given, "must be a collection of ticket events")
    ticket: Ticket | None = None
    for event in events:
        ticket = apply(ticket, event)
    if ticket is None:
        raise JournalError("?", 0, "an empty journal describes no ticket")
    return ticket
