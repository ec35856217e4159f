"""The SLA checkpoint a command advances equals the clocks derived from the whole journal."""

from __future__ import annotations

import gc
import itertools
import json
import weakref
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from ticketflow import (
    Actor,
    Desk,
    Draft,
    NewTicket,
    Requester,
    TicketEvent,
    TicketStatus,
)
from ticketflow.exceptions import ConflictError, TicketflowError
from ticketflow.sla import (
    BusinessCalendar,
    SlaMetric,
    SlaPolicy,
    SlaRule,
    SlaTargets,
    bump_priority,
    plan_alerts,
    sla_alerts,
    sla_state,
)
from ticketflow.sla._checkpoint import CheckpointBasis, SlaCheckpoint
from ticketflow.storage import Change, InMemoryTicketStore
from ticketflow.testing import FrozenClock, histories

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
ALICE = Actor.customer("alice@example.com")
BOB = Actor.agent("bob")
OFFICE = BusinessCalendar.weekly(
    tz="America/New_York",
    hours={"mon-fri": ["09:00-12:00", "13:00-17:00"], "sat": ["22:00-04:00"]},
)
ALWAYS = BusinessCalendar.always()


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


class Contracts:
    """A contract lookup whose answer the test changes, as a host's CRM may, with no event."""

    def __init__(self) -> None:
        self.current: str | None = None

    def tier(self, requester: Requester) -> str | None:  # noqa: ARG002 - one answer for all
        return self.current


def policy_with(contracts: Contracts) -> SlaPolicy:
    """Tiers, priorities, two calendars, a rule without a first-response target, pauses."""
    return SlaPolicy(
        [
            SlaRule(
                name="gold",
                tier="gold",
                calendar=ALWAYS,
                targets=SlaTargets(
                    first_response=minutes(60), next_response=minutes(90), resolution=minutes(480)
                ),
            ),
            SlaRule(
                name="P1",
                priority="P1",
                calendar=ALWAYS,
                targets=SlaTargets(
                    first_response=minutes(30), next_response=minutes(45), resolution=minutes(240)
                ),
            ),
            SlaRule(
                name="P2",
                priority="P2",
                calendar=OFFICE,
                targets=SlaTargets(
                    first_response=minutes(120), next_response=minutes(180), resolution=minutes(540)
                ),
            ),
            SlaRule(
                name="P3",
                priority="P3",
                calendar=OFFICE,
                targets=SlaTargets(next_response=minutes(240), resolution=minutes(1200)),
            ),
        ],
        contracts=contracts,
        pauses={
            SlaMetric.NEXT_RESPONSE: [TicketStatus.PENDING_CUSTOMER],
            SlaMetric.RESOLUTION: [TicketStatus.PENDING_CUSTOMER],
        },
        warn_at=(0.5, 0.9),
        escalations=[bump_priority({"P3": "P2", "P2": "P1"})],
    )


class JournalAlerts:
    """The reference: SLA alerts decided from the whole journal on every commit and tick."""

    def __init__(self, policy: SlaPolicy) -> None:
        self.inner = sla_alerts(policy, workflow=Desk(InMemoryTicketStore()).workflow)
        self.name = "sla"
        self.actor = self.inner.actor

    def next_due(self, ticket: object, history: Sequence[TicketEvent]) -> datetime | None:
        return self.inner.next_due(ticket, history)  # type: ignore[arg-type]

    def run(self, draft: Draft, now: datetime) -> Sequence[str]:
        history = [*draft.history(), *draft.events]
        state = plan_alerts(history, self.inner.policy, self.inner.workflow, now)
        return self.inner.record(draft, state.rule, state.alerts_due, now)


class Blinkered(InMemoryTicketStore):
    """A store that, while ``blind``, reads back no memos (as after a lost or foreign write)."""

    blind = False

    def memos(self, ticket_id: str) -> dict[str, str]:
        found = dict(super().memos(ticket_id))
        return {} if self.blind else found


Step = tuple[str, object]

