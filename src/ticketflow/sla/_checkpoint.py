"""SLA clocks kept up to date command by command: a compact checkpoint stored with the snapshot.

The journal path (:func:`~ticketflow.sla.sla_state`) keeps every interval in which each clock
ran, for readings at any instant under any rule. Deciding what comes due needs far less: for
each cycle that can still raise an alert, the business time of its closed intervals, when its
open interval began, and the instants at which its warnings and breach were (or will be)
reached. :class:`SlaCheckpoint` keeps just that, walks each new event with the same rules as
the journal path (:class:`~ticketflow.sla._timers.Walk`), and drops a response cycle once it
is met and can raise nothing more. So a command costs the same on the five-thousandth event as
on the first, and the checkpoint stays a few hundred bytes.

It is exact because everything it keeps is measured on the calendar of one rule: the checkpoint
names the rule it was computed under, and a ticket whose rule changes (a new priority, say) is
derived from its journal again, once. A checkpoint is also stamped with the ticket version it
reflects and a fingerprint of the policy and workflow it was computed under; whoever reads it
back falls back to the journal whenever it is missing, stale, unreadable or foreign.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Final

from .._actors import Role
from .._events import (
    CommentAdded,
    SlaBreached,
    SlaMetric,
    SlaWarned,
    TicketCreated,
    TicketEvent,
    TicketTransitioned,
)
from .._ticket import Ticket
from ..exceptions import CalendarError
from ._calendar import HORIZON_START, BusinessCalendar
from ._escalation import SlaAlert
from ._policy import SlaPolicy, SlaRule
from ._timers import Walk

__all__ = ["FORMAT", "CheckpointBasis", "SlaCheckpoint", "fingerprint"]

FORMAT: Final = 2
"""The checkpoint's format; bump it whenever what a checkpoint means changes."""

DELTAS: Final = 16
"""How many events' facts a stored checkpoint appends before it is written whole again."""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_US: Final = timedelta(microseconds=1)
_ZERO: Final = timedelta(0)
_METRICS: Final = {metric.value: metric for metric in SlaMetric}
_METRIC_TEXT: Final = {metric: json.dumps(metric.value) for metric in SlaMetric}
_ROLES: Final = {role.value: role for role in Role}
_FACT_LENGTH: Final[dict[str | None, int]] = {None: 2, "c": 4, "t": 4, "w": 6, "b": 5}
_COMMENT_FACT: Final = {role: f',"c",{json.dumps(role.value)}]' for role in Role}
_encode: Final = json.JSONEncoder(separators=(",", ":")).encode


def _instant(value: object) -> datetime:
    return _EPOCH + _US * _int(value)


def _int(value: object) -> int:
    if type(value) is not int:
        raise TypeError(value)
    return value


def _optional_micros(instant: datetime | None) -> int | str:
    return "null" if instant is None else (instant - _EPOCH) // _US


def _optional_instant(value: object) -> datetime | None:
    return None if value is None else _instant(value)


class _Terms:
    """The rule a checkpoint measures by: its calendar and each metric's alert amounts.

    ``amounts[metric]`` lists the business time at which each warning threshold and then the
    breach is reached (empty where the rule sets no target).
    """

    __slots__ = ("amounts", "calendar", "rule_text", "thresholds")

    def __init__(self, rule: SlaRule | None, warn_at: tuple[float, ...]) -> None:
        self.calendar: BusinessCalendar | None = None if rule is None else rule.calendar
        self.rule_text = _encode(None if rule is None else rule.name)  # as a checkpoint names it
        self.thresholds: tuple[float | None, ...] = (*warn_at, None)
        self.amounts: dict[SlaMetric, tuple[timedelta, ...]] = {}
        for metric in SlaMetric:
            target = None if rule is None else rule.targets.get(metric)
            self.amounts[metric] = (
                () if target is None else (*(target * t for t in warn_at), target)
            )

    def span(self, metric: SlaMetric, index: int, started_at: datetime) -> _Span:
        """Return a new cycle measured by these terms."""
        span = _Span(metric, index, started_at)
        span.terms = self
        return span


