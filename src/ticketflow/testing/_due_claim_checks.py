"""The conformance kit's checks for due claims (:class:`DueClaims`).

Each check returns at once for a store without that protocol.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from ..exceptions import InvalidValueError
from ..storage import DueClaims, DueEntry, TicketStore
from ._store_checks import T0, comment, created, raises

__all__ = ["DUE_CLAIM_CHECKS"]

_LEASE = timedelta(minutes=1)
_LATER = T0 + timedelta(hours=1)


def _due_tickets(store: TicketStore, minutes: Sequence[int]) -> None:
    # Ticket T<n> comes due at T0 + minutes[n - 1].
    for number, minute in enumerate(minutes, start=1):
        store.commit(created(number))
        store.commit(comment(store.get(f"T{number}"), T0, due_at=T0 + timedelta(minutes=minute)))


def _ids(entries: Sequence[DueEntry]) -> list[str]:
    return [entry.ticket_id for entry in entries]


def _check_due_claims_lease_in_due_order(store: TicketStore) -> None:
    if not isinstance(store, DueClaims):
        return
    _due_tickets(store, [30, 10, 20, 10, 90])
    first = store.claim_due(_LATER, worker="a", lease=_LEASE, limit=2)
    assert _ids(first) == ["T2", "T4"], f"earliest due first, ties by id: {_ids(first)}"
    assert first[0].due_at == T0 + timedelta(minutes=10), f"the due time: {first[0]}"
    second = store.claim_due(_LATER, worker="b", lease=_LEASE)
    assert _ids(second) == ["T3", "T1"], (
        f"while T2 and T4 are leased, a second worker claimed {_ids(second)}"
        " (a ticket under a live lease was claimed again, or one not due yet?)"
    )
    during = store.claim_due(_LATER + timedelta(seconds=59), worker="c", lease=_LEASE)
    assert _ids(during) == [], f"tickets under a live lease were claimed again: {_ids(during)}"
    listed = _ids(store.due(_LATER))
    assert listed == ["T2", "T4", "T3", "T1"], f"due() lists leased tickets too: {listed}"
    none = store.claim_due(_LATER, worker="d", lease=_LEASE, limit=0)
    assert list(none) == [], f"limit=0 claims nothing: {none}"


def _check_due_claims_lapse_and_end_with_a_commit(store: TicketStore) -> None:
    if not isinstance(store, DueClaims):
        return
    _due_tickets(store, [10, 20, 30])
    claimed = store.claim_due(_LATER, worker="a", lease=_LEASE)
    assert _ids(claimed) == ["T1", "T2", "T3"], _ids(claimed)
    # A commit of T2 ends its lease, whatever due time it leaves.
    store.commit(comment(store.get("T2"), T0, due_at=T0 + timedelta(minutes=20)))
    again = store.claim_due(_LATER, worker="b", lease=_LEASE)
    assert _ids(again) == ["T2"], f"a commit must end the ticket's lease: claimed {_ids(again)}"
    # T3 committed with a later due time: claimable only once that time comes.
    store.commit(comment(store.get("T3"), T0, due_at=_LATER + timedelta(hours=1)))
    lapsed = store.claim_due(_LATER + _LEASE, worker="c", lease=_LEASE)
    assert _ids(lapsed) == ["T1", "T2"], (
        f"at the end of their leases T1 and T2 are claimable again, T3 not due yet: {lapsed}"
    )
    early = store.claim_due(_LATER, worker="d", lease=_LEASE)
    assert _ids(early) == [], f"a clock set back must not see the new leases lapsed: {early}"
    store.commit(comment(store.get("T1"), T0, due_at=None))
    cleared = store.claim_due(_LATER + timedelta(days=1), worker="e", lease=_LEASE)
    assert _ids(cleared) == ["T2", "T3"], f"a ticket without a due time is never claimed: {cleared}"
    last = datetime.max.replace(tzinfo=UTC)
    raises(
        InvalidValueError,
        lambda: store.claim_due(last, worker="f", lease=_LEASE),
        "a lease ending after the last datetime",
    )


def _check_due_claim_arguments(store: TicketStore) -> None:
    if not isinstance(store, DueClaims):
        return
    _due_tickets(store, [10])
    cases: list[tuple[str, Callable[[], object]]] = [
        ("worker", lambda: store.claim_due(_LATER, worker="", lease=_LEASE)),
        ("worker", lambda: store.claim_due(_LATER, worker="a\nb", lease=_LEASE)),
        ("worker", lambda: store.claim_due("soon", worker=5, lease=0)),  # type: ignore[arg-type]
        ("at_or_before", lambda: store.claim_due("soon", worker="a", lease=0)),  # type: ignore[arg-type]
        ("at_or_before", lambda: store.claim_due(datetime(2026, 3, 2), worker="a", lease=_LEASE)),  # noqa: DTZ001
        ("lease", lambda: store.claim_due(_LATER, worker="a", lease=timedelta(0), limit=-1)),
        ("lease", lambda: store.claim_due(_LATER, worker="a", lease=60)),  # type: ignore[arg-type]
        ("limit", lambda: store.claim_due(_LATER, worker="a", lease=_LEASE, limit=-1)),
        ("limit", lambda: store.claim_due(_LATER, worker="a", lease=_LEASE, limit=True)),
    ]
    for field, call in cases:
        try:
            call()
        except InvalidValueError as error:
            assert error.field == field, f"the error names {error.field!r}, not {field!r}: {error}"
        else:
            raise AssertionError(f"a bad {field} must raise InvalidValueError")
    left = _ids(store.claim_due(_LATER, worker="a", lease=_LEASE))
    assert left == ["T1"], f"a refused claim leased something: {left}"


def _check_concurrent_due_claims(store: TicketStore) -> None:
    if not isinstance(store, DueClaims):
        return
    _due_tickets(store, [number % 7 for number in range(40)])
    seen: list[list[str]] = [[], []]
    barrier = threading.Barrier(2)

    def worker(index: int) -> None:
        barrier.wait()
        while batch := store.claim_due(_LATER, worker=f"w{index}", lease=_LEASE, limit=3):
            seen[index].extend(_ids(batch))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [ticket_id for batch in seen for ticket_id in batch]
    assert len(ids) == 40, f"{len(ids)} tickets claimed of 40"
    assert len(set(ids)) == 40, "two workers were leased the same ticket"


DUE_CLAIM_CHECKS: tuple[Callable[[TicketStore], None], ...] = (
    _check_due_claims_lease_in_due_order,
    _check_due_claims_lapse_and_end_with_a_commit,
    _check_due_claim_arguments,
    _check_concurrent_due_claims,
)
"""The targeted checks of the due-claim half of the protocol, in the order they run."""
