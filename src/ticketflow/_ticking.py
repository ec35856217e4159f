"""Work that comes due over time, run by :meth:`Desk.tick`; and reading service levels."""

from __future__ import annotations

import collections
import functools
import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import attrs

import ticketflow.resolution
import ticketflow.sla  # its names load on first use, not with import ticketflow

from ._actors import Actor
from ._draft import Draft
from ._due import DueWork, TickReport
from ._events import TicketEvent
from ._log import log_failure
from ._retry import retrying
from ._ticket import Ticket
from ._values import check_instant, check_int, check_name
from ._workflow import Workflow
from .exceptions import ClockSkewError, ConfigurationError, InvalidValueError
from .storage import DueClaims, DueEntry, TicketQuery, TicketStore

__all__ = ["DEFAULT_TICK_LEASE", "Ticking", "default_worker"]

_LAST = datetime.max.replace(tzinfo=UTC)

DEFAULT_TICK_LEASE = timedelta(minutes=5)
"""How long :meth:`Ticking.tick` holds the tickets it claims, unless told otherwise."""


def default_worker() -> str:
    """Return this process's name as a worker: ``host:pid``."""
    import socket  # noqa: PLC0415 - only a tick on a store with claims needs it

    return f"{socket.gethostname()}:{os.getpid()}"


