"""Migration 7 gives the journals of an older store a feed: every event once, each journal in
version order, placed by time; later commits follow in commit order."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from _schema_v1_fixture import FIXTURE, populate

from ticketflow.storage import (
    Change,
    InMemoryTicketStore,
    SQLiteTicketStore,
    _sqlite_feed,
    _sqlite_schema,
)
from ticketflow.testing._store_checks import T0, comment, created

FEED_VERSION = 7  # the migration that adds the feed


def _keys(store: SQLiteTicketStore | InMemoryTicketStore) -> list[tuple[str, int]]:
    page = store.feed(limit=1000)
    assert not store.feed(after=page.cursor).entries
    return [(entry.ticket_id, entry.event.version) for entry in page.entries]


def _version(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        (version,) = connection.execute(
            "SELECT value FROM ticketflow_meta WHERE key = 'schema_version'"
        ).fetchone()
    finally:
        connection.close()
    return int(version)


def test_the_feed_is_migration_7() -> None:
    assert len(_sqlite_schema.MIGRATIONS) >= FEED_VERSION
    assert "event_feed" in _sqlite_schema.MIGRATIONS[FEED_VERSION - 1]


def test_a_version_1_store_gets_the_feed_the_reference_has(tmp_path: Path) -> None:
    # The fixture's clock moves a second per command, so time order is commit order there.
    copy = tmp_path / "v1.sqlite3"
    shutil.copyfile(FIXTURE, copy)
    reference = InMemoryTicketStore()
    populate(reference)
    with SQLiteTicketStore(copy) as store:
        assert _keys(store) == _keys(reference)
        events = [entry.event for entry in store.feed().entries]
        assert events == [entry.event for entry in reference.feed().entries]


def _commit_at_version_6(
    path: Path, monkeypatch: pytest.MonkeyPatch, changes: list[Change]
) -> None:
    # This release's write path is the previous one's: the feed is kept by the database (a
    # trigger of migration 7), not by the code that commits. So a store opened with the first
    # six migrations only is a store of schema version 6, written as that release wrote it.
    with monkeypatch.context() as patch:
        patch.setattr(_sqlite_schema, "MIGRATIONS", _sqlite_schema.MIGRATIONS[: FEED_VERSION - 1])
        patch.setattr(_sqlite_feed, "feed_id", lambda *_: "0" * 32)
        with SQLiteTicketStore(path) as store:
            for change in changes:
                store.commit(change)
    assert _version(path) == FEED_VERSION - 1


def _history() -> tuple[list[Change], InMemoryTicketStore]:
    # Commits whose order is not their times' order across tickets (each journal's own times
    # never go backward).
    reference = InMemoryTicketStore()
    changes: list[Change] = []

    def commit(change: Change) -> None:
        reference.commit(change)
        changes.append(change)

    commit(created(1, at=T0))
    commit(created(2, at=T0 - timedelta(hours=1)))
    commit(comment(reference.get("T1"), T0 + timedelta(minutes=30)))
    commit(comment(reference.get("T2"), T0 + timedelta(minutes=10)))
    commit(created(3, at=T0 + timedelta(minutes=10)))
    return changes, reference


def test_a_version_6_store_gets_a_feed_by_time_each_journal_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "v6.sqlite3"
    changes, reference = _history()
    _commit_at_version_6(path, monkeypatch, changes)
    with SQLiteTicketStore(path) as store:
        assert _version(path) == _sqlite_schema.SCHEMA_VERSION
        # By time; T2's comment and T3's creation share theirs, and T2 < T3.
        assert _keys(store) == [("T2", 1), ("T1", 1), ("T2", 2), ("T3", 1), ("T1", 2)]
        for ticket_id in ("T1", "T2", "T3"):
            mine = [e.event for e in store.feed().entries if e.ticket_id == ticket_id]
            assert mine == list(reference.journal(ticket_id))
        cursor = store.feed().cursor
        store.commit(comment(store.get("T2"), T0 + timedelta(minutes=11)))
        store.commit(comment(store.get("T1"), T0 + timedelta(minutes=31)))
        later = store.feed(after=cursor)
        assert [(e.ticket_id, e.event.version) for e in later.entries] == [("T2", 3), ("T1", 3)]


def test_two_files_migrated_alike_have_feeds_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changes, _ = _history()
    ids = []
    for name in ("a.sqlite3", "b.sqlite3"):
        _commit_at_version_6(tmp_path / name, monkeypatch, changes)
        with SQLiteTicketStore(tmp_path / name) as store:
            ids.append(store.feed().cursor.store)
    assert ids[0] != ids[1]
