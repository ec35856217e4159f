"""The Desk: the one write path. Every command loads, decides with the pure core, commits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final

import attrs

import ticketflow.resolution  # its names load on first use, not with import ticketflow
import ticketflow.sla

from ._access import Access
from ._actors import Actor, Role, check_actor
from ._clock import Clock, SystemClock
from ._commands import Categories, Commands, check_link_target
from ._draft import Decide, Draft, event_message
from ._due import DueWork, due_works, next_due_of, stored_memos
from ._events import LinkKind, TicketEvent
from ._ids import new_id
from ._resolving import Resolving
from ._retry import retrying
from ._ticket import NewTicket, Ticket
from ._ticking import Ticking
from ._values import check_instant, check_int, check_key, check_name
from ._visibility import TicketView, view_of
from ._workflow import DEFAULT_WORKFLOW, Workflow
from .exceptions import (
    ClockSkewError,
    ConflictError,
    InvalidValueError,
    TicketNotFoundError,
)
from .storage import Change, TicketStore

__all__ = ["DEFAULT_CLOCK_SKEW", "Desk"]

DEFAULT_CLOCK_SKEW: Final = timedelta(minutes=5)
"""How far a writer's clock may lag behind a ticket's last event before commands refuse."""


class Desk(Commands, Resolving, Ticking):
    """The application service through which every change to a ticket flows.

    Each command loads the ticket from the store, decides with the pure core (the workflow's
    guard, the reducer, a capability's decision), and commits the new snapshot, its events and
    one outbox message per event in one atomic :meth:`~ticketflow.storage.TicketStore.commit`,
    guarded by the version it read. A concurrent writer makes the commit raise
    :class:`~ticketflow.exceptions.ConflictError` and nothing is written; wrap the command in
    :func:`~ticketflow.retrying` to reload and re-decide.

    Capabilities plug in through two seams: :meth:`execute` (decide and commit one command) and
    :class:`~ticketflow.DueWork` (work that comes due over time, run by :meth:`tick`).

    Args:
        store: Where tickets live.
        workflow: The lifecycle to enforce (default: :data:`~ticketflow.TICKET_EDGES`).
        clock: Where "now" comes from.
        ids: Makes unique ids for tickets, comments and outbox messages.
        internal_fields: Structured fields that customers never see.
        customer_fields: Structured fields a customer may set (where ``roles`` lets customers
            run ``set_fields`` at all).
        roles: Roles per command, replacing :data:`~ticketflow.DEFAULT_COMMAND_ROLES` for the
            commands named.
        sla: The SLA policy; with one, every commit keeps the store's due index current and
            :meth:`tick` records warnings and breaches.
        due: Further kinds of work that come due over time.
        max_clock_skew: How far the clock may lag behind a ticket's last event; within it
            the event is stamped at the last event's instant, beyond it the command raises
            :class:`~ticketflow.exceptions.ClockSkewError`.
        categories: The closed set of categories (a :class:`~ticketflow.triage.Taxonomy`):
            a category outside it is refused where it enters (``submit``, ``categorize``).
        resolution: The definition of done, AI closes, confirmation, auto-close, CSAT and
            reply rules (default: :class:`ResolutionPolicy() <ticketflow.resolution.
            ResolutionPolicy>`); every commit holds to its rules, whatever the command.

    Raises:
        InvalidValueError: An argument is not of its kind.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        store: TicketStore,
        *,
        workflow: Workflow = DEFAULT_WORKFLOW,
        clock: Clock | None = None,
        ids: Callable[[], str] = new_id,
        internal_fields: Iterable[str] = (),
        customer_fields: Iterable[str] = (),
        roles: Mapping[str, Iterable[Role | str]] | None = None,
        sla: ticketflow.sla.SlaPolicy | None = None,
        due: Iterable[DueWork] = (),
        max_clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
        categories: Categories | None = None,
        resolution: ticketflow.resolution.ResolutionPolicy | None = None,
    ) -> None:
        if not isinstance(store, TicketStore):
            raise InvalidValueError("store", store, "must implement TicketStore")
        if not isinstance(workflow, Workflow):
            raise InvalidValueError("workflow", workflow, "must be a Workflow")
        if clock is not None and not callable(getattr(clock, "now", None)):
            raise InvalidValueError("clock", clock, "must have a now() method")
        if not callable(ids):
            raise InvalidValueError("ids", ids, "must be callable")
        skew: object = max_clock_skew
        if not isinstance(skew, timedelta) or skew < timedelta(0):
            raise InvalidValueError("max_clock_skew", skew, "must be a timedelta >= 0")
        self.store = store
        self.workflow = workflow
        self.clock: Clock = SystemClock() if clock is None else clock
        self.access = Access(
            roles, internal_fields=internal_fields, customer_fields=customer_fields
        )
        self.max_clock_skew = max_clock_skew
        if categories is not None and not isinstance(categories, Categories):
            raise InvalidValueError("categories", categories, "must have resolve(code)")
        self.categories = categories
        self._other_due = due_works(due)
        self._sla = None
        self.resolution = resolution
        self.sla = sla
        self._ids = ids

    def __repr__(self) -> str:
        return f"Desk(store={self.store!r}, workflow={self.workflow!r})"

    retrying = staticmethod(retrying)

    # -- reading --------------------------------------------------------------------------

    def get(self, ticket_id: str) -> Ticket:
        """Return the ticket's current snapshot.

        Raises:
            TicketNotFoundError: No such ticket.
            InvalidValueError: ``ticket_id`` is not a one-line name, so no ticket's id.
        """
        return self.store.get(_ticket_id(ticket_id))

    def history(self, ticket_id: str) -> Sequence[TicketEvent]:
        """Return the ticket's whole journal, oldest first (raises as :meth:`get` does)."""
        return self.store.journal(_ticket_id(ticket_id))

    def view(self, ticket_id: str, actor: Actor) -> TicketView:
        """Return what ``actor`` may see of the ticket.

        A customer sees only tickets they requested (any other id reads as not found, so
        existence does not leak), only public comments, and no internal-only fields.

        Raises:
            TicketNotFoundError: No such ticket, or a customer asked for someone else's.
        """
        ticket = self._load(ticket_id, None, actor)
        journal = self.store.journal(ticket.id)
        return view_of(ticket, journal, actor, self.access.internal_fields)

    # -- the seams ------------------------------------------------------------------------

    def execute(
        self,
        ticket_id: str,
        decide: Decide,
        *,
        actor: Actor,
        command: str,
        expected_version: int | None = None,
    ) -> Ticket:
        """Decide and commit one command: the seam every capability commits through.

        Loads the ticket, checks that ``actor`` may run ``command`` (a name in the role table,
        such as ``"triage"``) on it, hands a :class:`~ticketflow.Draft` to ``decide`` (a pure
        function that records events and messages on it), and commits all it recorded with the
        expected version. If ``decide`` raises, or records nothing, nothing is written.

        Raises:
            AccessDeniedError: ``actor``'s role may not run ``command``.
            TicketNotFoundError: No such ticket, or a customer's command on someone else's.
            ConflictError: Someone else changed the ticket first (or not at
                ``expected_version``); nothing was written.
            ClockSkewError: The clock is far behind the ticket's last event.
        """
        check_name("command", command)
        if not callable(decide):
            raise InvalidValueError("decide", decide, "must be callable")
        check_actor(actor)
        self.access.require(command, actor)
        before = self._load(ticket_id, expected_version, actor)
        draft = self._draft(before, actor, self._now(before))
        decide(draft)
        if not draft.events and not draft.outbox:
            return before
        return self._commit(draft)

    # -- lifecycle ------------------------------------------------------------------------

    def submit(self, draft: NewTicket, *, actor: Actor, decide: Decide | None = None) -> Ticket:
        """Create a ticket from a validated submission.

        ``decide``, if given, records more on the creation's draft (a capability's seam for new
        tickets: intake claims the e-mail's Message-ID and indexes near-duplicate keys there).

        Raises:
            AccessDeniedError: A customer submitting in someone else's name.
            InvalidValueError: ``draft.status`` is not an initial status of the workflow.
        """
        check_actor(actor)
        if type(draft) is not NewTicket:
            raise InvalidValueError("draft", draft, "must be a NewTicket")
        self.access.require_submit(draft, actor)
        if draft.category is not None and self.categories is not None:
            draft = attrs.evolve(draft, category=self.categories.resolve(draft.category))
        if decide is not None and not callable(decide):
            raise InvalidValueError("decide", decide, "must be callable or None")
        for kind in LinkKind:
            check_link_target(self.store, kind, getattr(draft.links, kind.value))
        at = self._clock_now()
        ticket_id = check_name("ids()", self._ids())
        # A placeholder number: the store numbers the ticket in the commit's transaction.
        ticket, event = self.workflow.create(draft, id=ticket_id, number=1, actor=actor, at=at)
        creation = Draft(
            ticket,
            actor=actor,
            at=at,
            workflow=self.workflow,
            ids=self._ids,
            history=tuple,
            events=[event],
        )
        if decide is not None:
            decide(creation)
        return self._commit(creation, assign_number=True)

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
        return self.execute(
            ticket_id,
            lambda d: d.transition(to, reason=reason),
            actor=actor,
            command="transition",
            expected_version=expected_version,
        )

    # -- the write path -------------------------------------------------------------------

    def _load(self, ticket_id: str, expected_version: int | None, actor: Actor) -> Ticket:
        check_actor(actor)
        if expected_version is not None:
            check_int("expected_version", expected_version, minimum=1)
        ticket = self.store.get(check_key("ticket_id", ticket_id))
        if not self.access.may_see(ticket, actor):
            raise TicketNotFoundError(ticket_id)  # as for an unknown id: existence does not leak
        if expected_version is not None and ticket.version != expected_version:
            raise ConflictError(ticket.id, expected_version, ticket.version)
        return ticket

    def _clock_now(self) -> datetime:
        return check_instant("clock.now()", self.clock.now())

    def _now(self, ticket: Ticket) -> datetime:
        # A journal's time never goes backward. Workers' clocks disagree a little, so a small
        # lag is stamped at the last event's instant; a large one is a broken clock, and
        # stamping it either way would hide it or reorder the journal.
        now = self._clock_now()
        if now >= ticket.updated_at:
            return now
        if ticket.updated_at - now > self.max_clock_skew:
            raise ClockSkewError(ticket.id, now, ticket.updated_at, self.max_clock_skew)
        return ticket.updated_at

    def _draft(self, before: Ticket, actor: Actor, at: datetime) -> Draft:
        return Draft(
            before,
            actor=actor,
            at=at,
            workflow=self.workflow,
            ids=self._ids,
            history=lambda: self._journal_of(before),
            memos=lambda: stored_memos(self.store, before.id),
        )

    def _journal_of(self, ticket: Ticket) -> Sequence[TicketEvent]:
        """Return the journal up to ``ticket``'s version.

        The snapshot and the journal are two reads: if another writer committed in between,
        the journal runs ahead, and deciding on it would be deciding on a stale snapshot, so
        this is a conflict (retrying re-reads both).
        """
        journal = self.store.journal(ticket.id)
        if len(journal) != ticket.version:
            raise ConflictError(ticket.id, ticket.version, len(journal))
        return journal

    def _commit(self, draft: Draft, *, assign_number: bool = False) -> Ticket:
        self._resolution.enforce(draft)
        due_at, memos = next_due_of(self.due_work, draft)
        self.store.commit(
            Change(
                ticket=draft.ticket,
                events=tuple(draft.events),
                expected_version=draft.expected_version,
                outbox=(*[event_message(e, self._ids()) for e in draft.events], *draft.outbox),
                due_at=due_at,
                memos=memos,
                assign_number=assign_number,
                claims=draft.claims,
                similarity=draft.similarity,
                unindex=draft.ticket.status in self.workflow.terminal,
            )
        )
        # A new ticket was numbered by the store: read it back as written.
        return self.store.get(draft.ticket.id) if assign_number else draft.ticket


def _ticket_id(ticket_id: object) -> str:
    # Checked as the id was when the ticket was made: what is no name names no ticket, and a
    # store never sees text it cannot hold (SQLite cannot encode a lone surrogate).
    return check_name("ticket_id", ticket_id)
