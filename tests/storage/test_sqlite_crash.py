"""A writer killed at any moment leaves a SQLite store whole: every commit is all or nothing."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import attrs
import pytest

from ticketflow import Ticket, replay
from ticketflow.storage import SQLiteTicketStore, TicketQuery

CHILD = Path(__file__).with_name("_sqlite_child.py")
KILLS = 20


def _all_tickets(store: SQLiteTicketStore) -> list[Ticket]:
    tickets: list[Ticket] = []
    query = TicketQuery(limit=1000)
    while True:
        page = store.query(query)
        tickets += page.tickets
        if page.next_cursor is None:
            return tickets
        query = attrs.evolve(query, after=page.next_cursor)


def _kill_at_random(path: Path, seed: int, rng: random.Random) -> None:
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(CHILD), "churn", str(path), str(seed)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "started"
    time.sleep(rng.uniform(0.0, 0.3))
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL, "the writer must die mid-run, not finish"


def _counts(path: Path) -> tuple[str, int, int]:
    connection = sqlite3.connect(path)
    try:
        (integrity,) = connection.execute("PRAGMA integrity_check").fetchone()
        (events,) = connection.execute("SELECT count(*) FROM events").fetchone()
        (messages,) = connection.execute("SELECT count(*) FROM outbox").fetchone()
    finally:
        connection.close()
    return integrity, events, messages


@pytest.mark.slow
def test_a_writer_killed_at_random_moments_never_leaves_a_half_written_change(
    tmp_path: Path,
) -> None:
    path = tmp_path / "desk.sqlite3"
    rng = random.Random(20260302)
    events_seen = 0
    for kill in range(KILLS):
        _kill_at_random(path, kill, rng)
        with SQLiteTicketStore(path) as store:
            tickets = _all_tickets(store)
            for ticket in tickets:
                journal = store.journal(ticket.id)
                assert len(journal) == ticket.version
                assert replay(journal) == ticket
        integrity, events, messages = _counts(path)
        assert integrity == "ok"
        assert events == sum(ticket.version for ticket in tickets)
        assert messages == events, "each event commits with exactly one outbox message"
        assert events >= events_seen, "committed changes survive the next crash"
        events_seen = events
    assert events_seen > KILLS, "the writers made progress between kills"
