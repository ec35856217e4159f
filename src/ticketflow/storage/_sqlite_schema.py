"""What a SQLite ticket store holds on disk, how to recognise one, and how it moves forward.

A store carries the table ``ticketflow_meta`` with two rows: ``application`` (the marker
``"ticketflow"``) and ``schema_version``. :data:`MIGRATIONS` lists one SQL script per version:
script ``n`` takes a store from version ``n`` to ``n + 1``, and each runs in its own
transaction together with the version bump, so a store is always at exactly one version.

A file is inspected read-only before anything is written, so a file that is not a store (or a
store from a newer ticketflow) is refused without being touched.

A store frees the pages of what it deletes (acknowledged outbox messages) as it goes:
:func:`use_incremental_vacuum` switches a file to ``auto_vacuum = INCREMENTAL``, and the store
runs ``PRAGMA incremental_vacuum`` after each acknowledgement. How values become column
values is ``_sqlite_rows``'s business.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Final

from ..exceptions import NotATicketflowStoreError, SchemaVersionError, StoreError

__all__ = [
    "APPLICATION",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "inspect_store",
    "migrate",
    "use_incremental_vacuum",
]

APPLICATION: Final = "ticketflow"
"""The marker in ``ticketflow_meta`` that says "this database is a ticketflow store"."""

_V1: Final = """
CREATE TABLE ticketflow_meta (
    key TEXT PRIMARY KEY,
    value NOT NULL
) WITHOUT ROWID;

INSERT INTO ticketflow_meta (key, value) VALUES ('application', 'ticketflow');

-- One row per ticket: the snapshot plus the columns queries filter on. `fields` is the
-- canonical text of the field index rows, so a commit rewrites them only when they change.
CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    queue TEXT,
    assignee TEXT,
    fields TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    due_at INTEGER
);

CREATE INDEX tickets_by_status ON tickets (status, number);
CREATE INDEX tickets_by_queue ON tickets (queue, number);
CREATE INDEX tickets_by_assignee ON tickets (assignee, number);
CREATE INDEX tickets_by_due_at ON tickets (due_at, id) WHERE due_at IS NOT NULL;

CREATE TABLE events (
    ticket_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    type TEXT NOT NULL,
    at INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (ticket_id, version)
) WITHOUT ROWID;

-- Values are canonical JSON (1, 1.0, true and "1" are four different values), because a
-- field filter matches the type as well as the value.
CREATE TABLE ticket_fields (
    ticket_id TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (ticket_id, name)
) WITHOUT ROWID;

CREATE INDEX ticket_fields_by_value ON ticket_fields (name, value, ticket_id);

-- Instants are integers of UTC microseconds since the epoch: exact, and ordered as numbers.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    topic TEXT NOT NULL,
    ticket_id TEXT,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    not_before INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_token TEXT,
    lease_until INTEGER
) WITHOUT ROWID;

CREATE INDEX outbox_by_age ON outbox (created_at, id);

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO counters (name, value) VALUES ('ticket_number', 0);
"""

_V2: Final = """
-- An outbox message that announces an event refers to it (event_version) instead of copying
-- it; a host's own messages keep their payload. Ordered by age, the oldest first, so a claim
-- reads the table from its start; the id stays unique through an index.
CREATE TABLE outbox_v2 (
    created_at INTEGER NOT NULL,
    id TEXT NOT NULL,
    topic TEXT NOT NULL,
    ticket_id TEXT,
    event_version INTEGER,
    payload TEXT,
    not_before INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_token TEXT,
    lease_until INTEGER,
    PRIMARY KEY (created_at, id),
    CHECK ((event_version IS NULL) <> (payload IS NULL))
) WITHOUT ROWID;

-- Version 1 wrote a message of an event with the very text of the event's body.
INSERT INTO outbox_v2 (
    created_at, id, topic, ticket_id, event_version, payload, not_before, attempts,
    lease_token, lease_until
)
SELECT created_at, id, topic, ticket_id, event_version,
       CASE WHEN event_version IS NULL THEN payload END,
       not_before, attempts, lease_token, lease_until
FROM (
    SELECT o.*, (
        SELECT min(e.version) FROM events AS e
        WHERE e.ticket_id = o.ticket_id AND e.body = o.payload
    ) AS event_version
    FROM outbox AS o
);

