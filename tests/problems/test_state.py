"""The pure parts: a problem's state from its journal, the policy, the criterion; a random walk."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import attrs
import pytest
from _problem_desks import AGENT, CRITERIA, POLICY, QUIET, T0, assert_every_journal_replays
from hypothesis import given
from hypothesis import strategies as st

import ticketflow
from ticketflow import (
    Desk,
    FixVerified,
    IncidentLinkChanged,
    InvalidValueError,
    NewTicket,
    ProblemAspect,
    ProblemUpdated,
    Requester,
    Resolution,
    TicketCreated,
    TicketEvent,
    TicketKind,
    VerificationMethod,
)
from ticketflow.problems import (
    PROBLEMS_ACTOR,
    ProblemPolicy,
    Problems,
    ProblemState,
    VerifiedFix,
    problem_state,
    quiet_period_check,
)
from ticketflow.resolution import DoneContext, ResolutionPolicy
from ticketflow.storage import InMemoryTicketStore
from ticketflow.testing import FrozenClock

_HEADER = {"ticket_id": "P1", "actor": AGENT}


PROBLEM = NewTicket(subject="x", requester=POLICY.requester, kind=TicketKind.PROBLEM).to_ticket(
    id="P1", number=1, status="new", at=T0
)


def _journal(*events: dict[str, object]) -> list[TicketEvent]:
    journal: list[TicketEvent] = [
        TicketCreated(ticket_id="P1", version=1, at=T0, actor=AGENT, ticket=PROBLEM)
    ]
    for version, spec in enumerate(events, start=2):
        kind = spec.pop("kind")
        at = T0 + spec.pop("after", timedelta(0))  # type: ignore[operator]
        journal.append(kind(**_HEADER, version=version, at=at, **spec))  # type: ignore[operator]
    return journal


def test_a_problem_state_follows_links_findings_and_the_last_fix() -> None:
    journal = _journal(
        {"kind": IncidentLinkChanged, "incident": "I1", "linked": True},
        {"kind": IncidentLinkChanged, "incident": "I2", "linked": True},
        {"kind": ProblemUpdated, "aspect": ProblemAspect.FIX, "text": "first"},
        {"kind": FixVerified, "method": VerificationMethod.EXPLICIT, "fix": 4},
        {"kind": IncidentLinkChanged, "incident": "I1", "linked": False},
        {"kind": ProblemUpdated, "aspect": "fix", "text": "second", "after": timedelta(hours=1)},
        # A verification of the first fix says nothing of the second.
        {"kind": FixVerified, "method": "explicit", "fix": 4, "after": timedelta(hours=2)},
    )
    state = problem_state(journal)
    assert state.incidents == ("I2",)
    assert (state.fix, state.fix_version, state.fixed_at) == ("second", 7, T0 + timedelta(hours=1))
    assert not state.verified
    assert state.quiet_until(QUIET) == T0 + timedelta(hours=1) + QUIET
    assert state.quiet_until(None) is None
    assert "verify it with evidence" in state.unverified_reason(None)
    assert problem_state(journal[:5]).verified


def test_a_problem_state_refuses_what_is_no_single_journal() -> None:
    journal = _journal()
    other = TicketCreated(
        ticket_id="P2", version=1, at=T0, actor=AGENT, ticket=attrs.evolve(PROBLEM, id="P2")
    )
    for bad in ([], (), "P1", [journal[0], other], [journal[0], "event"]):
        with pytest.raises(InvalidValueError):
            problem_state(bad)  # type: ignore[arg-type]


def test_a_problem_state_is_checked_when_built() -> None:
    with pytest.raises(InvalidValueError):
        ProblemState(problem_id="P1", incidents=("I1", "I1"))
    with pytest.raises(InvalidValueError):
        ProblemState(problem_id="P1", fix_version=0)
    assert not ProblemState(problem_id="P1").known_error


@pytest.mark.parametrize(
    "options",
    [
        {"quiet_period": timedelta(seconds=59)},
        {"quiet_period": timedelta(days=367)},
        {"quiet_period": 7},
        {"requester": Requester("ops@example.com")},  # external: an agent could not close it
        {"name": ""},
        {"known_error_field": "a\nb"},
        {"actor": "problems"},
    ],
)
def test_a_problem_policy_refuses_what_is_out_of_its_domain(options: dict[str, object]) -> None:
    with pytest.raises(InvalidValueError):
        ProblemPolicy(**options)  # type: ignore[arg-type]


def test_the_quiet_period_check_needs_a_quiet_period() -> None:
    with pytest.raises(InvalidValueError, match="no quiet period"):
        quiet_period_check(ProblemPolicy(quiet_period=None))
    work = quiet_period_check(POLICY)
    assert (work.name, work.actor) == (POLICY.name, PROBLEMS_ACTOR)
    assert "quiet_period_check" in repr(work)


def test_verified_fix_passes_every_ticket_that_is_no_problem() -> None:
    journal = _journal()
    incident = attrs.evolve(PROBLEM, kind=TicketKind.INCIDENT)
    done = Resolution(code="fixed", summary="x")
    assert VerifiedFix().check(DoneContext(incident, done, lambda: journal)).passed
    assert not VerifiedFix().check(DoneContext(PROBLEM, done, lambda: journal)).passed


def test_importing_ticketflow_does_not_load_problems() -> None:
    probe = (
        "import sys, ticketflow, ticketflow.problems\n"
        "assert not [m for m in sys.modules if m.startswith('ticketflow.problems.')], 'eager'\n"
        "ticketflow.problems.Problems\n"
        "assert 'ticketflow.problems._service' in sys.modules\n"
    )
    src = str(Path(ticketflow.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": src}
    subprocess.run([sys.executable, "-c", probe], check=True, env=env)  # noqa: S603


# -- a random walk against a model of the quiet period ------------------------------------------

_steps = st.lists(
    st.sampled_from(["link", "unlink", "fix", "verify", "wait", "wait_long", "tick"]),
    max_size=25,
)


class _Walk:
    """A desk with problems, and a model of when the problem's fix counts as verified."""

    def __init__(self) -> None:
        self.clock = FrozenClock(T0)
        self.store = InMemoryTicketStore()
        self.desk = Desk(
            self.store,
            clock=self.clock,
            due=[quiet_period_check(POLICY)],
            resolution=ResolutionPolicy(criteria=CRITERIA),
        )
        self.problems = Problems(self.desk, policy=POLICY)
        self.problem = self.problems.open([self.incident()], subject="Hub", actor=AGENT).id
        self.linked = list(self.problems.state(self.problem).incidents)
        self.restart: datetime | None = None  # when the quiet period last (re)started
        self.verified = False
        self.fixes = 0

    def incident(self) -> str:
        draft = NewTicket(subject="late", requester=Requester("alice@example.com"))
        return self.desk.submit(draft, actor=AGENT).id

    def step(self, step: str) -> None:
        now = self.clock.now()
        if step == "link":
            self.linked.append(self.incident())
            self.problems.link(self.problem, self.linked[-1], actor=AGENT)
            if self.restart is not None:
                self.restart, self.verified = now, False
        elif step == "unlink" and self.linked:
            self.problems.unlink(self.problem, self.linked.pop(0), actor=AGENT)
        elif step == "fix":
            self.fixes += 1
            self.problems.record_fix(self.problem, f"fix number {self.fixes}", actor=AGENT)
            self.restart, self.verified = now, False
        elif step == "verify" and self.restart is not None:
            self.problems.verify(self.problem, ["checked"], actor=AGENT)
            self.verified = True
        elif step in ("wait", "wait_long"):
            self.clock.advance(QUIET / 3 if step == "wait" else QUIET)
        elif step == "tick":
            self.desk.tick()
            self.verified |= self.restart is not None and now >= self.restart + QUIET


@given(steps=_steps)
def test_the_quiet_period_follows_a_model_whatever_the_order_of_commands(steps: list[str]) -> None:
    walk = _Walk()
    for step in steps:
        walk.step(step)
        state = walk.problems.state(walk.problem)
        assert state.verified == walk.verified, step
        assert state.incidents == tuple(walk.linked)
        for incident_id in walk.linked:
            assert walk.desk.get(incident_id).links.problem == walk.problem
    assert_every_journal_replays(walk.store)
