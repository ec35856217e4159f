"""Hostile arguments at every Problems command: a value, or a TicketflowError that wrote nothing.

Whatever a caller passes, each command answers or raises a
:class:`~ticketflow.TicketflowError`; a refused command leaves every ticket as it was, and
every journal replays to its snapshot either way.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Final

import pytest
from _problem_desks import AGENT, ALICE, CRITERIA, POLICY, T0, assert_every_journal_replays
from hypothesis import event, given
from hypothesis import strategies as st

from _hostile import SCRATCH, hostile_values
from ticketflow import (
    Actor,
    Desk,
    NewTicket,
    Requester,
    Resolution,
    Ticket,
    TicketflowError,
)
from ticketflow.problems import Problems, quiet_period_check
from ticketflow.resolution import ResolutionPolicy
from ticketflow.storage import SQLiteTicketStore, TicketQuery
from ticketflow.testing import FrozenClock

ACTORS: Final = (AGENT, Actor.supervisor("sue"), Actor.system("cron"), Actor.ai("bot"), ALICE)
_resolutions = st.sampled_from(
    [
        Resolution(code="fixed", summary="firmware"),
        Resolution(code="nope", summary="?"),
        Resolution(code="fixed", summary="guess", source="ai", confidence=0.2),
    ]
)


class _Scene:
    """A desk on SQLite with a problem whose fix is recorded (verified or not) and incidents."""

    def __init__(self, *, verified: bool, at_work: bool) -> None:
        store = SQLiteTicketStore(
            SCRATCH / f"problems-{uuid.uuid4().hex}.sqlite3", synchronous="OFF"
        )
        self.store = store
        self.desk = Desk(
            store,
            clock=FrozenClock(T0),
            due=[quiet_period_check(POLICY)],
            resolution=ResolutionPolicy(criteria=CRITERIA),
        )
        self.problems = Problems(self.desk, policy=POLICY)
        self.incidents = [self._incident() for _ in range(3)]
        self.problem = self.problems.open(self.incidents[:2], subject="hub", actor=AGENT).id
        self.problems.record_fix(self.problem, "firmware 2.1", actor=AGENT)
        if at_work:
            for status in ("triaged", "in_progress"):
                self.desk.transition(self.problem, status, actor=AGENT)
        if verified:
            self.problems.verify(self.problem, ["canary green"], actor=AGENT)

    def _incident(self) -> str:
        draft = NewTicket(subject="parcel late", requester=Requester(ALICE.id))
        ticket = self.desk.submit(draft, actor=ALICE)
        for status in ("triaged", "in_progress"):
            self.desk.transition(ticket.id, status, actor=AGENT)
        return ticket.id

    def snapshot(self) -> dict[str, tuple[Ticket, int]]:
        tickets = self.store.query(TicketQuery(limit=1000)).tickets
        return {t.id: (t, len(self.store.journal(t.id))) for t in tickets}


def _ids(scene: _Scene) -> st.SearchStrategy[str]:
    return st.sampled_from([scene.problem, *scene.incidents, "missing"])


_COMMANDS: Final[Mapping[str, Callable[[_Scene], Mapping[str, st.SearchStrategy[Any]]]]] = {
    "open": lambda s: {
        "incidents": st.lists(_ids(s), max_size=3),
        "subject": st.sampled_from(["hub", "a\\nb", ""]),
        "actor": st.sampled_from(ACTORS),
        "description": st.sampled_from(["", "details"]),
    },
    "link": lambda s: {
        "problem_id": _ids(s),
        "incident_id": _ids(s),
        "actor": st.sampled_from(ACTORS),
    },
    "unlink": lambda s: {
        "problem_id": _ids(s),
        "incident_id": _ids(s),
        "actor": st.sampled_from(ACTORS),
    },
    "record_root_cause": lambda s: {
        "problem_id": _ids(s),
        "text": st.sampled_from(["firmware", "x" * 5000]),
        "actor": st.sampled_from(ACTORS),
    },
    "record_workaround": lambda s: {
        "problem_id": _ids(s),
        "text": st.sampled_from(["re-scan", "  "]),
        "actor": st.sampled_from(ACTORS),
    },
    "record_fix": lambda s: {
        "problem_id": _ids(s),
        "text": st.sampled_from(["firmware 2.2", "firmware 2.1"]),
        "actor": st.sampled_from(ACTORS),
    },
    "verify": lambda s: {
        "problem_id": _ids(s),
        "evidence": st.lists(st.sampled_from(["canary", "https://x.example/1"]), max_size=2),
        "actor": st.sampled_from(ACTORS),
    },
    "resolve": lambda s: {
        "problem_id": _ids(s),
        "resolution": _resolutions,
        "actor": st.sampled_from(ACTORS),
        "incidents": st.none() | _resolutions,
    },
    "resolve_incidents": lambda s: {
        "problem_id": _ids(s),
        "resolution": _resolutions,
        "actor": st.sampled_from(ACTORS),
    },
    "close": lambda s: {
        "problem_id": _ids(s),
        "actor": st.sampled_from(ACTORS),
        "reason": st.none() | st.just("done"),
    },
    "state": lambda s: {"problem_id": _ids(s)},
}
"""Every public Problems command with its valid arguments."""


def test_every_problems_command_is_fuzzed() -> None:
    public = {
        name
        for name, member in inspect.getmembers(Problems)
        if callable(member) and not name.startswith("_")
    }
    assert public == _COMMANDS.keys()


@pytest.mark.parametrize("command", sorted(_COMMANDS))
@given(data=st.data())
def test_a_problems_command_answers_or_raises_a_ticketflow_error(
    command: str, data: st.DataObject
) -> None:
    scene = _Scene(verified=data.draw(st.booleans()), at_work=data.draw(st.booleans()))
    try:
        parameters = inspect.signature(getattr(Problems, command)).parameters
        kwargs = {}
        for name, strategy in _COMMANDS[command](scene).items():
            optional = parameters[name].default is not inspect.Parameter.empty
            choices = ["valid", "valid", "hostile", *(["left out"] if optional else [])]
            choice = data.draw(st.sampled_from(choices), label=name)
            if choice == "valid":
                kwargs[name] = data.draw(strategy, label=name)
            elif choice == "hostile":
                kwargs[name] = data.draw(hostile_values, label=name)
        before = scene.snapshot()
        scene.desk.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
        try:
            getattr(scene.problems, command)(**kwargs)
        except TicketflowError as error:
            event(f"refused: {type(error).__name__}")
            # Even a command of several commits (one per ticket) refuses before the first.
            assert scene.snapshot() == before
        else:
            event("answered")
        assert_every_journal_replays(scene.store)
    finally:
        scene.store.close()
