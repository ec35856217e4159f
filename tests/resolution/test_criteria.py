"""The definition of done: each built-in criterion, which apply to a ticket, and resolving."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest
from _resolution_desks import (
    AGENT,
    T0,
    at_work,
    desk_on,
    each_store,  # noqa: F401 - the fixture `store`
    fixed,
    types,
)

from ticketflow import (
    CheckResult,
    CriterionVerdict,
    Draft,
    Requester,
    ResolutionRecorded,
    Ticket,
    TicketEvent,
    TicketflowError,
    TicketKind,
    TicketLinks,
    TicketTransitioned,
)
from ticketflow.exceptions import InvalidValueError
from ticketflow.resolution import (
    ANY,
    ChecklistDone,
    CodeInList,
    Criterion,
    DoneContext,
    DoneCriteria,
    DoneCriteriaNotMetError,
    EvidenceAttached,
    HostCriterion,
    ProblemLinked,
    Resolution,
    ResolutionPolicy,
    RootCauseGiven,
)
from ticketflow.storage import TicketStore


def ticket(
    *,
    kind: TicketKind = TicketKind.INCIDENT,
    category: str | None = None,
    tags: frozenset[str] = frozenset(),
    fields: Mapping[str, str | int | bool] | None = None,
    reopen_count: int = 0,
    problem: str | None = None,
) -> Ticket:
    return Ticket(
        id="T1",
        number=1,
        subject="parcel late",
        requester=Requester("alice@example.com"),
        created_at=T0,
        updated_at=T0,
        kind=kind,
        category=category,
        tags=tags,
        fields=fields or {},
        reopen_count=reopen_count,
        links=TicketLinks(problem=problem),
    )


def context(
    of: Ticket | None = None,
    resolution: Resolution | None = None,
    history: Callable[[], Sequence[TicketEvent]] = tuple,
) -> DoneContext:
    return DoneContext(of or ticket(), resolution or fixed(), history)


def check(criterion: Criterion, of: Ticket | None = None, **parts: Any) -> CheckResult:
    return criterion.check(context(of, fixed(**parts) if parts else None))


# -- each built-in criterion ---------------------------------------------------------------------


def test_code_in_list_passes_a_listed_code_and_names_the_list_otherwise() -> None:
    criterion = CodeInList(["fixed", "workaround"])
    assert check(criterion).passed
    result = check(criterion, code="nope")
    assert not result.passed
    assert "'nope'" in result.reason
    assert "fixed, workaround" in result.reason


def test_code_in_list_refuses_an_empty_or_textual_list() -> None:
    with pytest.raises(InvalidValueError):
        CodeInList([])
    with pytest.raises(InvalidValueError):
        CodeInList("fixed")


def test_root_cause_is_required_only_in_the_categories_named() -> None:
    criterion = RootCauseGiven(["network"])
    assert check(criterion, ticket(category="billing")).passed
    assert check(criterion, ticket()).passed, "no category: not one of those named"
    failed = check(criterion, ticket(category="network"))
    assert not failed.passed
    assert "network" in failed.reason
    assert check(criterion, ticket(category="network"), root_cause="a bad cable").passed


def test_root_cause_for_every_category_when_none_are_named() -> None:
    criterion = RootCauseGiven()
    assert not check(criterion, ticket()).passed
    assert not check(criterion, ticket(category="billing")).passed
    assert check(criterion, ticket(category="billing"), root_cause="typo in the rate").passed


def test_problem_linked_by_the_recurring_tag() -> None:
    criterion = ProblemLinked()
    assert check(criterion, ticket()).passed
    failed = check(criterion, ticket(tags=frozenset({"recurring"})))
    assert not failed.passed
    assert "tagged recurring" in failed.reason
    assert check(criterion, ticket(tags=frozenset({"recurring"}), problem="P1")).passed
    other = ticket(kind=TicketKind.SERVICE_REQUEST, tags=frozenset({"recurring"}))
    assert check(criterion, other).passed, "only incidents recur"


def test_problem_linked_by_reopens_only_when_asked() -> None:
    assert check(ProblemLinked(), ticket(reopen_count=5)).passed
    criterion = ProblemLinked(min_reopens=2)
    assert check(criterion, ticket(reopen_count=1)).passed
    failed = check(criterion, ticket(reopen_count=2))
    assert not failed.passed
    assert "reopened 2 times" in failed.reason
    assert check(criterion, ticket(reopen_count=3, problem="P1")).passed


def test_problem_linked_refuses_a_bad_threshold() -> None:
    for bad in (0, -1, True, "2", 1001):
        with pytest.raises(InvalidValueError):
            ProblemLinked(min_reopens=bad)  # type: ignore[arg-type]


def test_evidence_attached_counts_items() -> None:
    assert not check(EvidenceAttached()).passed
    assert check(EvidenceAttached(), evidence=("https://ci.example/run/1",)).passed
    two = EvidenceAttached(minimum=2)
    failed = check(two, evidence=("sha256:ab",))
    assert not failed.passed
    assert "needs 2" in failed.reason
    assert "has 1" in failed.reason
    assert check(two, evidence=("sha256:ab", "https://x.example")).passed


def test_checklist_done_needs_every_prefixed_field_true() -> None:
    criterion = ChecklistDone()
    assert check(criterion, ticket(fields={"order": 7})).passed, "no checklist"
    done = {"checklist.backup": True, "checklist.notify": True, "order": 7}
    assert check(criterion, ticket(fields=done)).passed
    open_items: dict[str, str | int | bool] = {
        "checklist.backup": True,
        "checklist.notify": False,
        "checklist.test": "yes",
    }
    failed = check(criterion, ticket(fields=open_items))
    assert not failed.passed
    assert failed.reason == "checklist items not done: notify, test"


def test_checklist_done_with_its_own_prefix() -> None:
    criterion = ChecklistDone(prefix="todo_")
    assert check(criterion, ticket(fields={"checklist.x": False})).passed
    assert not check(criterion, ticket(fields={"todo_x": 1})).passed


def test_a_host_criterion_may_answer_with_a_bool_or_a_check_result() -> None:
    yes = HostCriterion("vip_signed_off", lambda _: True)
    no = HostCriterion("vip_signed_off", lambda _: False, reason="the VIP has not signed off")
    why = HostCriterion("billing", lambda _: CheckResult.fail("credit note missing"))
    assert check(yes).passed
    assert check(no).reason == "the VIP has not signed off"
    assert check(why).reason == "credit note missing"


def test_a_host_criterion_sees_the_ticket_the_resolution_and_the_journal() -> None:
    seen: list[object] = []

    def predicate(ctx: DoneContext) -> bool:
        seen.extend([ctx.ticket.id, ctx.resolution.code, len(ctx.history)])
        return True

    DoneCriteria.of([HostCriterion("look", predicate)]).evaluate(context(history=lambda: ["e"] * 3))  # type: ignore[list-item]
    assert seen == ["T1", "fixed", 3]


def _raises(_: DoneContext) -> bool:
    raise RuntimeError("the CMDB is down")


def _junk(_: DoneContext) -> object:
    return "yes"


def test_a_broken_host_criterion_fails_and_never_passes() -> None:
    raising = HostCriterion("cmdb", _raises)
    junk = HostCriterion("cmdb2", _junk)  # type: ignore[arg-type]
    none = HostCriterion("cmdb3", lambda _: None)  # type: ignore[arg-type,return-value]
    verdicts = DoneCriteria.of([raising, junk, none]).evaluate(context())
    assert [v.passed for v in verdicts] == [False, False, False]
    assert "RuntimeError: the CMDB is down" in verdicts[0].reason
    assert "'yes'" in verdicts[1].reason
    assert "not a CheckResult" in verdicts[2].reason


def test_a_host_criterion_refuses_what_is_not_callable() -> None:
    with pytest.raises(InvalidValueError):
        HostCriterion("x", "not callable")  # type: ignore[arg-type]


# -- which criteria apply --------------------------------------------------------------------------


def _names(criteria: DoneCriteria, of: Ticket) -> list[str]:
    return [c.name for c in criteria.for_ticket(of)]


def test_every_matching_key_applies_most_specific_first() -> None:
    by_key: dict[tuple[str, str], list[Criterion]] = {
        (ANY, ANY): [CodeInList()],
        (ANY, "network"): [RootCauseGiven()],
        ("incident", ANY): [ProblemLinked()],
        ("incident", "network"): [EvidenceAttached()],
        ("problem", "network"): [ChecklistDone()],
    }
    criteria = DoneCriteria(by_key)
    network_incident = ticket(category="network")
    assert _names(criteria, network_incident) == [
        "evidence",
        "problem_linked",
        "root_cause",
        "resolution_code",
    ]
    assert _names(criteria, ticket(category="billing")) == ["problem_linked", "resolution_code"]
    assert _names(criteria, ticket()) == ["problem_linked", "resolution_code"]
    request = ticket(kind=TicketKind.SERVICE_REQUEST, category="network")
    assert _names(criteria, request) == ["root_cause", "resolution_code"]


def test_the_most_specific_criterion_of_a_name_wins() -> None:
    strict = CodeInList(["fixed"])
    criteria = DoneCriteria({(ANY, ANY): [CodeInList()], ("incident", "network"): [strict]})
    (chosen,) = criteria.for_ticket(ticket(category="network"))
    assert chosen is strict
    assert not criteria.evaluate(context(ticket(category="network"), fixed("workaround")))[0].passed
    assert criteria.evaluate(context(ticket(category="billing"), fixed("workaround")))[0].passed


def test_a_plain_collection_applies_to_every_ticket() -> None:
    criteria = DoneCriteria.of([EvidenceAttached(), CodeInList()])
    assert _names(criteria, ticket(kind=TicketKind.PROBLEM, category="x")) == [
        "evidence",
        "resolution_code",
    ]


@pytest.mark.parametrize(
    "bad",
    [
        {("incident",): [CodeInList()]},
        {("nokind", ANY): [CodeInList()]},
        {"incident": [CodeInList()]},
        {(ANY, ANY): ["not a criterion"]},
        {(ANY, ANY): "resolution_code"},
        [object()],
    ],
)
def test_done_criteria_refuse_bad_keys_and_entries(bad: object) -> None:
    with pytest.raises(InvalidValueError):
        DoneCriteria(bad)  # type: ignore[arg-type]


# -- resolving through the desk --------------------------------------------------------------------

STRICT = DoneCriteria.of(
    [
        CodeInList(["fixed"]),
        RootCauseGiven(),
        EvidenceAttached(),
        ChecklistDone(),
        HostCriterion("host", lambda _: False, reason="the host says no"),
    ]
)


def test_resolving_with_failing_criteria_lists_every_failure_and_writes_nothing(
    store: TicketStore,
) -> None:
    desk, _ = desk_on(store, ResolutionPolicy(criteria=STRICT))
    ticket = at_work(desk, fields={"checklist.backup": False})
    journal = list(desk.history(ticket.id))
    with pytest.raises(DoneCriteriaNotMetError) as raised:
        desk.resolve(ticket.id, fixed("workaround"), actor=AGENT)
    error = raised.value
    assert isinstance(error, ValueError)
    assert isinstance(error, TicketflowError)
    assert error.code == "done_criteria_not_met"
    assert error.ticket_id == ticket.id
    assert [f.name for f in error.failures] == [
        "resolution_code",
        "root_cause",
        "evidence",
        "checklist",
        "host",
    ]
    for failure in error.failures:
        assert failure.name in str(error)
        assert failure.reason in str(error)
    assert desk.get(ticket.id) == ticket
    assert list(desk.history(ticket.id)) == journal


def test_a_passing_resolve_records_every_verdict_then_moves(store: TicketStore) -> None:
    criteria = DoneCriteria.of([CodeInList(), RootCauseGiven(["network"]), EvidenceAttached()])
    desk, _ = desk_on(store, ResolutionPolicy(criteria=criteria))
    ticket = at_work(desk)
    resolution = fixed(evidence=("https://ci.example/1",))
    after = desk.resolve(ticket.id, resolution, actor=AGENT)
    assert after.status == "resolved"
    assert after.resolution == "fixed"
    assert after.version == ticket.version + 2
    *_, recorded, moved = desk.history(ticket.id)
    assert isinstance(recorded, ResolutionRecorded)
    assert recorded.resolution == resolution
    assert not recorded.suggested
    assert recorded.actor == AGENT
    assert [(v.criterion, v.passed) for v in recorded.verdicts] == [
        ("resolution_code", True),
        ("root_cause", True),
        ("evidence", True),
    ]
    assert isinstance(moved, TicketTransitioned)
    assert (moved.source, moved.target, moved.actor) == ("in_progress", "resolved", AGENT)
    assert recorded.version + 1 == moved.version


def test_resolving_from_a_status_without_the_edge_is_refused(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk, status="triaged")
    with pytest.raises(TicketflowError) as raised:
        desk.resolve(ticket.id, fixed(), actor=AGENT)
    assert raised.value.code == "invalid_transition"
    assert types(desk, ticket.id) == ["created", "transitioned"]


def test_a_plain_transition_to_resolved_is_refused_without_a_resolution(
    store: TicketStore,
) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk)
    with pytest.raises(DoneCriteriaNotMetError) as raised:
        desk.transition(ticket.id, "resolved", actor=AGENT)
    assert "Desk.resolve" in str(raised.value)
    assert desk.get(ticket.id) == ticket


def test_resolving_from_pending_customer_works_too(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk, status="pending_customer")
    assert desk.resolve(ticket.id, fixed("answered"), actor=AGENT).status == "resolved"


def test_a_recurring_incident_resolves_once_linked_to_a_problem(store: TicketStore) -> None:
    desk, _ = desk_on(store, ResolutionPolicy(criteria=DoneCriteria.of([ProblemLinked()])))
    problem = at_work(desk, kind=TicketKind.PROBLEM)
    ticket = at_work(desk, tags=frozenset({"recurring"}))
    with pytest.raises(DoneCriteriaNotMetError):
        desk.resolve(ticket.id, fixed(), actor=AGENT)
    desk.link(ticket.id, "problem", problem.id, actor=AGENT)
    assert desk.resolve(ticket.id, fixed(), actor=AGENT).status == "resolved"


@pytest.mark.parametrize(
    "verdicts",
    [(CriterionVerdict("resolution_code", passed=False, reason="not listed"),), ()],
    ids=["failed", "unjudged"],
)
def test_a_capability_cannot_resolve_past_the_criteria(
    store: TicketStore, verdicts: tuple[CriterionVerdict, ...]
) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk)

    def forge(draft: Draft) -> None:
        draft.record(ResolutionRecorded, resolution=fixed("nope"), verdicts=verdicts)
        draft.transition("resolved")

    with pytest.raises(DoneCriteriaNotMetError):
        desk.execute(ticket.id, forge, actor=AGENT, command="transition")
    assert desk.get(ticket.id) == ticket
