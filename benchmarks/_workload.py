"""What several benchmarks share: the typical ticket they measure with, so their figures
compare, and a copy of a SQLite store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ticketflow import NewTicket, Requester


def typical_draft(number: int) -> NewTicket:
    """Return a submission with a typical payload: a paragraph, tags, three structured fields."""
    return NewTicket(
        subject=f"Parcel {number} arrived damaged",
        description="The box was crushed; the contents are broken. Photos attached.",
        requester=Requester(f"customer{number}@example.com", name="A. Customer"),
        category="shipping/damage",
        priority="P3",
        impact=2,
        urgency=3,
        queue="logistics",
        tags=frozenset({"parcel", "damage"}),
        fields={"carrier": "ACME Freight", "parcel_id": f"P{number:08d}", "weight_kg": 2.5},
    )


def copy_sqlite(path: Path, to: Path) -> Path:
    """Copy the SQLite database at ``path`` (with what its write-ahead log holds) to ``to``."""
    source, copy = sqlite3.connect(path), sqlite3.connect(to)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return to
