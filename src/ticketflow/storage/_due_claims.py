"""Due claims: leasing due tickets to one worker, so several can tick one store at once.

:meth:`~ticketflow.storage.TicketStore.due` tells every caller about the same tickets, so two
workers ticking together would load and decide the same tickets, and one of them would lose
every commit to the other (the version guard keeps the journal right, at the cost of the work
done twice). A store with :class:`DueClaims` hands each due ticket to one worker for a while,
as :meth:`~ticketflow.storage.TicketStore.claim_outbox` does with messages; the version guard
still makes each alert recorded once should a lease lapse while its worker is still busy.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from ._checks import instant, key_text, lease_end, limit_argument
from ._protocol import DueEntry

__all__ = ["DueClaims", "claim_due_arguments"]


def claim_due_arguments(
    worker: object, at_or_before: object, lease: object, limit: object
) -> tuple[str, datetime, datetime, int]:
    """Return the checked arguments of :meth:`DueClaims.claim_due`: worker, cutoff, end, limit.

    Checked as :meth:`~ticketflow.storage.TicketStore.claim_outbox` checks its own, in the same
    order (worker, instant, lease, limit), with the same errors.
    """
    name = key_text("worker", worker)
    cutoff = instant("at_or_before", at_or_before)
    return name, cutoff, lease_end(cutoff, lease), limit_argument(limit)


@runtime_checkable
class DueClaims(Protocol):
    """A store that leases due tickets to workers: the optional half of the protocol for ticks.

    :meth:`~ticketflow.Desk.tick` claims its tickets through it when the store has it, and
    reads :meth:`~ticketflow.storage.TicketStore.due` otherwise. Both shipped stores implement
    it, and :func:`ticketflow.testing.check_ticket_store` checks it when a store has it.

    A lease lasts until ``at_or_before + lease`` and is live while a later call's
    ``at_or_before`` is before that end. Any commit of the ticket ends its lease (every commit
    rewrites the ticket's due entry), so a ticket a worker ticked is free to be claimed again
    as soon as it comes due again; a ticket whose tick failed, or whose worker died, waits for
    its lease to lapse.

    .. versionadded:: 0.2
    """

    def claim_due(
        self,
        at_or_before: datetime,
        *,
        worker: str,
        lease: timedelta,
        limit: int = 100,
    ) -> Sequence[DueEntry]:
        """Lease up to ``limit`` due tickets to ``worker`` until ``at_or_before + lease``.

        A ticket is claimable when its due time is at or before ``at_or_before`` and no live
        lease covers it (a lease whose end is after ``at_or_before``). No two live leases ever
        cover the same ticket, whichever threads or processes claim. Earliest due first, ties
        by ticket id, as :meth:`~ticketflow.storage.TicketStore.due` orders them.

        Raises:
            InvalidValueError: ``worker`` is not a key (a non-empty single-line string without
                lone surrogates), ``at_or_before`` not an aware datetime, ``lease`` not a
                positive ``timedelta`` (or it ends past the last datetime), ``limit`` not an
                integer >= 0. Checked in that order.
        """
        ...
