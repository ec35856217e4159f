"""The conformance kit's checks for the optional protocols: intake's and round-robin routing's.

Each check returns at once for a store without that protocol (:class:`IntakeStore`,
:class:`RotationStore`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import attrs

from ..exceptions import (
    ClaimTakenError,
    ConflictError,
    IntakeProblem,
    InvalidValueError,
    RecordNotFoundError,
)
from ..storage import IntakeStore, RejectedIntake, RotationStore, SimilarityKeys, TicketStore
from ._store_checks import T0, comment, created, raises

__all__ = ["INTAKE_CHECKS"]


def _check_claims_commit_with_the_ticket(store: TicketStore) -> None:
    if not isinstance(store, IntakeStore):
        return
    assert store.claimant("message-id:<a@x>") is None, "an unclaimed key has no claimant"
    store.commit(attrs.evolve(created(1), claims=("message-id:<a@x>", "form:k1")))
    assert store.claimant("message-id:<a@x>") == "T1", "a claim is written with the ticket"
    assert store.claimant("form:k1") == "T1", "every claim of a change is written"
    assert store.claimant("MESSAGE-ID:<a@x>") is None, "claims compare exactly"
    try:
        store.commit(attrs.evolve(created(2), claims=("form:k2", "message-id:<a@x>")))
    except ClaimTakenError as error:
        assert error.key == "message-id:<a@x>", f"the error names the key, not {error.key!r}"
        assert error.holder == "T1", f"the error names the holder, not {error.holder!r}"
        assert isinstance(error, ConflictError), "a taken claim is a conflict"
    else:
        raise AssertionError("a second ticket claiming a held key must raise ClaimTakenError")
    raises(Exception, lambda: store.get("T2"), "the refused ticket must not exist")
    assert store.claimant("form:k2") is None, "a refused commit claimed nothing"
    ticket = store.get("T1")
    # The holder claims its own key again (a reply re-read): kept, and the commit goes through.
    store.commit(attrs.evolve(comment(ticket, T0 + timedelta(minutes=1)), claims=("form:k1",)))
    assert store.get("T1").version == 2, "a ticket may claim a key it already holds"
    store.commit(created(2))
    assert store.claimant("form:k1") == "T1", "claims stay with their ticket"
    raises(InvalidValueError, lambda: store.claimant(5), "claimant(5)")  # type: ignore[arg-type]
    assert store.claimant("\ud800") is None, "a key no claim can hold is not found"


def _check_concurrent_claims_make_one_ticket(store: TicketStore) -> None:
    if not isinstance(store, IntakeStore):
        return
    winners: list[int] = []
    losers: list[str] = []
    barrier = threading.Barrier(4)

    def claim(number: int) -> None:
        barrier.wait()
        try:
            store.commit(attrs.evolve(created(number), claims=("message-id:<same@x>",)))
            winners.append(number)
        except ClaimTakenError as error:
            losers.append(error.holder)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1, f"one of four racing claims must win, {len(winners)} did"
    assert losers == [f"T{winners[0]}"] * 3, f"the losers must name the winner: {losers}"
    assert store.claimant("message-id:<same@x>") == f"T{winners[0]}"


def _keys(text: str) -> SimilarityKeys:
    from ..intake import SimilaritySpec  # noqa: PLC0415 - only a store under test needs it

    return SimilaritySpec().keys(text)


def _check_band_keys(store: TicketStore) -> None:
    if not isinstance(store, IntakeStore):
        return
    text = "the parcel for order 42 never arrived at the warehouse in time"
    keys = _keys(text)
    other = _keys("an entirely different request about invoices and refunds for march")
    store.commit(attrs.evolve(created(1), similarity=keys))
    store.commit(attrs.evolve(created(2), similarity=other))
    store.commit(created(3))
    found = store.candidates(keys.band_keys)
    assert set(found) == {"T1"}, f"the band keys find their ticket only: {sorted(found)}"
    assert tuple(found["T1"]) == keys.sketch, "a candidate comes with its sketch, exactly"
    assert store.candidates([]) == {}, "no band keys find nothing"
    assert store.candidates(["no-such-band"]) == {}, "an unknown band key finds nothing"
    ticket = store.get("T1")
    # New keys replace the old ones.
    store.commit(attrs.evolve(comment(ticket, T0 + timedelta(minutes=1)), similarity=other))
    assert store.candidates(keys.band_keys) == {}, "replaced keys are gone"
    found = store.candidates(other.band_keys)
    assert set(found) == {"T1", "T2"}, f"both tickets hold the new keys: {sorted(found)}"
    ticket = store.get("T1")
    stale = attrs.evolve(comment(ticket, T0 + timedelta(minutes=2)), unindex=True)
    store.commit(stale)
    found = store.candidates(other.band_keys)
    assert set(found) == {"T2"}, f"an unindexed ticket is no candidate: {sorted(found)}"
    raises(ConflictError, lambda: store.commit(stale), "a stale unindexing change")
    assert set(store.candidates(other.band_keys)) == {"T2"}, "a refused change dropped nothing"
    raises(InvalidValueError, lambda: store.candidates("abc"), "candidates('abc')")


def _record(number: int, **changes: object) -> RejectedIntake:
    return RejectedIntake(
        id=f"R{number}",
        channel="email",
        received_at=T0 + timedelta(seconds=number),
        raw=b"From: x\r\n\r\n\x00\xff body",
        problems=(IntakeProblem("$", "auto_submitted", "automatic mail ✓"),),
        **changes,  # type: ignore[arg-type]
    )


def _check_rejected_records(store: TicketStore) -> None:
    if not isinstance(store, IntakeStore):
        return
    assert list(store.rejected()) == [], "a new store has no rejected records"
    for number in range(1, 6):
        store.keep_rejected(_record(number))
    raises(InvalidValueError, lambda: store.keep_rejected(_record(3)), "a taken record id")
    listed = [r.id for r in store.rejected()]
    assert listed == ["R1", "R2", "R3", "R4", "R5"], f"listed in the order kept: {listed}"
    assert store.get_rejected("R2") == _record(2), "a record reads back equal, bytes and all"
    page = [r.id for r in store.rejected(after="R2", limit=2)]
    assert page == ["R3", "R4"], f"paging after R2 by 2 gave {page}"
    assert store.settle_rejected("R3", at=T0 + timedelta(hours=1), ticket_id="T9") is True
    assert store.settle_rejected("R3", at=T0 + timedelta(hours=2), ticket_id=None) is False, (
        "settling twice changes nothing"
    )
    settled = store.get_rejected("R3")
    assert settled.settled_at == T0 + timedelta(hours=1), "settled_at reads back"
    assert settled.ticket_id == "T9", "the settling ticket reads back"
    pending = [r.id for r in store.rejected()]
    assert pending == ["R1", "R2", "R4", "R5"], f"a settled record is not pending: {pending}"
    everything = [r.id for r in store.rejected(pending=False)]
    assert everything == ["R1", "R2", "R3", "R4", "R5"], f"all records: {everything}"
    assert list(store.rejected(after="nope")) == [], "paging after an unknown id finds nothing"
    raises(RecordNotFoundError, lambda: store.get_rejected("nope"), "an unknown record")
    raises(
        RecordNotFoundError,
        lambda: store.settle_rejected("nope", at=T0, ticket_id=None),
        "settling an unknown record",
    )
    raises(InvalidValueError, lambda: store.get_rejected(5), "get_rejected(5)")  # type: ignore[arg-type]
    raises(InvalidValueError, lambda: store.rejected(limit=-1), "rejected(limit=-1)")
    raises(InvalidValueError, lambda: store.keep_rejected("R9"), "keep_rejected('R9')")  # type: ignore[arg-type]


def _check_rotation_deals_in_turn(store: TicketStore) -> None:
    if not isinstance(store, RotationStore):
        return
    dealt = [store.rotate("l1", ["cy", "ann", "bob"]) for _ in range(5)]
    assert dealt == ["ann", "bob", "cy", "ann", "bob"], f"turns go by id, wrapping: {dealt}"
    assert store.rotate("l2", ["bob", "cy"]) == "bob", "each queue keeps its own turn"
    assert store.rotate("l1", ["ann", "cy"]) == "cy", "after bob, the next eligible id: cy"
    assert store.rotate("l1", ["ann", "bob", "dan"]) == "dan", "one who joins takes a place"
    assert store.rotate("l1", ["ann", "bob", "dan"]) == "ann", "past the last id, wrap"
    raises(InvalidValueError, lambda: store.rotate("l1", []), "rotate with no agents")
    raises(InvalidValueError, lambda: store.rotate("l1", "ann"), "rotate('l1', 'ann')")
    raises(InvalidValueError, lambda: store.rotate(5, ["ann"]), "rotate(5, ...)")  # type: ignore[arg-type]
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def deal() -> None:
        for _ in range(25):
            agent = store.rotate("hot", ["a", "b", "c", "d"])
            with lock:
                counts[agent] = counts.get(agent, 0) + 1

    threads = [threading.Thread(target=deal) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counts == dict.fromkeys("abcd", 25), f"four threads, 100 turns, 4 agents: {counts}"


INTAKE_CHECKS: tuple[Callable[[TicketStore], None], ...] = (
    _check_claims_commit_with_the_ticket,
    _check_concurrent_claims_make_one_ticket,
    _check_band_keys,
    _check_rejected_records,
    _check_rotation_deals_in_turn,
)
"""The targeted checks of the intake half of the protocol, in the order they run."""
