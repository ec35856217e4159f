"""What analytics keeps of each ticket: a few facts, folded from its events in feed order.

A ticket's journal can be long (a conversation of thousands of comments); what the metrics
need of it is small and fixed: when it was created and first answered, when it was first and
last resolved, how long it stood in each status, whether it was reopened or breached and how
long each breached clock ran past its deadline, its last CSAT score, and its current
dimensions (category, queue, fields, ...). :class:`Facts` holds
exactly that, and :class:`Folder` updates it event by event, so that reading the events
committed since the last cursor costs what those events cost, never a rescan.

Durations are measured when they end, in business time when a calendar is given (its
``between``), in wall time otherwise; so the facts after any prefix of the feed are the same
whether the prefix was read in one go or page by page.

**Breach minutes.** An ``sla_breached`` event starts its clock's overtime at the deadline
(``due_at``). The overtime runs while the clock would: it stops while the ticket is in one of
the clock's pause statuses (``pending_customer`` for resolution, by default) and ends when the
clock is met: the first public staff reply for the response clocks, a done status for
resolution (a later breach of the same clock, another cycle after a reopen or a new customer
message, adds its own overtime). When the breach is read after the clock was paused or met
(a tick that ran late), the overtime is counted up to that moment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import Final

from .._actors import Role
from .._events import (
    CommentAdded,
    CsatRecorded,
    FieldsChanged,
    SlaBreached,
    SlaMetric,
    TicketAssigned,
    TicketCategorized,
    TicketCreated,
    TicketEvent,
    TicketPrioritized,
    TicketTransitioned,
)
from .._fields import FieldValue
from ..exceptions import JournalError

__all__ = ["STAFF", "Facts", "Folder", "Span"]

STAFF: Final = frozenset({Role.AGENT, Role.SUPERVISOR})
"""Roles whose public comment answers the customer (as for the SLA's response clocks)."""

Measure = Callable[[datetime, datetime], timedelta]
Span = tuple[datetime, datetime | None]
"""A span of time a ticket was open: [start, end), end ``None`` while it still is."""
Overtime = tuple[timedelta, datetime | None, bool]
"""A breached clock's overtime: measured so far, running since (``None``: not now), met."""


class Facts:
    """The facts of one ticket that the metrics read (mutable: only the folder changes it)."""

    __slots__ = (
        "answered_at",
        "assignee",
        "breaches",
        "category",
        "channel",
        "created_at",
        "csat",
        "day",
        "fields",
        "final_resolution",
        "first_response",
        "in_status",
        "kind",
        "open_spans",
        "overtime",
        "priority",
        "queue",
        "reopens",
        "resolution",
        "since",
        "staff_replies",
        "status",
    )

    def __init__(self, event: TicketCreated, *, done: frozenset[str], tz: tzinfo) -> None:
        ticket = event.ticket
        self.created_at: datetime = ticket.created_at
        self.day: date = ticket.created_at.astimezone(tz).date()  # the local date of creation
        self.status: str = str(ticket.status)  # a plain str, not a TicketStatus member
        self.since: datetime = event.at
        self.kind: str = ticket.kind.value
        self.channel: str = ticket.channel.value
        self.category: str | None = ticket.category
        self.priority: str | None = ticket.priority
        self.queue: str | None = ticket.queue
        self.assignee: str | None = ticket.assignee
        self.fields: dict[str, FieldValue] = dict(ticket.fields)
        # Measured durations (business or wall time); None until the moment comes.
        self.first_response: timedelta | None = None
        self.resolution: timedelta | None = None  # to the first resolution
        self.final_resolution: timedelta | None = None  # to the last, while resolved
        self.answered_at: datetime | None = None  # the latest public staff reply
        # Each breached clock's overtime: (measured so far, running since or None, met).
        self.overtime: dict[SlaMetric, Overtime] = {}
        self.staff_replies = 0  # public staff replies before the first resolution
        self.reopens = 0
        self.breaches: frozenset[SlaMetric] = _NO_BREACHES
        self.csat: int | None = None
        self.in_status: dict[str, timedelta] = {}
        # When the ticket was open (not in a done status): [start, end) pairs, end None = now.
        # A tuple, not a list (and one shared empty frozenset of breaches): the cyclic
        # garbage collector stops tracking tuples of instants, and the fewer objects it
        # tracks per ticket, the fewer and cheaper its full collections while a whole feed
        # is folded.
        self.open_spans: tuple[Span, ...] = () if ticket.status in done else ((event.at, None),)

    def dimension(self, name: str) -> FieldValue | None:
        """Return the ticket's current value of a dimension (a built-in or a field name)."""
        if name in _BUILT_IN:
            value: FieldValue | None = getattr(self, name)
            return value
        return self.fields.get(name.removeprefix("fields."))

    def overdue(
        self, clock: SlaMetric | None, as_of: datetime | None, measure: Measure
    ) -> timedelta | None:
        """Return the overtime of one breached clock, or of all, up to ``as_of``.

        ``None`` when no such clock was breached.
        """
        found = None
        for metric, (spent, since, _) in self.overtime.items():
            if clock is not None and metric is not clock:
                continue
            total = spent
            if since is not None and as_of is not None and as_of > since:
                total += measure(since, as_of)
            found = total if found is None else found + total
        return found

    def open_at(self, t: datetime) -> bool:
        """Tell whether the ticket was open at ``t`` (created by then, not done)."""
        return any(start <= t and (end is None or t < end) for start, end in self.open_spans)


_BUILT_IN: Final = frozenset(
    {"kind", "channel", "category", "priority", "queue", "assignee", "status"}
)
"""The dimensions every ticket has; any other name is a structured field's."""


class Folder:
    """Folds feed events into the facts of every ticket.

    Args:
        measure: How long lies between two instants (a calendar's ``between``, or wall time).
        done: The statuses in which a ticket counts as resolved (not open).
        tz: The zone whose dates the periods are.
        pauses: The statuses that pause each SLA clock (its overtime too).
    """

    def __init__(
        self,
        measure: Measure,
        done: frozenset[str],
        tz: tzinfo,
        pauses: Mapping[SlaMetric, frozenset[str]],
    ) -> None:
        self.measure = measure
        self.done = done
        self.tz = tz
        self.pauses = pauses
        self.tickets: dict[str, Facts] = {}
        self.latest: datetime | None = None  # the latest event time read
        # The ticket of each event folded, in order: what the tallies take in on their sync.
        self.touched: list[str] = []

    def fold(self, event: TicketEvent) -> None:  # noqa: C901, PLR0912 - a branch per kind of event
        """Fold one event in.

        Raises:
            JournalError: The event is of a ticket the feed never created, or creates one
                twice (the feed is not a store's complete history).
        """
        if self.latest is None or event.at > self.latest:
            self.latest = event.at
        if isinstance(event, TicketCreated):
            if event.ticket_id in self.tickets:
                raise JournalError(event.ticket_id, event.version, "the feed creates it twice")
            self.tickets[event.ticket_id] = Facts(event, done=self.done, tz=self.tz)
            self.touched.append(event.ticket_id)
            return
        facts = self.tickets.get(event.ticket_id)
        if facts is None:
            raise JournalError(
                event.ticket_id, event.version, "the feed has no creation of this ticket before it"
            )
        self.touched.append(event.ticket_id)
        if isinstance(event, TicketTransitioned):
            self._transitioned(facts, event)
        elif isinstance(event, CommentAdded):
            if event.public and event.actor.role in STAFF:
                if facts.first_response is None:
                    facts.first_response = self.measure(facts.created_at, event.at)
                if facts.resolution is None:
                    facts.staff_replies += 1
                facts.answered_at = event.at
                for clock in _RESPONSE_CLOCKS:
                    self._stop(facts, clock, event.at, met=True)
        elif isinstance(event, SlaBreached):
            facts.breaches |= {event.metric}
            self._breached(facts, event)
        elif isinstance(event, CsatRecorded):
            facts.csat = event.score
        else:
            _dimensions(facts, event)

    def _breached(self, facts: Facts, event: SlaBreached) -> None:
        clock, due = event.metric, event.due_at
        spent, since, _ = facts.overtime.get(clock, (_ZERO, None, False))
        if since is not None:
            return  # already running: a breach read twice adds nothing
        # Where the clock stands now: met (answered, or resolved), paused, or running.
        if clock is SlaMetric.RESOLUTION:
            stopped = facts.status in self.done
            halted = stopped or facts.status in self.pauses.get(clock, ())
            until = facts.since if halted else None
        else:
            stopped = facts.answered_at is not None and facts.answered_at > due
            halted = stopped or facts.status in self.done
            until = facts.answered_at if stopped else facts.since if halted else None
        if until is None:
            facts.overtime[clock] = (spent, due, False)
            return
        if until > due:
            spent += self.measure(due, until)
        facts.overtime[clock] = (spent, None, stopped)

    def _stop(self, facts: Facts, clock: SlaMetric, at: datetime, *, met: bool) -> None:
        found = facts.overtime.get(clock)
        if found is None:
            return
        spent, since, was_met = found
        if since is not None and at > since:
            spent += self.measure(since, at)
        facts.overtime[clock] = (spent, None, was_met or met)

    def _transitioned(self, facts: Facts, event: TicketTransitioned) -> None:
        at = event.at
        is_done = event.target in self.done
        for clock, (spent, since, met) in list(facts.overtime.items()):
            paused = is_done or event.target in self.pauses.get(clock, ())
            if since is not None and paused:
                self._stop(facts, clock, at, met=is_done and clock is SlaMetric.RESOLUTION)
            elif since is None and not met and not paused:
                facts.overtime[clock] = (spent, at, False)  # resumed
        spent = self.measure(facts.since, at)
        facts.in_status[facts.status] = facts.in_status.get(facts.status, _ZERO) + spent
        facts.status, facts.since = str(event.target), at
        was_done, is_done = event.source in self.done, event.target in self.done
        if is_done and not was_done:
            spans = facts.open_spans
            if spans and spans[-1][1] is None:
                facts.open_spans = (*spans[:-1], (spans[-1][0], at))
            if facts.resolution is None:
                facts.resolution = self.measure(facts.created_at, at)
            facts.final_resolution = self.measure(facts.created_at, at)
        elif was_done and not is_done:
            facts.open_spans += ((at, None),)
            facts.final_resolution = None
        if event.reopen:
            facts.reopens += 1


_ZERO: Final = timedelta(0)
_NO_BREACHES: Final[frozenset[SlaMetric]] = frozenset()
_RESPONSE_CLOCKS: Final = (SlaMetric.FIRST_RESPONSE, SlaMetric.NEXT_RESPONSE)


def _dimensions(facts: Facts, event: TicketEvent) -> None:
    if isinstance(event, TicketAssigned):
        facts.queue, facts.assignee = event.queue, event.assignee
    elif isinstance(event, TicketCategorized):
        facts.category = event.category
    elif isinstance(event, TicketPrioritized):
        facts.priority = event.priority
    elif isinstance(event, FieldsChanged):
        for name, value in event.changes.items():
            if value is None:
                facts.fields.pop(name, None)
            else:
                facts.fields[name] = value