class _Span:
    """A clock cycle as running totals: what the checkpoint keeps instead of its intervals."""

    __slots__ = (
        "elapsed",
        "index",
        "known",
        "met_at",
        "metric",
        "open_since",
        "projected",
        "reached",
        "soonest",
        "started_at",
        "terms",
        "text",
    )

    # The walk builds cycles by ``cycle(metric, index, started_at)``; the terms come after.
    terms: _Terms

    def __init__(self, metric: SlaMetric, index: int, started_at: datetime) -> None:
        self.metric = metric
        self.index = index
        self.started_at = started_at
        self.met_at: datetime | None = None
        self.open_since: datetime | None = None
        self.elapsed = _ZERO  # business time of the closed intervals
        self.reached: dict[int, datetime] = {}  # amount index -> reached in a closed interval
        # amount index -> when the open interval reaches it (None: past the last datetime),
        # worked out as asked
        self.projected: dict[int, datetime | None] = {}
        self.text: str | None = None  # the stored form, kept until the cycle changes
        # Its earliest unrecorded alert, as next_due last worked it out (while ``known``).
        self.soonest: datetime | None = None
        self.known = False

    @property
    def running(self) -> bool:
        return self.open_since is not None

    def run(self, at: datetime) -> None:
        if self.open_since is None and self.met_at is None:
            self.open_since = at
            if self.projected:
                self.projected = {}
            self.text = None
            self.known = False

    def pause(self, at: datetime) -> None:
        start = self.open_since
        if start is None:
            return
        amounts = self.terms.amounts[self.metric]
        calendar = self.terms.calendar
        if amounts and calendar is not None:
            span = calendar.between(start, at)
            total = self.elapsed + span
            for index, amount in enumerate(amounts):
                if index not in self.reached and total >= amount:
                    # The instant at which this interval reaches it: what a projection says.
                    known = self.projected.get(index)
                    self.reached[index] = known or _reach(calendar, start, amount - self.elapsed)
            self.elapsed = total
        self.open_since = None
        self.projected = {}
        self.text = None
        self.known = False

    def meet(self, at: datetime) -> None:
        if self.metric is SlaMetric.RESOLUTION:
            self.pause(at)
        else:
            for instant in self.projected.values():
                if instant is not None and at < instant:
                    # A met response cycle never runs again, and of all it measured only
                    # whether its breach was reached still counts: an interval that ends
                    # before the instant at which it reaches some amount (the earliest such
                    # instant, as projected) reaches no larger one, so it is not measured.
                    self.open_since = None
                    self.projected = {}
                    break
            else:
                self.pause(at)
        self.met_at = at
        self.text = None
        self.known = False

    def reopen(self) -> None:
        self.met_at = None
        self.text = None
        self.known = False

    def encoded(self) -> str:
        """Return the cycle's stored form (as JSON text)."""
        text = self.text
        if text is None:
            text = self.text = _span_text(self)
        return text

    def projection(self, index: int) -> datetime | None:
        """When the open interval reaches amount ``index`` (``None``: past the last datetime).

        Only for an amount not reached before; worked out once per open interval.
        """
        projected = self.projected
        if index in projected:
            return projected[index]
        start, calendar = self.open_since, self.terms.calendar
        assert start is not None  # noqa: S101 - only a running cycle projects
        assert calendar is not None  # noqa: S101 - nor without a rule
        try:
            found: datetime | None = _reach(
                calendar, start, self.terms.amounts[self.metric][index] - self.elapsed
            )
        except CalendarError:
            found = None
        projected[index] = found
        self.text = None
        return found

    def breach_pending(self, recorded: set[tuple[SlaMetric, int, float | None]]) -> bool:
        """Whether a met cycle still owes its breach (reached, and not recorded yet)."""
        last = len(self.terms.amounts[self.metric]) - 1
        return last in self.reached and (self.metric, self.index, None) not in recorded


def _reach(calendar: BusinessCalendar, start: datetime, amount: timedelta) -> datetime:
    return calendar._add_utc(start, amount)  # noqa: SLF001 - the calendar's own package


