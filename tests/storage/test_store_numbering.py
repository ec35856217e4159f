"""A new ticket numbered inside its commit: one transaction, the same numbers in every store."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path
from typing import Any

import attrs
import pytest
from _side_by_side import created, message, outcome, store_pair

from ticketflow import Actor, Desk, NewTicket, Requester, TicketCreated, to_primitive
from ticketflow._draft import event_message
from ticketflow.exceptions import InvalidValueError, StoreError
from ticketflow.storage import Change, InMemoryTicketStore, SQLiteTicketStore, TicketStore

BOB = Actor.agent("bob")
INT64_MAX = 2**63 - 1


def renumbered(change: Change, number: int) -> Change:
    """``change`` (a creation) with its ticket numbered ``number``."""
    ticket = attrs.evolve(change.ticket, number=number)
    event = change.events[0]
    assert isinstance(event, TicketCreated)
    return attrs.evolve(change, ticket=ticket, events=(attrs.evolve(event, ticket=ticket),))


def numbered(number: int, *, placeholder: int = 1) -> Change:
    """The creation of ``T<number>``, asking the store for its number."""
    return attrs.evolve(renumbered(created(number), placeholder), assign_number=True)


def draft() -> NewTicket:
    return NewTicket(subject="Parcel late", requester=Requester("alice@example.com"))


def test_a_submission_is_one_transaction(tmp_path: Path) -> None:
    with SQLiteTicketStore(tmp_path / "desk.sqlite3") as store:
        desk = Desk(store)
        desk.submit(draft(), actor=BOB)  # the connection is open now
        statements: list[str] = []
        store._connection().set_trace_callback(statements.append)
        ticket = desk.submit(draft(), actor=BOB)
    assert [s for s in statements if s.startswith(("BEGIN", "COMMIT"))] == [
        "BEGIN IMMEDIATE",
        "COMMIT",
    ]
    assert ticket.number == 2


def test_a_submission_returns_the_ticket_as_numbered(tmp_path: Path) -> None:
    with SQLiteTicketStore(tmp_path / "desk.sqlite3") as store:
        desk = Desk(store)
        tickets = [desk.submit(draft(), actor=BOB) for _ in range(3)]
        assert [ticket.number for ticket in tickets] == [1, 2, 3]
        for ticket in tickets:
            assert store.get_by_number(ticket.number) == ticket
            assert getattr(store.journal(ticket.id)[0], "ticket", None) == ticket


def test_every_store_numbers_above_what_it_handed_out_and_holds() -> None:
    with store_pair() as stores:
        answers = []
        for store in stores:
            store.commit(created(5))
            first = store.allocate_number()
            store.commit(numbered(10))
            store.commit(numbered(11))
            answers.append(
                (first, store.get("T10").number, store.get("T11").number, store.allocate_number())
            )
        assert answers[0] == answers[1] == (1, 6, 7, 8)


def test_a_refused_change_uses_no_number_in_any_store() -> None:
    with store_pair() as stores:
        answers = []
        for store in stores:
            store.commit(attrs.evolve(created(1), outbox=(message("m1"),)))
            taken = attrs.evolve(numbered(2), outbox=(message("m1"),))
            refused = outcome(lambda: store.commit(taken))  # noqa: B023 - called at once
            store.commit(numbered(3))
            answers.append((refused[:3], store.get("T3").number))
        assert answers[0] == answers[1]
        assert answers[0][1] == 2


def test_the_last_number_is_the_end(tmp_path: Path) -> None:
    last = renumbered(created(1), INT64_MAX)
    stores: list[TicketStore] = [InMemoryTicketStore(), SQLiteTicketStore(tmp_path / "d.sqlite3")]
    for store in stores:
        store.commit(last)
        with pytest.raises(StoreError, match="no ticket number is left"):
            store.commit(numbered(2))


def test_only_a_new_ticket_carried_by_its_creation_asks_for_a_number() -> None:
    change = created(1)
    with pytest.raises(InvalidValueError) as caught:
        attrs.evolve(change, events=(), expected_version=1, assign_number=True)
    assert caught.value.field in {"events", "assign_number"}
    not_a_flag: Any = "yes"
    with pytest.raises(InvalidValueError) as caught:
        attrs.evolve(change, assign_number=not_a_flag)
    assert caught.value.field == "assign_number"


def test_numbered_puts_the_number_in_the_snapshot_the_event_and_its_message() -> None:
    change = numbered(4, placeholder=99)
    change = attrs.evolve(change, outbox=(event_message(change.events[0], "m1"), message("m2")))
    done = change.numbered(12)
    assert done.ticket.number == 12
    assert done.events[0].ticket is done.ticket  # type: ignore[union-attr]
    assert done.outbox[0].payload == to_primitive(done.events[0])
    assert done.outbox[0].payload["ticket"]["number"] == 12
    assert done.outbox[1] == change.outbox[1]
    assert not done.assign_number
    with pytest.raises(InvalidValueError):
        done.numbered(13)
    with pytest.raises(InvalidValueError):
        change.numbered(0)


def test_numbers_assigned_through_two_connections_never_repeat(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    ids = itertools.count()
    with SQLiteTicketStore(path) as one, SQLiteTicketStore(path) as other:
        for store in itertools.islice(itertools.cycle((one, other)), 20):
            Desk(store, ids=lambda: f"t{next(ids)}").submit(draft(), actor=BOB)
    connection = sqlite3.connect(path)
    numbers = [n for (n,) in connection.execute("SELECT number FROM tickets ORDER BY number")]
    connection.close()
    assert numbers == list(range(1, 21))
