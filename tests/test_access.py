"""Who may do what: every edge of the default workflow and every Desk command, for every role.

Customers act only on their own tickets; someone else's ticket reads exactly as an unknown id,
and mailboxes are compared exactly (no Unicode folding), so a confusable address is another
customer.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

import pytest

from ticketflow import (
    DEFAULT_COMMAND_ROLES,
    DEFAULT_WORKFLOW,
    STAFF,
    AccessDeniedError,
    Actor,
    Desk,
    NewTicket,
    PermissionDeniedError,
    Requester,
    Resolution,
    Role,
    Ticket,
    TicketCreated,
    TicketflowError,
    TicketKind,
    TicketNotFoundError,
    TicketStatus,
    same_mailbox,
)
from ticketflow.storage import Change, InMemoryTicketStore, TicketQuery
from ticketflow.testing import FrozenClock

T0: Final = datetime(2026, 1, 5, 9, tzinfo=UTC)
ALICE: Final = "alice@example.com"
EDGES: Final = sorted(
    (source, target) for source, targets in DEFAULT_WORKFLOW.edges.items() for target in targets
)
ROLES: Final = sorted(Role)
# Spelled out rather than read from ticketflow.STAFF: a test that read it would follow a change.
STAFF_ROLES: Final = frozenset({Role.AGENT, Role.SUPERVISOR, Role.SYSTEM})
EVERYONE: Final = frozenset(Role)


def actor_of(role: Role, email: str = ALICE) -> Actor:
    """An actor in ``role``; a customer is the requester ``email``."""
    return Actor(role, email if role is Role.CUSTOMER else f"{role.value}-1")


@pytest.fixture
def desk() -> Desk:
    counter = itertools.count(1)
    return Desk(InMemoryTicketStore(), clock=FrozenClock(T0), ids=lambda: f"id{next(counter)}")


def submit(desk: Desk, email: str = ALICE, **fields: object) -> Ticket:
    draft = NewTicket(subject="Parcel late", requester=Requester(email), **fields)  # type: ignore[arg-type]
    return desk.submit(draft, actor=Actor.agent("intake"))


def stored_at(desk: Desk, status: str) -> Ticket:
    """A ticket of Alice's that stands in ``status`` (written straight to the store)."""
    ticket = Ticket(
        id=f"at-{status}",
        number=desk.store.allocate_number(),
        subject="Parcel late",
        # Internal work: closing external work needs the customer's confirmation (the
        # resolution rules' tests), and these are about who may run what.
        requester=Requester(ALICE, external=False),
        created_at=T0,
        updated_at=T0,
        status=status,
    )
    created = TicketCreated(
        ticket_id=ticket.id, version=1, at=T0, actor=Actor.system(), ticket=ticket
    )
    desk.store.commit(Change(ticket=ticket, events=(created,), expected_version=0))
    return ticket


def unchanged(desk: Desk, ticket: Ticket) -> bool:
    return desk.get(ticket.id) == ticket and len(desk.history(ticket.id)) == ticket.version


def refusal_if_any(call: Callable[[], object]) -> TicketflowError | None:
    try:
        call()
    except TicketflowError as error:
        return error
    return None


def refusal(call: Callable[[], object]) -> TicketflowError:
    with pytest.raises(TicketflowError) as refused:
        call()
    return refused.value


# -- the edges of the default workflow -----------------------------------------------------------


def test_the_default_workflow_has_the_eight_published_edges() -> None:
    assert len(EDGES) == 8
    assert len(ROLES) == 5


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("source", "target"), EDGES)
def test_staff_take_every_edge_and_customers_and_ai_none(
    desk: Desk, role: Role, source: str, target: str
) -> None:
    ticket = stored_at(desk, source)
    actor = actor_of(role)
    if role in STAFF_ROLES:
        if target == "resolved":  # the definition of done asks for a resolution
            moved = desk.resolve(ticket.id, Resolution(code="fixed", summary="done"), actor=actor)
            assert (moved.status, moved.version) == (target, 3)
            return
        moved = desk.transition(ticket.id, target, actor=actor)
        assert (moved.status, moved.version) == (target, 2)
        return
    with pytest.raises(PermissionDeniedError) as refused:
        desk.transition(ticket.id, target, actor=actor)
    error = refused.value
    assert isinstance(error, AccessDeniedError)
    assert error.code == "permission_denied"
    assert (error.ticket_id, error.source, error.target) == (ticket.id, source, target)
    assert error.role == role
    assert set(error.allowed) == STAFF_ROLES
    assert unchanged(desk, ticket)


