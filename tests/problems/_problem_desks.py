"""Shared builders for the problem tests: each store, a desk with problems, incidents at work.

A module imports :func:`each_store` and :func:`a_scene` to run its tests that take ``scene`` on
the in-memory store and on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

import attrs
import pytest

from ticketflow import Actor, Desk, NewTicket, Requester, Ticket, replay
from ticketflow.problems import ProblemPolicy, Problems, VerifiedFix, quiet_period_check
from ticketflow.resolution import ANY, CodeInList, DoneCriteria, ResolutionPolicy, RootCauseGiven
from ticketflow.storage import InMemoryTicketStore, SQLiteTicketStore, TicketQuery, TicketStore
from ticketflow.testing import FrozenClock

T0: Final = datetime(2026, 3, 2, 9, tzinfo=UTC)
QUIET: Final = timedelta(days=7)
AGENT: Final = Actor.agent("ann")
ALICE: Final = Actor.customer("alice@example.com")
POLICY: Final = ProblemPolicy(quiet_period=QUIET, name="seven_quiet_days")
CRITERIA: Final = DoneCriteria(
    {
        (ANY, ANY): [CodeInList()],
        (ANY, "network"): [RootCauseGiven()],
        ("problem", ANY): [VerifiedFix(POLICY)],
    }
)


@attrs.frozen
class Scene:
    """A desk with problem management, its clock, and its store."""

    desk: Desk
    clock: FrozenClock
    problems: Problems

    def incident(
        self, *, category: str | None = "delivery/late", external: bool = True, work: bool = True
    ) -> Ticket:
        """Return a new incident of Alice's, moved to ``in_progress`` if ``work``."""
        ticket = self.desk.submit(
            NewTicket(
                subject="parcel late",
                requester=Requester(ALICE.id, external=external),
                category=category,
            ),
            actor=ALICE,
        )
        if work:
            for status in ("triaged", "in_progress"):
                ticket = self.desk.transition(ticket.id, status, actor=AGENT)
        return ticket

    def at_work(self, problem_id: str) -> Ticket:
        """Move the problem to ``in_progress``."""
        for status in ("triaged", "in_progress"):
            ticket = self.desk.transition(problem_id, status, actor=AGENT)
        return ticket

    def later(self, delta: timedelta) -> None:
        """Let ``delta`` pass."""
        self.clock.advance(delta)


@pytest.fixture(name="store", params=["memory", "sqlite"])
def each_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TicketStore]:
    """Each store in turn: the in-memory one, and SQLite in a temporary directory."""
    if request.param == "memory":
        yield InMemoryTicketStore()
        return
    with SQLiteTicketStore(tmp_path / "desk.sqlite3", synchronous="OFF") as sqlite:
        yield sqlite


@pytest.fixture(name="scene")
def a_scene(store: TicketStore) -> Iterator[Scene]:
    """A desk that runs the quiet period and holds problems to VerifiedFix; every journal it
    wrote replays to its snapshot at the end of the test."""
    clock = FrozenClock(T0)
    desk = Desk(
        store,
        clock=clock,
        due=[quiet_period_check(POLICY)],
        resolution=ResolutionPolicy(criteria=CRITERIA),
    )
    yield Scene(desk, clock, Problems(desk, policy=POLICY))
    assert_every_journal_replays(store)


def assert_every_journal_replays(store: TicketStore) -> None:
    """Check that every ticket's journal replays to its snapshot."""
    query = TicketQuery(limit=1000)
    while True:
        page = store.query(query)
        for ticket in page.tickets:
            assert replay(store.journal(ticket.id)) == ticket
        if page.next_cursor is None:
            return
        query = attrs.evolve(query, after=page.next_cursor)
