"""Shared builders for the resolution tests: the stores, a desk on a frozen clock, tickets.

A module imports :func:`each_store` to run its tests that take ``store`` on the in-memory
store and on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import pytest

from ticketflow import (
    Actor,
    Desk,
    NewTicket,
    Requester,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketTransitioned,
)
from ticketflow.resolution import Resolution, ResolutionPolicy, ResolutionSource
from ticketflow.storage import InMemoryTicketStore, SQLiteTicketStore, TicketStore
from ticketflow.testing import FrozenClock

T0: Final = datetime(2026, 11, 26, 10, tzinfo=UTC)
"""A Thursday."""

AGENT: Final = Actor.agent("ann")
SUPERVISOR: Final = Actor.supervisor("sue")
ALICE: Final = Actor.customer("alice@example.com")
MALLORY: Final = Actor.customer("mallory@example.com")
BOT: Final = Actor.ai("bot")
RELAY: Final = Actor.system("mail")


@pytest.fixture(name="store", params=["memory", "sqlite"])
def each_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TicketStore]:
    """Each store in turn: the in-memory one, and SQLite in a temporary directory."""
    if request.param == "memory":
        yield InMemoryTicketStore()
        return
    with SQLiteTicketStore(tmp_path / "desk.sqlite3", synchronous="OFF") as sqlite:
        yield sqlite


def desk_on(
    store: TicketStore, policy: ResolutionPolicy | None = None, **options: Any
) -> tuple[Desk, FrozenClock]:
    """Return a desk on ``store`` with ``policy``, and its frozen clock at :data:`T0`."""
    clock = FrozenClock(T0)
    return Desk(store, clock=clock, resolution=policy, **options), clock


def at_work(
    desk: Desk,
    *,
    external: bool = True,
    email: str = ALICE.id,
    kind: TicketKind = TicketKind.INCIDENT,
    category: str | None = None,
    tags: frozenset[str] = frozenset(),
    fields: Mapping[str, str | int | bool] | None = None,
    status: str = "in_progress",
) -> Ticket:
    """Return a new ticket of ``email``'s, moved by an agent up to ``status``."""
    ticket = desk.submit(
        NewTicket(
            subject="parcel late",
            requester=Requester(email, external=external),
            kind=kind,
            category=category,
            tags=tags,
            fields=dict(fields or {}),
        ),
        actor=AGENT,
    )
    path = {"new": [], "triaged": ["triaged"], "in_progress": ["triaged", "in_progress"]}
    path["pending_customer"] = [*path["in_progress"], "pending_customer"]
    for step in path[status]:
        ticket = desk.transition(ticket.id, step, actor=AGENT)
    return ticket


def fixed(code: str = "fixed", **parts: Any) -> Resolution:
    """Return a person's resolution with ``code``."""
    return Resolution(code=code, summary="replaced the router", **parts)


def by_ai(confidence: float, code: str = "fixed") -> Resolution:
    """Return an AI's resolution at ``confidence``."""
    return Resolution(
        code=code, summary="restart fixed it", source=ResolutionSource.AI, confidence=confidence
    )


def resolved(desk: Desk, *, actor: Actor = AGENT, **options: Any) -> Ticket:
    """Return a new ticket (see :func:`at_work`) resolved by ``actor``."""
    ticket = at_work(desk, **options)
    return desk.resolve(ticket.id, fixed(), actor=actor)


def types(desk: Desk, ticket_id: str) -> list[str]:
    """Return the event types of the ticket's journal."""
    return [event.type for event in desk.history(ticket_id)]


def moves(journal: list[TicketEvent] | tuple[TicketEvent, ...]) -> list[tuple[str, str]]:
    """Return the (source, target) of every transition in ``journal``."""
    return [(e.source, e.target) for e in journal if isinstance(e, TicketTransitioned)]
