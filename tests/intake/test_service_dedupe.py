"""One request is one ticket: exact duplicates answer with their ticket, near ones link or append.

Each rule holds on both shipped stores. A closed ticket leaves the near-duplicate index in the
commit that closes it, so new work that resembles it is a new ticket.
"""

from __future__ import annotations

import pytest
from _mail import mail

from _walk import walk
from ticketflow import (
    Actor,
    CommentAdded,
    Desk,
    InvalidValueError,
    Ticket,
    TicketNotFoundError,
    TicketStatus,
)
from ticketflow.intake import (
    FormSpec,
    InMemoryAttachmentSink,
    Intake,
    IntakeAction,
    MailIdentity,
    NearDuplicateAction,
)
from ticketflow.storage import IntakeStore, TicketStore

pytest_plugins = ["_service_fixtures"]

AGENT = Actor.agent("bob")
SUPERVISOR = Actor.supervisor("sue")
PRINTER = "The printer on floor 3 jams on every job since this morning; tray 2 blinks red.\n"
REWORDED = "The printer on floor 3 jams on every job since this morning; tray 2 blinks red!!\n"
FORM = FormSpec(categories={"billing", "shipping"})


def _intake_store(store: TicketStore) -> IntakeStore:
    assert isinstance(store, IntakeStore)
    return store


def _journal_lengths(desk: Desk, *tickets: Ticket) -> list[int]:
    return [len(desk.history(ticket.id)) for ticket in tickets]


def _count(store: TicketStore) -> int:
    number = 0
    while True:
        try:
            store.get_by_number(number + 1)
        except TicketNotFoundError:
            return number
        number += 1


def _comments(desk: Desk, ticket: Ticket) -> list[CommentAdded]:
    return [e for e in desk.history(ticket.id) if isinstance(e, CommentAdded)]


# -- exact --------------------------------------------------------------------------------------


def test_the_same_message_id_again_is_a_duplicate_of_its_ticket_and_writes_nothing(
    store: TicketStore, desk: Desk, intake: Intake
) -> None:
    first = intake.ingest_email(mail(body=PRINTER))
    assert first.action is IntakeAction.CREATED
    assert first.ticket is not None
    before = _journal_lengths(desk, first.ticket)
    # Redelivered: the same bytes, or the same Message-ID with other words around it.
    for again in (mail(body=PRINTER), mail(subject="Fwd: other", body="Something else.\n")):
        outcome = intake.ingest_email(again)
        assert outcome.action is IntakeAction.DUPLICATE
        assert outcome.ticket is not None
        assert outcome.ticket.id == first.ticket.id
        assert outcome.message_id == "<c1@example.com>"
    assert _journal_lengths(desk, first.ticket) == before
    assert desk.get(first.ticket.id).version == first.ticket.version
    assert _count(store) == 1


def test_a_redelivered_reply_is_a_duplicate_and_comments_once(desk: Desk, intake: Intake) -> None:
    first = intake.ingest_email(mail(body=PRINTER))
    assert first.ticket is not None
    reply = mail(
        subject="Re: printer",
        message_id="<c2@example.com>",
        body="Still jammed.\n",
        headers={"In-Reply-To": "<c1@example.com>"},
    )
    assert intake.ingest_email(reply).action is IntakeAction.APPENDED
    after_reply = _journal_lengths(desk, first.ticket)
    again = intake.ingest_email(reply)
    assert again.action is IntakeAction.DUPLICATE
    assert again.ticket is not None
    assert again.ticket.id == first.ticket.id
    assert _journal_lengths(desk, first.ticket) == after_reply
    bodies = [c.body for c in _comments(desk, first.ticket) if c.public]
    assert bodies.count("Still jammed.") == 1


def test_the_same_idempotency_key_again_is_a_duplicate_of_its_ticket(
    store: TicketStore, desk: Desk, intake: Intake
) -> None:
    payload = {"subject": "Refund for order 17", "requester": {"email": "erin@example.com"}}
    first = intake.submit_form(payload, form=FORM, idempotency_key="form-17")
    assert first.action is IntakeAction.CREATED
    assert first.ticket is not None
    before = _journal_lengths(desk, first.ticket)
    other = {"subject": "Entirely different words here", "requester": {"email": "x@example.com"}}
    for again in (payload, other):
        outcome = intake.submit_form(again, form=FORM, idempotency_key="form-17")
        assert outcome.action is IntakeAction.DUPLICATE
        assert outcome.ticket is not None
        assert outcome.ticket.id == first.ticket.id
    assert _journal_lengths(desk, first.ticket) == before
    assert _count(store) == 1
    assert _intake_store(store).claimant("idempotency:form-17") == first.ticket.id


