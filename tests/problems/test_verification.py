"""Root cause, workaround and fix; no resolve or close before the fix is verified."""

from __future__ import annotations

import pytest
from _problem_desks import (  # noqa: F401 - the fixtures `store` and `scene`
    AGENT,
    POLICY,
    QUIET,
    Scene,
    a_scene,
    each_store,
)

from ticketflow import (
    AccessDeniedError,
    Actor,
    DoneCriteriaNotMetError,
    FixNotVerifiedError,
    FixVerified,
    InvalidValueError,
    ProblemAspect,
    ProblemUpdated,
    Resolution,
    Ticket,
    TicketStatus,
)
from ticketflow.problems import PROBLEMS_ACTOR
from ticketflow.storage import TicketQuery

DONE = Resolution(code="fixed", summary="Scanner firmware 2.1 rolled out.")


def _fixed_problem(scene: Scene) -> Ticket:
    problem = scene.problems.open([scene.incident().id], subject="Hub mis-sorts", actor=AGENT)
    scene.at_work(problem.id)
    scene.problems.record_root_cause(problem.id, "Scanner firmware drops labels.", actor=AGENT)
    return scene.problems.record_fix(problem.id, "Firmware 2.1 on every scanner.", actor=AGENT)


def _verifications(scene: Scene, problem_id: str) -> list[FixVerified]:
    return [e for e in scene.desk.history(problem_id) if isinstance(e, FixVerified)]


def test_root_cause_workaround_and_fix_are_recorded_once_each(scene: Scene) -> None:
    problem = scene.problems.open([scene.incident().id], subject="x", actor=AGENT)
    for _ in range(2):
        scene.problems.record_root_cause(problem.id, "firmware", actor=AGENT)
        scene.problems.record_fix(problem.id, "firmware 2.1", actor=AGENT)
    updates = [
        (e.aspect, e.text) for e in scene.desk.history(problem.id) if isinstance(e, ProblemUpdated)
    ]
    assert updates == [(ProblemAspect.ROOT_CAUSE, "firmware"), (ProblemAspect.FIX, "firmware 2.1")]
    state = scene.problems.state(problem.id)
    assert (state.root_cause, state.fix, state.known_error) == ("firmware", "firmware 2.1", False)


def test_a_workaround_makes_a_known_error_that_queries_find(scene: Scene) -> None:
    problem = scene.problems.open([scene.incident().id], subject="x", actor=AGENT)
    other = scene.problems.open([scene.incident().id], subject="y", actor=AGENT)
    after = scene.problems.record_workaround(problem.id, "Re-scan by hand.", actor=AGENT)
    assert after.fields["known_error"] is True
    assert scene.problems.state(problem.id).known_error
    found = scene.desk.store.query(TicketQuery(fields={"known_error": True})).tickets
    assert [t.id for t in found] == [problem.id]
    assert not scene.problems.state(other.id).known_error


def test_empty_findings_are_refused(scene: Scene) -> None:
    problem = scene.problems.open([scene.incident().id], subject="x", actor=AGENT)
    with pytest.raises(InvalidValueError):
        scene.problems.record_fix(problem.id, "  ", actor=AGENT)
    assert scene.desk.get(problem.id) == problem


def test_resolving_or_closing_before_the_fix_is_verified_is_refused(scene: Scene) -> None:
    problem = _fixed_problem(scene)
    with pytest.raises(FixNotVerifiedError, match="no new incident until") as refused:
        scene.problems.resolve(problem.id, DONE, actor=AGENT)
    assert refused.value.code == "fix_not_verified"
    assert refused.value.ticket_id == problem.id
    with pytest.raises(FixNotVerifiedError):
        scene.problems.close(problem.id, actor=AGENT)
    # The desk itself refuses too: VerifiedFix is in its definition of done for problems.
    with pytest.raises(DoneCriteriaNotMetError) as not_done:
        scene.desk.resolve(problem.id, DONE, actor=AGENT)
    assert [f.name for f in not_done.value.failures] == ["fix_verified"]
    assert scene.desk.get(problem.id) == problem


def test_without_a_fix_there_is_nothing_to_verify(scene: Scene) -> None:
    problem = scene.problems.open([scene.incident().id], subject="x", actor=AGENT)
    scene.at_work(problem.id)
    with pytest.raises(FixNotVerifiedError, match="no fix is recorded"):
        scene.problems.resolve(problem.id, DONE, actor=AGENT)
    with pytest.raises(InvalidValueError, match="no fix to verify"):
        scene.problems.verify(problem.id, ["it works"], actor=AGENT)


