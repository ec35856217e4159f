from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from _walk import walk
from ticketflow import (
    ANY,
    KEEP,
    Actor,
    CommentAdded,
    Desk,
    NewTicket,
    Requester,
    Role,
    TicketStatus,
    TicketTransitioned,
    Workflow,
)
from ticketflow.exceptions import (
    AccessDeniedError,
    ConfirmationRequiredError,
    ConflictError,
    InvalidTransitionError,
    InvalidValueError,
    PermissionDeniedError,
    TicketNotFoundError,
)
from ticketflow.storage import InMemoryTicketStore
from ticketflow.testing import FrozenClock

ALICE = Actor.customer("alice@example.com")
BOB = Actor.agent("bob")
S = TicketStatus


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def desk(clock: FrozenClock) -> Desk:
    counter = itertools.count(1)
    return Desk(
        InMemoryTicketStore(),
        clock=clock,
        ids=lambda: f"id{next(counter)}",
        internal_fields={"margin"},
    )


def submit(desk: Desk) -> str:
    ticket = desk.submit(
        NewTicket(
            subject="Parcel 42 late",
            requester=Requester("alice@example.com"),
            fields={"carrier": "ACME", "margin": 0.12},
        ),
        actor=BOB,  # staff may file on a customer's behalf, internal fields included
    )
    return ticket.id


def test_customers_submit_without_routing_or_internal_fields(desk: Desk) -> None:
    refusals = []
    for extra in ({"fields": {"margin": 0.1}}, {"queue": "vip"}, {"tags": {"x"}}):
        with pytest.raises(AccessDeniedError) as caught:
            desk.submit(
                NewTicket(subject="s", requester=Requester("alice@example.com"), **extra),
                actor=ALICE,
            )
        refusals.append(str(caught.value))
    assert len(set(refusals)) == 1, "the refusal does not say which part is internal"
    mine = desk.submit(
        NewTicket(subject="s", requester=Requester("alice@example.com"), fields={"carrier": "A"}),
        actor=ALICE,
    )
    assert mine.fields == {"carrier": "A"}


def test_submit_creates_version_one_with_a_number(desk: Desk, clock: FrozenClock) -> None:
    ticket = desk.get(submit(desk))
    assert (ticket.version, ticket.number, ticket.status) == (1, 1, S.NEW)
    assert ticket.created_at == clock.now()
    assert desk.get(submit(desk)).number == 2


def test_every_command_commits_snapshot_events_and_outbox(desk: Desk, clock: FrozenClock) -> None:
    ticket_id = submit(desk)
    clock.advance(timedelta(minutes=5))
    desk.transition(ticket_id, S.TRIAGED, actor=BOB, reason="looked at it")
    desk.assign(ticket_id, actor=BOB, queue="logistics", assignee="bob")
    desk.comment(ticket_id, "On it", actor=BOB)
    after = desk.set_fields(ticket_id, {"carrier": "Speedy", "margin": None}, actor=BOB)
    history = desk.history(ticket_id)
    assert [e.type for e in history] == [
        "created",
        "transitioned",
        "assigned",
        "commented",
        "field_changed",
    ]
    assert after.version == len(history) == 5
    assert (after.queue, after.assignee, dict(after.fields)) == (
        "logistics",
        "bob",
        {"carrier": "Speedy"},
    )
    assert isinstance(history[1], TicketTransitioned)
    assert history[1].reason == "looked at it"
    leased = desk.store.claim_outbox(
        worker="w", now=clock.now(), lease=timedelta(minutes=1), limit=100
    )
    assert [m.message.topic for m in leased] == [f"ticket.{e.type}" for e in history]
    assert leased[1].message.payload["target"] == "triaged"


def test_assign_keeps_what_it_is_not_told_to_change(desk: Desk) -> None:
    ticket_id = submit(desk)
    desk.assign(ticket_id, actor=BOB, queue="l1", assignee="bob")
    assert desk.assign(ticket_id, actor=BOB, assignee=None).queue == "l1"
    ticket = desk.assign(ticket_id, actor=BOB, queue=KEEP, assignee="ann")
    assert (ticket.queue, ticket.assignee) == ("l1", "ann")


