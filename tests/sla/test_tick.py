"""Desk.tick: warnings and breaches recorded exactly once, escalations, service credits."""

from __future__ import annotations

import itertools
import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from _walk import walk
from ticketflow import (
    Actor,
    Desk,
    NewTicket,
    Requester,
    SlaBreached,
    SlaWarned,
    Ticket,
    TicketEvent,
    TicketStatus,
    TickReport,
)
from ticketflow.exceptions import ConflictError
from ticketflow.integrations import (
    SERVICE_CREDIT_TOPIC,
    Account,
    InMemoryBilling,
    InMemoryCrm,
    dispatch_outbox,
    service_credit_handler,
)
from ticketflow.sla import (
    Assignment,
    BusinessCalendar,
    EscalationStep,
    SlaAlert,
    SlaPolicy,
    SlaRule,
    SlaTargets,
    bump_priority,
    reassign,
    sla_state,
)
from ticketflow.storage import Change, InMemoryTicketStore, SQLiteTicketStore, TicketStore
from ticketflow.testing import FrozenClock

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
ALWAYS = BusinessCalendar.always()
ALICE = Actor.customer("alice@example.com")
BOB = Actor.agent("bob")
S = TicketStatus


def alert_keys(journal: list[TicketEvent]) -> list[tuple[str, int, float | None]]:
    keys: list[tuple[str, int, float | None]] = []
    for event in journal:
        if isinstance(event, SlaWarned):
            keys.append((event.metric, event.cycle, event.threshold))
        elif isinstance(event, SlaBreached):
            keys.append((event.metric, event.cycle, None))
    return keys


def simple_desk(policy: SlaPolicy) -> tuple[Desk, FrozenClock]:
    clock = FrozenClock(T0)
    counter = itertools.count()
    return Desk(
        InMemoryTicketStore(), clock=clock, sla=policy, ids=lambda: f"id{next(counter)}"
    ), clock


def test_tick_records_due_alerts_once_and_moves_the_due_index() -> None:
    desk, clock = simple_desk(SlaPolicy.by_priority({"P2": timedelta(hours=4)}, calendar=ALWAYS))
    ticket = desk.submit(
        NewTicket(subject="s", requester=Requester("alice@example.com"), priority="P2"),
        actor=ALICE,
    )
    assert [d.due_at for d in desk.store.due(T0 + timedelta(days=1))] == [T0 + timedelta(hours=3)]
    report = desk.tick(T0 + timedelta(hours=3, minutes=30))
    assert (report.tickets, report.warned, report.breached) == (1, 1, 0)
    assert [d.due_at for d in desk.store.due(T0 + timedelta(days=1))] == [
        T0 + timedelta(hours=3, minutes=36)
    ]
    assert desk.tick(T0 + timedelta(hours=3, minutes=30)).warned == 0
    clock.set(T0 + timedelta(hours=5))
    report = desk.tick()
    assert (report.warned, report.breached) == (1, 1)
    assert alert_keys(list(desk.history(ticket.id))) == [
        ("resolution", 0, 0.75),
        ("resolution", 0, 0.9),
        ("resolution", 0, None),
    ]
    assert desk.store.due(T0 + timedelta(days=365)) == []


def test_a_stale_due_entry_is_corrected_without_an_event() -> None:
    desk, _ = simple_desk(SlaPolicy.by_priority({"P2": timedelta(hours=1)}, calendar=ALWAYS))
    ticket = desk.submit(
        NewTicket(subject="s", requester=Requester("alice@example.com"), priority="P2"),
        actor=ALICE,
    )
    desk.sla = SlaPolicy.by_priority({"P2": timedelta(hours=10)}, calendar=ALWAYS)
    report = desk.tick(T0 + timedelta(hours=2))
    assert (report.tickets, report.warned) == (1, 0)
    assert desk.get(ticket.id).version == 1
    assert [d.due_at for d in desk.store.due(T0 + timedelta(days=1))] == [
        T0 + timedelta(hours=7, minutes=30)
    ]


def test_breach_escalates_by_bumping_priority_and_rerouting() -> None:
    class ToSupervisors:
        def route(self, _: object) -> Assignment:
            return Assignment(queue="escalations", assignee="sue")

    policy = SlaPolicy.by_priority(
        {"P1": timedelta(hours=1), "P2": timedelta(hours=2)},
        calendar=ALWAYS,
        escalations=[bump_priority({"P2": "P1"}), reassign(ToSupervisors(), on="warning")],
    )
    desk, _ = simple_desk(policy)
    ticket = desk.submit(
        NewTicket(subject="s", requester=Requester("alice@example.com"), priority="P2"),
        actor=ALICE,
    )
    report = desk.tick(T0 + timedelta(hours=3))
    after = desk.get(ticket.id)
    assert (after.priority, after.queue, after.assignee) == ("P1", "escalations", "sue")
    assert report.escalated == 2
    assert desk.tick(T0 + timedelta(hours=4)).escalated == 0, "exactly once"
    keys = alert_keys(list(desk.history(ticket.id)))
    assert len(keys) == len(set(keys))