# -- every Desk command, for every role ----------------------------------------------------------

Command = Callable[[Desk, Ticket, Actor], object]

COMMANDS: Final[dict[str, Command]] = {
    "submit": lambda desk, _, actor: desk.submit(
        NewTicket(subject="Again", requester=Requester(ALICE)), actor=actor
    ),
    "comment": lambda desk, ticket, actor: desk.comment(ticket.id, "Any news?", actor=actor),
    "transition": lambda desk, ticket, actor: desk.transition(
        ticket.id, TicketStatus.TRIAGED, actor=actor
    ),
    "assign": lambda desk, ticket, actor: desk.assign(ticket.id, actor=actor, queue="logistics"),
    "set_fields": lambda desk, ticket, actor: desk.set_fields(
        ticket.id, {"carrier": "ACME"}, actor=actor
    ),
    "categorize": lambda desk, ticket, actor: desk.categorize(ticket.id, "delivery", actor=actor),
    "prioritize": lambda desk, ticket, actor: desk.prioritize(ticket.id, "P1", actor=actor),
    "tag": lambda desk, ticket, actor: desk.tag(ticket.id, actor=actor, add=["vip"]),
    "link": lambda desk, ticket, actor: desk.link(
        ticket.id, "problem", submit(desk, kind=TicketKind.PROBLEM).id, actor=actor
    ),
    # A capability's command the table does not name: staff only.
    "triage": lambda desk, ticket, actor: desk.execute(
        ticket.id, lambda d: d.transition(TicketStatus.TRIAGED), actor=actor, command="triage"
    ),
    "resolve": lambda desk, ticket, actor: desk.resolve(
        ticket.id,
        Resolution(code="fixed", summary="Re-sent")
        if actor.role is not Role.AI
        else Resolution(code="fixed", summary="Re-sent", source="ai", confidence=0.95),
        actor=actor,
    ),
    "review_suggestion": lambda desk, ticket, actor: desk.review_suggestion(
        ticket.id, accept=False, actor=actor
    ),
    "confirm_resolution": lambda desk, ticket, actor: desk.confirm_resolution(
        ticket.id, actor=actor
    ),
    "reject_resolution": lambda desk, ticket, actor: desk.reject_resolution(
        ticket.id, actor=actor, comment="Still late"
    ),
    "reply": lambda desk, ticket, actor: desk.reply(ticket.id, "Any news?", actor=actor),
    "record_csat": lambda desk, ticket, actor: desk.record_csat(
        ticket.id, 5, None, "r1", actor=actor
    ),
}

AGENT: Final = Actor.agent("bob")


def _working(desk: Desk, ticket: Ticket) -> Ticket:
    desk.transition(ticket.id, TicketStatus.TRIAGED, actor=AGENT)
    return desk.transition(ticket.id, TicketStatus.IN_PROGRESS, actor=AGENT)


def _suggested(desk: Desk, ticket: Ticket) -> Ticket:
    _working(desk, ticket)
    ai = Resolution(code="fixed", summary="Re-sent", source="ai", confidence=0.2)
    return desk.resolve(ticket.id, ai, actor=Actor.ai("bot"))


def _resolved(desk: Desk, ticket: Ticket) -> Ticket:
    _working(desk, ticket)
    return desk.resolve(ticket.id, Resolution(code="fixed", summary="Re-sent"), actor=AGENT)


# Where a command needs its ticket in a state first (taken by an agent before the command).
SETUP: Final[dict[str, Callable[[Desk, Ticket], Ticket]]] = {
    "resolve": _working,
    "review_suggestion": _suggested,
    "confirm_resolution": _resolved,
    "reject_resolution": _resolved,
}


