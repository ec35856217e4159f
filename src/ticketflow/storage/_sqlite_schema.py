"""What a SQLite ticket store holds on disk, how to recognise one, and how it moves forward.

A store carries the table ``ticketflow_meta`` with two rows: ``application`` (the marker
``"ticketflow"``) and ``schema_version``. :data:`MIGRATIONS` lists one SQL script per version:
script ``n`` takes a store from version ``n`` to ``n + 1``, and each runs in its own
transaction together with the version bump, so a store is always at exactly one version.

A file is inspected read-only before anything is written, so a file that is not a store (or a
store from a newer ticketflow) is refused without being touched.

The second half says how values become column values: tickets and events as JSON (through
ticketflow's converter), instants as integers of UTC microseconds, field values as canonical
JSON so that a match compares types too.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final, NamedTuple

from .._events import TicketCreated, TicketEvent
from .._fields import FieldValue
from .._serde import from_json, to_primitive
from .._ticket import Ticket
from ..exceptions import (
    DeserializationError,
    NotATicketflowStoreError,
    SchemaVersionError,
    StoreError,
)
from ._change import Change
from ._outbox import OutboxMessage

__all__ = [
    "APPLICATION",
    "CHANGEABLE",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "ChangeRows",
    "canonical",
    "change_rows",
    "event_from",
    "from_micros",
    "inspect_store",
    "message_from",
    "micros",
    "migrate",
    "ticket_from",
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

# What due work derived from each ticket (the SLA clocks), kept with the snapshot so that the
# next command advances it instead of re-reading the journal. One row per ticket and name.
_V2_MEMOS: Final = """
CREATE TABLE ticket_memos (
    ticket_id TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (ticket_id, name)
) WITHOUT ROWID;
"""

MIGRATIONS: Sequence[str] = (_V1, _V2_MEMOS)
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


# -- values as columns -------------------------------------------------------------------------

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)


# ASCII-only, so any Python string (even a lone surrogate) survives SQLite's UTF-8; keys in
# insertion order (sorting them costs a fifth of the encoding and buys nothing here). No
# default hook: a change holds only what converts to plain JSON (see Change).
_ENCODER: Final = json.JSONEncoder(separators=(",", ":"))
_dumps: Final = _ENCODER.encode


class ChangeRows(NamedTuple):
    """A :class:`Change` as the rows one commit writes."""

    ticket: tuple[object, ...]
    """``id, number, version, snapshot`` and then :data:`CHANGEABLE`, in that order."""
    fields: list[tuple[str, str, str]]
    """``(ticket_id, name, canonical value)`` per structured field."""
    events: list[tuple[object, ...]]
    """``(ticket_id, version, type, at, body)`` per event."""
    messages: list[tuple[object, ...]]
    """``(id, topic, ticket_id, payload, created_at, not_before)`` per outbox message."""


CHANGEABLE: Final = ("fields", "status", "queue", "assignee", "due_at")
"""The ticket columns besides version and snapshot that a commit may change.

``fields`` holds the canonical text of the field index rows, so that a commit rewrites them
only when they change. The number never changes: it is the ticket's identity for people.
"""


def change_rows(change: Change) -> ChangeRows:
    """Return the rows that ``change`` writes (a change is checked writable when built)."""
    ticket = change.ticket
    event_data = [to_primitive(event) for event in change.events]
    ticket_data = None
    for event, data in zip(change.events, event_data, strict=True):
        # A creation carries the very snapshot; convert it once, not twice.
        if type(event) is TicketCreated and event.ticket is ticket:
            ticket_data = data["ticket"]
    if ticket_data is None:
        ticket_data = to_primitive(ticket)
    fields = [(ticket.id, name, canonical(value)) for name, value in ticket.fields.items()]
    due_at = None if change.due_at is None else micros(change.due_at)
    return ChangeRows(
        ticket=(
            ticket.id,
            ticket.number,
            ticket.version,
            _dumps(ticket_data),
            _dumps([row[1:] for row in fields]),
            str(ticket.status),
            ticket.queue,
            ticket.assignee,
            due_at,
        ),
        fields=fields,
        events=[
            (ticket.id, event.version, event.type, micros(event.at), _dumps(data))
            for event, data in zip(change.events, event_data, strict=True)
        ],
        messages=[_message_row(message) for message in change.outbox],
    )


def _message_row(message: OutboxMessage) -> tuple[object, ...]:
    # The payload was checked when the message was built: it is JSON that reads back equal.
    created_at = micros(message.created_at)
    payload = _dumps(message.payload)
    return (message.id, message.topic, message.ticket_id, payload, created_at, created_at)


def canonical(value: FieldValue) -> str:
    """Return the index text of a field value: equal exactly when type and value are equal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        # -0.0 == 0.0, so a filter on one finds the other (as in the memory store).
        return repr(float(value) + 0.0)
    return _dumps(str(value))


def micros(instant: datetime) -> int:
    """Return an aware instant as integer microseconds since the epoch (UTC)."""
    return (instant - _EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime:
    """Return the UTC instant of :func:`micros`."""
    return _EPOCH + timedelta(microseconds=value)


def ticket_from(snapshot: str) -> Ticket:
    """Return the ticket of a ``snapshot`` column."""
    ticket: Ticket = from_json(snapshot, Ticket)
    return ticket


def event_from(body: str) -> TicketEvent:
    """Return the event of a ``body`` column."""
    event: TicketEvent = from_json(body, TicketEvent)
    return event


def message_from(
    message_id: str, topic: str, ticket_id: str | None, payload: str, created_at: int
) -> OutboxMessage:
    """Return the outbox message of a row.

    Raises:
        DeserializationError: The row was damaged outside ticketflow.
    """
    try:
        return OutboxMessage(
            id=message_id,
            topic=topic,
            payload=json.loads(payload),
            ticket_id=ticket_id,
            created_at=from_micros(created_at),
        )
    except (TypeError, ValueError, OverflowError, RecursionError) as error:
        problem = f"the stored row of message {message_id!r} is damaged: {error}"
        raise DeserializationError("OutboxMessage", [("$", problem)]) from None
