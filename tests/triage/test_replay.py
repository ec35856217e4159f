"""What if: replaying triage under proposed strategies counts changes and writes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest
from _triage import T0, TAXONOMY
from hypothesis import given
from hypothesis import strategies as st

from ticketflow import (
    Actor,
    Desk,
    NewTicket,
    Requester,
    TicketEvent,
    from_json,
    to_json,
)
from ticketflow.exceptions import (
    InvalidValueError,
    JournalError,
    NaiveDatetimeError,
    TicketflowError,
    UnknownCategoryError,
)
from ticketflow.storage import InMemoryTicketStore, TicketQuery
from ticketflow.testing import FrozenClock
from ticketflow.triage import (
    UNCATEGORIZED,
    Agent,
    CategoryDecision,
    CategoryRule,
    InMemoryRoundRobinCursor,
    ReplayChange,
    ReplayTally,
    Router,
    RouteRule,
    Triage,
    TriageReplay,
    chain_router,
    keyword_modifier,
    least_loaded_router,
    priority_policy,
    replay_triage,
    round_robin_router,
    rule_categorizer,
    rule_router,
)

ALICE = Actor.customer("alice@example.com")
SUE = Actor.supervisor("sue")
AGENTS = (
    Agent(id="ann", queues=["logistics"]),
    Agent(id="bob", queues=["logistics"]),
    Agent(id="fay", queues=["finance"]),
)
RULES_A = (
    CategoryRule(name="late words", category="delivery/late", keywords=["late"]),
    CategoryRule(name="money words", category="billing", keywords=["invoice"]),
)
RULES_B = (*RULES_A, CategoryRule(name="lost words", category="delivery/lost", keywords=["lost"]))
ROUTES = (
    RouteRule(name="parcels", queue="logistics", categories=["delivery"]),
    RouteRule(name="money", queue="finance", categories=["billing"]),
)


def config(rules: Sequence[CategoryRule] = RULES_A, picker: Router | None = None) -> dict[str, Any]:
    """Return triage strategies: rules to a queue, then ``picker`` (least loaded) for an agent."""
    return {
        "categorizer": rule_categorizer(TAXONOMY, rules),
        "priority": priority_policy(modifiers=[keyword_modifier(["outage"], floor=4, steps=0)]),
        "router": chain_router(
            [
                rule_router(ROUTES, default_queue="first-line", taxonomy=TAXONOMY),
                least_loaded_router() if picker is None else picker,
            ]
        ),
        "taxonomy": TAXONOMY,
        "agents": AGENTS,
    }


def triaged_desk(
    subjects: Sequence[str], *, picker: Router | None = None, untriaged: Sequence[str] = ()
) -> tuple[Desk, list[str]]:
    """Return a desk that triaged a ticket per subject under config A, a minute apart."""
    clock = FrozenClock(T0)
    desk = Desk(InMemoryTicketStore(), clock=clock)
    triage = Triage(desk, **config(picker=picker))
    ids = []
    for subject in subjects:
        clock.advance(timedelta(minutes=1))
        draft = NewTicket(subject=subject, requester=Requester("alice@example.com"))
        ticket_id = desk.submit(draft, actor=ALICE).id
        clock.advance(timedelta(minutes=1))
        triage.triage(ticket_id)
        ids.append(ticket_id)
    for subject in untriaged:
        draft = NewTicket(subject=subject, requester=Requester("alice@example.com"))
        ids.append(desk.submit(draft, actor=ALICE).id)
    return desk, ids


def journals(desk: Desk, ids: Sequence[str]) -> list[Sequence[TicketEvent]]:
    return [desk.history(ticket_id) for ticket_id in ids]


SUBJECTS = (
    "Parcel 1 is late",
    "Parcel 2 was lost",
    "Invoice 3 is wrong",
    "Hello 4",
    "Parcel 5 is late",
    "Parcel 6 was lost",
)


def test_replaying_under_the_live_strategies_changes_nothing() -> None:
    desk, ids = triaged_desk(SUBJECTS)
    replay = replay_triage(journals(desk, ids), **config())
    assert replay.totals == ReplayTally(None, 6, 0, 0, 0, 0, 0, 0)
    assert replay.changes == ()
    assert replay.next_offset is None
    assert [(t.key, t.tickets) for t in replay.by_queue] == [
        ("finance", 1),
        ("first-line", 3),
        ("logistics", 2),
    ]
    assert [(t.key, t.tickets) for t in replay.by_category] == [
        ("billing", 1),
        ("delivery/late", 2),
        (UNCATEGORIZED, 3),
    ]


def test_a_new_rule_reports_exactly_the_tickets_it_would_move() -> None:
    desk, ids = triaged_desk(SUBJECTS)
    assert [desk.get(i).assignee for i in ids] == ["ann", None, "fay", None, "bob", None]
    replay = replay_triage(journals(desk, ids), **config(RULES_B))
    assert replay.totals == ReplayTally(None, 6, 2, 0, 2, 2, 0, 0)
    # Loads are as they were: when ticket 2 was triaged ann held ticket 1; when ticket 6 was,
    # ann and bob held one each.
    assert replay.changes == (
        ReplayChange(ids[1], "category", UNCATEGORIZED, "delivery/lost"),
        ReplayChange(ids[1], "queue", "first-line", "logistics"),
        ReplayChange(ids[1], "assignee", None, "bob"),
        ReplayChange(ids[5], "category", UNCATEGORIZED, "delivery/lost"),
        ReplayChange(ids[5], "queue", "first-line", "logistics"),
        ReplayChange(ids[5], "assignee", None, "ann"),
    )
    by_queue = {tally.key: tally for tally in replay.by_queue}
    assert by_queue["first-line"] == ReplayTally("first-line", 3, 2, 0, 2, 2, 0, 0)
    assert by_queue["logistics"] == ReplayTally("logistics", 2, 0, 0, 0, 0, 0, 0)
    assert by_queue["finance"] == ReplayTally("finance", 1, 0, 0, 0, 0, 0, 0)
    by_category = {tally.key: tally for tally in replay.by_category}
    assert by_category[UNCATEGORIZED] == ReplayTally(UNCATEGORIZED, 3, 2, 0, 2, 2, 0, 0)
    assert by_category["delivery/late"].changes == 0


def test_later_overrides_are_counted_with_whether_the_proposal_agrees() -> None:
    desk, ids = triaged_desk(SUBJECTS)
    triage = Triage(desk, **config())
    triage.override(
        ids[5],
        actor=SUE,
        reason="lost parcels go to logistics",
        category="delivery/lost",
        queue="logistics",
        assignee="ann",
    )
    triage.override(ids[0], actor=SUE, reason="urgent customer", priority="P1")
    live = replay_triage(journals(desk, ids), **config())
    assert (live.totals.changes, live.totals.overridden, live.totals.agreed) == (0, 4, 0)
    proposed = replay_triage(journals(desk, ids), **config(RULES_B))
    assert (proposed.totals.overridden, proposed.totals.agreed) == (4, 3)
    sixth = [change for change in proposed.changes if change.ticket_id == ids[5]]
    assert all(change.overridden for change in sixth)
    assert [change.override for change in sixth] == ["delivery/lost", "logistics", "ann"]
    by_queue = {tally.key: tally for tally in proposed.by_queue}
    assert (by_queue["first-line"].overridden, by_queue["first-line"].agreed) == (3, 3)
    assert (by_queue["logistics"].overridden, by_queue["logistics"].agreed) == (1, 0)


def test_tickets_never_triaged_are_counted_apart_and_not_replayed() -> None:
    desk, ids = triaged_desk(SUBJECTS[:2], untriaged=["Parcel 9 was lost"])
    replay = replay_triage(journals(desk, ids), **config(RULES_B))
    assert (replay.totals.tickets, replay.untriaged) == (2, 1)
    assert {change.ticket_id for change in replay.changes} == {ids[1]}


def test_replay_writes_nothing_and_leaves_the_live_cursor_alone() -> None:
    live = InMemoryRoundRobinCursor()
    desk, ids = triaged_desk(SUBJECTS, picker=round_robin_router(live))
    store = desk.store
    before = (store.query(TicketQuery(limit=100)), [desk.history(i) for i in ids])
    last = live.last("logistics")
    fresh = InMemoryRoundRobinCursor()
    replay = replay_triage(journals(desk, ids), **config(RULES_B, picker=round_robin_router(fresh)))
    # The proposal takes its own turns (ann, bob, ann, bob): ticket 5 goes to ann, not bob.
    assignees = [(c.ticket_id, c.after) for c in replay.changes if c.decision == "assignee"]
    assert assignees == [(ids[1], "bob"), (ids[4], "ann"), (ids[5], "bob")]
    assert (store.query(TicketQuery(limit=100)), [desk.history(i) for i in ids]) == before
    assert live.last("logistics") == last == "bob"
    assert fresh.last("logistics") == "bob"


def test_round_robin_on_a_fresh_cursor_replays_the_live_turns() -> None:
    desk, ids = triaged_desk(SUBJECTS, picker=round_robin_router(InMemoryRoundRobinCursor()))
    proposal = config(picker=round_robin_router(InMemoryRoundRobinCursor()))
    assert replay_triage(journals(desk, ids), **proposal).totals.changes == 0


def test_the_first_triage_is_compared_not_a_later_one() -> None:
    clock = FrozenClock(T0)
    desk = Desk(InMemoryTicketStore(), clock=clock)
    draft = NewTicket(subject="Parcel was lost", requester=Requester("alice@example.com"))
    ticket_id = desk.submit(draft, actor=ALICE).id
    clock.advance(timedelta(minutes=1))
    Triage(desk, **config()).triage(ticket_id)  # uncategorized, first-line
    clock.advance(timedelta(minutes=1))
    desk.assign(ticket_id, actor=SUE, queue="logistics", assignee="bob")  # by hand, no override
    clock.advance(timedelta(minutes=1))
    Triage(desk, **config(RULES_B)).triage(ticket_id)  # a later triage under new rules
    replay = replay_triage([desk.history(ticket_id)], **config(RULES_B))
    assert [(c.decision, c.before, c.after) for c in replay.changes] == [
        ("category", UNCATEGORIZED, "delivery/lost"),
        ("queue", "first-line", "logistics"),
        ("assignee", None, "ann"),
    ]


def test_a_ticket_moved_to_triaged_by_hand_is_compared_with_what_it_had_then() -> None:
    clock = FrozenClock(T0)
    desk = Desk(InMemoryTicketStore(), clock=clock)
    draft = NewTicket(subject="Parcel is late", requester=Requester("alice@example.com"))
    ticket_id = desk.submit(draft, actor=ALICE).id
    clock.advance(timedelta(minutes=1))
    desk.assign(ticket_id, actor=SUE, queue="logistics", assignee="bob")
    clock.advance(timedelta(minutes=1))
    desk.transition(ticket_id, "triaged", actor=SUE)
    clock.advance(timedelta(minutes=1))
    desk.assign(ticket_id, actor=SUE, queue="finance", assignee="fay")  # later: not compared
    # Before the move bob held this very ticket (open, assigned): least loaded picks ann.
    replay = replay_triage(iter([iter(desk.history(ticket_id))]), **config())
    assert [(c.decision, c.before, c.after) for c in replay.changes] == [
        ("category", None, "delivery/late"),
        ("priority", None, "P3"),
        ("assignee", "bob", "ann"),
    ]
    assert [tally.key for tally in replay.by_category] == [None]


def test_changes_come_a_page_at_a_time() -> None:
    desk, ids = triaged_desk(SUBJECTS)
    history = journals(desk, ids)
    everything = replay_triage(history, **config(RULES_B)).changes
    pages: list[ReplayChange] = []
    offset: int | None = 0
    while offset is not None:
        page = replay_triage(history, **config(RULES_B), limit=4, offset=offset)
        assert len(page.changes) <= 4
        pages += page.changes
        offset = page.next_offset
    assert tuple(pages) == everything
    counted = replay_triage(history, **config(RULES_B), limit=0)
    assert (counted.changes, counted.totals.changes, counted.next_offset) == ((), 6, 0)
    past = replay_triage(history, **config(RULES_B), offset=99)
    assert (past.changes, past.offset, past.next_offset) == ((), 6, None)


def test_the_report_reads_as_a_table() -> None:
    desk, ids = triaged_desk(SUBJECTS, untriaged=["Hello"])
    text = replay_triage(journals(desk, ids), **config(RULES_B), limit=2).table()
    assert text.splitlines()[0] == "replayed 6 triaged tickets (1 never triaged, left out)"
    assert "  category       2 would change" in text
    assert "by original queue" in text
    assert f"  {ids[1]}  category  {UNCATEGORIZED} -> delivery/lost" in text
    assert "changes 1-2 of 6:" in text
    empty = replay_triage([], **config())
    assert empty.lines()[-1] == "no changes"


def test_deciding_at_another_instant_is_allowed() -> None:
    desk, ids = triaged_desk(SUBJECTS)
    later = T0 + timedelta(days=30)
    assert replay_triage(journals(desk, ids), **config(), at=later).totals.changes == 0


def test_the_replay_reads_back_from_json() -> None:
    desk, ids = triaged_desk(SUBJECTS)
    triage = Triage(desk, **config())
    triage.override(ids[5], actor=SUE, reason="lost", queue="logistics", assignee="ann")
    replay = replay_triage(journals(desk, ids), **config(RULES_B))
    assert from_json(to_json(replay), TriageReplay) == replay


WORDS = ("parcel", "late", "lost", "invoice", "outage", "hello", "refund")


@given(
    st.lists(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join),
        min_size=1,
        max_size=8,
    )
)
def test_replay_under_the_live_strategies_never_reports_a_change(subjects: list[str]) -> None:
    desk, ids = triaged_desk(subjects)
    replay = replay_triage(journals(desk, ids), **config())
    assert replay.totals.tickets == len(subjects)
    assert (replay.totals.category, replay.totals.priority) == (0, 0)
    assert replay.totals.changes == 0  # least loaded, with the loads as they were, agrees too


# -- hostile input -------------------------------------------------------------------------------


def _history() -> list[TicketEvent]:
    desk, ids = triaged_desk(SUBJECTS[:1])
    return list(desk.history(ids[0]))


@pytest.mark.parametrize(
    ("journals_given", "field"),
    [
        (5, "journals"),
        ("journal", "journals"),
        ({"T1": []}, "journals"),
        ([[]], "journals[0]"),
        ([5], "journals[0]"),
        ([b"bytes"], "journals[0]"),
        ([[None]], "journals[0][0]"),
    ],
)
def test_what_is_no_journal_is_refused_naming_it(journals_given: object, field: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        replay_triage(journals_given, **config())  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_journal_that_does_not_start_with_the_creation_is_refused() -> None:
    history = _history()
    with pytest.raises(InvalidValueError) as caught:
        replay_triage([history[1:]], **config())
    assert caught.value.field == "journals[0][0]"


def test_an_event_that_is_not_an_event_names_the_ticket() -> None:
    history: list[object] = [*_history()]
    history.insert(2, {"type": "categorized"})
    with pytest.raises(InvalidValueError) as caught:
        replay_triage([history], **config())  # type: ignore[list-item]
    assert caught.value.field == "journals[0][2]"
    assert str(history[0].ticket_id) in str(caught.value)  # type: ignore[attr-defined]


def test_events_out_of_order_or_repeated_journals_are_journal_errors() -> None:
    history = _history()
    swapped = [history[0], history[2], history[1], *history[3:]]
    with pytest.raises(JournalError) as caught:
        replay_triage([swapped], **config())
    assert caught.value.ticket_id == history[0].ticket_id
    with pytest.raises(JournalError) as caught:
        replay_triage([history, history], **config())
    assert caught.value.ticket_id == history[0].ticket_id


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("categorizer", object()),
        ("priority", None),
        ("router", "rule"),
        ("taxonomy", {}),
        ("agents", "ann"),
        ("agents", {"ann": AGENTS[0]}),
        ("agents", [object()]),
        ("limit", -1),
        ("limit", 10_001),
        ("limit", True),
        ("offset", "0"),
        ("at", "2026-03-02"),
        ("workflow", "default"),
    ],
)
def test_bad_arguments_name_the_field(name: str, value: object) -> None:
    with pytest.raises(InvalidValueError) as caught:
        replay_triage([_history()], **{**config(), name: value})
    assert caught.value.field == name


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        replay_triage([_history()], **config(), at=datetime(2026, 3, 2, 9))  # noqa: DTZ001


def test_a_proposed_categorizer_outside_the_taxonomy_is_refused() -> None:
    class Plugin:
        def categorize(self, ticket: object) -> CategoryDecision:  # noqa: ARG002
            return CategoryDecision("misc/other", 1.0, ("plugin",), "its own idea")

    with pytest.raises(UnknownCategoryError):
        replay_triage([_history()], **{**config(), "categorizer": Plugin()})


def test_replay_values_refuse_what_does_not_add_up() -> None:
    tally = ReplayTally(None, 2, 1, 0, 0, 0, 0, 0)
    with pytest.raises(InvalidValueError) as caught:
        TriageReplay(tally, [ReplayTally("a", 1, 1, 0, 0, 0, 0, 0)], [attrs.evolve(tally)])
    assert caught.value.field == "by_category.tickets"
    with pytest.raises(InvalidValueError) as caught:
        ReplayTally("a", 1, 2, 0, 0, 0, 0, 0)
    assert caught.value.field == "category"
    with pytest.raises(InvalidValueError) as caught:
        ReplayTally("a", 1, 0, 0, 0, 0, 1, 2)
    assert caught.value.field == "agreed"
    with pytest.raises(InvalidValueError) as caught:
        ReplayChange("T1", "category", "a", "a")
    assert caught.value.field == "after"
    with pytest.raises(InvalidValueError) as caught:
        ReplayChange("T1", "colour", "a", "b")
    assert caught.value.field == "decision"
    with pytest.raises(InvalidValueError) as caught:
        ReplayChange("T1", "queue", "a", "b", overridden=False, override="c")
    assert caught.value.field == "override"
    with pytest.raises(InvalidValueError) as caught:
        TriageReplay(attrs.evolve(tally, key="a"), [], [])
    assert caught.value.field == "totals"
    with pytest.raises(TicketflowError):
        TriageReplay(tally, [tally, tally], [tally, tally])
    tallied = [attrs.evolve(tally, key="a")]
    with pytest.raises(InvalidValueError) as caught:
        TriageReplay(tally, tallied, tallied, [ReplayChange("T1", "queue", "a", "b")] * 2)
    assert caught.value.field == "changes"
