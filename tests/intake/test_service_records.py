"""Nothing is lost: what intake does not take in is kept as a record, and can be taken in later.

Automatic mail and the desk's own mail are ignored, unreadable or oversized input rejected; each
leaves a rejected-intake record holding exactly the bytes received, which re-ingestion after a
fix settles with the ticket it made, and dismissal settles without one.
"""

from __future__ import annotations

import json

import pytest
from _corpus import corpus
from _mail import DESK_ADDRESS, mail

from ticketflow import Desk, InvalidValueError, TicketNotFoundError
from ticketflow.exceptions import IntakeError, RecordNotFoundError
from ticketflow.intake import (
    EmailLimits,
    FormSpec,
    InMemoryAttachmentSink,
    Intake,
    IntakeAction,
    IntakeOutcome,
    MailIdentity,
    parse_email,
)
from ticketflow.storage import IntakeStore, RejectedIntake, TicketStore

pytest_plugins = ["_service_fixtures"]

MESSAGES = corpus()
AUTOMATIC = sorted(name for name, raw in MESSAGES.items() if parse_email(raw).auto is not None)
WITHOUT_SENDER = sorted(
    name
    for name, raw in MESSAGES.items()
    if parse_email(raw).sender is None and parse_email(raw).auto is None
)
STRICT = FormSpec(categories={"billing"}, require_category=True)
LOOSE = FormSpec(categories={"billing", "shipping"})
PAYLOAD = {
    "subject": "Parcel 9 never came",
    "category": "shipping",
    "requester": {"email": "erin@example.com"},
}


def _records(store: TicketStore) -> IntakeStore:
    assert isinstance(store, IntakeStore)
    return store


def _kept(store: TicketStore, outcome: IntakeOutcome) -> RejectedIntake:
    assert outcome.ticket is None
    assert outcome.record_id is not None
    assert outcome.problems, "a record says why"
    return _records(store).get_rejected(outcome.record_id)


def _no_ticket(store: TicketStore) -> None:
    with pytest.raises(TicketNotFoundError):
        store.get_by_number(1)


def test_the_corpus_has_each_kind_of_automatic_mail() -> None:
    kinds = {parse_email(MESSAGES[name]).auto for name in AUTOMATIC}
    assert {kind.value for kind in kinds if kind is not None} >= {
        "auto_submitted",
        "delivery_report",
        "empty_return_path",
        "list",
        "precedence",
        "x_autoreply",
        "x_autorespond",
        "x_auto_response_suppress",
    }


@pytest.mark.parametrize("name", AUTOMATIC)
def test_automatic_mail_is_ignored_and_kept_as_received(
    store: TicketStore, intake: Intake, name: str
) -> None:
    raw = MESSAGES[name]
    outcome = intake.ingest_email(raw)
    assert outcome.action is IntakeAction.IGNORED
    record = _kept(store, outcome)
    assert record.raw == raw
    assert record.size == len(raw)
    assert record.channel == "email"
    assert record.pending
    assert [p.code for p in record.problems] == ["automatic"]
    _no_ticket(store)
    assert [r.id for r in _records(store).rejected()] == [record.id]


@pytest.mark.parametrize("name", WITHOUT_SENDER)
def test_mail_without_a_sender_is_ignored_and_kept(
    store: TicketStore, intake: Intake, name: str
) -> None:
    raw = MESSAGES[name]
    outcome = intake.ingest_email(raw)
    assert outcome.action is IntakeAction.IGNORED
    assert _kept(store, outcome).raw == raw
    _no_ticket(store)


@pytest.mark.parametrize(
    "sender",
    [DESK_ADDRESS, "Support <SUPPORT@desk.example>", "support+t.1.aaaaaaaaaaaaaaaa@desk.example"],
)
def test_mail_from_the_desks_own_address_is_ignored_as_a_loop(
    store: TicketStore, intake: Intake, sender: str
) -> None:
    raw = mail(sender=sender, subject="[#1] Your ticket was received", message_id="<own@x>")
    outcome = intake.ingest_email(raw)
    assert outcome.action is IntakeAction.IGNORED
    record = _kept(store, outcome)
    assert record.raw == raw
    assert [p.code for p in record.problems] == ["own_mail"]
    _no_ticket(store)


