"""The conformance kit finds stores that break the due-claim contract, and names the check."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from ticketflow.storage import DueEntry, InMemoryTicketStore
from ticketflow.testing import check_ticket_store


class LeaseForgettingStore(InMemoryTicketStore):
    """Answers a claim with the due page, as if nothing were ever leased."""

    def claim_due(
        self, at_or_before: datetime, *, worker: str, lease: timedelta, limit: int = 100
    ) -> Sequence[DueEntry]:
        super().claim_due(at_or_before, worker=worker, lease=lease, limit=limit)
        return self.due(at_or_before, limit=limit)


class EverlastingLeaseStore(InMemoryTicketStore):
    """Keeps a lease through the ticket's commits (a forgotten trigger)."""

    def __init__(self) -> None:
        super().__init__()
        self._held: set[str] = set()

    def claim_due(
        self, at_or_before: datetime, *, worker: str, lease: timedelta, limit: int = 100
    ) -> Sequence[DueEntry]:
        claimed = [
            entry
            for entry in super().claim_due(at_or_before, worker=worker, lease=lease, limit=limit)
            if entry.ticket_id not in self._held
        ]
        self._held.update(entry.ticket_id for entry in claimed)
        return claimed


@pytest.mark.parametrize(
    ("store", "check", "says"),
    [
        (LeaseForgettingStore, "due_claims_lease_in_due_order", "a second worker claimed"),
        (EverlastingLeaseStore, "due_claims_lapse_and_end_with_a_commit", "must end"),
    ],
)
def test_the_kit_names_the_broken_due_claim_contract(
    store: type[InMemoryTicketStore], check: str, says: str
) -> None:
    with pytest.raises(AssertionError) as caught:
        check_ticket_store(store, max_examples=0)
    message = str(caught.value)
    assert message.startswith(f"check_ticket_store[{check}]: "), message
    assert says in message, message
