"""The SQLite store's dead letters: outbox rows moved to ``outbox_dead`` and back.

The table is made by migration 6 (``_sqlite_schema``). A row moves whole, its event reference
(``event_version``) or its own payload with it, so a dead letter reads back through the same
join with ``events`` as a live message. Each function runs inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Final

from ._dead_letters import DeadLetter
from ._outbox import LeasedMessage
from ._sqlite_rows import from_micros, message_from, micros

__all__ = ["dead_letter", "dead_letters", "resend"]

_MOVE_OUT: Final = (
    "INSERT INTO outbox_dead (dead_at, id, created_at, topic, ticket_id, event_version, payload,"
    " attempts, last_error)"
    " SELECT ?1, id, created_at, topic, ticket_id, event_version, payload, attempts, ?2"
    " FROM outbox WHERE id = ?3 AND lease_token = ?4"
)
_LISTED: Final = (
    "SELECT d.id, d.topic, d.ticket_id, d.payload, d.created_at, d.event_version, e.type, e.at,"
    " e.body, d.attempts, d.last_error, d.dead_at FROM outbox_dead AS d"
    " LEFT JOIN events AS e ON e.ticket_id = d.ticket_id AND e.version = d.event_version"
)
_FIRST_PAGE: Final = _LISTED + " ORDER BY d.dead_at, d.id LIMIT ?"
_NEXT_PAGE: Final = _LISTED + " WHERE (d.dead_at, d.id) > (?, ?) ORDER BY d.dead_at, d.id LIMIT ?"
_DEAD_ROW: Final = (
    "SELECT created_at, id, topic, ticket_id, event_version, payload FROM outbox_dead WHERE id = ?"
)
# Back in the outbox as new: no lease, no attempts yet.
_MOVE_BACK: Final = (
    "INSERT INTO outbox (created_at, id, topic, ticket_id, event_version, payload, not_before,"
    " attempts) VALUES (?, ?, ?, ?, ?, ?, ?, 0)"
)


def dead_letter(
    connection: sqlite3.Connection, leased: LeasedMessage, error: str, at: datetime
) -> bool:
    """Move the leased message's row to the dead letters if the lease still holds it."""
    message_id = leased.message.id
    moved = connection.execute(
        _MOVE_OUT, (micros(at), error, message_id, leased.lease_token)
    ).rowcount
    if moved != 1:
        return False
    connection.execute("DELETE FROM outbox WHERE id = ?", (message_id,))
    return True


def dead_letters(
    connection: sqlite3.Connection, after: DeadLetter | None, limit: int
) -> list[DeadLetter]:
    """Return up to ``limit`` dead letters after ``after``, by ``(dead_at, id)``."""
    if after is None:
        rows = connection.execute(_FIRST_PAGE, (limit,)).fetchall()
    else:
        cursor = (micros(after.dead_at), after.message.id, limit)
        rows = connection.execute(_NEXT_PAGE, cursor).fetchall()
    return [
        DeadLetter(
            message=message_from(*message),
            attempts=attempts,
            last_error=last_error,
            dead_at=from_micros(dead_at),
        )
        for *message, attempts, last_error, dead_at in rows
    ]


def resend(connection: sqlite3.Connection, message_id: str, not_before: datetime) -> bool:
    """Move a dead letter back to the outbox, deliverable from ``not_before``."""
    row = connection.execute(_DEAD_ROW, (message_id,)).fetchone()
    if row is None:
        return False
    # The trigger that keeps a dead letter's id taken would refuse the row: delete it first.
    connection.execute("DELETE FROM outbox_dead WHERE id = ?", (message_id,))
    connection.execute(_MOVE_BACK, (*row, micros(not_before)))
    return True
