"""The embedded store: one SQLite file in WAL mode, shared by threads and processes."""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Final, Literal, Self

from .._events import TicketEvent
from .._ticket import Ticket
from ..exceptions import (
    ConflictError,
    InvalidValueError,
    RecordNotFoundError,
    StoreError,
    TicketNotFoundError,
)
from . import _sqlite_dead_letters, _sqlite_feed, _sqlite_received, _sqlite_schema
from ._change import Change
from ._checks import (
    INT64_MAX,
    INT64_MIN,
    claim_arguments,
    due_arguments,
    instance,
    instant,
    invalid,
    journal_arguments,
    number_argument,
    printable_int,
    storable,
    ticket_id_argument,
    to_int64,
)
from ._dead_letters import (
    DeadLetter,
    dead_letter_arguments,
    dead_letters_arguments,
    resend_arguments,
)
from ._due_claims import claim_due_arguments
from ._feed import FeedCursor, FeedPage, FeedRun, feed_arguments
from ._outbox import LeasedMessage
from ._protocol import DueEntry, Page, TicketQuery
from ._received import (
    RejectedIntake,
    band_keys_argument,
    claim_key_argument,
    record_id_argument,
    rejected_arguments,
)
from ._rotation import next_in_turn, rotation_arguments
from ._sqlite_rows import (
    CHANGEABLE,
    ChangeRows,
    canonical,
    change_rows,
    events_from,
    from_micros,
    message_from,
    micros,
    numbered_rows,
)
from ._sqlite_schema import SCHEMA_VERSION
from ._sqlite_snapshots import SnapshotMemo

__all__ = ["SCHEMA_VERSION", "SQLiteTicketStore"]

Synchronous = Literal["FULL", "NORMAL", "OFF"]

# PRAGMA takes no parameters; the value is one of these constant statements, never formatted.
_SYNCHRONOUS: Final[dict[str, str]] = {
    "FULL": "PRAGMA synchronous = FULL",
    "NORMAL": "PRAGMA synchronous = NORMAL",
    "OFF": "PRAGMA synchronous = OFF",
}

