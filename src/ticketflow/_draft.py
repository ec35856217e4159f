"""What one command decides: the Desk's seam for every capability.

A capability (triage, resolution, intake, problems, SLA alerts) never writes to the store. The
:class:`~ticketflow.Desk` loads the ticket and hands a :class:`Draft` to the capability's pure
decision function; the function records events and outbox messages on it; the Desk then commits
all of it with the expected version, or nothing. The draft stamps each event with the ticket,
the next version, the command's instant and actor, builds it through the event's own validators,
applies it with the one reducer, and sends status changes through the workflow's guard.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, TypeVar

from ._actors import Actor
from ._events import EVENT_TYPES, CommentAdded, TicketCreated, TicketEvent, TicketTransitioned
from ._journal import apply
from ._serde import to_primitive
from ._ticket import Ticket
from ._values import check_instant, check_name
from ._workflow import Workflow
from .exceptions import InvalidValueError
from .storage import OutboxMessage
from .storage._band_keys import SimilarityKeys
from .storage._outbox import announcing
from .storage._received import check_claims

__all__ = ["Decide", "Draft", "event_message"]

E = TypeVar("E", bound=TicketEvent)

_RECORDABLE: Final = frozenset(EVENT_TYPES) - {TicketCreated, TicketTransitioned}
_HEADER: Final = frozenset({"ticket_id", "version", "at"})


class Draft:
    """The ticket as a command changes it, with the events and messages it will commit.

    Attributes:
        before: The ticket as loaded (``None`` while creating).
        ticket: The ticket after every event recorded so far.
        actor: Who runs the command (each event's actor unless a record names another).
        at: The command's instant (UTC), stamped on every event.
        workflow: The workflow whose guard every status change passes.
        events: The events recorded so far, in order.
        outbox: The extra messages recorded so far (each event gets its own message anyway).
        derived: What due work derived from this draft, by the work's name, kept for the
            commit so that it is derived once per command (never stored; see
            :class:`~ticketflow.IncrementalDueWork`).
        similarity: The ticket's near-duplicate keys to index with the commit, if any.

    Raises:
        InvalidValueError: A part is not of its kind (the Desk builds drafts; a test may too).

    .. versionadded:: 0.1
    """

    __slots__ = (
        "_claims",
        "_history",
        "_ids",
        "_memos",
        "_read",
        "_stored",
        "actor",
        "at",
        "before",
        "derived",
        "events",
        "outbox",
        "similarity",
        "ticket",
        "workflow",
    )

    def __init__(
        self,
        ticket: Ticket,
        *,
        actor: Actor,
        at: datetime,
        workflow: Workflow,
        ids: Callable[[], str],
        history: Callable[[], Sequence[TicketEvent]],
        before: Ticket | None = None,
        events: Sequence[TicketEvent] = (),
        memos: Callable[[], Mapping[str, str]] = dict,
    ) -> None:
        _check_parts(ticket, actor, workflow, ids, history, before, events)
        if not callable(memos):
            raise InvalidValueError("memos", memos, "must be callable")
        self.before = ticket if before is None and not events else before
        self.ticket = ticket
        self.actor = actor
        self.at = check_instant("at", at)
        self.workflow = workflow
        self.events: list[TicketEvent] = list(events)
        self.outbox: list[OutboxMessage] = []
        self._ids = ids
        self._history = history
        self._read: Sequence[TicketEvent] | None = None
        self._memos = memos
        self._stored: Mapping[str, str] | None = None
        self.derived: dict[str, object] = {}
        self._claims: list[str] = []
        self.similarity: SimilarityKeys | None = None

    @property
    def claims(self) -> tuple[str, ...]:
        """The unique keys claimed so far, in order."""
        return tuple(self._claims)

    def claim(self, key: str) -> None:
        """Claim a unique key for the ticket in this commit (an e-mail's Message-ID, say).

        The commit raises :class:`~ticketflow.exceptions.ClaimTakenError`, writing nothing, if
        another ticket holds the key; a key the ticket holds already stays its own.

        Raises:
            InvalidValueError: ``key`` is not single-line text of at most 1,024 characters.
        """
        (checked,) = check_claims((key,))
        if checked not in self._claims:
            self._claims.append(checked)

    def index(self, keys: SimilarityKeys) -> None:
        """Index the ticket's near-duplicate keys with the commit (replacing earlier ones).

        Raises:
            InvalidValueError: ``keys`` is not :class:`~ticketflow.intake.SimilarityKeys`.
        """
        if type(keys) is not SimilarityKeys:
            raise InvalidValueError("keys", keys, "must be SimilarityKeys")
        self.similarity = keys

    @property
    def expected_version(self) -> int:
        """The version the commit expects the store to hold (0 for a new ticket)."""
        return 0 if self.before is None else self.before.version

    def history(self) -> Sequence[TicketEvent]:
        """Return the journal up to :attr:`before` (read once, on first use)."""
        if self._read is None:
            self._read = self._history()
        return self._read

    def memo(self, name: str) -> str | None:
        """Return the memo stored under ``name`` with the loaded snapshot (read once).

        A memo is what an :class:`~ticketflow.IncrementalDueWork` stored last time; it may be
        missing or stale (a store that keeps none, a commit that wrote none), so its reader
        checks it before trusting it.
        """
        if self._stored is None:
            self._stored = {} if self.before is None else self._memos()
        found = self._stored.get(name)
        return found if isinstance(found, str) else None

    def record(self, event_type: type[E], **fields: Any) -> Ticket:  # noqa: ANN401
        """Record an event of ``event_type`` with ``fields``; return the ticket after it.

        The draft fills in ``ticket_id``, ``version`` and ``at``; ``actor`` defaults to the
        command's actor (a capability that acts as someone else names it).

        Raises:
            InvalidValueError: ``event_type`` is not an event a command may record (a creation
                comes from ``submit``, a status change from :meth:`transition`), a field is out
                of its domain, or the event would make the ticket invalid.
        """
        if event_type not in _RECORDABLE:
            raise InvalidValueError(
                "event_type", event_type, "record changes other than creation and status moves"
            )
        named = _HEADER & fields.keys()
        if named:
            raise InvalidValueError(
                "fields", sorted(named), "the draft stamps ticket_id, version and at itself"
            )
        fields.setdefault("actor", self.actor)
        try:
            event = event_type(
                ticket_id=self.ticket.id, version=self.ticket.version + 1, at=self.at, **fields
            )
        except TypeError as error:  # a missing or unknown keyword
            raise InvalidValueError(event_type.type, sorted(fields), str(error)) from None
        return self._apply(event)

    def transition(
        self, to: str, *, reason: str | None = None, actor: Actor | None = None
    ) -> Ticket:
        """Move the ticket along an edge of the workflow, through its guard.

        Raises:
            InvalidTransitionError: Not an edge.
            PermissionDeniedError: The actor's role may not take the edge.
            CheckFailedError: A check on the edge failed.
        """
        self.ticket, event = self.workflow.transition(
            self.ticket, to, actor=self.actor if actor is None else actor, at=self.at, reason=reason
        )
        self.events.append(event)
        return self.ticket

    def emit(self, topic: str, payload: Mapping[str, Any]) -> OutboxMessage:
        """Record an outbox message about this ticket, committed with the events."""
        message = OutboxMessage(
            id=check_name("ids()", self._ids()),
            topic=topic,
            payload=payload,
            ticket_id=self.ticket.id,
            created_at=self.at,
        )
        self.outbox.append(message)
        return message

    def _apply(self, event: TicketEvent) -> Ticket:
        self.ticket = apply(self.ticket, event)
        self.events.append(event)
        return self.ticket

    def __repr__(self) -> str:
        return f"Draft(ticket={self.ticket.id!r}, events={[e.type for e in self.events]!r})"


def _check_parts(
    ticket: object,
    actor: object,
    workflow: object,
    ids: object,
    history: object,
    before: object,
    events: object,
) -> None:
    if type(ticket) is not Ticket:
        raise InvalidValueError("ticket", ticket, "must be a Ticket")
    if type(actor) is not Actor:
        raise InvalidValueError("actor", actor, "must be an Actor")
    if not isinstance(workflow, Workflow):
        raise InvalidValueError("workflow", workflow, "must be a Workflow")
    for name, value in (("ids", ids), ("history", history)):
        if not callable(value):
            raise InvalidValueError(name, value, "must be callable")
    if before is not None and type(before) is not Ticket:
        raise InvalidValueError("before", before, "must be a Ticket or None")
    # A tuple or list (what the Desk passes) is told apart without the ABC's check.
    if not isinstance(events, tuple | list) and (
        isinstance(events, str | bytes) or not isinstance(events, Sequence)
    ):
        raise InvalidValueError("events", events, "must be a sequence of events")
    for event in events:
        if type(event) not in EVENT_TYPES:
            raise InvalidValueError("events", event, "must be a ticket event")


Decide = Callable[[Draft], object]
"""A capability's decision: records what happens on the draft (its return value is ignored)."""


def event_message(event: TicketEvent, message_id: str) -> OutboxMessage:
    """Return the outbox message that announces ``event``.

    Internal notes get a topic of their own: a subscriber that mails ``ticket.commented`` to
    the requester must never receive them.
    """
    internal = type(event) is CommentAdded and not event.public
    return announcing(
        check_name("ids()", message_id),
        "ticket.internal_comment" if internal else f"ticket.{event.type}",
        to_primitive(event),
        event.ticket_id,
        event.at,
        event,
    )
