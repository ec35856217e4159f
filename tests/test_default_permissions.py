"""Every (role, edge) pair of the default workflow and every (role, command) pair, via a Desk."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from ticketflow import (
    DEFAULT_COMMAND_ROLES,
    DEFAULT_WORKFLOW,
    Actor,
    Desk,
    NewTicket,
    Requester,
    Resolution,
    Role,
    TicketStatus,
)
from ticketflow.exceptions import AccessDeniedError, PermissionDeniedError, TicketNotFoundError
from ticketflow.storage import InMemoryTicketStore
from ticketflow.testing import FrozenClock

S = TicketStatus
EDGES = sorted((s, t) for s, targets in DEFAULT_WORKFLOW.edges.items() for t in targets)
# The shortest way from new to each status, taken by an agent before the edge under test.
PATH = {
    S.NEW: [],
    S.TRIAGED: [S.TRIAGED],
    S.IN_PROGRESS: [S.TRIAGED, S.IN_PROGRESS],
    S.PENDING_CUSTOMER: [S.TRIAGED, S.IN_PROGRESS, S.PENDING_CUSTOMER],
    S.RESOLVED: [S.TRIAGED, S.IN_PROGRESS, S.RESOLVED],
}
STAFF = {Role.AGENT, Role.SUPERVISOR, Role.SYSTEM}
EMAIL = "alice@example.com"


def actor_of(role: Role) -> Actor:
    return Actor(role, EMAIL if role is Role.CUSTOMER else f"{role.value}-1")


def desk_at(status: TicketStatus) -> tuple[Desk, str]:
    counter = itertools.count(1)
    desk = Desk(InMemoryTicketStore(), clock=FrozenClock(), ids=lambda: f"id{next(counter)}")
    # Internal work: closing external work needs the customer's confirmation (tested with the
    # resolution rules), and this is about who may take each edge.
    ticket = desk.submit(
        NewTicket(subject="s", requester=Requester(EMAIL, external=False)),
        actor=actor_of(Role.CUSTOMER),
    )
    for step in PATH[status]:
        take(desk, ticket.id, step, Actor.agent("bob"))
    return desk, ticket.id


def take(desk: Desk, ticket_id: str, target: str, actor: Actor) -> object:
    """Take an edge; into resolved, with a resolution (the definition of done asks for one)."""
    if target == S.RESOLVED and actor.role in STAFF:
        return desk.resolve(ticket_id, Resolution(code="fixed", summary="done"), actor=actor)
    return desk.transition(ticket_id, target, actor=actor)


def test_the_edges_are_the_published_table() -> None:
    assert len(EDGES) == 8


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("edge", EDGES, ids=lambda e: f"{e[0]}->{e[1]}")
def test_staff_take_every_edge_and_customers_and_ai_none(
    role: Role, edge: tuple[TicketStatus, TicketStatus]
) -> None:
    source, target = edge
    desk, ticket_id = desk_at(source)
    before = desk.get(ticket_id)
    if role in STAFF:
        assert take(desk, ticket_id, target, actor_of(role)).status == target  # type: ignore[attr-defined]
        return
    with pytest.raises(PermissionDeniedError) as caught:
        desk.transition(ticket_id, target, actor=actor_of(role))
    assert isinstance(caught.value, AccessDeniedError)
    assert (caught.value.code, caught.value.role) == ("permission_denied", role.value)
    assert desk.get(ticket_id) == before, "a refusal writes nothing"


Command = Callable[[Desk, str, Actor], object]

COMMANDS: dict[str, Command] = {
    "assign": lambda desk, tid, actor: desk.assign(tid, queue="l2", actor=actor),
    "comment": lambda desk, tid, actor: desk.comment(tid, "hello", actor=actor),
    "set_fields": lambda desk, tid, actor: desk.set_fields(tid, {"carrier": "A"}, actor=actor),
    "categorize": lambda desk, tid, actor: desk.categorize(tid, "delivery", actor=actor),
    "prioritize": lambda desk, tid, actor: desk.prioritize(tid, "P2", actor=actor),
    "tag": lambda desk, tid, actor: desk.tag(tid, add={"x"}, actor=actor),
    "link": lambda desk, tid, actor: desk.link(tid, "follow_up_of", "id1", actor=actor),
}


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_follows_the_role_table(role: Role, command: str) -> None:
    desk, ticket_id = desk_at(S.IN_PROGRESS)
    other = desk.submit(NewTicket(subject="t", requester=Requester(EMAIL)), actor=Actor.agent("b"))
    run = COMMANDS[command]
    if role in DEFAULT_COMMAND_ROLES[command]:
        run(desk, other.id if command == "link" else ticket_id, actor_of(role))
        return
    before = desk.get(ticket_id)
    with pytest.raises(AccessDeniedError) as caught:
        run(desk, ticket_id, actor_of(role))
    assert caught.value.code == "access_denied"
    assert desk.get(ticket_id) == before


def test_a_customer_on_someone_elses_ticket_reads_as_not_found() -> None:
    desk, ticket_id = desk_at(S.IN_PROGRESS)
    mallory = Actor.customer("mallory@example.com")
    errors = []
    for key in (ticket_id, "never-issued"):
        with pytest.raises(TicketNotFoundError) as caught:
            desk.comment(key, "hi", actor=mallory)
        errors.append(type(caught.value))
    assert errors[0] is errors[1]


@pytest.mark.parametrize(
    ("owner", "other"),
    [
        ("strasse@x.example", "straße@x.example"),
        ("kay@x.example", "\u212aay@x.example"),  # the Kelvin sign
        ("off@x.example", "o\ufb00@x.example"),  # the ligature ff
        ("i@x.example", "\u0130@x.example"),  # dotted capital I
    ],
)
def test_confusable_addresses_are_other_mailboxes(owner: str, other: str) -> None:
    desk = Desk(InMemoryTicketStore(), clock=FrozenClock())
    ticket = desk.submit(
        NewTicket(subject="s", requester=Requester(owner)), actor=Actor.customer(owner)
    )
    with pytest.raises(TicketNotFoundError):
        desk.view(ticket.id, Actor.customer(other))
    with pytest.raises(TicketNotFoundError):
        desk.comment(ticket.id, "mine now", actor=Actor.customer(other))
    assert desk.view(ticket.id, Actor.customer(owner.upper())).ticket.id == ticket.id


def test_the_domain_compares_in_its_idna_form() -> None:
    desk = Desk(InMemoryTicketStore(), clock=FrozenClock())
    owner = "anna@bücher.example"
    ticket = desk.submit(
        NewTicket(subject="s", requester=Requester(owner)), actor=Actor.customer(owner)
    )
    assert desk.view(ticket.id, Actor.customer("Anna@XN--BCHER-KVA.example")).ticket.id == ticket.id
    with pytest.raises(TicketNotFoundError):
        desk.view(ticket.id, Actor.customer("ANNA@bücher.example".replace("A", "Ä", 1)))
