"""The conformance kit finds stores that break the dead-letter contract, and names the check."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest

from ticketflow.storage import DeadLetter, InMemoryTicketStore, LeasedMessage
from ticketflow.testing import check_ticket_store


class DeadButClaimableStore(InMemoryTicketStore):
    """Records the dead letter but leaves the message in the outbox (a forgotten DELETE)."""

    def __init__(self) -> None:
        super().__init__()
        self._letters: list[DeadLetter] = []

    def dead_letter_outbox(self, leased: LeasedMessage, *, error: str, at: datetime) -> bool:
        if not self.retry_outbox(leased, not_before=at):
            return False
        letter = DeadLetter(
            message=leased.message, attempts=leased.attempts, last_error=error, dead_at=at
        )
        self._letters.append(letter)
        return True

    def dead_letters(
        self, *, after: DeadLetter | None = None, limit: int = 50
    ) -> Sequence[DeadLetter]:
        start = 0 if after is None else self._letters.index(after) + 1
        return self._letters[start : start + limit]


class AttemptsKeepingStore(InMemoryTicketStore):
    """Re-sends a dead letter without resetting its attempts."""

    def resend_dead_letter(self, message_id: str, *, not_before: datetime) -> bool:
        with self._lock:
            slot = self._outbox._slots.get(message_id)
            attempts = 0 if slot is None else slot.attempts
            resent = self._outbox.resend(message_id, not_before)
            if resent and slot is not None:
                slot.attempts = attempts
            return resent


class PagingByIdStore(InMemoryTicketStore):
    """Lists dead letters by message id, not by when they were set aside."""

    def dead_letters(
        self, *, after: DeadLetter | None = None, limit: int = 50
    ) -> Sequence[DeadLetter]:
        letters = sorted(super().dead_letters(limit=1000), key=lambda d: d.message.id)
        if after is not None:
            letters = [d for d in letters if d.message.id > after.message.id]
        return letters[:limit]


@pytest.mark.parametrize(
    ("store", "check", "says"),
    [
        (DeadButClaimableStore, "dead_letters_leave_the_outbox", "a dead letter was claimed"),
        (AttemptsKeepingStore, "dead_letters_page_and_resend", "starts over"),
        (PagingByIdStore, "dead_letters_page_and_resend", "listed by dead_at, then id"),
    ],
)
def test_the_kit_names_the_broken_dead_letter_contract(
    store: type[InMemoryTicketStore], check: str, says: str
) -> None:
    with pytest.raises(AssertionError) as caught:
        check_ticket_store(store, max_examples=0)
    message = str(caught.value)
    assert message.startswith(f"check_ticket_store[{check}]: "), message
    assert says in message, message


def test_a_store_without_dead_letters_skips_their_checks() -> None:
    class Plain:
        """Delegates the TicketStore protocol alone to the reference store."""

        def __init__(self) -> None:
            self._store = InMemoryTicketStore()
            for name in (
                "allocate_number",
                "get",
                "get_by_number",
                "commit",
                "journal",
                "query",
                "due",
                "claim_outbox",
                "ack_outbox",
                "retry_outbox",
            ):
                setattr(self, name, getattr(self._store, name))

    check_ticket_store(Plain, max_examples=0)  # type: ignore[arg-type]