class Ticking:
    """The :class:`~ticketflow.Desk`'s commands for work that comes due over time."""

    store: TicketStore
    workflow: Workflow
    max_clock_skew: timedelta
    due_work: tuple[DueWork, ...]
    _other_due: tuple[DueWork, ...]
    _sla: ticketflow.sla.SlaPolicy | None
    _resolution: ticketflow.resolution.ResolutionPolicy

    @property
    def sla(self) -> ticketflow.sla.SlaPolicy | None:
        """The SLA policy; setting it replaces the SLA alerts among :attr:`due_work`.

        After changing it, call :meth:`reindex_sla` so that the due index follows.
        """
        return self._sla

    @sla.setter
    def sla(self, policy: ticketflow.sla.SlaPolicy | None) -> None:
        if policy is not None and not isinstance(policy, ticketflow.sla.SlaPolicy):
            raise InvalidValueError("sla", policy, "must be an SlaPolicy or None")
        self._sla = policy
        self._rebuild_due()

    def _rebuild_due(self) -> None:
        policy = self._sla
        alerts = (
            () if policy is None else (ticketflow.sla.sla_alerts(policy, workflow=self.workflow),)
        )
        closing = self._resolution.auto_close
        closes: tuple[DueWork, ...] = ()
        if closing is not None:
            from .resolution._autoclose import AutoCloseWork  # noqa: PLC0415 - on first use

            closes = (AutoCloseWork(self._resolution, closing, self._sla_calendar),)
        self.due_work = (*alerts, *closes, *self._other_due)

    def _sla_calendar(self, ticket: Ticket) -> ticketflow.sla.BusinessCalendar | None:
        rule = None if self._sla is None else self._sla.select(ticket)
        return None if rule is None else rule.calendar

    def _clock_now(self) -> datetime:  # pragma: no cover - the Desk defines it
        raise NotImplementedError

    def _draft(self, before: Ticket, actor: Actor, at: datetime) -> Draft:  # pragma: no cover
        raise NotImplementedError

    def _commit(self, draft: Draft) -> Ticket:  # pragma: no cover - the Desk defines it
        raise NotImplementedError

    def history(self, ticket_id: str) -> Sequence[TicketEvent]:  # pragma: no cover
        """Return the ticket's whole journal (see :meth:`Desk.history`)."""
        raise NotImplementedError

    def get(self, ticket_id: str) -> Ticket:  # pragma: no cover - the Desk defines it
        """Return the ticket's snapshot (see :meth:`Desk.get`)."""
        raise NotImplementedError

    def tick(
        self,
        now: datetime | None = None,
        *,
        limit: int = 100,
        worker: str | None = None,
        lease: timedelta = DEFAULT_TICK_LEASE,
    ) -> TickReport:
        """Run the work that has come due (SLA warnings and breaches, ...), exactly once each.

        Finds the tickets through the store's due index (never a scan), lets each kind of
        :class:`~ticketflow.DueWork` record what is due on it, and commits per ticket. Two
        workers ticking at once cannot record anything twice: the commit is guarded by the
        version, and a conflict re-decides on the winner's journal.

        On a store with :class:`~ticketflow.storage.DueClaims` the tickets are claimed
        (leased to ``worker`` until ``now + lease``), so workers ticking together each take
        tickets of their own. The commit of a ticket ends its lease; a ticket whose tick failed
        (or whose worker died) is taken again once the lease has lapsed. A store without
        claims is read with :meth:`~ticketflow.storage.TicketStore.due`.

        .. versionchanged:: 0.2
           ``worker`` and ``lease``: claims on a store that has them.

        Args:
            now: The instant to evaluate (default: the clock's now).
            limit: At most this many due tickets per call (0 to 10,000).
            worker: Who claims (default: ``host:pid``); a one-line name.
            lease: How long the claimed tickets are held: longer than a tick of ``limit``
                tickets takes (default five minutes).

        Raises:
            ConfigurationError: The desk has no work that comes due (no SLA policy).
            InvalidValueError: An argument is out of its domain.
        """
        if not self.due_work:
            raise ConfigurationError(
                "sla", "this desk has no work that comes due (no SLA policy, no auto-close)"
            )
        when = self._clock_now() if now is None else check_instant("now", now)
        check_int("limit", limit, minimum=0, maximum=10_000)
        name = default_worker() if worker is None else check_name("worker", worker)
        span: object = lease
        if not isinstance(span, timedelta) or span <= timedelta(0):
            raise InvalidValueError("lease", span, "must be a positive timedelta")
        recorded: collections.Counter[str] = collections.Counter()
        failures: list[tuple[str, str]] = []
        entries = self._due_entries(when, limit, name, lease)
        for entry in entries:
            try:
                events, problems = retrying(
                    functools.partial(self._tick_one, entry.ticket_id, when)
                )
            except Exception as error:  # noqa: BLE001 - one ticket must not stop the others
                log_failure(error, "tick failed for ticket %s", entry.ticket_id)
                failures.append((entry.ticket_id, repr(error)))
                continue
            recorded.update(event.type for event in events)
            failures.extend((entry.ticket_id, problem) for problem in problems)
        return TickReport(len(entries), recorded, tuple(failures))

    def _due_entries(
        self, when: datetime, limit: int, worker: str, lease: timedelta
    ) -> Sequence[DueEntry]:
        store = self.store
        # No lease can end past the last datetime: near it, a lease ends there.
        room = _LAST - when
        if isinstance(store, DueClaims) and room > timedelta(0):
            return store.claim_due(when, worker=worker, lease=min(lease, room), limit=limit)
        return store.due(when, limit=limit)

    def sla_state(
        self, ticket_id: str, *, as_of: datetime | None = None
    ) -> ticketflow.sla.SlaState:
        """Return the ticket's SLA state at ``as_of`` (default: now), derived from its journal.

        Raises:
            ConfigurationError: The desk has no SLA policy.
        """
        policy = self._policy()
        when = self._clock_now() if as_of is None else check_instant("as_of", as_of)
        history = self.history(ticket_id)
        return ticketflow.sla.sla_state(history, policy, as_of=when, workflow=self.workflow)

    def explain_sla(self, ticket_id: str) -> str:
        """Say which SLA rule applies to the ticket and why.

        Raises:
            ConfigurationError: The desk has no SLA policy.
        """
        return self._policy().explain(self.get(ticket_id))

    def reindex_sla(self, *, page_size: int = 500) -> int:
        """Recompute every ticket's next due time; call after changing the policy.

        Commits only the due index (no events), version-guarded, ticket by ticket, so it can
        run beside live traffic. Returns how many tickets were reindexed.

        Raises:
            ConfigurationError: The desk has no SLA policy.
        """
        self._policy()
        count = 0
        query = TicketQuery(limit=check_int("page_size", page_size, minimum=1, maximum=1000))
        while True:
            page = self.store.query(query)
            for ticket in page.tickets:
                retrying(functools.partial(self._reindex_one, ticket.id))
                count += 1
            if page.next_cursor is None:
                return count
            query = attrs.evolve(query, after=page.next_cursor)

    def _policy(self) -> ticketflow.sla.SlaPolicy:
        if self.sla is None:
            raise ConfigurationError("sla", "this desk has no SLA policy")
        return self.sla

    def _reindex_one(self, ticket_id: str) -> None:
        ticket = self.store.get(ticket_id)
        self._commit(self._draft(ticket, Actor.system(), ticket.updated_at))

    def _tick_one(self, ticket_id: str, now: datetime) -> tuple[list[TicketEvent], list[str]]:
        # Everything is local to one attempt: a retried attempt reports only its own problems.
        before = self.store.get(ticket_id)
        if before.updated_at - now > self.max_clock_skew:
            raise ClockSkewError(before.id, now, before.updated_at, self.max_clock_skew)
        draft = self._draft(before, Actor.system(), max(now, before.updated_at))
        problems: list[str] = []
        for work in self.due_work:
            draft.actor = work.actor  # each kind records as itself
            problems.extend(str(problem) for problem in work.run(draft, draft.at))
        self._commit(draft)
        return draft.events, problems