def test_invalid_transition_writes_nothing(desk: Desk) -> None:
    ticket_id = submit(desk)
    with pytest.raises(InvalidTransitionError):
        desk.transition(ticket_id, S.CLOSED, actor=BOB)
    assert len(desk.history(ticket_id)) == 1


def test_workflow_roles_apply_through_the_desk(clock: FrozenClock) -> None:
    workflow = Workflow.default(roles={(ANY, S.CLOSED): [Role.SUPERVISOR]})
    desk = Desk(InMemoryTicketStore(), workflow=workflow, clock=clock)
    ticket_id = submit(desk)
    walk(desk, ticket_id, S.TRIAGED, S.IN_PROGRESS, S.RESOLVED, actor=BOB)
    with pytest.raises(PermissionDeniedError):
        desk.close(ticket_id, actor=BOB)
    # External work closes on the customer's confirmation: the role rule and the resolution
    # rule both hold, so the supervisor is refused too, for want of it.
    with pytest.raises(ConfirmationRequiredError):
        desk.close(ticket_id, actor=Actor.supervisor("sue"))
    internal = desk.submit(
        NewTicket(subject="Printer", requester=Requester("ops@example.com", external=False)),
        actor=BOB,
    )
    walk(desk, internal.id, S.TRIAGED, S.IN_PROGRESS, S.RESOLVED, actor=BOB)
    with pytest.raises(PermissionDeniedError):
        desk.close(internal.id, actor=BOB)
    closed = desk.close(internal.id, actor=Actor.supervisor("sue"))
    assert closed.status is S.CLOSED


def test_stale_expected_version_is_a_conflict_and_writes_nothing(desk: Desk) -> None:
    ticket_id = submit(desk)
    desk.comment(ticket_id, "first", actor=BOB)
    with pytest.raises(ConflictError) as caught:
        desk.transition(ticket_id, S.TRIAGED, actor=BOB, expected_version=1)
    assert (caught.value.expected, caught.value.actual) == (1, 2)
    assert desk.get(ticket_id).status is S.NEW


def test_unknown_ticket_is_not_found(desk: Desk) -> None:
    with pytest.raises(TicketNotFoundError):
        desk.comment("nope", "hi", actor=BOB)


def test_retrying_reruns_a_conflicting_command(desk: Desk) -> None:
    ticket_id = submit(desk)
    calls = 0

    def flaky() -> int:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ConflictError(ticket_id, 1, 2)
        return desk.comment(ticket_id, "finally", actor=BOB).version

    waits: list[float] = []
    assert desk.retrying(flaky, sleep=waits.append) == 2
    assert calls == 3
    assert len(waits) == 2
    assert waits[1] > waits[0] / 2


def test_retrying_gives_up_after_its_attempts(desk: Desk) -> None:
    def always() -> None:
        raise ConflictError("T", 1, 2)

    with pytest.raises(ConflictError):
        desk.retrying(always, attempts=2, sleep=lambda _: None)
    with pytest.raises(InvalidValueError):
        desk.retrying(always, attempts=0)


def test_a_real_concurrent_writer_is_resolved_by_retrying(desk: Desk) -> None:
    ticket_id = submit(desk)
    stale = desk.get(ticket_id)
    desk.comment(ticket_id, "someone else first", actor=Actor.agent("ann"))
    store = desk.store
    real_get = store.get
    served_stale = False

    def get_once_stale(tid: str):  # type: ignore[no-untyped-def]  # noqa: ANN202
        nonlocal served_stale
        if not served_stale:
            served_stale = True
            return stale
        return real_get(tid)

    store.get = get_once_stale  # type: ignore[method-assign,assignment]
    ticket = desk.retrying(lambda: desk.comment(ticket_id, "mine", actor=BOB), sleep=lambda _: None)
    assert ticket.version == 3
    assert [e.version for e in desk.history(ticket_id)] == [1, 2, 3]


