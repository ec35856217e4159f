"""SLA clocks derived from the journal, never stored.

The state at any instant is a pure function of the events up to it, the policy and the
calendar. Nothing is stored but the events. Paused time is excluded by construction (a clock only
accumulates over the intervals in which it ran), a policy change re-measures the same intervals
against the new targets, and a reopen resumes the resolution clock with the time it had left.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final, Generic, Protocol, TypeVar

import attrs

from .._actors import Role
from .._events import (
    EVENT_TYPES,
    CommentAdded,
    SlaBreached,
    SlaMetric,
    SlaWarned,
    TicketCreated,
    TicketEvent,
)
from .._journal import apply
from .._ticket import Ticket, to_utc
from .._values import check_bool, check_enum, check_int, validator
from .._workflow import Workflow
from ..exceptions import InvalidValueError
from . import _readings as checked
from ._calendar import BusinessCalendar
from ._escalation import SlaAlert
from ._policy import SlaPolicy, SlaRule

__all__ = ["ClockReading", "ClockState", "SlaState", "sla_state"]

RESPONDERS: Final = frozenset({Role.AGENT, Role.SUPERVISOR})
"""Roles whose public comment counts as a response to the customer."""

AlertKey = tuple[SlaMetric, int, float | None]
"""An alert's identity: metric, cycle and threshold (``None`` for the breach)."""


class ClockState(enum.StrEnum):
    """Where a clock stands."""

    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"


def _state(value: ClockState | str) -> ClockState:
    return check_enum("state", value, ClockState)


@attrs.frozen(kw_only=True)
class ClockReading:
    """One cycle of one clock, read at an instant.

    Attributes:
        metric: The clock.
        cycle: 0 for first response and resolution; next response counts its cycles.
        state: Running, paused (waiting, stopped by a status) or met (answered).
        target: The business time allowed.
        started_at: When the cycle began.
        elapsed: Business time counted so far (paused time excluded).
        remaining: ``target - elapsed``; negative once breached.
        deadline: When the target is (or was) reached; ``None`` while paused short of it.
        breached: The target was reached before the clock was met.
        met_at: When the cycle was met, if it was.
    """

    # Checked as every value type is: hosts and JSON build readings too.
    metric: SlaMetric = attrs.field(converter=checked.metric)
    cycle: int = attrs.field(validator=validator(check_int, "cycle", minimum=0))
    state: ClockState = attrs.field(converter=_state)
    target: timedelta = attrs.field(validator=checked.duration("target"))
    started_at: datetime = attrs.field(converter=checked.started_at)
    elapsed: timedelta = attrs.field(validator=checked.duration("elapsed"))
    remaining: timedelta = attrs.field(validator=checked.duration("remaining"))
    deadline: datetime | None = attrs.field(converter=checked.deadline)
    breached: bool = attrs.field(validator=validator(check_bool, "breached"))
    met_at: datetime | None = attrs.field(converter=checked.met_at)


@attrs.frozen(kw_only=True)
class SlaState:
    """A ticket's SLA standing at ``as_of``.

    Attributes:
        as_of: The instant read.
        rule: The rule in force (``None``: no SLA applies).
        clocks: Every clock cycle with a target, in the order they began.
        alerts_due: Warnings and breaches reached by ``as_of`` that the journal does not
            record yet (what :meth:`ticketflow.Desk.tick` records).
        next_due_at: The earliest instant at which an unrecorded alert is or will be due;
            ``None`` if nothing can come due without a further event.
    """

    as_of: datetime = attrs.field(converter=checked.as_of)
    rule: SlaRule | None = attrs.field(validator=checked.OPTIONAL_RULE)
    clocks: tuple[ClockReading, ...] = attrs.field(validator=checked.items("clocks", ClockReading))
    alerts_due: tuple[SlaAlert, ...] = attrs.field(validator=checked.ALERTS)
    next_due_at: datetime | None = attrs.field(converter=checked.next_due_at)

    @property
    def breached(self) -> bool:
        """Whether any clock cycle breached its target."""
        return any(clock.breached for clock in self.clocks)

    def reading(self, metric: SlaMetric, cycle: int | None = None) -> ClockReading | None:
        """Return the reading of ``metric`` (its latest cycle unless ``cycle`` is given)."""
        found = [c for c in self.clocks if c.metric is metric and cycle in (None, c.cycle)]
        return found[-1] if found else None


