"""The triage command: one commit per triage, every decision explained, overrides recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ticketflow import Actor, Desk, NewTicket, Requester, TicketStatus
from ticketflow.exceptions import AccessDeniedError, InvalidValueError, UnknownCategoryError
from ticketflow.integrations import Account, InMemoryCrm
from ticketflow.storage import InMemoryTicketStore, SQLiteTicketStore, TicketStore
from ticketflow.testing import FrozenClock
from ticketflow.triage import (
    UNCATEGORIZED,
    Agent,
    Category,
    CategoryRule,
    RouteRule,
    StoreRoundRobinCursor,
    Taxonomy,
    Triage,
    chain_router,
    keyword_modifier,
    priority_policy,
    round_robin_router,
    rule_categorizer,
    rule_router,
)

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
ALICE = Actor.customer("alice@example.com")
BOB = Actor.agent("bob")
SUE = Actor.supervisor("sue")
TAXONOMY = Taxonomy(
    [
        Category("delivery", "Delivery"),
        Category("delivery/late", "Late delivery"),
        Category("billing", "Billing"),
    ],
    retired={"delivery/delayed": "delivery/late"},
)
AGENTS = (
    Agent(id="ann", queues=["logistics"]),
    Agent(id="bob", queues=["logistics"]),
    Agent(id="cy", queues=["logistics"], available=False),
)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TicketStore]:
    if request.param == "memory":
        yield InMemoryTicketStore()
        return
    with SQLiteTicketStore(tmp_path / "desk.sqlite3", synchronous="OFF") as sqlite:
        yield sqlite


def _triage(store: TicketStore, **options: object) -> tuple[Desk, Triage]:
    desk = Desk(store, clock=FrozenClock(T0))
    settings: dict[str, object] = {
        "categorizer": rule_categorizer(
            TAXONOMY,
            [CategoryRule(name="late words", category="delivery/late", keywords=["late"])],
        ),
        "priority": priority_policy(modifiers=[keyword_modifier(["outage"], floor=4, steps=0)]),
        "router": chain_router(
            [
                rule_router(
                    [RouteRule(name="parcels", queue="logistics", categories=["delivery"])],
                    default_queue="first-line",
                    taxonomy=TAXONOMY,
                ),
                round_robin_router(StoreRoundRobinCursor(store)),  # type: ignore[arg-type]
            ]
        ),
        "taxonomy": TAXONOMY,
        "agents": AGENTS,
    }
    settings.update(options)
    return desk, Triage(desk, **settings)  # type: ignore[arg-type]


def _submit(desk: Desk, subject: str) -> str:
    draft = NewTicket(subject=subject, requester=Requester("alice@example.com"))
    return desk.submit(draft, actor=ALICE).id


def test_one_command_decides_everything_in_one_commit_and_explains_it(store: TicketStore) -> None:
    desk, triage = _triage(store)
    first = _submit(desk, "Parcel 42 is late")
    before = desk.get(first).version
    ticket = triage.triage(first)
    assert ticket.status == TicketStatus.TRIAGED
    assert (ticket.category, ticket.priority) == ("delivery/late", "P3")
    assert (ticket.queue, ticket.assignee) == ("logistics", "ann")  # cy is away
    journal = desk.history(first)[before:]
    kinds = [event.type for event in journal]
    assert kinds == [
        "categorized",
        "explained",
        "prioritized",
        "explained",
        "assigned",
        "explained",
        "transitioned",
    ]
    assert len({event.version for event in journal}) == len(journal)
    explained = desk.view(first, BOB).explanations
    assert [(e.decision, e.outcome) for e in explained] == [
        ("category", "delivery/late"),
        ("priority", "P3"),
        ("route", "logistics/ann"),
    ]
    assert any("late words" in reason for reason in explained[0].reasons)
    assert explained[1].reasons[0].startswith("matrix: impact 3, urgency 3")
    assert desk.view(first, ALICE).explanations == ()
    # The next ticket goes to the next agent in turn, kept by the store.
    second = triage.triage(_submit(desk, "Another late parcel"))
    assert second.assignee == "bob"


def test_a_ticket_no_rule_places_stays_uncategorized_in_the_default_queue(
    store: TicketStore,
) -> None:
    desk, triage = _triage(store)
    ticket = triage.triage(_submit(desk, "Invoice shows the wrong VAT"))
    assert ticket.category == UNCATEGORIZED
    assert (ticket.queue, ticket.assignee) == ("first-line", None)
    route = desk.view(ticket.id, BOB).explanations[-1]
    assert route.outcome == "first-line"
    assert "first-line" in route.reasons[0]


def test_a_crm_that_is_down_is_recorded_and_triage_goes_on(store: TicketStore) -> None:
    class Down:
        def account(self, requester: Requester) -> Account | None:  # noqa: ARG002
            raise ConnectionError("crm.example: connection refused")

    desk, triage = _triage(store, crm=Down())
    ticket = triage.triage(_submit(desk, "Parcel is late"))
    assert ticket.status == TicketStatus.TRIAGED
    crm = desk.view(ticket.id, BOB).explanations[0]
    assert crm.decision == "crm"
    assert "lookup failed (ConnectionError: crm.example: connection refused)" in crm.reasons[0]
    desk2, triage2 = _triage(
        InMemoryTicketStore(),
        crm=InMemoryCrm({"@example.com": Account(account_id="acme", tier="gold", vip=True)}),
    )
    found = triage2.triage(_submit(desk2, "Parcel is late"))
    line = desk2.view(found.id, BOB).explanations[0].reasons[0]
    assert line == "account acme: tier gold, contract -, vip yes, language -"


def test_an_agent_overrides_and_the_override_is_recorded(store: TicketStore) -> None:
    desk, triage = _triage(store)
    ticket = triage.triage(_submit(desk, "Parcel 42 is late"))
    after = triage.override(
        ticket.id,
        actor=SUE,
        reason="customer is a hospital",
        priority="P1",
        assignee="bob",
        category="delivery/delayed",  # retired: its successor is recorded
    )
    assert (after.priority, after.assignee, after.queue) == ("P1", "bob", "logistics")
    assert after.category == "delivery/late"
    overridden = [e for e in desk.view(ticket.id, BOB).explanations if e.overridden]
    assert [e.decision for e in overridden] == ["category", "priority", "route"]
    assert overridden[0].reasons == ("overridden by supervisor:sue: customer is a hospital",)
    assert overridden[2].outcome == "logistics/bob"


def test_unknown_categories_are_refused_and_nothing_is_written(store: TicketStore) -> None:
    desk, triage = _triage(store)
    ticket = triage.triage(_submit(desk, "Parcel 42 is late"))
    with pytest.raises(UnknownCategoryError):
        triage.override(ticket.id, actor=BOB, reason="mine", category="one-off bucket")

    class Plugin:
        def categorize(self, ticket: object) -> object:  # noqa: ARG002
            from ticketflow.triage import CategoryDecision  # noqa: PLC0415

            return CategoryDecision("misc/other", 1.0, ("plugin",), "a plugin's own idea")

    desk2, triage2 = _triage(InMemoryTicketStore(), categorizer=Plugin())
    new = _submit(desk2, "Parcel 42 is late")
    with pytest.raises(UnknownCategoryError):
        triage2.triage(new)
    assert desk2.get(new).version == 1, "nothing was written"
    assert desk.get(ticket.id).version == ticket.version


def test_customers_may_not_triage_and_bad_arguments_name_the_field(store: TicketStore) -> None:
    desk, triage = _triage(store)
    ticket_id = _submit(desk, "Parcel 42 is late")
    with pytest.raises(AccessDeniedError):
        triage.triage(ticket_id, actor=ALICE)
    with pytest.raises(InvalidValueError) as caught:
        triage.override(ticket_id, actor=BOB, reason="nothing given")
    assert caught.value.field == "override"
    for name, value in [
        ("categorizer", object()),
        ("taxonomy", {}),
        ("agents", "ann"),
        ("crm", object()),
        ("actor", ALICE),
    ]:
        with pytest.raises(InvalidValueError) as caught:
            _triage(store, **{name: value})
        assert caught.value.field == name


def test_a_context_at_another_instant_keeps_its_agents_and_checks_the_instant() -> None:
    from ticketflow.exceptions import NaiveDatetimeError  # noqa: PLC0415
    from ticketflow.triage import RouteContext  # noqa: PLC0415

    context = RouteContext(at=T0, agents=AGENTS, loads={"ann": 2})
    later = context.at_instant(datetime(2026, 3, 3, 9, tzinfo=UTC))
    assert later.at == datetime(2026, 3, 3, 9, tzinfo=UTC)
    assert (later.agents, later.loads, later.agents_in("logistics")) == (
        context.agents,
        context.loads,
        context.agents_in("logistics"),
    )
    assert context.at_instant(T0) is context
    with pytest.raises(NaiveDatetimeError):
        context.at_instant(datetime(2026, 3, 3, 9))  # noqa: DTZ001 - the point of the test


def test_a_desk_with_categories_refuses_one_off_buckets_wherever_they_enter(
    store: TicketStore,
) -> None:
    from ticketflow.intake import FormSpec, IntakeError, parse_form  # noqa: PLC0415

    desk = Desk(store, categories=TAXONOMY)
    draft = NewTicket(subject="s", requester=Requester("alice@example.com"), category="misc")
    with pytest.raises(UnknownCategoryError):
        desk.submit(draft, actor=BOB)
    retired = NewTicket(
        subject="s", requester=Requester("alice@example.com"), category="delivery/delayed"
    )
    ticket = desk.submit(retired, actor=BOB)
    assert ticket.category == "delivery/late"
    with pytest.raises(UnknownCategoryError):
        desk.categorize(ticket.id, "whatever-this-is", actor=BOB)
    assert desk.get(ticket.id).version == ticket.version, "nothing was written"
    assert desk.categorize(ticket.id, "billing", actor=BOB).category == "billing"
    form = FormSpec(categories=TAXONOMY)
    payload = {"subject": "s", "requester": {"email": "a@example.com"}, "category": "misc"}
    with pytest.raises(IntakeError) as caught:
        parse_form(payload, form=form)
    assert [p.code for p in caught.value.problems] == ["unknown_category"]
    with pytest.raises(InvalidValueError) as bad:
        Desk(store, categories=["billing"])  # type: ignore[arg-type]
    assert bad.value.field == "categories"
