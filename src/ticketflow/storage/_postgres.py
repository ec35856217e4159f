"""The scale-out store: PostgreSQL through psycopg 3 and a connection pool.

psycopg is imported when the first store is opened, never by ``import ticketflow``: install it
with ``pip install 'ticketflow[postgres]'``. The rows are those of the SQLite store
(``_sqlite_rows`` builds them and reads them back), in the tables of ``_postgres_schema``.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import select
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

from .._events import TicketEvent
from .._ticket import Ticket
from ..exceptions import (
    ConflictError,
    InvalidValueError,
    RecordNotFoundError,
    StoreError,
    TicketNotFoundError,
)
from . import _postgres_feed
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
from ._postgres_received import problems_text, rejected_record, sketch_of, write_intake
from ._postgres_schema import SCHEMA_VERSION, escape, migrate, unescape
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
    ChangeRows,
    canonical,
    change_rows,
    events_from,
    from_micros,
    message_from,
    micros,
    numbered_rows,
)
from ._sqlite_snapshots import SnapshotMemo

if TYPE_CHECKING:
    import psycopg
    import psycopg_pool

__all__ = ["DEFAULT_DSN", "DSN_VARIABLE", "SCHEMA_VERSION", "PostgresTicketStore"]

DSN_VARIABLE: Final = "TICKETFLOW_PG_DSN"
"""The environment variable that holds the default connection string."""

DEFAULT_DSN: Final = "postgresql://postgres@127.0.0.1:5432/test"
"""The connection string used when neither ``dsn`` nor :data:`DSN_VARIABLE` gives one."""

SCHEMA_NAME: Final = re.compile(r"[a-z_][a-z0-9_]{0,62}")
"""What a ``schema`` must match: a lower-case SQL identifier of at most 63 characters."""

_SELECT_FOR_UPDATE: Final = "SELECT version, number, fields FROM tickets WHERE id = %s FOR UPDATE"
_SELECT_SAME_FOR_UPDATE: Final = (
    "SELECT version, number, fields, snapshot = %s FROM tickets WHERE id = %s FOR UPDATE"
)
_INSERT_TICKET: Final = (
    "INSERT INTO tickets (id, number, version, snapshot, fields, status, queue, assignee, due_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1"
)
# Every commit rewrites the due entry, and with it ends any lease of it (claim_due).
_UPDATE_TICKET: Final = (
    "UPDATE tickets SET version = %s, snapshot = %s, fields = %s, status = %s, queue = %s,"
    " assignee = %s, due_at = %s, due_lease_worker = NULL, due_lease_until = NULL WHERE id = %s"
)
_WRITER_LOCK: Final = "SELECT pg_advisory_xact_lock_shared(%s, %s)"
# The one-statement commit (ticketflow_commit, schema version 2): the types are spelled out
# so that the server never has to guess them from a Python int or an empty list.
_COMMIT: Final = (
    "SELECT found_version, found_number, found_same FROM ticketflow_commit("
    "%b::integer, %b::integer, %b::text, %b::bigint, %b::bigint, %b::text,"
    " %b::bigint, %b::text, %b::text, %b::text, %b::text, %b::text, %b::bigint,"
    " %b::text[], %b::text[],"
    " %b::bigint[], %b::text[], %b::bigint[], %b::text[],"
    " %b::text[], %b::text[],"
    " %b::text[], %b::text[], %b::text[], %b::bigint[], %b::text[], %b::bigint[], %b::bigint[])"
)
_INSERT_EVENT: Final = (
    "INSERT INTO events (ticket_id, version, type, at, body) VALUES (%s, %s, %s, %s, %s)"
)
_INSERT_FIELD: Final = "INSERT INTO ticket_fields (ticket_id, name, value) VALUES (%s, %s, %s)"
_INSERT_MESSAGE: Final = (
    "INSERT INTO outbox (id, topic, ticket_id, event_version, payload, created_at, not_before)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s)"
)
_UPSERT_MEMO: Final = (
    "INSERT INTO ticket_memos (ticket_id, name, body) VALUES (%s, %s, %s)"
    " ON CONFLICT (ticket_id, name) DO UPDATE SET body = excluded.body"
)
_JOURNAL: Final = (
    "SELECT version, type, at, body FROM events WHERE ticket_id = %s AND version > %s"
    " ORDER BY version"
)
_NEXT_NUMBER: Final = (
    "UPDATE counters SET value = greatest(value, coalesce((SELECT max(number) FROM tickets), 0))"
    " + 1 WHERE name = 'ticket_number' RETURNING value"
)
# Deliverable messages, locked as they are chosen: another claim skips them (SKIP LOCKED)
# instead of waiting, and never leases them too. Each gets its own token.
_CLAIM: Final = (
    "WITH chosen AS ("
    "  SELECT id FROM outbox"
    "  WHERE not_before <= %(now)s AND (lease_until IS NULL OR lease_until <= %(now)s)"
    "  ORDER BY created_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED"
    "), claimed AS ("
    "  UPDATE outbox AS o SET attempts = o.attempts + 1, lease_until = %(until)s,"
    "   lease_token = %(worker)s || ':' || substr(md5(%(salt)s || o.id), 1, 16)"
    "  FROM chosen WHERE o.id = chosen.id"
    "  RETURNING o.id, o.topic, o.ticket_id, o.payload, o.created_at, o.event_version,"
    "   o.attempts, o.lease_token"
    ")"
    " SELECT c.id, c.topic, c.ticket_id, c.payload, c.created_at, c.event_version, e.type,"
    " e.at, e.body, c.attempts, c.lease_token FROM claimed AS c"
    " LEFT JOIN events AS e ON e.ticket_id = c.ticket_id AND e.version = c.event_version"
    " ORDER BY c.created_at, c.id"
)
# Due tickets not under a live lease, locked as they are chosen (SKIP LOCKED), leased.
_CLAIM_DUE: Final = (
    "WITH chosen AS ("
    "  SELECT id FROM tickets WHERE due_at <= %(cutoff)s"
    "  AND (due_lease_until IS NULL OR due_lease_until <= %(cutoff)s)"
    "  ORDER BY due_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED"
    ")"
    " UPDATE tickets AS t SET due_lease_worker = %(worker)s, due_lease_until = %(until)s"
    " FROM chosen WHERE t.id = chosen.id RETURNING t.id, t.due_at"
)
_MOVE_OUT: Final = (
    "WITH gone AS (DELETE FROM outbox WHERE id = %(id)s AND lease_token = %(token)s"
    " RETURNING id, created_at, topic, ticket_id, event_version, payload, attempts)"
    " INSERT INTO outbox_dead (dead_at, id, created_at, topic, ticket_id, event_version,"
    " payload, attempts, last_error)"
    " SELECT %(at)s, id, created_at, topic, ticket_id, event_version, payload, attempts,"
    " %(error)s FROM gone"
)
_DEAD: Final = (
    "SELECT d.id, d.topic, d.ticket_id, d.payload, d.created_at, d.event_version, e.type, e.at,"
    " e.body, d.attempts, d.last_error, d.dead_at FROM outbox_dead AS d"
    " LEFT JOIN events AS e ON e.ticket_id = d.ticket_id AND e.version = d.event_version"
)
_RESEND: Final = (
    "WITH back AS (DELETE FROM outbox_dead WHERE id = %(id)s"
    " RETURNING created_at, id, topic, ticket_id, event_version, payload)"
    " INSERT INTO outbox (created_at, id, topic, ticket_id, event_version, payload, not_before,"
    " attempts) SELECT created_at, id, topic, ticket_id, event_version, payload, %(at)s, 0"
    " FROM back"
)
_REJECTED: Final = (
    "SELECT id, channel, received_at, raw, size, problems, settled_at, ticket_id"
    " FROM intake_rejected"
)

# SQLSTATEs of a transaction that lost to another: retrying it may succeed.
_CONFLICTS: Final = frozenset({"40001", "40P01", "55P03"})
# What psycopg raises for a value it cannot send (the checks at the boundary keep them out).
_UNBINDABLE: Final = (UnicodeEncodeError, OverflowError)


_CONNECT_TIMEOUT = 10.0
"""Seconds opening waits for the server when neither the caller nor the DSN says."""


class _Driver:
    """psycopg and its pool, imported when the first store opens."""

    psycopg: Any = None
    pool: Any = None
    lock = threading.Lock()

    @classmethod
    def load(cls) -> None:
        with cls.lock:
            if cls.psycopg is not None:
                return
            try:
                import psycopg  # noqa: PLC0415 - optional: ticketflow[postgres]
                import psycopg_pool  # noqa: PLC0415
            except ModuleNotFoundError as error:
                raise ModuleNotFoundError(
                    "PostgresTicketStore needs psycopg 3 and psycopg_pool: install"
                    " 'ticketflow[postgres]'",
                    name=error.name,
                ) from error
            cls.pool = psycopg_pool
            cls.psycopg = psycopg


class PostgresTicketStore:
    """A :class:`~ticketflow.storage.TicketStore` in a PostgreSQL schema, for many processes.

    Every method borrows a connection from a pool (``psycopg_pool``) shared by the threads of a
    process; open one store per process (a pool does not survive ``fork``). Writes are single
    transactions; :meth:`commit` locks the ticket's row (``SELECT ... FOR UPDATE``), and
    :meth:`claim_outbox` and :meth:`claim_due` lock what they lease with ``FOR UPDATE SKIP
    LOCKED``, so workers on many machines never lease the same message or ticket at once.

    The store lives in one schema of the database (``schema``), created if missing, and is
    migrated forward there under an advisory lock, so processes that start at once migrate it
    exactly once. A schema from a newer ticketflow is refused, and one that holds other tables
    is left alone. Several stores (an application's and its tests') can share a database under
    different schemas; :meth:`close` closes the pool and leaves the data.

    Text is stored so that every value round-trips, NUL characters included (PostgreSQL's
    ``text`` cannot hold NUL: see ``escape`` in ``_postgres_schema``); JSON is kept as text,
    never ``jsonb``. Every error of the driver becomes a ticketflow error: a deadlock, a
    serialization failure or a lock not available is a :class:`ConflictError` (so
    :func:`ticketflow.retrying` runs the command again); a lost connection, a statement
    timeout or any other trouble is a :class:`StoreError`, and writes nothing partial (the
    transaction rolls back); the pool replaces the lost connections for the next call.

    Args:
        dsn: A libpq connection string or URI; by default the environment variable
            ``TICKETFLOW_PG_DSN``, or ``postgresql://postgres@127.0.0.1:5432/test``.
        schema: The schema that holds the store: a lower-case SQL identifier (letters,
            digits and ``_``, at most 63 characters).
        pool_size: The most connections the process opens (1 to 1000); one is opened at once,
            the others as threads need them.
        statement_timeout: The longest a statement may run, in seconds (``statement_timeout``
            of every connection); ``0`` for no limit.
        connect_timeout: How long opening waits for the server, in seconds; also how long a
            call waits for a free connection. By default the ``connect_timeout`` the DSN gives
            (as libpq reads it), else 10.

    Raises:
        InvalidValueError: An argument is out of its domain (``field`` names it).
        NotATicketflowStoreError: The schema holds tables of something else; it was not
            modified.
        SchemaVersionError: The store is newer than this release; it was not modified.
        StoreError: The server cannot be reached, or the schema cannot be created or migrated.
        ModuleNotFoundError: psycopg is not installed (``pip install 'ticketflow[postgres]'``).

    Example::

        with PostgresTicketStore("postgresql://desk@db.internal/desk") as store:
            desk = Desk(store)

    .. versionadded:: 0.2
    """

    def __init__(
        self,
        dsn: str | None = None,
        *,
        schema: str = "ticketflow",
        pool_size: int = 8,
        statement_timeout: float = 30.0,
        connect_timeout: float | None = None,
    ) -> None:
        dsn = _dsn(dsn)
        given: object = schema  # checked, whatever a caller passes
        if not isinstance(given, str) or SCHEMA_NAME.fullmatch(given) is None:
            raise invalid(
                "schema", schema, "must be a lower-case SQL identifier of at most 63 characters"
            )
        if isinstance(pool_size, bool) or not isinstance(pool_size, int):
            raise invalid("pool_size", pool_size, "must be an integer from 1 to 1000")
        if not 1 <= pool_size <= 1000:  # noqa: PLR2004
            raise invalid("pool_size", pool_size, "must be an integer from 1 to 1000")
        timeout = _seconds("statement_timeout", statement_timeout)
        _Driver.load()
        waiting = _waiting(dsn, connect_timeout)
        self._dsn = dsn
        self._schema = schema
        self._location = _location(dsn, schema)
        self._writer_lock = _postgres_feed.writer_lock(schema)
        self._closed = False
        self._snapshots = SnapshotMemo()
        self._pool: psycopg_pool.ConnectionPool[Any] | None = None
        milliseconds = round(timeout * 1000)
        self._pool = self._open_pool(dsn, pool_size, milliseconds, max(waiting, 0.001))
        try:
            with self._connection() as connection:
                self._version = migrate(connection, schema, self._location)
                self._feed_id = _feed_id(connection, self._location)
        except BaseException:
            self.close()
            raise

    def _open_pool(
        self, dsn: str, size: int, milliseconds: int, waiting: float
    ) -> psycopg_pool.ConnectionPool[Any]:
        sql = _Driver.psycopg.sql
        settings = sql.SQL("SET search_path TO {}; SET statement_timeout = {}").format(
            sql.Identifier(self._schema), sql.Literal(milliseconds)
        )

        def configure(connection: psycopg.Connection[Any]) -> None:
            connection.execute(settings)

        try:
            pool = _Driver.pool.ConnectionPool(
                dsn,
                min_size=1,
                max_size=size,
                open=False,
                configure=configure,
                kwargs={
                    "autocommit": True,
                    "connect_timeout": max(1, round(waiting)),
                    "application_name": "ticketflow",
                },
                timeout=waiting,
                name=f"ticketflow-{self._schema}",
            )
        except _Driver.psycopg.Error as error:
            raise invalid("dsn", _redacted(dsn), f"is not a connection string: {error}") from None
        try:
            pool.open(wait=True, timeout=waiting)
        except _Driver.psycopg.Error as error:
            pool.close()
            raise StoreError(f"{self._location}: cannot connect: {error}") from error
        return pool  # type: ignore[no-any-return]

    @property
    def schema(self) -> str:
        """The schema that holds the store."""
        return self._schema

    @property
    def location(self) -> str:
        """Where the store is: server, database and schema (never the password)."""
        return self._location

    def __repr__(self) -> str:
        state = ", closed" if self._closed else ""
        return f"PostgresTicketStore({self._location!r}{state})"

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
        """Close the pool's connections; later calls raise :class:`StoreError`.

        The data stays in the database. Call it when no other thread is using the store.
        Closing twice is harmless.
        """
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    # -- connections and errors -----------------------------------------------------------

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        pool = self._pool
        if pool is None:
            raise StoreError(f"{self._location}: the store is closed")
        psycopg_module = _Driver.psycopg
        try:
            connection = _live_connection(pool)
            try:
                yield connection
            finally:
                pool.putconn(connection)
        except psycopg_module.Error as error:
            raise self._translated(error) from error
        except _UNBINDABLE as error:
            raise StoreError(f"{self._location}: a value cannot be stored: {error}") from error

    @contextlib.contextmanager
    def _writing(self) -> Iterator[psycopg.Connection[Any]]:
        with self._connection() as connection, connection.transaction():
            yield connection

    def _translated(self, error: Exception) -> Exception:
        state = getattr(error, "sqlstate", None)
        if state in _CONFLICTS:
            # Another transaction won: the caller's retry re-reads and decides again.
            return ConflictError(f"({self._schema})", 0, None)
        pool = self._pool
        if pool is not None and isinstance(error, _Driver.psycopg.OperationalError):
            # The connection may be lost, and others idle in the pool with it (a restart):
            # they are checked and replaced, so the next call works.
            with contextlib.suppress(Exception):
                pool.check()
        what = "a statement timed out" if state == "57014" else str(error).strip()
        return StoreError(f"{self._location}: {what}")

    # -- TicketStore ------------------------------------------------------------------------

    def allocate_number(self) -> int:
        """Return a ticket number never returned before, by any thread or process.

        Raises:
            StoreError: No number is left (the highest is 2**63 - 1).
        """
        with self._writing() as connection:
            try:
                row = connection.execute(
                    "UPDATE counters SET value = value + 1 WHERE name = 'ticket_number'"
                    " RETURNING value"
                ).fetchone()
            except _Driver.psycopg.errors.NumericValueOutOfRange:
                raise StoreError(f"{self._location}: no ticket number is left") from None
        if row is None:
            raise StoreError(f"{self._location}: the ticket number counter is missing")
        return int(row[0])

    def get(self, ticket_id: str) -> Ticket:
        """Return the ticket's current snapshot.

        Raises:
            InvalidValueError: ``ticket_id`` is not a string.
            TicketNotFoundError: No such ticket.
        """
        ticket_id = ticket_id_argument(ticket_id)
        if not storable(ticket_id):
            raise TicketNotFoundError(ticket_id)
        with self._connection() as connection:
            row = connection.execute(
                "SELECT snapshot FROM tickets WHERE id = %s", (escape(ticket_id),)
            ).fetchone()
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
        with self._connection() as connection:
            row = connection.execute(
                "SELECT snapshot FROM tickets WHERE number = %s", (number,)
            ).fetchone()
        if row is None:
            raise TicketNotFoundError(printable_int(number))
        return self._snapshots.ticket(row[0])

    def commit(self, change: Change) -> None:
        """Write the change in one transaction: snapshot, events, field index, outbox, due time.

        The ticket's row is locked first (``SELECT ... FOR UPDATE``), so commits of one ticket
        take turns and the version check holds across processes. A new version of a stored
        ticket (the commonest commit) is one statement, a server-side function that checks and
        writes in one round trip; a new ticket or a change with intake claims is pipelined.

        Raises:
            ConflictError: The stored version is not ``change.expected_version``, or a new
                ticket's id or number is taken, or the transaction lost a deadlock. Nothing
                was written.
            InvalidValueError: ``change`` is not a :class:`Change`, it would alter the ticket's
                number or (without events) its snapshot, or an outbox message id is taken.
                Nothing was written.
            StoreError: No ticket number is left to assign, or the connection was lost.
        """
        change = instance("change", change, Change)
        rows = change_rows(change, self._snapshots)
        ticket_id = change.ticket.id
        key = escape(ticket_id)
        try:
            with self._connection() as connection:
                try:
                    if _at_once(change):
                        self._write_at_once(connection, change, rows, key)
                        return
                    # Pipelined: the lock and its answer are one round trip, and the writes
                    # with the COMMIT another (a new ticket's insert, a number, a claim add
                    # their own).
                    with connection.pipeline(), connection.transaction():
                        # First, before the transaction has an id: readers of the feed wait
                        # for the commits that hold it (see _postgres_feed).
                        connection.execute(_WRITER_LOCK, self._writer_lock)
                        self._write(connection, change, rows, key)
                except _Driver.psycopg.errors.UniqueViolation as error:
                    raise self._taken(change, error) from None
        except ConflictError as error:
            if error.ticket_id == f"({self._schema})":
                raise ConflictError(ticket_id, change.expected_version, None) from error
            raise

    def _write(
        self, connection: psycopg.Connection[Any], change: Change, rows: ChangeRows, key: str
    ) -> None:
        ticket_id = change.ticket.id
        if change.events:
            stored = connection.execute(_SELECT_FOR_UPDATE, (key,)).fetchone()
        else:
            stored = connection.execute(_SELECT_SAME_FOR_UPDATE, (rows.ticket[3], key)).fetchone()
        actual = 0 if stored is None else stored[0]
        if actual != change.expected_version:
            raise ConflictError(ticket_id, change.expected_version, actual or None)
        if change.assign_number:
            rows = numbered_rows(change, rows, self._next_number(connection), self._snapshots)
        fields_changed = self._write_ticket(connection, change, rows, key, stored)
        cursor = connection.cursor()
        if fields_changed and rows.fields:
            cursor.executemany(
                _INSERT_FIELD, [(key, escape(name), value) for _, name, value in rows.fields]
            )
        if rows.events:
            cursor.executemany(_INSERT_EVENT, [(key, *event[1:]) for event in rows.events])
        if change.memos:
            cursor.executemany(
                _UPSERT_MEMO,
                [(key, escape(name), escape(body)) for name, body in change.memos.items()],
            )
        if rows.messages:
            messages = [
                (escape(str(m[0])), escape(str(m[1])), _text(m[2]), *m[3:]) for m in rows.messages
            ]
            cursor.executemany(_INSERT_MESSAGE, messages)  # a taken id fails the COMMIT
        if change.claims or change.similarity is not None or change.unindex:
            write_intake(connection, change, key)

    def _write_at_once(
        self, connection: psycopg.Connection[Any], change: Change, rows: ChangeRows, key: str
    ) -> None:
        # One statement in autocommit mode: its own transaction, one round trip. It writes
        # nothing unless what it found is what the change expects (see _V2).
        ticket_id = change.ticket.id
        _, _, version, snapshot, fields, status, queue, assignee, due_at = rows.ticket
        same = None if change.events else snapshot
        events, messages = rows.events, rows.messages
        found = connection.execute(
            _COMMIT,
            (
                *self._writer_lock,
                key,
                change.expected_version,
                change.ticket.number,
                same,
                version,
                snapshot,
                fields,
                _text(status),
                _text(queue),
                _text(assignee),
                due_at,
                [escape(name) for _, name, _ in rows.fields],
                [value for _, _, value in rows.fields],
                [event[1] for event in events],
                [event[2] for event in events],
                [event[3] for event in events],
                [event[4] for event in events],
                [escape(name) for name in change.memos],
                [escape(body) for body in change.memos.values()],
                [escape(str(message[0])) for message in messages],
                [escape(str(message[1])) for message in messages],
                [_text(message[2]) for message in messages],
                [message[3] for message in messages],
                [message[4] for message in messages],
                [message[5] for message in messages],
                [message[6] for message in messages],
            ),
        ).fetchone()
        actual, number, same_snapshot = found if found is not None else (0, None, None)
        if actual != change.expected_version:
            raise ConflictError(ticket_id, change.expected_version, actual or None)
        if same is not None and not same_snapshot:
            raise invalid("ticket", ticket_id, "a change without events cannot alter the snapshot")
        if number != change.ticket.number:
            raise invalid("ticket.number", change.ticket.number, f"ticket {ticket_id} is #{number}")

    def _taken(self, change: Change, error: Exception) -> Exception:
        # A unique key that a statement of the pipeline found taken: the whole change failed.
        diagnostic = getattr(error, "diag", None)
        table = getattr(diagnostic, "table_name", None)
        if table == "outbox" or "dead letter" in str(error):
            return _duplicate_message(change)
        if table == "tickets":
            return ConflictError(change.ticket.id, change.expected_version, None)
        return StoreError(f"{self._location}: {str(error).strip()}")

    @staticmethod
    def _write_ticket(
        connection: psycopg.Connection[Any],
        change: Change,
        rows: ChangeRows,
        key: str,
        stored: tuple[Any, ...] | None,
    ) -> bool:
        # Insert or update the ticket's row; return whether its field index must be written.
        ticket_id = change.ticket.id
        _, number, version, snapshot, fields, status, queue, assignee, due_at = rows.ticket
        columns = (snapshot, fields, _text(status), _text(queue), _text(assignee), due_at)
        if stored is None:
            # An answer, not a row count: a pipeline has the count only once it syncs.
            inserted = connection.execute(_INSERT_TICKET, (key, number, version, *columns))
            if inserted.fetchone() is None:
                again = connection.execute(
                    "SELECT version FROM tickets WHERE id = %s", (key,)
                ).fetchone()
                raise ConflictError(ticket_id, 0, None if again is None else again[0])
            return True
        if not change.events and not stored[3]:
            raise invalid("ticket", ticket_id, "a change without events cannot alter the snapshot")
        if stored[1] != change.ticket.number:
            raise invalid(
                "ticket.number", change.ticket.number, f"ticket {ticket_id} is #{stored[1]}"
            )
        connection.execute(_UPDATE_TICKET, (version, *columns, key))
        if stored[2] == fields:
            return False
        connection.execute("DELETE FROM ticket_fields WHERE ticket_id = %s", (key,))
        return True

    def _next_number(self, connection: psycopg.Connection[Any]) -> int:
        # Above every number handed out and every number held (a host may commit its own).
        try:
            row = connection.execute(_NEXT_NUMBER).fetchone()
        except _Driver.psycopg.errors.NumericValueOutOfRange:
            raise StoreError(f"{self._location}: no ticket number is left to assign") from None
        if row is None:
            raise StoreError(f"{self._location}: the ticket number counter is missing")
        return int(row[0])

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
        key = escape(ticket_id)
        with self._connection() as connection:
            rows = connection.execute(_JOURNAL, (key, to_int64(after_version))).fetchall()
            if not rows and not _exists(connection, key):
                raise TicketNotFoundError(ticket_id)
        return tuple(events_from(ticket_id, rows))

    def feed(self, *, after: FeedCursor | None = None, limit: int = 500) -> FeedPage:
        """Return up to ``limit`` events committed after ``after``, in commit order.

        A position is ``(transaction id, sequence)``, and a page holds only the events of
        transactions older than every commit of this store still running, so a reader never
        skips an event that commits late; a page waits briefly for such a commit to end (see
        ``_postgres_feed``). Transactions of other applications never hold the feed back.

        Raises:
            InvalidValueError: ``after`` or ``limit`` is out of its domain, or ``after`` is a
                cursor of another store's feed or past the end of this one.
            DeserializationError: A stored event was damaged outside ticketflow.
        """
        after, limit = feed_arguments(after, limit)
        with self._connection() as connection:
            return _postgres_feed.read_feed(
                connection, self._location, self._feed_id, after, limit, self._writer_lock
            )

    def _feed_run(self, after: FeedCursor | None, limit: int) -> FeedRun:
        # What feed() reads, its events built as they are taken (FeedRun: for analytics).
        after, limit = feed_arguments(after, limit)
        with self._connection() as connection:
            return _postgres_feed.read_feed_run(
                connection, self._location, self._feed_id, after, limit, self._writer_lock
            )

    def memos(self, ticket_id: str) -> Mapping[str, str]:
        """Return the memos committed with the ticket's snapshot, by name.

        Raises:
            InvalidValueError: ``ticket_id`` is not a string.
            TicketNotFoundError: No such ticket.
        """
        ticket_id = ticket_id_argument(ticket_id)
        if not storable(ticket_id):
            raise TicketNotFoundError(ticket_id)
        key = escape(ticket_id)
        with self._connection() as connection:
            rows = connection.execute(
                "SELECT name, body FROM ticket_memos WHERE ticket_id = %s", (key,)
            ).fetchall()
            if not rows and not _exists(connection, key):
                raise TicketNotFoundError(ticket_id)
        return {unescape(name): unescape(body) for name, body in rows}

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
            ("status = %s", _text(query.status)),
            ("queue = %s", _text(query.queue)),
            ("assignee = %s", _text(query.assignee)),
            ("number > %s", None if query.after is None else to_int64(query.after)),
        )
        where = [clause for clause, value in criteria if value is not None]
        params: list[object] = [value for _, value in criteria if value is not None]
        for name, value in query.fields.items():
            where.append(
                "EXISTS (SELECT 1 FROM ticket_fields AS f"
                " WHERE f.ticket_id = t.id AND f.name = %s AND f.value = %s)"
            )
            params += (escape(name), canonical(value))
        sql = "SELECT snapshot FROM tickets AS t"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY number LIMIT %s"
        params.append(query.limit + 1)
        with self._connection() as connection:
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
        with self._connection() as connection:
            rows = connection.execute(
                "SELECT id, due_at FROM tickets WHERE due_at <= %s ORDER BY due_at, id LIMIT %s",
                (micros(cutoff), to_int64(limit)),
            ).fetchall()
        return [DueEntry(unescape(ticket_id), from_micros(due_at)) for ticket_id, due_at in rows]

    def claim_due(
        self, at_or_before: datetime, *, worker: str, lease: timedelta, limit: int = 100
    ) -> Sequence[DueEntry]:
        """Lease up to ``limit`` due tickets to ``worker`` until ``at_or_before + lease``.

        A ticket is claimable when it is due and no live lease covers it (one whose end is
        after ``at_or_before``); every commit of a ticket ends its lease. The tickets are
        locked as they are chosen (``FOR UPDATE SKIP LOCKED``), so workers in several
        processes never lease the same ticket. Earliest due first, ties by ticket id.

        Raises:
            InvalidValueError: ``worker`` is not a key, ``at_or_before`` not an aware
                datetime, ``lease`` not a positive ``timedelta``, ``limit`` not an integer
                >= 0. Checked in that order.
        """
        worker, cutoff, until, limit = claim_due_arguments(worker, at_or_before, lease, limit)
        parameters = {
            "cutoff": micros(cutoff),
            "until": micros(until),
            "worker": escape(worker),
            "limit": to_int64(limit),
        }
        with self._writing() as connection:
            rows = connection.execute(_CLAIM_DUE, parameters).fetchall()
        entries = sorted((due_at, unescape(ticket_id)) for ticket_id, due_at in rows)
        return [DueEntry(ticket_id, from_micros(due_at)) for due_at, ticket_id in entries]

    def claim_outbox(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int = 10
    ) -> Sequence[LeasedMessage]:
        """Lease up to ``limit`` deliverable messages to ``worker`` until ``now + lease``.

        One statement chooses the messages with ``FOR UPDATE SKIP LOCKED`` and leases them, so
        workers in several processes never hold live leases on the same message. Oldest first.

        Raises:
            InvalidValueError: ``worker``, ``now``, ``lease`` or ``limit`` is out of its
                domain (see :meth:`TicketStore.claim_outbox`).
        """
        worker, now, until, limit = claim_arguments(worker, now, lease, limit)
        parameters = {
            "now": micros(now),
            "until": micros(until),
            "limit": to_int64(limit),
            "worker": escape(worker),
            "salt": secrets.token_hex(8),
        }
        with self._writing() as connection:
            rows = connection.execute(_CLAIM, parameters).fetchall()
        return [
            LeasedMessage(
                message=_message(row[:9]),
                lease_token=unescape(row[10]),
                lease_until=until,
                attempts=row[9],
            )
            for row in rows
        ]

    def ack_outbox(self, leased: LeasedMessage) -> bool:
        """Remove a delivered message. Returns ``False`` if the lease was lost (not removed).

        Raises:
            InvalidValueError: ``leased`` is not a :class:`LeasedMessage`.
        """
        leased = instance("leased", leased, LeasedMessage)
        if not storable(leased.lease_token):
            return False
        with self._connection() as connection:
            count = connection.execute(
                "DELETE FROM outbox WHERE id = %s AND lease_token = %s",
                (escape(leased.message.id), escape(leased.lease_token)),
            ).rowcount
        return count == 1

    def retry_outbox(self, leased: LeasedMessage, *, not_before: datetime) -> bool:
        """Release a message for another attempt no earlier than ``not_before``.

        Returns ``False`` if the lease was lost (nothing changed).

        Raises:
            InvalidValueError: ``leased`` is not a :class:`LeasedMessage`, or ``not_before``
                is not an aware datetime.
        """
        leased = instance("leased", leased, LeasedMessage)
        at = micros(instant("not_before", not_before))
        if not storable(leased.lease_token):
            return False
        with self._connection() as connection:
            count = connection.execute(
                "UPDATE outbox SET lease_token = NULL, lease_until = NULL, not_before = %s"
                " WHERE id = %s AND lease_token = %s",
                (at, escape(leased.message.id), escape(leased.lease_token)),
            ).rowcount
        return count == 1

    # -- dead letters (DeadLetterStore) ---------------------------------------------------

    def dead_letter_outbox(self, leased: LeasedMessage, *, error: str, at: datetime) -> bool:
        """Move a message to the dead letters if the lease still holds (one transaction)."""
        leased, error, at = dead_letter_arguments(leased, error, at)
        if not storable(leased.lease_token):
            return False
        parameters = {
            "id": escape(leased.message.id),
            "token": escape(leased.lease_token),
            "at": micros(at),
            "error": escape(error),
        }
        with self._writing() as connection:
            return connection.execute(_MOVE_OUT, parameters).rowcount == 1

    def dead_letters(
        self, *, after: DeadLetter | None = None, limit: int = 50
    ) -> Sequence[DeadLetter]:
        """Return up to ``limit`` dead letters, oldest first (by ``dead_at``, then id)."""
        after, limit = dead_letters_arguments(after, limit)
        with self._connection() as connection:
            if after is None:
                rows = connection.execute(
                    _DEAD + " ORDER BY d.dead_at, d.id LIMIT %s", (limit,)
                ).fetchall()
            else:
                rows = connection.execute(
                    _DEAD + " WHERE (d.dead_at, d.id) > (%s, %s) ORDER BY d.dead_at, d.id LIMIT %s",
                    (micros(after.dead_at), escape(after.message.id), limit),
                ).fetchall()
        return [
            DeadLetter(
                message=_message(row[:9]),
                attempts=row[9],
                last_error=unescape(row[10]),
                dead_at=from_micros(row[11]),
            )
            for row in rows
        ]

    def resend_dead_letter(self, message_id: str, *, not_before: datetime) -> bool:
        """Put a dead letter back in the outbox; ``False`` if there is none with this id."""
        message_id, at = resend_arguments(message_id, not_before)
        if not storable(message_id):
            return False
        with self._writing() as connection:
            # The trigger that keeps a dead letter's id taken runs after the row is deleted.
            count = connection.execute(
                _RESEND, {"id": escape(message_id), "at": micros(at)}
            ).rowcount
        return count == 1

    # -- intake (IntakeStore) -------------------------------------------------------------

    def claimant(self, key: str) -> str | None:
        """Return the ticket holding the claim ``key``, or ``None``."""
        key = claim_key_argument(key)
        if not storable(key):
            return None
        with self._connection() as connection:
            row = connection.execute(
                "SELECT ticket_id FROM intake_claims WHERE key = %s", (escape(key),)
            ).fetchone()
        return None if row is None else unescape(row[0])

    def candidates(self, band_keys: Collection[str]) -> Mapping[str, Sequence[int]]:
        """Return ticket id -> sketch of every indexed ticket holding any of ``band_keys``."""
        keys = list(
            dict.fromkeys(escape(key) for key in band_keys_argument(band_keys) if storable(key))
        )
        if not keys:
            return {}
        with self._connection() as connection:
            rows = connection.execute(
                "SELECT s.ticket_id, s.sketch FROM intake_similarity AS s WHERE s.ticket_id IN"
                " (SELECT ticket_id FROM intake_bands WHERE band_key = ANY(%s))",
                (keys,),
            ).fetchall()
        return {unescape(ticket_id): sketch_of(sketch) for ticket_id, sketch in rows}

    def keep_rejected(self, record: RejectedIntake) -> None:
        """Keep a rejected-intake record (its id must be new)."""
        record = instance("record", record, RejectedIntake)
        values = (
            escape(record.id),
            escape(record.channel),
            micros(record.received_at),
            record.raw,
            record.size,
            problems_text(record.problems),
            None if record.settled_at is None else micros(record.settled_at),
            _text(record.ticket_id),
        )
        with self._writing() as connection:
            inserted = connection.execute(
                "INSERT INTO intake_rejected (id, channel, received_at, raw, size, problems,"
                " settled_at, ticket_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING",
                values,
            ).rowcount
        if inserted != 1:
            raise InvalidValueError("record.id", record.id, "a rejected record with it exists")

    def rejected(
        self, *, pending: bool = True, after: str | None = None, limit: int = 50
    ) -> Sequence[RejectedIntake]:
        """Return up to ``limit`` rejected-intake records in the order kept."""
        pending, after, limit = rejected_arguments(pending, after, limit)
        if after is not None and not storable(after):
            return []
        only_pending = " AND settled_at IS NULL" if pending else ""
        with self._connection() as connection:
            start = 0
            if after is not None:
                row = connection.execute(
                    "SELECT seq FROM intake_rejected WHERE id = %s", (escape(after),)
                ).fetchone()
                if row is None:
                    return []
                start = int(row[0])
            rows = connection.execute(
                _REJECTED + " WHERE seq > %s" + only_pending + " ORDER BY seq LIMIT %s",
                (start, limit),
            ).fetchall()
        return [rejected_record(row) for row in rows]

    def get_rejected(self, record_id: str) -> RejectedIntake:
        """Return one rejected-intake record (raises :class:`RecordNotFoundError`)."""
        record_id = record_id_argument(record_id)
        if not storable(record_id):
            raise RecordNotFoundError("rejected_intake", record_id)
        with self._connection() as connection:
            row = connection.execute(_REJECTED + " WHERE id = %s", (escape(record_id),)).fetchone()
        if row is None:
            raise RecordNotFoundError("rejected_intake", record_id)
        return rejected_record(row)

    def settle_rejected(self, record_id: str, *, at: datetime, ticket_id: str | None) -> bool:
        """Mark a rejected-intake record settled; ``False`` if it was already."""
        record_id = record_id_argument(record_id)
        when = instant("at", at)
        if ticket_id is not None:
            ticket_id = ticket_id_argument(ticket_id)
        if not storable(record_id):
            raise RecordNotFoundError("rejected_intake", record_id)
        key = escape(record_id)
        with self._writing() as connection:
            row = connection.execute(
                "SELECT settled_at FROM intake_rejected WHERE id = %s FOR UPDATE", (key,)
            ).fetchone()
            if row is None:
                raise RecordNotFoundError("rejected_intake", record_id)
            if row[0] is not None:
                return False
            connection.execute(
                "UPDATE intake_rejected SET settled_at = %s, ticket_id = %s WHERE id = %s",
                (micros(when), _text(ticket_id), key),
            )
        return True

    # -- routing (RotationStore) ----------------------------------------------------------

    def rotate(self, queue: str, eligible: Iterable[str]) -> str:
        """Return whose turn it is in ``queue`` among ``eligible``, and record it.

        One transaction that locks the queue's row: processes sharing the store take turns.
        """
        queue, agents = rotation_arguments(queue, eligible)
        key = escape(queue)
        with self._writing() as connection:
            connection.execute(
                "INSERT INTO routing_turns (queue, agent) VALUES (%s, '') ON CONFLICT DO NOTHING",
                (key,),
            )
            row = connection.execute(
                "SELECT agent FROM routing_turns WHERE queue = %s FOR UPDATE", (key,)
            ).fetchone()
            last = None if row is None or row[0] == "" else unescape(row[0])
            agent = next_in_turn(last, agents)
            connection.execute(
                "UPDATE routing_turns SET agent = %s WHERE queue = %s", (escape(agent), key)
            )
        return agent


# -- helpers ---------------------------------------------------------------------------------


def _live_connection(pool: psycopg_pool.ConnectionPool[Any]) -> psycopg.Connection[Any]:
    # An idle connection whose socket has something to read was told goodbye by the server
    # (its backend was terminated, the server restarted): it is dropped, not handed out, and
    # the pool opens another. One system call per borrowing, no round trip.
    for _ in range(pool.max_size):
        connection: psycopg.Connection[Any] = pool.getconn()
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError, _Driver.psycopg.Error):
            readable = [True]
        if not readable:
            return connection
        connection.close()
        pool.putconn(connection)
    last: psycopg.Connection[Any] = pool.getconn()
    return last


def _feed_id(connection: psycopg.Connection[Any], location: str) -> str:
    row = connection.execute("SELECT value FROM ticketflow_meta WHERE key = 'feed'").fetchone()
    if row is None or not re.fullmatch(r"[0-9a-f]{32}", str(row[0])):
        raise StoreError(f"{location}: the event feed's identity is damaged")
    return str(row[0])


def _text(value: object) -> str | None:
    return None if value is None else escape(str(value))


def _message(row: Sequence[Any]) -> Any:  # noqa: ANN401 - an OutboxMessage
    message_id, topic, ticket_id, *rest = row
    return message_from(
        unescape(message_id),
        unescape(topic),
        None if ticket_id is None else unescape(ticket_id),
        *rest,
    )


def _exists(connection: psycopg.Connection[Any], key: str) -> bool:
    row = connection.execute("SELECT 1 FROM tickets WHERE id = %s", (key,)).fetchone()
    return row is not None


def _unmeetable(query: TicketQuery) -> bool:
    # Values a commit refuses to store cannot match.
    texts = (query.status, query.queue, query.assignee, *query.fields)
    return not all(text is None or storable(text) for text in texts) or any(
        isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX
        for value in query.fields.values()
    )


def _duplicate_message(change: Change) -> InvalidValueError:
    ids = ", ".join(message.id for message in change.outbox)
    return invalid("outbox", ids, "an outbox message id is taken; nothing was written")


def _dsn(value: object) -> str:
    if value is None:
        value = os.environ.get(DSN_VARIABLE) or DEFAULT_DSN
    if not isinstance(value, str) or not value.strip():
        raise invalid("dsn", value, "must be a non-empty connection string or None")
    if "\x00" in value or not storable(value):
        raise invalid("dsn", _redacted(value), "must be valid Unicode without NUL characters")
    return value


def _redacted(dsn: str) -> str:
    # A connection string may carry a password: never show it in an error.
    return re.sub(r"(password\s*=\s*)\S+|(://[^:/@]*:)[^@]*@", r"\1\2***@", dsn)


def _at_once(change: Change) -> bool:
    # A new version of a stored ticket: the one-statement commit. A new ticket, a number to
    # hand out and intake's claims take the pipelined path.
    return (
        change.expected_version > 0
        and not change.assign_number
        and not change.claims
        and change.similarity is None
        and not change.unindex
    )


def _conninfo(dsn: str) -> dict[str, Any]:
    """The DSN's parameters, as libpq reads them (InvalidValueError when it is no DSN)."""
    try:
        return _Driver.psycopg.conninfo.conninfo_to_dict(dsn)  # type: ignore[no-any-return]
    except _Driver.psycopg.Error as error:
        raise invalid("dsn", _redacted(dsn), f"is not a connection string: {error}") from None


def _location(dsn: str, schema: str) -> str:
    parts = _conninfo(dsn)
    host = parts.get("host") or "localhost"
    port = parts.get("port") or "5432"
    database = parts.get("dbname") or parts.get("user") or ""
    return f"postgresql://{host}:{port}/{database} (schema {schema})"


def _waiting(dsn: str, connect_timeout: object) -> float:
    """The connect timeout: the one given, else the DSN's ``connect_timeout``, else 10 s."""
    if connect_timeout is not None:
        return _seconds("connect_timeout", connect_timeout)
    given = _conninfo(dsn).get("connect_timeout")
    if given is None:
        return _CONNECT_TIMEOUT
    try:
        seconds = float(given)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 86400:  # noqa: PLR2004 - a day
        raise invalid("dsn", _redacted(dsn), "has a connect_timeout out of (0, 86400] seconds")
    return seconds


def _seconds(field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(field, value, "must be a number of seconds from 0 to 86400")
    if not 0 <= value <= 86400:  # noqa: PLR2004 - a day
        raise invalid(field, value, "must be a number of seconds from 0 to 86400")
    return float(value)
