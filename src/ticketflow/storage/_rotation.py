"""Round-robin routing's cursor, kept by the store so that it is fair across processes.

A router that deals tickets to the agents of a queue in turn must remember whose turn it is;
kept in one process, two workers (or a restart) deal unfairly. :class:`RotationStore` keeps
the cursor per queue and advances it atomically: ``rotate(queue, eligible)`` returns the
eligible agent after the one the queue dealt to last, in the order of their ids, and records
it, in one step that no other process interleaves with.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, runtime_checkable

from .._values import check_name
from ._checks import invalid

__all__ = ["RotationStore", "next_in_turn", "rotation_arguments"]


def rotation_arguments(queue: object, eligible: object) -> tuple[str, tuple[str, ...]]:
    """Return the checked arguments of :meth:`RotationStore.rotate`: the queue, sorted ids."""
    name = check_name("queue", queue)
    if isinstance(eligible, str | bytes | Mapping) or not isinstance(eligible, Iterable):
        raise invalid("eligible", eligible, "must be a collection of agent ids")
    agents = sorted({check_name("eligible", agent) for agent in eligible})
    if not agents:
        raise invalid("eligible", [], "there must be at least one eligible agent")
    return name, tuple(agents)


def next_in_turn(last: str | None, agents: Sequence[str]) -> str:
    """Return the agent after ``last`` in ``agents`` (sorted), wrapping; the first if none."""
    if last is None:
        return agents[0]
    index = bisect.bisect_right(agents, last)
    return agents[index % len(agents)]


@runtime_checkable
class RotationStore(Protocol):
    """A store that keeps round-robin cursors per queue (optional; both shipped stores do).

    .. versionadded:: 0.2
    """

    def rotate(self, queue: str, eligible: Iterable[str]) -> str:
        """Return whose turn it is in ``queue`` among ``eligible``, and record it, atomically.

        The turn passes in the order of the agents' ids: the first eligible id above the one
        the queue dealt to last, wrapping to the lowest. With a fixed set of eligible agents,
        any number of processes calling this deal to each in turn, so no agent ever has more
        than one ticket more than another; an agent who becomes ineligible is skipped, one
        who joins takes their place in the order.

        Raises:
            InvalidValueError: ``queue`` is not a name, or ``eligible`` is not a non-empty
                collection of names.
        """
        ...
