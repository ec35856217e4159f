"""The PostgreSQL store's event feed: events in (transaction id, sequence) order, when settled.

A sequence value is handed out when a row is inserted, not when its transaction commits, so
reading the events in sequence order would skip one that commits late with a low number: a
reader at position 7 never goes back for 5. The feed therefore orders the events by the id of
the transaction that wrote them (``xid``, from ``pg_current_xact_id()``, a 64-bit number that
never wraps) and then by sequence, and a page holds only *settled* events: those below the
oldest of this store's commits still running. No event can then appear before a position
already read; the events of one commit share their ``xid`` and come together. Commit order
holds: a transaction that began after another committed gets a higher ``xid``.

Which commits are still running: every commit takes a shared advisory lock of its store
(:func:`writer_lock`) as its first statement, before it has an ``xid``, and holds it to its
end. The bound is computed in one statement, from that statement's snapshot and the lock
table: the lowest ``xid`` the snapshot sees in progress whose transaction holds the lock, or
else the snapshot's ``xmax`` (no transaction that starts later gets a lower ``xid``). The page
is read by the *next* statement, whose newer snapshot sees every commit below the bound that
ended meanwhile. A transaction below the bound that is neither ended nor holding the lock is
not one of this store's writers: unlike a bound taken from ``pg_snapshot_xmin``, a long
transaction elsewhere on the server never holds the feed back.

A page that finds committed events not yet settled (an older commit of this store is still
running) waits a little for them, up to :data:`SETTLE_WAIT` seconds, so that a reader sees a
commit as soon as it has returned. The position of an event is ``(xid, seq)``; the start of
the feed is ``(0, 0)``.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from ..exceptions import StoreError
from ._checks import INT64_MAX, invalid, reportable
from ._feed import FeedCursor, FeedEntry, FeedPage, FeedRun, cursor_at
from ._postgres_schema import unescape
from ._sqlite_rows import feed_events

if TYPE_CHECKING:
    import psycopg

__all__ = ["SETTLE_WAIT", "WRITER_LOCK", "read_feed", "read_feed_run", "writer_lock"]

SETTLE_WAIT: Final = 2.0
"""How long one page waits at most for committed events to settle, in seconds."""

WRITER_LOCK: Final = 0x7467
"""The first key of the advisory lock every commit holds (the second is the schema's)."""

# The lowest xid of a running transaction that holds the store's writer lock, or the first
# xid not yet handed out, plus the store's offset (see _postgres_schema). pg_locks has 32-bit
# xids; the snapshot, full ones.
_BOUND: Final = (
    "SELECT ticketflow_xid_offset() + coalesce(("
    "  SELECT min(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x"
    "  WHERE x::text::bigint %% 4294967296 IN ("
    "   SELECT t.transactionid::text::bigint FROM pg_locks AS a JOIN pg_locks AS t"
    "   ON t.virtualtransaction = a.virtualtransaction AND t.locktype = 'transactionid'"
    "   WHERE a.locktype = 'advisory' AND a.classid = %s AND a.objid = %s AND a.objsubid = 2"
    "   AND a.database = (SELECT oid FROM pg_database WHERE datname = current_database()))"
    " ), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)"
)
# The settled events after the cursor, each row with its position.
_PAGE: Final = (
    "SELECT ticket_id, version, type, at, body, xid, seq FROM events"
    " WHERE (xid, seq) > (%s, %s) AND xid < %s ORDER BY xid, seq LIMIT %s"
)
# Whether committed events after the cursor are still waiting to settle.
_UNSETTLED: Final = "SELECT EXISTS (SELECT 1 FROM events WHERE (xid, seq) > (%s, %s) AND xid >= %s)"
_END: Final = "SELECT xid, seq FROM events ORDER BY xid DESC, seq DESC LIMIT 1"


def writer_lock(schema: str) -> tuple[int, int]:
    """Return the keys of the advisory lock that the commits of the store in ``schema`` hold."""
    return WRITER_LOCK, zlib.crc32(schema.encode()) & 0x7FFFFFFF


def read_feed(
    connection: psycopg.Connection[Any],
    location: str,
    store: str,
    after: FeedCursor | None,
    limit: int,
    lock: tuple[int, int],
) -> FeedPage:
    """Return the page of at most ``limit`` settled events after ``after`` (arguments checked).

    Raises:
        InvalidValueError: ``after`` is another feed's cursor, or past the end of this one.
        DeserializationError: A stored event was damaged outside ticketflow.
    """
    start, rows = _settled(connection, location, store, after, limit, lock)
    if not rows:
        return FeedPage((), FeedCursor(store, start) if after is None else after)
    events = list(feed_events([(unescape(row[0]), *row[1:5]) for row in rows]))
    return _page(store, events, [(row[5], row[6]) for row in rows])


def read_feed_run(
    connection: psycopg.Connection[Any],
    location: str,
    store: str,
    after: FeedCursor | None,
    limit: int,
    lock: tuple[int, int],
) -> FeedRun:
    """Return the rows of :func:`read_feed`'s page as a :class:`FeedRun` (events built later).

    Raises:
        InvalidValueError: ``after`` is another feed's cursor, or past the end of this one.
        StoreError: A feed position is damaged.
    """
    _, rows = _settled(connection, location, store, after, limit, lock)
    positions = [(row[5], row[6]) for row in rows]
    for position in positions:
        _check(position)
    events = feed_events([(unescape(row[0]), *row[1:5]) for row in rows])
    return FeedRun(len(rows), events, lambda read: cursor_at(store, positions[read - 1]))


def _settled(
    connection: psycopg.Connection[Any],
    location: str,
    store: str,
    after: FeedCursor | None,
    limit: int,
    lock: tuple[int, int],
) -> tuple[tuple[int, int], list[Any]]:
    # The position of ``after``, and the settled rows after it (waiting a little for them).
    start = _position(after, store)
    deadline = time.monotonic() + SETTLE_WAIT
    pause = 0.001
    while True:
        # Two statements: the page's snapshot is newer than the bound's (see above).
        row = connection.execute(_BOUND, lock).fetchone()
        bound = INT64_MAX if row is None or row[0] is None else int(row[0])
        rows = connection.execute(_PAGE, (*start, bound, limit)).fetchall()
        if len(rows) == limit or time.monotonic() >= deadline:
            break
        unsettled = connection.execute(_UNSETTLED, (*start, bound)).fetchone()
        if unsettled is None or not unsettled[0]:
            break
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
    if not rows and after is not None:
        end = connection.execute(_END).fetchone()
        if start > (0, 0) and (end is None or start > tuple(end)):
            raise _past_the_end(after, location)
    return start, rows


def _position(after: FeedCursor | None, store: str) -> tuple[int, int]:
    if after is None:
        return (0, 0)
    if after.store != store:
        raise invalid(
            "after",
            after.text,
            f"is a cursor of another store's feed (this store's feed is {store!r});"
            " start from None to read this one from its beginning",
        )
    if len(after.position) != 2:  # noqa: PLR2004 - (xid, seq)
        raise invalid("after", after.text, "is not a position in this store's feed")
    xid, seq = after.position
    return (xid, seq)


def _past_the_end(after: FeedCursor, location: str) -> Exception:
    return invalid(
        "after",
        reportable(after.text),
        f"is past the end of the feed of {location}: the store is older than the reader's"
        " cursor (restored from a backup?); start again from None",
    )


def _check(position: tuple[object, object]) -> None:
    if type(position[0]) is not int or type(position[1]) is not int:
        raise StoreError(f"the feed position {position!r} is damaged")


_new = object.__new__
_set = object.__setattr__


def _page(store: str, events: Sequence[object], positions: Sequence[tuple[int, int]]) -> FeedPage:
    entries: list[FeedEntry] = []
    for event, position in zip(events, positions, strict=True):
        _check(position)
        # FeedEntry(event, FeedCursor(store, position)) from values already valid.
        cursor = _new(FeedCursor)
        _set(cursor, "store", store)
        _set(cursor, "position", position)
        entry = _new(FeedEntry)
        _set(entry, "event", event)
        _set(entry, "cursor", cursor)
        entries.append(entry)
    return FeedPage(tuple(entries), entries[-1].cursor)
