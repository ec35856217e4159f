"""The reference store: everything in dictionaries and sorted containers, behind one lock.

Reads cost about what they return, not what the store holds: queries go through
``TicketIndex``, the outbox is kept in claim order by ``MemoryOutbox``, and the due times, with
their claims, by ``DueIndex``.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from .._events import TicketEvent
from .._ticket import Ticket
from ..exceptions import ConflictError, InvalidValueError, StoreError, TicketNotFoundError
from ._change import Change
from ._checks import (
    INT64_MAX,
    claim_arguments,
    due_arguments,
    instance,
    instant,
    journal_arguments,
    number_argument,
    printable_int,
    ticket_id_argument,
)
from ._dead_letters import (
    DeadLetter,
    dead_letter_arguments,
    dead_letters_arguments,
    resend_arguments,
)
from ._due_claims import claim_due_arguments
from ._feed import (
    FeedCursor,
    FeedPage,
    FeedRun,
    feed_arguments,
    feed_page,
    feed_position,
    numbered_run,
    past_the_end,
)
from ._memory_due import DueIndex
from ._memory_index import TicketIndex
from ._memory_outbox import MemoryOutbox
from ._memory_received import IntakeTables
from ._outbox import LeasedMessage
from ._protocol import DueEntry, Page, TicketQuery
from ._received import (
    RejectedIntake,
    band_keys_argument,
    claim_key_argument,
    record_id_argument,
    rejected_arguments,
)
from ._rotation import next_in_turn, rotation_arguments

__all__ = ["InMemoryTicketStore"]


class InMemoryTicketStore:
    """A :class:`~ticketflow.storage.TicketStore` in memory: the reference and the test double.

    Thread-safe; keeps nothing across processes or restarts. It checks its arguments exactly
    as :class:`~ticketflow.storage.SQLiteTicketStore` does, so it answers every call the same.

    .. versionadded:: 0.1
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tickets: dict[str, Ticket] = {}
        self._by_number: dict[int, str] = {}
        self._index = TicketIndex()
        self._journals: dict[str, list[TicketEvent]] = {}
        self._feed: list[TicketEvent] = []  # every committed event, in commit order
        self._feed_id = secrets.token_hex(16)
        self._memos: dict[str, dict[str, str]] = {}
        self._due = DueIndex()
        self._outbox = MemoryOutbox()
        self._intake = IntakeTables()
        self._turns: dict[str, str] = {}
        self._allocated = 0  # the last number handed out
        self._highest = 0  # the highest number held

    def __repr__(self) -> str:
        return f"InMemoryTicketStore(tickets={len(self._tickets)})"

    def allocate_number(self) -> int:
        """Return the next ticket number."""
        with self._lock:
            self._allocated += 1
            return self._allocated

    def get(self, ticket_id: str) -> Ticket:
        """Return the ticket's snapshot (raises :class:`TicketNotFoundError`)."""
        ticket_id = ticket_id_argument(ticket_id)
        try:
            return self._tickets[ticket_id]
        except KeyError:
            raise TicketNotFoundError(ticket_id) from None

    def get_by_number(self, number: int) -> Ticket:
        """Return the ticket with this number (raises :class:`TicketNotFoundError`)."""
        number = number_argument(number)
        try:
            return self._tickets[self._by_number[number]]
        except KeyError:
            raise TicketNotFoundError(printable_int(number)) from None

    def commit(self, change: Change) -> None:
        """Write the change atomically (raises :class:`ConflictError` on a stale version)."""
        ticket = instance("change", change, Change).ticket
        with self._lock:
            current = self._tickets.get(ticket.id)
            actual = 0 if current is None else current.version
            numbered = actual == change.expected_version and change.assign_number
            if numbered:
                change = change.numbered(self._next_number())
                ticket = change.ticket
            if actual != change.expected_version or (
                current is None and ticket.number in self._by_number
            ):
                raise ConflictError(ticket.id, change.expected_version, actual or None)
            if not change.events and current != ticket:
                raise InvalidValueError(
                    "ticket", ticket.id, "a change without events cannot alter the snapshot"
                )
            if current is not None and current.number != ticket.number:
                raise InvalidValueError(
                    "ticket.number", ticket.number, f"ticket {ticket.id} is #{current.number}"
                )
            self._intake.check(change)
            taken = [m.id for m in change.outbox if m.id in self._outbox]
            if taken or len({m.id for m in change.outbox}) != len(change.outbox):
                raise InvalidValueError(
                    "outbox",
                    ", ".join(taken or [m.id for m in change.outbox]),
                    "an outbox message id is taken; nothing was written",
                )
            if current is None:
                self._by_number[ticket.number] = ticket.id
                self._highest = max(self._highest, ticket.number)
                self._index.add(ticket)
            else:
                self._index.replace(current, ticket)
            self._tickets[ticket.id] = ticket
            self._journals.setdefault(ticket.id, []).extend(change.events)
            self._feed.extend(change.events)
            if change.memos:
                self._memos.setdefault(ticket.id, {}).update(change.memos)
            self._due.set(ticket.id, change.due_at)
            for message in change.outbox:
                self._outbox.add(message)
            self._intake.write(change)
            if numbered:
                self._allocated = ticket.number  # only once written, as a rollback would

    def _next_number(self) -> int:
        # As SQLite does: above every number handed out and every number held.
        number = max(self._allocated, self._highest) + 1
        if number > INT64_MAX:
            raise StoreError("in-memory store: no ticket number is left to assign")
        return number

    def journal(self, ticket_id: str, *, after_version: int = 0) -> Sequence[TicketEvent]:
        """Return the ticket's events after ``after_version``."""
        ticket_id, after_version = journal_arguments(ticket_id, after_version)
        with self._lock:
            try:
                events = self._journals[ticket_id]
            except KeyError:
                raise TicketNotFoundError(ticket_id) from None
            return tuple(events[max(after_version, 0) :])

    def feed(self, *, after: FeedCursor | None = None, limit: int = 500) -> FeedPage:
        """Return up to ``limit`` events committed after ``after``, in commit order.

        Raises:
            InvalidValueError: ``after`` or ``limit`` is out of its domain, or ``after`` is a
                cursor of another store's feed (see :meth:`EventFeed.feed`).
        """
        after, limit = feed_arguments(after, limit)
        start, events = self._feed_slice(after, limit)
        return feed_page(self._feed_id, start, events, after)

    def _feed_run(self, after: FeedCursor | None, limit: int) -> FeedRun:
        # What feed() reads, without its entries and cursors (FeedRun: for analytics).
        after, limit = feed_arguments(after, limit)
        start, events = self._feed_slice(after, limit)
        return numbered_run(self._feed_id, start, events, len(events))

    def _feed_slice(
        self, after: FeedCursor | None, limit: int
    ) -> tuple[int, Sequence[TicketEvent]]:
        # The position after ``after`` and the events from there (arguments checked).
        start = feed_position(after, self._feed_id)
        with self._lock:
            if after is not None and start > len(self._feed):
                raise past_the_end(after, len(self._feed))
            return start, self._feed[start : start + limit]

    def memos(self, ticket_id: str) -> Mapping[str, str]:
        """Return the memos committed with the ticket's snapshot, by name."""
        ticket_id = ticket_id_argument(ticket_id)
        with self._lock:
            if ticket_id not in self._tickets:
                raise TicketNotFoundError(ticket_id)
            return dict(self._memos.get(ticket_id, {}))

    def query(self, query: TicketQuery) -> Page:
        """Return one page of matching tickets by number."""
        query = instance("query", query, TicketQuery)
        with self._lock:
            numbers, cursor = self._index.page(query)
            tickets = tuple(self._tickets[self._by_number[number]] for number in numbers)
        return Page(tickets, cursor)

    def due(self, at_or_before: datetime, *, limit: int = 100) -> Sequence[DueEntry]:
        """Return the tickets due at or before the instant, earliest first."""
        cutoff, limit = due_arguments(at_or_before, limit)
        with self._lock:
            return self._due.due(cutoff, limit)

    def claim_due(
        self, at_or_before: datetime, *, worker: str, lease: timedelta, limit: int = 100
    ) -> Sequence[DueEntry]:
        """Lease up to ``limit`` due tickets without a live lease, earliest due first.

        .. versionadded:: 0.2
        """
        _, cutoff, until, limit = claim_due_arguments(worker, at_or_before, lease, limit)
        with self._lock:
            return self._due.claim(cutoff, until, limit)

    def claim_outbox(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int = 10
    ) -> Sequence[LeasedMessage]:
        """Lease up to ``limit`` deliverable messages, oldest first."""
        worker, now, until, limit = claim_arguments(worker, now, lease, limit)
        with self._lock:
            return self._outbox.claim(worker=worker, now=now, until=until, limit=limit)

    def ack_outbox(self, leased: LeasedMessage) -> bool:
        """Remove a delivered message if the lease still holds."""
        leased = instance("leased", leased, LeasedMessage)
        with self._lock:
            return self._outbox.ack(leased)

    def retry_outbox(self, leased: LeasedMessage, *, not_before: datetime) -> bool:
        """Release a message for a later attempt if the lease still holds."""
        leased = instance("leased", leased, LeasedMessage)
        at = instant("not_before", not_before)
        with self._lock:
            return self._outbox.retry(leased, at)

    # -- dead letters (DeadLetterStore) ---------------------------------------------------

    def dead_letter_outbox(self, leased: LeasedMessage, *, error: str, at: datetime) -> bool:
        """Set a message aside as a dead letter if the lease still holds."""
        leased, error, at = dead_letter_arguments(leased, error, at)
        with self._lock:
            return self._outbox.dead_letter(leased, error, at)

    def dead_letters(
        self, *, after: DeadLetter | None = None, limit: int = 50
    ) -> Sequence[DeadLetter]:
        """Return up to ``limit`` dead letters, oldest first (by ``dead_at``, then id)."""
        after, limit = dead_letters_arguments(after, limit)
        with self._lock:
            return self._outbox.dead_letters(after, limit)

    def resend_dead_letter(self, message_id: str, *, not_before: datetime) -> bool:
        """Put a dead letter back in the outbox; ``False`` if there is none with this id."""
        message_id, at = resend_arguments(message_id, not_before)
        with self._lock:
            return self._outbox.resend(message_id, at)

    # -- intake (IntakeStore) -------------------------------------------------------------

    def claimant(self, key: str) -> str | None:
        """Return the ticket holding the claim ``key``, or ``None``."""
        key = claim_key_argument(key)
        with self._lock:
            return self._intake.claimant(key)

    def candidates(self, band_keys: Collection[str]) -> Mapping[str, Sequence[int]]:
        """Return ticket id -> sketch of every indexed ticket holding any of ``band_keys``."""
        keys = band_keys_argument(band_keys)
        with self._lock:
            return self._intake.candidates(keys)

    def keep_rejected(self, record: RejectedIntake) -> None:
        """Keep a rejected-intake record (its id must be new)."""
        record = instance("record", record, RejectedIntake)
        with self._lock:
            self._intake.keep(record)

    def rejected(
        self, *, pending: bool = True, after: str | None = None, limit: int = 50
    ) -> Sequence[RejectedIntake]:
        """Return up to ``limit`` rejected-intake records in the order kept."""
        pending, after, limit = rejected_arguments(pending, after, limit)
        with self._lock:
            return self._intake.listed(pending=pending, after=after, limit=limit)

    def get_rejected(self, record_id: str) -> RejectedIntake:
        """Return one rejected-intake record (raises :class:`RecordNotFoundError`)."""
        record_id = record_id_argument(record_id)
        with self._lock:
            return self._intake.get(record_id)

    def settle_rejected(self, record_id: str, *, at: datetime, ticket_id: str | None) -> bool:
        """Mark a rejected-intake record settled; ``False`` if it was already."""
        record_id = record_id_argument(record_id)
        when = instant("at", at)
        if ticket_id is not None:
            ticket_id = ticket_id_argument(ticket_id)
        with self._lock:
            return self._intake.settle(record_id, when, ticket_id)

    # -- routing (RotationStore) ----------------------------------------------------------

    def rotate(self, queue: str, eligible: Iterable[str]) -> str:
        """Return whose turn it is in ``queue`` among ``eligible``, and record it."""
        queue, agents = rotation_arguments(queue, eligible)
        with self._lock:
            agent = next_in_turn(self._turns.get(queue), agents)
            self._turns[queue] = agent
            return agent