def test_the_default_table_lets_customers_and_ai_submit_comment_and_ask_to_move_only() -> None:
    assert dict(DEFAULT_COMMAND_ROLES) == {
        "submit": EVERYONE,
        "comment": EVERYONE,
        "transition": EVERYONE,  # the workflow's edge rule decides who moves
        "assign": STAFF_ROLES,
        "set_fields": STAFF_ROLES,
        "categorize": STAFF_ROLES,
        "prioritize": STAFF_ROLES,
        "tag": STAFF_ROLES,
        "link": STAFF_ROLES,
        "resolve": STAFF_ROLES | {Role.AI},
        "review_suggestion": STAFF_ROLES,
        "confirm_resolution": {Role.CUSTOMER, Role.SYSTEM},
        "reject_resolution": {Role.CUSTOMER, Role.SYSTEM},
        "reply": {Role.CUSTOMER, Role.SYSTEM},
        "record_csat": {Role.CUSTOMER, Role.SYSTEM},
    }
    assert STAFF == STAFF_ROLES
    assert set(DEFAULT_COMMAND_ROLES) == set(COMMANDS) - {"triage"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_runs_exactly_for_the_roles_of_the_default_table(
    desk: Desk, command: str, role: Role
) -> None:
    ticket = submit(desk)  # Alice's: a customer acts on their own ticket here
    setup = SETUP.get(command)
    ticket = ticket if setup is None else setup(desk, ticket)
    actor = actor_of(role)
    allowed = DEFAULT_COMMAND_ROLES.get(command, STAFF_ROLES)
    refused = refusal_if_any(lambda: COMMANDS[command](desk, ticket, actor))
    if refused is None:
        assert role in allowed, f"{role} may not {command} by the table, yet it ran"
    elif isinstance(refused, PermissionDeniedError):
        # The table lets everyone ask for a move; the workflow's edge rule then decides.
        assert command in {"transition", "triage"}
        assert role not in STAFF_ROLES
        assert unchanged(desk, ticket)
    else:
        assert type(refused) is AccessDeniedError, refused
        assert role not in allowed, f"{role} may {command} by the table"
        assert (refused.action, refused.role, refused.code) == (command, role, "access_denied")
        assert set(refused.allowed) == set(allowed)
        assert unchanged(desk, ticket)


def test_a_customer_cannot_submit_for_someone_else(desk: Desk) -> None:
    draft = NewTicket(subject="Parcel late", requester=Requester("bob@example.com"))
    with pytest.raises(AccessDeniedError) as refused:
        desk.submit(draft, actor=Actor.customer(ALICE))
    assert refused.value.action == "submit"
    assert desk.store.query(TicketQuery()).tickets == ()


def test_a_customer_submits_for_their_own_mailbox_in_any_ascii_case(desk: Desk) -> None:
    draft = NewTicket(subject="Parcel late", requester=Requester("Alice@Example.COM"))
    ticket = desk.submit(draft, actor=Actor.customer(ALICE))
    assert desk.view(ticket.id, Actor.customer("ALICE@example.com")).ticket == ticket


# -- someone else's ticket reads as no ticket ----------------------------------------------------

CUSTOMER_READS: Final[dict[str, Callable[[Desk, str, Actor], object]]] = {
    "view": lambda desk, ticket_id, actor: desk.view(ticket_id, actor),
    "comment": lambda desk, ticket_id, actor: desk.comment(ticket_id, "Mine?", actor=actor),
    "transition": lambda desk, ticket_id, actor: desk.transition(
        ticket_id, TicketStatus.TRIAGED, actor=actor
    ),
    "reply": lambda desk, ticket_id, actor: desk.reply(ticket_id, "Mine?", actor=actor),
    "confirm_resolution": lambda desk, ticket_id, actor: desk.confirm_resolution(
        ticket_id, actor=actor
    ),
    "reject_resolution": lambda desk, ticket_id, actor: desk.reject_resolution(
        ticket_id, actor=actor
    ),
    "record_csat": lambda desk, ticket_id, actor: desk.record_csat(
        ticket_id, 1, None, "r1", actor=actor
    ),
}


@pytest.mark.parametrize("command", sorted(CUSTOMER_READS))
def test_someone_elses_ticket_reads_exactly_as_an_unknown_id(desk: Desk, command: str) -> None:
    bobs = submit(desk, "bob@example.com")
    never = "id-never-issued"
    mallory = Actor.customer("mallory@example.com")
    run = CUSTOMER_READS[command]
    other = refusal(lambda: run(desk, bobs.id, mallory))
    unknown = refusal(lambda: run(desk, never, mallory))
    assert type(other) is type(unknown) is TicketNotFoundError
    assert str(other).replace(bobs.id, never) == str(unknown)
    assert (other.key, unknown.key) == (bobs.id, never)
    assert unchanged(desk, bobs)


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - {"submit", *CUSTOMER_READS}))
def test_a_command_customers_may_not_run_is_refused_alike_on_any_ticket(
    desk: Desk, command: str
) -> None:
    mine = submit(desk)
    bobs = submit(desk, "bob@example.com")
    alice = Actor.customer(ALICE)
    gone = Ticket(
        id="id-never-issued",
        number=99,
        subject="x",
        requester=Requester(ALICE),
        created_at=T0,
        updated_at=T0,
    )
    errors = [
        refusal(functools.partial(COMMANDS[command], desk, t, alice)) for t in (mine, bobs, gone)
    ]
    assert [type(e) for e in errors] == [AccessDeniedError] * 3
    assert len({str(e) for e in errors}) == 1


