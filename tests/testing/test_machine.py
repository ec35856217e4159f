"""WorkflowStateMachine catches a guard that breaks a law, and feeds checks varied moves."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import ClassVar

import pytest
from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from hypothesis.strategies import SearchStrategy

from ticketflow import (
    ANY,
    DEFAULT_WORKFLOW,
    Actor,
    CheckResult,
    Move,
    NewTicket,
    Requester,
    Role,
    Ticket,
    TicketLinks,
    TicketTransitioned,
    Workflow,
)
from ticketflow.testing import WorkflowStateMachine

SHORT = settings(max_examples=20, stateful_step_count=20, database=None)
# Enough runs to meet every kind of input, whatever the profile.
VARIED = settings(max_examples=25, stateful_step_count=30, database=None)


class RoleBlindWorkflow(Workflow):
    """Declares that only agents move tickets, then lets anyone move them."""

    def transition(
        self, ticket: Ticket, to: str, *, actor: Actor, at: datetime, reason: str | None = None
    ) -> tuple[Ticket, TicketTransitioned]:
        return DEFAULT_WORKFLOW.transition(ticket, to, actor=actor, at=at, reason=reason)


class ReasonDroppingWorkflow(Workflow):
    """Records every move without its reason."""

    def transition(
        self, ticket: Ticket, to: str, *, actor: Actor, at: datetime, reason: str | None = None
    ) -> tuple[Ticket, TicketTransitioned]:
        del reason  # the bug
        return super().transition(ticket, to, actor=actor, at=at, reason=None)


def _failure(workflow_under_test: Workflow) -> str:
    class Machine(WorkflowStateMachine):
        workflow = workflow_under_test

    # Without shrinking: these tests ask whether the machine notices, not for the simplest case.
    quick = settings(SHORT, max_examples=100, phases=[Phase.generate])
    with pytest.raises(AssertionError) as caught:
        run_state_machine_as_test(Machine, settings=quick)
    return str(caught.value)


MOVE_FAILURE = re.compile(r"WorkflowStateMachine\[(walk_along_edges|attempt_any_move)\]: ")


def test_a_guard_that_ignores_role_rules_fails_the_move_of_a_disallowed_actor() -> None:
    message = _failure(RoleBlindWorkflow.default(roles={(ANY, ANY): [Role.AGENT]}))
    assert MOVE_FAILURE.match(message), message
    assert "may not take" in message
    assert "yet the move was accepted" in message


def test_a_guard_that_drops_the_reason_fails_the_move_that_gave_one() -> None:
    message = _failure(ReasonDroppingWorkflow.default())
    assert MOVE_FAILURE.match(message), message
    assert "recorded with None" in message, message


def test_the_strategies_are_built_once_per_machine_class() -> None:
    built: list[str] = []

    class Counting(WorkflowStateMachine):
        def actors(self) -> SearchStrategy[Actor]:
            built.append(type(self).__name__)
            return super().actors()

    class CountingOwnWorkflow(Counting):
        workflow = Workflow(
            statuses=["open", "done"], edges={"open": ["done"]}, initial=["open"], name="own"
        )

    few = settings(SHORT, max_examples=5)
    run_state_machine_as_test(Counting, settings=few)
    run_state_machine_as_test(CountingOwnWorkflow, settings=few)
    run_state_machine_as_test(Counting, settings=few)
    assert built == ["Counting", "CountingOwnWorkflow"]


def test_checks_see_reasons_zones_actors_and_ticket_states_of_every_kind() -> None:
    seen: set[tuple[str, object]] = set()

    def observe(move: Move) -> CheckResult:
        seen.update(
            {
                ("reason", None if move.reason is None else "text" if move.reason else ""),
                ("offset", move.at.utcoffset()),
                ("role", move.actor.role),
                ("assigned", move.ticket.assignee is not None),
                ("categorized", move.ticket.category is not None),
                ("fields", bool(move.ticket.fields)),
            }
        )
        return CheckResult.ok()

    class Observed(WorkflowStateMachine):
        workflow = Workflow.default(
            roles={(ANY, ANY): list(Role)},  # every role reaches the checks
            checks={(ANY, ANY): {"observe": observe}},
        )

    run_state_machine_as_test(Observed, settings=VARIED)
    assert {value for kind, value in seen if kind == "reason"} == {None, "text"}, (
        "no empty reason: the guard refuses it"
    )
    assert {value for kind, value in seen if kind == "offset"} == {timedelta(0)}
    assert {value for kind, value in seen if kind == "role"} == set(Role)
    for kind in ("assigned", "categorized", "fields"):
        assert {value for k, value in seen if k == kind} == {True, False}, kind


class RecordingReasons(WorkflowStateMachine):
    reasons: ClassVar[set[str | None]] = set()

    def teardown(self) -> None:
        for journal in self.journals.values():
            RecordingReasons.reasons.update(
                e.reason for e in journal if isinstance(e, TicketTransitioned)
            )
        super().teardown()


def test_accepted_moves_record_no_reason_and_free_text_reasons() -> None:
    run_state_machine_as_test(RecordingReasons, settings=VARIED)
    assert None in RecordingReasons.reasons
    assert any(reason and not reason.isascii() for reason in RecordingReasons.reasons)


class _Drawn:
    """Stands in for hypothesis' data object: answers each draw by its label."""

    def __init__(self, answers: dict[str, object]) -> None:
        self.answers = answers

    def draw(self, _: object, label: str) -> object:
        return self.answers[label]


def test_a_drawn_link_to_the_id_the_ticket_gets_is_dropped_not_a_failure() -> None:
    # Drawn link labels are free names, so one can be "T1", the id the machine gives the
    # first ticket; no ticket links itself, so creating it must not fail the run.
    draft = NewTicket(
        subject="s", requester=Requester("c@example.com"), links=TicketLinks(follow_up_of="T1")
    )
    machine = WorkflowStateMachine()
    machine._create(_Drawn({"draft": draft, "actor": Actor.agent("bob")}))  # type: ignore[arg-type]
    assert machine.tickets["T1"].links == TicketLinks()