steps: st.SearchStrategy[Step] = st.one_of(
    st.tuples(st.just("wait"), st.sampled_from([1, 15, 30, 45, 60, 120, 250, 600, 1500, 4000])),
    st.tuples(st.just("customer"), st.booleans()),
    st.tuples(st.just("agent"), st.booleans()),
    st.tuples(st.just("move"), st.sampled_from(list(TicketStatus))),
    st.tuples(st.just("priority"), st.sampled_from(["P1", "P2", "P3", None])),
    st.tuples(st.just("tier"), st.sampled_from(["gold", None])),
    st.tuples(st.just("tick"), st.just(None)),
    st.tuples(st.just("later"), st.sampled_from([30, 200, 700, 3000])),
    st.tuples(st.just("restart"), st.just(None)),
    st.tuples(st.just("blind"), st.booleans()),
)


def _outcome(call: Callable[[], object]) -> object:
    try:
        return call()
    except TicketflowError as error:
        return type(error)


class Side:
    """One desk of the comparison, with its own store and the same clock and ids."""

    def __init__(self, make: Callable[[InMemoryTicketStore], Desk]) -> None:
        self.store = Blinkered()
        self.make = make
        self.desk = make(self.store)

    def run(self, kind: str, value: object, ticket_id: str, clock: FrozenClock) -> object:
        desk = self.desk
        if kind == "customer":
            return _outcome(lambda: desk.comment(ticket_id, "hi", actor=ALICE, public=bool(value)))
        if kind == "agent":
            return _outcome(lambda: desk.comment(ticket_id, "on it", actor=BOB, public=bool(value)))
        if kind == "move":
            return _outcome(lambda: desk.transition(ticket_id, str(value), actor=BOB))
        if kind == "priority":
            return _outcome(lambda: desk.prioritize(ticket_id, value, actor=BOB))  # type: ignore[arg-type]
        if kind in {"tick", "later"}:
            return _outcome(lambda: desk.tick(clock.now()))
        if kind == "restart":  # a new process: nothing decoded is kept
            self.desk = self.make(self.store)
        elif kind == "blind":
            self.store.blind = bool(value)
        return None


def _ids() -> Callable[[], str]:
    counter = itertools.count()
    return lambda: f"id{next(counter)}"


@given(
    st.sampled_from(["P1", "P2", "P3", None]),
    st.sampled_from(["gold", None]),
    st.lists(steps, min_size=8, max_size=40),
)
# A reply exactly at the target: the breach is reached at the very end of a closed interval.
@example("P1", None, [("wait", 30), ("agent", True), ("tick", None)])
# A conversation that breaches while paused, resumes, escalates and is reopened.
@example(
    "P3",
    None,
    [
        ("agent", True),
        ("customer", True),
        ("move", TicketStatus.TRIAGED),
        ("move", TicketStatus.IN_PROGRESS),
        ("later", 3000),
        ("move", TicketStatus.PENDING_CUSTOMER),
        ("later", 3000),
        ("customer", True),
        ("move", TicketStatus.IN_PROGRESS),
        ("restart", None),
        ("later", 700),
        ("move", TicketStatus.RESOLVED),
        ("blind", True),
        ("move", TicketStatus.IN_PROGRESS),
        ("later", 3000),
    ],
)
def test_incremental_clocks_decide_as_the_journal_does(
    priority: str | None, tier: str | None, script: list[Step]
) -> None:
    """After any commands, the due index, the alerts a tick records (with their escalations and
    service credits) and the clocks are those the whole journal gives."""
    contracts = Contracts()
    contracts.current = tier
    policy = policy_with(contracts)
    clock = FrozenClock(T0)
    ids = {"incremental": _ids(), "journal": _ids()}
    incremental = Side(lambda s: Desk(s, clock=clock, sla=policy, ids=ids["incremental"]))
    reference = Side(
        lambda s: Desk(s, clock=clock, due=[JournalAlerts(policy)], ids=ids["journal"])
    )
    draft = NewTicket(
        subject="Parcel late", requester=Requester("alice@example.com"), priority=priority
    )
    ticket_id = incremental.desk.submit(draft, actor=BOB).id
    assert reference.desk.submit(draft, actor=BOB).id == ticket_id
    for kind, value in script:
        if kind in {"wait", "later"}:  # later: wait, then tick
            clock.advance(minutes(int(value)))  # type: ignore[call-overload]
            if kind == "wait":
                continue
        if kind == "tier":
            contracts.current = value  # type: ignore[assignment]
            continue
        answers = [side.run(kind, value, ticket_id, clock) for side in (incremental, reference)]
        assert answers[0] == answers[1], (kind, value)
        assert incremental.desk.history(ticket_id) == reference.desk.history(ticket_id)
        assert incremental.store.due(LATEST) == reference.store.due(LATEST), (kind, value)
    incremental.store.blind = False
    for side in (incremental, reference):  # a last commit, under the rule in force now
        side.run("agent", False, ticket_id, clock)  # noqa: FBT003 - an internal note
    messages = [
        (leased.message.topic, dict(leased.message.payload))
        for side in (incremental, reference)
        for leased in side.store.claim_outbox(
            worker="w", now=LATEST - timedelta(days=1), lease=timedelta(seconds=1), limit=10_000
        )
    ]
    half = len(messages) // 2
    assert messages[:half] == messages[half:]
    journal = reference.desk.history(ticket_id)
    assert incremental.desk.history(ticket_id) == journal
    for kind in sorted({e.type for e in journal if e.type.startswith(("sla", "prioritized"))}):
        event(f"journal holds {kind}")
    stored = incremental.store.memos(ticket_id).get("sla")
    assert stored is not None
    _same_as_the_journal(stored, policy, journal, clock.now())


