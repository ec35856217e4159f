from __future__ import annotations

import itertools
from datetime import UTC, datetime

import attrs
import pytest

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
