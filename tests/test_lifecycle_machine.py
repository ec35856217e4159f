"""The stateful test of the default lifecycle takes every edge, also under role rules and checks.

Each test runs :class:`WorkflowStateMachine` (so all its laws are checked) with the default
settings of the hypothesis profile in use, and measures which edges the run took and which
refusals it met.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar

import pytest
from hypothesis.stateful import run_state_machine_as_test

from ticketflow import (
    ANY,
    DEFAULT_WORKFLOW,
    CheckResult,
    Move,
    Role,
    TicketStatus,
    TicketTransitioned,
    Workflow,
)
from ticketflow.testing import WorkflowStateMachine

Edge = tuple[str, str]


def _edges(workflow: Workflow) -> set[Edge]:
    return {(source, target) for source, targets in workflow.edges.items() for target in targets}


def _run(workflow: Workflow, roles: Collection[Role] = tuple(Role)) -> tuple[set[Edge], set[str]]:
    """Return the edges taken and the refusal codes met over one default run of the machine."""
    workflow_under_test, host_roles = workflow, roles

    class Recording(WorkflowStateMachine):
        workflow = workflow_under_test
        roles = host_roles
        taken: ClassVar[set[Edge]] = set()
        refused: ClassVar[set[str]] = set()

        def teardown(self) -> None:
            for journal in self.journals.values():
                Recording.taken.update(
                    (event.source, event.target)
                    for event in journal
                    if isinstance(event, TicketTransitioned)
                )
            Recording.refused.update(self.refusals)
            super().teardown()

    run_state_machine_as_test(Recording)
    return Recording.taken, Recording.refused


@pytest.mark.no_cover  # a long state machine; the workflow's own tests cover its code
def test_the_default_lifecycle_takes_every_edge_and_refuses_customers_and_ai() -> None:
    taken, refused = _run(DEFAULT_WORKFLOW)
    assert taken == _edges(DEFAULT_WORKFLOW)
    assert refused == {"invalid_transition", "permission_denied"}


OPEN = Workflow.default(roles={(ANY, ANY): list(Role)})


@pytest.mark.no_cover  # a long state machine; the workflow's own tests cover its code
def test_a_lifecycle_open_to_every_role_takes_every_edge() -> None:
    taken, refused = _run(OPEN)
    assert taken == _edges(OPEN)
    assert refused == {"invalid_transition"}


def assigned(move: Move) -> CheckResult:
    return CheckResult.ok() if move.ticket.assignee else CheckResult.fail("unassigned")


GUARDED = Workflow.default(
    roles={(ANY, TicketStatus.CLOSED): [Role.SUPERVISOR, Role.SYSTEM], (ANY, ANY): list(Role)},
    checks={(TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED): {"assigned": assigned}},
)


@pytest.mark.no_cover  # a long state machine; the workflow's own tests cover its code
def test_a_guarded_lifecycle_takes_every_edge_and_meets_every_refusal() -> None:
    # The host has no system actors: only its supervisors may close.
    taken, refused = _run(GUARDED, roles=(Role.AGENT, Role.SUPERVISOR, Role.CUSTOMER))
    assert taken == _edges(GUARDED)
    assert refused == {"invalid_transition", "permission_denied", "check_failed"}