class _Cycle:
    """One clock cycle with every interval in which it ran (the journal path keeps them all)."""

    __slots__ = ("index", "intervals", "met_at", "metric", "started_at")

    def __init__(self, metric: SlaMetric, index: int, started_at: datetime) -> None:
        self.metric = metric
        self.index = index
        self.started_at = started_at
        self.intervals: list[tuple[datetime, datetime | None]] = []
        self.met_at: datetime | None = None

    @property
    def running(self) -> bool:
        return bool(self.intervals) and self.intervals[-1][1] is None

    def run(self, at: datetime) -> None:
        if not self.running and self.met_at is None:
            self.intervals.append((at, None))

    def pause(self, at: datetime) -> None:
        if self.running:
            self.intervals[-1] = (self.intervals[-1][0], at)

    def meet(self, at: datetime) -> None:
        self.pause(at)
        self.met_at = at

    def reopen(self) -> None:
        self.met_at = None


class Cycle(Protocol):
    """What :class:`Walk` needs of a clock cycle: the journal's kind or a checkpoint's."""

    metric: SlaMetric
    index: int
    started_at: datetime
    met_at: datetime | None

    @property
    def running(self) -> bool: ...

    def run(self, at: datetime) -> None: ...

    def pause(self, at: datetime) -> None: ...

    def meet(self, at: datetime) -> None: ...

    def reopen(self) -> None: ...


C = TypeVar("C", bound=Cycle)


class Walk(Generic[C]):
    """Walks events one by one, opening, meeting, pausing and resuming clock cycles.

    The one statement of when clocks start and stop, shared by the journal path
    (:func:`sla_state`, which keeps every interval) and the checkpoint that the Desk advances
    by each command's events (which keeps running totals).
    """

    def __init__(
        self,
        pauses: Mapping[SlaMetric, frozenset[str]],
        stopped: frozenset[str],
        cycle: Callable[[SlaMetric, int, datetime], C],
    ) -> None:
        self.pauses = pauses
        self.stopped = stopped
        self.cycle = cycle
        self.cycles: list[C] = []
        self.recorded: set[AlertKey] = set()
        self.first: C | None = None
        self.waiting: C | None = None
        # Only these can still change: the resolution cycle (a reopen takes it up again) and
        # the cycles not yet met. Walking every cycle on every event made a long conversation
        # quadratic; a met response cycle never changes again.
        self.live: list[C] = []
        self.responses = 0
        self.walked: str | None = None  # the status after the last event walked

    def step(self, event: TicketEvent, status: str) -> bool:
        """Walk ``event``, after which the ticket is in ``status``.

        Returns whether a response cycle was met for good (and so left :attr:`live`).
        """
        if isinstance(event, CommentAdded):
            if event.public:
                return self.commented(event.actor.role, event.at, status)
        elif isinstance(event, TicketCreated):
            return self.created(event.at, status)
        else:
            self.note_alert(event)
        return self.moved(event.at, status)

    # Each kind of event as the facts that count (what a checkpoint's stored form replays):

    def created(self, at: datetime, status: str) -> bool:
        """Walk the creation at ``at`` in ``status``."""
        self.first = self.cycle(SlaMetric.FIRST_RESPONSE, 0, at)
        self.cycles += [self.first, self.cycle(SlaMetric.RESOLUTION, 0, at)]
        self.live = list(self.cycles)
        self.walked = None
        return self.moved(at, status)

    def commented(self, role: Role, at: datetime, status: str) -> bool:
        """Walk a public comment by someone in ``role``."""
        # Where a cycle runs, pauses, is met or reopened depends on the status only, so after
        # an event that leaves the status as it was, only the cycles the event itself opened
        # or met can change: the others were moved on under this very status before.
        opened = len(self.live)
        met = self._comment(role, at)
        if status != self.walked:
            return self.moved(at, status)
        stopped = status in self.stopped
        for cycle in self.live[opened:]:
            self._advance(cycle, status, stopped=stopped, at=at)
        if met:
            self._drop_met()
        return met

    def moved(self, at: datetime, status: str) -> bool:
        """Walk any other event (a transition, say), after which the ticket is in ``status``."""
        if status == self.walked:
            return False
        self.walked = status
        stopped = status in self.stopped
        finished = False
        for cycle in self.live:
            finished |= self._advance(cycle, status, stopped=stopped, at=at)
        if finished:
            self._drop_met()
        return finished

    def _drop_met(self) -> None:
        self.live = [c for c in self.live if c.met_at is None or c.metric is SlaMetric.RESOLUTION]

    def _advance(self, cycle: C, status: str, *, stopped: bool, at: datetime) -> bool:
        """Move one cycle on; return whether a response cycle is now met for good."""
        if cycle.metric is SlaMetric.RESOLUTION:
            # Resolving meets the resolution clock; a reopen takes it up again.
            if stopped and cycle.met_at is None:
                cycle.meet(at)
            elif not stopped and cycle.met_at is not None:
                cycle.reopen()
        elif cycle.met_at is not None:
            return True
        if cycle.met_at is None:
            if stopped or status in self.pauses[cycle.metric]:
                cycle.pause(at)
            else:
                cycle.run(at)
        return False

    def note_alert(self, event: TicketEvent) -> None:
        """Remember an alert the journal records (whatever its time: it is a fact)."""
        if isinstance(event, SlaWarned):
            self.recorded.add((event.metric, event.cycle, event.threshold))
        elif isinstance(event, SlaBreached):
            self.recorded.add((event.metric, event.cycle, None))

    def _comment(self, role: Role, at: datetime) -> bool:
        """Walk a public comment; return whether it met a response cycle."""
        first = self.first
        if first is None:  # pragma: no cover - a journal starts with its creation
            return False
        met = False
        if role in RESPONDERS:
            if first.met_at is None:
                first.meet(at)
                met = True
            if self.waiting is not None:
                self.waiting.meet(at)
                self.waiting = None
                met = True
        elif role is Role.CUSTOMER and first.met_at is not None and not self.waiting:
            # The oldest unanswered customer message starts the next-response clock.
            self.waiting = self.cycle(SlaMetric.NEXT_RESPONSE, self.responses, at)
            self.responses += 1
            self.cycles.append(self.waiting)
            self.live.append(self.waiting)
        return met


