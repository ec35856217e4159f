"""The stateful property test of the default lifecycle and of a guarded custom one."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st

from ticketflow import ANY, Actor, CheckResult, Move, Role, TicketStatus, Workflow
from ticketflow.testing import WorkflowStateMachine, actors


class DefaultLifecycle(WorkflowStateMachine):
    pass


TestDefaultLifecycle = DefaultLifecycle.TestCase
TestDefaultLifecycle.settings = settings(TestDefaultLifecycle.settings, stateful_step_count=40)


def assigned(move: Move) -> CheckResult:
    return CheckResult.ok() if move.ticket.assignee else CheckResult.fail("unassigned")


GUARDED = Workflow.default(
    roles={(ANY, TicketStatus.CLOSED): [Role.SUPERVISOR, Role.SYSTEM], (ANY, ANY): list(Role)},
    checks={(TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED): {"assigned": assigned}},
)


class GuardedLifecycle(WorkflowStateMachine):
    workflow = GUARDED

    def actors(self) -> st.SearchStrategy[Actor]:
        return actors(roles=(Role.AGENT, Role.SUPERVISOR, Role.CUSTOMER))


TestGuardedLifecycle = GuardedLifecycle.TestCase
