"""The PostgreSQL store's event feed: events in (transaction id, sequence) order, when settled.

A sequence value is handed out when a row is inserted, not when its transaction commits, so
reading the events in sequence order would skip one that commits late with a low number: a
reader at position 7 never goes back for 5. The feed therefore orders the events by the id of
the transaction that wrote them (``xid``, from ``pg_current_xact_id()``, a 64-bit number that
never wraps) and then by sequence, and a page holds only *settled* events: those whose ``xid``
is below the oldest transaction still running (``pg_snapshot_xmin`` of the reading statement's
snapshot). Every transaction below that bound has ended, so no event can ever appear before a
position already read; the events of one commit share their ``xid`` and come together.

Commit order holds: a transaction that began after another committed gets a higher ``xid``.
The price is that an event waits while any older transaction of the *cluster* is still
running (one that wrote something: read-only transactions hold no ``xid``). A page that finds
committed events not yet settled waits a little (up to :data:`SETTLE_WAIT` seconds) for them,
so that a reader sees a commit as soon as it has returned unless some older transaction is
still busy; a long transaction elsewhere delays the feed, never reorders or loses it.

The position of an event is ``(xid, seq)``; the start of the feed is ``(0, 0)``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from ..exceptions import StoreError
from ._checks import invalid, reportable
from ._feed import FeedCursor, FeedEntry, FeedPage
from ._postgres_schema import unescape
from ._sqlite_rows import feed_events

if TYPE_CHECKING:
    import psycopg

__all__ = ["SETTLE_WAIT", "read_feed"]

SETTLE_WAIT: Final = 2.0
"""How long one page waits at most for committed events to settle, in seconds."""

# The settled events after the cursor, each row with its position. The bound is the oldest
# transaction the statement's snapshot sees running.
_PAGE: Final = (
    "SELECT ticket_id, version, type, at, body, xid, seq FROM events"
    " WHERE (xid, seq) > (%s, %s) AND xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
    " ORDER BY xid, seq LIMIT %s"
)
# Whether committed events after the cursor are still waiting to settle.
_UNSETTLED: Final = (
    "SELECT EXISTS (SELECT 1 FROM events WHERE (xid, seq) > (%s, %s)"
    " AND xid >= pg_snapshot_xmin(pg_current_snapshot())::text::bigint)"
)
_END: Final = "SELECT xid, seq FROM events ORDER BY xid DESC, seq DESC LIMIT 1"


def read_feed(
    connection: psycopg.Connection[Any],
    location: str,
    store: str,
    after: FeedCursor | None,
    limit: int,
) -> FeedPage:
    """Return the page of at most ``limit`` settled events after ``after`` (arguments checked).

    Raises:
        InvalidValueError: ``after`` is another feed's cursor, or past the end of this one.
        DeserializationError: A stored event was damaged outside ticketflow.
    """
    start = _position(after, store)
    deadline = time.monotonic() + SETTLE_WAIT
    pause = 0.001
    while True:
        rows = connection.execute(_PAGE, (*start, limit)).fetchall()
        if len(rows) == limit or time.monotonic() >= deadline:
            break
        unsettled = connection.execute(_UNSETTLED, start).fetchone()
        if unsettled is None or not unsettled[0]:
            break
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
    if not rows:
        if after is not None:
            end = connection.execute(_END).fetchone()
            if start > (0, 0) and (end is None or start > tuple(end)):
                raise _past_the_end(after, location)
        return FeedPage((), FeedCursor(store, start) if after is None else after)
    events = feed_events([(unescape(row[0]), *row[1:5]) for row in rows])
    return _page(store, events, [(row[5], row[6]) for row in rows])


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


_new = object.__new__
_set = object.__setattr__


def _page(store: str, events: Sequence[object], positions: Sequence[tuple[int, int]]) -> FeedPage:
    entries: list[FeedEntry] = []
    for event, position in zip(events, positions, strict=True):
        if type(position[0]) is not int or type(position[1]) is not int:
            raise StoreError(f"the feed position {position!r} is damaged")
        # FeedEntry(event, FeedCursor(store, position)) from values already valid.
        cursor = _new(FeedCursor)
        _set(cursor, "store", store)
        _set(cursor, "position", position)
        entry = _new(FeedEntry)
        _set(entry, "event", event)
        _set(entry, "cursor", cursor)
        entries.append(entry)
    return FeedPage(tuple(entries), entries[-1].cursor)