class SlaCheckpoint(Walk[_Span]):
    """A ticket's clocks after its first :attr:`version` events, under one rule.

    Build one with :meth:`CheckpointBasis.start` or read a stored one with
    :meth:`CheckpointBasis.read`, walk further events with :meth:`advance`, and ask it what is
    due with :meth:`alerts_due` and :meth:`next_due`.
    """

    def __init__(self, basis: CheckpointBasis, rule: SlaRule | None) -> None:
        terms = basis.terms(rule)
        # The terms build the cycles: a method of the checkpoint's own would make it a
        # reference cycle, freed only by the garbage collector once a cache lets it go.
        super().__init__(basis.policy.pauses, basis.stopped, terms.span)
        self.basis = basis
        self.rule = rule
        self.terms = terms
        self.version = 0
        self.status = ""
        self.at: datetime | None = None  # the last event's instant
        # Met cycles that stay only because their breach is not recorded yet.
        self.pending: dict[tuple[SlaMetric, int], _Span] = {}
        # The stored form as last written or read (None: to be written whole), how many
        # events' facts it appends, and the facts of the events walked since.
        self.text: str | None = None
        self.deltas = 0
        self.facts: list[str] = []

    def advance(self, events: Iterable[TicketEvent]) -> None:
        """Walk ``events``, the ones that follow :attr:`version`, in order.

        Each event is walked as the facts that count (see :class:`Walk`), which the stored
        form appends (:meth:`encode`) and a reader replays (:meth:`decode`) the same way.
        """
        for event in events:
            at = event.at
            live = self.live
            breach: tuple[SlaMetric, int] | None = None
            if isinstance(event, CommentAdded) and event.public:
                role = event.actor.role
                self.commented(role, at, self.status)
                fact = _COMMENT_FACT[role]
            elif isinstance(event, TicketTransitioned):
                self.status = event.target
                self.moved(at, event.target)
                fact = f',"t",{_text(event.target)}]'
            elif isinstance(event, SlaWarned):
                self._recorded((event.metric, event.cycle, event.threshold))
                fact = f',"w",{_METRIC_TEXT[event.metric]},{event.cycle},{event.threshold!r}]'
            elif isinstance(event, SlaBreached):
                breach = (event.metric, event.cycle)
                self._recorded((*breach, None))
                fact = f',"b",{_METRIC_TEXT[event.metric]},{event.cycle}]'
            elif isinstance(event, TicketCreated):
                self.status = event.ticket.status
                self.created(at, self.status)
                self.text = None  # a new ticket's checkpoint is written whole
                fact = "]"
            else:
                fact = "]"
            version = event.version
            if self.live is not live or breach is not None:
                self._settle(live, breach)
            self.version = version
            self.at = at
            self.facts.append(f"[{version},{(at - _EPOCH) // _US}{fact}")

    def _replay(self, delta: object) -> None:
        """Walk the facts of one event as :meth:`advance` appended them."""
        if type(delta) is not list or len(delta) < 2:  # noqa: PLR2004 - version and instant
            raise TypeError(delta)
        version, at = _int(delta[0]), _instant(delta[1])
        if version != self.version + 1:
            raise ValueError(delta)
        live = self.live
        breach: tuple[SlaMetric, int] | None = None
        kind = delta[2] if len(delta) > 2 else None  # noqa: PLR2004 - after the instant
        if len(delta) != _FACT_LENGTH.get(kind):  # an unhashable kind raises TypeError
            raise ValueError(delta)
        if kind == "c":
            self.commented(_ROLES[delta[3]], at, self.status)
        elif kind == "t":
            status = delta[3]
            if type(status) is not str:
                raise TypeError(status)
            self.status = status
            self.moved(at, status)
        elif kind == "w":
            threshold = delta[5]
            if type(threshold) is not float:
                raise TypeError(threshold)
            self._recorded((_METRICS[delta[3]], _int(delta[4]), threshold))
        elif kind == "b":
            breach = (_METRICS[delta[3]], _int(delta[4]))
            self._recorded((*breach, None))
        self._settle(live, breach)
        self.version = version
        self.at = at

    def _recorded(self, alert: tuple[SlaMetric, int, float | None]) -> None:
        self.recorded.add(alert)
        for cycle in self.cycles:  # what each has still to raise is asked again
            cycle.known = False

    def _settle(self, live: list[_Span], breach: tuple[SlaMetric, int] | None) -> None:
        """After an event: drop what can raise nothing more."""
        if self.live is not live:  # response cycles were met for good
            self._finished([c for c in live if c.met_at is not None and c not in self.live])
        elif breach is not None and self.pending:
            self._recorded_breach(breach)

    def _finished(self, cycles: list[_Span]) -> None:
        # A met response cycle is dropped unless it owes its breach: its intervals never
        # change again, so under this rule nothing else can come due for it.
        for cycle in cycles:
            if cycle.breach_pending(self.recorded):
                self.pending[cycle.metric, cycle.index] = cycle
            else:
                self.cycles.remove(cycle)

    def _recorded_breach(self, key: tuple[SlaMetric, int]) -> None:
        cycle = self.pending.pop(key, None)
        if cycle is not None:
            self.cycles.remove(cycle)

    # -- what is due -----------------------------------------------------------------------

    def _candidates(self) -> Iterator[tuple[_Span, float | None, datetime]]:
        """The unrecorded alerts with an instant, cycle by cycle in the order they began.

        Raises :class:`~ticketflow.exceptions.CalendarError` where the journal path does: a
        running cycle whose target lies beyond the last datetime.
        """
        if self.rule is None:
            return
        thresholds = self.terms.thresholds
        breach = len(thresholds) - 1
        recorded = self.recorded
        for cycle in self.cycles:
            amounts = self.terms.amounts[cycle.metric]
            if not amounts:
                continue
            reached = cycle.reached
            if cycle.open_since is None:
                instant = reached.get(breach)
                if instant is not None and (cycle.metric, cycle.index, None) not in recorded:
                    yield cycle, None, instant
                continue
            self._check_breach(cycle, breach)
            yield from self._running(cycle)

    def _running(self, cycle: _Span) -> Iterator[tuple[_Span, float | None, datetime]]:
        recorded = self.recorded
        for index, threshold in enumerate(self.terms.thresholds):
            if (cycle.metric, cycle.index, threshold) in recorded:
                continue
            instant = cycle.reached.get(index)
            if instant is not None:
                yield cycle, threshold, instant
                continue
            instant = cycle.projection(index)
            if instant is not None:
                yield cycle, threshold, instant

    def _check_breach(self, cycle: _Span, breach: int) -> None:
        # A rule's targets are met before the horizon's end from any start before its
        # beginning (see SlaRule), so only a cycle running since then can lack a deadline.
        start = cycle.open_since
        if start is None or start < HORIZON_START or breach in cycle.reached:
            return
        if cycle.projection(breach) is None:
            calendar = self.terms.calendar
            assert calendar is not None  # noqa: S101 - a rule has a calendar
            calendar.add(start, self.terms.amounts[cycle.metric][breach] - cycle.elapsed)

    def alerts_due(self, as_of: datetime) -> list[SlaAlert]:
        """The unrecorded alerts reached by ``as_of``, as :func:`sla_state` orders them.

        ``as_of`` must not precede the last event walked.
        """
        due = [
            SlaAlert(cycle.metric, cycle.index, threshold, instant, cycle.running)
            for cycle, threshold, instant in self._candidates()
            if instant <= as_of
        ]
        due.sort(key=lambda alert: (alert.due_at, alert.threshold is None, alert.threshold or 0))
        return due

    def next_due(self) -> datetime | None:
        """The earliest instant at which an unrecorded alert is or will be due.

        The least of what :meth:`_candidates` yields, but no alert of a running cycle after
        its first one not reached yet is worked out: the later ones come no earlier, and each
        costs a calendar question. Plain loops: every command asks it.
        """
        if self.rule is None:
            return None
        amounts = self.terms.amounts
        breach = len(self.terms.thresholds) - 1
        recorded = self.recorded
        earliest: datetime | None = None
        for cycle in self.cycles:
            if cycle.known:  # unchanged since asked last, and no alert recorded since
                instant = cycle.soonest
            else:
                if not amounts[cycle.metric]:
                    instant = None
                elif cycle.open_since is not None:
                    instant = self._earliest_running(cycle, breach)
                else:
                    instant = cycle.reached.get(breach)
                    if recorded and (cycle.metric, cycle.index, None) in recorded:
                        instant = None
                cycle.soonest, cycle.known = instant, True
            if instant is not None and (earliest is None or instant < earliest):
                earliest = instant
        return earliest

    def _earliest_running(self, cycle: _Span, breach: int) -> datetime | None:
        """The earliest unrecorded alert of a running cycle: reached, else the first to come."""
        start = cycle.open_since
        if start is not None and start >= HORIZON_START:
            self._check_breach(cycle, breach)
        recorded = self.recorded
        reached = cycle.reached
        earliest: datetime | None = None
        for index, threshold in enumerate(self.terms.thresholds):
            if recorded and (cycle.metric, cycle.index, threshold) in recorded:
                continue
            instant = reached.get(index)
            if instant is None:  # the first not reached yet: the later ones come no earlier
                instant = cycle.projection(index)
                if instant is not None and (earliest is None or instant < earliest):
                    earliest = instant
                break
            if earliest is None or instant < earliest:
                earliest = instant
        return earliest

    # -- stored form -----------------------------------------------------------------------

    def encode(self) -> str:
        """Return the checkpoint as compact JSON text (what a store keeps with the snapshot).

        The text last written or read with the facts of each event walked since appended, as
        long as it appends no more than :data:`DELTAS` events' facts; else the whole state.
        Appending costs a command a fraction of writing it all out.
        """
        text, facts = self.text, self.facts
        if facts:
            count = self.deltas + len(facts)
            if text is not None and count <= DELTAS:
                text = f"{text[:-1]},{','.join(facts)}]"
                self.deltas = count
            else:
                text = None
            self.facts = []
        if text is None:
            text = self._whole()
            self.deltas = 0
        self.text = text
        return text

    def _whole(self) -> str:
        first = self.first
        assert first is not None  # noqa: S101 - only a created ticket is checkpointed
        cycles = self.cycles
        recorded = self.recorded
        if recorded:
            kept = {(c.metric, c.index) for c in cycles}
            responses = self.responses
            recorded_text = _encode(
                [
                    [metric.value, index, threshold]
                    for metric, index, threshold in recorded
                    if (metric, index) in kept
                    or (metric is SlaMetric.NEXT_RESPONSE and index >= responses)
                ]
            )
        else:
            recorded_text = "[]"
        at = self.at
        waiting = self.waiting
        met = first.met_at
        # Written by hand, not by json: this runs on every command. Every number is an int and
        # every text goes through the JSON encoder once (_text), so the form is json's own.
        # (map, not a comprehension, and the usual positions at a glance: each costs a frame.)
        return (
            f"[{FORMAT},{self.version},{self.basis.fingerprint_text},{self.terms.rule_text},"
            f"{_text(self.status)},{'null' if at is None else (at - _EPOCH) // _US},"
            f"{self.responses},"
            f"{0 if cycles and cycles[0] is first else _position(cycles, first)},"
            f"{'null' if met is None else (met - _EPOCH) // _US},"
            f"{-1 if waiting is None else _position(cycles, waiting)},"
            f"[{','.join(map(_Span.encoded, cycles))}],{recorded_text}]"
        )

    @classmethod
    def decode(
        cls, text: str, basis: CheckpointBasis, rule: SlaRule | None, version: int
    ) -> SlaCheckpoint | None:
        """Return the checkpoint ``text`` holds, or ``None`` unless it is readable and current.

        Current means: at ``version``, under the basis's fingerprint and the rule ``rule``.
        """
        try:
            data = json.loads(text)
            if (
                type(data) is not list
                or len(data) < 12  # noqa: PLR2004 - the fields _whole writes
                or data[0] != FORMAT
                or data[2] != basis.fingerprint
                or data[3] != (None if rule is None else rule.name)
                or (data[-1][0] if len(data) > 12 else data[1]) != version  # noqa: PLR2004
            ):
                return None
            state = cls._read(data, basis, rule)
        except (
            TypeError,
            ValueError,
            KeyError,
            IndexError,
            OverflowError,
            AttributeError,
            RecursionError,  # a damaged memo nested past the limit
        ):
            return None
        state.text = text
        return state

    @classmethod
    def _read(
        cls, data: list[object], basis: CheckpointBasis, rule: SlaRule | None
    ) -> SlaCheckpoint:
        state = cls(basis, rule)
        _, version, _, _, status, at, responses, first, first_met, waiting, cycles, recorded = data[
            :12
        ]
        if not isinstance(status, str) or not isinstance(cycles, list):
            raise TypeError(data)
        state.version, state.status, state.at = _int(version), status, _instant(at)
        state.walked = status  # every cycle was moved on under it
        state.responses = _int(responses)
        state.cycles = [_decode_span(item, state.terms) for item in cycles]
        if _int(first) >= 0:
            state.first = state.cycles[_int(first)]
        else:  # met and dropped: only its being met matters now
            state.first = state.terms.span(SlaMetric.FIRST_RESPONSE, 0, state.at)
            state.first.met_at = _instant(first_met)
        state.waiting = None if _int(waiting) < 0 else state.cycles[_int(waiting)]
        state.live = [
            c for c in state.cycles if c.met_at is None or c.metric is SlaMetric.RESOLUTION
        ]
        state.pending = {(c.metric, c.index): c for c in state.cycles if c not in state.live}
        if not isinstance(recorded, list):
            raise TypeError(recorded)
        for metric, index, threshold in recorded:
            if threshold is not None and type(threshold) is not float:
                raise TypeError(threshold)
            state.recorded.add((_METRICS[metric], _int(index), threshold))
        for delta in data[12:]:  # the facts of the events since, oldest first
            state._replay(delta)
        state.deltas = len(data) - 12
        return state