DROP TABLE outbox;

ALTER TABLE outbox_v2 RENAME TO outbox;

CREATE UNIQUE INDEX outbox_by_id ON outbox (id);
"""

# Intake's claims, near-duplicate keys and rejected input (see _sqlite_received).
_V4_INTAKE: Final = """
CREATE TABLE intake_claims (
    key TEXT PRIMARY KEY,
    ticket_id TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE intake_similarity (
    ticket_id TEXT PRIMARY KEY,
    bands TEXT NOT NULL,
    sketch BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE intake_bands (
    band_key TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    PRIMARY KEY (band_key, ticket_id)
) WITHOUT ROWID;

CREATE TABLE intake_rejected (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    raw BLOB NOT NULL,
    size INTEGER NOT NULL,
    problems TEXT NOT NULL,
    settled_at INTEGER,
    ticket_id TEXT
);

CREATE INDEX intake_rejected_pending ON intake_rejected (seq) WHERE settled_at IS NULL;
"""

# What due work derived from each ticket (the SLA clocks), kept with the snapshot so that the
# next command advances it instead of re-reading the journal. One row per ticket and name.
_V3_MEMOS: Final = """
CREATE TABLE ticket_memos (
    ticket_id TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (ticket_id, name)
) WITHOUT ROWID;
"""

# Round-robin routing: whom each queue dealt to last.
_V5_ROTATION: Final = """
CREATE TABLE routing_turns (
    queue TEXT PRIMARY KEY,
    agent TEXT NOT NULL
) WITHOUT ROWID;
"""

# Dead letters (see _sqlite_dead_letters): outbox rows set aside after their last attempt, in
# the order they are listed. A dead letter's id stays taken in the outbox: the trigger refuses
# an outbox row with it as the unique index refuses one with a live message's id.
_V6_DEAD_LETTERS: Final = """
CREATE TABLE outbox_dead (
    dead_at INTEGER NOT NULL,
    id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    topic TEXT NOT NULL,
    ticket_id TEXT,
    event_version INTEGER,
    payload TEXT,
    attempts INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    PRIMARY KEY (dead_at, id),
    CHECK ((event_version IS NULL) <> (payload IS NULL))
) WITHOUT ROWID;

CREATE UNIQUE INDEX outbox_dead_by_id ON outbox_dead (id);

CREATE TRIGGER outbox_id_not_dead BEFORE INSERT ON outbox
WHEN EXISTS (SELECT 1 FROM outbox_dead WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'outbox message id is taken by a dead letter');
END;
"""

# The event feed (see _sqlite_feed): one row per event in commit order. The database keeps it:
# the trigger gives each new event the next position inside the commit's own transaction, and
# writers take turns (BEGIN IMMEDIATE), so positions are commit order. The journals already
# written hold no commit order; they are placed by time, each ticket's events in version order
# (an event's time is taken as at least that of the events before it, so a clock set back
# cannot reorder a journal), then by ticket id. The feed's identity makes a cursor of another
# store refused rather than read as a position here. The position is an INTEGER PRIMARY KEY, so
# VACUUM keeps it (it may renumber only implicit rowids), and events are never deleted, so a
# position is never handed out twice.
_V7_FEED: Final = """
CREATE TABLE event_feed (
    position INTEGER PRIMARY KEY,
    ticket_id TEXT NOT NULL,
    version INTEGER NOT NULL
);

INSERT INTO event_feed (ticket_id, version)
SELECT ticket_id, version FROM (
    SELECT ticket_id, version,
           max(at) OVER (PARTITION BY ticket_id ORDER BY version) AS settled
    FROM events
)
ORDER BY settled, ticket_id, version;

CREATE TRIGGER events_into_feed AFTER INSERT ON events
BEGIN
    INSERT INTO event_feed (ticket_id, version) VALUES (NEW.ticket_id, NEW.version);
END;

INSERT INTO ticketflow_meta (key, value) VALUES ('feed', lower(hex(randomblob(16))));
"""

# Due claims (SQLiteTicketStore.claim_due): a row per ticket leased to a worker. Any commit of
# the ticket updates its row in `tickets` and so ends the lease; the database keeps that rule,
# as it keeps the feed, so no write path can forget it. The table holds only the leases, live or
# lapsed but not yet ended, so the claim's join stays small.
_V8_DUE_LEASES: Final = """
CREATE TABLE due_leases (
    ticket_id TEXT PRIMARY KEY,
    lease_until INTEGER NOT NULL,
    worker TEXT NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER tickets_end_due_lease AFTER UPDATE ON tickets
BEGIN
    DELETE FROM due_leases WHERE ticket_id = OLD.id;
END;
"""

MIGRATIONS: Sequence[str] = (
    _V1,
    _V2,
    _V3_MEMOS,
    _V4_INTAKE,
    _V5_ROTATION,
    _V6_DEAD_LETTERS,
    _V7_FEED,
    _V8_DUE_LEASES,
)
"""The forward migrations, in order: ``MIGRATIONS[n]`` moves a store from version n to n + 1.

Append only; never edit a script that has shipped.
"""

SCHEMA_VERSION: Final = len(MIGRATIONS)
"""The schema version this release writes (and the newest it can open)."""

_SQLITE_MAGIC: Final = b"SQLite format 3\x00"


def inspect_store(path: str) -> int | None:
    """Return the schema version of the store at ``path``, without modifying the file.

    Args:
        path: The database file.

    Returns:
        ``None`` if there is nothing there yet (no file, an empty file, or a SQLite database
        without any table): the caller creates the schema. Otherwise the store's version, at
        most the supported one.

    Raises:
        NotATicketflowStoreError: The file is not a regular file (a directory, a FIFO, a
            device, a socket: opening one could block forever), or it is not a SQLite
            database, or holds one that is not a ticketflow store.
        SchemaVersionError: The store is newer than this release supports.
        StoreError: The file cannot be examined (no permission, say).
    """
    file = Path(path)
    if not _is_regular_file(path, path):
        return None
    for suffix in _SIDECARS:
        # SQLite opens these itself; a FIFO there would block it just the same.
        _is_regular_file(path + suffix, path)
    header = _header(path)
    if not header:
        return None
    if header != _SQLITE_MAGIC:
        raise NotATicketflowStoreError(path, "it is not a SQLite database")
    try:
        tables, marker, version = _read_meta(file)
    except sqlite3.DatabaseError as error:
        raise NotATicketflowStoreError(path, f"it cannot be read as SQLite: {error}") from error
    if not tables:
        return None
    if marker != APPLICATION:
        raise NotATicketflowStoreError(path, "it has no ticketflow marker")
    return _checked_version(path, version)


_SIDECARS: Final = ("-wal", "-shm", "-journal")

_KINDS: Final = (
    (stat.S_ISDIR, "it is a directory"),
    (stat.S_ISFIFO, "it is a FIFO"),
    (stat.S_ISSOCK, "it is a socket"),
    (stat.S_ISCHR, "it is a character device"),
    (stat.S_ISBLK, "it is a block device"),
)


def _is_regular_file(path: str, store: str) -> bool:
    # True for a regular file (a symlink to one included), False for nothing there; anything
    # else is refused before it is ever opened.
    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        return False
    except OSError as error:
        raise StoreError(f"{path}: cannot examine the file: {error.strerror}") from error
    if stat.S_ISREG(mode):
        return True
    reason = next((why for test, why in _KINDS if test(mode)), "it is not a regular file")
    if path != store:
        reason = f"{path[len(store) :]}: {reason}"
    raise NotATicketflowStoreError(store, reason)


def _header(path: str) -> bytes:
    # Non-blocking, and checked again once open: the file may have been swapped meanwhile.
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise NotATicketflowStoreError(path, "it is not a regular file")
            return os.read(descriptor, len(_SQLITE_MAGIC))
        finally:
            os.close(descriptor)
    except OSError as error:
        raise StoreError(f"{path}: cannot read the file: {error.strerror}") from error


_Meta = tuple[int, object, object]


def _read_meta(file: Path) -> _Meta:
    # A read-only connection to a WAL database creates -wal and -shm files, and leaves them.
    # Without a -wal file the main file is the whole database: read it as immutable, which
    # creates nothing. A writer may appear meanwhile (and a checkpoint rewrite the file under
    # us), so the answer counts only if the file did not change while it was read; otherwise,
    # and whenever a -wal file exists, someone uses the store and the shared read-only mode
    # (which may leave -wal and -shm files, as that someone does anyway) is right.
    wal = Path(f"{file}-wal")
    if not wal.exists():
        before = _stamp(file)
        try:
            meta = _query_meta(file, immutable=True)
        except sqlite3.DatabaseError:
            if _stamp(file) == before and not wal.exists():
                raise
        else:
            if _stamp(file) == before and not wal.exists():
                return meta
    return _query_meta(file, immutable=False)


def _stamp(file: Path) -> tuple[int, int, int]:
    status = file.stat()
    return status.st_ino, status.st_size, status.st_mtime_ns


def _query_meta(file: Path, *, immutable: bool) -> _Meta:
    uri = file.resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
    connection = sqlite3.connect(uri, uri=True)
    try:
        (tables,) = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        known = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ticketflow_meta'"
        ).fetchone()
        if known is None:
            return tables, None, None
        meta = dict(connection.execute("SELECT key, value FROM ticketflow_meta").fetchall())
        return tables, meta.get("application"), meta.get("schema_version")
    finally:
        connection.close()


def _checked_version(location: str, version: object) -> int:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise NotATicketflowStoreError(location, f"its schema version is unreadable: {version!r}")
    supported = len(MIGRATIONS)
    if version > supported:
        raise SchemaVersionError(location, version, supported)
    return version


def migrate(connection: sqlite3.Connection, location: str) -> None:
    """Apply every pending migration, each in its own ``BEGIN IMMEDIATE`` transaction.

    Several processes may open the same new or old store at once: each step re-reads the
    version under the write lock, so every script runs exactly once.

    Args:
        connection: A read-write connection in autocommit mode (``isolation_level=None``).
        location: The path, for error messages.

    Raises:
        SchemaVersionError: Another process moved the store past this release meanwhile.
        StoreError: A migration script failed; its step was rolled back.
    """
    try:
        while _step(connection, location):
            pass
    except sqlite3.Error as error:
        raise StoreError(f"{location}: cannot check or migrate the schema: {error}") from error


def _step(connection: sqlite3.Connection, location: str) -> bool:
    # Apply the next pending migration; False when there is none.
    connection.execute("BEGIN IMMEDIATE")
    try:
        version = _version_in(connection, location)
        if version == len(MIGRATIONS):
            connection.execute("COMMIT")
            return False
        try:
            for statement in _statements(MIGRATIONS[version]):
                connection.execute(statement)
        except sqlite3.Error as error:
            raise StoreError(
                f"{location}: migration to schema version {version + 1} failed: {error}"
            ) from error
        connection.execute(
            "INSERT OR REPLACE INTO ticketflow_meta (key, value) VALUES ('schema_version', ?)",
            (version + 1,),
        )
        connection.execute("COMMIT")
    except BaseException:
        connection.rollback()
        raise
    return True


def _version_in(connection: sqlite3.Connection, location: str) -> int:
    known = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ticketflow_meta'"
    ).fetchone()
    if known is None:
        return 0
    row = connection.execute(
        "SELECT value FROM ticketflow_meta WHERE key = 'schema_version'"
    ).fetchone()
    return _checked_version(location, None if row is None else row[0])


def _statements(script: str) -> Iterator[str]:
    # `executescript` would commit the open transaction first; run the statements one by one.
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement in a migration: {pending.strip()!r}")


def use_incremental_vacuum(connection: sqlite3.Connection, location: str) -> None:
    """Make the file give deleted pages back: ``auto_vacuum = INCREMENTAL``.

    On a file without tables yet the setting takes effect when the first one is created; an
    existing file is rebuilt once with ``VACUUM`` (which takes a while on a large store).
    Call it outside any transaction.

    Raises:
        StoreError: The file cannot be switched (another process holds it too long, say).
    """
    try:
        (mode,) = connection.execute("PRAGMA auto_vacuum").fetchone()
        if mode == _INCREMENTAL:
            return
        connection.execute("PRAGMA auto_vacuum = INCREMENTAL")
        (tables,) = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if tables:
            connection.execute("VACUUM")
    except sqlite3.Error as error:
        raise StoreError(f"{location}: cannot switch to incremental vacuum: {error}") from error


_INCREMENTAL: Final = 2
