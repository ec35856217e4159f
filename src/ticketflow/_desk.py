"""The Desk: the one write path. Every command loads, decides with the pure core, commits."""

from __future__ import annotations

import enum
import functools
import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Final, TypeVar

import attrs

from ._actors import Actor, Role
from ._clock import Clock, SystemClock
from ._events import (
    CommentAdded,
    FieldsChanged,
    SlaBreached,
    SlaWarned,
    TicketAssigned,
    TicketEvent,
    TicketPrioritized,
    header,
)
from ._fields import Fields, FieldValue
from ._journal import apply
from ._serde import to_primitive
from ._ticket import NewTicket, Ticket
from ._workflow import DEFAULT_WORKFLOW, Workflow
from .exceptions import ConflictError, InvalidValueError, TicketNotFoundError
from .integrations import SERVICE_CREDIT_TOPIC, ServiceCredit
from .sla import EscalationStep, SlaAlert, SlaPolicy, SlaRule, SlaState, sla_state
from .storage import Change, OutboxMessage, TicketQuery, TicketStore

__all__ = ["KEEP", "Comment", "Desk", "TickReport", "TicketView"]

_log = logging.getLogger("ticketflow")

SLA_ACTOR: Final = Actor.system("sla")
"""The actor that records SLA warnings, breaches and escalations."""

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


@attrs.frozen
class TickReport:
    """What one :meth:`Desk.tick` did.

    Attributes:
        tickets: Tickets looked at (due in the index).
        warned: Warning events recorded.
        breached: Breach events recorded.
        escalated: Escalation changes (priority or assignment) recorded.
        failures: ``(ticket_id, error)`` for each ticket that could not be ticked (it stays
            due and is tried again next time) or whose escalation failed (its alerts were
            recorded all the same).
    """

    tickets: int
    warned: int
    breached: int
    escalated: int
    failures: tuple[tuple[str, str], ...] = ()


