"""An AI's resolution: a suggestion below the threshold, a resolution above; never a close."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from _resolution_desks import (
    AGENT,
    BOT,
    SUPERVISOR,
    at_work,
    by_ai,
    desk_on,
    each_store,  # noqa: F401 - the fixture `store`
    fixed,
    resolved,
    types,
)

from ticketflow import (
    ANY,
    ResolutionRecorded,
    Role,
    SuggestionReviewed,
    Ticket,
    TicketflowError,
    TicketTransitioned,
    Workflow,
)
from ticketflow.exceptions import (
    AccessDeniedError,
    InvalidValueError,
    PermissionDeniedError,
)
from ticketflow.resolution import (
    CodeInList,
    ConfirmationRequiredError,
    DoneCriteria,
    DoneCriteriaNotMetError,
    EvidenceAttached,
    ResolutionPolicy,
    pending_suggestion,
)
from ticketflow.resolution._decide import RESOLUTION_ACTOR
from ticketflow.storage import TicketStore


def test_below_the_threshold_an_ai_only_suggests(store: TicketStore) -> None:
    desk, _ = desk_on(store, ResolutionPolicy(ai_threshold=0.9))
    ticket = at_work(desk)
    after = desk.resolve(ticket.id, by_ai(0.89), actor=BOT)
    assert after.status == "in_progress"
    assert after.resolution is None
    assert after.version == ticket.version + 1
    suggestion = pending_suggestion(desk.history(ticket.id))
    assert isinstance(suggestion, ResolutionRecorded)
    assert suggestion.suggested
    assert suggestion.actor == BOT
    assert all(v.passed for v in suggestion.verdicts)


def test_an_agent_accepts_a_suggestion_and_the_ticket_resolves(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk)
    desk.resolve(ticket.id, by_ai(0.5, "workaround"), actor=BOT)
    after = desk.review_suggestion(ticket.id, accept=True, actor=AGENT, reason="looks right")
    assert after.status == "resolved"
    assert after.resolution == "workaround"
    *_, suggested, reviewed, recorded, moved = desk.history(ticket.id)
    assert isinstance(reviewed, SuggestionReviewed)
    assert (reviewed.accepted, reviewed.suggestion, reviewed.actor) == (
        True,
        suggested.version,
        AGENT,
    )
    assert reviewed.reason == "looks right"
    assert isinstance(recorded, ResolutionRecorded)
    assert not recorded.suggested
    assert recorded.actor == AGENT
    assert isinstance(moved, TicketTransitioned)
    assert (moved.target, moved.actor) == ("resolved", AGENT)
    assert "accepted" in (moved.reason or "")
    assert pending_suggestion(desk.history(ticket.id)) is None


def test_an_agent_rejects_a_suggestion_and_the_ticket_stays(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk)
    suggested = desk.resolve(ticket.id, by_ai(0.5), actor=BOT)
    after = desk.review_suggestion(ticket.id, accept=False, actor=SUPERVISOR, reason="wrong")
    assert after.status == "in_progress"
    assert after.resolution is None
    assert after.version == suggested.version + 1
    reviewed = desk.history(ticket.id)[-1]
    assert isinstance(reviewed, SuggestionReviewed)
    assert not reviewed.accepted
    assert pending_suggestion(desk.history(ticket.id)) is None
    with pytest.raises(InvalidValueError):
        desk.review_suggestion(ticket.id, accept=True, actor=AGENT)


def test_an_accepted_suggestion_is_judged_again_by_today_s_criteria(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk)
    suggested = desk.resolve(ticket.id, by_ai(0.5), actor=BOT)
    desk.resolution = ResolutionPolicy(criteria=DoneCriteria.of([EvidenceAttached()]))
    with pytest.raises(DoneCriteriaNotMetError):
        desk.review_suggestion(ticket.id, accept=True, actor=AGENT)
    assert desk.get(ticket.id) == suggested, "not even the review is written"
    assert desk.review_suggestion(ticket.id, accept=False, actor=AGENT).status == "in_progress"


def test_a_review_without_a_pending_suggestion_is_refused(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk)
    with pytest.raises(InvalidValueError) as raised:
        desk.review_suggestion(ticket.id, accept=True, actor=AGENT)
    assert raised.value.field == "ticket_id"
    assert desk.get(ticket.id) == ticket


def test_a_status_change_overtakes_a_suggestion(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk)
    desk.resolve(ticket.id, by_ai(0.5), actor=BOT)
    desk.transition(ticket.id, "pending_customer", actor=AGENT)
    with pytest.raises(InvalidValueError):
        desk.review_suggestion(ticket.id, accept=True, actor=AGENT)


def test_an_ai_cannot_review_a_suggestion(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk)
    desk.resolve(ticket.id, by_ai(0.5), actor=BOT)
    with pytest.raises(AccessDeniedError):
        desk.review_suggestion(ticket.id, accept=True, actor=BOT)


@pytest.mark.parametrize("confidence", [0.9, 0.95, 1.0])
def test_at_or_above_the_threshold_an_ai_resolves(store: TicketStore, confidence: float) -> None:
    desk, _ = desk_on(store, ResolutionPolicy(ai_threshold=0.9))
    ticket = at_work(desk)
    after = desk.resolve(ticket.id, by_ai(confidence), actor=BOT)
    assert after.status == "resolved"
    *_, recorded, moved = desk.history(ticket.id)
    assert isinstance(recorded, ResolutionRecorded)
    assert (recorded.suggested, recorded.actor) == (False, BOT)
    assert isinstance(moved, TicketTransitioned)
    assert moved.actor == RESOLUTION_ACTOR
    assert moved.actor.role is Role.SYSTEM


def test_without_a_threshold_an_ai_always_suggests(store: TicketStore) -> None:
    desk, _ = desk_on(store, ResolutionPolicy(ai_threshold=None))
    ticket = at_work(desk)
    after = desk.resolve(ticket.id, by_ai(1.0), actor=BOT)
    assert after.status == "in_progress"
    assert pending_suggestion(desk.history(ticket.id)) is not None


def test_an_ai_resolution_from_a_person_is_judged_as_an_ai_s(store: TicketStore) -> None:
    # An agent may pass on an AI's resolution; it still meets the threshold.
    desk, _ = desk_on(store)
    ticket = at_work(desk)
    assert desk.resolve(ticket.id, by_ai(0.2), actor=AGENT).status == "in_progress"


def test_an_ai_s_failing_resolution_is_refused_even_as_a_suggestion(store: TicketStore) -> None:
    criteria = DoneCriteria.of([CodeInList(), EvidenceAttached()])
    desk, _ = desk_on(store, ResolutionPolicy(criteria=criteria))
    ticket = at_work(desk)
    for confidence in (0.1, 0.99):
        with pytest.raises(DoneCriteriaNotMetError) as raised:
            desk.resolve(ticket.id, by_ai(confidence, "nope"), actor=BOT)
        assert [f.name for f in raised.value.failures] == ["resolution_code", "evidence"]
    assert desk.get(ticket.id) == ticket
    assert pending_suggestion(desk.history(ticket.id)) is None


def test_an_ai_actor_must_say_its_resolution_is_an_ai_s(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk)
    with pytest.raises(InvalidValueError) as raised:
        desk.resolve(ticket.id, fixed(), actor=BOT)
    assert raised.value.field == "resolution.source"
    assert desk.get(ticket.id) == ticket


# Every edge open to every role, so only the resolution policy stands between an AI and closed.
OPEN = Workflow.default(roles={(ANY, ANY): list(Role)})


@pytest.mark.parametrize("external", [True, False])
def test_an_ai_never_closes_even_where_the_workflow_lets_it(
    store: TicketStore, external: bool
) -> None:
    desk, _ = desk_on(store, workflow=OPEN)
    ticket = resolved(desk, external=external)
    attempts: list[Callable[[], Ticket]] = [
        lambda: desk.close(ticket.id, actor=BOT),
        lambda: desk.transition(ticket.id, "closed", actor=BOT),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDeniedError) as raised:
            attempt()
        assert raised.value.role == Role.AI
    assert desk.get(ticket.id) == ticket
    if not external:
        assert desk.close(ticket.id, actor=AGENT).status == "closed"


def test_an_ai_cannot_confirm_for_the_customer(store: TicketStore) -> None:
    desk, _ = desk_on(store, workflow=OPEN)
    ticket = resolved(desk)
    with pytest.raises(AccessDeniedError):
        desk.confirm_resolution(ticket.id, actor=BOT)
    assert desk.get(ticket.id) == ticket


def test_an_ai_above_the_threshold_on_an_external_ticket_still_needs_the_customer(
    store: TicketStore,
) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk)
    desk.resolve(ticket.id, by_ai(0.99), actor=BOT)
    with pytest.raises(ConfirmationRequiredError):
        desk.close(ticket.id, actor=AGENT)
    assert types(desk, ticket.id)[-2:] == ["resolution_recorded", "transitioned"]


@pytest.mark.parametrize("history", [frozenset(), 3, None])
def test_pending_suggestion_refuses_what_is_no_journal(history: object) -> None:
    with pytest.raises(TicketflowError):
        pending_suggestion(history)  # type: ignore[arg-type]
