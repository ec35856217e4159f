"""The SQLite store's event feed: ``event_feed`` rows in position order, joined to their events.

Positions come from the trigger of schema version 7, inside each commit's transaction: writers
take turns, so a position is commit order, and a reader's snapshot that holds a position holds
every position before it.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Final

from ..exceptions import StoreError
from ._feed import (
    FeedCursor,
    FeedPage,
    FeedRun,
    feed_page,
    feed_position,
    numbered_run,
    past_the_end,
)
from ._sqlite_rows import feed_events

__all__ = ["feed_id", "read_feed", "read_feed_run"]

# One range of the feed's integer key, each row's event found by its primary key. A LEFT JOIN
# keeps a feed row whose event is missing, so that damage is reported, never skipped.
_PAGE: Final = (
    "SELECT f.ticket_id, f.version, e.type, e.at, e.body FROM event_feed AS f"
    " LEFT JOIN events AS e ON e.ticket_id = f.ticket_id AND e.version = f.version"
    " WHERE f.position > ? ORDER BY f.position LIMIT ?"
)
_END: Final = "SELECT coalesce(max(position), 0) FROM event_feed"
_ID: Final = re.compile(r"[0-9a-f]{32}")


def feed_id(connection: sqlite3.Connection, location: str) -> str:
    """Return the store's feed identity, as migration 7 wrote it.

    Raises:
        StoreError: It is missing or damaged.
    """
    row = connection.execute("SELECT value FROM ticketflow_meta WHERE key = 'feed'").fetchone()
    value = None if row is None else row[0]
    if not isinstance(value, str) or _ID.fullmatch(value) is None:
        raise StoreError(f"{location}: the event feed's identity is damaged: {value!r}")
    return value


def read_feed(
    connection: sqlite3.Connection,
    location: str,
    store: str,
    after: FeedCursor | None,
    limit: int,
) -> FeedPage:
    """Return the page of at most ``limit`` events after ``after`` (arguments checked).

    Raises:
        InvalidValueError: ``after`` is another feed's cursor, or past the end of this one.
        DeserializationError: A stored event was damaged outside ticketflow.
        StoreError: A feed row's event is missing.
    """
    start, rows = _rows(connection, location, store, after, limit)
    return feed_page(store, start, list(feed_events(rows)), after)


def read_feed_run(
    connection: sqlite3.Connection,
    location: str,
    store: str,
    after: FeedCursor | None,
    limit: int,
) -> FeedRun:
    """Return the rows of :func:`read_feed`'s page as a :class:`FeedRun` (events built later).

    Raises:
        InvalidValueError: ``after`` is another feed's cursor, or past the end of this one.
        StoreError: A feed row's event is missing.
    """
    start, rows = _rows(connection, location, store, after, limit)
    return numbered_run(store, start, feed_events(rows), len(rows))


def _rows(
    connection: sqlite3.Connection,
    location: str,
    store: str,
    after: FeedCursor | None,
    limit: int,
) -> tuple[int, list[tuple[str, int, str, int, str]]]:
    start = feed_position(after, store)
    rows = connection.execute(_PAGE, (start, limit)).fetchall()
    if not rows and after is not None:
        # Positions only grow: a cursor past the end now was past it when the page was read.
        (end,) = connection.execute(_END).fetchone()
        if start > end:
            raise past_the_end(after, end)
    for ticket_id, version, kind, _, _ in rows:
        if kind is None:
            raise StoreError(
                f"{location}: event {version} of ticket {ticket_id!r} is in the feed but missing"
            )
    return start, rows