def test_the_desks_own_automatic_mail_coming_back_is_ignored(
    desk: Desk, intake: Intake, identity: MailIdentity
) -> None:
    created = intake.ingest_email(mail())
    assert created.ticket is not None
    headers = identity.outbound_headers(created.ticket, automatic=True)
    # An acknowledgement bounced back at the desk, From the customer's robot.
    echo = mail(subject=headers["Subject"], message_id="<robot@example.com>", headers=headers)
    before = len(desk.history(created.ticket.id))
    assert intake.ingest_email(echo).action is IntakeAction.IGNORED
    assert len(desk.history(created.ticket.id)) == before


def test_an_empty_message_is_rejected_and_kept(store: TicketStore, intake: Intake) -> None:
    outcome = intake.ingest_email(b"")
    assert outcome.action is IntakeAction.REJECTED
    assert _kept(store, outcome).raw == b""


def test_over_limit_mail_is_rejected_then_taken_in_once_the_limit_is_raised(
    store: TicketStore, desk: Desk, identity: MailIdentity, sink: InMemoryAttachmentSink
) -> None:
    raw = mail(body="A long report.\n" * 100)
    strict = Intake(desk, identity=identity, attachments=sink, limits=EmailLimits(max_bytes=512))
    outcome = strict.ingest_email(raw)
    assert outcome.action is IntakeAction.REJECTED
    record = _kept(store, outcome)
    assert record.raw == raw
    assert "too_large" in {p.code for p in record.problems}
    assert record.id in {r.id for r in _records(store).rejected()}
    _no_ticket(store)

    relaxed = Intake(desk, identity=identity, attachments=sink)
    again = relaxed.reingest(record.id)
    assert again.action is IntakeAction.CREATED
    assert again.ticket is not None
    settled = _records(store).get_rejected(record.id)
    assert not settled.pending
    assert settled.ticket_id == again.ticket.id
    assert settled.raw == raw
    assert record.id not in {r.id for r in _records(store).rejected()}
    assert record.id in {r.id for r in _records(store).rejected(pending=False)}
    with pytest.raises(InvalidValueError):
        relaxed.reingest(record.id)


def test_reingesting_repaired_bytes_takes_them_in_and_settles_the_record(
    store: TicketStore, intake: Intake
) -> None:
    outcome = intake.ingest_email(b"\r\n\r\n")
    assert outcome.action is IntakeAction.REJECTED
    record = _kept(store, outcome)
    again = intake.reingest(record.id, raw=mail())
    assert again.action is IntakeAction.CREATED
    assert again.ticket is not None
    assert _records(store).get_rejected(record.id).ticket_id == again.ticket.id


def test_reingesting_what_is_still_rejected_keeps_the_one_record_pending(
    store: TicketStore, intake: Intake
) -> None:
    record = _kept(store, intake.ingest_email(b""))
    again = intake.reingest(record.id)
    assert again.action is IntakeAction.REJECTED
    assert again.record_id == record.id
    assert [r.id for r in _records(store).rejected()] == [record.id]
    assert _records(store).get_rejected(record.id).pending


def test_reingesting_mail_that_is_a_duplicate_by_now_settles_with_its_ticket(
    store: TicketStore, desk: Desk, identity: MailIdentity, sink: InMemoryAttachmentSink
) -> None:
    raw = mail(body="A long report.\n" * 100)
    strict = Intake(desk, identity=identity, attachments=sink, limits=EmailLimits(max_bytes=512))
    record = _kept(store, strict.ingest_email(raw))
    relaxed = Intake(desk, identity=identity, attachments=sink)
    created = relaxed.ingest_email(raw)  # redelivered later and taken in
    assert created.ticket is not None
    again = relaxed.reingest(record.id)
    assert again.action is IntakeAction.DUPLICATE
    assert _records(store).get_rejected(record.id).ticket_id == created.ticket.id


def test_dismissing_a_record_settles_it_without_a_ticket(
    store: TicketStore, intake: Intake
) -> None:
    record = _kept(store, intake.ingest_email(MESSAGES["auto_submitted"]))
    assert intake.dismiss(record.id) is True
    dismissed = _records(store).get_rejected(record.id)
    assert not dismissed.pending
    assert dismissed.ticket_id is None
    assert dismissed.raw == MESSAGES["auto_submitted"]
    assert _records(store).rejected() == []
    assert intake.dismiss(record.id) is False, "settled already"
    with pytest.raises(InvalidValueError):
        intake.reingest(record.id)