def test_contract_breach_sends_a_service_credit_to_billing() -> None:
    policy = SlaPolicy(
        [
            SlaRule(
                name="gold",
                tier="gold",
                calendar=ALWAYS,
                targets=SlaTargets(resolution=timedelta(hours=1)),
            ),
            SlaRule(
                name="default", calendar=ALWAYS, targets=SlaTargets(resolution=timedelta(hours=1))
            ),
        ],
        contracts=InMemoryCrm({"@bigcorp.com": Account(account_id="bigcorp", sla_tier="gold")}),
    )
    desk, _ = simple_desk(policy)
    gold = desk.submit(NewTicket(subject="s", requester=Requester("cfo@bigcorp.com")), actor=BOB)
    desk.submit(NewTicket(subject="s", requester=Requester("x@small.org")), actor=BOB)
    assert "rule 1 'gold' (tier=gold)" in desk.explain_sla(gold.id)
    assert desk.tick(T0 + timedelta(hours=2)).breached == 2
    billing = InMemoryBilling()
    seen: list[str] = []
    report = dispatch_outbox(
        desk.store,
        {
            SERVICE_CREDIT_TOPIC: service_credit_handler(billing),
            "ticket.*": lambda m: seen.append(m.topic),
        },
        now=T0 + timedelta(hours=2),
    )
    assert report.unhandled == 0
    assert report.failed == 0
    (credit,) = billing.credits.values()
    assert (credit.ticket_id, credit.tier, credit.metric) == (gold.id, "gold", "resolution")
    assert credit.due_at == T0 + timedelta(hours=1)
    assert "ticket.sla_breached" in seen


def test_dispatch_never_drops_unhandled_or_failing_messages() -> None:
    desk, _ = simple_desk(SlaPolicy.by_priority({"P2": timedelta(hours=1)}, calendar=ALWAYS))
    desk.submit(NewTicket(subject="s", requester=Requester("a@example.com")), actor=BOB)

    def broken(_: object) -> None:
        raise RuntimeError("receiver down")

    now = T0 + timedelta(minutes=1)
    assert dispatch_outbox(desk.store, {}, now=now).unhandled == 1
    assert dispatch_outbox(desk.store, {"*": broken}, now=now + timedelta(minutes=5)).failed == 1
    later = dispatch_outbox(desk.store, {"ticket.created": print}, now=now + timedelta(minutes=11))
    assert later.delivered == 1


def random_desk(
    rng: random.Random, policy: SlaPolicy, count: int, store: TicketStore
) -> tuple[Desk, list[str]]:
    clock = FrozenClock(T0)
    desk = Desk(store, clock=clock, sla=policy)
    ids = []
    for number in range(count):
        clock.set(T0 + timedelta(minutes=rng.randrange(0, 600)))
        ticket = desk.submit(
            NewTicket(
                subject=f"t{number}",
                requester=Requester("alice@example.com"),
                priority=rng.choice(["P1", "P2", None]),
            ),
            actor=ALICE,
        )
        ids.append(ticket.id)
        at = clock.now()
        for _ in range(rng.randrange(0, 6)):
            at += timedelta(minutes=rng.randrange(1, 120))
            clock.set(at)
            targets = sorted(desk.workflow.edges[desk.get(ticket.id).status])
            if rng.random() < 0.5 and targets:
                walk(desk, ticket.id, rng.choice(targets), actor=BOB)
            else:
                desk.comment(ticket.id, "update", actor=rng.choice([ALICE, BOB]))
    return desk, ids


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_two_threads_ticking_1000_tickets_record_each_alert_exactly_once(
    kind: str, tmp_path: Path
) -> None:
    store: TicketStore = (
        InMemoryTicketStore()
        if kind == "memory"
        else SQLiteTicketStore(tmp_path / "desk.sqlite3", synchronous="NORMAL")
    )
    rng = random.Random(20261127)
    policy = SlaPolicy.by_priority(
        {
            "P1": SlaTargets(
                first_response=timedelta(minutes=30),
                resolution=timedelta(hours=2),
                next_response=timedelta(hours=1),
            ),
            "P2": SlaTargets(first_response=timedelta(hours=1), resolution=timedelta(hours=8)),
        },
        calendar=ALWAYS,
    )
    desk, ids = random_desk(rng, policy, 1000, store)
    instants = sorted(T0 + timedelta(minutes=rng.randrange(0, 2000)) for _ in range(60))
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            for instant in instants[offset::2] + instants[::-1][offset::3]:
                while desk.tick(instant, limit=200).tickets == 200:
                    pass
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    final = T0 + timedelta(days=30)
    while desk.tick(final, limit=500).tickets:
        pass
    total = 0
    for ticket_id in ids:
        journal = list(desk.history(ticket_id))
        keys = alert_keys(journal)
        duplicates = [k for k, n in Counter(keys).items() if n > 1]
        assert not duplicates, (ticket_id, duplicates)
        assert sla_state(journal, policy, as_of=final).alerts_due == ()
        assert [e.version for e in journal] == list(range(1, len(journal) + 1))
        total += len(keys)
    assert total > 500, "the histories must actually produce alerts"


