"""Opening a problem from incidents, linking and unlinking them: both sides of the journal."""

from __future__ import annotations

import pytest
from _problem_desks import (  # noqa: F401 - the fixtures `store` and `scene`
    AGENT,
    ALICE,
    POLICY,
    Scene,
    a_scene,
    each_store,
)

from ticketflow import (
    AccessDeniedError,
    ConfigurationError,
    Desk,
    IncidentLinkChanged,
    InvalidValueError,
    NewTicket,
    Requester,
    TicketKind,
    TicketLinked,
    TicketNotFoundError,
)
from ticketflow.problems import ProblemPolicy, Problems, quiet_period_check
from ticketflow.storage import InMemoryTicketStore, TicketQuery


def _problem_side(scene: Scene, problem_id: str) -> list[tuple[str, bool]]:
    return [
        (e.incident, e.linked)
        for e in scene.desk.history(problem_id)
        if isinstance(e, IncidentLinkChanged)
    ]


def _incident_side(scene: Scene, incident_id: str) -> list[str | None]:
    return [
        e.target
        for e in scene.desk.history(incident_id)
        if isinstance(e, TicketLinked) and e.link == "problem"
    ]


def test_opening_a_problem_links_every_incident_on_both_sides(scene: Scene) -> None:
    first, second = scene.incident(), scene.incident(category="network")
    third = scene.incident()
    problem = scene.problems.open(
        [first.id, second.id, third.id, first.id], subject="Hub mis-sorts parcels", actor=AGENT
    )
    assert problem.kind is TicketKind.PROBLEM
    assert problem.category == "delivery/late"  # the incidents' most common category
    assert problem.requester.external is False
    assert _problem_side(scene, problem.id) == [
        (first.id, True),
        (second.id, True),
        (third.id, True),
    ]
    for incident in (first, second, third):
        assert scene.desk.get(incident.id).links.problem == problem.id
        assert _incident_side(scene, incident.id) == [problem.id]
    assert scene.problems.state(problem.id).incidents == (first.id, second.id, third.id)


def test_opening_a_problem_from_incidents_without_a_category_leaves_it_open(scene: Scene) -> None:
    problem = scene.problems.open(
        [scene.incident(category=None).id], subject="Unknown", actor=AGENT
    )
    assert problem.category is None


@pytest.mark.parametrize("incidents", [[], ["missing"], "T1"])
def test_opening_a_problem_refuses_what_names_no_incident(
    scene: Scene, incidents: list[str] | str
) -> None:
    scene.incident()
    with pytest.raises((InvalidValueError, TicketNotFoundError)):
        scene.problems.open(incidents, subject="x", actor=AGENT)
    assert len(scene.desk.store.query(TicketQuery(limit=1000)).tickets) == 1


def test_opening_a_problem_from_a_ticket_that_is_no_incident_writes_nothing(scene: Scene) -> None:
    request = scene.desk.submit(
        NewTicket(
            subject="new laptop",
            requester=Requester(ALICE.id),
            kind=TicketKind.SERVICE_REQUEST,
        ),
        actor=ALICE,
    )
    incident = scene.incident()
    with pytest.raises(InvalidValueError, match="not an incident"):
        scene.problems.open([incident.id, request.id], subject="x", actor=AGENT)
    assert scene.desk.get(incident.id) == incident
    assert len(scene.desk.store.query(TicketQuery(limit=1000)).tickets) == 2


def test_a_customer_may_not_open_a_problem(scene: Scene) -> None:
    incident = scene.incident()
    with pytest.raises(AccessDeniedError):
        scene.problems.open([incident.id], subject="x", actor=ALICE)
    assert scene.desk.get(incident.id) == incident


def test_linking_an_incident_records_both_sides_once(scene: Scene) -> None:
    problem = scene.problems.open([scene.incident().id], subject="x", actor=AGENT)
    incident = scene.incident()
    after = scene.problems.link(problem.id, incident.id, actor=AGENT)
    again = scene.problems.link(problem.id, incident.id, actor=AGENT)
    assert again.version == after.version
    assert _problem_side(scene, problem.id)[-1] == (incident.id, True)
    assert len(_problem_side(scene, problem.id)) == 2
    assert _incident_side(scene, incident.id) == [problem.id]


def test_linking_moves_an_incident_from_its_previous_problem(scene: Scene) -> None:
    incident = scene.incident()
    old = scene.problems.open([incident.id], subject="old", actor=AGENT)
    new = scene.problems.open([scene.incident().id], subject="new", actor=AGENT)
    scene.problems.link(new.id, incident.id, actor=AGENT)
    assert scene.desk.get(incident.id).links.problem == new.id
    assert _problem_side(scene, old.id) == [(incident.id, True), (incident.id, False)]
    assert scene.problems.state(old.id).incidents == ()
    assert incident.id in scene.problems.state(new.id).incidents