def _same_as_the_journal(
    stored: str, policy: SlaPolicy, journal: Sequence[TicketEvent], now: datetime
) -> None:
    workflow = Desk(InMemoryTicketStore()).workflow
    basis = CheckpointBasis(policy, policy.stopped | workflow.terminal)
    from ticketflow._journal import replay  # noqa: PLC0415

    rule = policy.select(replay(journal))
    checkpoint = SlaCheckpoint.decode(stored, basis, rule, len(journal))
    assert checkpoint is not None, "the stored checkpoint is current"
    for later in (timedelta(0), minutes(30), minutes(600), timedelta(days=9)):
        as_of = max(now, journal[-1].at) + later
        state = sla_state(journal, policy, as_of=as_of, workflow=workflow)
        assert checkpoint.alerts_due(as_of) == list(state.alerts_due), later
        assert checkpoint.next_due() == state.next_due_at


EVERYONE = SlaPolicy(
    [
        SlaRule(
            name="everyone",
            calendar=OFFICE,
            targets=SlaTargets(
                first_response=minutes(120), next_response=minutes(180), resolution=minutes(540)
            ),
        )
    ],
    warn_at=(0.3, 0.75, 0.9),
)


@given(histories(max_events=30), st.data())
def test_a_checkpoint_walked_event_by_event_and_stored_between_equals_the_journal(
    journal: list[TicketEvent], data: st.DataObject
) -> None:
    """Walked one event at a time, encoded and decoded at random points, the checkpoint answers
    what is due, and when, exactly as :func:`sla_state` does over the same prefix."""
    workflow = Desk(InMemoryTicketStore()).workflow
    basis = CheckpointBasis(EVERYONE, EVERYONE.stopped | workflow.terminal)
    rule = EVERYONE.rules[0]
    checkpoint = basis.start(rule)
    for version, walked in enumerate(journal, start=1):
        checkpoint.advance([walked])
        if data.draw(st.booleans()):
            text = checkpoint.encode()
            assert text == json.dumps(json.loads(text), separators=(",", ":")), "compact JSON"
            decoded = SlaCheckpoint.decode(text, basis, rule, version)
            assert decoded is not None
            checkpoint = decoded
        offset = data.draw(st.timedeltas(timedelta(0), timedelta(days=12)))
        as_of = walked.at + offset
        state = sla_state(journal[:version], EVERYONE, as_of=as_of, workflow=workflow)
        assert checkpoint.alerts_due(as_of) == list(state.alerts_due)
        assert checkpoint.next_due() == state.next_due_at