class _Replay(Walk[_Cycle]):
    """The journal path: applies each event too, so a journal that is no history fails."""

    def __init__(self, policy: SlaPolicy, stopped: frozenset[str]) -> None:
        super().__init__(policy.pauses, stopped, _Cycle)
        self.ticket: Ticket | None = None

    def walk(self, event: TicketEvent) -> None:
        self.ticket = apply(self.ticket, event)
        self.step(event, self.ticket.status)


def _event(value: object) -> TicketEvent:
    if type(value) not in EVENT_TYPES:
        raise InvalidValueError("journal", value, "must hold ticket events only")
    return value  # type: ignore[return-value]


def _replay_cycles(
    journal: Iterable[TicketEvent], policy: SlaPolicy, as_of: datetime, stopped: frozenset[str]
) -> tuple[Ticket | None, list[_Cycle], set[AlertKey]]:
    replay = _Replay(policy, stopped)
    events = map(_event, journal)
    for event in events:
        if event.at > as_of:
            replay.note_alert(event)
            break
        replay.walk(event)
    for event in events:
        replay.note_alert(event)
    return replay.ticket, replay.cycles, replay.recorded


def _reached_at(
    calendar: BusinessCalendar,
    intervals: Sequence[tuple[datetime, datetime | None]],
    amount: timedelta,
) -> datetime | None:
    """The instant the intervals accumulate ``amount`` of business time; None if they don't."""
    counted = timedelta(0)
    for start, end in intervals:
        if end is None:
            return calendar.add(start, amount - counted).astimezone(UTC)
        span = calendar.between(start, end)
        if counted + span >= amount:
            return calendar.add(start, amount - counted).astimezone(UTC)
        counted += span
    return None