def test_unlinking_an_incident_records_both_sides(scene: Scene) -> None:
    first, second = scene.incident(), scene.incident()
    problem = scene.problems.open([first.id, second.id], subject="x", actor=AGENT)
    scene.problems.unlink(problem.id, first.id, actor=AGENT)
    assert scene.desk.get(first.id).links.problem is None
    assert _incident_side(scene, first.id) == [problem.id, None]
    assert _problem_side(scene, problem.id)[-1] == (first.id, False)
    assert scene.problems.state(problem.id).incidents == (second.id,)


def test_unlinking_an_incident_that_is_not_linked_is_refused(scene: Scene) -> None:
    problem = scene.problems.open([scene.incident().id], subject="x", actor=AGENT)
    stranger = scene.incident()
    before = scene.desk.get(problem.id)
    with pytest.raises(InvalidValueError, match="not linked"):
        scene.problems.unlink(problem.id, stranger.id, actor=AGENT)
    assert scene.desk.get(problem.id) == before


def test_linking_refuses_a_target_that_is_no_problem(scene: Scene) -> None:
    incident, other = scene.incident(), scene.incident()
    with pytest.raises(InvalidValueError, match="not a problem"):
        scene.problems.link(other.id, incident.id, actor=AGENT)
    assert scene.desk.get(incident.id) == incident


def test_a_customer_may_not_link(scene: Scene) -> None:
    problem = scene.problems.open([scene.incident().id], subject="x", actor=AGENT)
    incident = scene.incident()
    with pytest.raises(AccessDeniedError):
        scene.problems.link(problem.id, incident.id, actor=ALICE)
    assert scene.desk.get(incident.id) == incident


def test_a_half_done_link_is_completed_by_running_the_command_again(scene: Scene) -> None:
    # The incident's side as if the second commit had failed: only the problem knows.
    problem = scene.problems.open([scene.incident().id], subject="x", actor=AGENT)
    incident = scene.incident()
    scene.problems._record_link(problem.id, incident.id, AGENT, linked=True)
    assert scene.desk.get(incident.id).links.problem is None
    scene.problems.link(problem.id, incident.id, actor=AGENT)
    assert scene.desk.get(incident.id).links.problem == problem.id
    assert [i for i, _ in _problem_side(scene, problem.id)].count(incident.id) == 1


def test_a_quiet_period_the_desk_does_not_run_is_refused_at_once() -> None:
    desk = Desk(InMemoryTicketStore())
    with pytest.raises(ConfigurationError, match="quiet_period_check"):
        Problems(desk)
    with pytest.raises(ConfigurationError):  # the work of another policy is not this one's
        Problems(
            Desk(InMemoryTicketStore(), due=[quiet_period_check(ProblemPolicy())]), policy=POLICY
        )
    assert Problems(desk, policy=ProblemPolicy(quiet_period=None)).policy.quiet_period is None


def test_the_desks_own_link_command_records_the_problems_side_too(scene: Scene) -> None:
    first, second = scene.incident(), scene.incident()
    one = scene.problems.open([first.id], subject="Hub mis-sorts parcels", actor=AGENT)
    two = scene.problems.open([second.id], subject="Scanner down", actor=AGENT)
    # Linked with Desk.link, not Problems.link: the problem still hears of it.
    scene.desk.link(second.id, "problem", one.id, actor=AGENT)
    assert _incident_side(scene, second.id) == [two.id, one.id]
    assert _problem_side(scene, one.id) == [(first.id, True), (second.id, True)]
    assert _problem_side(scene, two.id) == [(second.id, True), (second.id, False)]
    assert scene.problems.state(one.id).incidents == (first.id, second.id)
    assert scene.problems.state(two.id).incidents == ()
    # Unlinked by the desk: the problem's side says so; linking again the same is no change.
    scene.desk.link(first.id, "problem", None, actor=AGENT)
    scene.desk.link(second.id, "problem", one.id, actor=AGENT)
    assert scene.problems.state(one.id).incidents == (second.id,)
    assert _problem_side(scene, one.id)[-1] == (first.id, False)
    # Problems.link and Problems.unlink still record each side once.
    scene.problems.link(two.id, first.id, actor=AGENT)
    scene.problems.unlink(two.id, first.id, actor=AGENT)
    assert _problem_side(scene, two.id)[-2:] == [(first.id, True), (first.id, False)]
    assert _incident_side(scene, first.id)[-2:] == [two.id, None]
