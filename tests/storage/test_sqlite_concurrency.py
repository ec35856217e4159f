"""Processes sharing one SQLite file: no update lost or doubled, no message claimed twice."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ticketflow import (
    DEFAULT_WORKFLOW,
    Actor,
    CommentAdded,
    Desk,
    NewTicket,
    Requester,
    replay,
)
from ticketflow.storage import Change, OutboxMessage
from ticketflow.storage._sqlite import SCHEMA_VERSION, SQLiteTicketStore

CHILD = Path(__file__).with_name("_sqlite_child.py")
WORKERS = 8
UPDATES = 500
TICKETS = 10


def _spawn(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(CHILD), *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _run_together(children: list[subprocess.Popen[str]]) -> list[str]:
    """Wait until every child is ready, start them at once, return each one's last line."""
    for child in children:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    lines = []
    for child in children:
        out, _ = child.communicate(timeout=120)
        assert child.returncode == 0
        lines.append(out.strip().splitlines()[-1])
    return lines


@pytest.mark.slow
def test_eight_processes_updating_ten_tickets_lose_and_repeat_nothing(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    with SQLiteTicketStore(path, synchronous="NORMAL") as store:
        desk = Desk(store)
        requester = Requester("c@example.com")
        ticket_ids = [
            desk.submit(
                NewTicket(subject=f"shared {n}", requester=requester),
                actor=Actor.customer("c@example.com"),
            ).id
            for n in range(TICKETS)
        ]
    children = [_spawn("hammer", path, worker, UPDATES, *ticket_ids) for worker in range(WORKERS)]
    reports = [json.loads(line) for line in _run_together(children)]
    accepted = sum(report["accepted"] for report in reports)
    assert sum(report["conflicts"] for report in reports) > 0, "the writers really raced"

    with SQLiteTicketStore(path) as store:
        tickets = [store.get(ticket_id) for ticket_id in ticket_ids]
        journals = {ticket.id: store.journal(ticket.id) for ticket in tickets}
        for ticket in tickets:
            assert ticket.version == len(journals[ticket.id])
            assert replay(journals[ticket.id]) == ticket
    assert accepted == WORKERS * UPDATES
    assert accepted == sum(ticket.version for ticket in tickets) - TICKETS
    bodies = Counter(
        event.body
        for journal in journals.values()
        for event in journal
        if isinstance(event, CommentAdded)
    )
    expected = {f"w{worker}-{seq}" for worker in range(WORKERS) for seq in range(UPDATES)}
    assert set(bodies) == expected
    assert set(bodies.values()) == {1}
    connection = sqlite3.connect(path)
    (events,) = connection.execute("SELECT count(*) FROM events").fetchone()
    (messages,) = connection.execute("SELECT count(*) FROM outbox").fetchone()
    connection.close()
    assert events == messages == accepted + TICKETS


HOT_WRITERS = 16
HOT_COMMANDS = 30


def test_sixteen_processes_on_one_hot_ticket_with_a_policy_never_give_up(tmp_path: Path) -> None:
    """Each command holds the ticket briefly (its SLA clocks are a checkpoint, not a replay of
    the journal), so under the default retries no command gives up with ConflictError."""
    path = tmp_path / "desk.sqlite3"
    with SQLiteTicketStore(path, synchronous="NORMAL") as store:
        ticket = Desk(store).submit(
            NewTicket(subject="hot", requester=Requester("c@example.com"), priority="P2"),
            actor=Actor.agent("bob"),
        )
    children = [
        _spawn("hot", path, worker, HOT_COMMANDS, ticket.id) for worker in range(HOT_WRITERS)
    ]
    reports = [json.loads(line) for line in _run_together(children)]
    assert [report["gave_up"] for report in reports] == [0] * HOT_WRITERS, reports
    assert sum(report["conflicts"] for report in reports) > 0, "the writers really raced"
    with SQLiteTicketStore(path) as store:
        assert store.get(ticket.id).version == 1 + HOT_WRITERS * HOT_COMMANDS


@pytest.mark.slow
def test_processes_claiming_the_outbox_at_once_never_share_a_message(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with SQLiteTicketStore(path, synchronous="OFF") as store:
        ticket, event = DEFAULT_WORKFLOW.create(
            NewTicket(subject="s", requester=Requester("c@example.com")),
            id="T1",
            number=1,
            actor=Actor.agent("bob"),
            at=at,
        )
        outbox = [
            OutboxMessage(
                id=f"m{n:04d}", topic="t", payload={}, created_at=at + timedelta(microseconds=n)
            )
            for n in range(1000)
        ]
        store.commit(Change(ticket=ticket, events=[event], expected_version=0, outbox=outbox))
    children = [_spawn("claim", path, worker) for worker in range(4)]
    claimed = [json.loads(line) for line in _run_together(children)]
    everything = [message_id for ids in claimed for message_id in ids]
    assert sorted(everything) == [message.id for message in outbox]
    assert sum(1 for ids in claimed if ids) >= 2, "the workers really claimed side by side"


@pytest.mark.slow
def test_processes_creating_and_opening_one_file_at_once_all_succeed(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    children = [_spawn("open", path, 25) for _ in range(6)]
    numbers = [n for line in _run_together(children) for n in json.loads(line)]
    assert sorted(numbers) == list(range(1, 6 * 25 + 1))
    connection = sqlite3.connect(path)
    meta = dict(connection.execute("SELECT key, value FROM ticketflow_meta").fetchall())
    connection.close()
    assert meta == {
        "application": "ticketflow",
        "schema_version": SCHEMA_VERSION,
        "feed": meta["feed"],  # the event feed's own identity
    }
