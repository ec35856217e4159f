"""The typical ticket every benchmark measures with, so their figures compare."""

from __future__ import annotations

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
