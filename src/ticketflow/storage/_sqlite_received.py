"""The SQLite store's intake tables: claims, near-duplicate keys and rejected input.

The tables are made by migration 4 (``_sqlite_schema``). Band keys carry their spec's
fingerprint (keyed hashing), so keys of different specs never meet; each ticket's similarity
row lists its band keys, to delete them by primary key.

Claims and keys are written inside the commit's transaction (the caller holds the write lock);
rejected records are written on their own. A row read back is validated where it is built
(:class:`RejectedIntake`), and a row no value can hold is a :class:`StoreError`.
"""

from __future__ import annotations

import json
import sqlite3
import struct
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from ..exceptions import (
    ClaimTakenError,
    IntakeProblem,
    InvalidValueError,
    RecordNotFoundError,
    StoreError,
)
from ._change import Change
from ._received import RejectedIntake
from ._sqlite_rows import from_micros, micros

__all__ = [
    "candidates",
    "claimant",
    "get_rejected",
    "keep_rejected",
    "listed_rejected",
    "settle_rejected",
    "write_intake",
]


_MAX_CANDIDATES_PER_QUERY: Final = 500  # SQLite's default limit on bound parameters is higher


def _sketch_bytes(sketch: Sequence[int]) -> bytes:
    return struct.pack(f">{len(sketch)}Q", *sketch)


def _sketch_of(blob: object) -> tuple[int, ...]:
    if type(blob) is not bytes or len(blob) % 8:
        raise StoreError("intake_similarity: a sketch is not a whole number of 64-bit values")
    return struct.unpack(f">{len(blob) // 8}Q", blob)


def write_intake(connection: sqlite3.Connection, change: Change) -> None:
    """Write the change's claims and near-duplicate keys in the caller's transaction.

    Raises:
        ClaimTakenError: Another ticket holds a claimed key (the caller rolls back).
    """
    ticket_id = change.ticket.id
    for key in change.claims:
        row = connection.execute(
            "SELECT ticket_id FROM intake_claims WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            connection.execute(
                "INSERT INTO intake_claims (key, ticket_id) VALUES (?, ?)", (key, ticket_id)
            )
        elif row[0] != ticket_id:
            raise ClaimTakenError(ticket_id, key, str(row[0]))
    if change.similarity is not None or change.unindex:
        _drop(connection, ticket_id)
    keys = change.similarity
    if keys is not None:
        connection.execute(
            "INSERT INTO intake_similarity (ticket_id, bands, sketch) VALUES (?, ?, ?)",
            (ticket_id, " ".join(keys.band_keys), _sketch_bytes(keys.sketch)),
        )
        connection.executemany(
            "INSERT OR IGNORE INTO intake_bands (band_key, ticket_id) VALUES (?, ?)",
            [(band, ticket_id) for band in keys.band_keys],
        )


def _drop(connection: sqlite3.Connection, ticket_id: str) -> None:
    row = connection.execute(
        "SELECT bands FROM intake_similarity WHERE ticket_id = ?", (ticket_id,)
    ).fetchone()
    if row is None:
        return
    connection.execute("DELETE FROM intake_similarity WHERE ticket_id = ?", (ticket_id,))
    connection.executemany(
        "DELETE FROM intake_bands WHERE band_key = ? AND ticket_id = ?",
        [(band, ticket_id) for band in str(row[0]).split()],
    )


