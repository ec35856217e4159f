"""The targeted checks of the store conformance kit; they need no hypothesis.

Each ``_check_<name>`` gets a new, empty store and proves one contract of
:class:`~ticketflow.storage.TicketStore`; ``<name>`` is what a failure message reports.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from .._actors import Actor
from .._events import CommentAdded, TicketEvent
from .._fields import FieldValue
from .._journal import apply, replay
from .._serde import to_primitive
from .._ticket import NewTicket, Requester, Ticket
from .._workflow import DEFAULT_WORKFLOW
from ..exceptions import ConflictError, InvalidValueError, TicketNotFoundError
from ..storage import (
    Change,
    LeasedMessage,
    OutboxMessage,
    TicketMemos,
    TicketQuery,
    TicketStore,
)

__all__ = ["TARGETED_CHECKS", "all_pages", "comment", "created", "message", "raises"]

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
BOB = Actor.agent("bob")
QUEUES = ("l1", "l2")


def created(
    number: int,
    *,
    queue: str | None = None,
    at: datetime = T0,
    fields: Mapping[str, FieldValue] | None = None,
) -> Change:
    """Return the change that creates ticket ``T<number>`` with its outbox message."""
    ticket, event = DEFAULT_WORKFLOW.create(
        NewTicket(
            subject=f"ticket {number}",
            requester=Requester(f"c{number}@example.com"),
            queue=queue,
            fields=fields,
        ),
        id=f"T{number}",
        number=number,
        actor=Actor.customer(f"c{number}@example.com"),
        at=at,
    )
    return Change(ticket=ticket, events=(event,), expected_version=0, outbox=(message(event),))


def message(event: TicketEvent) -> OutboxMessage:
    """Return the outbox message a change writes for ``event``."""
    return OutboxMessage(
        id=f"m-{event.ticket_id}-{event.version}",
        topic=f"ticket.{event.type}",
        payload={"ticket_id": event.ticket_id, "version": event.version},
        ticket_id=event.ticket_id,
        created_at=event.at,
    )


def comment(ticket: Ticket, at: datetime, *, due_at: datetime | None = None) -> Change:
    """Return the change that adds a comment to ``ticket`` and sets its due time."""
    event = CommentAdded(
        ticket_id=ticket.id,
        version=ticket.version + 1,
        at=at,
        actor=BOB,
        comment_id=f"c{ticket.version + 1}",
        body="x",
        public=True,
    )
    return Change(
        ticket=apply(ticket, event),
        events=(event,),
        expected_version=ticket.version,
        outbox=(message(event),),
        due_at=due_at,
    )


def all_pages(store: TicketStore, query: TicketQuery) -> list[str]:
    """Return the ids of every ticket matching ``query``, page by page, checking each page."""
    ids: list[str] = []
    while True:
        page = store.query(query)
        ids.extend(t.id for t in page.tickets)
        numbers = [t.number for t in page.tickets]
        assert numbers == sorted(numbers), f"page not ordered by number: {numbers}"
        assert len(page.tickets) <= query.limit, f"a page of {len(page.tickets)} > {query.limit}"
        if page.next_cursor is None:
            return ids
        assert page.tickets, "an empty page must not carry a cursor"
        query = attrs.evolve(query, after=page.next_cursor)


def _check_conflict_writes_nothing(store: TicketStore) -> None:
    first = created(1)
    store.commit(first)
    ticket = store.get("T1")
    store.commit(comment(ticket, T0 + timedelta(minutes=1), due_at=T0))
    stale = comment(ticket, T0 + timedelta(minutes=2), due_at=T0 + timedelta(days=9))
    try:
        store.commit(stale)
    except ConflictError as error:
        assert (error.ticket_id, error.expected, error.actual) == ("T1", 1, 2), error
    else:
        raise AssertionError("a stale expected version must raise ConflictError")
    try:
        store.commit(created(1))
    except ConflictError as error:
        assert error.expected == 0, error
    else:
        raise AssertionError("creating an existing ticket must raise ConflictError")
    version = store.get("T1").version
    assert version == 2, f"a refused commit changed the version to {version}"
    versions = [e.version for e in store.journal("T1")]
    assert versions == [1, 2], f"a refused commit changed the journal: {versions}"
    due = [d.ticket_id for d in store.due(T0)]
    assert due == ["T1"], f"a refused commit moved the due time: {due}"
    claimed = store.claim_outbox(
        worker="w", now=T0 + timedelta(hours=1), lease=timedelta(minutes=1), limit=10
    )
    assert sorted(m.message.id for m in claimed) == ["m-T1-1", "m-T1-2"], claimed


def _check_not_found(store: TicketStore) -> None:
    for call in (
        lambda: store.get("nope"),
        lambda: store.get_by_number(404),
        lambda: store.journal("nope"),
    ):
        try:
            call()
        except TicketNotFoundError:
            continue
        raise AssertionError("an unknown ticket must raise TicketNotFoundError")


def _check_numbers_are_unique(store: TicketStore) -> None:
    numbers = [store.allocate_number() for _ in range(20)]
    assert len(set(numbers)) == 20, numbers


def _check_commit_assigns_numbers(store: TicketStore) -> None:
    # A submission is one commit: the store numbers the ticket (above every number handed
    # out or held), and the snapshot, the creation event and its message all carry it.
    store.commit(created(7))
    allocated = store.allocate_number()
    numbers = []
    for index in (1, 2):
        # The placeholder number is taken: a store that kept it would refuse the change.
        ticket, event = DEFAULT_WORKFLOW.create(
            NewTicket(subject="numbered", requester=Requester("c@example.com")),
            id=f"T{100 + index}",
            number=7,
            actor=BOB,
            at=T0,
        )
        # The message that announces the creation: its payload is the event's primitives.
        announced = attrs.evolve(message(event), payload=to_primitive(event))
        change = Change(
            ticket=ticket,
            events=(event,),
            expected_version=0,
            outbox=(announced,),
            assign_number=True,
        )
        store.commit(change)
        ticket = store.get(change.ticket.id)
        numbers.append(ticket.number)
        [written] = store.journal(ticket.id)
        assert getattr(written, "ticket", None) == ticket, written
        assert store.get_by_number(ticket.number) == ticket
    assert numbers[0] > max(allocated, 7), (numbers, allocated)
    assert numbers[1] > numbers[0], numbers
    assert store.allocate_number() > numbers[1]
    claimed = store.claim_outbox(worker="w", now=T0, lease=timedelta(minutes=1), limit=10)
    for leased in claimed:
        if leased.message.ticket_id in {"T101", "T102"}:
            number = leased.message.payload["ticket"]["number"]
            assert number == store.get(leased.message.ticket_id).number, leased.message


# Lookalikes that Python's == (or a text column) confuses: 7781 == 7781.0 and 1 == 1.0 == True,
# and "7781" is what 7781 looks like as text.
_TYPED_VALUES: tuple[FieldValue, ...] = (
    "7781",
    7781,
    7781.0,
    "1",
    1,
    1.0,
    True,
    "true",
    0,
    0.0,
    False,
)


def _commit_typed_values(store: TicketStore) -> None:
    for number, value in enumerate(_TYPED_VALUES, start=1):
        store.commit(created(number, fields={"code": value}))


def _described(value: FieldValue) -> str:
    return f"{value!r} ({type(value).__name__})"


def _check_fields_keep_their_types(store: TicketStore) -> None:
    _commit_typed_values(store)
    for number, value in enumerate(_TYPED_VALUES, start=1):
        stored = store.get(f"T{number}").fields["code"]
        assert (type(stored), stored) == (type(value), value), (
            f"T{number} was committed with code={_described(value)}"
            f" and read back as {_described(stored)}"
        )


def _check_field_filters_compare_types(store: TicketStore) -> None:
    _commit_typed_values(store)
    for number, value in enumerate(_TYPED_VALUES, start=1):
        matched = all_pages(store, TicketQuery(fields={"code": value}, limit=50))
        assert matched == [f"T{number}"], (
            f"a filter on code={_described(value)} matched {matched}; only T{number} has"
            " that value, type included"
        )


def _check_paging(store: TicketStore) -> None:
    for number in range(1, 26):
        store.commit(created(number, queue=QUEUES[number % 2]))
    everything = all_pages(store, TicketQuery(limit=7))
    assert everything == [f"T{n}" for n in range(1, 26)], everything
    l1 = all_pages(store, TicketQuery(queue="l2", limit=4))
    assert l1 == [f"T{n}" for n in range(1, 26) if n % 2 == 1], l1
    exact = store.query(TicketQuery(queue="l1", limit=12))
    assert len(exact.tickets) == 12, f"queue l1 has 12 tickets, the page has {exact.tickets}"
    assert exact.next_cursor is None, "no cursor when no further ticket matches"
    assert store.get_by_number(7).id == "T7", "get_by_number(7) must find T7"


def _check_journal_after_version(store: TicketStore) -> None:
    store.commit(created(1))
    ticket = store.get("T1")
    for minute in range(1, 5):
        store.commit(comment(ticket, T0 + timedelta(minutes=minute)))
        ticket = store.get("T1")
    after_3 = [e.version for e in store.journal("T1", after_version=3)]
    assert after_3 == [4, 5], f"journal(after_version=3) gave versions {after_3}"
    assert replay(store.journal("T1")) == store.get("T1"), "the journal does not replay to get()"


def _check_due_index(store: TicketStore) -> None:
    for number in range(1, 5):
        store.commit(created(number))
    dues = {
        1: T0 + timedelta(hours=3),
        2: T0 + timedelta(hours=1),
        3: None,
        4: T0 + timedelta(hours=2),
    }
    for number, due_at in dues.items():
        ticket = store.get(f"T{number}")
        store.commit(comment(ticket, T0, due_at=due_at))
    due = [d.ticket_id for d in store.due(T0 + timedelta(hours=2))]
    assert due == ["T2", "T4"], f"due within 2 hours, earliest first: {due}"
    due = [d.ticket_id for d in store.due(T0 + timedelta(days=1), limit=2)]
    assert due == ["T2", "T4"], f"the 2 earliest due within a day: {due}"
    entry = store.due(T0 + timedelta(hours=1))[0]
    assert entry.due_at == T0 + timedelta(hours=1), entry
    cleared = store.get("T2")
    store.commit(comment(cleared, T0, due_at=None))
    due = [d.ticket_id for d in store.due(T0 + timedelta(hours=2))]
    assert due == ["T4"], f"a due time cleared by due_at=None is still listed: {due}"


def _check_outbox_leases(store: TicketStore) -> None:
    for number in range(1, 4):
        store.commit(created(number, at=T0 + timedelta(seconds=number)))
    now = T0 + timedelta(minutes=1)
    lease = timedelta(seconds=30)
    first = store.claim_outbox(worker="a", now=now, lease=lease, limit=2)
    assert [m.message.id for m in first] == ["m-T1-1", "m-T2-1"], first
    assert all(m.attempts == 1 and m.lease_until == now + lease for m in first), first
    second = store.claim_outbox(worker="b", now=now, lease=lease, limit=10)
    second_ids = [m.message.id for m in second]
    assert second_ids == ["m-T3-1"], (
        f"while m-T1-1 and m-T2-1 are leased, a second worker claimed {second_ids}"
        " (a message under a live lease was claimed again?)"
    )
    during = store.claim_outbox(worker="c", now=now + timedelta(seconds=29), lease=lease)
    assert during == [], f"messages under a live lease were claimed again: {during}"
    assert store.ack_outbox(first[0]), "acknowledging under a live lease must succeed"
    assert not store.ack_outbox(first[0]), "a second ack finds nothing"
    assert store.retry_outbox(second[0], not_before=now + timedelta(minutes=5)), (
        "postponing under a live lease must succeed"
    )
    expired = store.claim_outbox(worker="c", now=now + timedelta(seconds=30), lease=lease)
    assert [m.message.id for m in expired] == ["m-T2-1"], "an expired lease returns the message"
    assert expired[0].attempts == 2, f"the second claim is attempt 2, not {expired[0].attempts}"
    assert not store.ack_outbox(first[1]), "a lost lease cannot acknowledge"
    assert not store.retry_outbox(first[1], not_before=now), "nor postpone"
    later = store.claim_outbox(worker="d", now=now + timedelta(minutes=5), lease=lease)
    assert [m.message.id for m in later] == ["m-T2-1", "m-T3-1"], later
    assert [m.attempts for m in later] == [3, 2], later
    assert later[1].message.payload == {"ticket_id": "T3", "version": 1}, later[1].message


def _check_concurrent_claims(store: TicketStore) -> None:
    for number in range(1, 41):
        store.commit(created(number))
    now = T0 + timedelta(minutes=1)
    seen: list[list[LeasedMessage]] = [[], []]
    barrier = threading.Barrier(2)

    def worker(index: int) -> None:
        barrier.wait()
        while batch := store.claim_outbox(
            worker=f"w{index}", now=now, lease=timedelta(minutes=5), limit=3
        ):
            seen[index].extend(batch)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [m.message.id for batch in seen for m in batch]
    assert len(ids) == 40, len(ids)
    assert len(set(ids)) == 40, "two workers received the same message"


def _check_index_only_change(store: TicketStore) -> None:
    store.commit(created(1))
    ticket = store.get("T1")
    later = T0 + timedelta(hours=4)
    store.commit(Change(ticket=ticket, events=(), expected_version=1, due_at=later))
    due = [(d.ticket_id, d.due_at) for d in store.due(later)]
    assert due == [("T1", later)], f"an index-only change did not set the due time: {due}"
    assert store.get("T1").version == 1, "an index-only change must keep the version"
    assert len(store.journal("T1")) == 1, "an index-only change must add no event"
    try:
        store.commit(Change(ticket=ticket, events=(), expected_version=1, due_at=None))
        store.commit(comment(ticket, T0))
        store.commit(Change(ticket=ticket, events=(), expected_version=1, due_at=T0))
    except ConflictError:
        assert [d.ticket_id for d in store.due(later)] == [], "a refused change wrote nothing"
    else:
        raise AssertionError("an index-only change is guarded by the version too")


def _check_memos_commit_with_the_snapshot(store: TicketStore) -> None:
    if not isinstance(store, TicketMemos):
        return  # the optional half of the protocol: due work then reads the journal
    store.commit(attrs.evolve(created(1), memos={"sla": "[1]", "auto_close": "quiet ✓"}))
    store.commit(created(2))
    memos = dict(store.memos("T1"))
    assert memos == {"sla": "[1]", "auto_close": "quiet ✓"}, f"memos read back as {memos}"
    assert dict(store.memos("T2")) == {}, "a ticket committed without memos has none"
    ticket = store.get("T1")
    store.commit(attrs.evolve(comment(ticket, T0 + timedelta(minutes=1)), memos={"sla": "[2]"}))
    memos = dict(store.memos("T1"))
    assert memos == {"sla": "[2]", "auto_close": "quiet ✓"}, (
        f"a memo replaces the one of its name and keeps the others; read back {memos}"
    )
    stale = attrs.evolve(comment(ticket, T0 + timedelta(minutes=2)), memos={"sla": "[stale]"})
    raises(ConflictError, lambda: store.commit(stale), "a commit at a stale version")
    memos = dict(store.memos("T1"))
    assert memos["sla"] == "[2]", f"a refused commit wrote its memo: {memos}"
    current = store.get("T1")
    store.commit(Change(ticket=current, events=(), expected_version=2, memos={"sla": "[3]"}))
    memos = dict(store.memos("T1"))
    assert memos["sla"] == "[3]", f"an index-only change did not write its memo: {memos}"
    assert dict(store.memos("T2")) == {}, "one ticket's memos leaked to another"
    raises(TicketNotFoundError, lambda: store.memos("nope"), "memos of an unknown ticket")
    raises(InvalidValueError, lambda: store.memos(5), "memos(5)")  # type: ignore[arg-type]


def raises(error: type[Exception], call: Callable[[], object], what: str) -> None:
    try:
        call()
    except error:
        return
    raise AssertionError(f"{what} must raise {error.__name__}")


def _check_refused_changes_write_nothing(store: TicketStore) -> None:
    store.commit(created(1))
    store.commit(created(2))
    ticket = store.get("T1")
    renumbered = attrs.evolve(
        comment(ticket, T0),
        ticket=attrs.evolve(apply(ticket, comment(ticket, T0).events[0]), number=99),
    )
    raises(InvalidValueError, lambda: store.commit(renumbered), "changing a ticket's number")
    reused = attrs.evolve(comment(ticket, T0), outbox=(message(store.journal("T2")[0]),))
    raises(InvalidValueError, lambda: store.commit(reused), "reusing an outbox message id")
    taken = attrs.evolve(created(3), ticket=attrs.evolve(created(3).ticket, number=2))
    raises(ConflictError, lambda: store.commit(taken), "creating with a taken number")
    rewritten = attrs.evolve(ticket, subject="rewritten")
    silent = Change(ticket=rewritten, events=(), expected_version=1, due_at=T0)
    raises(InvalidValueError, lambda: store.commit(silent), "altering a ticket without events")
    assert store.due(T0 + timedelta(days=1)) == [], "a refused index-only change wrote nothing"
    for lease in (timedelta(0), timedelta(seconds=-1), 30):

        def claim_with(bad: Any = lease) -> object:  # noqa: ANN401 - deliberately wrong
            return store.claim_outbox(worker="w", now=T0, lease=bad, limit=1)

        raises(InvalidValueError, claim_with, f"claim_outbox(lease={lease!r})")
    assert store.get("T1").version == 1, "a refused change wrote nothing"
    assert len(store.journal("T1")) == 1, "a refused change added no event"
    raises(TicketNotFoundError, lambda: store.get("T3"), "a refused creation")
    claimed = store.claim_outbox(worker="w", now=T0, lease=timedelta(minutes=1), limit=10)
    assert sorted(m.message.id for m in claimed) == ["m-T1-1", "m-T2-1"], claimed
    for bad in (-1, True, 1.5):

        def due(limit: Any = bad) -> object:  # noqa: ANN401 - deliberately wrong types
            return store.due(T0, limit=limit)

        def claim(limit: Any = bad) -> object:  # noqa: ANN401
            return store.claim_outbox(worker="w", now=T0, lease=timedelta(1), limit=limit)

        raises(InvalidValueError, due, f"due(limit={bad!r})")
        raises(InvalidValueError, claim, f"claim_outbox(limit={bad!r})")


TARGETED_CHECKS: tuple[Callable[[TicketStore], None], ...] = (
    # The basic contracts first, so that a store which breaks one is told about that one.
    _check_conflict_writes_nothing,
    _check_not_found,
    _check_numbers_are_unique,
    _check_fields_keep_their_types,
    _check_field_filters_compare_types,
    _check_paging,
    _check_journal_after_version,
    _check_due_index,
    _check_index_only_change,
    _check_refused_changes_write_nothing,
    _check_outbox_leases,
    _check_concurrent_claims,
    _check_memos_commit_with_the_snapshot,
    _check_commit_assigns_numbers,
)
"""Every targeted check, in the order they run; a failure names ``_check_<name>`` by its name."""