def _requested_by(ticket: Ticket, actor: Actor) -> bool:
    return ticket.requester.email.casefold() == actor.id.casefold()


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
        sla: The SLA policy; with one, every commit keeps the store's due index current and
            :meth:`tick` records warnings and breaches.

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
        sla: SlaPolicy | None = None,
    ) -> None:
        self.store = store
        self.workflow = workflow
        self.clock: Clock = SystemClock() if clock is None else clock
        self._ids = ids
        self.internal_fields = frozenset(internal_fields)
        self.sla = sla

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
        if customer and not _requested_by(ticket, actor):
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
        before = self._load(ticket_id, expected_version, actor)
        after, event = self.workflow.transition(
            before, to, actor=actor, at=self._now(before), reason=reason
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
        before = self._load(ticket_id, expected_version, actor)
        return self._record(
            before,
            TicketAssigned(
                **header(before.id, before.version + 1, self._now(before), actor),
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
        before = self._load(ticket_id, expected_version, actor)
        return self._record(
            before,
            CommentAdded(
                **header(before.id, before.version + 1, self._now(before), actor),
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
            if actor.role is Role.CUSTOMER and key in self.internal_fields:
                raise InvalidValueError(f"fields.{key}", key, "customers cannot set this field")
        before = self._load(ticket_id, expected_version, actor)
        return self._record(
            before,
            FieldsChanged(
                **header(before.id, before.version + 1, self._now(before), actor),
                changes=dict(sorted(changes.items())),
            ),
        )

    def retrying(
        self,
        command: Callable[[], T],
        *,
        attempts: int = 10,
        backoff: float = 0.002,
        max_backoff: float = 0.5,
        sleep: Callable[[float], object] = time.sleep,
    ) -> T:
        """Run ``command``, running it again on :class:`ConflictError`.

        The command must load the ticket itself (every :class:`Desk` command does), so each
        attempt re-decides on the latest version. Waits grow exponentially with jitter.

        Args:
            command: A callable such as ``lambda: desk.comment(tid, "hi", actor=bob)``.
            attempts: How many times to try in all (at least 1).
            backoff: The first wait in seconds; doubled after each conflict.
            max_backoff: The longest wait in seconds (before jitter).
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
                wait = min(backoff * 2 ** (attempt - 1), max_backoff)
                sleep(wait * (0.5 + random.random()))  # noqa: S311 - jitter, not secrecy
        raise AssertionError("unreachable")  # pragma: no cover

    # -- SLA ------------------------------------------------------------------------------

    def sla_state(self, ticket_id: str, *, as_of: datetime | None = None) -> SlaState:
        """Return the ticket's SLA state at ``as_of`` (default: now), derived from its journal.

        Raises:
            InvalidValueError: The desk has no SLA policy.
        """
        policy = self._policy()
        when = self.clock.now() if as_of is None else as_of
        return sla_state(self.store.journal(ticket_id), policy, as_of=when, workflow=self.workflow)

    def explain_sla(self, ticket_id: str) -> str:
        """Say which SLA rule applies to the ticket and why."""
        return self._policy().explain(self.store.get(ticket_id))

    def tick(self, now: datetime | None = None, *, limit: int = 100) -> TickReport:
        """Record the SLA warnings and breaches that have come due, exactly once each.

        Finds the tickets through the store's due index (never a scan), derives each one's SLA
        state from its journal, and commits the alerts that are due but not yet recorded, with
        their escalations and (for contract rules) a service-credit message on a breach. Two
        workers ticking at once cannot record an alert twice: the commit is guarded by the
        version, and a conflict re-derives from the winner's journal.

        Args:
            now: The instant to evaluate (default: the clock's now).
            limit: At most this many due tickets per call.

        Raises:
            InvalidValueError: The desk has no SLA policy.
        """
        self._policy()
        when = self.clock.now() if now is None else now
        totals = [0, 0, 0]
        failures: list[tuple[str, str]] = []
        entries = self.store.due(when, limit=limit)
        for entry in entries:
            try:
                counts = self.retrying(
                    functools.partial(self._tick_one, entry.ticket_id, when, failures)
                )
            except Exception as error:  # noqa: BLE001 - one ticket must not stop the others
                _log.exception("SLA tick failed for ticket %s", entry.ticket_id)
                failures.append((entry.ticket_id, repr(error)))
                continue
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
        warned, breached, escalated = totals
        return TickReport(len(entries), warned, breached, escalated, tuple(failures))

    def reindex_sla(self, *, page_size: int = 500) -> int:
        """Recompute every ticket's next SLA due time; call after changing the policy.

        Commits only the due index (no events), version-guarded, ticket by ticket, so it can
        run beside live traffic. Returns how many tickets were reindexed.

        Raises:
            InvalidValueError: The desk has no SLA policy.
        """
        self._policy()
        count = 0
        query = TicketQuery(limit=page_size)
        while True:
            page = self.store.query(query)
            for ticket in page.tickets:
                self.retrying(functools.partial(self._reindex_one, ticket.id))
                count += 1
            if page.next_cursor is None:
                return count
            query = attrs.evolve(query, after=page.next_cursor)

    def _reindex_one(self, ticket_id: str) -> None:
        ticket = self.store.get(ticket_id)
        self._commit(ticket, ticket, [])

    def _policy(self) -> SlaPolicy:
        if self.sla is None:
            raise InvalidValueError("sla", None, "this desk has no SLA policy")
        return self.sla

    def _tick_one(
        self, ticket_id: str, now: datetime, failures: list[tuple[str, str]]
    ) -> tuple[int, int, int]:
        policy = self._policy()
        before = self.store.get(ticket_id)
        journal = self._journal_of(before)
        # Never evaluate before the ticket's last event: alerts recorded by a later tick
        # must count as recorded, and time has passed at least that far.
        at = max(now, before.updated_at)
        state = sla_state(journal, policy, as_of=at, workflow=self.workflow)
        ticket = before
        events: list[TicketEvent] = []
        extra: list[OutboxMessage] = []
        warned = breached = escalated = 0
        for alert in state.alerts_due:
            event = self._alert_event(ticket, alert, at)
            ticket = apply(ticket, event)
            events.append(event)
            if alert.threshold is None:
                breached += 1
                if state.rule is not None and state.rule.tier is not None:
                    extra.append(self._service_credit(ticket, state.rule, alert, at))
            else:
                warned += 1
            if not alert.live:
                continue  # the work is no longer waiting: record the fact, do not escalate
            for escalation in policy.escalations:
                try:
                    step = escalation.escalate(ticket, alert)
                except Exception as error:  # noqa: BLE001 - the alert is recorded regardless
                    _log.exception("SLA escalation %r failed for %s", escalation, ticket_id)
                    failures.append((ticket_id, repr(error)))
                    continue
                for change in self._escalation_events(ticket, step, at):
                    ticket = apply(ticket, change)
                    events.append(change)
                    escalated += 1
        self._commit(before, ticket, events, extra, journal=journal)
        return warned, breached, escalated

    def _alert_event(self, ticket: Ticket, alert: SlaAlert, at: datetime) -> TicketEvent:
        common = header(ticket.id, ticket.version + 1, at, SLA_ACTOR)
        if alert.threshold is None:
            return SlaBreached(
                **common,
                metric=alert.metric,
                cycle=alert.cycle,
                due_at=alert.due_at,
            )
        return SlaWarned(
            **common,
            metric=alert.metric,
            cycle=alert.cycle,
            threshold=alert.threshold,
            due_at=alert.due_at,
        )

    def _escalation_events(
        self, ticket: Ticket, step: EscalationStep | None, at: datetime
    ) -> list[TicketEvent]:
        if step is None:
            return []
        events: list[TicketEvent] = []
        version = ticket.version
        if step.priority is not None and step.priority != ticket.priority:
            version += 1
            events.append(
                TicketPrioritized(
                    **header(ticket.id, version, at, SLA_ACTOR),
                    priority=step.priority,
                    impact=ticket.impact,
                    urgency=ticket.urgency,
                )
            )
        queue = ticket.queue if step.queue is None else step.queue
        assignee = ticket.assignee if step.assignee is None else step.assignee
        if (queue, assignee) != (ticket.queue, ticket.assignee):
            version += 1
            events.append(
                TicketAssigned(
                    **header(ticket.id, version, at, SLA_ACTOR), queue=queue, assignee=assignee
                )
            )
        return events

    def _service_credit(
        self, ticket: Ticket, rule: SlaRule, alert: SlaAlert, at: datetime
    ) -> OutboxMessage:
        credit = ServiceCredit(
            ticket_id=ticket.id,
            ticket_number=ticket.number,
            requester=ticket.requester.email,
            tier=rule.tier or "",
            rule=rule.name,
            metric=alert.metric.value,
            cycle=alert.cycle,
            due_at=alert.due_at,
            breached_at=at,
        )
        return OutboxMessage(
            id=self._ids(),
            topic=SERVICE_CREDIT_TOPIC,
            payload=credit.to_payload(),
            ticket_id=ticket.id,
            created_at=at,
        )

    # -- the write path -------------------------------------------------------------------

    def _load(self, ticket_id: str, expected_version: int | None, actor: Actor) -> Ticket:
        ticket = self.store.get(ticket_id)
        if actor.role is Role.CUSTOMER and not _requested_by(ticket, actor):
            raise TicketNotFoundError(ticket_id)  # as in view(): existence does not leak
        if expected_version is not None and ticket.version != expected_version:
            raise ConflictError(ticket_id, expected_version, ticket.version)
        return ticket

    def _now(self, ticket: Ticket) -> datetime:
        # A journal's time never goes backward, even when workers' clocks disagree a little.
        return max(self.clock.now(), ticket.updated_at)

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

    def _record(self, before: Ticket, event: TicketEvent) -> Ticket:
        return self._commit(before, apply(before, event), [event])

    def _commit(
        self,
        before: Ticket | None,
        after: Ticket,
        events: list[TicketEvent],
        extra: Sequence[OutboxMessage] = (),
        *,
        journal: Sequence[TicketEvent] | None = None,
    ) -> Ticket:
        due_at = None
        if self.sla is not None:
            if journal is None:
                journal = () if before is None else self._journal_of(before)
            try:
                state = sla_state(
                    [*journal, *events], self.sla, as_of=after.updated_at, workflow=self.workflow
                )
            except Exception:  # noqa: BLE001 - logged; see below
                # The command must not fail (nor its input be lost) because the SLA side,
                # a CRM lookup say, is down: mark the ticket due now, and tick re-evaluates
                # it and reports the failure until it succeeds.
                _log.exception("SLA evaluation failed for ticket %s", after.id)
                due_at = after.updated_at
            else:
                due_at = state.next_due_at
        self.store.commit(
            Change(
                ticket=after,
                events=tuple(events),
                expected_version=after.version - len(events),
                outbox=(*(self._message(event) for event in events), *extra),
                due_at=due_at,
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
