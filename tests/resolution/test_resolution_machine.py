"""A stateful test of resolution over the default workflow: every path, every role, any time.

Whatever the commands, their order, their actors and the clock: no external ticket closes
without the customer's confirmation or an automatic close recorded right before the move (in
the same commit), every move into ``resolved`` follows a recorded resolution whose every
criterion passed, no AI actor ever closes a ticket, and every snapshot is its journal replayed.
Commands refuse only with a ``TicketflowError``.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar

import pytest
from _resolution_desks import T0
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ticketflow import (
    Actor,
    Desk,
    NewTicket,
    Requester,
    ResolutionAnswered,
    ResolutionRecorded,
    Role,
    TicketflowError,
    TicketStatus,
    TicketTransitioned,
    replay,
)
from ticketflow.resolution import (
    DEFAULT_CODES,
    AutoClose,
    CodeInList,
    Criterion,
    DoneCriteria,
    ReplyOutcome,
    Resolution,
    ResolutionAnswer,
    ResolutionPolicy,
    ResolutionSource,
    RootCauseGiven,
    pending_suggestion,
)
from ticketflow.sla import BusinessCalendar
from ticketflow.storage import InMemoryTicketStore
from ticketflow.testing import FrozenClock

ALICE = Actor.customer("alice@example.com")  # external
BOB = Actor.customer("bob@example.com")  # internal
ACTORS = (
    Actor.agent("ann"),
    Actor.supervisor("sue"),
    Actor.system("mail"),
    Actor.ai("bot"),
    ALICE,
    BOB,
    Actor.customer("mallory@example.com"),
)
CLOSERS = frozenset({ResolutionAnswer.CONFIRMED, ResolutionAnswer.AUTO_CLOSED})
_EVERY: list[Criterion] = [CodeInList()]
_NETWORK: list[Criterion] = [RootCauseGiven()]
POLICY = ResolutionPolicy(
    criteria=DoneCriteria({("*", "*"): _EVERY, ("*", "network"): _NETWORK}),
    ai_threshold=0.8,
    auto_close=AutoClose(
        business_days=2,
        calendar=BusinessCalendar.weekly(
            tz="Europe/Berlin", hours={"mon-fri": ["09:00-17:00"]}, holidays=[T0.date()]
        ),
    ),
)
REPLIES = ["thanks!", "Vielen Dank", "still broken", "thanks, but no", "here is the log"]

actors = st.sampled_from(ACTORS)
staff = st.sampled_from(ACTORS[:3])
# Mostly those who may run the command, sometimes anyone.
resolvers = st.sampled_from(ACTORS[:4]) | actors
answerers = st.sampled_from([ALICE, BOB, ACTORS[2]]) | actors
resolutions = st.builds(
    lambda code, root_cause, ai, confidence: Resolution(
        code=code,
        summary="done",
        root_cause=root_cause,
        source=ResolutionSource.AI if ai else ResolutionSource.HUMAN,
        confidence=confidence if ai else None,
    ),
    st.sampled_from([*DEFAULT_CODES, "nope", "not_listed"]),
    st.none() | st.just("a loose cable"),
    st.booleans(),
    st.sampled_from([0.0, 0.5, 0.79, 0.8, 0.99, 1.0]),
)


class ResolutionMachine(RuleBasedStateMachine):
    """Tickets of an external and an internal requester, driven by every resolution command."""

    outcomes: ClassVar[collections.Counter[str]] = collections.Counter()

    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock(T0)
        self.desk = Desk(InMemoryTicketStore(), clock=self.clock, resolution=POLICY)
        self.ids: list[str] = []

    def _run(self, name: str, command: Callable[[], object]) -> None:
        try:
            result = command()
        except TicketflowError as error:  # anything else fails the test
            ResolutionMachine.outcomes[f"{name}: {error.code}"] += 1
            return
        ResolutionMachine.outcomes[f"{name}: ok"] += 1
        if isinstance(result, ReplyOutcome) and result.follow_up is not None:
            self.ids.append(result.follow_up.id)

    def _ticket(self, data: st.DataObject, status: str | None = None) -> str:
        # Mostly a ticket the command suits, when there is one; any ticket otherwise.
        if status == "suggested":
            suited = [i for i in self.ids if pending_suggestion(self.desk.history(i))]
        else:
            suited = [i for i in self.ids if status is None or self.desk.get(i).status == status]
        if suited and data.draw(st.integers(0, 3), label="suited") > 0:
            return data.draw(st.sampled_from(suited), label="ticket")
        return data.draw(st.sampled_from(self.ids), label="ticket")

    @initialize()
    def two_tickets_at_work(self) -> None:
        for external, category in ((True, "network"), (False, None)):
            self.submit(external, category)
            for status in ("triaged", "in_progress"):
                self.desk.transition(self.ids[-1], status, actor=ACTORS[0])

    @rule(external=st.booleans(), category=st.sampled_from([None, "network", "billing"]))
    def submit(self, external: bool, category: str | None) -> None:
        requester = ALICE if external else BOB
        ticket = self.desk.submit(
            NewTicket(
                subject="parcel late",
                requester=Requester(requester.id, external=external),
                category=category,
            ),
            actor=requester if external else ACTORS[0],
        )
        self.ids.append(ticket.id)

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), to=st.sampled_from(list(TicketStatus)), actor=actors)
    def transition(self, data: st.DataObject, to: str, actor: Actor) -> None:
        ticket_id = self._ticket(data)
        self._run(f"transition {to}", lambda: self.desk.transition(ticket_id, to, actor=actor))

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), actor=staff)
    def start(self, data: st.DataObject, actor: Actor) -> None:
        # Walks a new ticket to work, so that resolving is often possible.
        ticket_id = self._ticket(data)
        for status in ("triaged", "in_progress"):
            self._run("start", lambda s=status: self.desk.transition(ticket_id, s, actor=actor))  # type: ignore[misc]

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), resolution=resolutions, actor=resolvers)
    def resolve(self, data: st.DataObject, resolution: Resolution, actor: Actor) -> None:
        ticket_id = self._ticket(data, "in_progress")
        self._run("resolve", lambda: self.desk.resolve(ticket_id, resolution, actor=actor))

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), confidence=st.sampled_from([0.1, 0.5, 0.79]))
    def suggest(self, data: st.DataObject, confidence: float) -> None:
        # An AI's plausible suggestion, so that agents have suggestions to review.
        ticket_id = self._ticket(data, "in_progress")
        resolution = Resolution(
            code="fixed",
            summary="restart",
            root_cause="a stuck queue",
            source=ResolutionSource.AI,
            confidence=confidence,
        )
        self._run("suggest", lambda: self.desk.resolve(ticket_id, resolution, actor=ACTORS[3]))

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), accept=st.booleans(), actor=staff | actors)
    def review(self, data: st.DataObject, accept: bool, actor: Actor) -> None:
        ticket_id = self._ticket(data, "suggested")
        self._run(
            "review",
            lambda: self.desk.review_suggestion(ticket_id, accept=accept, actor=actor),
        )

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), actor=answerers)
    def confirm(self, data: st.DataObject, actor: Actor) -> None:
        ticket_id = self._ticket(data, "resolved")
        self._run("confirm", lambda: self.desk.confirm_resolution(ticket_id, actor=actor))

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), actor=answerers)
    def reject(self, data: st.DataObject, actor: Actor) -> None:
        ticket_id = self._ticket(data, "resolved")
        self._run("reject", lambda: self.desk.reject_resolution(ticket_id, actor=actor))

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), actor=resolvers)
    def close(self, data: st.DataObject, actor: Actor) -> None:
        ticket_id = self._ticket(data, "resolved")
        self._run("close", lambda: self.desk.close(ticket_id, actor=actor))

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), body=st.sampled_from(REPLIES), actor=answerers)
    def reply(self, data: st.DataObject, body: str, actor: Actor) -> None:
        ticket_id = self._ticket(data)
        self._run("reply", lambda: self.desk.reply(ticket_id, body, actor=actor))

    @precondition(lambda self: self.ids)
    @rule(
        data=st.data(),
        score=st.integers(0, 6),
        response=st.sampled_from(["r1", "r2"]),
        actor=answerers,
    )
    def record_csat(self, data: st.DataObject, score: int, response: str, actor: Actor) -> None:
        ticket_id = self._ticket(data)
        self._run(
            "csat", lambda: self.desk.record_csat(ticket_id, score, None, response, actor=actor)
        )

    @rule(
        later=st.sampled_from(
            [timedelta(minutes=5), timedelta(hours=8), timedelta(days=1), timedelta(days=4)]
        )
    )
    def wait_and_tick(self, later: timedelta) -> None:
        self.clock.advance(later)
        report = self.desk.tick()
        assert report.failures == ()
        ResolutionMachine.outcomes["auto_closed"] += report.recorded.get("resolution_answered", 0)

    @invariant()
    def every_journal_keeps_the_resolution_rules(self) -> None:
        for ticket_id in self.ids:
            ticket = self.desk.get(ticket_id)
            journal = list(self.desk.history(ticket_id))
            assert replay(journal) == ticket
            for index, event in enumerate(journal):
                if not isinstance(event, TicketTransitioned):
                    continue
                before: Any = journal[index - 1]
                if event.target == TicketStatus.RESOLVED:
                    assert isinstance(before, ResolutionRecorded), journal
                    assert not before.suggested
                    assert all(verdict.passed for verdict in before.verdicts)
                    assert before.at == event.at
                if event.target == TicketStatus.CLOSED:
                    assert event.actor.role is not Role.AI
                    assert before.actor.role is not Role.AI
                    if ticket.requester.external:
                        assert isinstance(before, ResolutionAnswered), journal
                        assert before.answer in CLOSERS
                        assert before.at == event.at


ResolutionMachine.TestCase.settings = settings(
    ResolutionMachine.TestCase.settings,
    stateful_step_count=50,
    # Cheap (milliseconds a run), and the resolution paths need several steps each to reach.
    max_examples=max(settings().max_examples, 100),
    deadline=None,
)
# Coverage off: a long state machine; the resolution package's own tests cover its code.
TestResolutionMachine = pytest.mark.no_cover(ResolutionMachine.TestCase)


def test_the_machine_reaches_every_resolution_path() -> None:
    # A derandomized run, so that the answer does not depend on luck: the rules are not vacuous.
    ResolutionMachine.outcomes.clear()
    run_state_machine_as_test(
        ResolutionMachine,
        settings=settings(
            max_examples=100,
            stateful_step_count=50,
            derandomize=True,
            database=None,
            deadline=None,
        ),
    )
    reached = {name for name, count in ResolutionMachine.outcomes.items() if count}
    for expected in (
        "resolve: ok",
        "resolve: done_criteria_not_met",
        "suggest: ok",
        "review: ok",
        "confirm: ok",
        "reject: ok",
        "reply: ok",
        "close: ok",
        "close: confirmation_required",
        "close: permission_denied",
        "auto_closed",
    ):
        assert expected in reached, sorted(reached)
