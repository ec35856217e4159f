"""SLA behaviour through the Desk: ordering, stale warnings, custom workflows, failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketflow import (
    Actor,
    Desk,
    NewTicket,
    Requester,
    SlaBreached,
    SlaMetric,
    SlaWarned,
    Ticket,
    TicketStatus,
    Workflow,
)
from ticketflow.exceptions import AccessDeniedError, ClockSkewError, InvalidValueError
from ticketflow.integrations import InMemoryCrm
from ticketflow.sla import (
    Assignment,
    BusinessCalendar,
    ClockState,
    EscalationStep,
    SlaAlert,
    SlaPolicy,
    SlaRule,
    SlaTargets,
    bump_priority,
    reassign,
)
from ticketflow.storage import InMemoryTicketStore
from ticketflow.testing import FrozenClock

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
ALWAYS = BusinessCalendar.always()
ALICE = Actor.customer("alice@example.com")
BOB = Actor.agent("bob")


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def desk_with(policy: SlaPolicy, **options: object) -> tuple[Desk, FrozenClock]:
    clock = FrozenClock(T0)
    return Desk(InMemoryTicketStore(), clock=clock, sla=policy, **options), clock  # type: ignore[arg-type]


def submit(desk: Desk, priority: str | None = "P2", email: str = "alice@example.com") -> Ticket:
    return desk.submit(
        NewTicket(subject="s", requester=Requester(email), priority=priority),
        actor=Actor.customer(email),
    )


def alerts(desk: Desk, ticket_id: str) -> list[tuple[str, int, float | None]]:
    found: list[tuple[str, int, float | None]] = []
    for event in desk.history(ticket_id):
        if isinstance(event, SlaWarned):
            found.append((event.metric, event.cycle, event.threshold))
        elif isinstance(event, SlaBreached):
            found.append((event.metric, event.cycle, None))
    return found


def test_a_worker_whose_clock_lags_cannot_make_an_alert_happen_twice() -> None:
    desk, clock = desk_with(SlaPolicy.by_priority({"P2": hours(8)}, calendar=ALWAYS))
    ticket = submit(desk)
    desk.tick(T0 + hours(6))
    clock.set(T0 + hours(6) - timedelta(minutes=3))  # a worker whose clock lags a little
    after = desk.comment(ticket.id, "note", actor=BOB, public=False)
    assert after.updated_at == T0 + hours(6), "stamped no earlier than the last event"
    desk.tick(T0 + hours(6) - timedelta(minutes=4))
    assert alerts(desk, ticket.id) == [("resolution", 0, 0.75)]


def test_a_clock_far_behind_the_ticket_is_refused_and_writes_nothing() -> None:
    desk, clock = desk_with(SlaPolicy.by_priority({"P2": hours(8)}, calendar=ALWAYS))
    ticket = submit(desk)
    desk.tick(T0 + hours(7))
    clock.set(T0 + hours(1))  # a broken clock, six hours behind
    with pytest.raises(ClockSkewError) as caught:
        desk.comment(ticket.id, "note", actor=BOB, public=False)
    assert (caught.value.ticket_id, caught.value.last_event_at) == (ticket.id, T0 + hours(7))
    assert desk.get(ticket.id).version == 2


def test_no_warning_or_escalation_once_the_clock_was_met() -> None:
    policy = SlaPolicy.by_priority(
        {"P2": SlaTargets(first_response=hours(1))},
        calendar=ALWAYS,
        escalations=[bump_priority({"P2": "P1"}, on="warning")],
    )
    desk, clock = desk_with(policy)
    ticket = submit(desk)
    clock.set(T0 + timedelta(minutes=50))
    desk.comment(ticket.id, "On it", actor=BOB)
    report = desk.tick(T0 + timedelta(minutes=55))
    assert (report.warned, report.escalated) == (0, 0)
    assert desk.get(ticket.id).priority == "P2"


def test_a_late_breach_is_recorded_but_not_escalated() -> None:
    policy = SlaPolicy.by_priority(
        {"P2": SlaTargets(first_response=hours(1))},
        calendar=ALWAYS,
        escalations=[bump_priority({"P2": "P1"})],
    )
    desk, clock = desk_with(policy)
    ticket = submit(desk)
    clock.set(T0 + hours(2))
    desk.comment(ticket.id, "Sorry for the wait", actor=BOB)
    report = desk.tick(T0 + hours(3))
    assert (report.breached, report.escalated) == (1, 0)
    assert desk.get(ticket.id).priority == "P2"


def test_terminal_statuses_of_a_custom_workflow_stop_the_clocks() -> None:
    workflow = Workflow(statuses=["open", "done"], edges={"open": ["done"]}, initial=["open"])
    desk, clock = desk_with(
        SlaPolicy.by_priority({"P2": hours(10)}, calendar=ALWAYS), workflow=workflow
    )
    ticket = submit(desk)
    clock.set(T0 + hours(1))
    desk.transition(ticket.id, "done", actor=BOB)
    reading = desk.sla_state(ticket.id, as_of=T0 + hours(20)).reading(SlaMetric.RESOLUTION)
    assert reading is not None
    assert (reading.state, reading.elapsed, reading.breached) == (ClockState.MET, hours(1), False)
    assert desk.tick(T0 + hours(20)).warned == 0


def test_reindex_after_a_policy_change_makes_tick_find_the_ticket() -> None:
    desk, _ = desk_with(SlaPolicy.by_priority({"P2": hours(8)}, calendar=ALWAYS))
    ticket = submit(desk)
    no_policy = Desk(desk.store, clock=desk.clock)
    other = submit(no_policy)
    desk.sla = SlaPolicy.by_priority({"P2": hours(2)}, calendar=ALWAYS)
    assert desk.tick(T0 + hours(3)).tickets == 0, "the index still holds the old deadline"
    assert desk.reindex_sla(page_size=1) == 2
    report = desk.tick(T0 + hours(3))
    assert (report.tickets, report.breached) == (2, 2)
    assert alerts(desk, ticket.id)[-1] == ("resolution", 0, None)
    assert alerts(desk, other.id)[-1] == ("resolution", 0, None)


def test_a_failing_escalation_does_not_stop_the_tick_or_lose_the_alerts() -> None:
    class Broken:
        def route(self, ticket: Ticket) -> Assignment:
            raise RuntimeError(f"router down for {ticket.reference}")

    policy = SlaPolicy.by_priority(
        {"P2": hours(1)}, calendar=ALWAYS, escalations=[reassign(Broken())]
    )
    desk, _ = desk_with(policy)
    first, second = submit(desk), submit(desk)
    report = desk.tick(T0 + hours(2))
    assert report.breached == 2
    assert sorted(ticket_id for ticket_id, _ in report.failures) == sorted([first.id, second.id])
    assert "router down" in report.failures[0][1]


def test_a_ticket_that_cannot_be_ticked_does_not_block_the_others() -> None:
    desk, _ = desk_with(SlaPolicy.by_priority({"P2": hours(1)}, calendar=ALWAYS))
    first, second = submit(desk), submit(desk)
    real_get = desk.store.get

    def flaky_get(ticket_id: str) -> Ticket:
        if ticket_id == first.id:
            raise OSError("disk hiccup")
        return real_get(ticket_id)

    desk.store.get = flaky_get  # type: ignore[method-assign]
    report = desk.tick(T0 + hours(2))
    assert report.failures == ((first.id, "OSError('disk hiccup')"),)
    assert report.breached == 1
    assert alerts(desk, second.id)[-1] == ("resolution", 0, None)


def test_a_crm_outage_loses_no_submission_and_tick_reports_it() -> None:
    class DownCrm:
        def tier(self, requester: Requester) -> str | None:
            raise ConnectionError(f"CRM unreachable for {requester.email}")

    rule = SlaRule(name="all", calendar=ALWAYS, targets=SlaTargets(resolution=hours(4)))
    desk, _ = desk_with(SlaPolicy([rule], contracts=DownCrm()))
    ticket = submit(desk)
    assert desk.get(ticket.id).version == 1
    assert [d.ticket_id for d in desk.store.due(T0)] == [ticket.id], "due at once, to retry"
    report = desk.tick(T0)
    assert "CRM unreachable" in report.failures[0][1]
    desk.sla = SlaPolicy([rule], contracts=InMemoryCrm({}))
    assert desk.tick(T0).failures == ()


def test_an_escalation_step_applies_priority_and_assignment_together() -> None:
    class Both:
        def escalate(self, _: Ticket, __: SlaAlert) -> EscalationStep | None:
            return EscalationStep(priority="P1", queue="tier2", assignee="carol")

    policy = SlaPolicy.by_priority({"P2": hours(1)}, calendar=ALWAYS, escalations=[Both()])
    desk, _ = desk_with(policy)
    ticket = submit(desk)
    assert desk.tick(T0 + hours(2)).escalated == 2
    after = desk.get(ticket.id)
    assert (after.priority, after.queue, after.assignee) == ("P1", "tier2", "carol")


def test_customers_cannot_touch_tickets_they_did_not_request() -> None:
    desk, _ = desk_with(SlaPolicy.by_priority({"P2": hours(1)}, calendar=ALWAYS))
    ticket = submit(desk)
    mallory = Actor.customer("mallory@example.com")
    from ticketflow.exceptions import TicketNotFoundError  # noqa: PLC0415

    with pytest.raises(TicketNotFoundError):
        desk.comment(ticket.id, "hi", actor=mallory)
    with pytest.raises(TicketNotFoundError):
        desk.transition(ticket.id, TicketStatus.TRIAGED, actor=mallory)
    assert desk.get(ticket.id).version == 1


def test_customers_set_only_the_fields_the_host_lets_them() -> None:
    desk, _ = desk_with(
        SlaPolicy.by_priority({"P2": hours(1)}, calendar=ALWAYS),
        internal_fields={"margin"},
        customer_fields={"order"},
        roles={"set_fields": ["agent", "customer"]},
    )
    ticket = submit(desk)
    refusals = []
    for name in ("margin", "never_heard_of"):  # internal or unknown: the same refusal
        with pytest.raises(AccessDeniedError) as caught:
            desk.set_fields(ticket.id, {name: 0.5}, actor=ALICE)
        refusals.append(str(caught.value))
    assert refusals[0] == refusals[1], "the refusal must not tell which names are internal"
    assert "margin" not in refusals[0]
    assert desk.set_fields(ticket.id, {"order": "7781"}, actor=ALICE).fields["order"] == "7781"


def test_by_default_customers_cannot_set_fields() -> None:
    desk, _ = desk_with(SlaPolicy.by_priority({"P2": hours(1)}, calendar=ALWAYS))
    ticket = submit(desk)
    with pytest.raises(AccessDeniedError):
        desk.set_fields(ticket.id, {"order": "7781"}, actor=ALICE)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: SlaRule(name="r", calendar=ALWAYS, targets=hours(4)), "targets"),  # type: ignore[arg-type]
        (lambda: SlaRule(name="r", calendar="Europe/Berlin", targets=SlaTargets()), "calendar"),  # type: ignore[arg-type]
        (lambda: SlaRule(name="", calendar=ALWAYS, targets=SlaTargets()), "name"),
        (lambda: SlaRule(name="r", calendar=ALWAYS, targets=SlaTargets(), tier=""), "tier"),
        (lambda: SlaTargets(resolution=timedelta(days=100_000)), "resolution"),
        (lambda: SlaTargets(resolution=timedelta(0)), "resolution"),
        (lambda: SlaPolicy.by_priority({"P1": hours(1)}, calendar=ALWAYS, warn_at=0.5), "warn_at"),
        (
            lambda: SlaPolicy.by_priority({"P1": hours(1)}, calendar=ALWAYS, warn_at=["0.5"]),
            "warn_at",
        ),
        (
            lambda: SlaPolicy.by_priority({"P1": hours(1)}, calendar=ALWAYS, warn_at=[1.5]),
            "warn_at",
        ),
        (
            lambda: SlaPolicy.by_priority(
                {"P1": hours(1)}, calendar=ALWAYS, pauses={SlaMetric.RESOLUTION: "pending_customer"}
            ),
            "pauses['resolution']",
        ),
        (
            lambda: SlaPolicy.by_priority({"P1": hours(1)}, calendar=ALWAYS, stopped="closed"),
            "stopped",
        ),
        (
            lambda: SlaPolicy.by_priority(
                {"P1": hours(1)}, calendar=ALWAYS, escalations=[object()]
            ),
            "escalations[0]",
        ),
        (lambda: SlaPolicy(["not a rule"]), "rules[0]"),  # type: ignore[list-item]
        (lambda: SlaPolicy([]), "rules"),
        (lambda: bump_priority({"P2": "P1"}, on="breached"), "on"),
        (lambda: reassign(object()), "router"),  # type: ignore[arg-type]
    ],
)
def test_policy_mistakes_are_caught_when_built(build: object, field: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.field == field
