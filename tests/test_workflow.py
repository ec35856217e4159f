from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ticketflow import (
    ANY,
    DEFAULT_WORKFLOW,
    STAFF,
    TICKET_EDGES,
    Actor,
    CheckResult,
    Move,
    NewTicket,
    Requester,
    Role,
    Ticket,
    TicketStatus,
    Workflow,
)
from ticketflow.exceptions import (
    CheckFailedError,
    CheckFailure,
    InvalidTransitionError,
    InvalidValueError,
    PermissionDeniedError,
    WorkflowDefinitionError,
)

AT = datetime(2026, 3, 2, 10, tzinfo=UTC)
S = TicketStatus


def create(workflow: Workflow, status: str | None = None) -> Ticket:
    ticket, _ = workflow.create(
        NewTicket(subject="s", requester=Requester("a@example.com"), status=status),
        id="T-1",
        number=1,
        actor=Actor.customer("a@example.com"),
        at=AT,
    )
    return ticket


def has_assignee(move: Move) -> CheckResult:
    return CheckResult.ok() if move.ticket.assignee else CheckResult.fail("nobody is assigned")


def has_category(move: Move) -> CheckResult:
    return CheckResult.ok() if move.ticket.category else CheckResult.fail("no category")


def test_default_workflow_has_the_published_edges() -> None:
    assert dict(DEFAULT_WORKFLOW.edges) == dict(TICKET_EDGES)
    assert DEFAULT_WORKFLOW.initial == (S.NEW,)
    assert DEFAULT_WORKFLOW.terminal == {S.CLOSED}


def test_unknown_statuses_are_named() -> None:
    with pytest.raises(WorkflowDefinitionError) as caught:
        Workflow(statuses=["a", "b"], edges={"a": ["b", "ghost"], "phantom": ["a"]}, initial=["a"])
    (problem,) = caught.value.problems
    assert problem == "edges name unknown statuses: ghost, phantom"
    assert caught.value.code == "invalid_workflow"


def test_unknown_initial_status_is_named() -> None:
    with pytest.raises(WorkflowDefinitionError, match="unknown initial statuses: zzz"):
        Workflow(statuses=["a", "b"], edges={"a": ["b"]}, initial=["a", "zzz"])


def test_missing_initial_status_is_an_error() -> None:
    with pytest.raises(WorkflowDefinitionError, match="no initial status"):
        Workflow(statuses=["a", "b"], edges={"a": ["b"]}, initial=[])


def test_unreachable_statuses_are_named() -> None:
    with pytest.raises(WorkflowDefinitionError) as caught:
        Workflow(
            statuses=["open", "done", "limbo", "void"],
            edges={"open": ["done"], "limbo": ["done"], "void": ["done"]},
            initial=["open"],
        )
    assert caught.value.problems == ("unreachable from the initial statuses (open): limbo, void",)


def test_no_terminal_status_is_an_error() -> None:
    with pytest.raises(WorkflowDefinitionError) as caught:
        Workflow(statuses=["a", "b"], edges={"a": ["b"], "b": ["a"]}, initial=["a"])
    assert caught.value.problems == ("no terminal status: every status has an outgoing edge",)


def test_statuses_with_no_way_to_a_terminal_status_are_named() -> None:
    with pytest.raises(WorkflowDefinitionError) as caught:
        Workflow(
            statuses=["open", "loop1", "loop2", "done"],
            edges={"open": ["loop1", "done"], "loop1": ["loop2"], "loop2": ["loop1"]},
            initial=["open"],
        )
    assert caught.value.problems == ("no way to a terminal status from: loop1, loop2",)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(WorkflowDefinitionError) as caught:
        Workflow(
            statuses=["a", "b", "c"],
            edges={"a": ["b", "x"], "b": ["a"]},
            initial=["a"],
            roles={("a", "c"): ["agent"], ("a", "b"): ["wizard"]},
        )
    problems = caught.value.problems
    assert any("unknown statuses: x" in p for p in problems)
    assert any("unreachable" in p and "c" in p for p in problems)
    assert any("no way to a terminal status from: a, b" in p for p in problems)
    assert any("a -> c is not an edge" in p for p in problems)
    assert any("unknown role 'wizard'" in p for p in problems)


def test_rules_naming_unknown_statuses_are_errors() -> None:
    with pytest.raises(WorkflowDefinitionError, match=r"checks\[\('\*', 'ghost'\)\]"):
        Workflow.default(checks={(ANY, "ghost"): {"x": has_assignee}})


def test_roles_match_the_exact_edge_first() -> None:
    workflow = Workflow.default(
        roles={
            (S.RESOLVED, S.CLOSED): [Role.SUPERVISOR],
            (ANY, S.CLOSED): [Role.AGENT],
            (S.RESOLVED, ANY): [Role.CUSTOMER],
            (ANY, ANY): [Role.SYSTEM],
        }
    )
    assert workflow.allowed_roles(S.RESOLVED, S.CLOSED) == {Role.SUPERVISOR}
    assert workflow.allowed_roles(S.RESOLVED, S.IN_PROGRESS) == {Role.CUSTOMER}
    assert workflow.allowed_roles(S.NEW, S.TRIAGED) == {Role.SYSTEM}


def test_roles_match_star_to_target_before_source_to_star() -> None:
    workflow = Workflow.default(
        roles={(ANY, S.IN_PROGRESS): [Role.AGENT], (S.RESOLVED, ANY): [Role.CUSTOMER]}
    )
    assert workflow.allowed_roles(S.RESOLVED, S.IN_PROGRESS) == {Role.AGENT}
    assert workflow.allowed_roles(S.NEW, S.TRIAGED) == STAFF, "no rule: staff only"


