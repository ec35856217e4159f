"""The conformance kit's checks for dead letters (:class:`DeadLetterStore`).

Each check returns at once for a store without that protocol.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import attrs

from ..exceptions import InvalidValueError, TicketNotFoundError
from ..storage import DeadLetter, DeadLetterStore, TicketStore
from ._store_checks import T0, created, raises

__all__ = ["DEAD_LETTER_CHECKS"]

_LEASE = timedelta(minutes=1)


def _check_dead_letters_leave_the_outbox(store: TicketStore) -> None:
    if not isinstance(store, DeadLetterStore):
        return
    for number in range(1, 4):
        store.commit(created(number, at=T0 + timedelta(seconds=number)))
    now = T0 + timedelta(minutes=1)
    first, second, _ = store.claim_outbox(worker="a", now=now, lease=_LEASE)
    error = "WebhookDeliveryError('status 500')\nsecond line ✓"
    assert store.dead_letter_outbox(first, error=error, at=now), (
        "dead-lettering under a live lease must succeed"
    )
    assert not store.dead_letter_outbox(first, error="again", at=now), "a second time: False"
    assert not store.ack_outbox(first), "a dead letter cannot be acknowledged"
    assert not store.retry_outbox(first, not_before=now), "nor released"
    store.retry_outbox(second, not_before=now)
    later = store.claim_outbox(worker="b", now=now + timedelta(hours=1), lease=_LEASE)
    ids = [m.message.id for m in later]
    assert ids == ["m-T2-1", "m-T3-1"], f"a dead letter was claimed again: {ids}"
    letters = list(store.dead_letters())
    assert [d.message for d in letters] == [first.message], f"the dead letters: {letters}"
    letter = letters[0]
    assert letter.attempts == 1, f"a dead letter keeps its attempts, not {letter.attempts}"
    assert letter.last_error == error, f"the last error reads back as {letter.last_error!r}"
    assert letter.dead_at == now, f"dead_at reads back as {letter.dead_at}"
    lost = later[0]
    expired = store.claim_outbox(worker="c", now=now + timedelta(hours=2), lease=_LEASE)
    assert not store.dead_letter_outbox(lost, error="late", at=now), (
        "a lost lease cannot dead-letter"
    )
    assert [d.message.id for d in store.dead_letters()] == ["m-T1-1"], "a lost lease wrote"
    assert [m.message.id for m in expired] == ["m-T2-1", "m-T3-1"], expired
    reused = attrs.evolve(created(4), outbox=created(1).outbox)
    raises(InvalidValueError, lambda: store.commit(reused), "a commit reusing a dead letter's id")
    raises(TicketNotFoundError, lambda: store.get("T4"), "the refused ticket must not exist")


def _check_dead_letters_page_and_resend(store: TicketStore) -> None:
    if not isinstance(store, DeadLetterStore):
        return
    assert list(store.dead_letters()) == [], "a new store has no dead letters"
    for number in range(1, 6):
        store.commit(created(number, at=T0 + timedelta(seconds=number)))
    leased = store.claim_outbox(worker="a", now=T0 + timedelta(minutes=1), lease=_LEASE)
    # Set aside out of creation order: listed by dead_at, then id.
    dead_at = {"m-T1-1": 30, "m-T2-1": 10, "m-T3-1": 20, "m-T4-1": 10, "m-T5-1": 40}
    for message in leased:
        at = T0 + timedelta(minutes=dead_at[message.message.id])
        assert store.dead_letter_outbox(message, error="down", at=at)
    order = [d.message.id for d in store.dead_letters()]
    expected = ["m-T2-1", "m-T4-1", "m-T3-1", "m-T1-1", "m-T5-1"]
    assert order == expected, f"listed by dead_at, then id: {order}"
    pages: list[str] = []
    after: DeadLetter | None = None
    while page := list(store.dead_letters(after=after, limit=2)):
        assert len(page) <= 2, f"a page of {len(page)} > 2"
        pages.extend(d.message.id for d in page)
        after = page[-1]
    assert pages == expected, f"page by page: {pages}"
    first_page = list(store.dead_letters(limit=2))
    resend_at = T0 + timedelta(hours=1)
    assert store.resend_dead_letter("m-T4-1", not_before=resend_at) is True
    assert store.resend_dead_letter("m-T4-1", not_before=resend_at) is False, "re-sent twice"
    assert store.resend_dead_letter("nope", not_before=resend_at) is False, "an unknown id"
    assert store.resend_dead_letter("\ud800", not_before=resend_at) is False, "an unstorable id"
    rest = [d.message.id for d in store.dead_letters(after=first_page[-1])]
    assert rest == ["m-T3-1", "m-T1-1", "m-T5-1"], f"a page after a re-sent letter: {rest}"
    early = store.claim_outbox(worker="b", now=resend_at - timedelta(seconds=1), lease=_LEASE)
    assert early == [], f"a re-sent letter was claimed before not_before: {early}"
    again = store.claim_outbox(worker="b", now=resend_at, lease=_LEASE)
    assert [m.message.id for m in again] == ["m-T4-1"], f"the re-sent letter: {again}"
    assert again[0].attempts == 1, f"a re-sent letter starts over, not at {again[0].attempts}"
    assert again[0].message == leased[3].message, "the re-sent message reads back equal"
    assert store.ack_outbox(again[0]), "a re-sent letter is acknowledged like any message"
    raises(InvalidValueError, lambda: store.dead_letters(limit=1001), "dead_letters(limit=1001)")
    raises(InvalidValueError, lambda: store.dead_letters(after="m-T1-1"), "after='m-T1-1'")  # type: ignore[arg-type]
    raises(InvalidValueError, lambda: store.resend_dead_letter(5, not_before=T0), "resend(5)")  # type: ignore[arg-type]
    raises(
        InvalidValueError,
        lambda: store.dead_letter_outbox("m", error="x", at=T0),  # type: ignore[arg-type]
        "dead_letter_outbox('m')",
    )
    raises(
        InvalidValueError,
        lambda: store.dead_letter_outbox(leased[0], error="", at=T0),
        "an empty error",
    )


DEAD_LETTER_CHECKS: tuple[Callable[[TicketStore], None], ...] = (
    _check_dead_letters_leave_the_outbox,
    _check_dead_letters_page_and_resend,
)
"""The targeted checks of the dead-letter half of the protocol, in the order they run."""
