"""Outbound mail: the desk's messages carry what brings the answer back to the ticket."""

from __future__ import annotations

import pytest

from ticketflow import Desk
from ticketflow.exceptions import InvalidValueError
from ticketflow.intake import (
    InMemoryAttachmentSink,
    Intake,
    IntakeAction,
    MailIdentity,
    outbound_message,
    parse_email,
)
from ticketflow.storage import InMemoryTicketStore

IDENTITY = MailIdentity("support@desk.example", b"sixteen+ bytes of secret")
REQUEST = (
    b"From: Ann <ann@example.com>\r\nTo: support@desk.example\r\nSubject: Parcel 42 late\r\n"
    b"Message-ID: <a1@mail.example.com>\r\n\r\nThe parcel did not arrive.\r\n"
)


def _intake() -> tuple[Desk, Intake]:
    desk = Desk(InMemoryTicketStore())
    return desk, Intake(desk, identity=IDENTITY, attachments=InMemoryAttachmentSink())


def test_an_acknowledgement_is_automatic_and_its_answer_threads_back() -> None:
    _, intake = _intake()
    first = intake.ingest_email(REQUEST)
    assert first.acknowledge
    assert first.ticket is not None
    ack = outbound_message(
        IDENTITY,
        first.ticket,
        to="ann@example.com",
        body="We have your request.",
        in_reply_to=first.message_id,
        automatic=True,
    )
    read = parse_email(ack.as_bytes())
    assert read.auto is not None, "our own acknowledgement reads as automatic mail"
    assert read.subject == "[#1] Parcel 42 late"
    assert read.in_reply_to == "<a1@mail.example.com>"
    assert read.message_id == IDENTITY.message_id(first.ticket)
    assert read.references[0] == IDENTITY.message_id(first.ticket, 1)  # the thread's root
    # Ann answers the acknowledgement: her client quotes its Message-ID.
    answer = (
        b"From: ann@example.com\r\nTo: support@desk.example\r\nSubject: Re: [#1] Parcel 42 late\r\n"
        b"Message-ID: <a2@mail.example.com>\r\nIn-Reply-To: "
        + str(ack["Message-ID"]).encode()
        + b"\r\n\r\nAny news?\r\n"
    )
    outcome = intake.ingest_email(answer)
    assert (outcome.action, outcome.threaded_by) == (IntakeAction.APPENDED, "header")
    assert not outcome.acknowledge


def test_our_own_message_coming_back_is_ignored_not_a_ticket() -> None:
    _, intake = _intake()
    first = intake.ingest_email(REQUEST)
    assert first.ticket is not None
    ack = outbound_message(IDENTITY, first.ticket, to="ann@example.com", body="Got it.")
    outcome = intake.ingest_email(ack.as_bytes())
    assert outcome.action is IntakeAction.IGNORED
    assert not outcome.acknowledge


def test_the_same_ticket_and_version_give_the_same_message_id() -> None:
    _, intake = _intake()
    ticket = intake.ingest_email(REQUEST).ticket
    assert ticket is not None
    one = outbound_message(IDENTITY, ticket, to="ann@example.com", body="x", version=1)
    two = outbound_message(IDENTITY, ticket, to="ann@example.com", body="y", version=1)
    assert one["Message-ID"] == two["Message-ID"]
    assert (
        one["Message-ID"] != outbound_message(IDENTITY, ticket, to="a@b.c", body="z")["Message-ID"]
    )


@pytest.mark.parametrize(
    ("field", "options"),
    [
        ("to", {"to": "a@example.com, b@example.com", "body": "x"}),
        ("to", {"to": "nobody", "body": "x"}),
        ("body", {"to": "a@example.com", "body": 5}),
        ("in_reply_to", {"to": "a@example.com", "body": "x", "in_reply_to": "no brackets"}),
        ("automatic", {"to": "a@example.com", "body": "x", "automatic": "yes"}),
    ],
)
def test_bad_arguments_name_the_field(field: str, options: dict[str, object]) -> None:
    _, intake = _intake()
    ticket = intake.ingest_email(REQUEST).ticket
    assert ticket is not None
    with pytest.raises(InvalidValueError) as caught:
        outbound_message(IDENTITY, ticket, **options)  # type: ignore[arg-type]
    assert caught.value.field == field