def test_a_customer_who_may_not_link_learns_nothing_of_the_target(desk: Desk) -> None:
    mine = submit(desk)
    problem = submit(desk, "bob@example.com", kind=TicketKind.PROBLEM)
    incident = submit(desk, "bob@example.com")
    alice = Actor.customer(ALICE)
    errors = [
        refusal(functools.partial(desk.link, mine.id, "problem", target, actor=alice))
        for target in (problem.id, incident.id, "id-never-issued")
    ]
    assert [type(e) for e in errors] == [AccessDeniedError] * 3
    assert len({str(e) for e in errors}) == 1
    assert unchanged(desk, mine)


def test_a_link_target_the_actor_may_not_see_reads_as_an_unknown_id() -> None:
    counter = itertools.count(1)
    desk = Desk(
        InMemoryTicketStore(),
        clock=FrozenClock(T0),
        ids=lambda: f"id{next(counter)}",
        roles={"link": list(Role)},
    )
    mine = submit(desk)
    bobs_problem = submit(desk, "bob@example.com", kind=TicketKind.PROBLEM)
    alice = Actor.customer(ALICE)
    other = refusal(lambda: desk.link(mine.id, "problem", bobs_problem.id, actor=alice))
    unknown = refusal(lambda: desk.link(mine.id, "problem", "id-never-issued", actor=alice))
    assert type(other) is type(unknown) is TicketNotFoundError
    assert str(other).replace(bobs_problem.id, "id-never-issued") == str(unknown)
    assert unchanged(desk, mine)


# -- identity: one mailbox, compared exactly -----------------------------------------------------

DIFFERENT_MAILBOXES: Final = [
    ("straße@x.example", "strasse@x.example"),  # full case folding would merge them
    ("\u212aate@x.example", "kate@x.example"),  # KELVIN SIGN folds to k
    ("\u212aATE@x.example", "kate@x.example"),
    ("e\ufb00ort@x.example", "effort@x.example"),  # LATIN SMALL LIGATURE FF
    ("İpek@x.example", "i\u0307pek@x.example"),  # İ lowercases to i + COMBINING DOT ABOVE
    ("İpek@x.example", "ipek@x.example"),
    ("alice@straße.example", "alice@strasse.example"),
    ("alice@example.com", "alice@example.org"),
    ("alice@example.com", "alice@example.com@evil.example"),
]
SAME_MAILBOXES: Final = [
    ("Alice@Example.COM", "alice@example.com"),
    ("alice@bücher.example", "alice@xn--bcher-kva.example"),
    ("alice@Bücher.Example", "alice@XN--BCHER-KVA.example"),
    ("alice@example.com.", "alice@example.com"),
]


@pytest.mark.parametrize(("a", "b"), DIFFERENT_MAILBOXES)
def test_confusable_addresses_are_different_mailboxes(a: str, b: str) -> None:
    assert not same_mailbox(a, b)
    assert not same_mailbox(b, a)


@pytest.mark.parametrize(("a", "b"), SAME_MAILBOXES)
def test_ascii_case_and_the_idna_form_of_a_domain_name_one_mailbox(a: str, b: str) -> None:
    assert same_mailbox(a, b)
    assert same_mailbox(b, a)


@pytest.mark.parametrize(("owner", "impostor"), DIFFERENT_MAILBOXES[:5])
def test_a_customer_with_a_confusable_address_cannot_see_or_comment_on_the_ticket(
    desk: Desk, owner: str, impostor: str
) -> None:
    ticket = submit(desk, owner)
    theirs = submit(desk, impostor)
    intruder = Actor.customer(impostor)
    assert desk.view(ticket.id, Actor.customer(owner)).ticket == ticket
    assert desk.view(theirs.id, intruder).ticket == theirs
    with pytest.raises(TicketNotFoundError):
        desk.view(ticket.id, intruder)
    with pytest.raises(TicketNotFoundError):
        desk.comment(ticket.id, "It is mine now", actor=intruder)
    assert unchanged(desk, ticket)
