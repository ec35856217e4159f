"""A Change is checked when built: only ticketflow values, nothing a store cannot write back."""

from __future__ import annotations

import contextlib
import time
import typing
from datetime import timedelta, timezone
from typing import Any

import attrs
import pytest
from _side_by_side import AT, created, message, store_pair
from hypothesis import given
from hypothesis import strategies as st

from ticketflow import Actor, CommentAdded, Fields, FieldsChanged, Ticket, TicketCreated
from ticketflow._ticket import evolve_unchecked
from ticketflow.exceptions import InvalidValueError, NaiveDatetimeError, TicketflowError
from ticketflow.storage import Change
from ticketflow.storage._change import TICKET_NUMBERS

CREATION = created(1)
TICKET = CREATION.ticket


def _creation_event() -> TicketCreated:
    event = CREATION.events[0]
    assert isinstance(event, TicketCreated)
    return event


EVENT = _creation_event()


NOT_A_STRING: Any = 5


def change(**overrides: Any) -> Change:
    fields: dict[str, Any] = {"ticket": TICKET, "events": (EVENT,), "expected_version": 0}
    return Change(**(fields | overrides))


def comment(**overrides: Any) -> CommentAdded:
    fields: dict[str, Any] = {
        "ticket_id": "T1",
        "version": 2,
        "at": AT,
        "actor": Actor.agent("bob"),
        "comment_id": "c1",
        "body": "hi",
        "public": True,
    }
    return CommentAdded(**(fields | overrides))


@pytest.mark.parametrize(
    ("events", "field"),
    [
        ([attrs.asdict(EVENT, recurse=False)], "events[0]"),
        ([EVENT, "commented"], "events[1]"),
        ([None], "events[0]"),
        ("created", "events"),
        (EVENT, "events"),
        (5, "events"),
        ({"type": "created"}, "events"),
    ],
    ids=["dict", "str-item", "none", "str", "bare-event", "int", "mapping"],
)
def test_events_must_be_ticketflow_event_instances(events: object, field: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        change(events=events)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ticket": attrs.asdict(TICKET)}, "ticket"),
        ({"ticket": None}, "ticket"),
        ({"expected_version": "0"}, "expected_version"),
        ({"expected_version": None}, "expected_version"),
        ({"expected_version": False}, "expected_version"),
        ({"expected_version": -1}, "expected_version"),
        ({"expected_version": 2**63}, "expected_version"),
        ({"outbox": [{"id": "m1"}]}, "outbox[0]"),
        ({"outbox": message("m1")}, "outbox"),
        ({"due_at": "tomorrow"}, "due_at"),
        ({"due_at": AT.max.replace(tzinfo=timezone(-timedelta(hours=3)))}, "due_at"),
    ],
    ids=repr,
)
def test_every_part_of_a_change_is_checked_for_its_type(
    overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidValueError) as caught:
        change(**overrides)
    assert caught.value.field == field


def test_a_naive_due_time_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        change(due_at=AT.replace(tzinfo=None))


def test_a_huge_ticket_version_is_refused_at_once_without_counting_to_it() -> None:
    started = time.monotonic()
    with pytest.raises(InvalidValueError) as caught:
        change(ticket=attrs.evolve(TICKET, version=2**62))
    assert time.monotonic() - started < 1
    assert caught.value.field == "events"


def test_event_versions_must_lead_from_the_expected_version_to_the_ticket() -> None:
    later = attrs.evolve(TICKET, version=3)
    with pytest.raises(InvalidValueError, match="must carry versions 2 to 3"):
        change(ticket=later, events=[comment(version=2), comment(version=4)], expected_version=1)
    with pytest.raises(InvalidValueError, match="version"):
        change(ticket=later, events=[comment(version="2"), comment(version=3)], expected_version=1)
    accepted = change(ticket=later, events=[comment(), comment(version=3)], expected_version=1)
    assert [event.version for event in accepted.events] == [2, 3]


@pytest.mark.parametrize(
    ("ticket", "field"),
    [
        (evolve_unchecked(TICKET, {"queue": "l\udc00"}), "ticket.queue"),
        (evolve_unchecked(TICKET, {"assignee": "\udbff"}), "ticket.assignee"),
        (evolve_unchecked(TICKET, {"status": "new\ud800"}), "ticket.status"),
        (evolve_unchecked(TICKET, {"fields": {"\ud800": 1}}), "ticket.fields.\ud800"),
        (evolve_unchecked(TICKET, {"status": NOT_A_STRING}), "ticket.status"),
    ],
    ids=["queue", "assignee", "status", "field-name", "status-type"],
)
def test_a_ticket_whose_keys_cannot_be_stored_is_refused(ticket: Any, field: str) -> None:
    event = attrs.evolve(EVENT, ticket_id=ticket.id, ticket=ticket)
    with pytest.raises(InvalidValueError) as caught:
        change(ticket=ticket, events=[event])
    assert caught.value.field == field


