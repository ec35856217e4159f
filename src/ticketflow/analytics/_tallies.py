"""Tallies: a metric's groups kept up to date ticket by ticket.

So that a query after a refresh costs what the refresh changed, not a pass over every ticket.

A :class:`Tally` keeps, for one query shape (metric, dimension, period, status, clock), each
ticket's *contribution* (its group's bag and its observation) and, per group, a :class:`Bag`:
the count, the hits, the CSAT scores' sum, and the durations in sorted order with their sum.
When a refresh folds events of some tickets, the tally takes those tickets' old contributions
out and puts their new ones in (the folder logs which tickets each event touched). Sorted
durations keep the median and the 90th percentile exact: a row is what a full pass computes.

Some observations depend on the instant they are measured at (``as_of``): the age of an open
ticket, the stay in the status a ticket is in now, the overtime of a clock still running. A
ticket whose observation does is *live*: its bag lists it, and the query measures it then.
Live tickets are the open ones, so a query costs the open tickets and the changed ones.

A :class:`Backlogs` keeps the backlog at fixed instants (the ends of the report's weeks) the
same way: each ticket adds one to the instants inside each span it was open (a difference
array), so the series costs one pass when first asked, then what changed.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Final

from .._fields import FieldValue
from ._facts import Facts, Folder

__all__ = ["LIVE", "Backlogs", "Bag", "Live", "Tally", "merged"]

_ZERO: Final = timedelta(0)

Key = tuple[date | None, str, FieldValue | None]
Observation = timedelta | bool | int | None


class Live:
    """The observation of a live ticket: measured at the query's instant."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "LIVE"


LIVE: Final = Live()


class Bag:
    """One group's observations: count, hits, scores, durations (sorted), live tickets."""

    __slots__ = ("count", "hits", "live", "score", "spans", "total")

    def __init__(self) -> None:
        self.count = 0
        self.hits = 0
        self.score = 0
        self.spans: list[timedelta] = []
        self.total = _ZERO
        self.live: dict[str, None] = {}

    def add(self, ticket_id: str, seen: Observation | Live, *, in_order: bool = True) -> None:
        """Add an observation (``in_order=False``: append; :meth:`order` must follow)."""
        if seen is LIVE:
            self.live[ticket_id] = None
            return
        self.count += 1
        if seen is True:
            self.hits += 1
        elif isinstance(seen, timedelta):
            if in_order:
                bisect.insort(self.spans, seen)
            else:
                self.spans.append(seen)
            self.total += seen
        elif isinstance(seen, int) and seen is not False:
            self.score += seen

    def remove(self, ticket_id: str, seen: Observation | Live) -> None:
        if seen is LIVE:
            del self.live[ticket_id]
            return
        self.count -= 1
        if seen is True:
            self.hits -= 1
        elif isinstance(seen, timedelta):
            del self.spans[bisect.bisect_left(self.spans, seen)]
            self.total -= seen
        elif isinstance(seen, int) and seen is not False:
            self.score -= seen

    def order(self) -> None:
        """Sort the durations after adding out of order."""
        self.spans.sort()

    def empty(self) -> bool:
        return not self.count and not self.live


class Tally:
    """One query shape's groups, kept up to date from the folder's log of touched tickets.

    Args:
        folder: The facts.
        key: The group (and period) of a ticket.
        observe: A ticket's observation, :data:`LIVE` when it depends on the instant.
    """

    def __init__(
        self,
        folder: Folder,
        key: Callable[[Facts], Key],
        observe: Callable[[Facts], Observation | Live],
    ) -> None:
        self._folder = folder
        self._key = key
        self._observe = observe
        self.groups: dict[Key, Bag] = {}
        self.total = Bag()
        # Each ticket's contribution: its bag, and its observation. Two dictionaries, not one
        # of pairs: a pair holding a bag is an object the garbage collector tracks, and
        # millions of them (a report's 20 tallies of 100,000 tickets) made each of its full
        # collections cost seconds.
        self._bags: dict[str, Bag] = {}
        self._seen: dict[str, Observation | Live] = {}
        self._synced = 0
        self._put(folder.tickets, in_order=False)
        for bag in self.groups.values():
            bag.order()
        self.total.order()

    def sync(self) -> None:
        """Take in the tickets touched since the last sync."""
        log = self._folder.touched
        if self._synced == len(log):
            return
        changed = dict.fromkeys(log[self._synced :])
        self._synced = len(log)
        bags, kept = self._bags, self._seen
        for ticket_id in changed:
            bag = bags.pop(ticket_id, None)
            if bag is not None:
                seen = kept.pop(ticket_id)
                bag.remove(ticket_id, seen)
                self.total.remove(ticket_id, seen)
        tickets = self._folder.tickets
        self._put({ticket_id: tickets[ticket_id] for ticket_id in changed})

    def _put(self, tickets: dict[str, Facts], *, in_order: bool = True) -> None:
        self._synced = len(self._folder.touched)
        groups, total, bags, kept, key, observe = (
            self.groups,
            self.total,
            self._bags,
            self._seen,
            self._key,
            self._observe,
        )
        for ticket_id, facts in tickets.items():
            seen = observe(facts)
            if seen is None:
                continue
            group = key(facts)
            bag = groups.get(group)
            if bag is None:
                bag = groups[group] = Bag()
            bag.add(ticket_id, seen, in_order=in_order)
            total.add(ticket_id, seen, in_order=in_order)
            bags[ticket_id] = bag
            kept[ticket_id] = seen


class Backlogs:
    """How many tickets were open at each of a sorted tuple of instants, kept up to date.

    Args:
        folder: The facts.
        moments: The instants, ascending.
    """

    def __init__(self, folder: Folder, moments: tuple[datetime, ...]) -> None:
        self._folder = folder
        self.moments = moments
        self._diff = [0] * (len(moments) + 1)
        self._kept: dict[str, tuple[tuple[int, int], ...]] = {}
        self._synced = len(folder.touched)
        self._put(folder.tickets.items())

    def counts(self) -> list[int]:
        """Return the backlog at each instant."""
        log = self._folder.touched
        if self._synced != len(log):
            changed = dict.fromkeys(log[self._synced :])
            self._synced = len(log)
            diff = self._diff
            for ticket_id in changed:
                for start, end in self._kept.pop(ticket_id, ()):
                    diff[start] -= 1
                    diff[end] += 1
            tickets = self._folder.tickets
            self._put((ticket_id, tickets[ticket_id]) for ticket_id in changed)
        found, running = [], 0
        for step in self._diff[:-1]:
            running += step
            found.append(running)
        return found

    def _put(self, tickets: Iterable[tuple[str, Facts]]) -> None:
        moments, diff, kept = self.moments, self._diff, self._kept
        last = len(moments)
        left = bisect.bisect_left
        for ticket_id, facts in tickets:
            ranges = []
            for start, end in facts.open_spans:
                # Open at m when start <= m < end: the instants from the first at or after the
                # start to the last before the end.
                first = left(moments, start)
                stop = last if end is None else left(moments, end)
                if first < stop:
                    diff[first] += 1
                    diff[stop] -= 1
                    ranges.append((first, stop))
            if ranges:
                kept[ticket_id] = tuple(ranges)


def merged(spans: Sequence[timedelta], live: list[timedelta]) -> Sequence[timedelta]:
    """Return the sorted durations with the live ones in."""
    if not live:
        return spans
    return sorted([*spans, *live])
