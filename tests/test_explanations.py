"""Explanations of automatic decisions: in the journal, in staff views, never in a customer's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ticketflow import (
    Actor,
    DecisionExplained,
    Desk,
    Draft,
    NewTicket,
    Requester,
    TicketCategorized,
)
from ticketflow.exceptions import InvalidValueError
from ticketflow.storage import InMemoryTicketStore, SQLiteTicketStore, TicketStore

ALICE = Actor.customer("alice@example.com")
BOB = Actor.agent("bob")
TRIAGE = Actor.system("triage")


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> TicketStore:
    if request.param == "memory":
        return InMemoryTicketStore()
    return SQLiteTicketStore(tmp_path / "desk.sqlite3")


def test_staff_see_why_and_customers_do_not(store: TicketStore) -> None:
    desk = Desk(store)
    ticket = desk.submit(
        NewTicket(subject="Parcel late", requester=Requester("alice@example.com")), actor=ALICE
    )

    def decide(draft: Draft) -> None:
        draft.record(TicketCategorized, category="delivery/late")
        draft.record(
            DecisionExplained,
            decision="category",
            outcome="delivery/late",
            reasons=("rule 'late words' matched: late, parcel (weight 3)", "confidence 0.75"),
        )

    desk.execute(ticket.id, decide, actor=TRIAGE, command="triage")
    (explained,) = desk.view(ticket.id, BOB).explanations
    assert (explained.decision, explained.outcome) == ("category", "delivery/late")
    assert explained.reasons[1] == "confidence 0.75"
    assert explained.actor == TRIAGE
    assert desk.view(ticket.id, ALICE).explanations == ()
    assert desk.view(ticket.id, ALICE).ticket.category == "delivery/late"
    assert desk.history(ticket.id)[-1] == explained  # read back equal from the store


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"decision": ""}, "decision"),
        ({"outcome": "two\nlines"}, "outcome"),
        ({"reasons": "one string"}, "reasons"),
        ({"reasons": ("fine", "")}, "reasons[1]"),
        ({"reasons": ("x",) * 65}, "reasons"),
        ({"overridden": 1}, "overridden"),
    ],
)
def test_bad_explanations_name_the_field(changes: dict[str, object], field: str) -> None:
    values: dict[str, object] = {
        "ticket_id": "T1",
        "version": 2,
        "at": datetime(2026, 3, 2, tzinfo=UTC),
        "actor": TRIAGE,
        "decision": "category",
    }
    with pytest.raises(InvalidValueError) as caught:
        DecisionExplained(**{**values, **changes})  # type: ignore[arg-type]
    assert caught.value.field == field