def test_text_with_lone_surrogates_never_becomes_a_ticket() -> None:
    # The value types refuse it, so no store ever sees it.
    with pytest.raises(InvalidValueError, match="surrogates"):
        attrs.evolve(TICKET, description="half a pair: \ud800")


@pytest.mark.parametrize(
    ("ticket", "events", "field"),
    [
        (evolve_unchecked(TICKET, {"number": 2**63}), None, "ticket.number"),
        (evolve_unchecked(TICKET, {"reopen_count": 10**5000}), None, "ticket.reopen_count"),
        (evolve_unchecked(TICKET, {"fields": {"n": 2**64}}), None, "ticket.fields.n"),
        (evolve_unchecked(TICKET, {"fields": {"n": -(2**63) - 1}}), None, "ticket.fields.n"),
    ],
    ids=["number", "reopen_count", "field", "negative-field"],
)
def test_numbers_no_store_can_keep_exactly_are_refused(
    ticket: Any, events: list[Any] | None, field: str
) -> None:
    if events is None:
        events = [attrs.evolve(EVENT, ticket=ticket)]
    with pytest.raises(InvalidValueError) as caught:
        change(ticket=ticket, events=events)
    assert caught.value.field == field


def test_events_with_numbers_no_store_can_keep_are_refused_when_built() -> None:
    with pytest.raises(InvalidValueError, match=r"changes\.n"):
        FieldsChanged(
            ticket_id="T1", version=2, at=AT, actor=Actor.agent("b"), changes={"n": 2**70}
        )
    with pytest.raises(InvalidValueError, match="public"):
        comment(public=float("nan"))


def test_numbers_at_the_ends_of_64_bits_are_written_and_read_back() -> None:
    ticket = attrs.evolve(
        TICKET, number=2**63 - 1, fields=Fields({"max": 2**63 - 1, "min": -(2**63)})
    )
    creation = change(ticket=ticket, events=[attrs.evolve(EVENT, ticket=ticket)])
    with store_pair() as stores:
        for store in stores:
            store.commit(creation)
            assert store.get_by_number(2**63 - 1) == ticket


def test_the_ticket_numbers_a_change_checks_are_every_unbounded_integer_of_a_ticket() -> None:
    # impact and urgency are levels from 1 to 5, which Ticket itself enforces.
    hints = typing.get_type_hints(Ticket)
    integers = {name for name, hint in hints.items() if int in (hint, *typing.get_args(hint))}
    assert integers - {"impact", "urgency"} == set(TICKET_NUMBERS)
    assert hints["fields"] is Fields, "field values are checked on their own"


def test_every_event_must_be_for_the_ticket_of_the_change() -> None:
    with pytest.raises(InvalidValueError, match="every event must be for the ticket"):
        change(events=[attrs.evolve(EVENT, ticket_id="T2")])


@pytest.mark.parametrize("value", [object(), b"bytes", 1j], ids=["object", "bytes", "complex"])
def test_a_part_of_an_event_no_store_can_write_is_refused(value: Any) -> None:
    with pytest.raises(InvalidValueError) as caught:
        FieldsChanged(
            ticket_id="T1", version=2, at=AT, actor=Actor.agent("b"), changes={"n": value}
        )
    assert caught.value.field == "changes.n"


def test_a_cyclic_structure_in_an_event_is_refused_not_walked_forever() -> None:
    cycle: Any = []
    cycle.append(cycle)
    with pytest.raises(InvalidValueError) as caught:
        FieldsChanged(
            ticket_id="T1", version=2, at=AT, actor=Actor.agent("b"), changes={"n": cycle}
        )
    assert caught.value.field == "changes.n"


_anything = st.one_of(
    st.none(),
    st.integers(),
    st.text(),
    st.just(EVENT),
    st.just(TICKET),
    st.just(message("m1")),
    st.lists(st.just(EVENT) | st.integers() | st.just(message("m1")), max_size=2),
    st.datetimes(),
    st.just(AT),
)


@given(
    ticket=_anything, events=_anything, expected_version=_anything, outbox=_anything, due=_anything
)
def test_any_parts_build_a_change_or_raise_a_ticketflow_error(
    ticket: Any, events: Any, expected_version: Any, outbox: Any, due: Any
) -> None:
    with contextlib.suppress(TicketflowError):
        Change(
            ticket=ticket,
            events=events,
            expected_version=expected_version,
            outbox=outbox,
            due_at=due,
        )
