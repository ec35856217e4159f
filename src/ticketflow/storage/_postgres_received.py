"""The PostgreSQL store's intake rows: claims, near-duplicate keys and rejected input.

The tables are those of ``_postgres_schema``; what each row holds is what the SQLite store's
``_sqlite_received`` writes, with text escaped (``escape``) and sketches as ``bytea``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..exceptions import ClaimTakenError, IntakeProblem, InvalidValueError, StoreError
from ._change import Change
from ._postgres_schema import escape, unescape
from ._received import RejectedIntake
from ._sqlite_rows import from_micros

if TYPE_CHECKING:
    import psycopg

__all__ = ["problems_text", "rejected_record", "sketch_of", "write_intake"]


def write_intake(connection: psycopg.Connection[Any], change: Change, key: str) -> None:
    """Write the change's claims and near-duplicate keys in the commit's transaction.

    Raises:
        ClaimTakenError: Another ticket holds a claimed key (the caller rolls back).
    """
    ticket_id = change.ticket.id
    for claim in change.claims:
        claimed = escape(claim)
        row = connection.execute(
            "INSERT INTO intake_claims (key, ticket_id) VALUES (%s, %s)"
            " ON CONFLICT (key) DO NOTHING RETURNING ticket_id",
            (claimed, key),
        ).fetchone()
        if row is None:
            # Taken, perhaps by a commit that was still running a moment ago.
            holder = connection.execute(
                "SELECT ticket_id FROM intake_claims WHERE key = %s", (claimed,)
            ).fetchone()
            if holder is not None and holder[0] != key:
                raise ClaimTakenError(ticket_id, claim, unescape(holder[0]))
    if change.similarity is not None or change.unindex:
        row = connection.execute(
            "DELETE FROM intake_similarity WHERE ticket_id = %s RETURNING bands", (key,)
        ).fetchone()
        if row is not None:
            connection.execute(
                "DELETE FROM intake_bands WHERE ticket_id = %s AND band_key = ANY(%s)",
                (key, row[0].split(" ")),
            )
    keys = change.similarity
    if keys is not None:
        bands = [escape(band) for band in keys.band_keys]
        connection.execute(
            "INSERT INTO intake_similarity (ticket_id, bands, sketch) VALUES (%s, %s, %s)",
            (key, " ".join(bands), _sketch_bytes(keys.sketch)),
        )
        connection.execute(
            "INSERT INTO intake_bands (band_key, ticket_id)"
            " SELECT DISTINCT unnest(%s::text[]), %s ON CONFLICT DO NOTHING",
            (bands, key),
        )


def _sketch_bytes(sketch: Sequence[int]) -> bytes:
    return b"".join(value.to_bytes(8, "big") for value in sketch)


def sketch_of(blob: object) -> tuple[int, ...]:
    """Return the sketch of a ``sketch`` column (8 bytes per value, big-endian)."""
    if not isinstance(blob, bytes) or len(blob) % 8:
        raise StoreError("intake_similarity: a sketch is not a whole number of 64-bit values")
    return tuple(int.from_bytes(blob[i : i + 8], "big") for i in range(0, len(blob), 8))


def problems_text(problems: Sequence[IntakeProblem]) -> str:
    """Return the ``problems`` column of a rejected-intake record: JSON, ASCII only."""
    return json.dumps([[p.path, p.code, p.message] for p in problems])


def rejected_record(row: Sequence[Any]) -> RejectedIntake:
    """Return the record of an ``intake_rejected`` row (raises :class:`StoreError` if damaged)."""
    record_id, channel, received_at, raw, size, problems, settled_at, ticket_id = row
    try:
        listed = json.loads(str(problems))
        return RejectedIntake(
            id=unescape(record_id),
            channel=unescape(channel),
            received_at=from_micros(received_at),
            raw=bytes(raw),
            size=size,
            problems=[IntakeProblem(*map(str, problem)) for problem in listed],
            settled_at=None if settled_at is None else from_micros(settled_at),
            ticket_id=None if ticket_id is None else unescape(ticket_id),
        )
    except (InvalidValueError, ValueError, TypeError, OverflowError) as error:
        raise StoreError(f"intake_rejected: record {record_id!r} cannot be read: {error}") from None
