"""Sorted lists of the in-memory store, and a sorted queue taken from the front.

:func:`insort_last` skips the search for a key that sorts last; :class:`SortedQueue` gives up
its smallest keys without moving the rest.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from typing import Any, Final, Generic, Protocol, TypeVar

__all__ = ["SortedQueue", "insort_last"]


class _Ordered(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...  # noqa: ANN401 - any key of one list


K = TypeVar("K", bound=_Ordered)

# Bisecting keys in (or out) one by one moves the list's tail each time; past this many at
# once, one sort or one filtering pass of the whole list is cheaper.
_ONE_BY_ONE: Final = 64
# Taken keys are dropped from the front of the list once they are this many and at least as
# many as the keys left: each key is moved at most once more, whatever the list's length.
_DROP_AT: Final = 64


def insort_last(items: list[K], key: K) -> None:
    """Insert ``key`` into the sorted ``items`` after the keys equal to it, as ``insort`` does.

    A key that sorts last (a new message, a new ticket's number, most new due times) is
    appended without a search: a bisection of a long list touches keys scattered through
    memory, which cost more to reach than to compare.
    """
    if not items or not key < items[-1]:
        items.append(key)
    else:
        bisect.insort(items, key)


class SortedQueue(Generic[K]):
    """Distinct keys in sorted order, the smallest taken first.

    A claim takes the first keys of a list that may hold a hundred thousand: deleting them
    from a plain list moves every key after them, so a claim would cost in proportion to the
    list. Here the taken keys stay in place behind a head index until they are as many as the
    rest, and are then dropped at once. A key that sorts first (a released message going back
    to the front) takes a free slot before the head. Not thread-safe.
    """

    __slots__ = ("_head", "_items")

    def __init__(self) -> None:
        self._items: list[K] = []  # sorted from the head on; before it, keys already taken
        self._head = 0

    def __len__(self) -> int:
        return len(self._items) - self._head

    def __iter__(self) -> Iterator[K]:
        return iter(self._items[self._head :])

    def add(self, key: K) -> None:
        """Insert ``key`` (not present) in its place."""
        items, head = self._items, self._head
        if len(items) == head or not key < items[-1]:
            items.append(key)
        elif head and key < items[head]:
            self._head = head - 1
            items[head - 1] = key
        else:
            bisect.insort(items, key, lo=head)

    def remove(self, key: K) -> None:
        """Take out ``key``, which is present."""
        items, head = self._items, self._head
        index = bisect.bisect_left(items, key, lo=head)
        if index == head:
            self._head = head + 1
            self._drop_taken()
        else:
            del items[index]

    def take(self, limit: int) -> list[K]:
        """Remove and return the first ``limit`` keys."""
        head = self._head
        taken = self._items[head : head + limit]
        self._head = head + len(taken)
        self._drop_taken()
        return taken

    def arrive(self, keys: list[K]) -> None:
        """Insert ``keys`` (none present): a few one by one, many by one sort."""
        if len(keys) <= _ONE_BY_ONE:
            for key in keys:
                self.add(key)
            return
        items = self._items
        del items[: self._head]
        self._head = 0
        items.extend(keys)
        items.sort()

    def leave(self, keys: Iterable[K]) -> None:
        """Take out ``keys`` (all present): a few one by one, many by one filtering pass."""
        keys = list(keys)
        if len(keys) <= _ONE_BY_ONE:
            for key in keys:
                self.remove(key)
            return
        gone = set(keys)
        self._items = [key for key in self._items[self._head :] if key not in gone]
        self._head = 0

    def _drop_taken(self) -> None:
        head = self._head
        if head >= _DROP_AT and head * 2 >= len(self._items):
            del self._items[:head]
            self._head = 0