def test_allowed_roles_of_a_non_edge_is_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransitionError):
        DEFAULT_WORKFLOW.allowed_roles(S.NEW, S.CLOSED)


def test_role_not_allowed_raises_permission_denied() -> None:
    workflow = Workflow.default(roles={(S.NEW, S.TRIAGED): [Role.AGENT, Role.AI]})
    with pytest.raises(PermissionDeniedError) as caught:
        workflow.transition(create(workflow), S.TRIAGED, actor=Actor.customer("c"), at=AT)
    error = caught.value
    assert (error.code, error.role, error.allowed) == (
        "permission_denied",
        "customer",
        ("agent", "ai"),
    )
    assert isinstance(error, PermissionError)


def test_every_failing_check_is_listed_with_its_reason() -> None:
    workflow = Workflow.default(
        checks={
            (S.NEW, S.TRIAGED): {"has_assignee": has_assignee},
            (ANY, S.TRIAGED): {"has_category": has_category},
        }
    )
    with pytest.raises(CheckFailedError) as caught:
        workflow.transition(create(workflow), S.TRIAGED, actor=Actor.agent("b"), at=AT)
    assert caught.value.failures == (
        CheckFailure("has_assignee", "nobody is assigned"),
        CheckFailure("has_category", "no category"),
    )
    assert "has_assignee: nobody is assigned; has_category: no category" in str(caught.value)


def test_passing_checks_let_the_move_through() -> None:
    workflow = Workflow.default(checks={(S.NEW, S.TRIAGED): {"has_assignee": has_assignee}})
    ticket = create(workflow)
    ticket, _ = workflow.transition(
        Ticket(
            **{
                **{a: getattr(ticket, a) for a in ("id", "number", "subject", "requester")},
                "created_at": AT,
                "updated_at": AT,
                "assignee": "bob",
            }
        ),
        S.TRIAGED,
        actor=Actor.agent("b"),
        at=AT,
    )
    assert ticket.status is S.TRIAGED


def test_non_edge_is_refused_before_roles_and_checks() -> None:
    workflow = Workflow.default(roles={(ANY, ANY): [Role.SYSTEM]})
    with pytest.raises(InvalidTransitionError) as caught:
        workflow.transition(create(workflow), S.CLOSED, actor=Actor.customer("c"), at=AT)
    assert caught.value.code == "invalid_transition"


def test_tickets_are_created_only_in_initial_statuses() -> None:
    workflow = Workflow(
        statuses=["draft", "open", "done"],
        edges={"draft": ["open"], "open": ["done"]},
        initial=["draft", "open"],
    )
    assert create(workflow).status == "draft"
    assert create(workflow, "open").status == "open"
    with pytest.raises(InvalidValueError, match="created in one of draft, open"):
        create(workflow, "done")


def test_custom_statuses_stay_strings_and_move() -> None:
    workflow = Workflow(statuses=["open", "done"], edges={"open": ["done"]}, initial=["open"])
    ticket, event = workflow.transition(create(workflow), "done", actor=Actor.agent("b"), at=AT)
    assert ticket.status == "done"
    assert event.source == "open"
    assert workflow.can("open", "done")
    assert not workflow.can("done", "open")
    assert not workflow.can("nowhere", "open")


def test_mermaid_draws_every_edge_with_its_rules() -> None:
    workflow = Workflow.default(
        roles={(S.RESOLVED, S.CLOSED): [Role.SUPERVISOR]},
        checks={(S.IN_PROGRESS, S.RESOLVED): {"has_assignee": has_assignee}},
    )
    diagram = workflow.to_mermaid()
    assert diagram.startswith("stateDiagram-v2\n    [*] --> new\n")
    assert "    resolved --> closed : supervisor\n" in diagram
    assert "    in_progress --> resolved : has_assignee\n" in diagram
    assert "    new --> triaged\n" in diagram
    assert diagram.endswith("    closed --> [*]\n")
    assert diagram.count("-->") == 8 + 1 + 1


def test_repr_names_the_workflow() -> None:
    assert repr(DEFAULT_WORKFLOW).startswith("Workflow(name='ticketflow-default'")


KANBAN_EDGES = {
    "todo": ["doing"],
    "doing": ["done"],
    "done": ["doing", "archived"],
    "archived": [],
}


@pytest.mark.parametrize(
    ("reopen", "expected"), [([("done", "doing")], [0, 0, 1, 1, 2, 2, 2]), ([], [0] * 7)]
)
def test_reopen_count_counts_the_workflows_named_reopen_edges_only(
    reopen: list[tuple[str, str]], expected: list[int]
) -> None:
    kanban = Workflow(
        statuses=list(KANBAN_EDGES),
        edges=KANBAN_EDGES,
        initial=["todo"],
        reopen=reopen,
        name="kanban",
    )
    ticket = create(kanban)
    counts, flags = [], []
    for target in ["doing", "done", "doing", "done", "doing", "done", "archived"]:
        ticket, event = kanban.transition(ticket, target, actor=Actor.agent("bob"), at=AT)
        counts.append(ticket.reopen_count)
        flags.append(event.reopen)
    assert counts == expected
    assert flags == [(source, target) in {*map(tuple, reopen)} for source, target in [
        ("todo", "doing"), ("doing", "done"), ("done", "doing"), ("doing", "done"),
        ("done", "doing"), ("doing", "done"), ("done", "archived"),
    ]]  # fmt: skip
