"""Migration 8 adds the due leases: an older store's due tickets become claimable, and a commit
ends a lease whatever code wrote it (a trigger of the schema)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from ticketflow.storage import SQLiteTicketStore, _sqlite_schema
from ticketflow.testing._store_checks import T0, comment, created

LEASES_VERSION = 8  # the migration that adds the due leases
LEASE = timedelta(minutes=5)
LATER = T0 + timedelta(hours=1)


def _version(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        (version,) = connection.execute(
            "SELECT value FROM ticketflow_meta WHERE key = 'schema_version'"
        ).fetchone()
    finally:
        connection.close()
    return int(version)


def test_the_due_leases_are_migration_8() -> None:
    assert len(_sqlite_schema.MIGRATIONS) >= LEASES_VERSION
    assert "due_leases" in _sqlite_schema.MIGRATIONS[LEASES_VERSION - 1]


def test_a_version_7_store_leases_its_due_tickets_after_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "v7.sqlite3"
    with monkeypatch.context() as patch:
        # The write path is the same at version 7: the leases live in a table of their own.
        patch.setattr(_sqlite_schema, "MIGRATIONS", _sqlite_schema.MIGRATIONS[: LEASES_VERSION - 1])
        with SQLiteTicketStore(path) as store:
            for number, minutes in ((1, 20), (2, 10), (3, 30)):
                store.commit(created(number))
                ticket = store.get(f"T{number}")
                store.commit(comment(ticket, T0, due_at=T0 + timedelta(minutes=minutes)))
    assert _version(path) == LEASES_VERSION - 1
    with SQLiteTicketStore(path) as store:
        assert _version(path) == _sqlite_schema.SCHEMA_VERSION
        claimed = store.claim_due(LATER, worker="a", lease=LEASE, limit=2)
        assert [entry.ticket_id for entry in claimed] == ["T2", "T1"]
        rest = store.claim_due(LATER, worker="b", lease=LEASE)
        assert [entry.ticket_id for entry in rest] == ["T3"]
        store.commit(comment(store.get("T2"), T0, due_at=T0 + timedelta(minutes=10)))
        again = store.claim_due(LATER, worker="b", lease=LEASE)
        assert [entry.ticket_id for entry in again] == ["T2"]


def test_a_commit_ends_the_lease_in_the_database(tmp_path: Path) -> None:
    with SQLiteTicketStore(tmp_path / "s.sqlite3") as store:
        store.commit(created(1))
        store.commit(comment(store.get("T1"), T0, due_at=T0))
        store.claim_due(LATER, worker="host-1:42", lease=LEASE)
        connection = sqlite3.connect(store.path)
        try:
            rows = connection.execute("SELECT ticket_id, worker FROM due_leases").fetchall()
            assert rows == [("T1", "host-1:42")]
            store.commit(comment(store.get("T1"), T0, due_at=T0))
            assert connection.execute("SELECT count(*) FROM due_leases").fetchone() == (0,)
        finally:
            connection.close()
