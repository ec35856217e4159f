"""The in-memory store's due index: each ticket's next due time, and who has it claimed.

:meth:`~ticketflow.storage.TicketStore.due` reads every entry by ``(due_at, ticket_id)``. A
claim (:class:`~ticketflow.storage.DueClaims`) reads the same order but skips entries under a
live lease, and scanning past those costs time in proportion to what other workers hold. As
the outbox does (``_memory_outbox``), an entry is *available* from its due time or, once
leased, from the later end of its lease, and two more sorted containers are kept
(:class:`~ticketflow.storage._sorted.SortedKeys`, which a change moves little of, wherever it
falls in the order):

* the leased entries by ``(available, due_at, ticket_id)`` (the others are available from
  their due time, so the list of every entry already orders them);
* the entries available by the *horizon* (the cutoff of the last claim) by
  ``(due_at, ticket_id)``: the claimable ones, in claim order.

A claim moves the horizon to its cutoff, and with it the entries that became available (or,
should a caller's clock go back, no longer are) in between, each found by bisection. So a
claim costs about the entries it takes and those whose time came since the last claim; the
container of every entry is only read by a claim.
"""

from __future__ import annotations

import operator
from datetime import UTC, datetime
from typing import Final

from ._protocol import DueEntry
from ._sorted import SortedKeys

__all__ = ["DueIndex"]

_AVAILABLE: Final = operator.itemgetter(0)
_DUE_AT: Final = operator.itemgetter(0)


class DueIndex:
    """The due time of each ticket that has one, with the claims on them.

    Not thread-safe: the store calls it under its lock.
    """

    def __init__(self) -> None:
        self._due: dict[str, datetime] = {}
        self._order: SortedKeys[tuple[datetime, str]] = SortedKeys()  # (due_at, id)
        self._leases: dict[str, datetime] = {}  # id -> the end of its last lease
        self._leased: SortedKeys[tuple[datetime, datetime, str]] = SortedKeys()
        self._ready: SortedKeys[tuple[datetime, str]] = SortedKeys()
        self._horizon = datetime.min.replace(tzinfo=UTC)

    def set(self, ticket_id: str, due_at: datetime | None) -> None:
        """Replace the ticket's entry (``None``: drop it); a lease on it ends."""
        if ticket_id not in self._leases and self._due.get(ticket_id) == due_at:
            return  # a command that leaves the due time as it was (a note, a tag): no move
        before = self._due.pop(ticket_id, None)
        lease = self._leases.pop(ticket_id, None)
        if before is not None:
            key = (before, ticket_id)
            self._order.remove(key)
            available = before
            if lease is not None:
                available = max(before, lease)
                self._leased.remove((available, *key))
            if available <= self._horizon:
                self._ready.remove(key)
        if due_at is not None:
            self._due[ticket_id] = due_at
            key = (due_at, ticket_id)
            self._order.add(key)
            if due_at <= self._horizon:
                self._ready.add(key)

    def due(self, cutoff: datetime, limit: int) -> list[DueEntry]:
        """Return up to ``limit`` entries due at or before ``cutoff``, leased or not."""
        entries = self._order.first(limit, until=cutoff, key=_DUE_AT)
        return [DueEntry(ticket_id, due_at) for due_at, ticket_id in entries]

    def claim(self, cutoff: datetime, until: datetime, limit: int) -> list[DueEntry]:
        """Lease up to ``limit`` entries claimable at ``cutoff`` until ``until``, in order."""
        self._move_horizon(cutoff)
        taken = self._ready.take(limit)
        leased = self._leased
        for due_at, ticket_id in taken:
            lapsed = self._leases.get(ticket_id)
            if lapsed is not None:
                leased.remove((max(due_at, lapsed), due_at, ticket_id))
            self._leases[ticket_id] = until
            # until > cutoff: the lease keeps it out of the claimable list.
            leased.add((max(due_at, until), due_at, ticket_id))
        return [DueEntry(ticket_id, due_at) for due_at, ticket_id in taken]

    def _move_horizon(self, cutoff: datetime) -> None:
        # The claimable list holds exactly the entries available by the horizon; move the
        # horizon to the cutoff, and with it those available in between: the entries without
        # a lease due in between, and the leased ones whose lease ends (or due time comes).
        horizon, self._horizon = self._horizon, cutoff
        if cutoff == horizon:
            return
        low, high = sorted((cutoff, horizon))
        leases = self._leases
        moved = [key for key in self._order.between(low, high, key=_DUE_AT) if key[1] not in leases]
        moved.extend(
            (due_at, ticket_id)
            for _, due_at, ticket_id in self._leased.between(low, high, key=_AVAILABLE)
        )
        self._ready.shift(moved, arriving=cutoff > horizon)
