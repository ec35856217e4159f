"""Races the service decides again on, and addresses clients rewrite."""

from __future__ import annotations

from typing import Any

import pytest

from ticketflow import Actor, Desk, LinkKind
from ticketflow.intake import (
    InMemoryAttachmentSink,
    Intake,
    IntakeAction,
    MailIdentity,
    NearDuplicate,
)
from ticketflow.storage import InMemoryTicketStore

IDENTITY = MailIdentity("support@desk.example", b"sixteen+ bytes of secret")
TEXT = "The label printer in bay four prints blank labels since the driver update on Monday."


def _mail(sender: str, message_id: str, to: str = "support@desk.example") -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Label printer prints blank labels\r\n"
        f"Message-ID: <{message_id}@mail.example.com>\r\n\r\n{TEXT}\r\n"
    ).encode()


def test_a_match_linked_as_a_duplicate_before_the_commit_is_decided_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    desk = Desk(InMemoryTicketStore())
    intake = Intake(desk, identity=IDENTITY, attachments=InMemoryAttachmentSink())
    first = intake.ingest_email(_mail("a@example.com", "a1")).ticket
    assert first is not None
    other = intake.ingest_email(
        b"From: z@example.com\r\nTo: support@desk.example\r\nSubject: VPN\r\n"
        b"Message-ID: <z1@mail.example.com>\r\n\r\nThe VPN drops every hour since Friday.\r\n"
    ).ticket
    assert other is not None
    desk.link(other.id, LinkKind.DUPLICATE_OF, first.id, actor=Actor.agent("bob"))
    real = intake._near
    calls: list[int] = []

    def stale(subject: str, body: str) -> Any:
        # The first search answers as it would have a moment before the link was made.
        calls.append(1)
        keys, _ = real(subject, body)
        return (keys, NearDuplicate(other.id, 0.95)) if len(calls) == 1 else real(subject, body)

    monkeypatch.setattr(intake, "_near", stale)
    outcome = intake.ingest_email(_mail("b@example.com", "b1"))
    assert len(calls) == 2, "the refused link was decided again"
    assert outcome.action is IntakeAction.LINKED
    assert outcome.duplicate_of == first.id


def test_a_reply_token_in_capitals_still_threads() -> None:
    desk = Desk(InMemoryTicketStore())
    intake = Intake(desk, identity=IDENTITY, attachments=InMemoryAttachmentSink(), similarity=None)
    ticket = intake.ingest_email(_mail("a@example.com", "a1")).ticket
    assert ticket is not None
    shouting = IDENTITY.reply_address(ticket).upper()
    reply = (
        f"From: a@example.com\r\nTo: {shouting}\r\nSubject: thanks\r\n"
        "Message-ID: <a2@mail.example.com>\r\n\r\nThanks, it works now.\r\n"
    ).encode()
    outcome = intake.ingest_email(reply)
    assert (outcome.action, outcome.threaded_by) == (IntakeAction.APPENDED, "token")
    assert IDENTITY.is_own_address(shouting)
