"""Shared builders for the triage tests: a small taxonomy and tickets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final

from ticketflow import Requester, Ticket
from ticketflow.triage import Category, Taxonomy

T0: Final = datetime(2026, 3, 2, 9, tzinfo=UTC)

TAXONOMY: Final = Taxonomy(
    [
        Category("delivery", "Delivery"),
        Category("delivery/late", "Late delivery"),
        Category("delivery/lost", "Lost parcel"),
        Category("billing", "Billing"),
        Category("billing/refund", "Refund"),
        Category("outage", "Outage"),
    ],
    retired={"delivery/delayed": "delivery/late"},
)


def ticket(
    subject: str = "Hello",
    description: str = "",
    *,
    email: str = "alice@example.com",
    fields: Mapping[str, str | int | float | bool] | None = None,
    tags: frozenset[str] = frozenset(),
    impact: int | None = None,
    urgency: int | None = None,
    category: str | None = None,
    queue: str | None = None,
) -> Ticket:
    """Return a ticket with these parts, the rest fixed."""
    return Ticket(
        id="T1",
        number=1,
        subject=subject,
        description=description,
        requester=Requester(email),
        created_at=T0,
        updated_at=T0,
        fields=dict(fields or {}),
        tags=tags,
        impact=impact,
        urgency=urgency,
        category=category,
        queue=queue,
    )
