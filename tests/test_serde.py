from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given

from ticketflow import (
    Ticket,
    TicketEvent,
    from_json,
    from_primitive,
    make_converter,
    to_json,
    to_primitive,
)
from ticketflow.exceptions import DeserializationError, InvalidValueError
from ticketflow.sla import SlaTargets
from ticketflow.storage import DueEntry, Page
from ticketflow.testing import events, histories, tickets


@given(tickets())
def test_tickets_round_trip_through_json(ticket: Ticket) -> None:
    assert from_json(to_json(ticket), Ticket) == ticket


@given(events())
def test_events_round_trip_through_json_as_the_union(event: TicketEvent) -> None:
    back: TicketEvent = from_json(to_json(event), TicketEvent)
    assert type(back) is type(event)
    assert back == event


@given(histories(max_events=8))
def test_journals_round_trip_and_still_replay(journal: list[TicketEvent]) -> None:
    text = json.dumps([to_primitive(e) for e in journal])
    assert [from_primitive(e, TicketEvent) for e in json.loads(text)] == journal


@given(tickets())
def test_json_is_stable(ticket: Ticket) -> None:
    assert to_json(from_json(to_json(ticket), Ticket)) == to_json(ticket)


@given(events())
def test_every_event_carries_its_type_tag(event: TicketEvent) -> None:
    assert to_primitive(event)["type"] == type(event).type


VALID = {
    "id": "T-1",
    "number": 1,
    "subject": "s",
    "requester": {"email": "a@example.com"},
    "created_at": "2026-03-02T10:00:00+00:00",
    "updated_at": "2026-03-02T10:00:00+00:00",
}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"number": "7"}, [("$.number", "expected an integer, got str (expected int)")]),
        (
            {"requester": {"email": 3}},
            [("$.requester.email", "expected a string, got int (expected str)")],
        ),
        ({"requester": {"email": ""}}, [("$.requester.email", "must not be empty")]),
        (
            {"created_at": "2026-03-02T10:00:00"},
            [("$.created_at", "datetime must be timezone-aware")],
        ),
        ({"impact": 9}, [("$.impact", "must be an integer from 1 to 5")]),
        ({"fields": {"k": [1]}}, [("$.fields.k", "a field value must be str, int, float or bool")]),
        (
            {"fields": [1]},
            [("$.fields", "expected an object of fields, got list (expected Fields)")],
        ),
    ],
)
def test_structure_errors_name_the_path_of_each_bad_field(
    changes: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    with pytest.raises(DeserializationError) as caught:
        from_primitive({**VALID, **changes}, Ticket)
    assert list(caught.value.errors) == expected
    assert caught.value.code == "invalid_data"


def test_missing_fields_are_all_listed() -> None:
    with pytest.raises(DeserializationError) as caught:
        from_primitive({"id": "T-1"}, Ticket)
    paths = [path for path, _ in caught.value.errors]
    assert paths == ["$.number", "$.subject", "$.requester", "$.created_at", "$.updated_at"]
    assert all(message == "required field missing" for _, message in caught.value.errors)


def test_text_that_is_not_json_is_an_error() -> None:
    with pytest.raises(DeserializationError, match="not JSON"):
        from_json("{", Ticket)


def test_unknown_event_type_is_an_error() -> None:
    with pytest.raises(DeserializationError) as caught:
        from_json('{"type": "exploded"}', TicketEvent)
    assert caught.value.type_name == "TicketEvent"


def test_make_converter_returns_independent_converters() -> None:
    assert make_converter() is not make_converter()


def test_a_reopen_written_before_workflows_named_reopen_edges_still_counts() -> None:
    at = "2026-03-02T09:00:00+00:00"
    legacy = {
        "type": "transitioned",
        "ticket_id": "T1",
        "version": 5,
        "at": at,
        "actor": {"role": "agent", "id": "bob"},
        "source": "resolved",
        "target": "in_progress",
        "reason": None,
    }
    assert from_primitive(legacy, TicketEvent).reopen is True
    moved = {**legacy, "source": "in_progress", "target": "resolved"}
    assert from_primitive(moved, TicketEvent).reopen is False


def test_durations_round_trip_as_integer_microseconds() -> None:
    targets = SlaTargets(resolution=timedelta(hours=4, microseconds=3))
    assert to_primitive(targets)["resolution"] == 14_400_000_003
    assert from_json(to_json(targets), SlaTargets) == targets
    with pytest.raises(DeserializationError):
        from_primitive({"resolution": "4h"}, SlaTargets)


def test_a_cls_that_is_no_type_is_refused() -> None:
    for cls in (None, 5, "Ticket"):
        with pytest.raises(InvalidValueError):
            from_primitive({}, cls)


def test_store_answers_read_back_from_json() -> None:
    page = Page([], None)
    assert from_json(to_json(page), Page) == page
    with pytest.raises(InvalidValueError):
        DueEntry("T1", None)  # type: ignore[arg-type]