class CheckpointBasis:
    """What the checkpoints of one SLA policy share, and the last ones written, decoded.

    The policy and the statuses that stop the clocks, their fingerprint, and each rule's
    terms are worked out once. Decoding the checkpoint a command stored costs more than the
    rest of the policy's work on a command, so the basis keeps the checkpoint it last wrote
    for each ticket (a bounded number of tickets) as the object it encoded: reading that very
    text back hands the object over instead (to one reader: it is advanced in place).
    """

    _KEEP: Final = 4096

    def __init__(self, policy: SlaPolicy, stopped: frozenset[str]) -> None:
        self.policy = policy
        self.stopped = stopped
        self.fingerprint = fingerprint(policy, stopped)
        self.fingerprint_text = _encode(self.fingerprint)
        self._terms = {rule.name: _Terms(rule, policy.warn_at) for rule in policy.rules}
        self._no_terms = _Terms(None, policy.warn_at)
        # Oldest first (a dict keeps insertion order): a full cache forgets the ticket
        # written longest ago. No lock: each step is one dict operation on text keys, which
        # the interpreter does at once, so a checkpoint still goes to one reader only.
        self._written: dict[str, tuple[str, SlaCheckpoint, Ticket]] = {}

    def terms(self, rule: SlaRule | None) -> _Terms:
        """Return the terms of ``rule`` (one of the policy's, or ``None``)."""
        return self._no_terms if rule is None else self._terms[rule.name]

    def start(self, rule: SlaRule | None) -> SlaCheckpoint:
        """Return the checkpoint of a ticket before its creation."""
        return SlaCheckpoint(self, rule)

    def read(
        self,
        before: Ticket,
        stored: Callable[[str], str | None],
        name: str,
        rule: SlaRule | None,
    ) -> SlaCheckpoint | None:
        """Return the checkpoint stored with the snapshot ``before``, or ``None`` unless current.

        ``stored(name)`` reads the stored text (see :meth:`SlaCheckpoint.decode` for what current
        means). The checkpoint this basis wrote last for the ticket is handed over without
        reading anything when ``before`` is the very snapshot it was committed with (a store
        that keeps the objects it is given): a snapshot object changes with every event, so
        the journal is the one that checkpoint walked. Otherwise it is handed over when the
        stored text is the text it was written as.
        """
        kept = self._written.pop(before.id, None)
        if kept is not None and kept[2] is before:
            text: str | None = kept[0]
        else:
            text = stored(name)
            if text is None:
                return None
            if kept is None or kept[0] != text:
                return SlaCheckpoint.decode(text, self, rule, before.version)
        assert kept is not None  # noqa: S101 - handed over above unless decoded
        state = kept[1]
        if state.version == before.version and state.rule is rule:
            return state
        return None

    def write(self, ticket: Ticket, state: SlaCheckpoint) -> str:
        """Return the text of ``state`` to store with ``ticket``, keeping both.

        ``state`` is no longer to be changed (but by the reader it is handed over to).
        """
        text = state.encode()
        written = self._written
        ticket_id = ticket.id
        written.pop(ticket_id, None)
        if len(written) >= self._KEEP:
            # Another thread may take the oldest first (then it is gone either way), or change
            # the cache while this one looks for it (then the next write forgets one).
            with contextlib.suppress(RuntimeError):
                written.pop(next(iter(written), ""), None)
        written[ticket_id] = (text, state, ticket)
        return text


