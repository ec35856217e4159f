"""Every store method answers any argument with a value or a TicketflowError, the same in
both shipped stores: a wrong type is an InvalidValueError naming the argument, a well-typed
key no ticket can have is not found."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from _side_by_side import (
    AT,
    LEASE,
    created,
    lease_for,
    outcome,
    populate,
    store_pair,
    values_of_every_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ticketflow.exceptions import InvalidValueError, NaiveDatetimeError, TicketNotFoundError
from ticketflow.storage import (
    DueClaims,
    InMemoryTicketStore,
    SQLiteTicketStore,
    TicketQuery,
    TicketStore,
)

Pair = tuple[InMemoryTicketStore, SQLiteTicketStore]
BEHIND_UTC = timezone(-timedelta(hours=5))
Call = Callable[[TicketStore, list[Any]], object]


@pytest.fixture
def pair() -> Iterator[Pair]:
    with store_pair() as stores:
        for store in stores:
            populate(store)
        yield stores


CALLS: dict[str, Call] = {
    "get": lambda store, a: store.get(a[0]),
    "get_by_number": lambda store, a: store.get_by_number(a[0]),
    "journal": lambda store, a: store.journal(a[0], after_version=a[1]),
    "query": lambda store, a: store.query(a[0]),
    "query_built": lambda store, a: store.query(
        TicketQuery(status=a[0], queue=a[1], assignee=a[2], fields=a[3], after=a[4], limit=a[5])
    ),
    "due": lambda store, a: store.due(a[0], limit=a[1]),
    "claim_outbox": lambda store, a: store.claim_outbox(
        worker=a[0], now=a[1], lease=a[2], limit=a[3]
    ),
    "claim_due": lambda store, a: cast("DueClaims", store).claim_due(
        a[0], worker=a[1], lease=a[2], limit=a[3]
    ),
    "ack_outbox": lambda store, a: store.ack_outbox(a[0]),
    "retry_outbox": lambda store, a: store.retry_outbox(a[0], not_before=a[1]),
    "commit": lambda store, a: store.commit(a[0]),
}

# Well-typed arguments for each method. Each position takes one of these half the time, so
# that a hostile value in one position is often the only one, and reaches the store.
GOOD: dict[str, tuple[object, ...]] = {
    "get": ("T1",),
    "get_by_number": (1,),
    "journal": ("T1", 0),
    "query": (TicketQuery(),),
    "query_built": (None, "l1", None, {}, None, 2),
    "due": (AT + timedelta(hours=2), 10),
    "claim_outbox": ("w", AT, LEASE, 2),
    "claim_due": (AT + timedelta(hours=2), "w", LEASE, 2),
    "ack_outbox": (lease_for("m1"),),
    "retry_outbox": (lease_for("m2"), AT),
    "commit": (created(4),),
}


@pytest.mark.parametrize("method", CALLS)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_arguments_get_the_same_value_or_ticketflow_error_from_both_stores(
    pair: Pair, method: str, data: st.DataObject
) -> None:
    arguments = [data.draw(st.just(good) | values_of_every_type()) for good in GOOD[method]]
    memory, sqlite = pair
    call = CALLS[method]
    assert outcome(lambda: call(memory, arguments)) == outcome(lambda: call(sqlite, arguments))
    assert _contents(memory) == _contents(sqlite), "the call changed the stores differently"


def _contents(store: TicketStore) -> object:
    tickets = store.query(TicketQuery(limit=1000)).tickets
    return (
        tickets,
        [tuple(store.journal(ticket.id)) for ticket in tickets],
        tuple(store.due(datetime.max.replace(tzinfo=UTC))),
    )


# -- the rule, by example --------------------------------------------------------------------


def query(**criteria: Any) -> Callable[[], TicketQuery]:
    return lambda: TicketQuery(**criteria)


# (the argument named in the error, the method, its positional and keyword arguments)
WRONG_TYPES: list[tuple[str, str, tuple[object, ...], dict[str, object]]] = [
    ("ticket_id", "get", (5,), {}),
    ("ticket_id", "get", (b"T1",), {}),
    ("ticket_id", "journal", (None,), {}),
    ("number", "get_by_number", (1.0,), {}),
    ("number", "get_by_number", (True,), {}),
    ("number", "get_by_number", ("1",), {}),
    ("after_version", "journal", ("T1",), {"after_version": 0.5}),
    ("query", "query", ({"queue": "l1"},), {}),
    ("status", "query", (query(status=5),), {}),
    ("fields", "query", (query(fields="x=1"),), {}),
    ("fields", "query", (query(fields={10**5000: 1}),), {}),
    ("fields.n", "query", (query(fields={"n": [-(10**5000)]}),), {}),
    ("after", "query", (query(after=True),), {}),
    ("limit", "query", (query(limit="5"),), {}),
    ("at_or_before", "due", ("2026-03-02",), {}),
    ("limit", "due", (AT,), {"limit": None}),
    ("worker", "claim_outbox", (), {"worker": 7, "now": AT, "lease": LEASE}),
    ("now", "claim_outbox", (), {"worker": "w", "now": 0, "lease": LEASE}),
    ("lease", "claim_outbox", (), {"worker": "w", "now": AT, "lease": 30}),
    ("worker", "claim_due", ("soon",), {"worker": 7, "lease": 30}),
    ("at_or_before", "claim_due", ("soon",), {"worker": "w", "lease": 30}),
    ("lease", "claim_due", (AT,), {"worker": "w", "lease": 30, "limit": -1}),
    ("limit", "claim_due", (AT,), {"worker": "w", "lease": LEASE, "limit": -1}),
    ("leased", "ack_outbox", ("m1",), {}),
    ("leased", "retry_outbox", (None,), {"not_before": AT}),
    ("change", "commit", (created(9).ticket,), {}),
]


@pytest.mark.parametrize(("field", "method", "args", "kwargs"), WRONG_TYPES)
def test_an_argument_of_the_wrong_type_is_an_invalid_value_naming_it(
    pair: Pair, field: str, method: str, args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    for store in pair:
        # A query is built inside the call, so that its own refusal counts too.
        with pytest.raises(InvalidValueError) as caught:
            getattr(store, method)(*[arg() if callable(arg) else arg for arg in args], **kwargs)
        assert caught.value.field == field


UNREACHABLE_KEYS: list[Call] = [
    lambda store, _: store.get("\ud800"),
    lambda store, _: store.get("T1\udcff"),
    lambda store, _: store.journal("\ud800"),
    lambda store, _: store.get_by_number(2**70),
    lambda store, _: store.get_by_number(-(2**63) - 1),
    lambda store, _: store.get_by_number(10**5000),
]


@pytest.mark.parametrize("call", UNREACHABLE_KEYS)
def test_a_key_no_ticket_can_have_is_not_found(pair: Pair, call: Call) -> None:
    for store in pair:
        with pytest.raises(TicketNotFoundError):
            call(store, [])


@pytest.mark.parametrize(
    "query",
    [
        TicketQuery(queue="\ud800"),
        TicketQuery(status="new\udc80"),
        TicketQuery(assignee="\udfff"),
        TicketQuery(after=2**70),
    ],
    ids=["queue", "status", "assignee", "cursor"],
)
def test_a_query_no_ticket_can_meet_finds_nothing(pair: Pair, query: TicketQuery) -> None:
    for store in pair:
        page = store.query(query)
        assert (page.tickets, page.next_cursor) == ((), None)


@pytest.mark.parametrize("fields", [{"\ud800": 1}, {"n": 2**63}, {"n": 10**5000}])
def test_a_field_filter_no_field_can_hold_is_refused_when_built(fields: object) -> None:
    with pytest.raises(InvalidValueError):
        TicketQuery(fields=fields)  # type: ignore[arg-type]


def test_a_query_may_say_none_for_no_field_criteria(pair: Pair) -> None:
    for store in pair:
        page = store.query(TicketQuery(fields=None))
        assert [t.id for t in page.tickets] == ["T1", "T2", "T3"]


@pytest.mark.parametrize("after", [-(2**70), -1, 0])
def test_a_cursor_before_every_number_starts_at_the_first_ticket(pair: Pair, after: int) -> None:
    for store in pair:
        assert [t.id for t in store.query(TicketQuery(after=after)).tickets] == ["T1", "T2", "T3"]


@pytest.mark.parametrize("after_version", [2**70, 10**400])
def test_a_journal_after_a_huge_version_is_empty(pair: Pair, after_version: int) -> None:
    for store in pair:
        assert list(store.journal("T1", after_version=after_version)) == []


def test_a_journal_after_a_very_negative_version_is_whole(pair: Pair) -> None:
    for store in pair:
        assert [e.version for e in store.journal("T1", after_version=-(2**70))] == [1]


def test_a_huge_limit_is_no_limit(pair: Pair) -> None:
    for store in pair:
        assert [d.ticket_id for d in store.due(AT + timedelta(days=1), limit=2**70)] == [
            "T1",
            "T2",
            "T3",
        ]
        claimed = store.claim_outbox(worker="w", now=AT, lease=LEASE, limit=10**400)
        assert [m.message.id for m in claimed] == ["m1", "m2", "m3"]


def test_a_naive_instant_is_refused_the_same_by_both_stores(pair: Pair) -> None:
    for store in pair:
        with pytest.raises(NaiveDatetimeError) as caught:
            store.due(AT.replace(tzinfo=None))
        assert caught.value.field == "at_or_before"


@pytest.mark.parametrize(
    ("field", "call"),
    [
        ("at_or_before", lambda store, _: store.due(datetime.max.replace(tzinfo=BEHIND_UTC))),
        ("lease", lambda store, _: store.claim_outbox(worker="w", now=AT, lease=timedelta.max)),
    ],
    ids=["instant", "lease"],
)
def test_an_instant_beyond_the_calendar_is_an_invalid_value(
    pair: Pair, field: str, call: Call
) -> None:
    for store in pair:
        with pytest.raises(InvalidValueError) as caught:
            call(store, [])
        assert caught.value.field == field


@pytest.mark.parametrize(
    "worker", ["", " ", "w\n", "w\ud800"], ids=["empty", "blank", "newline", "surrogate"]
)
def test_a_worker_name_must_be_usable_as_a_key(pair: Pair, worker: str) -> None:
    for store in pair:
        with pytest.raises(InvalidValueError) as caught:
            store.claim_outbox(worker=worker, now=AT, lease=LEASE)
        assert caught.value.field == "worker"


def test_claim_checks_its_arguments_in_order(pair: Pair) -> None:
    for store in pair:
        nothing: Any = None
        with pytest.raises(InvalidValueError) as caught:
            store.claim_outbox(worker="", now=nothing, lease=nothing, limit=nothing)
        assert caught.value.field == "worker"


def test_retry_checks_not_before_even_when_the_lease_is_lost(pair: Pair) -> None:
    for store in pair:
        [leased] = store.claim_outbox(worker="w", now=AT, lease=LEASE, limit=1)
        assert store.ack_outbox(leased)
        with pytest.raises(NaiveDatetimeError):
            store.retry_outbox(leased, not_before=AT.replace(tzinfo=None))