_SELECT_FOR_UPDATE: Final = (
    "SELECT version, fields, status, queue, assignee, due_at, number FROM tickets WHERE id = ?"
)
_INSERT_TICKET: Final = (
    "INSERT INTO tickets (id, number, version, snapshot, fields, status, queue, assignee, due_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# Setting only the columns that changed leaves the indexes of the others untouched: a
# transition then writes about half the pages. One statement per combination, all constant.
_UPDATES: Final[dict[tuple[bool, ...], str]] = {
    changed: "UPDATE tickets SET version = ?, snapshot = ?"  # noqa: S608 - constant column names
    + "".join(f", {column} = ?" for column, flag in zip(CHANGEABLE, changed, strict=True) if flag)
    + " WHERE id = ?"
    for changed in itertools.product((False, True), repeat=len(CHANGEABLE))
}
_UNCHANGED: Final = (False,) * len(CHANGEABLE)
_UPDATE_IN_PLACE: Final = (
    "UPDATE tickets SET version = ?, snapshot = ? WHERE id = ? AND version = ?"  # noqa: S608 - constant column names
    + "".join(f" AND {column} IS ?" for column in CHANGEABLE)
    + " AND number = ?"
)
# Tickets whose committed columns the store remembers (a guess that a guard checks).
_COLUMNS_KEPT: Final = 4096
_INSERT_EVENT: Final = (
    "INSERT INTO events (ticket_id, version, type, at, body) VALUES (?, ?, ?, ?, ?)"
)
_INSERT_FIELD: Final = "INSERT INTO ticket_fields (ticket_id, name, value) VALUES (?, ?, ?)"
# A taken message id fails the insert, and with it the whole change (see commit).
_INSERT_MESSAGE: Final = (
    "INSERT INTO outbox (id, topic, ticket_id, event_version, payload, created_at, not_before)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
# A memo replaces the one of the same name; the others stay.
_UPSERT_MEMO: Final = (
    "INSERT INTO ticket_memos (ticket_id, name, body) VALUES (?, ?, ?)"
    " ON CONFLICT (ticket_id, name) DO UPDATE SET body = excluded.body"
)
_JOURNAL: Final = (
    "SELECT version, type, at, body FROM events WHERE ticket_id = ? AND version > ?"
    " ORDER BY version"
)
# A message that announces an event reads the event's row with it.
_DELIVERABLE: Final = (
    "SELECT o.id, o.topic, o.ticket_id, o.payload, o.created_at, o.event_version, e.type,"
    " e.at, e.body, o.attempts FROM outbox AS o"
    " LEFT JOIN events AS e ON e.ticket_id = o.ticket_id AND e.version = o.event_version"
    " WHERE o.not_before <= ?1 AND (o.lease_until IS NULL OR o.lease_until <= ?1)"
    " ORDER BY o.created_at, o.id LIMIT ?2"
)
# Due tickets without a live lease, in due order; the leases are few (those in flight).
_CLAIMABLE: Final = (
    "SELECT t.id, t.due_at FROM tickets AS t LEFT JOIN due_leases AS l ON l.ticket_id = t.id"
    " WHERE t.due_at <= ?1 AND (l.lease_until IS NULL OR l.lease_until <= ?1)"
    " ORDER BY t.due_at, t.id LIMIT ?2"
)
_LEASE_DUE: Final = (
    "INSERT INTO due_leases (ticket_id, lease_until, worker) VALUES (?, ?, ?)"
    " ON CONFLICT (ticket_id) DO UPDATE SET"
    " lease_until = excluded.lease_until, worker = excluded.worker"
)
_NEXT_NUMBER: Final = (
    "UPDATE counters SET value = max(value, coalesce((SELECT max(number) FROM tickets), 0)) + 1"
    " WHERE name = 'ticket_number'"
)
# Pages freed by one acknowledgement, at most; what is left goes with the next ones.
_FREED_PER_ACK: Final = 32


class _Connections(threading.local):
    connection: sqlite3.Connection | None = None


class SQLiteTicketStore:
    """A :class:`~ticketflow.storage.TicketStore` in one SQLite file (WAL mode).

    Every :meth:`commit` and :meth:`claim_outbox` is one ``BEGIN IMMEDIATE`` transaction, so
    the store is safe for several threads (each gets its own connection, opened on first use)
    and several processes on the same file (they queue for the write lock for up to
    ``timeout`` seconds). Open it in each process; a connection does not survive ``fork``.

    An existing file is inspected read-only first: a file that is not a ticketflow store, or
    a store written by a newer ticketflow, is refused and left exactly as it was. A store
    from an older ticketflow is migrated forward. A missing or empty file becomes a new store.

    Args:
        path: The database file.
        synchronous: SQLite's ``PRAGMA synchronous``: ``"FULL"`` (the default) makes every
            commit durable across power loss; ``"NORMAL"`` may lose the last commits on power
            loss but never corrupts; ``"OFF"`` is for bulk loads only.
        timeout: How long a write waits for another writer's lock, in seconds.

    Raises:
        InvalidValueError: ``synchronous``, ``timeout`` or ``path`` is out of its domain.
        NotATicketflowStoreError: The file is something else; it was not modified.
        SchemaVersionError: The store is newer than this release; it was not modified.
        StoreError: The file cannot be opened or migrated.

    Example::

        with SQLiteTicketStore("desk.sqlite3") as store:
            desk = Desk(store)

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: Synchronous = "FULL",
        timeout: float = 30.0,
    ) -> None:
        location = _location(path)
        setting: object = synchronous  # a list here would be unhashable for the lookup
        if not isinstance(setting, str) or setting not in _SYNCHRONOUS:
            raise invalid("synchronous", synchronous, f"must be one of {', '.join(_SYNCHRONOUS)}")
        self._path = location
        self._synchronous: Synchronous = synchronous
        self._timeout = _seconds(timeout)
        self._local = _Connections()
        self._lock = threading.Lock()
        self._open: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._closed = False
        self._snapshots = SnapshotMemo()
        # Ticket id -> (version, CHANGEABLE values, number) as this store last committed them.
        self._columns: dict[str, tuple[object, tuple[object, ...], object]] = {}
        existing = _sqlite_schema.inspect_store(location)
        connection = self._connection()
        try:
            if existing is None:
                # Set before WAL and the first table, so a new file needs no VACUUM.
                _sqlite_schema.use_incremental_vacuum(connection, location)
            self._use_wal(connection)
            _sqlite_schema.migrate(connection, location)
            _sqlite_schema.use_incremental_vacuum(connection, location)
            self._feed_id = _sqlite_feed.feed_id(connection, location)
        except BaseException:
            self.close()
            raise

    @property
    def path(self) -> str:
        """The database file."""
        return self._path

    @property
    def synchronous(self) -> Synchronous:
        """The ``PRAGMA synchronous`` level of every connection."""
        return self._synchronous

    def __repr__(self) -> str:
        state = ", closed" if self._closed else ""
        return f"SQLiteTicketStore({self._path!r}, synchronous={self._synchronous!r}{state})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close every connection of every thread; later calls raise :class:`StoreError`.

        Call it when no other thread is using the store. Closing twice is harmless.
        """
        with self._lock:
            self._closed = True
            open_, self._open = self._open, []
        for _, connection in open_:
            connection.close()

    def _connection(self) -> sqlite3.Connection:
        connection = self._local.connection
        if connection is not None and not self._closed:
            return connection
        with self._lock:
            if self._closed:
                raise StoreError(f"{self._path}: the store is closed")
            connection = self._connect()
            # Threads come and go; the connections of finished ones are closed here.
            alive = [(t, c) for t, c in self._open if t.is_alive()]
            for thread, finished in self._open:
                if not thread.is_alive():
                    finished.close()
            self._open = [*alive, (threading.current_thread(), connection)]
        self._local.connection = connection
        return connection

    def _connect(self) -> sqlite3.Connection:
        try:
            connection = sqlite3.connect(
                self._path,
                timeout=self._timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as error:
            raise StoreError(f"{self._path}: cannot open the store: {error}") from error
        try:
            connection.execute(_SYNCHRONOUS[self._synchronous])
        except sqlite3.Error as error:
            connection.close()
            raise StoreError(f"{self._path}: cannot open the store: {error}") from error
        return connection

    def _use_wal(self, connection: sqlite3.Connection) -> None:
        # Switching a new file to WAL can fail at once with "locked" (no busy handler runs)
        # while another process creates the same store; wait for it like any other lock.
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                (mode,) = connection.execute("PRAGMA journal_mode = WAL").fetchone()
            except sqlite3.OperationalError as error:
                if time.monotonic() >= deadline:
                    raise StoreError(f"{self._path}: cannot switch to WAL: {error}") from error
                time.sleep(0.005)
            else:
                break
        if mode != "wal":
            # SQLite keeps the old mode where WAL cannot work (e.g. no shared memory).
            raise StoreError(f"{self._path}: cannot switch to WAL: the file stays in {mode} mode")

    @contextlib.contextmanager
    def _autocommit(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        try:
            yield connection
        except sqlite3.Error as error:
            raise StoreError(f"{self._path}: {error}") from error
        except _UNBINDABLE as error:
            raise _unbindable(self._path, error) from error

    def _writing(self) -> _Transaction:
        return _Transaction(self._connection(), self._path)

    def allocate_number(self) -> int:
        """Return a ticket number never returned before, by any thread or process."""
        with self._writing() as connection:
            connection.execute("UPDATE counters SET value = value + 1 WHERE name = 'ticket_number'")
            (number,) = connection.execute(
                "SELECT value FROM counters WHERE name = 'ticket_number'"
            ).fetchone()
        return int(number)

    def get(self, ticket_id: str) -> Ticket:
        """Return the ticket's current snapshot.

        Raises:
            InvalidValueError: ``ticket_id`` is not a string.
            TicketNotFoundError: No such ticket.
        """
        ticket_id = ticket_id_argument(ticket_id)
        if not storable(ticket_id):
            raise TicketNotFoundError(ticket_id)
        connection = self._connection()
        try:  # what _autocommit does, without a generator: every command reads a ticket
            row = connection.execute(_SELECT_SNAPSHOT, (ticket_id,)).fetchone()
        except sqlite3.Error as error:
            raise StoreError(f"{self._path}: {error}") from error
        if row is None:
            raise TicketNotFoundError(ticket_id)
        return self._snapshots.ticket_of(ticket_id, row[0])

    def get_by_number(self, number: int) -> Ticket:
        """Return the ticket with this number.

        Raises:
            InvalidValueError: ``number`` is not an integer.
            TicketNotFoundError: No such ticket.
        """
        number = number_argument(number)
        if not INT64_MIN <= number <= INT64_MAX:
            raise TicketNotFoundError(printable_int(number))
        with self._autocommit() as connection:
            row = connection.execute(
                "SELECT snapshot FROM tickets WHERE number = ?", (number,)
            ).fetchone()
        if row is None:
            raise TicketNotFoundError(printable_int(number))
        return self._snapshots.ticket(row[0])

    def commit(self, change: Change) -> None:
        """Write the change in one transaction: snapshot, events, field index, outbox, due time.

        A change with ``assign_number`` gets its number under the write lock (see
        :meth:`TicketStore.commit`).

        Raises:
            ConflictError: The stored version is not ``change.expected_version``, or a new
                ticket's id or number is taken. Nothing was written.
            InvalidValueError: ``change`` is not a :class:`Change`, it would alter the ticket's
                number or (without events) its snapshot, or an outbox message id is taken.
                Nothing was written.
            StoreError: No ticket number is left to assign.
        """
        change = instance("change", change, Change)
        # Everything is serialized before the write lock is taken, to hold it briefly; a new
        # ticket's number is known only under the lock, and patched in then.
        rows = change_rows(change, self._snapshots)
        ticket_id = change.ticket.id
        with self._writing() as connection:
            if not self._updated_in_place(connection, change, rows):
                rows = self._write_ticket(connection, change, rows)
            _insert(connection, _INSERT_EVENT, rows.events)
            if change.memos:
                connection.executemany(
                    _UPSERT_MEMO, [(ticket_id, name, body) for name, body in change.memos.items()]
                )
            if rows.messages:
                try:
                    _insert(connection, _INSERT_MESSAGE, rows.messages)
                except sqlite3.IntegrityError:
                    raise _duplicate_message(change) from None
            if change.claims or change.similarity is not None or change.unindex:
                _sqlite_received.write_intake(connection, change)
        # Committed: what the ticket's row now holds besides its snapshot (see below).
        if len(self._columns) >= _COLUMNS_KEPT:
            self._columns.clear()
        self._columns[ticket_id] = (rows.ticket[2], rows.ticket[4:], rows.ticket[1])

    def _updated_in_place(
        self, connection: sqlite3.Connection, change: Change, rows: ChangeRows
    ) -> bool:
        """Write the usual command's row in one guarded UPDATE; return whether it did.

        The usual command changes only the version and the snapshot. Where this store
        committed the version expected, with the columns the change writes, one UPDATE guarded
        by all of them does it, without reading the row first. The guard, not the guess,
        decides: if anything differs (another writer, another column), it writes nothing and
        the change goes the whole way (:meth:`_write_ticket`).
        """
        ticket = rows.ticket
        expected = change.expected_version
        ticket_id = change.ticket.id
        if not rows.events or self._columns.get(ticket_id) != (expected, ticket[4:], ticket[1]):
            return False
        cursor = connection.execute(
            _UPDATE_IN_PLACE, (ticket[2], ticket[3], ticket_id, expected, *ticket[4:], ticket[1])
        )
        return cursor.rowcount == 1

    def _write_ticket(
        self, connection: sqlite3.Connection, change: Change, rows: ChangeRows
    ) -> ChangeRows:
        """Insert or update the ticket's row after checking the version; return the rows."""
        ticket_id = change.ticket.id
        stored = connection.execute(_SELECT_FOR_UPDATE, (ticket_id,)).fetchone()
        actual = 0 if stored is None else stored[0]
        if actual != change.expected_version:
            raise ConflictError(ticket_id, change.expected_version, actual or None)
        if change.assign_number:
            number = self._next_number(connection)
            rows = numbered_rows(change, rows, number, self._snapshots)
        if stored is None:
            try:
                connection.execute(_INSERT_TICKET, rows.ticket)
            except sqlite3.IntegrityError:
                # The id was checked above, so the number is taken.
                raise ConflictError(ticket_id, 0, None) from None
            connection.executemany(_INSERT_FIELD, rows.fields)
        else:
            self._update(connection, change, rows, stored)
        return rows

    @staticmethod
    def _update(
        connection: sqlite3.Connection,
        change: Change,
        rows: ChangeRows,
        stored: tuple[object, ...],
    ) -> None:
        ticket_id = change.ticket.id
        if not change.events:
            snapshot = connection.execute(
                "SELECT snapshot FROM tickets WHERE id = ?", (ticket_id,)
            ).fetchone()[0]
            if snapshot != rows.ticket[3]:
                raise invalid(
                    "ticket", ticket_id, "a change without events cannot alter the snapshot"
                )
        if stored[6] != change.ticket.number:
            raise invalid(
                "ticket.number", change.ticket.number, f"ticket {ticket_id} is #{stored[6]}"
            )
        new = rows.ticket[4:]
        if stored[1:6] == new:  # the usual command: only the version and the snapshot change
            connection.execute(_UPDATES[_UNCHANGED], (rows.ticket[2], rows.ticket[3], ticket_id))
            return
        changed = tuple(old != value for old, value in zip(stored[1:6], new, strict=True))
        connection.execute(
            _UPDATES[changed],
            (
                rows.ticket[2],
                rows.ticket[3],
                *(value for value, flag in zip(new, changed, strict=True) if flag),
                ticket_id,
            ),
        )
        if changed[0]:
            connection.execute("DELETE FROM ticket_fields WHERE ticket_id = ?", (ticket_id,))
            connection.executemany(_INSERT_FIELD, rows.fields)

    def _next_number(self, connection: sqlite3.Connection) -> int:
        # Above every number handed out and every number held (a host may commit its own).
        connection.execute(_NEXT_NUMBER)
        (number,) = connection.execute(
            "SELECT value FROM counters WHERE name = 'ticket_number'"
        ).fetchone()
        if type(number) is not int:
            # SQLite turns an integer that overflows into a float; the caller rolls back.
            raise StoreError(f"{self._path}: no ticket number is left to assign")
        return number

    def journal(self, ticket_id: str, *, after_version: int = 0) -> Sequence[TicketEvent]:
        """Return the ticket's events with a version above ``after_version``, in order.

        Raises:
            InvalidValueError: ``ticket_id`` is not a string or ``after_version`` not an
                integer.
            TicketNotFoundError: No such ticket.
        """
        ticket_id, after_version = journal_arguments(ticket_id, after_version)
        if not storable(ticket_id):
            raise TicketNotFoundError(ticket_id)
        with self._autocommit() as connection:
            rows = connection.execute(_JOURNAL, (ticket_id, to_int64(after_version))).fetchall()
            if not rows and not _exists(connection, ticket_id):
                raise TicketNotFoundError(ticket_id)
        return tuple(events_from(ticket_id, rows))

    def feed(self, *, after: FeedCursor | None = None, limit: int = 500) -> FeedPage:
        """Return up to ``limit`` events committed after ``after``, in commit order.

        One range query on the feed's positions, which each commit's transaction assigns.

        Raises:
            InvalidValueError: ``after`` or ``limit`` is out of its domain, or ``after`` is a
                cursor of another store's feed or past the end of this one (see
                :meth:`EventFeed.feed`).
            DeserializationError: A stored event was damaged outside ticketflow.
            StoreError: A feed row's event is missing.
        """
        after, limit = feed_arguments(after, limit)
        with self._autocommit() as connection:
            return _sqlite_feed.read_feed(connection, self._path, self._feed_id, after, limit)

    def _feed_run(self, after: FeedCursor | None, limit: int) -> FeedRun:
        # What feed() reads, its events built as they are taken (FeedRun: for analytics).
        after, limit = feed_arguments(after, limit)
        with self._autocommit() as connection:
            return _sqlite_feed.read_feed_run(connection, self._path, self._feed_id, after, limit)

    def memos(self, ticket_id: str) -> Mapping[str, str]:
        """Return the memos committed with the ticket's snapshot, by name.

        Raises:
            InvalidValueError: ``ticket_id`` is not a string.
            TicketNotFoundError: No such ticket.
        """
        ticket_id = ticket_id_argument(ticket_id)
        if not storable(ticket_id):
            raise TicketNotFoundError(ticket_id)
        with self._autocommit() as connection:
            rows = connection.execute(
                "SELECT name, body FROM ticket_memos WHERE ticket_id = ?", (ticket_id,)
            ).fetchall()
            if not rows and not _exists(connection, ticket_id):
                raise TicketNotFoundError(ticket_id)
        return dict(rows)

    def query(self, query: TicketQuery) -> Page:
        """Return one page of tickets matching ``query``, by ascending number.

        ``next_cursor`` is set only when another matching ticket follows the page. A criterion
        that no stored ticket can meet (text with a lone surrogate, a field integer beyond 64
        bits) finds nothing.

        Raises:
            InvalidValueError: ``query`` is not a :class:`TicketQuery`.
        """
        query = instance("query", query, TicketQuery)
        if _unmeetable(query):
            return Page((), None)
        criteria = (
            ("status = ?", query.status),
            ("queue = ?", query.queue),
            ("assignee = ?", query.assignee),
            ("number > ?", None if query.after is None else to_int64(query.after)),
        )
        where = [clause for clause, value in criteria if value is not None]
        params: list[object] = [value for _, value in criteria if value is not None]
        for name, value in query.fields.items():
            where.append(
                "EXISTS (SELECT 1 FROM ticket_fields AS f"
                " WHERE f.ticket_id = t.id AND f.name = ? AND f.value = ?)"
            )
            params += (name, canonical(value))
        sql = "SELECT snapshot FROM tickets AS t"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY number LIMIT ?"
        params.append(query.limit + 1)
        with self._autocommit() as connection:
            rows = connection.execute(sql, params).fetchall()
        tickets = tuple(self._snapshots.ticket(snapshot) for (snapshot,) in rows[: query.limit])
        more = len(rows) > query.limit
        return Page(tickets, tickets[-1].number if more else None)

    def due(self, at_or_before: datetime, *, limit: int = 100) -> Sequence[DueEntry]:
        """Return tickets whose due time is at or before the instant, earliest first.

        Raises:
            InvalidValueError: ``at_or_before`` is not an aware datetime, or ``limit`` is not
                an integer >= 0.
        """
        cutoff, limit = due_arguments(at_or_before, limit)
        with self._autocommit() as connection:
            rows = connection.execute(
                "SELECT id, due_at FROM tickets WHERE due_at <= ? ORDER BY due_at, id LIMIT ?",
                (micros(cutoff), to_int64(limit)),
            ).fetchall()
        return [DueEntry(ticket_id, from_micros(due_at)) for ticket_id, due_at in rows]

    def claim_due(
        self, at_or_before: datetime, *, worker: str, lease: timedelta, limit: int = 100
    ) -> Sequence[DueEntry]:
        """Lease up to ``limit`` due tickets to ``worker`` until ``at_or_before + lease``.

        Selecting and leasing is one ``BEGIN IMMEDIATE`` transaction, so two workers (threads
        or processes) never hold live leases on the same ticket. Any commit of the ticket ends
        its lease (a trigger of the schema). Earliest due first, ties by ticket id.

        Raises:
            InvalidValueError: An argument is out of its domain (see
                :meth:`DueClaims.claim_due`).

        .. versionadded:: 0.2
        """
        worker, cutoff, until, limit = claim_due_arguments(worker, at_or_before, lease, limit)
        with self._writing() as connection:
            rows = connection.execute(_CLAIMABLE, (micros(cutoff), to_int64(limit))).fetchall()
            end = micros(until)
            connection.executemany(_LEASE_DUE, [(ticket_id, end, worker) for ticket_id, _ in rows])
        return [DueEntry(ticket_id, from_micros(due_at)) for ticket_id, due_at in rows]

    def claim_outbox(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int = 10
    ) -> Sequence[LeasedMessage]:
        """Lease up to ``limit`` deliverable messages to ``worker`` until ``now + lease``.

        Selecting and leasing is one ``BEGIN IMMEDIATE`` transaction, so two workers (threads
        or processes) never hold live leases on the same message. Oldest first.

        Raises:
            InvalidValueError: ``worker``, ``now``, ``lease`` or ``limit`` is out of its
                domain (see :meth:`TicketStore.claim_outbox`).
        """
        worker, now, until, limit = claim_arguments(worker, now, lease, limit)
        claimed: list[LeasedMessage] = []
        with self._writing() as connection:
            rows = connection.execute(_DELIVERABLE, (micros(now), to_int64(limit))).fetchall()
            for *message, attempts in rows:
                claimed.append(
                    LeasedMessage(
                        message=message_from(*message),
                        lease_token=f"{worker}:{secrets.token_hex(8)}",
                        lease_until=until,
                        attempts=attempts + 1,
                    )
                )
            connection.executemany(
                "UPDATE outbox SET attempts = ?, lease_token = ?, lease_until = ? WHERE id = ?",
                [
                    (leased.attempts, leased.lease_token, micros(until), leased.message.id)
                    for leased in claimed
                ],
            )
        return claimed

    def ack_outbox(self, leased: LeasedMessage) -> bool:
        """Remove a delivered message. Returns ``False`` if the lease was lost (not removed).

        Raises:
            InvalidValueError: ``leased`` is not a :class:`LeasedMessage`.
        """
        leased = instance("leased", leased, LeasedMessage)
        with self._writing() as connection:
            cursor = connection.execute(
                "DELETE FROM outbox WHERE id = ? AND lease_token = ?",
                (leased.message.id, leased.lease_token),
            )
            if cursor.rowcount == 1:
                _free_pages(connection)
        return cursor.rowcount == 1

    def retry_outbox(self, leased: LeasedMessage, *, not_before: datetime) -> bool:
        """Release a message for another attempt no earlier than ``not_before``.

        Returns ``False`` if the lease was lost (nothing changed).

        Raises:
            InvalidValueError: ``leased`` is not a :class:`LeasedMessage`, or ``not_before``
                is not an aware datetime.
        """
        leased = instance("leased", leased, LeasedMessage)
        at = micros(instant("not_before", not_before))
        with self._autocommit() as connection:
            cursor = connection.execute(
                "UPDATE outbox SET lease_token = NULL, lease_until = NULL, not_before = ?"
                " WHERE id = ? AND lease_token = ?",
                (at, leased.message.id, leased.lease_token),
            )
        return cursor.rowcount == 1

    # -- dead letters (DeadLetterStore) ---------------------------------------------------

    def dead_letter_outbox(self, leased: LeasedMessage, *, error: str, at: datetime) -> bool:
        """Move a message to the dead letters if the lease still holds (one transaction)."""
        leased, error, at = dead_letter_arguments(leased, error, at)
        with self._writing() as connection:
            return _sqlite_dead_letters.dead_letter(connection, leased, error, at)

    def dead_letters(
        self, *, after: DeadLetter | None = None, limit: int = 50
    ) -> Sequence[DeadLetter]:
        """Return up to ``limit`` dead letters, oldest first (by ``dead_at``, then id)."""
        after, limit = dead_letters_arguments(after, limit)
        with self._autocommit() as connection:
            return _sqlite_dead_letters.dead_letters(connection, after, limit)

    def resend_dead_letter(self, message_id: str, *, not_before: datetime) -> bool:
        """Put a dead letter back in the outbox; ``False`` if there is none with this id."""
        message_id, at = resend_arguments(message_id, not_before)
        if not storable(message_id):
            return False
        with self._writing() as connection:
            return _sqlite_dead_letters.resend(connection, message_id, at)

    # -- intake (IntakeStore) -------------------------------------------------------------

    def claimant(self, key: str) -> str | None:
        """Return the ticket holding the claim ``key``, or ``None``."""
        key = claim_key_argument(key)
        if not storable(key):
            return None
        with self._autocommit() as connection:
            return _sqlite_received.claimant(connection, key)

    def candidates(self, band_keys: Collection[str]) -> Mapping[str, Sequence[int]]:
        """Return ticket id -> sketch of every indexed ticket holding any of ``band_keys``."""
        keys = [key for key in band_keys_argument(band_keys) if storable(key)]
        if not keys:
            return {}
        with self._autocommit() as connection:
            return _sqlite_received.candidates(connection, keys)

    def keep_rejected(self, record: RejectedIntake) -> None:
        """Keep a rejected-intake record (its id must be new)."""
        record = instance("record", record, RejectedIntake)
        with self._writing() as connection:
            _sqlite_received.keep_rejected(connection, record)

    def rejected(
        self, *, pending: bool = True, after: str | None = None, limit: int = 50
    ) -> Sequence[RejectedIntake]:
        """Return up to ``limit`` rejected-intake records in the order kept."""
        pending, after, limit = rejected_arguments(pending, after, limit)
        if after is not None and not storable(after):
            return []
        with self._autocommit() as connection:
            return _sqlite_received.listed_rejected(
                connection, pending=pending, after=after, limit=limit
            )

    def get_rejected(self, record_id: str) -> RejectedIntake:
        """Return one rejected-intake record (raises :class:`RecordNotFoundError`)."""
        record_id = record_id_argument(record_id)
        if not storable(record_id):
            raise RecordNotFoundError("rejected_intake", record_id)
        with self._autocommit() as connection:
            return _sqlite_received.get_rejected(connection, record_id)

    def settle_rejected(self, record_id: str, *, at: datetime, ticket_id: str | None) -> bool:
        """Mark a rejected-intake record settled; ``False`` if it was already."""
        record_id = record_id_argument(record_id)
        when = instant("at", at)
        if ticket_id is not None:
            ticket_id = ticket_id_argument(ticket_id)
        if not storable(record_id):
            raise RecordNotFoundError("rejected_intake", record_id)
        with self._writing() as connection:
            return _sqlite_received.settle_rejected(connection, record_id, when, ticket_id)

    # -- routing (RotationStore) ----------------------------------------------------------

    def rotate(self, queue: str, eligible: Iterable[str]) -> str:
        """Return whose turn it is in ``queue`` among ``eligible``, and record it.

        One ``BEGIN IMMEDIATE`` transaction: processes sharing the file take turns.
        """
        queue, agents = rotation_arguments(queue, eligible)
        with self._writing() as connection:
            row = connection.execute(
                "SELECT agent FROM routing_turns WHERE queue = ?", (queue,)
            ).fetchone()
            agent = next_in_turn(None if row is None else str(row[0]), agents)
            connection.execute(
                "INSERT INTO routing_turns (queue, agent) VALUES (?, ?)"
                " ON CONFLICT (queue) DO UPDATE SET agent = excluded.agent",
                (queue, agent),
            )
        return agent


def _unmeetable(query: TicketQuery) -> bool:
    # Values a commit refuses to store cannot match; SQLite could not even bind some of them.
    texts = (query.status, query.queue, query.assignee, *query.fields)
    return not all(text is None or storable(text) for text in texts) or any(
        isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX
        for value in query.fields.values()
    )


def _free_pages(connection: sqlite3.Connection) -> None:
    # Each run of the pragma frees one page in Python's sqlite3 (it stops at the first step).
    (free,) = connection.execute("PRAGMA freelist_count").fetchone()
    for _ in range(min(free, _FREED_PER_ACK)):
        connection.execute("PRAGMA incremental_vacuum(1)").fetchall()


def _exists(connection: sqlite3.Connection, ticket_id: str) -> bool:
    row = connection.execute("SELECT 1 FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
    return row is not None


def _location(path: object) -> str:
    location = os.fspath(path) if isinstance(path, os.PathLike) else path
    if not isinstance(location, str) or location in {"", ":memory:"}:
        raise invalid("path", path, "must name a file (or use InMemoryTicketStore)")
    if "\x00" in location:
        raise invalid("path", path, "must not contain a NUL character")
    if not storable(location):
        # sqlite3 passes file names to SQLite as UTF-8.
        raise invalid("path", path, "must be valid Unicode (no lone surrogates)")
    return location


def _seconds(timeout: object) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout >= 0:
        raise invalid("timeout", timeout, "must be a number of seconds >= 0")
    try:
        return float(timeout)
    except OverflowError:
        raise invalid("timeout", timeout, "is too large for a float") from None


# What sqlite3 raises for a value it cannot bind. The checks at the boundary keep them out;
# should one slip through, the caller still gets a store error, not the driver's.
_UNBINDABLE = (UnicodeEncodeError, OverflowError)

_SELECT_SNAPSHOT: Final = "SELECT snapshot FROM tickets WHERE id = ?"


def _insert(connection: sqlite3.Connection, sql: str, rows: list[tuple[object, ...]]) -> None:
    # A single row goes through execute: executemany costs more for one row (a command's).
    if len(rows) == 1:
        connection.execute(sql, rows[0])
    elif rows:
        connection.executemany(sql, rows)


class _Transaction:
    """One ``BEGIN IMMEDIATE`` ... ``COMMIT`` on a connection, rolled back on any exception.

    SQLite's errors (and values it cannot bind) leave as :class:`StoreError`. A class rather
    than a generator-based context manager: every command runs one, and this costs a third.
    """

    __slots__ = ("_connection", "_path")

    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        self._connection = connection
        self._path = path

    def __enter__(self) -> sqlite3.Connection:
        try:
            self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise StoreError(f"{self._path}: {error}") from error
        return self._connection

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection = self._connection
        try:
            if error is None:
                try:
                    connection.execute("COMMIT")
                except BaseException:
                    connection.rollback()
                    raise
                return
            connection.rollback()
        except sqlite3.Error as failed:
            raise StoreError(f"{self._path}: {failed}") from failed
        if isinstance(error, sqlite3.Error):
            raise StoreError(f"{self._path}: {error}") from error
        if isinstance(error, _UNBINDABLE):
            raise _unbindable(self._path, error) from error


def _unbindable(location: str, error: Exception) -> StoreError:
    return StoreError(f"{location}: a value cannot be stored: {error}")


def _duplicate_message(change: Change) -> InvalidValueError:
    ids = ", ".join(message.id for message in change.outbox)
    return invalid("outbox", ids, "an outbox message id is taken; nothing was written")
