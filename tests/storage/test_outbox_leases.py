"""A lease that does not hold acknowledges or postpones nothing, in both stores alike."""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest
from _side_by_side import AT, LEASE, created, message, store_pair

from ticketflow.storage import InMemoryTicketStore, LeasedMessage, SQLiteTicketStore, TicketStore

Pair = tuple[InMemoryTicketStore, SQLiteTicketStore]
MADE_UP = ("w:0000", "w")


@pytest.fixture
def pair() -> Iterator[Pair]:
    with store_pair() as stores:
        for store in stores:
            store.commit(created(1, outbox=[message("m1")]))
        yield stores


def claim_one(store: TicketStore) -> LeasedMessage:
    [leased] = store.claim_outbox(worker="w", now=AT, lease=LEASE, limit=1)
    return leased


def forged(leased: LeasedMessage, token: object) -> LeasedMessage:
    # A lease token no honest code can build (LeasedMessage refuses it), as a buggy or hostile
    # host might still pass one in.
    copy = attrs.evolve(leased)
    object.__setattr__(copy, "lease_token", token)
    return copy


def still_there(store: TicketStore) -> list[str]:
    later = AT + LEASE * 10
    return [m.message.id for m in store.claim_outbox(worker="x", now=later, lease=LEASE)]


def test_a_released_message_cannot_be_acknowledged_with_no_token(pair: Pair) -> None:
    for store in pair:
        leased = claim_one(store)
        assert store.retry_outbox(leased, not_before=AT)
        assert store.ack_outbox(forged(leased, None)) is False
        assert still_there(store) == ["m1"]


def test_a_released_message_cannot_be_postponed_with_no_token(pair: Pair) -> None:
    for store in pair:
        leased = claim_one(store)
        assert store.retry_outbox(leased, not_before=AT)
        assert store.retry_outbox(forged(leased, None), not_before=AT + LEASE * 100) is False
        assert still_there(store) == ["m1"]


def test_a_never_claimed_message_cannot_be_acknowledged_with_no_token(pair: Pair) -> None:
    for store in pair:
        leased = claim_one(store)
        store.commit(created(2, outbox=[message("m2")]))
        unclaimed = forged(attrs.evolve(leased, message=message("m2")), None)
        assert store.ack_outbox(unclaimed) is False
        assert still_there(store) == ["m1", "m2"]


def test_the_lease_released_by_a_retry_no_longer_acknowledges(pair: Pair) -> None:
    for store in pair:
        leased = claim_one(store)
        assert store.retry_outbox(leased, not_before=AT)
        assert store.ack_outbox(leased) is False
        assert still_there(store) == ["m1"]


def test_a_made_up_token_acknowledges_nothing(pair: Pair) -> None:
    for store in pair:
        leased = claim_one(store)
        made_up = [attrs.evolve(leased, lease_token=token) for token in MADE_UP]
        assert store.ack_outbox(made_up[0]) is False
        assert store.retry_outbox(made_up[1], not_before=AT) is False
        assert store.ack_outbox(leased) is True


def test_an_expired_lease_nobody_claimed_since_still_acknowledges(pair: Pair) -> None:
    for store in pair:
        leased = claim_one(store)
        assert store.ack_outbox(leased) is True
        assert still_there(store) == []
