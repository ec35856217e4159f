"""The Desk: the one write path. Every command loads, decides with the pure core, commits."""

from __future__ import annotations

import enum
import random
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Final, TypeVar

import attrs

from ._actors import Actor, Role
from ._clock import Clock, SystemClock
from ._events import CommentAdded, FieldsChanged, TicketAssigned, TicketEvent
from ._fields import Fields, FieldValue
from ._journal import apply
from ._serde import to_primitive
from ._ticket import NewTicket, Ticket
from ._workflow import DEFAULT_WORKFLOW, Workflow
from .exceptions import ConflictError, InvalidValueError, TicketNotFoundError
from .storage import Change, OutboxMessage, TicketStore

__all__ = ["KEEP", "Comment", "Desk", "TicketView"]

T = TypeVar("T")


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP
"""Leave this attribute as it is (for :meth:`Desk.assign`)."""


@attrs.frozen
class Comment:
    """A comment as read back from the journal."""

    id: str
    author: Actor
    body: str
    public: bool
    at: datetime


@attrs.frozen
class TicketView:
    """What one actor may see of a ticket.

    Attributes:
        ticket: The ticket; for a customer, without internal-only fields.
        comments: The comments the actor may read, oldest first.
    """

    ticket: Ticket
    comments: tuple[Comment, ...]


def _new_id() -> str:
    return uuid.uuid4().hex


