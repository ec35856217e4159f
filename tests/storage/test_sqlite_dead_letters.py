"""Dead letters in SQLite: rows move whole, event references and all, and back (migration 6)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

from _schema_v1_fixture import FIXTURE, LATER, LEASE, populate

from ticketflow.storage import InMemoryTicketStore, SQLiteTicketStore, TicketStore
from ticketflow.storage._sqlite_schema import MIGRATIONS


def _dead_letter_everything(store: TicketStore) -> list[object]:
    assert isinstance(store, InMemoryTicketStore | SQLiteTicketStore)
    later = LATER + timedelta(days=1)
    claimed = store.claim_outbox(worker="w", now=later, lease=LEASE, limit=100)
    for index, leased in enumerate(claimed):
        at = later + timedelta(seconds=index % 3)
        assert store.dead_letter_outbox(leased, error=f"failure {index}", at=at)
    letters = list(store.dead_letters(limit=1000))
    for letter in letters[::2]:
        assert store.resend_dead_letter(letter.message.id, not_before=later)
    again = store.claim_outbox(worker="x", now=later, lease=LEASE, limit=100)
    return [letters, list(store.dead_letters(limit=1000)), [(m.message, m.attempts) for m in again]]


def test_a_store_migrated_from_version_1_keeps_dead_letters_as_the_reference(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "v1.sqlite3"
    shutil.copyfile(FIXTURE, copy)
    reference = InMemoryTicketStore()
    populate(reference)
    with SQLiteTicketStore(copy) as migrated:
        assert _dead_letter_everything(migrated) == _dead_letter_everything(reference)
    connection = sqlite3.connect(copy)
    try:
        rows = connection.execute(
            "SELECT topic, event_version IS NOT NULL, payload IS NULL FROM outbox_dead"
        ).fetchall()
        (version,) = connection.execute(
            "SELECT value FROM ticketflow_meta WHERE key = 'schema_version'"
        ).fetchone()
    finally:
        connection.close()
    assert version == len(MIGRATIONS)
    assert rows, "some letters stay dead"
    for topic, refers, without_payload in rows:
        announces = topic.startswith("ticket.")
        assert (refers, without_payload) == (announces, announces), (
            f"a dead letter of {topic} keeps the outbox row's form"
        )