def _position(cycles: list[_Span], cycle: _Span) -> int:
    for position, kept in enumerate(cycles):
        if kept is cycle:
            return position
    return -1


def _span_text(span: _Span) -> str:
    """Return the cycle's stored form, as compact JSON.

    ``[metric, index, started, met, open since, elapsed, [[amount, reached]...], [[amount,
    projected]...]]``, instants and durations in microseconds. Written out (no helper calls)
    because a cycle opened by a command is encoded by that command.
    """
    epoch, us = _EPOCH, _US
    started = (span.started_at - epoch) // us
    met, open_since, reached, projected = span.met_at, span.open_since, span.reached, span.projected
    since: int | str = "null"
    if open_since is not None:
        since = started if open_since is span.started_at else (open_since - epoch) // us
    # Most cycles have reached nothing and project one amount: no comprehension for those.
    amounts = (
        ",".join([f"[{n},{(at - epoch) // us}]" for n, at in reached.items()]) if reached else ""
    )
    if len(projected) == 1:
        [(n, at)] = projected.items()
        ahead = f"[{n},{'null' if at is None else (at - epoch) // us}]"
    else:
        ahead = ",".join([f"[{n},{_optional_micros(at)}]" for n, at in projected.items()])
    return (
        f"[{_METRIC_TEXT[span.metric]},{span.index},{started},"
        f"{'null' if met is None else (met - epoch) // us},{since},"
        f"{span.elapsed // us},[{amounts}],[{ahead}]]"
    )


