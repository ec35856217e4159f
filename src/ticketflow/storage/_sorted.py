"""Sorted containers of the in-memory store.

:class:`SortedKeys` holds keys that come and go anywhere in the order (due times, messages by
the time they become deliverable, the tickets that meet a query's criterion): in a plain list
each insertion or deletion moves every key after it, so at a hundred thousand keys one commit
or claim would move most of a megabyte. It keeps its keys in short sorted runs instead, each
found by bisecting the runs' last keys, so a change moves one run's keys at most, and taking
the first keys moves nothing else.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import Any, Final, Generic, Protocol, TypeVar

__all__ = ["SortedKeys", "intersection"]


class _Ordered(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...  # noqa: ANN401 - any key of one list


K = TypeVar("K", bound=_Ordered)
V = TypeVar("V", bound=_Ordered)  # what a key is read as (its first part, say)

# A run is split in two past twice this many keys, and merged into a neighbour below a
# quarter of it: long enough that the runs' last keys are few, short enough to move cheaply.
_LOAD: Final = 512
# Keys added or removed one by one above this many at once are sorted or filtered in one pass.
_ONE_BY_ONE: Final = 64


class SortedKeys(Generic[K]):
    """Distinct keys in sorted order, in runs of at most ``2 * _LOAD``. Not thread-safe."""

    __slots__ = ("_lasts", "_length", "_runs")

    def __init__(self, keys: Iterable[K] = ()) -> None:
        self._runs: list[list[K]] = []  # sorted, none empty, each after the one before
        self._lasts: list[K] = []  # the last key of each run
        self._length = 0
        self._fill(sorted(keys))

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[K]:
        return chain.from_iterable(self._runs)

    def add(self, key: K) -> None:
        """Insert ``key`` (not present) in its place."""
        runs, lasts = self._runs, self._lasts
        self._length += 1
        if not runs:
            runs.append([key])
            lasts.append(key)
            return
        at = bisect.bisect_right(lasts, key)
        if at == len(lasts):  # past every key: the end of the last run
            at -= 1
            runs[at].append(key)
            lasts[at] = key
        else:
            bisect.insort(runs[at], key)
        run = runs[at]
        if len(run) > 2 * _LOAD:
            runs.insert(at + 1, run[_LOAD:])
            del run[_LOAD:]
            lasts.insert(at, run[-1])

    def remove(self, key: K) -> None:
        """Take out ``key``, which is present."""
        at = bisect.bisect_left(self._lasts, key)
        run = self._runs[at]
        del run[bisect.bisect_left(run, key)]
        self._length -= 1
        if len(run) < _LOAD // 4 or not run:
            self._settle(at)
        else:  # the usual case, without a call
            self._lasts[at] = run[-1]

    def take(self, limit: int) -> list[K]:
        """Remove and return the first ``limit`` keys."""
        runs, lasts = self._runs, self._lasts
        taken: list[K] = []
        while runs and len(taken) < limit:
            run = runs[0]
            count = limit - len(taken)
            taken += run[:count]
            del run[:count]
            if run:
                self._settle(0)
            else:
                del runs[0], lasts[0]
        self._length -= len(taken)
        return taken

    def first(self, limit: int, *, until: V, key: Callable[[K], V]) -> list[K]:
        """Return the first ``limit`` keys up to the one whose ``key`` is ``until`` or less."""
        found: list[K] = []
        for run in self._runs:
            end = bisect.bisect_right(run, until, hi=min(len(run), limit - len(found)), key=key)
            found += run[:end]
            if end < len(run) or len(found) >= limit:
                break
        return found

    def between(self, low: V, high: V, *, key: Callable[[K], V]) -> list[K]:
        """Return the keys whose ``key`` is above ``low`` and at most ``high``, in order."""
        runs = self._runs
        at = bisect.bisect_right(self._lasts, low, key=key)
        found: list[K] = []
        if at == len(runs):
            return found
        start = bisect.bisect_right(runs[at], low, key=key)
        for run in islice(runs, at, None):
            end = bisect.bisect_right(run, high, lo=start, key=key)
            found += run[start:end]
            if end < len(run):
                break
            start = 0
        return found

    def next_above(self, key: K) -> K | None:
        """Return the least key above ``key``, or ``None`` if there is none."""
        lasts = self._lasts
        at = bisect.bisect_right(lasts, key)
        if at == len(lasts):
            return None
        run = self._runs[at]
        return run[bisect.bisect_right(run, key)]

    def least_from(self, key: K) -> K | None:
        """Return the least key that is ``key`` or above, or ``None`` if there is none."""
        lasts = self._lasts
        at = bisect.bisect_left(lasts, key)
        if at == len(lasts):
            return None
        run = self._runs[at]
        return run[bisect.bisect_left(run, key)]

    def after(self, key: K, limit: int) -> list[K]:
        """Return up to ``limit`` keys above ``key``, in order."""
        runs = self._runs
        at = bisect.bisect_right(self._lasts, key)
        if at == len(runs):
            return []
        start = bisect.bisect_right(runs[at], key)
        keys = chain(islice(runs[at], start, None), chain.from_iterable(islice(runs, at + 1, None)))
        return list(islice(keys, limit))

    def shift(self, keys: list[K], *, arriving: bool) -> None:
        """Insert ``keys`` (``arriving``: a horizon moved forward) or take them out (back)."""
        if arriving:
            self.arrive(keys)
        else:
            self.leave(keys)

    def arrive(self, keys: list[K]) -> None:
        """Insert ``keys`` (none present): a few one by one, many in one sort."""
        if len(keys) <= _ONE_BY_ONE:
            for key in keys:
                self.add(key)
        else:
            self._fill(sorted([*self, *keys]))

    def leave(self, keys: Iterable[K]) -> None:
        """Take out ``keys`` (all present): a few one by one, many in one pass."""
        keys = list(keys)
        if len(keys) <= _ONE_BY_ONE:
            for key in keys:
                self.remove(key)
        else:
            gone = set(keys)
            self._fill([key for key in self if key not in gone])

    def _fill(self, ordered: list[K]) -> None:
        # Runs of (nearly) equal length, none under half a load unless there is only one.
        count = -(-len(ordered) // _LOAD)
        bounds = [len(ordered) * n // count for n in range(count + 1)] if count else []
        self._runs = [ordered[start:end] for start, end in itertools.pairwise(bounds)]
        self._lasts = [run[-1] for run in self._runs]
        self._length = len(ordered)

    def _settle(self, at: int) -> None:
        # After keys left run ``at``: drop it if empty, else note its last key and merge it
        # into a neighbour if it is short (splitting the two again if that is too long).
        runs, lasts = self._runs, self._lasts
        run = runs[at]
        if not run:
            del runs[at], lasts[at]
            return
        lasts[at] = run[-1]
        if len(run) >= _LOAD // 4 or len(runs) == 1:
            return
        left = at - 1 if at else at  # the pair (left, left + 1) is merged
        merged = runs[left] + runs[left + 1]
        if len(merged) > 2 * _LOAD:
            middle = len(merged) // 2
            runs[left], runs[left + 1] = merged[:middle], merged[middle:]
            lasts[left] = runs[left][-1]
        else:
            runs[left] = merged
            lasts[left] = merged[-1]
            del runs[left + 1], lasts[left + 1]


def intersection(sets: list[SortedKeys[K]], after: K, limit: int) -> list[K]:
    """Return up to ``limit`` keys above ``after`` found in every one of ``sets``, in order.

    The first set should be the smallest: its keys are the candidates. A candidate missing
    from another set moves the walk on to that set's next key, found by bisection.
    """
    first, *others = sets
    if not others:
        return first.after(after, limit)
    found: list[K] = []
    key = first.next_above(after)
    while key is not None and len(found) < limit:
        for other in others:
            match = other.least_from(key)
            if match is None:
                return found  # this set has no key from here on
            if match != key:
                key = first.least_from(match)
                break
        else:
            found.append(key)
            key = first.next_above(key)
    return found