def _check_arguments(journal: object, policy: object, workflow: object) -> None:
    if not isinstance(policy, SlaPolicy):
        raise InvalidValueError("policy", policy, "must be an SlaPolicy")
    if workflow is not None and not isinstance(workflow, Workflow):
        raise InvalidValueError("workflow", workflow, "must be a Workflow or None")
    if isinstance(journal, str | bytes) or not isinstance(journal, Iterable):
        raise InvalidValueError("journal", journal, "must be a sequence of ticket events")


def sla_state(
    journal: Sequence[TicketEvent],
    policy: SlaPolicy,
    *,
    as_of: datetime,
    workflow: Workflow | None = None,
) -> SlaState:
    """Derive a ticket's SLA state at ``as_of`` from its journal.

    Only events at or before ``as_of`` count. Clocks: first response runs from creation to the
    first public comment by an agent or supervisor; next response runs from the oldest
    unanswered public customer comment (after the first response) to the next such reply;
    resolution runs from creation and is met on entering a stopped status (the policy's
    ``stopped`` statuses and the workflow's terminal ones). A clock does not run while the
    ticket is in one of the policy's pause statuses for it, nor in a stopped status (a reopen
    resumes it with the time it had left).

    Warnings are due only while their clock runs (a warning after the clock was met or paused
    would be noise); a breach that happened is always due, marked ``live=False`` when the clock
    no longer runs. Alerts the journal records count as recorded whatever their time.

    Args:
        journal: The ticket's events, oldest first.
        policy: The SLA policy; its rule for the ticket as of ``as_of`` sets the targets.
        as_of: The instant to read (timezone-aware).
        workflow: The workflow in force, whose terminal statuses also stop the clocks.

    Returns:
        The state: clock readings, unrecorded alerts that are due, and the next due instant.

    Raises:
        InvalidValueError: An argument is not of its kind.
        JournalError: The journal is not one ticket's history.
    """
    as_of = to_utc(as_of, "as_of")
    _check_arguments(journal, policy, workflow)
    stopped = policy.stopped | (frozenset() if workflow is None else workflow.terminal)
    ticket, cycles, recorded = _replay_cycles(journal, policy, as_of, stopped)
    rule = None if ticket is None else policy.select(ticket)
    if rule is None:
        return SlaState(as_of=as_of, rule=None, clocks=(), alerts_due=(), next_due_at=None)
    calendar = rule.calendar
    readings: list[ClockReading] = []
    due: list[SlaAlert] = []
    upcoming: list[datetime] = []
    for cycle in cycles:
        target = rule.targets.get(cycle.metric)
        if target is None:
            continue
        elapsed = sum(
            (
                calendar.between(start, as_of if end is None else end)
                for start, end in cycle.intervals
            ),
            timedelta(0),
        )
        deadline = _reached_at(calendar, cycle.intervals, target)
        thresholds: list[float | None] = [*policy.warn_at, None] if cycle.running else [None]
        for threshold in thresholds:
            if (cycle.metric, cycle.index, threshold) in recorded:
                continue
            amount = target if threshold is None else target * threshold
            instant = (
                deadline if threshold is None else _reached_at(calendar, cycle.intervals, amount)
            )
            if instant is None:
                continue
            if instant <= as_of:
                due.append(SlaAlert(cycle.metric, cycle.index, threshold, instant, cycle.running))
            else:
                upcoming.append(instant)
        readings.append(
            ClockReading(
                metric=cycle.metric,
                cycle=cycle.index,
                state=ClockState.MET
                if cycle.met_at is not None
                else ClockState.RUNNING
                if cycle.running
                else ClockState.PAUSED,
                target=target,
                started_at=cycle.started_at,
                elapsed=elapsed,
                remaining=target - elapsed,
                deadline=deadline,
                breached=deadline is not None and deadline <= as_of,
                met_at=cycle.met_at,
            )
        )
    due.sort(key=lambda alert: (alert.due_at, alert.threshold is None, alert.threshold or 0))
    instants = [alert.due_at for alert in due] + upcoming
    return SlaState(
        as_of=as_of,
        rule=rule,
        clocks=tuple(readings),
        alerts_due=tuple(due),
        next_due_at=min(instants) if instants else None,
    )