class _RacingStore(InMemoryTicketStore):
    """Lets another worker's tick land between this worker's read and its commit, once."""

    def __init__(self) -> None:
        super().__init__()
        self.rival: Desk | None = None
        self.rival_report = TickReport(0)
        self.conflicts = 0

    def commit(self, change: Change) -> None:
        rival, self.rival = self.rival, None
        if rival is not None:
            # An hour on, this worker's lease (five minutes) has lapsed: the rival claims it.
            self.rival_report = rival.tick(T0 + timedelta(hours=6))
        try:
            super().commit(change)
        except Exception:
            self.conflicts += 1
            raise


def test_a_tick_that_loses_the_race_rederives_and_records_nothing_twice() -> None:
    store = _RacingStore()
    policy = SlaPolicy.by_priority({"P2": timedelta(hours=1)}, calendar=ALWAYS)
    mine = Desk(store, clock=FrozenClock(T0), sla=policy)
    ticket = mine.submit(
        NewTicket(subject="s", requester=Requester("alice@example.com"), priority="P2"),
        actor=ALICE,
    )
    store.rival = Desk(store, clock=FrozenClock(T0), sla=policy)
    report = mine.tick(T0 + timedelta(hours=5))
    assert store.conflicts == 1
    assert store.rival_report.breached == 1
    assert report.breached == 0, "the rival recorded it; the retry found nothing left"
    assert alert_keys(list(mine.history(ticket.id))) == [
        ("resolution", 0, 0.75),
        ("resolution", 0, 0.9),
        ("resolution", 0, None),
    ]


class _ConflictOnce(InMemoryTicketStore):
    """Refuses the first commit after being armed, as if another worker had written first."""

    def __init__(self) -> None:
        super().__init__()
        self.armed = False
        self.commits = 0

    def commit(self, change: Change) -> None:
        self.commits += 1
        if self.armed:
            self.armed = False
            raise ConflictError(change.ticket.id, change.expected_version, change.expected_version)
        super().commit(change)


def test_a_failing_escalation_is_listed_once_when_a_conflict_made_the_tick_run_again() -> None:
    class CrmDown:
        def escalate(self, _: Ticket, __: SlaAlert) -> EscalationStep | None:
            raise RuntimeError("crm down")

    store, crm = _ConflictOnce(), CrmDown()
    policy = SlaPolicy.by_priority({"P2": timedelta(hours=1)}, calendar=ALWAYS, escalations=[crm])
    desk = Desk(store, clock=FrozenClock(T0), sla=policy)
    ticket = desk.submit(
        NewTicket(subject="s", requester=Requester("alice@example.com"), priority="P2"),
        actor=ALICE,
    )
    store.armed = True
    before = store.commits
    report = desk.tick(T0 + timedelta(minutes=50))  # past 75%: one warning, one escalation
    assert store.commits - before == 2, "the first commit conflicted and the tick ran again"
    assert report.failures == (
        (ticket.id, f"{ticket.id}: escalation {crm!r} failed: RuntimeError('crm down')"),
    )
    assert report.warned == 1
    assert alert_keys(list(desk.history(ticket.id))) == [("resolution", 0, 0.75)]


class _LeaseRespectingRival(InMemoryTicketStore):
    """Lets another worker tick, at the same instant, between this worker's claim and commit."""

    def __init__(self) -> None:
        super().__init__()
        self.rival: Desk | None = None
        self.rival_report: TickReport | None = None

    def commit(self, change: Change) -> None:
        rival, self.rival = self.rival, None
        if rival is not None:
            self.rival_report = rival.tick(T0 + timedelta(hours=5), worker="rival")
        super().commit(change)


def test_a_ticket_claimed_by_one_worker_is_not_ticked_by_another_meanwhile() -> None:
    store = _LeaseRespectingRival()
    policy = SlaPolicy.by_priority({"P2": timedelta(hours=1)}, calendar=ALWAYS)
    mine = Desk(store, clock=FrozenClock(T0), sla=policy)
    mine.submit(
        NewTicket(subject="s", requester=Requester("alice@example.com"), priority="P2"),
        actor=ALICE,
    )
    store.rival = Desk(store, clock=FrozenClock(T0), sla=policy)
    report = mine.tick(T0 + timedelta(hours=5), worker="mine")
    assert store.rival_report is not None
    assert store.rival_report.tickets == 0, "the rival claimed a ticket under a live lease"
    assert report.breached == 1
