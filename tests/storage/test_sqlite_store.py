"""The SQLite store: the TicketStore protocol on one file, shared by threads and processes."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ticketflow import (
    DEFAULT_WORKFLOW,
    Actor,
    CommentAdded,
    FieldValue,
    NewTicket,
    Requester,
    Ticket,
    apply,
)
from ticketflow import TicketStatus as S
from ticketflow.exceptions import (
    ConflictError,
    InvalidValueError,
    NotATicketflowStoreError,
    SchemaVersionError,
    StoreError,
    TicketNotFoundError,
)
from ticketflow.storage import (
    Change,
    InMemoryTicketStore,
    LeasedMessage,
    OutboxMessage,
    TicketQuery,
    TicketStore,
)
from ticketflow.storage import _sqlite_schema as schema
from ticketflow.storage._sqlite import SCHEMA_VERSION, SQLiteTicketStore
from ticketflow.testing import check_ticket_store, new_tickets

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
BOB = Actor.agent("bob")
LEASE = timedelta(seconds=30)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "desk.sqlite3"


@pytest.fixture
def store(path: Path) -> Iterator[SQLiteTicketStore]:
    with SQLiteTicketStore(path) as opened:
        yield opened


def draft(**overrides: Any) -> NewTicket:
    return NewTicket(subject="Parcel late", requester=Requester("alice@example.com"), **overrides)


def create(
    store: TicketStore,
    number: int,
    *,
    ticket_id: str | None = None,
    fields: dict[str, FieldValue] | None = None,
    queue: str | None = None,
    assignee: str | None = None,
    due_at: datetime | None = None,
    outbox: Sequence[OutboxMessage] = (),
) -> Ticket:
    ticket, event = DEFAULT_WORKFLOW.create(
        draft(fields=fields or {}, queue=queue, assignee=assignee),
        id=ticket_id or f"T{number}",
        number=number,
        actor=BOB,
        at=AT,
    )
    store.commit(
        Change(ticket=ticket, events=[event], expected_version=0, outbox=outbox, due_at=due_at)
    )
    return ticket


def move(
    store: TicketStore,
    ticket: Ticket,
    to: str,
    *,
    due_at: datetime | None = None,
    outbox: Sequence[OutboxMessage] = (),
) -> Ticket:
    after, event = DEFAULT_WORKFLOW.transition(ticket, to, actor=BOB, at=AT)
    store.commit(
        Change(
            ticket=after,
            events=[event],
            expected_version=ticket.version,
            outbox=outbox,
            due_at=due_at,
        )
    )
    return after


def message(
    message_id: str, *, at: datetime = AT, payload: Mapping[str, Any] | None = None
) -> OutboxMessage:
    return OutboxMessage(
        id=message_id,
        topic="ticket.created",
        payload={"n": message_id} if payload is None else payload,
        ticket_id="T1",
        created_at=at,
    )


def claim(
    store: TicketStore, now: datetime = AT, *, limit: int = 10, worker: str = "w1"
) -> Sequence[LeasedMessage]:
    return store.claim_outbox(worker=worker, now=now, lease=LEASE, limit=limit)


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def meta(path: Path) -> dict[str, object]:
    connection = raw(path)
    try:
        return dict(connection.execute("SELECT key, value FROM ticketflow_meta").fetchall())
    finally:
        connection.close()


# -- opening and creating -------------------------------------------------------------------


def test_a_missing_file_becomes_a_store_at_the_current_schema_version(path: Path) -> None:
    SQLiteTicketStore(path).close()
    assert meta(path) == {
        "application": "ticketflow",
        "schema_version": SCHEMA_VERSION,
        "feed": meta(path)["feed"],  # the event feed's own identity
    }


def test_an_empty_file_becomes_a_store(path: Path) -> None:
    path.touch()
    SQLiteTicketStore(path).close()
    assert meta(path)["schema_version"] == SCHEMA_VERSION


def test_an_empty_sqlite_database_becomes_a_store(path: Path) -> None:
    connection = raw(path)
    connection.execute("PRAGMA user_version = 7")  # writes the header, creates no table
    connection.close()
    SQLiteTicketStore(path).close()
    assert meta(path)["schema_version"] == SCHEMA_VERSION


def test_the_schema_version_is_the_number_of_migrations() -> None:
    assert SCHEMA_VERSION == len(schema.MIGRATIONS) >= 1


def test_the_store_runs_in_wal_mode(path: Path) -> None:
    SQLiteTicketStore(path).close()
    connection = raw(path)
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    connection.close()


@pytest.mark.parametrize(("setting", "level"), [("FULL", 2), ("NORMAL", 1), ("OFF", 0)])
def test_the_synchronous_setting_is_applied_to_every_connection(
    path: Path, setting: Any, level: int
) -> None:
    with SQLiteTicketStore(path, synchronous=setting) as store:
        levels = [store._connection().execute("PRAGMA synchronous").fetchone()[0]]
        thread = threading.Thread(
            target=lambda: levels.append(
                store._connection().execute("PRAGMA synchronous").fetchone()[0]
            )
        )
        thread.start()
        thread.join()
    assert store.synchronous == setting
    assert levels == [level, level]


def test_synchronous_is_full_by_default(store: SQLiteTicketStore) -> None:
    assert store._connection().execute("PRAGMA synchronous").fetchone() == (2,)


@pytest.mark.parametrize("setting", ["full", "EXTRA", "", None])
def test_an_unknown_synchronous_setting_is_refused_before_touching_the_disk(
    path: Path, setting: Any
) -> None:
    with pytest.raises(InvalidValueError, match="synchronous") as caught:
        SQLiteTicketStore(path, synchronous=setting)
    assert isinstance(caught.value, ValueError)
    assert not path.exists()


@pytest.mark.parametrize("timeout", [-1, True, "30", float("nan")])
def test_a_timeout_that_is_not_a_number_of_seconds_is_refused(path: Path, timeout: Any) -> None:
    with pytest.raises(InvalidValueError, match="timeout"):
        SQLiteTicketStore(path, timeout=timeout)


@pytest.mark.parametrize("where", ["", ":memory:"])
def test_a_store_needs_a_file(where: str) -> None:
    with pytest.raises(InvalidValueError, match="path"):
        SQLiteTicketStore(where)


def test_a_file_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open"):
        SQLiteTicketStore(tmp_path / "missing" / "desk.sqlite3")


def test_a_path_with_uri_characters_works(tmp_path: Path) -> None:
    path = tmp_path / "desk #1? 100% ü.sqlite3"
    with SQLiteTicketStore(path) as store:
        create(store, 1)
    with SQLiteTicketStore(path) as store:
        assert store.get("T1").number == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_the_path_is_kept_as_given(path: Path) -> None:
    with SQLiteTicketStore(path) as store:
        assert store.path == str(path)


def test_the_store_is_a_ticket_store(store: SQLiteTicketStore) -> None:
    assert isinstance(store, TicketStore)


def test_the_store_passes_the_conformance_kit(tmp_path_factory: pytest.TempPathFactory) -> None:
    check_ticket_store(
        lambda: SQLiteTicketStore(
            tmp_path_factory.mktemp("kit") / "desk.sqlite3", synchronous="OFF"
        )
    )


def test_the_repr_names_the_file_and_the_sync_level(path: Path) -> None:
    store = SQLiteTicketStore(path, synchronous="NORMAL")
    assert repr(store) == f"SQLiteTicketStore({str(path)!r}, synchronous='NORMAL')"
    store.close()
    assert repr(store) == f"SQLiteTicketStore({str(path)!r}, synchronous='NORMAL', closed)"


# -- refusing what is not ours, without touching it --------------------------------------------


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def _text_file(path: Path) -> None:
    path.write_text("these are my notes\nnot a database\n")


def _someone_elses_database(path: Path) -> None:
    connection = raw(path)
    connection.execute("CREATE TABLE recipes (name TEXT)")
    connection.execute("INSERT INTO recipes VALUES ('soup')")
    connection.close()


def _meta_without_marker(path: Path) -> None:
    connection = raw(path)
    connection.execute("CREATE TABLE ticketflow_meta (key TEXT PRIMARY KEY, value)")
    connection.execute("INSERT INTO ticketflow_meta VALUES ('schema_version', 1)")
    connection.close()


def _store_with_version(version: object) -> Any:
    def make(path: Path) -> None:
        SQLiteTicketStore(path).close()
        connection = raw(path)
        connection.execute(
            "UPDATE ticketflow_meta SET value = ? WHERE key = 'schema_version'", (version,)
        )
        connection.close()

    return make


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_random_bytes, "not a SQLite database"),
        (_text_file, "not a SQLite database"),
        (_someone_elses_database, "no ticketflow marker"),
        (_meta_without_marker, "no ticketflow marker"),
        (_store_with_version("1"), "schema version is unreadable"),
        (_store_with_version(0), "schema version is unreadable"),
    ],
    ids=["random bytes", "text", "foreign db", "no marker", "bad version", "version 0"],
)
def test_a_file_that_is_not_a_store_is_refused_and_left_untouched(
    path: Path, make: Any, reason: str
) -> None:
    make(path)
    before = (path.read_bytes(), path.stat().st_mtime_ns, sorted(path.parent.iterdir()))
    with pytest.raises(NotATicketflowStoreError, match=reason) as caught:
        SQLiteTicketStore(path)
    assert caught.value.location == str(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns, sorted(path.parent.iterdir())) == before


def test_a_store_from_a_newer_release_is_refused_and_left_untouched(path: Path) -> None:
    _store_with_version(SCHEMA_VERSION + 1)(path)
    before = (path.read_bytes(), path.stat().st_mtime_ns, sorted(path.parent.iterdir()))
    with pytest.raises(SchemaVersionError) as caught:
        SQLiteTicketStore(path)
    assert (caught.value.found, caught.value.supported) == (SCHEMA_VERSION + 1, SCHEMA_VERSION)
    assert (path.read_bytes(), path.stat().st_mtime_ns, sorted(path.parent.iterdir())) == before
    assert not Path(f"{path}-wal").exists()
    assert not Path(f"{path}-shm").exists()


def test_a_newer_store_in_use_by_another_process_is_refused(path: Path) -> None:
    _store_with_version(SCHEMA_VERSION + 1)(path)
    other = raw(path)  # holds the -wal file open, as a running newer release would
    other.execute("SELECT * FROM ticketflow_meta").fetchall()
    try:
        with pytest.raises(SchemaVersionError):
            SQLiteTicketStore(path)
    finally:
        other.close()


def test_a_directory_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(NotATicketflowStoreError, match="directory"):
        SQLiteTicketStore(tmp_path)


def test_a_damaged_database_is_not_a_store(path: Path) -> None:
    _someone_elses_database(path)
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xa5" * 3996  # the schema page, after the intact header
    path.write_bytes(bytes(data))
    with pytest.raises(NotATicketflowStoreError, match="cannot be read"):
        SQLiteTicketStore(path)


def _written_during_first_read(
    monkeypatch: pytest.MonkeyPatch, path: Path, *, fail: bool
) -> list[bool]:
    """Make another writer touch the file while the store reads it immutably; log the reads."""
    reads: list[bool] = []
    query = schema._query_meta

    def racing(file: Path, *, immutable: bool) -> Any:
        reads.append(immutable)
        if immutable:
            stat = path.stat()
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
            if fail:
                raise sqlite3.DatabaseError("database disk image is malformed")
        return query(file, immutable=immutable)

    monkeypatch.setattr(schema, "_query_meta", racing)
    return reads


@pytest.mark.parametrize("fail", [False, True], ids=["read", "torn read"])
def test_a_store_written_while_it_is_inspected_is_read_again_the_shared_way(
    path: Path, monkeypatch: pytest.MonkeyPatch, fail: bool
) -> None:
    with SQLiteTicketStore(path) as store:
        create(store, 1)
    reads = _written_during_first_read(monkeypatch, path, fail=fail)
    with SQLiteTicketStore(path) as store:
        assert store.get("T1").number == 1
    assert reads == [True, False]


# -- migrations -------------------------------------------------------------------------------


def test_an_older_store_is_migrated_forward_script_by_script(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create(SQLiteTicketStore(path), 1)
    later = [
        "CREATE TABLE notes (ticket_id TEXT);\nINSERT INTO notes VALUES ('first');",
        "ALTER TABLE notes ADD COLUMN body TEXT;\nUPDATE notes SET body = 'second';",
    ]
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, *later))
    with SQLiteTicketStore(path) as store:
        assert store.get("T1").number == 1
    assert meta(path)["schema_version"] == SCHEMA_VERSION + 2
    connection = raw(path)
    assert connection.execute("SELECT ticket_id, body FROM notes").fetchall() == [
        ("first", "second")
    ]
    connection.close()


def test_a_store_at_the_current_version_is_not_migrated_again(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    SQLiteTicketStore(path).close()
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, "CREATE TABLE once (x);"))
    SQLiteTicketStore(path).close()
    SQLiteTicketStore(path).close()  # a second CREATE TABLE would fail
    assert meta(path)["schema_version"] == SCHEMA_VERSION + 1


def test_a_failing_migration_rolls_back_its_step_and_keeps_the_version(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    SQLiteTicketStore(path).close()
    broken = "CREATE TABLE half (x);\nINSERT INTO nowhere VALUES (1);"
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, broken))
    with pytest.raises(StoreError, match=f"migration to schema version {SCHEMA_VERSION + 1} "):
        SQLiteTicketStore(path)
    assert meta(path)["schema_version"] == SCHEMA_VERSION
    connection = raw(path)
    assert connection.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchall() == []
    connection.close()


def test_a_migration_with_an_unfinished_statement_is_refused(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    SQLiteTicketStore(path).close()
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, "CREATE TABLE t (x"))
    with pytest.raises(ValueError, match="incomplete SQL statement"):
        SQLiteTicketStore(path)
    assert meta(path)["schema_version"] == SCHEMA_VERSION


def test_migration_stops_if_another_process_moved_the_store_past_this_release(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    SQLiteTicketStore(path).close()
    monkeypatch.setattr(schema, "inspect_store", lambda _: 1)  # the newer release came between
    _store_with_version(SCHEMA_VERSION + 1)(path)
    with pytest.raises(SchemaVersionError):
        SQLiteTicketStore(path)


# -- reading and writing tickets --------------------------------------------------------------


def test_a_committed_ticket_reads_back_equal(store: SQLiteTicketStore) -> None:
    ticket = create(store, 7, fields={"carrier": "ACME", "kg": 2.5, "fragile": True})
    assert store.get("T7") == ticket
    assert store.get_by_number(7) == ticket


def test_an_unknown_id_is_not_found(store: SQLiteTicketStore) -> None:
    with pytest.raises(TicketNotFoundError) as caught:
        store.get("nope")
    assert caught.value.key == "nope"


def test_an_unknown_number_is_not_found(store: SQLiteTicketStore) -> None:
    with pytest.raises(TicketNotFoundError) as caught:
        store.get_by_number(404)
    assert caught.value.key == 404


def test_the_journal_holds_every_event_in_order(store: SQLiteTicketStore) -> None:
    ticket = create(store, 1)
    after = move(store, move(store, ticket, S.TRIAGED), S.IN_PROGRESS)
    journal = store.journal("T1")
    assert [event.version for event in journal] == [1, 2, 3]
    assert journal[0].ticket == ticket  # type: ignore[union-attr]
    assert store.get("T1") == after


def test_the_journal_after_a_version_holds_only_later_events(store: SQLiteTicketStore) -> None:
    move(store, create(store, 1), S.TRIAGED)
    assert [event.version for event in store.journal("T1", after_version=1)] == [2]
    assert store.journal("T1", after_version=2) == ()


def test_the_journal_of_an_unknown_ticket_is_not_found(store: SQLiteTicketStore) -> None:
    with pytest.raises(TicketNotFoundError):
        store.journal("nope")


def test_everything_survives_closing_and_reopening(path: Path) -> None:
    with SQLiteTicketStore(path) as store:
        number = store.allocate_number()
        ticket = move(store, create(store, number, outbox=[message("m1")]), S.TRIAGED, due_at=AT)
        journal = store.journal("T1")
    with SQLiteTicketStore(path) as store:
        assert store.get("T1") == ticket
        assert store.journal("T1") == journal
        assert [entry.ticket_id for entry in store.due(AT)] == ["T1"]
        assert [leased.message for leased in claim(store)] == [message("m1")]
        assert store.allocate_number() == number + 1


def test_a_stale_version_is_a_conflict_naming_both_versions(store: SQLiteTicketStore) -> None:
    ticket = create(store, 1)
    move(store, ticket, S.TRIAGED)
    with pytest.raises(ConflictError) as caught:
        move(store, ticket, S.TRIAGED)
    assert (caught.value.ticket_id, caught.value.expected, caught.value.actual) == ("T1", 1, 2)


def test_a_conflict_writes_nothing(store: SQLiteTicketStore) -> None:
    ticket = create(store, 1, fields={"site": "north"})
    current = move(store, ticket, S.TRIAGED, due_at=AT)
    stale, event = DEFAULT_WORKFLOW.transition(ticket, S.TRIAGED, actor=BOB, at=AT)
    stale = attrs.evolve(stale, fields={"site": "south"}, queue="q")
    with pytest.raises(ConflictError):
        store.commit(
            Change(
                ticket=stale,
                events=[event],
                expected_version=1,
                outbox=[message("m-stale")],
                due_at=AT - timedelta(days=1),
            )
        )
    assert store.get("T1") == current
    assert len(store.journal("T1")) == 2
    assert claim(store) == []
    assert [entry.due_at for entry in store.due(AT)] == [AT]
    assert store.query(TicketQuery(fields={"site": "south"})).tickets == ()
    assert store.query(TicketQuery(queue="q")).tickets == ()


def note(store: TicketStore, ticket: Ticket, body: str) -> Ticket:
    """Commit an internal comment: a change of the version and the snapshot only."""
    event = CommentAdded(
        ticket_id=ticket.id,
        version=ticket.version + 1,
        at=AT,
        actor=BOB,
        comment_id=f"c{ticket.version}",
        body=body,
        public=False,
    )
    after = apply(ticket, event)
    store.commit(Change(ticket=after, events=[event], expected_version=ticket.version))
    return after


def test_a_comment_on_a_version_another_writer_replaced_is_a_conflict(path: Path) -> None:
    with SQLiteTicketStore(path) as first, SQLiteTicketStore(path) as second:
        ticket = note(first, create(first, 1), "first writes version 2")
        note(second, second.get("T1"), "second writes version 3")
        with pytest.raises(ConflictError) as caught:
            note(first, ticket, "first still holds version 2")
        assert (caught.value.expected, caught.value.actual) == (2, 3)
        assert [event.version for event in first.journal("T1")] == [1, 2, 3]


def test_a_comment_rewrites_columns_changed_behind_the_stores_back(
    store: SQLiteTicketStore, path: Path
) -> None:
    ticket = note(store, create(store, 1, queue="north"), "the store wrote version 2")
    connection = raw(path)
    try:
        connection.execute("UPDATE tickets SET queue = 'south' WHERE id = 'T1'")
    finally:
        connection.close()
    after = note(store, ticket, "the row must follow the snapshot again")
    assert store.get("T1") == after
    assert [t.id for t in store.query(TicketQuery(queue="north")).tickets] == ["T1"]
    assert store.query(TicketQuery(queue="south")).tickets == ()


def test_creating_an_existing_id_is_a_conflict(store: SQLiteTicketStore) -> None:
    create(store, 1)
    with pytest.raises(ConflictError) as caught:
        create(store, 2, ticket_id="T1", outbox=[message("m")])
    assert (caught.value.expected, caught.value.actual) == (0, 1)
    assert claim(store) == []


def test_creating_with_a_taken_number_is_a_conflict_and_writes_nothing(
    store: SQLiteTicketStore,
) -> None:
    create(store, 1)
    with pytest.raises(ConflictError) as caught:
        create(store, 1, ticket_id="other", outbox=[message("m")], due_at=AT)
    assert (caught.value.ticket_id, caught.value.expected, caught.value.actual) == (
        "other",
        0,
        None,
    )
    with pytest.raises(TicketNotFoundError):
        store.journal("other")
    assert claim(store) == []
    assert store.due(AT) == []


def test_updating_a_ticket_that_does_not_exist_is_a_conflict(store: SQLiteTicketStore) -> None:
    ghost, _ = DEFAULT_WORKFLOW.create(draft(), id="ghost", number=5, actor=BOB, at=AT)
    with pytest.raises(ConflictError) as caught:
        move(store, ghost, S.TRIAGED)
    assert (caught.value.expected, caught.value.actual) == (1, None)


def test_an_outbox_payload_that_is_not_json_is_refused_before_any_commit() -> None:
    with pytest.raises(InvalidValueError) as caught:
        message("m", payload={"at": AT})
    assert caught.value.field == "payload.at"
    assert caught.value.problem == "a datetime is not a JSON value"


def test_a_payload_may_be_any_mapping(store: SQLiteTicketStore) -> None:
    payload = MappingProxyType({"nested": MappingProxyType({"n": [1, 2]})})
    create(store, 1, outbox=[message("m", payload=payload)])
    assert claim(store)[0].message.payload == {"nested": {"n": [1, 2]}}


def test_text_that_utf8_cannot_encode_never_reaches_the_store() -> None:
    # Every store must hold what the value types accept, so the value types refuse it.
    with pytest.raises(InvalidValueError, match="lone surrogates"):
        draft(description="half a pair: \ud800 and ü")


# -- ticket numbers ----------------------------------------------------------------------------


def test_numbers_count_up_from_one(store: SQLiteTicketStore) -> None:
    assert [store.allocate_number() for _ in range(3)] == [1, 2, 3]


def test_numbers_are_unique_across_threads(store: SQLiteTicketStore) -> None:
    numbers: list[int] = []

    def allocate() -> None:
        numbers.extend(store.allocate_number() for _ in range(50))

    threads = [threading.Thread(target=allocate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == list(range(1, 201))


# -- queries ---------------------------------------------------------------------------------


def test_a_query_filters_by_status_queue_and_assignee(store: SQLiteTicketStore) -> None:
    create(store, 1, queue="billing", assignee="bob")
    create(store, 2, queue="billing")
    move(store, create(store, 3, queue="billing", assignee="bob"), S.TRIAGED)
    create(store, 4, queue="logistics", assignee="bob")
    page = store.query(TicketQuery(status=S.NEW, queue="billing", assignee="bob"))
    assert [ticket.number for ticket in page.tickets] == [1]


def test_a_query_returns_tickets_by_number(store: SQLiteTicketStore) -> None:
    for number in (5, 2, 9, 1):
        create(store, number)
    assert [t.number for t in store.query(TicketQuery()).tickets] == [1, 2, 5, 9]


@pytest.mark.parametrize("value", [1, True, 1.0, "1"], ids=repr)
def test_a_field_filter_matches_the_type_as_well_as_the_value(
    store: SQLiteTicketStore, value: FieldValue
) -> None:
    values: list[FieldValue] = [1, True, 1.0, "1"]
    for number, stored in enumerate(values, start=1):
        create(store, number, fields={"x": stored})
    found = store.query(TicketQuery(fields={"x": value})).tickets
    assert [t.fields["x"] for t in found] == [value]
    assert type(found[0].fields["x"]) is type(value)


def test_negative_zero_matches_zero(store: SQLiteTicketStore) -> None:
    create(store, 1, fields={"x": -0.0})
    assert len(store.query(TicketQuery(fields={"x": 0.0})).tickets) == 1


def test_every_field_filter_must_hold(store: SQLiteTicketStore) -> None:
    create(store, 1, fields={"a": "x", "b": 2})
    create(store, 2, fields={"a": "x", "b": 3})
    create(store, 3, fields={"b": 2})
    page = store.query(TicketQuery(fields={"a": "x", "b": 2}))
    assert [t.number for t in page.tickets] == [1]


def test_the_field_index_follows_changes_to_the_fields(store: SQLiteTicketStore) -> None:
    ticket = create(store, 1, fields={"site": "north", "kg": 2})
    after, event = DEFAULT_WORKFLOW.transition(ticket, S.TRIAGED, actor=BOB, at=AT)
    after = attrs.evolve(after, fields={"site": "south"})
    store.commit(Change(ticket=after, events=[event], expected_version=1))
    assert store.query(TicketQuery(fields={"site": "north"})).tickets == ()
    assert store.query(TicketQuery(fields={"kg": 2})).tickets == ()
    assert store.query(TicketQuery(fields={"site": "south"})).tickets == (after,)


def test_paging_walks_every_match_once(store: SQLiteTicketStore) -> None:
    for number in range(1, 12):
        create(store, number, queue="even" if number % 2 == 0 else "odd")
    seen: list[int] = []
    query = TicketQuery(queue="odd", limit=2)
    while True:
        page = store.query(query)
        seen += [t.number for t in page.tickets]
        if page.next_cursor is None:
            break
        query = attrs.evolve(query, after=page.next_cursor)
    assert seen == [1, 3, 5, 7, 9, 11]


def test_a_full_last_page_has_no_cursor(store: SQLiteTicketStore) -> None:
    for number in range(1, 5):
        create(store, number)
    first = store.query(TicketQuery(limit=2))
    assert (first.next_cursor, [t.number for t in first.tickets]) == (2, [1, 2])
    last = store.query(TicketQuery(limit=2, after=2))
    assert (last.next_cursor, [t.number for t in last.tickets]) == (None, [3, 4])


_POOL: list[FieldValue] = [1, True, 1.0, "1", 0, 0.0, -0.0, False, "x"]


@st.composite
def _populations(draw: st.DrawFn) -> list[Ticket]:
    drafts = draw(st.lists(new_tickets(), min_size=0, max_size=12))
    numbers = draw(
        st.lists(st.integers(1, 60), min_size=len(drafts), max_size=len(drafts), unique=True)
    )
    tickets = []
    for index, (new, number) in enumerate(zip(drafts, numbers, strict=True)):
        fields = draw(st.dictionaries(st.sampled_from("ab"), st.sampled_from(_POOL), max_size=2))
        ticket, _ = DEFAULT_WORKFLOW.create(
            attrs.evolve(
                new,
                queue=draw(st.sampled_from([None, "q1", "q2"])),
                assignee=draw(st.sampled_from([None, "bob"])),
                fields=fields,
                status=None,
            ),
            id=f"id-{index}",
            number=number,
            actor=BOB,
            at=AT,
        )
        tickets.append(attrs.evolve(ticket, status=draw(st.sampled_from([S.NEW, S.TRIAGED]))))
    return tickets


_queries = st.builds(
    TicketQuery,
    status=st.sampled_from([None, S.NEW, S.TRIAGED]),
    queue=st.sampled_from([None, "q1", "q2"]),
    assignee=st.sampled_from([None, "bob"]),
    fields=st.dictionaries(st.sampled_from("ab"), st.sampled_from(_POOL), max_size=2),
    limit=st.integers(1, 4),
    after=st.none() | st.integers(0, 60),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(population=_populations(), query=_queries)
def test_queries_answer_exactly_as_the_memory_store_does(
    tmp_path_factory: pytest.TempPathFactory, population: list[Ticket], query: TicketQuery
) -> None:
    memory = InMemoryTicketStore()
    path = tmp_path_factory.mktemp("query") / "desk.sqlite3"
    with SQLiteTicketStore(path, synchronous="OFF") as sqlite:
        for ticket in population:
            event = DEFAULT_WORKFLOW.create(
                draft(), id=ticket.id, number=ticket.number, actor=BOB, at=AT
            )[1]
            for target in (memory, sqlite):
                target.commit(Change(ticket=ticket, events=[event], expected_version=0))
        assert sqlite.query(query) == memory.query(query)


# -- the SLA due index -----------------------------------------------------------------------


def test_due_lists_tickets_due_by_the_instant_earliest_first(store: SQLiteTicketStore) -> None:
    create(store, 1, ticket_id="b", due_at=AT)
    create(store, 2, ticket_id="a", due_at=AT)
    create(store, 3, ticket_id="c", due_at=AT - timedelta(hours=1))
    create(store, 4, ticket_id="d", due_at=AT + timedelta(seconds=1))
    create(store, 5, ticket_id="e")
    entries = store.due(AT)
    assert [(e.ticket_id, e.due_at) for e in entries] == [
        ("c", AT - timedelta(hours=1)),
        ("a", AT),
        ("b", AT),
    ]


def test_due_stops_at_the_limit(store: SQLiteTicketStore) -> None:
    for number in range(1, 6):
        create(store, number, due_at=AT - timedelta(minutes=number))
    assert [e.ticket_id for e in store.due(AT, limit=2)] == ["T5", "T4"]
    assert store.due(AT, limit=0) == []


def test_due_reads_any_time_zone_as_the_same_instant(store: SQLiteTicketStore) -> None:
    create(store, 1, due_at=AT)
    berlin = AT.astimezone(timezone(timedelta(hours=1)))
    assert [e.due_at for e in store.due(berlin)] == [AT]


def test_a_commit_without_a_due_time_leaves_the_due_index(store: SQLiteTicketStore) -> None:
    move(store, create(store, 1, due_at=AT), S.TRIAGED, due_at=None)
    assert store.due(AT) == []


@pytest.mark.parametrize("limit", [-1, True, 1.5])
def test_a_limit_that_is_not_a_count_is_refused(store: SQLiteTicketStore, limit: Any) -> None:
    with pytest.raises(InvalidValueError, match="limit"):
        store.due(AT, limit=limit)
    with pytest.raises(InvalidValueError, match="limit"):
        claim(store, limit=limit)


# -- the outbox ------------------------------------------------------------------------------


def test_claiming_leases_the_oldest_messages_first(store: SQLiteTicketStore) -> None:
    late, early = message("m1", at=AT), message("m2", at=AT - timedelta(minutes=1))
    tie = message("m0", at=AT)
    create(store, 1, outbox=[late, early, tie])
    leased = claim(store, limit=2)
    assert [item.message for item in leased] == [early, tie]
    assert [item.message for item in claim(store)] == [late]


def test_a_taken_message_id_refuses_the_whole_change(store: SQLiteTicketStore) -> None:
    create(store, 1, outbox=[message("m1", payload={"v": 1})])
    with pytest.raises(InvalidValueError, match="outbox message id is taken"):
        create(store, 2, outbox=[message("m1", payload={"v": 2})])
    with pytest.raises(TicketNotFoundError):
        store.get("T2")
    assert [leased.message.payload for leased in claim(store)] == [{"v": 1}]


def test_a_claimed_message_reads_back_whole(store: SQLiteTicketStore) -> None:
    sent = message("m1", payload={"ticket": {"id": "T1", "tags": ["a"]}, "n": 1.5})
    create(store, 1, outbox=[sent])
    (leased,) = claim(store, worker="deliverer")
    assert leased.message == sent
    assert leased.lease_token.startswith("deliverer:")
    assert leased.lease_until == AT + LEASE
    assert leased.attempts == 1


def test_a_message_is_not_claimable_before_it_was_written(store: SQLiteTicketStore) -> None:
    create(store, 1, outbox=[message("m1")])
    assert claim(store, AT - timedelta(seconds=1)) == []


def test_a_leased_message_is_not_claimed_again_while_the_lease_lives(
    store: SQLiteTicketStore,
) -> None:
    create(store, 1, outbox=[message("m1")])
    claim(store)
    assert claim(store, AT + LEASE - timedelta(microseconds=1), worker="w2") == []


def test_an_expired_lease_makes_the_message_claimable_again(store: SQLiteTicketStore) -> None:
    create(store, 1, outbox=[message("m1")])
    (first,) = claim(store)
    (second,) = claim(store, AT + LEASE, worker="w2")
    assert second.message == first.message
    assert second.attempts == 2
    assert second.lease_token != first.lease_token


def test_acknowledging_removes_the_message(store: SQLiteTicketStore) -> None:
    create(store, 1, outbox=[message("m1")])
    (leased,) = claim(store)
    assert store.ack_outbox(leased) is True
    assert claim(store, AT + 2 * LEASE) == []


def test_acknowledging_a_lost_lease_removes_nothing(store: SQLiteTicketStore) -> None:
    create(store, 1, outbox=[message("m1")])
    (lost,) = claim(store)
    (current,) = claim(store, AT + LEASE, worker="w2")
    assert store.ack_outbox(lost) is False
    assert store.ack_outbox(current) is True
    assert store.ack_outbox(current) is False


def test_a_retried_message_comes_back_at_its_not_before(store: SQLiteTicketStore) -> None:
    create(store, 1, outbox=[message("m1")])
    (leased,) = claim(store)
    later = AT + timedelta(minutes=5)
    assert store.retry_outbox(leased, not_before=later) is True
    assert claim(store, later - timedelta(microseconds=1)) == []
    (again,) = claim(store, later)
    assert again.attempts == 2


def test_retrying_a_lost_lease_changes_nothing(store: SQLiteTicketStore) -> None:
    create(store, 1, outbox=[message("m1")])
    (lost,) = claim(store)
    (current,) = claim(store, AT + LEASE, worker="w2")
    assert store.retry_outbox(lost, not_before=AT) is False
    assert store.ack_outbox(current) is True


def test_two_threads_claiming_at_once_never_share_a_message(path: Path) -> None:
    with SQLiteTicketStore(path, synchronous="OFF") as store:
        outbox = [message(f"m{n:04d}", at=AT + timedelta(microseconds=n)) for n in range(400)]
        create(store, 1, outbox=outbox)
        claimed: dict[str, list[str]] = {"w1": [], "w2": []}
        start = threading.Barrier(2)

        def work(worker: str) -> None:
            start.wait()
            while batch := claim(store, AT + timedelta(seconds=1), limit=3, worker=worker):
                claimed[worker] += [leased.message.id for leased in batch]
                time.sleep(0.001)  # deliver, so that both workers are claiming all along

        threads = [threading.Thread(target=work, args=(w,)) for w in claimed]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    both = claimed["w1"] + claimed["w2"]
    assert sorted(both) == [m.id for m in outbox]
    assert claimed["w1"]
    assert claimed["w2"]


# -- connections, threads and locks ----------------------------------------------------------


def test_each_thread_gets_its_own_connection(store: SQLiteTicketStore) -> None:
    mine = store._connection()
    theirs: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: theirs.append(store._connection()))
    thread.start()
    thread.join()
    assert store._connection() is mine
    assert theirs[0] is not mine


def test_the_connection_of_a_finished_thread_is_closed_when_another_opens(
    store: SQLiteTicketStore,
) -> None:
    theirs: list[sqlite3.Connection] = []
    for _ in range(2):
        thread = threading.Thread(target=lambda: theirs.append(store._connection()))
        thread.start()
        thread.join()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        theirs[0].execute("SELECT 1")
    assert len(store._open) == 2  # this thread's and the last thread's


def test_closing_closes_the_connections_of_every_thread(path: Path) -> None:
    store = SQLiteTicketStore(path)
    theirs: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: theirs.append(store._connection()))
    thread.start()
    thread.join()
    store.close()
    store.close()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        theirs[0].execute("SELECT 1")


def test_a_closed_store_refuses_every_call(path: Path) -> None:
    with SQLiteTicketStore(path) as store:
        pass
    with pytest.raises(StoreError, match="closed"):
        store.get("T1")
    with pytest.raises(StoreError, match="closed"):
        store.allocate_number()


def test_a_write_that_waits_too_long_for_the_lock_is_a_store_error(path: Path) -> None:
    with SQLiteTicketStore(path, timeout=0.05) as store:
        blocker = raw(path)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreError, match="locked"):
                create(store, 1)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        with pytest.raises(TicketNotFoundError):
            store.get("T1")


def test_a_read_that_fails_in_sqlite_is_a_store_error(store: SQLiteTicketStore, path: Path) -> None:
    connection = raw(path)
    connection.execute("DROP TABLE events")
    connection.close()
    with pytest.raises(StoreError, match="no such table"):
        store.journal("T1")


class _LockedOnce:
    """A connection whose first statement fails as SQLite does when a creator holds the file."""

    def __init__(self, mode: str = "wal") -> None:
        self.mode = mode
        self.statements: list[str] = []

    def execute(self, sql: str) -> Any:
        self.statements.append(sql)
        if len(self.statements) == 1:
            raise sqlite3.OperationalError("database is locked")
        return self

    def fetchone(self) -> tuple[str]:
        return (self.mode,)


def test_switching_to_wal_tries_again_while_another_creator_holds_the_file(
    store: SQLiteTicketStore,
) -> None:
    connection = _LockedOnce()
    store._use_wal(connection)  # type: ignore[arg-type]
    assert connection.statements == ["PRAGMA journal_mode = WAL"] * 2


def test_a_file_that_cannot_use_wal_is_a_store_error(store: SQLiteTicketStore) -> None:
    with pytest.raises(StoreError, match="stays in delete mode"):
        store._use_wal(_LockedOnce(mode="delete"))  # type: ignore[arg-type]


def test_switching_to_wal_gives_up_after_the_timeout(path: Path) -> None:
    reader = raw(path)
    reader.execute("PRAGMA user_version = 7")  # a header, no table: a new store to be
    reader.execute("BEGIN")
    reader.execute("SELECT * FROM sqlite_master").fetchall()  # a reader blocks the switch
    try:
        with pytest.raises(StoreError, match="cannot switch to WAL"):
            SQLiteTicketStore(path, timeout=0.05)
    finally:
        reader.execute("ROLLBACK")
        reader.close()


def test_a_file_locked_by_another_program_cannot_be_opened(path: Path) -> None:
    other = raw(path)
    other.execute("PRAGMA user_version = 7")
    other.execute("BEGIN EXCLUSIVE")  # rollback mode: not even readers may enter
    try:
        with pytest.raises(StoreError, match="cannot open the store: database is locked"):
            SQLiteTicketStore(path, timeout=0.05)
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_opening_waits_for_a_writer_then_fails_cleanly(path: Path) -> None:
    SQLiteTicketStore(path).close()
    blocker = raw(path)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError):
            SQLiteTicketStore(path, timeout=0.05)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
