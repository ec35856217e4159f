"""Both shipped stores side by side, and values of every type to throw at them."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import attrs
from hypothesis import strategies as st

from ticketflow import DEFAULT_WORKFLOW, Actor, NewTicket, Requester
from ticketflow.exceptions import TicketflowError
from ticketflow.storage import (
    Change,
    InMemoryTicketStore,
    LeasedMessage,
    OutboxMessage,
    Page,
    SQLiteTicketStore,
    TicketQuery,
    TicketStore,
)

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
LEASE = timedelta(seconds=30)

Outcome = tuple[object, ...]


@contextmanager
def store_pair() -> Iterator[tuple[InMemoryTicketStore, SQLiteTicketStore]]:
    """Yield a fresh in-memory store and a fresh SQLite store, both empty."""
    with (
        tempfile.TemporaryDirectory() as directory,
        SQLiteTicketStore(Path(directory) / "desk.sqlite3") as sqlite,
    ):
        yield InMemoryTicketStore(), sqlite


def created(number: int, *, outbox: Sequence[OutboxMessage] = (), due: bool = True) -> Change:
    """The change that creates ticket ``T<number>``, due an hour after ``AT`` per number."""
    ticket, event = DEFAULT_WORKFLOW.create(
        NewTicket(subject=f"ticket {number}", requester=Requester("a@example.com"), queue="l1"),
        id=f"T{number}",
        number=number,
        actor=Actor.agent("bob"),
        at=AT,
    )
    return Change(
        ticket=ticket,
        events=(event,),
        expected_version=0,
        outbox=outbox,
        due_at=AT + timedelta(hours=number) if due else None,
    )


def message(message_id: str, *, at: datetime = AT) -> OutboxMessage:
    """A plain outbox message about ``T1``."""
    return OutboxMessage(
        id=message_id, topic="ticket.created", payload={"n": 1}, ticket_id="T1", created_at=at
    )


def lease_for(message_id: str, token: str = "w:0000") -> LeasedMessage:  # noqa: S107
    """A well-typed lease on ``message_id`` that no store handed out."""
    return LeasedMessage(
        message=message(message_id), lease_token=token, lease_until=AT + LEASE, attempts=1
    )


def populate(store: TicketStore) -> None:
    """Write the same three tickets, each with an outbox message, to ``store``."""
    for number in (1, 2, 3):
        store.commit(created(number, outbox=[message(f"m{number}")]))


def outcome(call: Callable[[], object]) -> Outcome:
    """Return what ``call`` answered, comparable across stores.

    A ticketflow error becomes its type and the attributes that say what and where; any
    other exception is not caught, so the test fails on it with its traceback.
    """
    try:
        value = call()
    except TicketflowError as error:
        return ("raised", type(error).__name__, repr(getattr(error, "field", None)), repr(error))
    return ("returned", comparable(value))


def comparable(value: object) -> object:
    """Return ``value`` without what legitimately differs between stores (lease tokens)."""
    if isinstance(value, LeasedMessage):
        worker = value.lease_token.rpartition(":")[0]
        return (value.message, worker, value.lease_until, value.attempts)
    if isinstance(value, list | tuple):
        return tuple(comparable(item) for item in value)
    if isinstance(value, Page):
        return attrs.astuple(value, recurse=False)
    return value


# -- values of every type --------------------------------------------------------------------

_surrogates = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1)
_texts = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=12),
    st.tuples(st.sampled_from(["T1", "m1", "w"]), _surrogates).map("".join),
    st.sampled_from(["T1", "T2", "m1", "l1", "new", "w", "", " ", "T1\n", "T\x001", "\ud800"]),
)
_offsets = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23))
_instants = st.one_of(
    st.datetimes(),
    st.builds(datetime.replace, st.datetimes(), tzinfo=st.builds(timezone, _offsets)),
    st.sampled_from(
        [
            AT,
            AT + timedelta(hours=2),
            datetime.max.replace(tzinfo=timezone(timedelta(hours=-5))),
            datetime.min.replace(tzinfo=timezone(timedelta(hours=5))),
            datetime.max.replace(tzinfo=UTC),
        ]
    ),
)
_durations = st.one_of(
    st.timedeltas(),
    st.sampled_from([timedelta.max, timedelta.min, timedelta(0), LEASE, -LEASE]),
)
_numbers = st.one_of(
    st.integers(),
    st.sampled_from([1, 2, 3, 0, -1, 2**63 - 1, 2**63, -(2**63) - 1, 2**70, 10**400]),
    # Too long to print: built on demand, so that no strategy has to show it.
    st.builds(lambda: -(10**5000)),
    st.floats(),
    st.sampled_from([1.0, float("nan"), float("inf"), -0.0]),
)


@st.composite
def _domain_values(draw: st.DrawFn) -> object:
    # Values of the right type, so that the calls also get past the type checks.
    kind = draw(st.sampled_from(["query", "leased", "change", "message", "ticket"]))
    if kind == "query":
        return TicketQuery(queue=draw(st.none() | _texts), after=draw(st.none() | st.integers()))
    if kind == "leased":
        return lease_for(
            draw(st.sampled_from(["m1", "m2", "m9"])), draw(st.sampled_from(["w:0000", "w"]))
        )
    if kind == "change":
        return created(draw(st.integers(1, 5)))
    if kind == "message":
        return message("m1")
    return created(1).ticket


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    _numbers,
    _texts,
    st.binary(max_size=4),
    st.just(bytearray(b"T1")),
    _instants,
    _durations,
    st.dates(),
    st.just(date(2026, 3, 2)),
    st.builds(object),
    _domain_values(),
)


def values_of_every_type() -> st.SearchStrategy[object]:
    """None, bools, huge ints, floats with NaN, text with lone surrogates, bytes, naive and
    aware datetimes (some at the ends of the calendar), timedeltas, lists, dicts, tuples, and
    a few well-typed ticketflow values."""
    return st.recursive(
        _scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.tuples(inner, inner)
            | st.dictionaries(_texts, inner, max_size=3)
        ),
        max_leaves=4,
    )
