"""claim_due on PostgreSQL: due tickets leased to one worker at a time (FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from _postgres_server import DisposableStore

from ticketflow.exceptions import InvalidValueError
from ticketflow.storage import DueEntry, PostgresTicketStore
from ticketflow.testing._store_checks import comment, created

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
LEASE = timedelta(minutes=5)


@pytest.fixture
def store() -> Iterator[PostgresTicketStore]:
    with DisposableStore(pool_size=4) as opened:
        yield opened


def _due(store: PostgresTicketStore, number: int, at: datetime) -> None:
    store.commit(attrs.evolve(created(number), due_at=at))


def test_due_tickets_are_leased_earliest_first_then_by_id(store: PostgresTicketStore) -> None:
    _due(store, 3, T0)
    _due(store, 1, T0 + timedelta(minutes=1))
    _due(store, 2, T0)
    _due(store, 4, T0 + timedelta(hours=1))
    claimed = store.claim_due(T0 + timedelta(minutes=1), worker="a", lease=LEASE)
    assert claimed == [
        DueEntry("T2", T0),
        DueEntry("T3", T0),
        DueEntry("T1", T0 + timedelta(minutes=1)),
    ]
    assert store.claim_due(T0 + timedelta(minutes=1), worker="b", lease=LEASE) == []
    assert store.claim_due(T0, worker="a", lease=LEASE, limit=0) == []


def test_a_lease_lapses_and_a_commit_ends_it(store: PostgresTicketStore) -> None:
    _due(store, 1, T0)
    _due(store, 2, T0)
    assert len(store.claim_due(T0, worker="a", lease=LEASE)) == 2
    # Still leased just before the end; free again at it.
    assert store.claim_due(T0 + LEASE - timedelta(microseconds=1), worker="b", lease=LEASE) == []
    assert store.claim_due(T0 + LEASE, worker="b", lease=LEASE, limit=1) == [DueEntry("T1", T0)]
    # A commit that rewrites T2's due entry ends a's lease on it.
    store.commit(comment(store.get("T2"), T0, due_at=T0))
    assert store.claim_due(T0, worker="c", lease=LEASE) == [DueEntry("T2", T0)]


def test_workers_claiming_at_once_never_share_a_ticket(store: PostgresTicketStore) -> None:
    for number in range(1, 61):
        _due(store, number, T0 + timedelta(seconds=number))
    claimed: dict[str, list[str]] = {}
    barrier = threading.Barrier(4)

    def work(worker: str) -> None:
        barrier.wait()
        mine = claimed.setdefault(worker, [])
        while batch := store.claim_due(
            T0 + timedelta(hours=1), worker=worker, lease=LEASE, limit=5
        ):
            mine.extend(entry.ticket_id for entry in batch)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [ticket_id for ids in claimed.values() for ticket_id in ids]
    assert sorted(everything) == sorted(f"T{n}" for n in range(1, 61))


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"worker": "", "lease": LEASE}, "worker"),
        ({"worker": 5, "lease": LEASE}, "worker"),
        ({"worker": "a", "lease": timedelta(0)}, "lease"),
        ({"worker": "a", "lease": LEASE, "limit": -1}, "limit"),
    ],
)
def test_bad_arguments_are_refused(
    store: PostgresTicketStore, arguments: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidValueError) as raised:
        store.claim_due(T0, **arguments)  # type: ignore[arg-type]
    assert raised.value.field == field
    with pytest.raises(InvalidValueError) as raised:
        store.claim_due("today", worker="a", lease=LEASE)  # type: ignore[arg-type]
    assert raised.value.field == "at_or_before"