def test_an_idempotency_key_and_a_message_id_of_the_same_text_do_not_collide(
    intake: Intake,
) -> None:
    created = intake.ingest_email(mail(message_id="<k@example.com>", body=PRINTER))
    outcome = intake.submit_form(
        {"subject": "Wholly unrelated form", "requester": {"email": "erin@example.com"}},
        form=FORM,
        idempotency_key="<k@example.com>",
    )
    assert outcome.action is IntakeAction.CREATED
    assert outcome.ticket is not None
    assert created.ticket is not None
    assert outcome.ticket.id != created.ticket.id


# -- near ---------------------------------------------------------------------------------------


def test_a_near_duplicate_of_an_open_ticket_is_linked_with_its_similarity(
    desk: Desk, intake: Intake
) -> None:
    first = intake.ingest_email(mail(body=PRINTER))
    assert first.ticket is not None
    outcome = intake.ingest_email(
        mail(sender="erin@example.com", message_id="<e1@example.com>", body=REWORDED)
    )
    assert outcome.action is IntakeAction.LINKED
    assert outcome.ticket is not None
    assert outcome.ticket.id != first.ticket.id
    assert outcome.duplicate_of == first.ticket.id
    assert outcome.ticket.links.duplicate_of == first.ticket.id
    assert desk.get(outcome.ticket.id).links.duplicate_of == first.ticket.id
    similarity = outcome.similarity
    assert similarity is not None
    assert intake.similarity is not None
    assert intake.similarity.threshold <= similarity <= 1.0
    (note,) = [c for c in _comments(desk, outcome.ticket) if not c.public]
    assert note.actor == intake.actor
    assert f"similarity {similarity:.2f}" in note.body
    assert first.ticket.reference in note.body


def test_a_near_duplicate_appended_is_the_senders_comment_on_the_open_ticket(
    store: TicketStore, desk: Desk, identity: MailIdentity, sink: InMemoryAttachmentSink
) -> None:
    intake = Intake(
        desk, identity=identity, attachments=sink, near_duplicates=NearDuplicateAction.APPEND
    )
    first = intake.ingest_email(mail(body=PRINTER))
    assert first.ticket is not None
    outcome = intake.ingest_email(
        mail(sender="erin@example.com", message_id="<e1@example.com>", body=REWORDED)
    )
    assert outcome.action is IntakeAction.APPENDED
    assert outcome.threaded_by == "near_duplicate"
    assert outcome.ticket is not None
    assert outcome.ticket.id == first.ticket.id
    assert outcome.duplicate_of == first.ticket.id
    assert outcome.similarity is not None
    public = [c for c in _comments(desk, first.ticket) if c.public]
    assert public[-1].actor == Actor.customer("erin@example.com")
    assert public[-1].body == REWORDED.strip()
    assert _count(store) == 1
    # Its Message-ID is claimed with the comment: delivered again, it is a duplicate.
    again = mail(sender="erin@example.com", message_id="<e1@example.com>", body=REWORDED)
    assert intake.ingest_email(again).action is IntakeAction.DUPLICATE


def test_a_near_duplicate_form_is_linked_like_mail(intake: Intake) -> None:
    first = intake.ingest_email(mail(body=PRINTER))
    assert first.ticket is not None
    outcome = intake.submit_form(
        {
            "subject": "Printer on floor 3 is jammed again",
            "description": REWORDED,
            "requester": {"email": "erin@example.com"},
        },
        form=FORM,
    )
    assert outcome.action is IntakeAction.LINKED
    assert outcome.duplicate_of == first.ticket.id


def _close(desk: Desk, ticket: Ticket) -> Ticket:
    path = [TicketStatus.TRIAGED, TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED]
    return walk(desk, ticket.id, *path, TicketStatus.CLOSED, actor=SUPERVISOR)


