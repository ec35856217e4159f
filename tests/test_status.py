from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketflow import (
    DEFAULT_WORKFLOW,
    TICKET_EDGES,
    Actor,
    NewTicket,
    Requester,
    Ticket,
    TicketStatus,
    transition,
)
from ticketflow._workflow import _DEFAULT_REOPEN, _guard
from ticketflow.exceptions import InvalidTransitionError, TicketflowError

S = TicketStatus
PUBLISHED = {
    (S.NEW, S.TRIAGED),
    (S.TRIAGED, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.PENDING_CUSTOMER),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.PENDING_CUSTOMER, S.IN_PROGRESS),
    (S.PENDING_CUSTOMER, S.RESOLVED),
    (S.RESOLVED, S.CLOSED),
    (S.RESOLVED, S.IN_PROGRESS),
}
AT = datetime(2026, 3, 2, 10, tzinfo=UTC)
ALL_PAIRS = list(itertools.product(TicketStatus, repeat=2))


def ticket_in(status: TicketStatus) -> Ticket:
    ticket, _ = DEFAULT_WORKFLOW.create(
        NewTicket(subject="Parcel 42 late", requester=Requester("alice@example.com")),
        id="T-1",
        number=1,
        actor=Actor.customer("alice@example.com"),
        at=AT,
    )
    return attrs.evolve(ticket, status=status)


def test_statuses_are_exactly_the_six_of_the_lifecycle() -> None:
    assert [s.value for s in TicketStatus] == [
        "new",
        "triaged",
        "in_progress",
        "pending_customer",
        "resolved",
        "closed",
    ]


def test_edge_table_is_exactly_the_published_table() -> None:
    assert {(s, t) for s, ts in TICKET_EDGES.items() for t in ts} == PUBLISHED
    assert set(TICKET_EDGES) == set(TicketStatus)
    assert TICKET_EDGES[S.CLOSED] == frozenset()


def test_edge_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        TICKET_EDGES[S.CLOSED] = frozenset({S.NEW})  # type: ignore[index]


def test_all_36_pairs_are_covered() -> None:
    assert len(ALL_PAIRS) == 36
    assert len([p for p in ALL_PAIRS if p not in PUBLISHED]) == 36 - len(PUBLISHED)


@pytest.mark.parametrize(("source", "target"), sorted(PUBLISHED))
def test_published_edge_is_accepted(source: TicketStatus, target: TicketStatus) -> None:
    ticket = ticket_in(source)
    moved, event = transition(ticket, target, actor=Actor.agent("bob"), at=AT)
    assert moved.status is target
    assert moved.version == ticket.version + 1
    assert (event.source, event.target, event.version) == (source, target, moved.version)
    assert ticket.status is source


@pytest.mark.parametrize(
    ("source", "target"), [p for p in ALL_PAIRS if p not in PUBLISHED], ids=str
)
def test_every_other_pair_is_refused_with_invalid_transition(
    source: TicketStatus, target: TicketStatus
) -> None:
    ticket = ticket_in(source)
    before = attrs.asdict(ticket, recurse=False)
    with pytest.raises(InvalidTransitionError) as caught:
        transition(ticket, target, actor=Actor.agent("bob"), at=AT)
    error = caught.value
    assert error.code == "invalid_transition"
    assert (error.ticket_id, error.source, error.target) == ("T-1", source, target)
    assert isinstance(error, TicketflowError)
    assert isinstance(error, ValueError)
    assert attrs.asdict(ticket, recurse=False) == before


def test_unknown_target_is_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransitionError):
        transition(ticket_in(S.NEW), "archived", actor=Actor.agent("bob"), at=AT)


def test_reopen_counts_reopens() -> None:
    moved, _ = transition(ticket_in(S.RESOLVED), S.IN_PROGRESS, actor=Actor.agent("b"), at=AT)
    assert moved.reopen_count == 1


def test_transition_accepts_plain_strings_and_records_the_enum() -> None:
    moved, event = transition(ticket_in(S.NEW), "triaged", actor=Actor.agent("b"), at=AT)
    assert moved.status is S.TRIAGED
    assert event.target is S.TRIAGED


# transition() takes a fast path when given exactly the types the Desk gives; everything else
# goes through the checked guard. The two must be indistinguishable.
_TARGETS = st.one_of(
    st.sampled_from(TicketStatus),
    st.sampled_from([s.value for s in TicketStatus]),
    st.text(max_size=12),
    st.none(),
    st.integers(),
)
_INSTANTS = st.one_of(
    st.just(AT),
    st.just(AT.astimezone(timezone(timedelta(hours=5)))),
    st.just(AT.replace(tzinfo=None)),
    st.just(datetime(2025, 1, 1, tzinfo=UTC)),  # before the ticket was updated
    st.just("2026-03-02T10:00:00+00:00"),
)
_ACTORS = st.one_of(
    st.sampled_from([Actor.agent("bob"), Actor.customer("alice@example.com")]),
    st.just("bob"),
)
_REASONS = st.one_of(st.none(), st.text(max_size=5), st.integers())


def _outcome(call: Callable[[], object]) -> object:
    try:
        return call()
    except Exception as error:  # noqa: BLE001 - compared: type and message
        return (type(error), str(error))


@given(
    source=st.sampled_from(TicketStatus),
    target=_TARGETS,
    actor=_ACTORS,
    at=_INSTANTS,
    reason=_REASONS,
)
def test_the_fast_path_answers_as_the_checked_guard(
    source: TicketStatus, target: object, actor: object, at: object, reason: object
) -> None:
    ticket = ticket_in(source)
    fast = _outcome(
        lambda: transition(ticket, target, actor=actor, at=at, reason=reason)  # type: ignore[arg-type]
    )
    checked = _outcome(lambda: _guard(ticket, target, actor, at, reason, None, _DEFAULT_REOPEN))
    assert fast == checked
    if isinstance(fast, tuple) and isinstance(fast[0], Ticket):
        moved, event = fast
        assert event.reopen is ((source, moved.status) == (S.RESOLVED, S.IN_PROGRESS))
        assert moved.reopen_count == ticket.reopen_count + event.reopen