class Desk:
    """The application service through which every change to a ticket flows.

    Each command loads the ticket from the store, decides with the pure core (the workflow's
    guard, the reducer), and commits the new snapshot, its events and one outbox message per
    event in one atomic :meth:`~ticketflow.storage.TicketStore.commit`, guarded by the version it
    read. A concurrent writer makes the commit raise :class:`~ticketflow.exceptions.ConflictError`
    and nothing is written; wrap the command in :meth:`retrying` to reload and re-decide.

    Args:
        store: Where tickets live.
        workflow: The lifecycle to enforce (default: :data:`~ticketflow.TICKET_EDGES`).
        clock: Where "now" comes from.
        ids: Makes unique ids for tickets, comments and outbox messages.
        internal_fields: Structured fields that customers never see.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        store: TicketStore,
        *,
        workflow: Workflow = DEFAULT_WORKFLOW,
        clock: Clock | None = None,
        ids: Callable[[], str] = _new_id,
        internal_fields: Iterable[str] = (),
    ) -> None:
        self.store = store
        self.workflow = workflow
        self.clock: Clock = SystemClock() if clock is None else clock
        self._ids = ids
        self.internal_fields = frozenset(internal_fields)

    def __repr__(self) -> str:
        return f"Desk(store={self.store!r}, workflow={self.workflow!r})"

    # -- reading --------------------------------------------------------------------------

    def get(self, ticket_id: str) -> Ticket:
        """Return the ticket's current snapshot (raises :class:`TicketNotFoundError`)."""
        return self.store.get(ticket_id)

    def history(self, ticket_id: str) -> Sequence[TicketEvent]:
        """Return the ticket's whole journal, oldest first."""
        return self.store.journal(ticket_id)

    def view(self, ticket_id: str, actor: Actor) -> TicketView:
        """Return what ``actor`` may see of the ticket.

        A customer sees only tickets they requested (any other id reads as not found, so
        existence does not leak), only public comments, and no internal-only fields.

        Raises:
            TicketNotFoundError: No such ticket, or a customer asked for someone else's.
        """
        ticket = self.store.get(ticket_id)
        customer = actor.role is Role.CUSTOMER
        if customer and ticket.requester.email.casefold() != actor.id.casefold():
            raise TicketNotFoundError(ticket_id)
        comments = tuple(
            Comment(e.comment_id, e.actor, e.body, e.public, e.at)
            for e in self.store.journal(ticket_id)
            if isinstance(e, CommentAdded) and (e.public or not customer)
        )
        if customer and self.internal_fields & ticket.fields.keys():
            visible = {k: v for k, v in ticket.fields.items() if k not in self.internal_fields}
            ticket = attrs.evolve(ticket, fields=Fields(visible))
        return TicketView(ticket, comments)

    # -- commands -------------------------------------------------------------------------

    def submit(self, draft: NewTicket, *, actor: Actor) -> Ticket:
        """Create a ticket from a validated submission.

        Raises:
            InvalidValueError: ``draft.status`` is not an initial status of the workflow.
        """
        number = self.store.allocate_number()
        ticket, event = self.workflow.create(
            draft, id=self._ids(), number=number, actor=actor, at=self.clock.now()
        )
        return self._commit(None, ticket, [event])

    def transition(
        self,
        ticket_id: str,
        to: str,
        *,
        actor: Actor,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> Ticket:
        """Move the ticket along an edge of the workflow.

        Args:
            ticket_id: The ticket.
            to: The target status.
            actor: Who moves it; the workflow's role rule for the edge must allow them.
            reason: Why, for the journal.
            expected_version: Refuse with :class:`ConflictError` unless the ticket is still at
                this version (for optimistic concurrency from a user interface).

        Raises:
            InvalidTransitionError: Not an edge.
            PermissionDeniedError: The actor's role may not take the edge.
            CheckFailedError: A check on the edge failed.
            ConflictError: Someone else changed the ticket first; nothing was written.
        """
        before = self._load(ticket_id, expected_version)
        after, event = self.workflow.transition(
            before, to, actor=actor, at=self.clock.now(), reason=reason
        )
        return self._commit(before, after, [event])

    def assign(
        self,
        ticket_id: str,
        *,
        actor: Actor,
        assignee: str | _Keep | None = KEEP,
        queue: str | _Keep | None = KEEP,
        expected_version: int | None = None,
    ) -> Ticket:
        """Route the ticket to a queue and/or an agent; ``None`` clears, :data:`KEEP` keeps."""
        before = self._load(ticket_id, expected_version)
        return self._record(
            before,
            TicketAssigned(
                ticket_id=before.id,
                version=before.version + 1,
                at=self.clock.now(),
                actor=actor,
                queue=before.queue if queue is KEEP else queue,
                assignee=before.assignee if assignee is KEEP else assignee,
            ),
        )

    def comment(
        self,
        ticket_id: str,
        body: str,
        *,
        actor: Actor,
        public: bool = True,
        expected_version: int | None = None,
    ) -> Ticket:
        """Add a comment: public (the requester sees it) or internal (agents only).

        Raises:
            InvalidValueError: An empty body, or a customer writing an internal comment.
        """
        if not body.strip():
            raise InvalidValueError("body", body, "a comment needs a body")
        if not public and actor.role is Role.CUSTOMER:
            raise InvalidValueError("public", public, "customers write public comments only")
        before = self._load(ticket_id, expected_version)
        return self._record(
            before,
            CommentAdded(
                ticket_id=before.id,
                version=before.version + 1,
                at=self.clock.now(),
                actor=actor,
                comment_id=self._ids(),
                body=body,
                public=public,
            ),
        )

    def set_fields(
        self,
        ticket_id: str,
        changes: Mapping[str, FieldValue | None],
        *,
        actor: Actor,
        expected_version: int | None = None,
    ) -> Ticket:
        """Set structured fields; a ``None`` value removes the field.

        Raises:
            InvalidValueError: No changes, or a name or value that a field cannot hold.
        """
        if not changes:
            raise InvalidValueError("changes", changes, "set at least one field")
        Fields({k: v for k, v in changes.items() if v is not None})  # validates names and values
        names: list[object] = list(changes)
        for key in names:
            if not isinstance(key, str) or not key:
                raise InvalidValueError("fields", key, "field names must be non-empty strings")
        before = self._load(ticket_id, expected_version)
        return self._record(
            before,
            FieldsChanged(
                ticket_id=before.id,
                version=before.version + 1,
                at=self.clock.now(),
                actor=actor,
                changes=dict(sorted(changes.items())),
            ),
        )

    def retrying(
        self,
        command: Callable[[], T],
        *,
        attempts: int = 10,
        backoff: float = 0.002,
        sleep: Callable[[float], object] = time.sleep,
    ) -> T:
        """Run ``command``, running it again on :class:`ConflictError`.

        The command must load the ticket itself (every :class:`Desk` command does), so each
        attempt re-decides on the latest version. Waits grow exponentially with jitter.

        Args:
            command: A callable such as ``lambda: desk.comment(tid, "hi", actor=bob)``.
            attempts: How many times to try in all (at least 1).
            backoff: The first wait in seconds; doubled after each conflict.
            sleep: How to wait (injectable for tests).

        Raises:
            ConflictError: Still conflicting after ``attempts`` tries.
        """
        if attempts < 1:
            raise InvalidValueError("attempts", attempts, "must be at least 1")
        for attempt in range(1, attempts + 1):
            try:
                return command()
            except ConflictError:
                if attempt == attempts:
                    raise
                sleep(backoff * (2 ** (attempt - 1)) * (0.5 + random.random()))  # noqa: S311
        raise AssertionError("unreachable")  # pragma: no cover

    # -- the write path -------------------------------------------------------------------

    def _load(self, ticket_id: str, expected_version: int | None) -> Ticket:
        ticket = self.store.get(ticket_id)
        if expected_version is not None and ticket.version != expected_version:
            raise ConflictError(ticket_id, expected_version, ticket.version)
        return ticket

    def _record(self, before: Ticket, event: TicketEvent) -> Ticket:
        return self._commit(before, apply(before, event), [event])

    def _commit(self, before: Ticket | None, after: Ticket, events: list[TicketEvent]) -> Ticket:
        self.store.commit(
            Change(
                ticket=after,
                events=tuple(events),
                expected_version=0 if before is None else before.version,
                outbox=tuple(self._message(event) for event in events),
                due_at=None,
            )
        )
        return after

    def _message(self, event: TicketEvent) -> OutboxMessage:
        return OutboxMessage(
            id=self._ids(),
            topic=f"ticket.{event.type}",
            payload=to_primitive(event),
            ticket_id=event.ticket_id,
            created_at=event.at,
        )