def test_a_near_duplicate_of_a_closed_ticket_is_a_new_ticket(
    store: TicketStore, desk: Desk, intake: Intake
) -> None:
    first = intake.ingest_email(mail(body=PRINTER))
    assert first.ticket is not None
    spec = intake.similarity
    assert spec is not None
    keys = spec.keys(first.ticket.subject, first.ticket.description)
    intakes = _intake_store(store)
    assert first.ticket.id in intakes.candidates(keys.band_keys), "open: indexed"
    closed = _close(desk, first.ticket)
    assert closed.status == TicketStatus.CLOSED
    assert first.ticket.id not in intakes.candidates(keys.band_keys), "closed: unindexed"
    outcome = intake.ingest_email(
        mail(sender="erin@example.com", message_id="<e1@example.com>", body=REWORDED)
    )
    assert outcome.action is IntakeAction.CREATED
    assert outcome.duplicate_of is None
    assert outcome.similarity is None
    assert outcome.ticket is not None
    assert outcome.ticket.links.duplicate_of is None
    assert desk.get(first.ticket.id).version == closed.version, "the closed ticket is untouched"


def test_a_resolved_ticket_is_still_a_near_duplicate_target(desk: Desk, intake: Intake) -> None:
    # Only terminal statuses leave the index; resolved work can still be reopened.
    first = intake.ingest_email(mail(body=PRINTER))
    assert first.ticket is not None
    path = (TicketStatus.TRIAGED, TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED)
    walk(desk, first.ticket.id, *path, actor=AGENT)
    outcome = intake.ingest_email(
        mail(sender="erin@example.com", message_id="<e1@example.com>", body=REWORDED)
    )
    assert outcome.action is IntakeAction.LINKED
    assert outcome.duplicate_of == first.ticket.id


def test_without_a_similarity_spec_a_near_duplicate_is_a_new_ticket(
    desk: Desk, identity: MailIdentity, sink: InMemoryAttachmentSink
) -> None:
    intake = Intake(desk, identity=identity, attachments=sink, similarity=None)
    intake.ingest_email(mail(body=PRINTER))
    outcome = intake.ingest_email(
        mail(sender="erin@example.com", message_id="<e1@example.com>", body=REWORDED)
    )
    assert outcome.action is IntakeAction.CREATED


def test_intake_refuses_to_act_as_a_customer(
    desk: Desk, identity: MailIdentity, sink: InMemoryAttachmentSink
) -> None:
    # Its notes are internal and it creates tickets in others' names: a customer may do neither.
    with pytest.raises(InvalidValueError):
        Intake(desk, identity=identity, attachments=sink, actor=Actor.customer("a@example.com"))


def test_a_third_near_duplicate_links_to_the_original_not_to_a_duplicate(
    store: TicketStore, intake: Intake
) -> None:
    # A ticket may not be linked duplicate_of a ticket that is a duplicate itself; the third
    # copy of a complaint once raised InvalidValueError ("is a duplicate itself") from here.
    first = intake.ingest_email(mail(body=PRINTER))
    assert first.ticket is not None
    for number in range(2, 6):
        outcome = intake.ingest_email(
            mail(sender=f"user{number}@example.com", message_id=f"<n{number}@x>", body=REWORDED)
        )
        assert outcome.action is IntakeAction.LINKED
        assert outcome.duplicate_of == first.ticket.id
        assert outcome.ticket is not None
        assert outcome.ticket.links.duplicate_of == first.ticket.id
    assert _count(store) == 5


def test_a_near_duplicate_of_a_duplicate_whose_original_closed_is_a_new_ticket(
    desk: Desk, intake: Intake
) -> None:
    first = intake.ingest_email(mail(body=PRINTER))
    assert first.ticket is not None
    second = intake.ingest_email(mail(message_id="<n2@x>", body=REWORDED))
    assert second.action is IntakeAction.LINKED
    _close(desk, first.ticket)
    third = intake.ingest_email(mail(sender="x@example.com", message_id="<n3@x>", body=REWORDED))
    assert third.action is IntakeAction.CREATED
    assert third.ticket is not None
    assert third.ticket.links.duplicate_of is None
