"""Resolving a problem resolves its open incidents, each by the desk's resolution rules."""

from __future__ import annotations

import pytest
from _problem_desks import (  # noqa: F401 - the fixtures `store` and `scene`
    AGENT,
    ALICE,
    Scene,
    a_scene,
    each_store,
)

from ticketflow import (
    Actor,
    ConfirmationRequiredError,
    FixNotVerifiedError,
    LinkKind,
    Resolution,
    ResolutionSource,
    Ticket,
    TicketLinked,
    TicketStatus,
)
from ticketflow.problems import IncidentResult, ProblemResolution

DONE = Resolution(code="fixed", summary="Scanner firmware 2.1 rolled out.")
FOR_INCIDENTS = Resolution(code="fixed", summary="Fixed by the hub's firmware update.")


def _verified(scene: Scene, *incidents: Ticket) -> Ticket:
    problem = scene.problems.open([i.id for i in incidents], subject="Hub", actor=AGENT)
    scene.at_work(problem.id)
    scene.problems.record_fix(problem.id, "Firmware 2.1.", actor=AGENT)
    return scene.problems.verify(problem.id, ["canary green for a week"], actor=AGENT)


def test_resolving_a_problem_resolves_each_open_incident_and_reports_it(scene: Scene) -> None:
    at_work = scene.incident()
    network = scene.incident(category="network")  # its definition of done wants a root cause
    done = scene.incident()
    done = scene.desk.resolve(done.id, FOR_INCIDENTS, actor=AGENT)
    new = scene.incident(work=False)  # new -> resolved is no edge
    problem = _verified(scene, at_work, network, done, new)
    before = {t.id: (scene.desk.get(t.id), len(scene.desk.history(t.id))) for t in (network, new)}

    outcome = scene.problems.resolve(problem.id, DONE, actor=AGENT, incidents=FOR_INCIDENTS)

    assert outcome.problem.status == TicketStatus.RESOLVED
    assert [o.incident for o in outcome.incidents] == [at_work.id, network.id, done.id, new.id]
    assert [o.result for o in outcome.incidents] == [
        IncidentResult.RESOLVED,
        IncidentResult.REFUSED,
        IncidentResult.SKIPPED,
        IncidentResult.REFUSED,
    ]
    refused = outcome.incidents[1]
    assert [(f.criterion, f.passed) for f in refused.failures] == [("root_cause", False)]
    assert "not done" in refused.reason
    assert outcome.incidents[2].reason == "already resolved"
    assert "not an edge" in outcome.incidents[3].reason
    assert outcome.of(IncidentResult.RESOLVED) == (at_work.id,)
    # Nothing partial on the refused incidents.
    for ticket_id, (ticket, length) in before.items():
        assert scene.desk.get(ticket_id) == ticket
        assert len(scene.desk.history(ticket_id)) == length
    assert scene.desk.get(at_work.id).resolution == "fixed"


def test_a_resolved_external_incident_still_waits_for_the_customer(scene: Scene) -> None:
    incident = scene.incident(external=True)
    problem = _verified(scene, incident)
    scene.problems.resolve(problem.id, DONE, actor=AGENT, incidents=FOR_INCIDENTS)
    with pytest.raises(ConfirmationRequiredError):
        scene.desk.close(incident.id, actor=AGENT)
    assert scene.desk.confirm_resolution(incident.id, actor=ALICE).status == TicketStatus.CLOSED


def test_an_internal_incident_resolved_with_its_problem_is_closed_by_an_agent(
    scene: Scene,
) -> None:
    incident = scene.incident(external=False)
    problem = _verified(scene, incident)
    scene.problems.resolve(problem.id, DONE, actor=AGENT, incidents=FOR_INCIDENTS)
    assert scene.desk.close(incident.id, actor=AGENT).status == TicketStatus.CLOSED


def test_without_a_resolution_for_them_the_incidents_are_left_alone(scene: Scene) -> None:
    incident = scene.incident()
    problem = _verified(scene, incident)
    outcome = scene.problems.resolve(problem.id, DONE, actor=AGENT)
    assert outcome == ProblemResolution(scene.desk.get(problem.id))
    assert scene.desk.get(incident.id).status == TicketStatus.IN_PROGRESS


def test_an_incident_whose_own_link_moved_on_is_skipped(scene: Scene) -> None:
    incident = scene.incident()
    problem = _verified(scene, incident)
    # Unlinked behind the problem's back: only the incident's side committed (Desk.link
    # records both sides; a process that stopped between the two commits leaves this).
    scene.desk.execute(
        incident.id,
        lambda draft: draft.record(TicketLinked, link=LinkKind.PROBLEM, target=None),
        actor=AGENT,
        command="link",
    )
    outcome = scene.problems.resolve(problem.id, DONE, actor=AGENT, incidents=FOR_INCIDENTS)
    assert [o.result for o in outcome.incidents] == [IncidentResult.SKIPPED]
    assert scene.desk.get(incident.id).status == TicketStatus.IN_PROGRESS


def test_resolving_incidents_later_needs_a_verified_fix(scene: Scene) -> None:
    incident = scene.incident()
    problem = scene.problems.open([incident.id], subject="Hub", actor=AGENT)
    with pytest.raises(FixNotVerifiedError):
        scene.problems.resolve_incidents(problem.id, FOR_INCIDENTS, actor=AGENT)
    assert scene.desk.get(incident.id).status == TicketStatus.IN_PROGRESS
    scene.problems.record_fix(problem.id, "Firmware 2.1.", actor=AGENT)
    scene.problems.verify(problem.id, ["canary green"], actor=AGENT)
    [outcome] = scene.problems.resolve_incidents(problem.id, FOR_INCIDENTS, actor=AGENT)
    assert outcome.result is IncidentResult.RESOLVED


def test_an_ais_low_confidence_problem_resolution_is_a_suggestion_and_resolves_no_incident(
    scene: Scene,
) -> None:
    incident = scene.incident()
    problem = _verified(scene, incident)
    guess = Resolution(code="fixed", summary="firmware", source=ResolutionSource.AI, confidence=0.2)
    outcome = scene.problems.resolve(
        problem.id, guess, actor=Actor.ai("bot"), incidents=FOR_INCIDENTS
    )
    assert outcome.problem.status == TicketStatus.IN_PROGRESS
    assert outcome.incidents == ()
    assert scene.desk.get(incident.id).status == TicketStatus.IN_PROGRESS