def test_customers_never_see_internal_comments_or_fields(desk: Desk) -> None:
    ticket_id = submit(desk)
    desk.comment(ticket_id, "public reply", actor=BOB)
    desk.comment(ticket_id, "internal: customer is difficult", actor=BOB, public=False)
    customer_view = desk.view(ticket_id, ALICE)
    agent_view = desk.view(ticket_id, BOB)
    assert [c.body for c in customer_view.comments] == ["public reply"]
    assert [c.body for c in agent_view.comments] == [
        "public reply",
        "internal: customer is difficult",
    ]
    assert "margin" not in customer_view.ticket.fields
    assert customer_view.ticket.fields["carrier"] == "ACME"
    assert agent_view.ticket.fields["margin"] == 0.12


def test_customers_cannot_see_other_customers_tickets(desk: Desk) -> None:
    ticket_id = submit(desk)
    with pytest.raises(TicketNotFoundError):
        desk.view(ticket_id, Actor.customer("mallory@example.com"))
    assert desk.view(ticket_id, Actor.customer("ALICE@example.com")).ticket.id == ticket_id


def test_customers_cannot_write_internal_comments(desk: Desk) -> None:
    ticket_id = submit(desk)
    with pytest.raises(AccessDeniedError, match="public comments only"):
        desk.comment(ticket_id, "psst", actor=ALICE, public=False)


@pytest.mark.parametrize(
    "changes",
    [{}, {"": 1}, {"k": [1]}, {"k": float("nan")}],
    ids=["none", "empty-name", "list", "nan"],
)
def test_bad_field_changes_are_rejected(desk: Desk, changes: dict[str, object]) -> None:
    ticket_id = submit(desk)
    with pytest.raises(InvalidValueError):
        desk.set_fields(ticket_id, changes, actor=BOB)  # type: ignore[arg-type]
    assert len(desk.history(ticket_id)) == 1


def test_an_empty_comment_is_rejected(desk: Desk) -> None:
    with pytest.raises(InvalidValueError, match="body: must not be empty"):
        desk.comment(submit(desk), "  ", actor=BOB)


def test_comments_carry_their_author_and_time(desk: Desk, clock: FrozenClock) -> None:
    ticket_id = submit(desk)
    clock.advance(timedelta(hours=1))
    desk.comment(ticket_id, "hello", actor=BOB)
    (comment,) = desk.view(ticket_id, BOB).comments
    assert (comment.author, comment.at, comment.public) == (BOB, clock.now(), True)
    assert isinstance(desk.history(ticket_id)[-1], CommentAdded)


def test_repr_names_store_and_workflow(desk: Desk) -> None:
    assert repr(desk).startswith("Desk(store=InMemoryTicketStore(")


def test_default_clock_is_the_system_clock() -> None:
    desk = Desk(InMemoryTicketStore())
    assert desk.clock.now().tzinfo is not None


def test_a_journal_that_ran_ahead_of_the_snapshot_is_a_conflict(clock: FrozenClock) -> None:
    from collections.abc import Sequence  # noqa: PLC0415

    from ticketflow import TicketEvent  # noqa: PLC0415
    from ticketflow.sla import BusinessCalendar, SlaPolicy  # noqa: PLC0415

    class Racing(InMemoryTicketStore):
        rival: Desk | None = None

        def memos(self, ticket_id: str) -> dict[str, str]:  # noqa: ARG002
            return {}  # none kept: the SLA clocks are derived from the journal each time

        def journal(self, ticket_id: str, *, after_version: int = 0) -> Sequence[TicketEvent]:
            rival, self.rival = self.rival, None
            if rival is not None:
                rival.comment(ticket_id, "rival got there first", actor=Actor.agent("ann"))
            return super().journal(ticket_id, after_version=after_version)

    policy = SlaPolicy.by_priority({"P2": timedelta(hours=4)}, calendar=BusinessCalendar.always())
    store = Racing()
    desk = Desk(store, clock=clock, sla=policy)
    ticket_id = submit(desk)
    store.rival = Desk(store, clock=clock, sla=policy)
    with pytest.raises(ConflictError) as caught:
        desk.comment(ticket_id, "mine", actor=BOB)
    assert (caught.value.expected, caught.value.actual) == (1, 2)
    store.rival = Desk(store, clock=clock, sla=policy)
    ticket = desk.retrying(lambda: desk.comment(ticket_id, "mine", actor=BOB), sleep=lambda _: None)
    assert ticket.version == 4
    assert [e.version for e in desk.history(ticket_id)] == [1, 2, 3, 4]
