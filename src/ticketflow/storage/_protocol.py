"""What a ticket store is: the protocol host applications implement.

A store keeps, per ticket, the current snapshot and its append-only journal; an outbox of
messages for other systems; and an index of the next SLA due time. One :meth:`commit` writes a
ticket's new snapshot, its new events, its outbox messages and its due time together, or
nothing at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, cast, runtime_checkable

import attrs

from .._events import TicketEvent
from .._fields import Fields, FieldValue
from .._ticket import Ticket
from .._value_methods import value_repr
from .._values import check_instant, check_name, check_optional_int
from .._values import validator as value_validator
from ..exceptions import InvalidValueError
from ._change import Change
from ._checks import invalid, validator
from ._outbox import LeasedMessage

__all__ = ["DueEntry", "Page", "TicketMemos", "TicketQuery", "TicketStore"]


def _optional_text(field: str) -> Any:  # noqa: ANN401 - an attrs validator
    def check(_: object, __: object, value: object) -> None:
        if value is not None and not isinstance(value, str):
            raise invalid(field, value, "must be a string or None")

    return check


def _query_fields(value: Mapping[str, FieldValue] | None) -> Fields:
    if value is None:
        return Fields()
    if not isinstance(value, Mapping):
        raise invalid("fields", value, "must be a mapping of field values")
    # Fields checks these too, but builds its error from the raw value, which fails for an
    # integer too long to print; these errors show such a value safely.
    for key, item in cast("Mapping[object, object]", value).items():
        if not isinstance(key, str) or not key:
            raise invalid("fields", key, "field names must be non-empty strings")
        if not isinstance(item, str | int | float):
            raise invalid(f"fields.{key}", item, "a field value must be str, int, float or bool")
    return Fields.coerce(value)


def _query_limit(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:  # noqa: PLR2004
        raise invalid("limit", value, "must be an integer from 1 to 1000")


def _cursor(value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise invalid("after", value, "must be an integer or None")


@attrs.frozen(kw_only=True)
class TicketQuery:
    """A filter over tickets; every given criterion must hold. Results are ordered by number.

    Attributes:
        status: Only tickets in this status.
        queue: Only tickets in this queue.
        assignee: Only tickets assigned to this agent.
        fields: Only tickets whose structured fields have these exact values (type included).
        limit: The page size (1 to 1000).
        after: The cursor of the previous page (``Page.next_cursor``).

    Raises:
        InvalidValueError: A criterion is of the wrong type, or ``limit`` is out of range.
    """

    __repr__ = value_repr

    status: str | None = attrs.field(default=None, validator=_optional_text("status"))
    queue: str | None = attrs.field(default=None, validator=_optional_text("queue"))
    assignee: str | None = attrs.field(default=None, validator=_optional_text("assignee"))
    fields: Fields = attrs.field(factory=Fields, converter=_query_fields)
    limit: int = attrs.field(default=50, validator=validator(_query_limit))
    after: int | None = attrs.field(default=None, validator=validator(_cursor))

    def matches(self, ticket: Ticket) -> bool:
        """Return whether ``ticket`` meets every criterion (the cursor aside)."""
        return (
            (self.status is None or ticket.status == self.status)
            and (self.queue is None or ticket.queue == self.queue)
            and (self.assignee is None or ticket.assignee == self.assignee)
            and all(
                key in ticket.fields and _same(ticket.fields[key], value)
                for key, value in self.fields.items()
            )
        )


def _same(a: FieldValue, b: FieldValue) -> bool:
    # 1 == True == 1.0 in Python; a field filter compares types too.
    return type(a) is type(b) and a == b


def _tickets(value: Iterable[Ticket]) -> tuple[Ticket, ...]:
    given: object = value
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise InvalidValueError("tickets", given, "must be a collection of Tickets")
    tickets = tuple(given)
    for ticket in tickets:
        if type(ticket) is not Ticket:
            raise InvalidValueError("tickets", ticket, "must be a Ticket")
    return tickets


def _due_at(value: datetime) -> datetime:
    return check_instant("due_at", value)


@attrs.frozen
class Page:
    """One page of query results.

    Attributes:
        tickets: The tickets on this page, by ascending number.
        next_cursor: Pass as ``TicketQuery.after`` for the next page; ``None`` on the last.
    """

    __repr__ = value_repr

    tickets: tuple[Ticket, ...] = attrs.field(converter=_tickets)
    next_cursor: int | None = attrs.field(
        validator=value_validator(check_optional_int, "next_cursor", minimum=1)
    )


@attrs.frozen
class DueEntry:
    """A ticket whose next SLA deadline is due."""

    __repr__ = value_repr

    ticket_id: str = attrs.field(validator=value_validator(check_name, "ticket_id"))
    due_at: datetime = attrs.field(converter=_due_at)


@runtime_checkable
class TicketStore(Protocol):
    """Where tickets, their journals, the outbox and the SLA due index live.

    Implement it on your database and prove it with
    :func:`ticketflow.testing.check_ticket_store`. Every method is safe to call from several
    threads; a store meant for several processes must keep :meth:`commit` and
    :meth:`claim_outbox` atomic across them.

    Every method answers any argument with a value or a
    :class:`~ticketflow.exceptions.TicketflowError`, and every shipped store gives the same
    answer to the same call:

    * An argument of the wrong type (``get(5)``, ``journal(None)``, ``due("today")``,
      ``get_by_number(1.0)``, ``commit({})``) raises
      :class:`~ticketflow.exceptions.InvalidValueError` whose ``field`` names the argument.
    * A well-typed key that no ticket can have (an id with a lone surrogate, a number outside
      64 bits) raises :class:`~ticketflow.exceptions.TicketNotFoundError` like any unknown key;
      a query on such a value finds nothing.
    * A store's own trouble (a damaged file, a lock held too long) raises
      :class:`~ticketflow.exceptions.StoreError`, never the database driver's exception.
    """

    def allocate_number(self) -> int:
        """Return a ticket number never returned before (numbers may have gaps)."""
        ...

    def get(self, ticket_id: str) -> Ticket:
        """Return the ticket's current snapshot.

        Raises:
            InvalidValueError: ``ticket_id`` is not a string.
            TicketNotFoundError: No such ticket.
        """
        ...

    def get_by_number(self, number: int) -> Ticket:
        """Return the ticket with this human-facing number.

        Raises:
            InvalidValueError: ``number`` is not an integer (``bool`` and ``float`` are not).
            TicketNotFoundError: No such ticket.
        """
        ...

    def commit(self, change: Change) -> None:
        """Write the change atomically: snapshot, events, outbox and due time, or nothing.

        A change with ``assign_number`` set gets its ticket's number in the same atomic
        step: one above both the last number :meth:`allocate_number` or an earlier
        assignment handed out and the highest number held; the store commits
        ``change.numbered(number)``.

        .. versionchanged:: 0.2
           Honours ``Change.assign_number``.

        Raises:
            ConflictError: The stored version is not ``change.expected_version`` (for a new
                ticket: the id or the number is taken). Nothing was written.
            InvalidValueError: ``change`` is not a :class:`Change`, the change would alter the
                ticket's number, a change without events would alter the snapshot, or an
                outbox message id is taken. Nothing was written.
            StoreError: No ticket number is left to assign (the highest is 2**63 - 1).
        """
        ...

    def journal(self, ticket_id: str, *, after_version: int = 0) -> Sequence[TicketEvent]:
        """Return the ticket's events with a version above ``after_version``, in order.

        Raises:
            InvalidValueError: ``ticket_id`` is not a string or ``after_version`` not an
                integer.
            TicketNotFoundError: No such ticket.
        """
        ...

    def query(self, query: TicketQuery) -> Page:
        """Return one page of tickets matching ``query``, by ascending number.

        Raises:
            InvalidValueError: ``query`` is not a :class:`TicketQuery`.
        """
        ...

    def due(self, at_or_before: datetime, *, limit: int = 100) -> Sequence[DueEntry]:
        """Return tickets whose due time is at or before the instant, earliest first.

        Ties are ordered by ticket id.

        Raises:
            InvalidValueError: ``at_or_before`` is not an aware datetime within the UTC
                calendar, or ``limit`` is not an integer >= 0.
        """
        ...

    def claim_outbox(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int = 10
    ) -> Sequence[LeasedMessage]:
        """Lease up to ``limit`` deliverable messages to ``worker`` until ``now + lease``.

        A message is deliverable when it is due (``now`` is past its not-before time) and not
        under another live lease. No two live leases ever cover the same message. Oldest first
        (by creation time, then id).

        Raises:
            InvalidValueError: ``worker`` is not a key (a non-empty single-line string without
                lone surrogates), ``now`` not an aware datetime, ``lease`` not a positive
                ``timedelta`` (or it ends past the last datetime), ``limit`` not an integer
                >= 0. Checked in that order.
        """
        ...

    def ack_outbox(self, leased: LeasedMessage) -> bool:
        """Remove a delivered message.

        Returns ``False`` (and removes nothing) if the lease was lost: another claim took the
        message after this lease expired, it was released by :meth:`retry_outbox`, or it was
        acknowledged already. An expired lease that nobody claimed since still acknowledges.

        Raises:
            InvalidValueError: ``leased`` is not a :class:`LeasedMessage`.
        """
        ...

    def retry_outbox(self, leased: LeasedMessage, *, not_before: datetime) -> bool:
        """Release a message for another attempt no earlier than ``not_before``.

        Returns ``False`` if the lease was lost (nothing changed).

        Raises:
            InvalidValueError: ``leased`` is not a :class:`LeasedMessage`, or ``not_before``
                is not an aware datetime (checked first, whether the lease holds or not).
        """
        ...


@runtime_checkable
class TicketMemos(Protocol):
    """A store that keeps memos with each ticket's snapshot: the optional half of the protocol.

    A memo is text that a kind of due work derived from the ticket (the SLA clocks, say), so
    that the next command advances it by its own events instead of re-reading the journal.
    :meth:`TicketStore.commit` writes ``change.memos`` in the same transaction as the
    snapshot, replacing the memos of the same names and keeping the others; a refused commit
    writes none. A store without this method still works: every memo is then missing, and due
    work derives what it needs from the journal. Both shipped stores implement it, and
    :func:`ticketflow.testing.check_ticket_store` checks it when a store has it.

    .. versionadded:: 0.1
    """

    def memos(self, ticket_id: str) -> Mapping[str, str]:
        """Return the ticket's memos by name, as its commits left them.

        Raises:
            InvalidValueError: ``ticket_id`` is not a string.
            TicketNotFoundError: No such ticket.
        """
        ...
