"""A reply finds its ticket by header, by signed reply address, or by a participant's tag.

Each rule holds on both shipped stores. A stranger never joins a ticket by a subject tag, and a
token or Message-ID with a wrong MAC (or another ticket's number) threads nowhere.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from _corpus import corpus
from _mail import DESK_ADDRESS, SECRET, mail, with_headers

from _walk import walk
from ticketflow import Actor, CommentAdded, Desk, Role, Ticket, TicketStatus, same_mailbox
from ticketflow.intake import (
    DirectoryAttachmentSink,
    InMemoryAttachmentSink,
    Intake,
    IntakeAction,
    IntakeOutcome,
    MailIdentity,
    parse_email,
)

pytest_plugins = ["_service_fixtures"]

CAROL = "carol@example.com"
DAVE = "dave@example.com"
MALLORY = "mallory@evil.example"
INTAKE = Actor.system("intake")

REPLY = """Still broken after the restart.

On Mon, 2 Mar 2026 at 09:00, Support <support@desk.example> wrote:
> Which tray is it?
"""
"""A reply with quoted history: its comment is the first line, its note keeps it all."""


def _open(intake: Intake, raw: bytes | None = None) -> Ticket:
    outcome = intake.ingest_email(mail() if raw is None else raw)
    assert outcome.action is IntakeAction.CREATED
    assert outcome.ticket is not None
    return outcome.ticket


def _comments(desk: Desk, ticket: Ticket) -> list[CommentAdded]:
    return [e for e in desk.history(ticket.id) if isinstance(e, CommentAdded)]


def _assert_threaded(
    desk: Desk, outcome: IntakeOutcome, ticket: Ticket, *, how: str, sender: str
) -> None:
    assert outcome.action is IntakeAction.APPENDED
    assert outcome.ticket is not None
    assert outcome.ticket.id == ticket.id
    assert outcome.threaded_by == how
    public = [c for c in _comments(desk, ticket) if c.public]
    # The author is the sender as written (a mailbox compares case-insensitively).
    assert public[-1].actor.role is Role.CUSTOMER
    assert same_mailbox(public[-1].actor.id, sender)
    assert public[-1].body == "Still broken after the restart."


def _assert_not_threaded(desk: Desk, outcome: IntakeOutcome, ticket: Ticket) -> None:
    assert outcome.action is IntakeAction.CREATED
    assert outcome.threaded_by is None
    assert outcome.ticket is not None
    assert outcome.ticket.id != ticket.id
    assert desk.get(ticket.id).version == ticket.version, "the first ticket is untouched"


# -- by header ----------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["In-Reply-To", "References"])
def test_a_reply_naming_an_ingested_message_id_threads(
    desk: Desk, intake: Intake, header: str
) -> None:
    ticket = _open(intake)
    reply = mail(
        subject="Re: Printer",
        message_id="<c2@example.com>",
        body=REPLY,
        headers={header: "<c1@example.com>"},
    )
    _assert_threaded(desk, intake.ingest_email(reply), ticket, how="header", sender=CAROL)


def test_a_reply_naming_an_ingested_message_id_anywhere_in_references_threads(
    desk: Desk, intake: Intake
) -> None:
    ticket = _open(intake)
    reply = mail(
        subject="Re: Printer",
        message_id="<c2@example.com>",
        body=REPLY,
        headers={"References": "<unknown@elsewhere.example> <c1@example.com> <x@y.example>"},
    )
    _assert_threaded(desk, intake.ingest_email(reply), ticket, how="header", sender=CAROL)


@pytest.mark.parametrize("header", ["In-Reply-To", "References"])
def test_a_reply_naming_a_message_id_the_desk_issued_threads(
    desk: Desk, intake: Intake, identity: MailIdentity, header: str
) -> None:
    ticket = _open(intake)
    reply = mail(
        sender=DAVE,
        subject="Re: your ticket",
        message_id="<d1@example.com>",
        body=REPLY,
        headers={header: identity.message_id(ticket)},
    )
    _assert_threaded(desk, intake.ingest_email(reply), ticket, how="header", sender=DAVE)


def test_a_reply_to_the_outbound_headers_threads(
    desk: Desk, intake: Intake, identity: MailIdentity
) -> None:
    ticket = _open(intake)
    sent = identity.outbound_headers(ticket, in_reply_to="<c1@example.com>", automatic=True)
    reply = mail(
        subject=f"Re: {sent['Subject']}",
        message_id="<c2@example.com>",
        body=REPLY,
        headers={"In-Reply-To": sent["Message-ID"], "References": sent["References"]},
    )
    _assert_threaded(desk, intake.ingest_email(reply), ticket, how="header", sender=CAROL)


def test_a_desk_message_id_with_a_forged_mac_threads_nowhere(
    desk: Desk, intake: Intake, identity: MailIdentity
) -> None:
    ticket = _open(intake)
    issued = identity.message_id(ticket)
    forged = issued.replace(issued.split(".")[3][:16], "a" * 16)
    assert forged != issued
    stranger = mail(
        sender=MALLORY,
        subject="Re: invoice",
        message_id="<m1@evil.example>",
        body="Please wire the refund to my new account, number below.\n",
        headers={"In-Reply-To": forged, "References": forged},
    )
    _assert_not_threaded(desk, intake.ingest_email(stranger), ticket)


def test_a_desk_message_id_signed_by_another_secret_threads_nowhere(
    desk: Desk, intake: Intake
) -> None:
    ticket = _open(intake)
    other = MailIdentity(DESK_ADDRESS, b"another-secret-entirely-000000000")
    stranger = mail(
        sender=MALLORY,
        subject="Re: invoice",
        message_id="<m1@evil.example>",
        body="Please wire the refund to my new account, number below.\n",
        headers={"In-Reply-To": other.message_id(ticket)},
    )
    _assert_not_threaded(desk, intake.ingest_email(stranger), ticket)


# -- by signed reply address --------------------------------------------------------------------


@pytest.mark.parametrize("field", ["To", "Cc"])
def test_a_reply_to_the_signed_reply_address_threads(
    desk: Desk, intake: Intake, identity: MailIdentity, field: str
) -> None:
    ticket = _open(intake)
    address = identity.reply_address(ticket)
    headers = {"To": f"Support <{address}>"} if field == "To" else {"Cc": address}
    reply = mail(
        sender=DAVE, subject="thanks", message_id="<d1@example.com>", body=REPLY, headers=headers
    )
    _assert_threaded(desk, intake.ingest_email(reply), ticket, how="token", sender=DAVE)


def test_a_reply_token_with_a_forged_mac_threads_nowhere(
    desk: Desk, intake: Intake, identity: MailIdentity
) -> None:
    ticket = _open(intake)
    local, _, domain = identity.reply_address(ticket).rpartition("@")
    forged = f"{local[:-16]}{'b' * 16}@{domain}"
    assert identity.reply_token_number(forged) == ticket.number
    stranger = mail(
        sender=MALLORY,
        to=forged,
        subject="let me in",
        message_id="<m1@evil.example>",
        body="Please wire the refund to my new account, number below.\n",
    )
    _assert_not_threaded(desk, intake.ingest_email(stranger), ticket)


def test_a_token_for_one_ticket_with_the_number_of_another_threads_nowhere(
    desk: Desk, intake: Intake, identity: MailIdentity
) -> None:
    first = _open(intake)
    second = _open(
        intake,
        mail(
            sender=DAVE,
            subject="Badge reader at the back door",
            message_id="<d1@example.com>",
            body="The badge reader at the back door refuses every card since the power cut.\n",
        ),
    )
    local, _, domain = identity.reply_address(first).rpartition("@")
    mac = local.rpartition(".")[2]
    swapped = f"support+t.{second.number}.{mac}@{domain}"
    assert not identity.signs_reply(swapped, second)
    stranger = mail(
        sender=MALLORY,
        to=swapped,
        subject="hello",
        message_id="<m1@evil.example>",
        body="Please wire the refund to my new account, number below.\n",
    )
    outcome = intake.ingest_email(stranger)
    _assert_not_threaded(desk, outcome, first)
    assert outcome.ticket is not None
    assert outcome.ticket.id != second.id
    assert desk.get(second.id).version == second.version


# -- by subject tag -----------------------------------------------------------------------------


def test_a_subject_tag_from_the_requester_threads(desk: Desk, intake: Intake) -> None:
    ticket = _open(intake)
    reply = mail(
        sender="Carol <CAROL@Example.com>",
        subject=f"Re: [#{ticket.number}] Printer",
        message_id="<c2@example.com>",
        body=REPLY,
    )
    _assert_threaded(desk, intake.ingest_email(reply), ticket, how="subject", sender=CAROL)


def test_a_subject_tag_from_a_participant_threads(
    desk: Desk, intake: Intake, identity: MailIdentity
) -> None:
    ticket = _open(intake)
    # Dave joins by answering the signed reply address (he was copied on the desk's mail) ...
    joined = intake.ingest_email(
        mail(
            sender=DAVE,
            to=identity.reply_address(ticket),
            subject="Re: printer",
            message_id="<d1@example.com>",
            body="Same here on floor 3, it eats paper.\n",
        )
    )
    assert joined.action is IntakeAction.APPENDED
    # ... and later writes a new message with only the tag to go by.
    reply = mail(
        sender=DAVE,
        subject=f"[#{ticket.number}] printer again",
        message_id="<d2@example.com>",
        body=REPLY,
    )
    _assert_threaded(desk, intake.ingest_email(reply), ticket, how="subject", sender=DAVE)


def test_a_subject_tag_from_a_stranger_opens_a_new_ticket(desk: Desk, intake: Intake) -> None:
    ticket = _open(intake)
    stranger = mail(
        sender=MALLORY,
        subject=f"Re: [#{ticket.number}] Printer on floor 3 is jammed again",
        message_id="<m1@evil.example>",
        body="Please wire the refund to my new account, number below.\n",
    )
    outcome = intake.ingest_email(stranger)
    _assert_not_threaded(desk, outcome, ticket)
    assert outcome.ticket is not None
    assert outcome.ticket.requester.email == MALLORY
    assert all(c.actor != Actor.customer(MALLORY) for c in _comments(desk, ticket))


def test_a_subject_tag_of_a_ticket_that_does_not_exist_opens_a_new_ticket(
    desk: Desk, intake: Intake
) -> None:
    ticket = _open(intake)
    outcome = intake.ingest_email(
        mail(subject="[#999999] lost", message_id="<c9@example.com>", body="Another thing.\n")
    )
    _assert_not_threaded(desk, outcome, ticket)


# -- what a reply leaves behind -----------------------------------------------------------------


def _attachment_reply() -> bytes:
    # A corpus message with an attachment, made a reply by naming the ticket's first message.
    raw = corpus()["attachment_rfc2231_name"]
    return with_headers(raw, In_Reply_To="<c1@example.com>")


def test_a_reply_is_the_senders_public_comment_and_intakes_internal_note_keeps_the_rest(
    desk: Desk, intake: Intake, sink: InMemoryAttachmentSink
) -> None:
    ticket = _open(intake)
    raw = _attachment_reply()
    parsed = parse_email(raw)
    assert parsed.attachments, "the corpus message has an attachment"
    outcome = intake.ingest_email(raw)
    assert outcome.action is IntakeAction.APPENDED
    public, note = _comments(desk, ticket)[-2:]
    assert public.public
    assert public.actor == Actor.customer("alice@example.com")
    assert public.body == parsed.reply_text
    assert not note.public
    assert note.actor == INTAKE
    digest = hashlib.sha256(raw).hexdigest()
    assert digest in note.body
    # The whole text is kept: in the note when the comment is only part of it.
    assert parsed.text == public.body or parsed.text in note.body
    for attachment in parsed.attachments:
        assert attachment.sha256 in note.body
    # The bytes went to the sink: the raw message and each attachment.
    assert sink.get(digest) == raw
    assert sink.get(parsed.attachments[0].sha256) == base64.b64decode("aGVsbG8=")


def test_a_reply_with_quoted_history_is_commented_without_it(desk: Desk, intake: Intake) -> None:
    ticket = _open(intake)
    raw = mail(
        subject="Re: Printer",
        message_id="<c2@example.com>",
        body=REPLY,
        headers={"In-Reply-To": "<c1@example.com>"},
    )
    intake.ingest_email(raw)
    public, note = _comments(desk, ticket)[-2:]
    assert public.body == "Still broken after the restart."
    assert "> Which tray is it?" in note.body
    assert hashlib.sha256(raw).hexdigest() in note.body


def test_a_new_tickets_raw_message_goes_to_a_directory_sink(
    desk: Desk, identity: MailIdentity, tmp_path: Path
) -> None:
    sink = DirectoryAttachmentSink(tmp_path / "blobs")
    intake = Intake(desk, identity=identity, attachments=sink)
    raw = corpus()["attachment_encoded_word_name"]
    parsed = parse_email(raw)
    outcome = intake.ingest_email(raw)
    assert outcome.action is IntakeAction.CREATED
    assert sink.path(hashlib.sha256(raw).hexdigest()).read_bytes() == raw
    (attachment,) = parsed.attachments
    assert sink.path(attachment.sha256).stat().st_size == attachment.size
    assert outcome.ticket is not None
    (note,) = _comments(desk, outcome.ticket)
    assert not note.public
    assert attachment.sha256 in note.body


def test_the_same_secret_threads_across_intakes(desk: Desk, sink: InMemoryAttachmentSink) -> None:
    # A worker restarted with the same secret still recognises the tokens it signed before.
    before = Intake(desk, identity=MailIdentity(DESK_ADDRESS, SECRET), attachments=sink)
    ticket = _open(before)
    after = Intake(desk, identity=MailIdentity(DESK_ADDRESS, SECRET), attachments=sink)
    reply = mail(
        sender=DAVE,
        to=before.identity.reply_address(ticket),
        subject="x",
        message_id="<d1@example.com>",
        body=REPLY,
    )
    _assert_threaded(desk, after.ingest_email(reply), ticket, how="token", sender=DAVE)


def _resolved(desk: Desk, ticket: Ticket) -> Ticket:
    return walk(
        desk,
        ticket.id,
        TicketStatus.TRIAGED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.RESOLVED,
        actor=Actor.agent("bob"),
    )


def _reply(body: str = REPLY, message_id: str = "<c2@example.com>") -> bytes:
    return mail(
        subject="Re: Printer",
        message_id=message_id,
        body=body,
        headers={"In-Reply-To": "<c1@example.com>"},
    )


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(desk: Desk, intake: Intake) -> None:
    ticket = _open(intake)
    _resolved(desk, ticket)
    closed = walk(desk, ticket.id, TicketStatus.CLOSED, actor=Actor.agent("bob"))
    outcome = intake.ingest_email(_reply())
    assert outcome.action is IntakeAction.FOLLOW_UP
    assert outcome.ticket is not None
    follow = outcome.ticket
    assert follow.links.follow_up_of == ticket.id
    assert (follow.requester, follow.category) == (ticket.requester, ticket.category)
    assert follow.description.startswith("Still broken after the restart.")
    assert desk.get(ticket.id) == closed, "the closed ticket is untouched"
    again = intake.ingest_email(_reply())
    assert again.action is IntakeAction.DUPLICATE, "the Message-ID went with the follow-up"
    assert again.ticket is not None
    assert again.ticket.id == follow.id


def test_a_thank_you_to_a_closed_ticket_is_a_comment(desk: Desk, intake: Intake) -> None:
    ticket = _open(intake)
    _resolved(desk, ticket)
    closed = walk(desk, ticket.id, TicketStatus.CLOSED, actor=Actor.agent("bob"))
    outcome = intake.ingest_email(_reply("Thanks a lot!"))
    assert (outcome.action, outcome.threaded_by) == (IntakeAction.APPENDED, "header")
    assert outcome.ticket is not None
    assert (outcome.ticket.id, outcome.ticket.status) == (closed.id, TicketStatus.CLOSED)
    assert [c.body for c in _comments(desk, ticket) if c.public][-1] == "Thanks a lot!"


def test_a_reply_to_a_resolved_ticket_reopens_it(desk: Desk, intake: Intake) -> None:
    ticket = _open(intake)
    resolved = _resolved(desk, ticket)
    outcome = intake.ingest_email(_reply())
    assert outcome.action is IntakeAction.APPENDED
    assert outcome.ticket is not None
    assert (outcome.ticket.status, outcome.ticket.reopen_count) == (TicketStatus.IN_PROGRESS, 1)
    assert outcome.ticket.version > resolved.version


def test_a_reply_while_waiting_on_the_customer_resumes_the_work(desk: Desk, intake: Intake) -> None:
    ticket = _open(intake)
    walk(
        desk,
        ticket.id,
        TicketStatus.TRIAGED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.PENDING_CUSTOMER,
        actor=Actor.agent("bob"),
    )
    outcome = intake.ingest_email(_reply())
    assert outcome.ticket is not None
    assert (outcome.ticket.status, outcome.ticket.reopen_count) == (TicketStatus.IN_PROGRESS, 0)
