from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from ticketflow import Fields, NewTicket, Requester, Ticket, TicketKind, TicketStatus
from ticketflow.exceptions import InvalidValueError, NaiveDatetimeError

AT = datetime(2026, 3, 2, 10, tzinfo=UTC)


def make(**overrides: Any) -> Ticket:
    values: dict[str, Any] = {
        "id": "T-1",
        "number": 1,
        "subject": "Parcel late",
        "requester": Requester("a@example.com"),
        "created_at": AT,
        "updated_at": AT,
    }
    values.update(overrides)
    return Ticket(**values)


def test_defaults_describe_a_fresh_incident() -> None:
    ticket = make()
    assert (ticket.status, ticket.kind, ticket.version, ticket.reopen_count) == (
        TicketStatus.NEW,
        TicketKind.INCIDENT,
        1,
        0,
    )
    assert ticket.reference == "#1"


def test_naive_datetime_is_rejected_naming_the_field() -> None:
    with pytest.raises(NaiveDatetimeError) as caught:
        make(created_at=datetime(2026, 3, 2, 10))  # noqa: DTZ001
    assert caught.value.field == "created_at"
    assert caught.value.code == "naive_datetime"


def test_timestamps_are_stored_in_utc() -> None:
    berlin = timezone(timedelta(hours=1))
    ticket = make(created_at=datetime(2026, 3, 2, 11, tzinfo=berlin))
    assert ticket.created_at == AT
    assert ticket.created_at.tzinfo is UTC


def test_non_datetime_timestamp_is_rejected() -> None:
    with pytest.raises(InvalidValueError, match="must be a timezone-aware datetime"):
        make(updated_at="2026-03-02")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", ""),
        ("subject", "two\nlines"),
        ("subject", 7),
        ("id", ""),
        ("number", 0),
        ("number", True),
        ("version", 0),
        ("impact", 6),
        ("urgency", 0),
        ("urgency", True),
        ("category", ""),
        ("reopen_count", -1),
        ("tags", "single-string"),
        ("tags", {"has space"}),
    ],
)
def test_out_of_domain_values_are_rejected_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidValueError) as caught:
        make(**{field: value})
    assert caught.value.field == field


def test_requester_email_must_be_one_nonempty_line() -> None:
    with pytest.raises(InvalidValueError) as caught:
        Requester("")
    assert caught.value.field == "requester.email"


def test_ticket_is_immutable_and_hashable() -> None:
    ticket = make(fields={"carrier": "ACME"}, tags={"vip"})
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ticket.status = TicketStatus.CLOSED  # type: ignore[misc]
    assert hash(ticket) == hash(make(fields={"carrier": "ACME"}, tags={"vip"}))


def test_fields_are_typed_scalars() -> None:
    ticket = make(fields={"carrier": "ACME", "parcels": 3, "weight": 1.5, "fragile": True})
    assert isinstance(ticket.fields, Fields)
    assert ticket.fields["parcels"] == 3


def test_new_ticket_rejects_a_multi_line_subject() -> None:
    with pytest.raises(InvalidValueError):
        NewTicket(subject="a\r\nb", requester=Requester("a@example.com"))
