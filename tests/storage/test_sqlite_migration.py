"""A store written by an older release opens, migrates, and answers as it did."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from _schema_v1_fixture import FIXTURE, LATER, LEASE, populate

from ticketflow import Ticket
from ticketflow.storage import (
    Change,
    InMemoryTicketStore,
    LeasedMessage,
    OutboxMessage,
    SQLiteTicketStore,
    TicketQuery,
    TicketStore,
)
from ticketflow.storage._sqlite import SCHEMA_VERSION

TICKETS = ("id0000", "id0002", "id0004")


def _first_ticket() -> Ticket:
    store = InMemoryTicketStore()
    populate(store)
    return store.get(TICKETS[0])


TICKET = _first_ticket()


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    copy = tmp_path / "v1.sqlite3"
    shutil.copyfile(FIXTURE, copy)
    return copy


def pragma(path: Path, name: str) -> object:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        connection.close()


def answers(store: TicketStore) -> list[object]:
    """Everything the store says about the fixture's tickets, and its outbox drained."""
    found: list[object] = []
    for ticket_id in TICKETS:
        ticket = store.get(ticket_id)
        found += [ticket, store.get_by_number(ticket.number), store.journal(ticket_id)]
        found.append(store.journal(ticket_id, after_version=2))
    found.append(store.query(TicketQuery(limit=10)))
    found.append(store.query(TicketQuery(fields={"count": 4})))
    found.append(store.due(LATER, limit=10))
    found.append(drained(store))
    return found


def drained(store: TicketStore) -> list[tuple[object, ...]]:
    later = LATER + timedelta(days=1)
    claimed: Sequence[LeasedMessage] = store.claim_outbox(
        worker="w", now=later, lease=LEASE, limit=100
    )
    for leased in claimed:
        assert store.ack_outbox(leased)
    return [(leased.message, leased.attempts) for leased in claimed]


def test_the_fixture_is_a_store_of_schema_version_1(old_file: Path) -> None:
    # Read from the copy: even a read-only connection leaves files beside a WAL database.
    connection = sqlite3.connect(old_file)
    try:
        version = connection.execute(
            "SELECT value FROM ticketflow_meta WHERE key = 'schema_version'"
        ).fetchone()
    finally:
        connection.close()
    assert version == (1,)


def test_a_version_1_store_answers_after_migration_as_the_reference_does(old_file: Path) -> None:
    reference = InMemoryTicketStore()
    populate(reference)
    with SQLiteTicketStore(old_file) as migrated:
        assert answers(migrated) == answers(reference)


def test_migration_turns_copied_event_payloads_into_references(old_file: Path) -> None:
    SQLiteTicketStore(old_file).close()
    connection = sqlite3.connect(old_file)
    try:
        rows = connection.execute(
            "SELECT topic, event_version IS NOT NULL, payload IS NULL FROM outbox ORDER BY id"
        ).fetchall()
        version = connection.execute(
            "SELECT value FROM ticketflow_meta WHERE key = 'schema_version'"
        ).fetchone()[0]
    finally:
        connection.close()
    assert version == SCHEMA_VERSION
    for topic, refers, without_payload in rows:
        announces = topic.startswith("ticket.")
        assert (refers, without_payload) == (announces, announces), topic


def test_an_old_file_is_switched_to_incremental_vacuum(old_file: Path) -> None:
    assert pragma(old_file, "auto_vacuum") == 0
    SQLiteTicketStore(old_file).close()
    assert pragma(old_file, "auto_vacuum") == 2


def test_a_migrated_store_keeps_taking_commands(old_file: Path) -> None:
    reference = InMemoryTicketStore()
    populate(reference)
    with SQLiteTicketStore(old_file) as migrated:
        for store in (reference, migrated):
            populate(store, prefix="new")  # the same commands again, on new tickets
        assert answers(migrated) == answers(reference)
        numbers = [t.number for t in migrated.query(TicketQuery(limit=100)).tickets]
    assert numbers == list(range(1, 7))


def test_a_new_store_frees_the_pages_of_acknowledged_messages(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    with SQLiteTicketStore(path) as store:
        assert pragma(path, "auto_vacuum") == 2
        populate(store)
        for number in range(200):
            store.commit(big_message(number))
        full = size_of(path)
        drained(store)
        assert pragma(path, "freelist_count") == 0
        assert size_of(path) < full - 200 * 1000


def big_message(number: int) -> Change:
    """A change that only adds a host's message of 2 kB to ticket id0000."""
    return Change(
        ticket=TICKET,
        events=(),
        expected_version=TICKET.version,
        outbox=(
            OutboxMessage(
                id=f"big{number}",
                topic="report.ready",
                payload={"text": "x" * 2000},
                ticket_id=TICKET.id,
                created_at=LATER,
            ),
        ),
    )


def size_of(path: Path) -> int:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return path.stat().st_size