@functools.lru_cache(maxsize=256)
def _text(value: str) -> str:
    """Return ``value`` as a JSON string (statuses repeat: each is encoded once)."""
    return _encode(value)


def _decode_span(item: object, terms: _Terms) -> _Span:
    if type(item) is not list:
        raise TypeError(item)
    metric, index, started, met, open_since, elapsed, reached, projected = item
    span = _Span(_METRICS[metric], _int(index), _instant(started))
    span.terms = terms
    span.met_at = _optional_instant(met)
    span.open_since = _optional_instant(open_since)
    span.elapsed = _US * _int(elapsed)
    span.reached = {_int(n): _instant(at) for n, at in reached}
    span.projected = {_int(n): _optional_instant(at) for n, at in projected}
    return span


def fingerprint(policy: SlaPolicy, stopped: frozenset[str]) -> str:
    """Return a digest of everything a checkpoint's numbers depend on besides the journal.

    The statuses that stop and pause each clock, the warning thresholds, and each rule's
    targets and calendar by the rule's name (which rule applies is asked again every time).
    """
    rules = [
        (
            rule.name,
            [repr(rule.targets.get(metric)) for metric in SlaMetric],
            _calendar_text(rule.calendar),
        )
        for rule in policy.rules
    ]
    pauses = [(metric.value, sorted(policy.pauses[metric])) for metric in SlaMetric]
    text = repr((FORMAT, sorted(stopped), pauses, policy.warn_at, rules))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _calendar_text(calendar: BusinessCalendar) -> str:
    spec = calendar._spec  # noqa: SLF001 - the calendar's own package
    return repr(
        (
            str(spec.tz),
            spec.weekly,
            sorted(spec.holidays),
            sorted(spec.closures),
            sorted(spec.openings),
        )
    )
