"""The default lifecycle: statuses and the published edge table."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["TICKET_EDGES", "TicketStatus", "as_status"]


class TicketStatus(enum.StrEnum):
    """A status of the default lifecycle.

    ``new -> triaged -> in_progress -> pending_customer -> resolved -> closed``; see
    :data:`TICKET_EDGES` for every allowed move.
    """

    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    PENDING_CUSTOMER = "pending_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


_S = TicketStatus

TICKET_EDGES: Final[Mapping[TicketStatus, frozenset[TicketStatus]]] = MappingProxyType(
    {
        _S.NEW: frozenset({_S.TRIAGED}),
        _S.TRIAGED: frozenset({_S.IN_PROGRESS}),
        _S.IN_PROGRESS: frozenset({_S.PENDING_CUSTOMER, _S.RESOLVED}),
        _S.PENDING_CUSTOMER: frozenset({_S.IN_PROGRESS, _S.RESOLVED}),
        # resolved -> in_progress is the reopen.
        _S.RESOLVED: frozenset({_S.CLOSED, _S.IN_PROGRESS}),
        _S.CLOSED: frozenset(),
    }
)
"""Exactly the allowed moves of the default lifecycle, read-only. ``closed`` is terminal."""

_BY_VALUE: Final[Mapping[str, TicketStatus]] = MappingProxyType({s.value: s for s in TicketStatus})


def as_status(value: str) -> str:
    """Return the :class:`TicketStatus` member for a default status name, else ``value``.

    Host workflows may use statuses of their own; those stay plain strings.
    """
    return _BY_VALUE.get(value, value)
