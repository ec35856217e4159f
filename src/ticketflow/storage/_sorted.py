"""Sorted lists of the in-memory store: insertion that skips the search at the end."""

from __future__ import annotations

import bisect
from typing import Any, Protocol, TypeVar

__all__ = ["insort_last"]


class _Ordered(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...  # noqa: ANN401 - any key of one list


K = TypeVar("K", bound=_Ordered)


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