def test_an_unknown_record_is_not_found(intake: Intake) -> None:
    with pytest.raises(RecordNotFoundError):
        intake.dismiss("no-such-record")
    with pytest.raises(RecordNotFoundError):
        intake.reingest("no-such-record")


# -- forms --------------------------------------------------------------------------------------


def test_a_form_with_problems_is_rejected_and_kept_as_json(
    store: TicketStore, intake: Intake
) -> None:
    payload = {"subject": "", "requester": {"email": "not an address"}, "colour": "red"}
    outcome = intake.submit_form(payload, form=STRICT)
    assert outcome.action is IntakeAction.REJECTED
    record = _kept(store, outcome)
    assert record.channel == "form"
    assert json.loads(record.raw) == payload
    codes = {p.code for p in record.problems}
    assert {"not_an_email", "unknown_field"} <= codes
    assert len(outcome.problems) == len(record.problems) >= 3, "every problem at once"
    _no_ticket(store)


def test_a_rejected_form_goes_through_under_a_looser_spec_and_settles(
    store: TicketStore, intake: Intake
) -> None:
    outcome = intake.submit_form(PAYLOAD, form=STRICT)
    assert outcome.action is IntakeAction.REJECTED
    record = _kept(store, outcome)
    assert "unknown_category" in {p.code for p in record.problems}
    with pytest.raises(InvalidValueError):
        intake.reingest(record.id)  # a form record needs its spec
    assert intake.reingest(record.id, form=STRICT).action is IntakeAction.REJECTED
    again = intake.reingest(record.id, form=LOOSE)
    assert again.action is IntakeAction.CREATED
    assert again.ticket is not None
    assert again.ticket.category == "shipping"
    assert _records(store).get_rejected(record.id).ticket_id == again.ticket.id


def test_a_form_record_reingested_with_a_fixed_payload(store: TicketStore, intake: Intake) -> None:
    record = _kept(store, intake.submit_form({**PAYLOAD, "category": "nope"}, form=LOOSE))
    fixed = json.dumps(PAYLOAD).encode()
    again = intake.reingest(record.id, raw=fixed, form=LOOSE)
    assert again.action is IntakeAction.CREATED


def test_a_payload_that_is_not_json_is_kept_as_text_and_must_be_fixed_to_reingest(
    store: TicketStore, intake: Intake
) -> None:
    payload = {"subject": {1, 2}, "requester": object()}
    outcome = intake.submit_form(payload, form=LOOSE)
    assert outcome.action is IntakeAction.REJECTED
    record = _kept(store, outcome)
    assert b"subject" in record.raw
    with pytest.raises(IntakeError) as raised:
        intake.reingest(record.id, form=LOOSE)
    assert [p.code for p in raised.value.problems] == ["not_json"]
    fixed = json.dumps(PAYLOAD).encode()
    assert intake.reingest(record.id, raw=fixed, form=LOOSE).action is IntakeAction.CREATED


def test_a_rejected_form_with_an_idempotency_key_does_not_claim_it(intake: Intake) -> None:
    bad = intake.submit_form({**PAYLOAD, "category": "nope"}, form=LOOSE, idempotency_key="k1")
    assert bad.action is IntakeAction.REJECTED
    good = intake.submit_form(PAYLOAD, form=LOOSE, idempotency_key="k1")
    assert good.action is IntakeAction.CREATED


@pytest.mark.parametrize("key", ["", "a\nb", "x" * 1001, 5])
def test_a_bad_idempotency_key_is_an_invalid_value(intake: Intake, key: object) -> None:
    with pytest.raises(InvalidValueError):
        intake.submit_form(PAYLOAD, form=LOOSE, idempotency_key=key)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", [5, "{}", bytearray(b"{}"), [1], object()])
@pytest.mark.parametrize("channel", ["email", "form"])
def test_repaired_input_that_is_not_bytes_is_an_invalid_value(
    store: TicketStore, intake: Intake, channel: str, raw: object
) -> None:
    # An int as the repaired payload of a form record once escaped as json's TypeError.
    if channel == "form":
        record = _kept(store, intake.submit_form({"subject": ""}, form=LOOSE))
    else:
        record = _kept(store, intake.ingest_email(b""))
    with pytest.raises(InvalidValueError) as raised:
        intake.reingest(record.id, raw=raw, form=LOOSE)  # type: ignore[arg-type]
    assert raised.value.field == "raw"
    assert _records(store).get_rejected(record.id).pending