class Counting(InMemoryTicketStore):
    """Counts journal reads; ``rival`` commits once, between the snapshot and the memo read."""

    def __init__(self) -> None:
        super().__init__()
        self.journal_reads = 0
        self.rival: Callable[[], object] | None = None

    def journal(self, ticket_id: str, *, after_version: int = 0) -> Sequence[TicketEvent]:
        self.journal_reads += 1
        return super().journal(ticket_id, after_version=after_version)

    def memos(self, ticket_id: str) -> dict[str, str]:
        rival, self.rival = self.rival, None
        if rival is not None:
            rival()
        return dict(super().memos(ticket_id))


OFFICE_POLICY = SlaPolicy.by_priority(
    {"P2": SlaTargets(first_response=minutes(120), resolution=minutes(540))}, calendar=OFFICE
)


def conversation(store: InMemoryTicketStore, clock: FrozenClock, policy: SlaPolicy) -> str:
    desk = Desk(store, clock=clock, sla=policy)
    draft = NewTicket(
        subject="Parcel late", requester=Requester("alice@example.com"), priority="P2"
    )
    ticket_id = desk.submit(draft, actor=BOB).id
    for n in range(6):
        clock.advance(minutes(40))
        desk.comment(ticket_id, "hi", actor=ALICE if n % 2 else BOB)
    return ticket_id


def test_commands_and_ticks_read_no_journal_once_the_clocks_are_stored() -> None:
    store, clock = Counting(), FrozenClock(T0)
    ticket_id = conversation(store, clock, OFFICE_POLICY)
    desk = Desk(store, clock=clock, sla=OFFICE_POLICY)  # a new process: nothing decoded kept
    clock.advance(timedelta(days=3))
    assert desk.tick().recorded == {"sla_warned": 2, "sla_breached": 1}
    desk.comment(ticket_id, "sorry", actor=BOB)
    assert store.journal_reads == 0
    assert desk.sla_state(ticket_id).breached  # sla_state(as_of=...) reads the journal
    assert store.journal_reads == 1


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda facts: facts[:-1], "an event's facts missing: not at the version"),
        (lambda facts: [facts[1], facts[0], *facts[2:]], "facts out of order"),
        (lambda facts: [*facts[:-1], "[7]"], "no instant"),
        (lambda facts: [*facts[:-1], '{"7":1}'], "not a list"),
        (lambda facts: [*facts[:-1], facts[-1].replace('"c"', '"q"')], "an unknown fact"),
        (lambda facts: [*facts[:-1], facts[-1].replace('"customer"', '"boss"')], "no role"),
        (lambda facts: [*facts[:-1], facts[-1].replace('"customer"', "7")], "a number as role"),
        (lambda facts: [*facts[:-1], facts[-1][:-1] + ',"t",7]'], "a fact too many"),
        (lambda facts: [*facts[:-1], facts[-1].split(',"c"')[0] + ',"t",7]'], "a number as status"),
        (lambda facts: [*facts[:-1], facts[-1].split(',"c"')[0] + ',"w","x",0,0.5]'], "metric"),
        (lambda facts: [*facts[:-1], facts[-1].split(',"c"')[0] + ',"w","sla",0,1]'], "metric"),
        (
            lambda facts: [*facts[:-1], facts[-1].split(',"c"')[0] + ',"w","resolution",0,1]'],
            "a threshold not a float",
        ),
        (
            lambda facts: [*facts[:-1], facts[-1].split(',"c"')[0] + ',"b","resolution","0"]'],
            "a cycle not an integer",
        ),
    ],
)
def test_damaged_facts_appended_to_a_checkpoint_make_it_unreadable(
    damage: Callable[[list[str]], list[str]], why: str
) -> None:
    store, clock = Counting(), FrozenClock(T0)
    ticket_id = conversation(store, clock, OFFICE_POLICY)
    stored = store.memos(ticket_id)["sla"]
    data = json.loads(stored)
    whole = json.dumps(data[:12], separators=(",", ":"))
    facts = [json.dumps(fact, separators=(",", ":")) for fact in data[12:]]
    assert len(facts) == 6, "each comment appended its facts"
    desk = Desk(store, sla=OFFICE_POLICY)
    basis = CheckpointBasis(OFFICE_POLICY, desk.due_work[0].basis.stopped)  # type: ignore[attr-defined]
    rule = OFFICE_POLICY.rules[0]
    version = store.get(ticket_id).version
    assert SlaCheckpoint.decode(f"{whole[:-1]},{','.join(facts)}]", basis, rule, version)
    damaged = f"{whole[:-1]},{','.join(damage(facts))}]"
    assert SlaCheckpoint.decode(damaged, basis, rule, version) is None, why
    store.commit(attrs.evolve(_index_only(store, ticket_id), memos={"sla": damaged}))
    clock.advance(minutes(1))
    reads = store.journal_reads
    Desk(store, clock=clock, sla=OFFICE_POLICY).comment(ticket_id, "still here", actor=ALICE)
    assert store.journal_reads == reads + 1, why
    assert _due(store) == _expected_due(store, ticket_id, OFFICE_POLICY), why