def claimant(connection: sqlite3.Connection, key: str) -> str | None:
    """Return the ticket holding ``key``, or ``None``."""
    row = connection.execute("SELECT ticket_id FROM intake_claims WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


_CANDIDATES: Final = (
    "SELECT s.ticket_id, s.sketch FROM intake_similarity AS s WHERE s.ticket_id IN"
    " (SELECT ticket_id FROM intake_bands WHERE band_key IN ({marks}))"
)


def candidates(
    connection: sqlite3.Connection, band_keys: Sequence[str]
) -> dict[str, Sequence[int]]:
    """Return ticket id -> sketch of every ticket holding any of ``band_keys``."""
    found: dict[str, Sequence[int]] = {}
    unique = list(dict.fromkeys(band_keys))
    for start in range(0, len(unique), _MAX_CANDIDATES_PER_QUERY):
        chunk = unique[start : start + _MAX_CANDIDATES_PER_QUERY]
        marks = ", ".join("?" * len(chunk))
        sql = _CANDIDATES.format(marks=marks)
        rows = connection.execute(
            sql,
            chunk,
        ).fetchall()
        for ticket_id, sketch in rows:
            found[str(ticket_id)] = _sketch_of(sketch)
    return found


def keep_rejected(connection: sqlite3.Connection, record: RejectedIntake) -> None:
    """Insert the record (in the caller's transaction).

    Raises:
        InvalidValueError: Its id is taken.
    """
    try:
        connection.execute(
            "INSERT INTO intake_rejected (id, channel, received_at, raw, size, problems,"
            " settled_at, ticket_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.id,
                record.channel,
                micros(record.received_at),
                record.raw,
                record.size,
                json.dumps([[p.path, p.code, p.message] for p in record.problems]),
                None if record.settled_at is None else micros(record.settled_at),
                record.ticket_id,
            ),
        )
    except sqlite3.IntegrityError:
        raise InvalidValueError(
            "record.id", record.id, "a rejected record with it exists"
        ) from None


_COLUMNS: Final = "id, channel, received_at, raw, size, problems, settled_at, ticket_id"


def _record(row: Sequence[object]) -> RejectedIntake:
    record_id, channel, received_at, raw, size, problems, settled_at, ticket_id = row
    try:
        listed = json.loads(str(problems))
        return RejectedIntake(
            id=record_id,  # type: ignore[arg-type]
            channel=channel,  # type: ignore[arg-type]
            received_at=from_micros(received_at),  # type: ignore[arg-type]
            raw=raw,  # type: ignore[arg-type]
            size=size,  # type: ignore[arg-type]
            problems=[IntakeProblem(*map(str, problem)) for problem in listed],
            settled_at=None if settled_at is None else from_micros(settled_at),  # type: ignore[arg-type]
            ticket_id=ticket_id,  # type: ignore[arg-type]
        )
    except (InvalidValueError, ValueError, TypeError, OverflowError) as error:
        raise StoreError(f"intake_rejected: record {record_id!r} cannot be read: {error}") from None


def listed_rejected(
    connection: sqlite3.Connection, *, pending: bool, after: str | None, limit: int
) -> list[RejectedIntake]:
    """Return up to ``limit`` records after the record ``after``, in the order kept."""
    start = 0
    if after is not None:
        row = connection.execute(
            "SELECT seq FROM intake_rejected WHERE id = ?", (after,)
        ).fetchone()
        if row is None:
            return []
        start = int(row[0])
    only_pending = " AND settled_at IS NULL" if pending else ""
    rows = connection.execute(
        f"SELECT {_COLUMNS} FROM intake_rejected WHERE seq > ?{only_pending}"  # noqa: S608
        " ORDER BY seq LIMIT ?",
        (start, limit),
    ).fetchall()
    return [_record(row) for row in rows]


def get_rejected(connection: sqlite3.Connection, record_id: str) -> RejectedIntake:
    """Return one record (raises :class:`RecordNotFoundError`)."""
    row = connection.execute(
        f"SELECT {_COLUMNS} FROM intake_rejected WHERE id = ?",  # noqa: S608
        (record_id,),
    ).fetchone()
    if row is None:
        raise RecordNotFoundError("rejected_intake", record_id)
    return _record(row)


def settle_rejected(
    connection: sqlite3.Connection, record_id: str, at: datetime, ticket_id: str | None
) -> bool:
    """Mark the record settled (in the caller's transaction); ``False`` if it was already."""
    row = connection.execute(
        "SELECT settled_at FROM intake_rejected WHERE id = ?", (record_id,)
    ).fetchone()
    if row is None:
        raise RecordNotFoundError("rejected_intake", record_id)
    if row[0] is not None:
        return False
    connection.execute(
        "UPDATE intake_rejected SET settled_at = ?, ticket_id = ? WHERE id = ?",
        (micros(at), ticket_id, record_id),
    )
    return True
