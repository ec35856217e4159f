"""The conformance kit for :class:`~ticketflow.storage.TicketStore` implementations.

``check_ticket_store(make_store)`` runs targeted checks (conflicts, paging, outbox leases, due
queries, errors) and a hypothesis state machine that drives the store under test and the
in-memory reference side by side, comparing every answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from .._actors import Actor
from .._events import CommentAdded, FieldsChanged, TicketAssigned, TicketEvent, header
from .._fields import FieldValue
from .._journal import apply, replay
from .._status import TicketStatus
from .._ticket import NewTicket, Requester, Ticket
from .._workflow import DEFAULT_WORKFLOW, transition
from ..exceptions import ConflictError, InvalidValueError, TicketNotFoundError
from ..storage import (
    Change,
    InMemoryTicketStore,
    LeasedMessage,
    OutboxMessage,
    TicketQuery,
    TicketStore,
)

__all__ = ["check_ticket_store"]

_T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
_BOB = Actor.agent("bob")
_QUEUES = ("l1", "l2")
_CARRIERS: tuple[FieldValue, ...] = ("ACME", "Speedy", 1, True)


def _created(number: int, *, queue: str | None = None, at: datetime = _T0) -> Change:
    ticket, event = DEFAULT_WORKFLOW.create(
        NewTicket(
            subject=f"ticket {number}", requester=Requester(f"c{number}@example.com"), queue=queue
        ),
        id=f"T{number}",
        number=number,
        actor=Actor.customer(f"c{number}@example.com"),
        at=at,
    )
    return Change(ticket=ticket, events=(event,), expected_version=0, outbox=(_message(event),))


def _message(event: TicketEvent) -> OutboxMessage:
    return OutboxMessage(
        id=f"m-{event.ticket_id}-{event.version}",
        topic=f"ticket.{event.type}",
        payload={"ticket_id": event.ticket_id, "version": event.version},
        ticket_id=event.ticket_id,
        created_at=event.at,
    )


def _comment(ticket: Ticket, at: datetime, *, due_at: datetime | None = None) -> Change:
    event = CommentAdded(
        ticket_id=ticket.id,
        version=ticket.version + 1,
        at=at,
        actor=_BOB,
        comment_id=f"c{ticket.version + 1}",
        body="x",
        public=True,
    )
    return Change(
        ticket=apply(ticket, event),
        events=(event,),
        expected_version=ticket.version,
        outbox=(_message(event),),
        due_at=due_at,
    )


def _all_pages(store: TicketStore, query: TicketQuery) -> list[str]:
    ids: list[str] = []
    while True:
        page = store.query(query)
        ids.extend(t.id for t in page.tickets)
        numbers = [t.number for t in page.tickets]
        assert numbers == sorted(numbers), f"page not ordered by number: {numbers}"
        assert len(page.tickets) <= query.limit
        if page.next_cursor is None:
            return ids
        assert page.tickets, "an empty page must not carry a cursor"
        query = attrs.evolve(query, after=page.next_cursor)


@contextmanager
def _fresh(make_store: Callable[[], TicketStore]) -> Iterator[TicketStore]:
    store = make_store()
    try:
        yield store
    finally:
        close = getattr(store, "close", None)
        if callable(close):
            close()


def _check_conflict_writes_nothing(store: TicketStore) -> None:
    first = _created(1)
    store.commit(first)
    ticket = store.get("T1")
    store.commit(_comment(ticket, _T0 + timedelta(minutes=1), due_at=_T0))
    stale = _comment(ticket, _T0 + timedelta(minutes=2), due_at=_T0 + timedelta(days=9))
    try:
        store.commit(stale)
    except ConflictError as error:
        assert (error.ticket_id, error.expected, error.actual) == ("T1", 1, 2), error
    else:
        raise AssertionError("a stale expected version must raise ConflictError")
    try:
        store.commit(_created(1))
    except ConflictError as error:
        assert error.expected == 0, error
    else:
        raise AssertionError("creating an existing ticket must raise ConflictError")
    assert store.get("T1").version == 2
    assert [e.version for e in store.journal("T1")] == [1, 2]
    assert [d.ticket_id for d in store.due(_T0)] == ["T1"]
    claimed = store.claim_outbox(
        worker="w", now=_T0 + timedelta(hours=1), lease=timedelta(minutes=1), limit=10
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


def _check_paging(store: TicketStore) -> None:
    for number in range(1, 26):
        store.commit(_created(number, queue=_QUEUES[number % 2]))
    everything = _all_pages(store, TicketQuery(limit=7))
    assert everything == [f"T{n}" for n in range(1, 26)], everything
    l1 = _all_pages(store, TicketQuery(queue="l2", limit=4))
    assert l1 == [f"T{n}" for n in range(1, 26) if n % 2 == 1], l1
    exact = store.query(TicketQuery(queue="l1", limit=12))
    assert len(exact.tickets) == 12
    assert exact.next_cursor is None, "no cursor when no further ticket matches"
    assert store.get_by_number(7).id == "T7"


def _check_journal_after_version(store: TicketStore) -> None:
    store.commit(_created(1))
    ticket = store.get("T1")
    for minute in range(1, 5):
        store.commit(_comment(ticket, _T0 + timedelta(minutes=minute)))
        ticket = store.get("T1")
    assert [e.version for e in store.journal("T1", after_version=3)] == [4, 5]
    assert replay(store.journal("T1")) == store.get("T1")


def _check_due_index(store: TicketStore) -> None:
    for number in range(1, 5):
        store.commit(_created(number))
    dues = {
        1: _T0 + timedelta(hours=3),
        2: _T0 + timedelta(hours=1),
        3: None,
        4: _T0 + timedelta(hours=2),
    }
    for number, due_at in dues.items():
        ticket = store.get(f"T{number}")
        store.commit(_comment(ticket, _T0, due_at=due_at))
    assert [d.ticket_id for d in store.due(_T0 + timedelta(hours=2))] == ["T2", "T4"]
    assert [d.ticket_id for d in store.due(_T0 + timedelta(days=1), limit=2)] == ["T2", "T4"]
    entry = store.due(_T0 + timedelta(hours=1))[0]
    assert entry.due_at == _T0 + timedelta(hours=1), entry
    cleared = store.get("T2")
    store.commit(_comment(cleared, _T0, due_at=None))
    assert [d.ticket_id for d in store.due(_T0 + timedelta(hours=2))] == ["T4"]


def _check_outbox_leases(store: TicketStore) -> None:
    for number in range(1, 4):
        store.commit(_created(number, at=_T0 + timedelta(seconds=number)))
    now = _T0 + timedelta(minutes=1)
    lease = timedelta(seconds=30)
    first = store.claim_outbox(worker="a", now=now, lease=lease, limit=2)
    assert [m.message.id for m in first] == ["m-T1-1", "m-T2-1"], first
    assert all(m.attempts == 1 and m.lease_until == now + lease for m in first)
    second = store.claim_outbox(worker="b", now=now, lease=lease, limit=10)
    assert [m.message.id for m in second] == ["m-T3-1"], second
    assert store.claim_outbox(worker="c", now=now + timedelta(seconds=29), lease=lease) == []
    assert store.ack_outbox(first[0])
    assert not store.ack_outbox(first[0]), "a second ack finds nothing"
    assert store.retry_outbox(second[0], not_before=now + timedelta(minutes=5))
    expired = store.claim_outbox(worker="c", now=now + timedelta(seconds=30), lease=lease)
    assert [m.message.id for m in expired] == ["m-T2-1"], "an expired lease returns the message"
    assert expired[0].attempts == 2
    assert not store.ack_outbox(first[1]), "a lost lease cannot acknowledge"
    assert not store.retry_outbox(first[1], not_before=now), "nor postpone"
    later = store.claim_outbox(worker="d", now=now + timedelta(minutes=5), lease=lease)
    assert [m.message.id for m in later] == ["m-T2-1", "m-T3-1"], later
    assert [m.attempts for m in later] == [3, 2], later
    assert later[1].message.payload == {"ticket_id": "T3", "version": 1}


def _check_concurrent_claims(store: TicketStore) -> None:
    for number in range(1, 41):
        store.commit(_created(number))
    now = _T0 + timedelta(minutes=1)
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
    store.commit(_created(1))
    ticket = store.get("T1")
    later = _T0 + timedelta(hours=4)
    store.commit(Change(ticket=ticket, events=(), expected_version=1, due_at=later))
    assert [(d.ticket_id, d.due_at) for d in store.due(later)] == [("T1", later)]
    assert store.get("T1").version == 1
    assert len(store.journal("T1")) == 1
    try:
        store.commit(Change(ticket=ticket, events=(), expected_version=1, due_at=None))
        store.commit(_comment(ticket, _T0))
        store.commit(Change(ticket=ticket, events=(), expected_version=1, due_at=_T0))
    except ConflictError:
        assert [d.ticket_id for d in store.due(later)] == [], "a refused change wrote nothing"
    else:
        raise AssertionError("an index-only change is guarded by the version too")


def _raises(error: type[Exception], call: Callable[[], object], what: str) -> None:
    try:
        call()
    except error:
        return
    raise AssertionError(f"{what} must raise {error.__name__}")


def _check_refused_changes_write_nothing(store: TicketStore) -> None:
    store.commit(_created(1))
    store.commit(_created(2))
    ticket = store.get("T1")
    renumbered = attrs.evolve(
        _comment(ticket, _T0),
        ticket=attrs.evolve(apply(ticket, _comment(ticket, _T0).events[0]), number=99),
    )
    _raises(InvalidValueError, lambda: store.commit(renumbered), "changing a ticket's number")
    reused = attrs.evolve(_comment(ticket, _T0), outbox=(_message(store.journal("T2")[0]),))
    _raises(InvalidValueError, lambda: store.commit(reused), "reusing an outbox message id")
    taken = attrs.evolve(_created(3), ticket=attrs.evolve(_created(3).ticket, number=2))
    _raises(ConflictError, lambda: store.commit(taken), "creating with a taken number")
    rewritten = attrs.evolve(ticket, subject="rewritten")
    silent = Change(ticket=rewritten, events=(), expected_version=1, due_at=_T0)
    _raises(InvalidValueError, lambda: store.commit(silent), "altering a ticket without events")
    assert store.due(_T0 + timedelta(days=1)) == [], "a refused index-only change wrote nothing"
    for lease in (timedelta(0), timedelta(seconds=-1), 30):

        def claim_with(bad: Any = lease) -> object:  # noqa: ANN401 - deliberately wrong
            return store.claim_outbox(worker="w", now=_T0, lease=bad, limit=1)

        _raises(InvalidValueError, claim_with, f"claim_outbox(lease={lease!r})")
    assert store.get("T1").version == 1, "a refused change wrote nothing"
    assert len(store.journal("T1")) == 1
    _raises(TicketNotFoundError, lambda: store.get("T3"), "a refused creation")
    claimed = store.claim_outbox(worker="w", now=_T0, lease=timedelta(minutes=1), limit=10)
    assert sorted(m.message.id for m in claimed) == ["m-T1-1", "m-T2-1"], claimed
    for bad in (-1, True, 1.5):

        def due(limit: Any = bad) -> object:  # noqa: ANN401 - deliberately wrong types
            return store.due(_T0, limit=limit)

        def claim(limit: Any = bad) -> object:  # noqa: ANN401
            return store.claim_outbox(worker="w", now=_T0, lease=timedelta(1), limit=limit)

        _raises(InvalidValueError, due, f"due(limit={bad!r})")
        _raises(InvalidValueError, claim, f"claim_outbox(limit={bad!r})")


_TARGETED: tuple[Callable[[TicketStore], None], ...] = (
    _check_refused_changes_write_nothing,
    _check_index_only_change,
    _check_conflict_writes_nothing,
    _check_not_found,
    _check_numbers_are_unique,
    _check_paging,
    _check_journal_after_version,
    _check_due_index,
    _check_outbox_leases,
    _check_concurrent_claims,
)


class _StoreComparison(RuleBasedStateMachine):
    make_store: Callable[[], TicketStore]

    def __init__(self) -> None:
        super().__init__()
        self.model = InMemoryTicketStore()
        self.store = type(self).make_store()
        self.now = _T0
        self.leases: list[tuple[LeasedMessage, LeasedMessage]] = []

    def teardown(self) -> None:
        close = getattr(self.store, "close", None)
        if callable(close):
            close()

    def _both(self, call: Callable[[TicketStore], Any]) -> Any:  # noqa: ANN401
        outcomes = []
        for store in (self.model, self.store):
            try:
                outcomes.append(("ok", call(store)))
            except (ConflictError, TicketNotFoundError) as error:
                outcomes.append(("error", type(error).__name__))
        assert outcomes[0] == outcomes[1], f"model {outcomes[0]!r} != store {outcomes[1]!r}"
        return outcomes[1][1]

    def _ids(self) -> list[str]:
        return _all_pages(self.model, TicketQuery(limit=1000))

    @initialize()
    def start(self) -> None:
        self._both(lambda s: s.commit(_created(1)))

    @rule(queue=st.sampled_from((None, *_QUEUES)), minutes=st.integers(0, 90))
    def create(self, queue: str | None, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        number = len(self._ids()) + 1
        self._both(lambda s: s.commit(_created(number, queue=queue, at=self.now)))

    @rule(data=st.data(), stale=st.booleans(), due=st.none() | st.integers(0, 600))
    def change(self, data: st.DataObject, stale: bool, due: int | None) -> None:
        ticket = self.model.get(data.draw(st.sampled_from(self._ids())))
        if stale and ticket.version > 1:
            # Decide on the previous version, as a writer that read before the last commit.
            ticket = replay(list(self.model.journal(ticket.id))[:-1])
        self.now += timedelta(minutes=1)
        kind = data.draw(st.sampled_from(("move", "assign", "fields", "comment")))
        event: TicketEvent
        if kind == "move" and DEFAULT_WORKFLOW.edges[ticket.status]:
            target = data.draw(st.sampled_from(sorted(DEFAULT_WORKFLOW.edges[ticket.status])))
            after, event = transition(ticket, target, actor=_BOB, at=self.now)
        else:
            common = header(ticket.id, ticket.version + 1, self.now, _BOB)
            if kind == "assign":
                event = TicketAssigned(
                    **common,
                    queue=data.draw(st.sampled_from(_QUEUES)),
                    assignee=data.draw(st.sampled_from((None, "ann"))),
                )
            elif kind == "fields":
                carrier = data.draw(st.sampled_from((None, *_CARRIERS)))
                event = FieldsChanged(**common, changes={"carrier": carrier})
            else:
                event = CommentAdded(**common, comment_id="c", body="b", public=True)
            after = apply(ticket, event)
        due_at = None if due is None else _T0 + timedelta(minutes=due)
        change = Change(
            ticket=after,
            events=(event,),
            expected_version=ticket.version,
            outbox=(_message(event),),
            due_at=due_at,
        )
        self._both(lambda s: s.commit(change))

    @rule(data=st.data())
    def read(self, data: st.DataObject) -> None:
        ticket_id = data.draw(st.sampled_from([*self._ids(), "missing"]))
        after = data.draw(st.integers(0, 4))
        self._both(lambda s: s.get(ticket_id))
        self._both(lambda s: list(s.journal(ticket_id, after_version=after)))

    @rule(number=st.integers(0, 30))
    def read_by_number(self, number: int) -> None:
        self._both(lambda s: s.get_by_number(number))

    @rule(
        status=st.none() | st.sampled_from(list(TicketStatus)),
        queue=st.none() | st.sampled_from(_QUEUES),
        assignee=st.none() | st.just("ann"),
        carrier=st.none() | st.sampled_from(_CARRIERS),
        limit=st.integers(1, 5),
    )
    def query(
        self,
        status: str | None,
        queue: str | None,
        assignee: str | None,
        carrier: FieldValue | None,
        limit: int,
    ) -> None:
        fields = {} if carrier is None else {"carrier": carrier}
        query = TicketQuery(
            status=status, queue=queue, assignee=assignee, fields=fields, limit=limit
        )
        self._both(lambda s: _all_pages(s, query))
        self._both(lambda s: s.query(query))

    @rule(minutes=st.integers(0, 700), limit=st.integers(1, 5))
    def due(self, minutes: int, limit: int) -> None:
        self._both(lambda s: list(s.due(_T0 + timedelta(minutes=minutes), limit=limit)))

    @rule(limit=st.integers(1, 4), advance=st.integers(0, 120))
    def claim(self, limit: int, advance: int) -> None:
        self.now += timedelta(seconds=advance)
        lease = timedelta(seconds=60)
        mine = self.model.claim_outbox(worker="m", now=self.now, lease=lease, limit=limit)
        theirs = self.store.claim_outbox(worker="s", now=self.now, lease=lease, limit=limit)
        summary = [(m.message, m.attempts, m.lease_until) for m in mine]
        assert summary == [(m.message, m.attempts, m.lease_until) for m in theirs], (
            f"model claimed {summary!r}, store claimed {theirs!r}"
        )
        self.leases.extend(zip(mine, theirs, strict=True))

    @precondition(lambda self: bool(self.leases))
    @rule(data=st.data(), ack=st.booleans(), delay=st.integers(0, 300))
    def settle(self, data: st.DataObject, ack: bool, delay: int) -> None:
        mine, theirs = self.leases.pop(data.draw(st.integers(0, len(self.leases) - 1)))
        if ack:
            assert self.model.ack_outbox(mine) == self.store.ack_outbox(theirs)
        else:
            later = self.now + timedelta(seconds=delay)
            assert self.model.retry_outbox(mine, not_before=later) == self.store.retry_outbox(
                theirs, not_before=later
            )

    @invariant()
    def snapshots_and_journals_agree(self) -> None:
        for ticket_id in self._ids():
            assert self.store.get(ticket_id) == self.model.get(ticket_id)
            assert list(self.store.journal(ticket_id)) == list(self.model.journal(ticket_id))


def check_ticket_store(
    make_store: Callable[[], TicketStore], *, max_examples: int | None = None
) -> None:
    """Prove that a :class:`~ticketflow.storage.TicketStore` implementation behaves correctly.

    Runs targeted checks (a stale version writes nothing, unknown ids, unique numbers, paging,
    ``journal(after_version=...)``, the due index, outbox leases and their expiry, two threads
    claiming at once) and then a hypothesis state machine that applies random commits, reads,
    queries, due queries and outbox claims to the store under test and to
    :class:`~ticketflow.storage.InMemoryTicketStore`, asserting that they answer alike.

    Args:
        make_store: Returns a new, empty store each time it is called. If the store has a
            ``close()`` method it is called when a check is done with it.
        max_examples: How many state-machine runs (default: the active hypothesis profile's).

    Raises:
        AssertionError: The store misbehaved; the message says how.

    .. versionadded:: 0.1
    """
    for check in _TARGETED:
        with _fresh(make_store) as store:
            try:
                check(store)
            except AssertionError as error:
                raise AssertionError(
                    f"{check.__name__.removeprefix('_check_')}: {error}"
                ) from error
    machine = type("StoreComparison", (_StoreComparison,), {"make_store": staticmethod(make_store)})
    current = settings()
    run_state_machine_as_test(
        machine,
        settings=settings(
            current,
            max_examples=current.max_examples if max_examples is None else max_examples,
            stateful_step_count=30,
            deadline=None,
        ),
    )
