"""Every Desk command, with arbitrary values, on the in-memory and SQLite stores side by side.

Each command either raises a TicketflowError on both desks and writes nothing, or commits on
both; after every step both stores hold equal tickets and journals, every stored ticket
re-validates, and its journal replays to it.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ticketflow import (
    Actor,
    Desk,
    NewTicket,
    Requester,
    Role,
    Ticket,
    TicketflowError,
    TicketTagged,
    replay,
    to_primitive,
)
from ticketflow.sla import BusinessCalendar, SlaPolicy, SlaTargets
from ticketflow.storage import InMemoryTicketStore, SQLiteTicketStore, TicketStore
from ticketflow.testing import FrozenClock

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
POLICY = SlaPolicy.by_priority(
    {
        "P1": SlaTargets(first_response=timedelta(minutes=30), resolution=timedelta(hours=4)),
        "P2": SlaTargets(next_response=timedelta(hours=1), resolution=timedelta(hours=8)),
    },
    calendar=BusinessCalendar.always(),
)
EMAILS = ["alice@example.com", "bob@example.com"]

# Plausible values most of the time, hostile ones often enough to matter.
hostile = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(["", " ", "a\u2028b", "x\ud800", "\x00", "new", "closed", "P1", "*"]),
    st.just("y" * 1_100_000),
    st.binary(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.datetimes(timezones=st.none() | st.just(UTC)),
)
names = st.sampled_from(["l1", "l2", "bob", "delivery", "P1", "P2", "vip", "carrier"])
statuses = st.sampled_from(
    ["new", "triaged", "in_progress", "pending_customer", "resolved", "closed"]
)
actors = st.builds(
    Actor,
    st.sampled_from(list(Role)),
    st.sampled_from([*EMAILS, "mallory@example.com", "agent-1"]),
)


def maybe(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(good, good, good, hostile)


def _sqlite(directory: str) -> SQLiteTicketStore:
    return SQLiteTicketStore(Path(directory) / "desk.sqlite3", synchronous="OFF")


class SideBySide(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.scratch = tempfile.TemporaryDirectory()
        self.sqlite = _sqlite(self.scratch.name)
        self.clocks = [FrozenClock(T0), FrozenClock(T0)]
        self.desks = [
            self._desk(InMemoryTicketStore(), self.clocks[0]),
            self._desk(self.sqlite, self.clocks[1]),
        ]
        self.ids: list[str] = []

    @staticmethod
    def _desk(store: TicketStore, clock: FrozenClock) -> Desk:
        counter = itertools.count(1)
        return Desk(
            store,
            clock=clock,
            sla=POLICY,
            ids=lambda: f"id{next(counter)}",
            internal_fields={"margin"},
        )

    def teardown(self) -> None:
        self.sqlite.close()
        self.scratch.cleanup()

    def _both(self, command: Callable[[Desk], object]) -> None:
        outcomes: list[object] = []
        before = [self._state(desk) for desk in self.desks]
        for desk in self.desks:
            try:
                command(desk)
            except TicketflowError as error:
                outcomes.append(type(error))
            else:
                outcomes.append("ok")
        assert outcomes[0] == outcomes[1], outcomes
        if outcomes[0] != "ok":
            assert [self._state(desk) for desk in self.desks] == before, "a refusal wrote"

    def _state(self, desk: Desk) -> list[object]:
        return [to_primitive(desk.get(i)) for i in self.ids]

    def _ticket(self, data: st.DataObject) -> Any:
        return data.draw(maybe(st.sampled_from(self.ids)) if self.ids else hostile)

    @initialize(priority=st.sampled_from(["P1", "P2"]))
    def two_tickets(self, priority: str) -> None:
        for email in EMAILS:
            self.submit(email, Actor.agent("agent-1"), "Parcel late", priority, {"margin": 0.1})
        assert len(self.ids) == 2

    @rule(
        email=st.sampled_from(EMAILS),
        actor=actors,
        subject=maybe(st.just("Parcel late")),
        priority=maybe(st.sampled_from([None, "P1", "P2"])),
        fields=maybe(st.just({"carrier": "ACME"})),
    )
    def submit(self, email: str, actor: Actor, subject: Any, priority: Any, fields: Any) -> None:
        def command(desk: Desk) -> None:
            ticket = desk.submit(
                NewTicket(
                    subject=subject, requester=Requester(email), priority=priority, fields=fields
                ),
                actor=actor,
            )
            if ticket.id not in self.ids:
                self.ids.append(ticket.id)

        self._both(command)

    @rule(minutes=st.integers(0, 600), naive=st.booleans())
    def time_passes(self, minutes: int, naive: bool) -> None:
        for clock in self.clocks:
            clock.advance(timedelta(minutes=minutes))
        if naive:  # a broken clock for one command, then the real one again
            self._both(_with_naive_clock)

    @rule(data=st.data(), actor=actors, to=maybe(statuses), reason=maybe(st.none()))
    def transition(self, data: st.DataObject, actor: Actor, to: Any, reason: Any) -> None:
        ticket_id = self._ticket(data)
        self._both(lambda d: d.transition(ticket_id, to, actor=actor, reason=reason))

    @rule(data=st.data(), actor=actors, queue=maybe(names), assignee=maybe(names))
    def assign(self, data: st.DataObject, actor: Actor, queue: Any, assignee: Any) -> None:
        ticket_id = self._ticket(data)
        self._both(lambda d: d.assign(ticket_id, actor=actor, queue=queue, assignee=assignee))

    @rule(data=st.data(), actor=actors, body=maybe(st.just("hello")), public=maybe(st.booleans()))
    def comment(self, data: st.DataObject, actor: Actor, body: Any, public: Any) -> None:
        ticket_id = self._ticket(data)
        self._both(lambda d: d.comment(ticket_id, body, actor=actor, public=public))

    @rule(data=st.data(), actor=actors, changes=maybe(st.just({"carrier": "B", "margin": 0.2})))
    def set_fields(self, data: st.DataObject, actor: Actor, changes: Any) -> None:
        ticket_id = self._ticket(data)
        self._both(lambda d: d.set_fields(ticket_id, changes, actor=actor))

    @rule(data=st.data(), actor=actors, value=maybe(names))
    def classify(self, data: st.DataObject, actor: Actor, value: Any) -> None:
        ticket_id = self._ticket(data)
        self._both(lambda d: d.categorize(ticket_id, value, actor=actor))
        self._both(lambda d: d.prioritize(ticket_id, value, actor=actor, impact=3))
        self._both(lambda d: d.tag(ticket_id, add=[value], actor=actor))

    @rule(data=st.data(), actor=actors, kind=maybe(st.just("follow_up_of")))
    def link(self, data: st.DataObject, actor: Actor, kind: Any) -> None:
        ticket_id, target = self._ticket(data), self._ticket(data)
        self._both(lambda d: d.link(ticket_id, kind, target, actor=actor))

    @rule(data=st.data(), actor=actors, tag=maybe(names))
    def execute(self, data: st.DataObject, actor: Actor, tag: Any) -> None:
        ticket_id = self._ticket(data)
        self._both(
            lambda d: d.execute(
                ticket_id,
                lambda draft: draft.record(TicketTagged, added=[tag]),
                actor=actor,
                command="tag",
            )
        )

    @rule(data=st.data(), actor=actors)
    def read(self, data: st.DataObject, actor: Actor) -> None:
        ticket_id = self._ticket(data)
        self._both(lambda d: d.view(ticket_id, actor))
        self._both(lambda d: d.history(ticket_id))

    @rule()
    def tick(self) -> None:
        reports = [desk.tick(limit=50) for desk in self.desks]
        assert reports[0] == reports[1]

    @invariant()
    def both_stores_agree_and_every_ticket_revalidates(self) -> None:
        memory, sqlite = (desk.store for desk in self.desks)
        for ticket_id in self.ids:
            ticket = memory.get(ticket_id)
            assert to_primitive(ticket) == to_primitive(sqlite.get(ticket_id))
            journal = memory.journal(ticket_id)
            assert to_primitive(list(journal)) == to_primitive(list(sqlite.journal(ticket_id)))
            fields = {f.name: getattr(ticket, f.name) for f in attrs.fields(Ticket)}
            assert Ticket(**fields) == ticket
            assert replay(journal) == ticket


def _with_naive_clock(desk: Desk) -> None:
    clock = desk.clock
    desk.clock = _NaiveClock()
    try:
        desk.submit(
            NewTicket(subject="s", requester=Requester(EMAILS[0])), actor=Actor.agent("bob")
        )
    finally:
        desk.clock = clock


class _NaiveClock:
    def now(self) -> datetime:
        return datetime(2026, 3, 2, 9)  # noqa: DTZ001 - the broken clock under test


SideBySide.TestCase.settings = settings(
    SideBySide.TestCase.settings,
    stateful_step_count=25,
    max_examples=min(settings().max_examples, 60),
    deadline=None,
)
# Coverage off: the longest state machine of the suite; the stores' own tests cover their code.
TestSideBySide = pytest.mark.no_cover(SideBySide.TestCase)
