"""Closing: external work on the customer's word, internal work by an agent; rejecting; CSAT."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from _resolution_desks import (
    AGENT,
    ALICE,
    MALLORY,
    RELAY,
    SUPERVISOR,
    at_work,
    desk_on,
    each_store,  # noqa: F401 - the fixture `store`
    fixed,
    resolved,
    types,
)

from ticketflow import (
    Actor,
    CsatRecorded,
    Desk,
    Draft,
    ResolutionAnswer,
    ResolutionAnswered,
    Ticket,
    TicketflowError,
    TicketKind,
    TicketTransitioned,
)
from ticketflow.exceptions import (
    AccessDeniedError,
    InvalidTransitionError,
    InvalidValueError,
    TicketNotFoundError,
)
from ticketflow.resolution import (
    CSAT_TOPIC,
    ConfirmationRequiredError,
    CsatTrigger,
    ReplyAction,
    ReplyRules,
    ResolutionPolicy,
)
from ticketflow.resolution._decide import RESOLUTION_ACTOR
from ticketflow.storage import OutboxMessage, TicketStore


def drain(desk: Desk) -> list[OutboxMessage]:
    """Claim every message in the outbox, and acknowledge them."""
    leased = desk.store.claim_outbox(
        worker="test", now=desk.clock.now() + timedelta(days=1), lease=timedelta(hours=1), limit=500
    )
    for lease in leased:
        desk.store.ack_outbox(lease)
    return [lease.message for lease in leased]


# -- closing external work -------------------------------------------------------------------------


@pytest.mark.parametrize("closer", [AGENT, SUPERVISOR, RELAY], ids=str)
def test_staff_cannot_close_external_work_without_the_customer(
    store: TicketStore, closer: Actor
) -> None:
    desk, _ = desk_on(store)
    ticket = resolved(desk)
    attempts: list[Callable[[], Ticket]] = [
        lambda: desk.close(ticket.id, actor=closer),
        lambda: desk.transition(ticket.id, "closed", actor=closer),
    ]
    for attempt in attempts:
        with pytest.raises(ConfirmationRequiredError) as raised:
            attempt()
        error = raised.value
        assert isinstance(error, TicketflowError)
        assert isinstance(error, ValueError)
        assert error.code == "confirmation_required"
        assert error.ticket_id == ticket.id
        assert "confirm" in str(error)
        assert "customer" in str(error)
    assert desk.get(ticket.id) == ticket
    assert len(desk.history(ticket.id)) == ticket.version


def test_the_customer_confirms_and_the_ticket_closes(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = resolved(desk)
    after = desk.confirm_resolution(ticket.id, actor=ALICE, comment="all good")
    assert after.status == "closed"
    assert after.version == ticket.version + 2
    *_, answered, moved = desk.history(ticket.id)
    assert isinstance(answered, ResolutionAnswered)
    assert (answered.answer, answered.actor, answered.comment) == (
        ResolutionAnswer.CONFIRMED,
        ALICE,
        "all good",
    )
    assert answered.policy is None
    assert isinstance(moved, TicketTransitioned)
    assert (moved.source, moved.target) == ("resolved", "closed")
    assert moved.actor == RESOLUTION_ACTOR


def test_confirming_twice_changes_nothing(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = resolved(desk)
    closed = desk.confirm_resolution(ticket.id, actor=ALICE)
    again = desk.confirm_resolution(ticket.id, actor=ALICE)
    assert again == closed
    assert len(desk.history(ticket.id)) == closed.version


def test_a_system_actor_may_confirm_for_the_customer(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = resolved(desk)
    assert desk.confirm_resolution(ticket.id, actor=RELAY).status == "closed"


def test_another_customer_cannot_confirm_and_learns_nothing(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = resolved(desk)
    with pytest.raises(TicketNotFoundError) as other:
        desk.confirm_resolution(ticket.id, actor=MALLORY)
    with pytest.raises(TicketNotFoundError) as unknown:
        desk.confirm_resolution("no-such-ticket", actor=MALLORY)
    assert type(other.value) is type(unknown.value)
    assert desk.get(ticket.id) == ticket


@pytest.mark.parametrize("staff", [AGENT, SUPERVISOR], ids=str)
def test_staff_cannot_confirm_for_the_customer(store: TicketStore, staff: Actor) -> None:
    desk, _ = desk_on(store)
    ticket = resolved(desk)
    with pytest.raises(AccessDeniedError):
        desk.confirm_resolution(ticket.id, actor=staff)
    with pytest.raises(AccessDeniedError):
        desk.reject_resolution(ticket.id, actor=staff)
    assert desk.get(ticket.id) == ticket


def test_confirming_what_is_not_resolved_is_refused(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk)
    with pytest.raises(InvalidTransitionError):
        desk.confirm_resolution(ticket.id, actor=ALICE)
    assert desk.get(ticket.id) == ticket


# -- internal work ---------------------------------------------------------------------------------


@pytest.mark.parametrize("closer", [AGENT, SUPERVISOR], ids=str)
def test_an_agent_closes_internal_work(store: TicketStore, closer: Actor) -> None:
    desk, _ = desk_on(store)
    ticket = resolved(desk, external=False)
    after = desk.close(ticket.id, actor=closer, reason="done")
    assert after.status == "closed"
    moved = desk.history(ticket.id)[-1]
    assert isinstance(moved, TicketTransitioned)
    assert (moved.actor, moved.reason) == (closer, "done")


def test_internal_work_closes_by_a_plain_transition(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = resolved(desk, external=False)
    assert desk.transition(ticket.id, "closed", actor=AGENT).status == "closed"


def test_closing_what_is_not_resolved_is_refused(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk, external=False)
    with pytest.raises(InvalidTransitionError):
        desk.close(ticket.id, actor=AGENT)


# -- rejecting -------------------------------------------------------------------------------------


def test_a_rejection_within_the_window_reopens(store: TicketStore) -> None:
    desk, clock = desk_on(store, ResolutionPolicy(replies=ReplyRules(timedelta(days=7))))
    ticket = resolved(desk)
    clock.advance(timedelta(days=7))
    outcome = desk.reject_resolution(ticket.id, actor=ALICE, comment="still late")
    assert outcome.action is ReplyAction.REOPEN
    assert outcome.follow_up is None
    after = outcome.ticket
    assert after == desk.get(ticket.id)
    assert after.status == "in_progress"
    assert after.reopen_count == ticket.reopen_count + 1
    *_, answered, moved = desk.history(ticket.id)
    assert isinstance(answered, ResolutionAnswered)
    assert (answered.answer, answered.comment) == (ResolutionAnswer.REJECTED, "still late")
    assert isinstance(moved, TicketTransitioned)
    assert (moved.source, moved.target, moved.reopen) == ("resolved", "in_progress", True)


def test_a_rejection_after_the_window_opens_a_follow_up(store: TicketStore) -> None:
    desk, clock = desk_on(store, ResolutionPolicy(replies=ReplyRules(timedelta(days=7))))
    ticket = resolved(desk, category="delivery")
    clock.advance(timedelta(days=7, seconds=1))
    outcome = desk.reject_resolution(ticket.id, actor=ALICE, comment="it broke again")
    assert outcome.action is ReplyAction.FOLLOW_UP
    new = outcome.follow_up
    assert new is not None
    # The old ticket stays resolved; the rejection is on its journal, naming the follow-up.
    old = desk.get(ticket.id)
    assert outcome.ticket == old
    assert (old.status, old.version, old.reopen_count) == ("resolved", ticket.version + 1, 0)
    answered = desk.history(ticket.id)[-1]
    assert isinstance(answered, ResolutionAnswered)
    assert answered.answer is ResolutionAnswer.REJECTED
    assert answered.comment is not None
    assert answered.comment.startswith("it broke again")
    assert new.reference in answered.comment
    # The same rejection again opens no second follow-up.
    with pytest.raises(InvalidValueError, match="rejected already"):
        desk.reject_resolution(ticket.id, actor=ALICE, comment="it broke again")
    assert desk.get(ticket.id) == old
    assert new == desk.get(new.id)
    assert new.links.follow_up_of == ticket.id
    assert new.requester == ticket.requester
    assert new.category == ticket.category == "delivery"
    assert new.kind == ticket.kind
    assert new.description == "it broke again"
    assert new.status == "new"


def test_a_rejection_of_what_is_not_resolved_is_refused(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk)
    with pytest.raises(InvalidTransitionError):
        desk.reject_resolution(ticket.id, actor=ALICE)


def test_another_customer_cannot_reject(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = resolved(desk)
    with pytest.raises(TicketNotFoundError):
        desk.reject_resolution(ticket.id, actor=MALLORY)
    assert desk.get(ticket.id) == ticket


# -- CSAT ------------------------------------------------------------------------------------------


def test_closing_asks_for_csat_in_the_same_commit(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = resolved(desk)
    assert CSAT_TOPIC not in [m.topic for m in drain(desk)], "not on resolve"
    closed = desk.confirm_resolution(ticket.id, actor=ALICE)
    messages = drain(desk)
    csat = [m for m in messages if m.topic == CSAT_TOPIC]
    assert len(csat) == 1
    assert len(messages) == 3, "one per event and the request: the close's commit only"
    assert {m.created_at for m in messages} == {closed.updated_at}
    (request,) = csat
    assert request.ticket_id == ticket.id
    assert request.payload["ticket_id"] == ticket.id
    assert request.payload["status"] == "closed"
    assert request.payload["resolution"] == "fixed"
    assert request.payload["requester"]["email"] == ALICE.id
    assert request.payload["scale"] == {"min": 1, "max": 5}


def test_closing_internal_work_asks_for_csat_too(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = resolved(desk, external=False)
    drain(desk)
    desk.close(ticket.id, actor=AGENT)
    assert [m.topic for m in drain(desk)].count(CSAT_TOPIC) == 1


def test_closing_a_problem_record_asks_nobody(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    problem = resolved(desk, external=False, kind=TicketKind.PROBLEM)
    drain(desk)
    desk.close(problem.id, actor=AGENT)
    assert CSAT_TOPIC not in [m.topic for m in drain(desk)]


def test_csat_on_resolve_asks_when_resolved_and_not_again_on_close(store: TicketStore) -> None:
    desk, _ = desk_on(store, ResolutionPolicy(csat=CsatTrigger.ON_RESOLVE))
    ticket = at_work(desk)
    drain(desk)
    desk.resolve(ticket.id, fixed(), actor=AGENT)
    (request,) = [m for m in drain(desk) if m.topic == CSAT_TOPIC]
    assert request.payload["status"] == "resolved"
    desk.confirm_resolution(ticket.id, actor=ALICE)
    assert CSAT_TOPIC not in [m.topic for m in drain(desk)]


def test_csat_never_asks(store: TicketStore) -> None:
    desk, _ = desk_on(store, ResolutionPolicy(csat="never"))
    ticket = resolved(desk)
    desk.confirm_resolution(ticket.id, actor=ALICE)
    assert CSAT_TOPIC not in [m.topic for m in drain(desk)]


def test_a_csat_score_is_recorded_once_per_response(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = desk.confirm_resolution(resolved(desk).id, actor=ALICE)
    first = desk.record_csat(ticket.id, 4, "quick", "resp-1")
    assert first.version == ticket.version + 1
    again = desk.record_csat(ticket.id, 1, "changed my mind", "resp-1")
    assert again == first
    other = desk.record_csat(ticket.id, 5, None, "resp-2", actor=ALICE)
    scores = [
        (e.score, e.comment, e.response_id, e.actor)
        for e in desk.history(ticket.id)
        if isinstance(e, CsatRecorded)
    ]
    assert scores == [
        (4, "quick", "resp-1", Actor.system("csat")),
        (5, None, "resp-2", ALICE),
    ]
    assert other.status == "closed"


@pytest.mark.parametrize("score", [0, 6, -1, True, False, "5", 4.0, None])
def test_a_csat_score_outside_one_to_five_is_refused(store: TicketStore, score: object) -> None:
    desk, _ = desk_on(store)
    ticket = resolved(desk)
    with pytest.raises(InvalidValueError) as raised:
        desk.record_csat(ticket.id, score, None, "resp-1")  # type: ignore[arg-type]
    assert raised.value.field == "score"
    assert desk.get(ticket.id) == ticket


def test_csat_is_not_for_other_customers_or_agents(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = resolved(desk)
    with pytest.raises(TicketNotFoundError):
        desk.record_csat(ticket.id, 5, None, "r", actor=MALLORY)
    with pytest.raises(AccessDeniedError):
        desk.record_csat(ticket.id, 5, None, "r", actor=AGENT)
    assert "csat_recorded" not in types(desk, ticket.id)


def test_an_agent_cannot_forge_the_customer_s_confirmation(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = resolved(desk)

    def forge(draft: Draft) -> None:
        draft.record(ResolutionAnswered, answer=ResolutionAnswer.CONFIRMED)
        draft.transition("closed")

    with pytest.raises(TicketflowError):
        desk.execute(ticket.id, forge, actor=AGENT, command="transition")
    assert desk.get(ticket.id) == ticket


def test_a_plain_transition_to_closed_asks_for_csat_too(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = resolved(desk, external=False)
    drain(desk)
    desk.transition(ticket.id, "closed", actor=AGENT)
    assert [m.topic for m in drain(desk)].count(CSAT_TOPIC) == 1
