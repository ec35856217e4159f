"""The in-memory store's query index: each criterion a query can name, to sorted ticket numbers.

A :class:`~ticketflow.storage.TicketQuery` asks for tickets by status, queue, assignee and
exact field values, a page at a time in number order. Scanning every ticket for that costs
time in proportion to the store, however few tickets match. Instead each criterion a ticket
meets (``status = "new"``, ``fields.site = 7781``) is a key to the sorted numbers of the
tickets that meet it (:class:`~ticketflow.storage._sorted.SortedKeys`: a ticket leaving
``status = "new"`` moves a run of numbers, not every number after its own). A query looks up
one set of numbers per criterion and walks them together from the cursor, starting with the
smallest and leaping ahead by bisection, so a page costs about the size of the page and of
the smallest set, not of the store.

A field's key holds the value's type, because a field filter compares types: ``"7781"`` never
finds ``7781``, nor ``1`` finds ``1.0`` or ``True``. ``-0.0`` and ``0.0`` are equal with equal
hashes, so they find each other, as the filter says.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from .._ticket import Ticket
from ._protocol import TicketQuery
from ._sorted import SortedKeys, intersection

__all__ = ["TicketIndex"]


class TicketIndex:
    """The numbers of the stored tickets, in order, and of those meeting each criterion.

    Not thread-safe: the store calls it under its lock.
    """

    def __init__(self) -> None:
        self._numbers: SortedKeys[int] = SortedKeys()
        self._postings: dict[Hashable, SortedKeys[int]] = {}

    def add(self, ticket: Ticket) -> None:
        """Index a ticket the store did not hold."""
        self._numbers.add(ticket.number)
        self._file(ticket.number, _attribute_keys(ticket) | _field_keys(ticket))

    def replace(self, before: Ticket, after: Ticket) -> None:
        """Index the ticket's new snapshot in place of the old one (its number is the same)."""
        old, new = _attribute_keys(before), _attribute_keys(after)
        # Most commits keep the very same fields (a move, a comment): skip reading them.
        if before.fields is not after.fields:
            old |= _field_keys(before)
            new |= _field_keys(after)
        if old != new:
            self._unfile(before.number, old - new)
            self._file(after.number, new - old)

    def page(self, query: TicketQuery) -> tuple[list[int], int | None]:
        """Return the numbers of the query's page, ascending, and the cursor of the next page."""
        lists = [self._numbers]
        keys = _criteria(query)
        if keys:
            try:
                lists = sorted((self._postings[key] for key in keys), key=len)
            except KeyError:
                return [], None  # no ticket meets one of the criteria
        after = 0 if query.after is None else query.after  # numbers start at 1
        numbers = intersection(lists, after, query.limit + 1)
        if len(numbers) > query.limit:
            return numbers[: query.limit], numbers[query.limit - 1]
        return numbers, None

    def _file(self, number: int, keys: Iterable[Hashable]) -> None:
        postings = self._postings
        for key in keys:
            numbers = postings.get(key)
            if numbers is None:
                numbers = postings[key] = SortedKeys()
            numbers.add(number)

    def _unfile(self, number: int, keys: Iterable[Hashable]) -> None:
        for key in keys:
            numbers = self._postings[key]
            numbers.remove(number)
            if not numbers:
                # Values unique to one ticket (an order id) would otherwise pile up as keys.
                del self._postings[key]


def _attribute_keys(ticket: Ticket) -> set[Hashable]:
    keys: set[Hashable] = {("status", ticket.status)}
    if ticket.queue is not None:
        keys.add(("queue", ticket.queue))
    if ticket.assignee is not None:
        keys.add(("assignee", ticket.assignee))
    return keys


def _field_keys(ticket: Ticket) -> set[Hashable]:
    return {("field", name, type(value), value) for name, value in ticket.fields.items()}


def _criteria(query: TicketQuery) -> list[Hashable]:
    keys: list[Hashable] = [
        (name, value)
        for name, value in (
            ("status", query.status),
            ("queue", query.queue),
            ("assignee", query.assignee),
        )
        if value is not None
    ]
    keys.extend(("field", name, type(value), value) for name, value in query.fields.items())
    return keys