def test_a_damaged_or_foreign_checkpoint_is_derived_again_from_the_journal() -> None:
    store, clock = Counting(), FrozenClock(T0)
    ticket_id = conversation(store, clock, OFFICE_POLICY)
    other = SlaPolicy.by_priority({"P2": timedelta(hours=1)}, calendar=OFFICE)
    for stored in ("[1,7,", "not json", store.memos(ticket_id)["sla"].replace("P2", "P3")):
        store.commit(attrs.evolve(_index_only(store, ticket_id), memos={"sla": stored}))
        desk = Desk(store, clock=clock, sla=OFFICE_POLICY)
        clock.advance(minutes(1))
        reads = store.journal_reads
        desk.comment(ticket_id, "still here", actor=ALICE)
        assert store.journal_reads == reads + 1, stored
        assert _due(store) == _expected_due(store, ticket_id, OFFICE_POLICY), stored
    reads = store.journal_reads
    Desk(store, clock=clock, sla=other).comment(ticket_id, "new policy", actor=ALICE)
    assert store.journal_reads == reads + 1, "another policy's checkpoint is not used"
    assert _due(store) == _expected_due(store, ticket_id, other)


def test_a_checkpoint_written_after_the_loaded_snapshot_is_a_conflict(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, clock = Counting(), FrozenClock(T0)
    ticket_id = conversation(store, clock, OFFICE_POLICY)
    desk = Desk(store, clock=clock, sla=OFFICE_POLICY)
    rival = Desk(store, clock=clock, sla=OFFICE_POLICY)
    store.rival = lambda: rival.comment(ticket_id, "rival got there first", actor=BOB)
    with pytest.raises(ConflictError) as caught:
        Desk(store, clock=clock, sla=OFFICE_POLICY).comment(ticket_id, "mine", actor=ALICE)
    assert (caught.value.expected, caught.value.actual) == (7, 8)
    assert store.journal_reads == 1  # the journal, ahead of the snapshot, says so
    assert not caplog.records, "a conflict is no failure of the due work"
    desk.comment(ticket_id, "mine again", actor=ALICE)
    assert store.get(ticket_id).version == 9


def test_a_checkpoint_kept_for_a_commit_that_lost_the_race_is_not_used() -> None:
    # The basis keeps each checkpoint it writes before the store commits it; the commit can
    # still lose to a rival at the same version, whose snapshot is then the one read back.
    class Racing(InMemoryTicketStore):
        rival: Callable[[], object] | None = None

        def commit(self, change: Change) -> None:
            rival, self.rival = self.rival, None
            if rival is not None:
                rival()
            super().commit(change)

    store, clock = Racing(), FrozenClock(T0)
    desk = Desk(store, clock=clock, sla=OFFICE_POLICY)
    ticket_id = desk.submit(
        NewTicket(subject="late", requester=Requester("alice@example.com"), priority="P2"),
        actor=BOB,
    ).id
    clock.advance(minutes(10))
    desk.comment(ticket_id, "looking", actor=BOB)
    clock.advance(minutes(10))
    desk.comment(ticket_id, "where is it?", actor=ALICE)  # the next-response clock runs
    rival = Desk(store, clock=clock, sla=OFFICE_POLICY)
    clock.advance(minutes(10))
    store.rival = lambda: rival.comment(ticket_id, "on its way", actor=BOB)  # meets it
    with pytest.raises(ConflictError):
        desk.comment(ticket_id, "still late?", actor=ALICE)
    desk.comment(ticket_id, "still late?", actor=ALICE)  # the caller's retry
    clock.advance(minutes(10))
    desk.comment(ticket_id, "and?", actor=ALICE)
    assert [e.actor for e in store.journal(ticket_id)][-3:] == [BOB, ALICE, ALICE]
    assert _due(store) == _expected_due(store, ticket_id, OFFICE_POLICY)
    fresh = CheckpointBasis(OFFICE_POLICY, desk.due_work[0].basis.stopped)  # type: ignore[attr-defined]
    replayed = fresh.start(OFFICE_POLICY.select(store.get(ticket_id)))
    replayed.advance(store.journal(ticket_id))
    stored = SlaCheckpoint.decode(
        store.memos(ticket_id)["sla"], fresh, replayed.rule, store.get(ticket_id).version
    )
    assert stored is not None
    for state in (stored, replayed):
        state.next_due()  # which works out what the whole stored form keeps
        state.text = None  # to be written whole
    assert stored.encode() == replayed.encode()


def test_a_damaged_checkpoint_claiming_a_later_version_is_repaired_not_a_conflict() -> None:
    store, clock = Counting(), FrozenClock(T0)
    ticket_id = conversation(store, clock, OFFICE_POLICY)
    stored = store.memos(ticket_id)["sla"]
    version = store.get(ticket_id).version
    assert _stored_version(stored) == version
    last = stored.rindex(f"[{version},")  # the facts of the last event
    later = f"{stored[:last]}[{version + 90},{stored[last + len(str(version)) + 2 :]}"
    assert _stored_version(later) == version + 90
    store.commit(attrs.evolve(_index_only(store, ticket_id), memos={"sla": later}))
    clock.advance(minutes(1))
    Desk(store, clock=clock, sla=OFFICE_POLICY).comment(ticket_id, "still here", actor=ALICE)
    assert _due(store) == _expected_due(store, ticket_id, OFFICE_POLICY)
    assert _stored_version(store.memos(ticket_id)["sla"]) == version + 1


def _stored_version(text: str) -> int:
    """The version a stored checkpoint is at: its last event's, if it appends any."""
    data = json.loads(text)
    version = data[-1][0] if len(data) > 12 else data[1]  # 12: the fields of the whole state
    assert type(version) is int
    return version


def test_a_store_that_keeps_no_memos_still_gets_every_due_time_right() -> None:
    class Forgetful(InMemoryTicketStore):
        memos = None  # type: ignore[assignment]  # no memos at all: the optional half is absent

    store, clock = Forgetful(), FrozenClock(T0)
    ticket_id = conversation(store, clock, OFFICE_POLICY)
    assert _due(store) == _expected_due(store, ticket_id, OFFICE_POLICY)


def _index_only(store: InMemoryTicketStore, ticket_id: str) -> Change:
    ticket = store.get(ticket_id)
    return Change(ticket=ticket, events=(), expected_version=ticket.version, due_at=None)


def _due(store: InMemoryTicketStore) -> list[datetime]:
    return [entry.due_at for entry in store.due(LATEST)]


def _expected_due(store: InMemoryTicketStore, ticket_id: str, policy: SlaPolicy) -> list[datetime]:
    journal = store.journal(ticket_id)
    workflow = Desk(InMemoryTicketStore()).workflow
    due = sla_state(journal, policy, as_of=journal[-1].at, workflow=workflow).next_due_at
    return [] if due is None else [due]


TWO_HOURS_A_WEEK = BusinessCalendar.weekly(tz="Europe/Berlin", hours={"wed": ["14:00-16:00"]})
DECADE = SlaPolicy(
    [
        SlaRule(
            name="decade",
            calendar=TWO_HOURS_A_WEEK,
            targets=SlaTargets(resolution=timedelta(days=3650)),
        )
    ]
)


@given(
    st.datetimes(
        min_value=datetime(8999, 12, 1),  # noqa: DTZ001 - given a zone below
        max_value=LATEST.replace(tzinfo=None) - timedelta(days=2),
        timezones=st.just(UTC),
    ),
    st.lists(st.sampled_from(list(TicketStatus)), max_size=6),
)
def test_past_the_horizon_the_checkpoint_fails_exactly_where_the_journal_does(
    created: datetime, moves: list[TicketStatus]
) -> None:
    clock = FrozenClock(created)
    store = InMemoryTicketStore()
    desk = Desk(store, clock=clock, sla=DECADE)
    draft = NewTicket(subject="late", requester=Requester("alice@example.com"))
    ticket_id = desk.submit(draft, actor=BOB).id
    for move in moves:
        clock.advance(timedelta(hours=5))
        _outcome(lambda m=move: desk.transition(ticket_id, m, actor=BOB))  # type: ignore[misc]
    journal = store.journal(ticket_id)
    basis = CheckpointBasis(DECADE, DECADE.stopped | Desk(store).workflow.terminal)
    checkpoint = basis.start(DECADE.rules[0])
    checkpoint.advance(journal)
    as_of = journal[-1].at
    expected = _outcome(lambda: sla_state(journal, DECADE, as_of=as_of).next_due_at)
    event(f"the journal path gives {'an error' if isinstance(expected, type) else 'a time'}")
    assert _outcome(checkpoint.next_due) == expected


def test_checkpoints_forgotten_by_a_full_cache_are_read_back_from_the_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(CheckpointBasis, "_KEEP", 1)
    store, clock = Counting(), FrozenClock(T0)
    desk = Desk(store, clock=clock, sla=OFFICE_POLICY)
    draft = NewTicket(subject="late", requester=Requester("alice@example.com"), priority="P2")
    tickets = [desk.submit(draft, actor=BOB).id for _ in range(3)]
    for n in range(4):
        for ticket_id in tickets:  # each write evicts the other tickets' checkpoints
            clock.advance(minutes(25))
            desk.comment(ticket_id, "hi", actor=ALICE if n % 2 else BOB)
    assert store.journal_reads == 0
    expected = sorted(d for t in tickets for d in _expected_due(store, t, OFFICE_POLICY))
    assert sorted(_due(store)) == expected


def test_a_checkpoint_the_cache_lets_go_is_freed_at_once_not_by_the_collector(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No reference cycle through the checkpoint: a busy desk would otherwise leave one per
    # evicted ticket for the garbage collector, with every cycle and dictionary it holds.
    monkeypatch.setattr(CheckpointBasis, "_KEEP", 1)
    clock = FrozenClock(T0)
    desk = Desk(InMemoryTicketStore(), clock=clock, sla=OFFICE_POLICY)
    draft = NewTicket(subject="late", requester=Requester("alice@example.com"), priority="P2")
    first = desk.submit(draft, actor=BOB)
    desk.comment(first.id, "hi", actor=ALICE)
    [work] = [work for work in desk.due_work if work.name == "sla"]
    basis: CheckpointBasis = work.basis  # type: ignore[attr-defined]
    checkpoint = weakref.ref(basis._written[first.id][1])
    gc.disable()
    try:
        desk.submit(draft, actor=BOB)  # the cache keeps one: the first ticket's goes
        assert checkpoint() is None
    finally:
        gc.enable()