def test_the_quiet_period_verifies_the_fix_through_tick(scene: Scene) -> None:
    problem = _fixed_problem(scene)
    scene.later(QUIET - QUIET / 100)
    assert scene.desk.tick().recorded.get("fix_verified", 0) == 0
    scene.later(QUIET / 100)
    assert scene.desk.tick().recorded["fix_verified"] == 1
    [verified] = _verifications(scene, problem.id)
    assert verified.method == "quiet_period"
    assert verified.policy == POLICY.name
    assert verified.actor == PROBLEMS_ACTOR
    assert "no incident linked" in verified.evidence[0]
    assert scene.desk.tick().recorded.get("fix_verified", 0) == 0  # once
    resolved = scene.problems.resolve(problem.id, DONE, actor=AGENT).problem
    assert resolved.status == TicketStatus.RESOLVED
    assert scene.problems.close(problem.id, actor=AGENT).status == TicketStatus.CLOSED


def test_a_new_incident_during_the_quiet_period_restarts_it(scene: Scene) -> None:
    problem = _fixed_problem(scene)
    scene.later(QUIET / 2)
    scene.problems.link(problem.id, scene.incident().id, actor=AGENT)
    scene.later(QUIET / 2)
    assert scene.desk.tick().recorded.get("fix_verified", 0) == 0
    assert not scene.problems.state(problem.id).verified
    scene.later(QUIET / 2)
    assert scene.desk.tick().recorded["fix_verified"] == 1
    assert scene.problems.state(problem.id).verified


def test_an_unlink_during_the_quiet_period_does_not_restart_it(scene: Scene) -> None:
    problem = _fixed_problem(scene)
    [incident] = scene.problems.state(problem.id).incidents
    scene.later(QUIET / 2)
    scene.problems.unlink(problem.id, incident, actor=AGENT)
    scene.later(QUIET / 2)
    assert scene.desk.tick().recorded["fix_verified"] == 1


def test_a_new_incident_after_verification_revokes_it(scene: Scene) -> None:
    problem = _fixed_problem(scene)
    scene.problems.verify(problem.id, ["https://ops.example/canary/42"], actor=AGENT)
    assert scene.problems.state(problem.id).verified
    scene.later(QUIET / 7)
    scene.problems.link(problem.id, scene.incident().id, actor=AGENT)
    assert not scene.problems.state(problem.id).verified
    with pytest.raises(FixNotVerifiedError):
        scene.problems.resolve(problem.id, DONE, actor=AGENT)
    scene.later(QUIET)
    assert scene.desk.tick().recorded["fix_verified"] == 1


def test_an_explicit_verification_needs_evidence_and_is_recorded_once(scene: Scene) -> None:
    problem = _fixed_problem(scene)
    for evidence in ([], "a link", [""], ["two\nlines"]):
        with pytest.raises(InvalidValueError):
            scene.problems.verify(problem.id, evidence, actor=AGENT)
    supervisor = Actor.supervisor("sue")
    scene.problems.verify(problem.id, ("https://ops.example/canary/42",), actor=supervisor)
    scene.problems.verify(problem.id, ["again"], actor=supervisor)
    [verified] = _verifications(scene, problem.id)
    assert (verified.method, verified.evidence, verified.actor, verified.policy) == (
        "explicit",
        ("https://ops.example/canary/42",),
        supervisor,
        None,
    )
    assert scene.problems.resolve(problem.id, DONE, actor=AGENT).problem.resolution == "fixed"


def test_a_new_fix_is_verified_anew(scene: Scene) -> None:
    problem = _fixed_problem(scene)
    scene.problems.verify(problem.id, ["canary green"], actor=AGENT)
    scene.problems.record_fix(problem.id, "Firmware 2.2, the real fix.", actor=AGENT)
    state = scene.problems.state(problem.id)
    assert not state.verified
    assert state.fix == "Firmware 2.2, the real fix."
    scene.later(QUIET)
    scene.desk.tick()
    [_, second] = _verifications(scene, problem.id)
    assert second.fix == scene.problems.state(problem.id).fix_version


def test_a_closed_problem_takes_no_new_links_or_findings(scene: Scene) -> None:
    problem = _fixed_problem(scene)
    scene.problems.verify(problem.id, ["canary green"], actor=AGENT)
    scene.problems.resolve(problem.id, DONE, actor=AGENT)
    closed = scene.problems.close(problem.id, actor=AGENT, reason="done")
    incident = scene.incident()
    with pytest.raises(InvalidValueError, match="is closed"):
        scene.problems.link(problem.id, incident.id, actor=AGENT)
    with pytest.raises(InvalidValueError, match="is closed"):
        scene.problems.record_fix(problem.id, "another", actor=AGENT)
    assert scene.desk.get(problem.id) == closed
    assert scene.desk.get(incident.id) == incident


def test_an_ai_may_not_close_a_problem(scene: Scene) -> None:
    problem = _fixed_problem(scene)
    scene.problems.verify(problem.id, ["canary green"], actor=AGENT)
    scene.problems.resolve(problem.id, DONE, actor=AGENT)
    with pytest.raises(AccessDeniedError):  # the role table, or the rule "no AI closes"
        scene.problems.close(problem.id, actor=Actor.ai("bot"))
    assert scene.desk.get(problem.id).status == TicketStatus.RESOLVED
