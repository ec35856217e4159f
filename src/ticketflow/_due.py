"""Work that comes due over time: the Desk's second seam.

SLA warnings and breaches today; automatic closes and recurring-problem checks next. Each kind
says when a ticket next needs it and what to record then. The Desk keeps the earliest of those
instants in the store's due index on every commit, and :meth:`~ticketflow.Desk.tick` asks each
kind in turn for the tickets that have come due.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Protocol, runtime_checkable

import attrs

from ._actors import Actor
from ._draft import Draft
from ._events import TicketEvent
from ._log import log_failure
from ._ticket import Ticket
from ._value_methods import value_repr
from ._values import check_instant, check_int, check_name, validator
from .exceptions import ConflictError, InvalidValueError

__all__ = [
    "DueCheckpoint",
    "DueWork",
    "IncrementalDueWork",
    "TickReport",
    "due_works",
    "known_checkpoint",
    "next_due_of",
    "stored_memos",
]


@runtime_checkable
class DueWork(Protocol):
    """One kind of work that comes due over time.

    Attributes:
        name: Names the kind in reports and logs (``"sla"``, ``"auto_close"``).
        actor: Who records what it decides (a system actor).
    """

    name: str
    actor: Actor

    def next_due(self, ticket: Ticket, history: Sequence[TicketEvent]) -> datetime | None:
        """Return when ``ticket`` (whose whole journal is ``history``) next needs this work.

        ``None`` means nothing can come due without a further event. A pure function.
        """
        ...

    def run(self, draft: Draft, now: datetime) -> Sequence[str]:
        """Record on ``draft`` what is due at ``now``; return the problems met on the way.

        A problem is one line for :attr:`~ticketflow.TickReport.failures` (a host escalation
        that failed, say); what could be recorded is recorded regardless.
        """
        ...


def _memo(value: str | None) -> str | None:
    given: object = value
    if given is not None and not isinstance(given, str):
        raise InvalidValueError("memo", given, "must be text or None")
    if given is not None and not given.isascii():
        try:
            given.encode("utf-8")
        except UnicodeEncodeError:
            # A store keeps memos as UTF-8: what it cannot write is refused here, not there.
            raise InvalidValueError(
                "memo", "<text>", "must be valid Unicode (no lone surrogates)"
            ) from None
    return value


def _next_due(value: datetime | None) -> datetime | None:
    return None if value is None else check_instant("next_due", value)


@attrs.frozen
class DueCheckpoint:
    """What an :class:`IncrementalDueWork` says about a drafted ticket.

    Attributes:
        next_due: When the ticket next needs the work (``None``: not without a further event).
        memo: Text to store with the snapshot under the work's name, read back by the next
            command through :meth:`~ticketflow.Draft.memo`; ``None`` stores nothing.

    .. versionadded:: 0.1
    """

    __repr__ = value_repr

    next_due: datetime | None = attrs.field(converter=_next_due)
    memo: str | None = attrs.field(default=None, converter=_memo)


def known_checkpoint(next_due: datetime | None, memo: str) -> DueCheckpoint:
    """Return a :class:`DueCheckpoint` of values the library computed (private).

    Without its converters: the Desk checks the instant again (:func:`next_due_of`) and the
    change checks the memo again (``Change``), so checking them here too costs a command
    twice for nothing.
    """
    found = _new(DueCheckpoint)
    _set(found, "next_due", next_due)
    _set(found, "memo", memo)
    return found


_new = object.__new__
_set = object.__setattr__


@runtime_checkable
class IncrementalDueWork(DueWork, Protocol):
    """A :class:`DueWork` that keeps its own state up to date, command by command.

    Instead of :meth:`~DueWork.next_due` over the whole journal, the Desk calls
    :meth:`checkpoint` on every commit; the work reads what it stored last time
    (:meth:`~ticketflow.Draft.memo`), walks only the draft's new events, and returns the next
    due instant with the memo to store in the same commit. A memo is a hint, never the truth:
    the work must fall back to the journal (:meth:`~ticketflow.Draft.history`) whenever the
    memo is missing, unreadable, or not for the ticket's version (a store that keeps no memos
    always gives none).
    """

    def checkpoint(self, draft: Draft) -> DueCheckpoint:
        """Return when the drafted ticket next needs this work, and the memo to store."""
        ...


def _counts(value: Mapping[str, int]) -> Mapping[str, int]:
    if not isinstance(value, Mapping):
        raise InvalidValueError("recorded", value, "must map event types to counts")
    return MappingProxyType(
        {
            check_name("recorded", k): check_int(f"recorded[{k!r}]", n, minimum=0)
            for k, n in value.items()
        }
    )


def _failures(given: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    value: object = given
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError("failures", value, "must be a collection of (ticket id, problem)")
    failures = tuple(value)
    for failure in failures:
        if type(failure) is not tuple or [type(s) for s in failure] != [str, str]:
            raise InvalidValueError("failures", failure, "a failure is a (ticket id, problem) pair")
    return failures


@attrs.frozen
class TickReport:
    """What one :meth:`~ticketflow.Desk.tick` did.

    Attributes:
        tickets: Tickets looked at (due in the index).
        recorded: How many events of each type were recorded (``{"sla_warned": 2, ...}``).
        failures: ``(ticket_id, problem)`` for each ticket that could not be ticked (it stays
            due and is tried again next time) and each problem met on the way (a failed
            escalation: its alerts were recorded all the same). Listed once each, however often
            a conflict made the tick of that ticket run again.
    """

    __repr__ = value_repr

    tickets: int = attrs.field(validator=validator(check_int, "tickets", minimum=0))
    recorded: Mapping[str, int] = attrs.field(factory=dict, converter=_counts)
    failures: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_failures)

    @property
    def warned(self) -> int:
        """SLA warnings recorded."""
        return self.recorded.get("sla_warned", 0)

    @property
    def breached(self) -> int:
        """SLA breaches recorded."""
        return self.recorded.get("sla_breached", 0)

    @property
    def escalated(self) -> int:
        """Escalation changes (priority or assignment) recorded."""
        return self.recorded.get("prioritized", 0) + self.recorded.get("assigned", 0)


def next_due_of(works: Sequence[DueWork], draft: Draft) -> tuple[datetime | None, dict[str, str]]:
    """Return when the drafted ticket next needs any of ``works``, and the memos to store.

    The memos are those the incremental kinds (:class:`IncrementalDueWork`) return, by name.
    """
    if not works:
        return None, {}
    history: list[TicketEvent] | None = None
    earliest: datetime | None = None
    memos: dict[str, str] = {}
    for work in works:
        try:
            checkpoint = getattr(work, "checkpoint", None)
            if callable(checkpoint):
                found = _checkpoint(checkpoint(draft))
                due = found.next_due  # checked as the checkpoint was made
                if found.memo is not None:
                    memos[work.name] = found.memo
            else:
                if history is None:
                    before = () if draft.before is None else draft.history()
                    history = [*before, *draft.events]
                due = work.next_due(draft.ticket, history)
                if due is not None:
                    due = check_instant("next_due()", due)
        except ConflictError:
            raise  # the journal ran ahead of the snapshot: the command re-decides
        except Exception as error:  # noqa: BLE001 - logged; see below
            # The command must not fail (nor its input be lost) because a due-work kind, a CRM
            # lookup say, is down: mark the ticket due now; tick re-evaluates it and reports
            # the failure until it succeeds.
            log_failure(error, "%s: next_due failed for ticket %s", work.name, draft.ticket.id)
            due = draft.ticket.updated_at
        if due is not None and (earliest is None or due < earliest):
            earliest = due
    return earliest, memos


def _checkpoint(found: object) -> DueCheckpoint:
    if type(found) is not DueCheckpoint:
        raise InvalidValueError("checkpoint()", found, "must be a DueCheckpoint")
    return found


def stored_memos(store: object, ticket_id: str) -> Mapping[str, str]:
    """Return the memos ``store`` keeps for the ticket; none if it keeps none."""
    read = getattr(store, "memos", None)
    return read(ticket_id) if callable(read) else {}


def due_works(value: object) -> tuple[DueWork, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError("due", value, "must be a collection of DueWork")
    works = tuple(value)
    for work in works:
        if not isinstance(work, DueWork):
            raise InvalidValueError("due", work, "must implement DueWork")
    return works
