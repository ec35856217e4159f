"""Whatever arrives, intake answers with an outcome, and keeps what it does not take in.

Arbitrary bytes, mutated corpus messages and mutated replies go into ``Intake.ingest_email``;
arbitrary payloads and keys into ``Intake.submit_form``. The only exceptions allowed are the
documented refusals of a wrong argument type (``IntakeError`` for an e-mail that is not bytes,
``InvalidValueError`` for a bad form spec or idempotency key). Input that is rejected or ignored
reads back from the store exactly as it arrived.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from _corpus import corpus
from _mail import DESK_ADDRESS, SECRET, mail
from hypothesis import event, given
from hypothesis import strategies as st

from _hostile import SCRATCH, hostile_values
from ticketflow import Desk, InvalidValueError, TicketflowError, TicketNotFoundError
from ticketflow.exceptions import IntakeError
from ticketflow.intake import (
    FormSpec,
    InMemoryAttachmentSink,
    Intake,
    IntakeAction,
    IntakeOutcome,
    MailIdentity,
    NearDuplicateAction,
)
from ticketflow.storage import InMemoryTicketStore, SQLiteTicketStore
from ticketflow.storage._received import MAX_RAW_BYTES
from ticketflow.testing import FrozenClock

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
MESSAGES = list(corpus().values())
FORM = FormSpec(categories={"billing", "shipping"})
TAKEN_IN = {IntakeAction.CREATED, IntakeAction.LINKED, IntakeAction.APPENDED}
KEPT = {IntakeAction.REJECTED, IntakeAction.IGNORED}


class Scene:
    """An intake on a fresh store, with one ticket a reply can thread into."""

    def __init__(self, near_duplicates: NearDuplicateAction, *, sqlite: bool = False) -> None:
        self.store: InMemoryTicketStore | SQLiteTicketStore = (
            SQLiteTicketStore(SCRATCH / f"{uuid.uuid4().hex}.sqlite3", synchronous="OFF")
            if sqlite
            else InMemoryTicketStore()
        )
        self.desk = Desk(self.store, clock=FrozenClock(T0))
        self.sink = InMemoryAttachmentSink()
        self.intake = Intake(
            self.desk,
            identity=MailIdentity(DESK_ADDRESS, SECRET),
            attachments=self.sink,
            near_duplicates=near_duplicates,
        )
        first = self.intake.ingest_email(mail())
        assert first.ticket is not None
        self.ticket = first.ticket

    def close(self) -> None:
        if isinstance(self.store, SQLiteTicketStore):
            self.store.close()

    def replies(self) -> list[bytes]:
        """Replies to the ticket by each way of threading, for mutation."""
        identity = self.intake.identity
        return [
            mail(
                subject="Re: x",
                message_id="<r1@example.com>",
                body="Still broken.\n\n> quoted\n",
                headers={"In-Reply-To": "<c1@example.com>"},
            ),
            mail(
                sender="dave@example.com",
                to=identity.reply_address(self.ticket),
                message_id="<r2@example.com>",
                headers=identity.outbound_headers(self.ticket),
            ),
            mail(subject=f"Re: [#{self.ticket.number}]", message_id="<r3@example.com>"),
        ]


def _scene(near: NearDuplicateAction = NearDuplicateAction.LINK) -> Scene:
    return Scene(near)


def assert_answered(scene: Scene, raw: bytes, outcome: object) -> None:
    """The outcome is one; kept input reads back as it arrived; a ticket exists for the rest."""
    assert type(outcome) is IntakeOutcome
    event(outcome.action.value)
    if outcome.action in KEPT:
        assert outcome.ticket is None
        assert outcome.record_id is not None
        record = scene.store.get_rejected(outcome.record_id)
        assert record.raw == raw[:MAX_RAW_BYTES]
        assert record.size == len(raw)
        assert record.problems
        assert record.id in {r.id for r in scene.store.rejected(limit=1000)}
        return
    assert outcome.record_id is None
    assert outcome.ticket is not None
    stored = scene.store.get(outcome.ticket.id)
    if outcome.action in TAKEN_IN:
        assert stored == outcome.ticket
    if outcome.message_id is not None and len(outcome.message_id) < 1000:
        assert scene.store.claimant(f"message-id:{outcome.message_id}") is not None


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """Return ``base`` with a few slices deleted, repeated, replaced or spliced in."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 64)))
        kind = draw(st.sampled_from(["delete", "repeat", "replace", "insert", "truncate"]))
        if kind == "delete":
            del data[start:end]
        elif kind == "repeat":
            data[start:start] = data[start:end] * draw(st.integers(1, 50))
        elif kind == "replace":
            data[start:end] = draw(st.binary(max_size=64))
        elif kind == "insert":
            data[start:start] = draw(
                st.sampled_from(
                    [
                        b"\r\n",
                        b"\n\n",
                        b"=?utf-8?b?",
                        b"=?x-unknown?q?=FF?=",
                        b"\x00",
                        b"\xff\xfe",
                        b"Content-Type: multipart/mixed; boundary=z\n",
                        b"--z\n",
                        b"In-Reply-To: <c1@example.com>\n",
                        b"Auto-Submitted: auto-replied\n",
                        b"From: support@desk.example\n",
                        b"Message-ID: <c1@example.com>\n",
                        b"Subject: [#1] [#99999999999999999999]\n",
                        b"To: support+t.1.aaaaaaaaaaaaaaaa@desk.example\n",
                    ]
                )
            )
        else:
            del data[start:]
    return bytes(data)


@given(raw=st.binary(max_size=4096))
def test_arbitrary_bytes_give_an_outcome(raw: bytes) -> None:
    scene = _scene()
    assert_answered(scene, raw, scene.intake.ingest_email(raw))


@given(data=st.data(), near=st.sampled_from(NearDuplicateAction))
def test_mutated_corpus_messages_give_an_outcome(
    data: st.DataObject, near: NearDuplicateAction
) -> None:
    scene = _scene(near)
    raw = data.draw(st.sampled_from(MESSAGES).flatmap(mutated), label="raw")
    assert_answered(scene, raw, scene.intake.ingest_email(raw))


@given(data=st.data())
def test_mutated_replies_give_an_outcome_and_leave_the_ticket_sound(data: st.DataObject) -> None:
    scene = _scene()
    raw = data.draw(st.sampled_from(scene.replies()).flatmap(mutated), label="raw")
    outcome = scene.intake.ingest_email(raw)
    assert_answered(scene, raw, outcome)
    after = scene.store.get(scene.ticket.id)
    assert len(scene.desk.history(after.id)) == after.version


@pytest.mark.parametrize("sqlite", [False, True], ids=["memory", "sqlite"])
@given(data=st.data(), near=st.sampled_from(NearDuplicateAction))
def test_a_stream_of_messages_into_one_desk_gives_outcomes_and_sound_tickets(
    sqlite: bool, data: st.DataObject, near: NearDuplicateAction
) -> None:
    # State matters: replies, redeliveries and near copies of earlier messages in one desk.
    scene = Scene(near, sqlite=sqlite)
    try:
        _stream(scene, data)
    finally:
        scene.close()


def _stream(scene: Scene, data: st.DataObject) -> None:
    copies = [mail(sender=f"u{n}@example.com", message_id=f"<copy{n}@x>") for n in range(4)]
    sources = [*MESSAGES, *scene.replies(), *copies]
    stream = data.draw(
        st.lists(
            st.sampled_from(sources)
            | st.sampled_from(copies)
            | st.sampled_from(sources).flatmap(mutated),
            max_size=8,
        ),
        label="stream",
    )
    for raw in stream:
        assert_answered(scene, raw, scene.intake.ingest_email(raw))
    number = 1
    while True:
        try:
            ticket = scene.store.get_by_number(number)
        except TicketNotFoundError:
            break
        assert len(scene.desk.history(ticket.id)) == ticket.version
        original = ticket.links.duplicate_of
        if original is not None:
            assert scene.store.get(original).links.duplicate_of is None, "linked to an original"
        number += 1


@given(data=st.data())
def test_the_same_mutated_message_twice_is_kept_twice_or_a_duplicate(data: st.DataObject) -> None:
    scene = _scene()
    raw = data.draw(st.sampled_from(MESSAGES).flatmap(mutated), label="raw")
    first = scene.intake.ingest_email(raw)
    second = scene.intake.ingest_email(raw)
    assert_answered(scene, raw, second)
    if first.action in TAKEN_IN and first.message_id is not None:
        assert second.action is IntakeAction.DUPLICATE


@given(value=hostile_values.filter(lambda v: not isinstance(v, bytes | bytearray)))
def test_an_email_that_is_not_bytes_is_an_intake_error(value: Any) -> None:
    scene = _scene()
    with pytest.raises(IntakeError) as raised:
        scene.intake.ingest_email(value)
    assert [p.code for p in raised.value.problems] == ["wrong_type"]
    assert scene.store.rejected() == [], "nothing is kept of what is not an e-mail"


def test_a_memoryview_is_bytes_enough() -> None:
    scene = _scene()
    outcome = scene.intake.ingest_email(memoryview(mail(message_id="<m@x.example>")))  # type: ignore[arg-type]
    assert outcome.action is IntakeAction.DUPLICATE or outcome.ticket is not None


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=8,
)
_payloads = st.one_of(
    hostile_values,
    _json,
    st.fixed_dictionaries(
        {
            "subject": st.text(max_size=40) | hostile_values,
            "requester": st.fixed_dictionaries({"email": st.emails() | hostile_values}),
        },
        optional={
            "description": st.text(max_size=200) | hostile_values,
            "category": st.sampled_from(["billing", "shipping", "nope"]) | hostile_values,
            "tags": st.lists(st.text(max_size=8), max_size=4) | hostile_values,
            "fields": st.dictionaries(st.text(max_size=8), _json, max_size=3) | hostile_values,
            "unknown": _json,
        },
    ),
)
_keys = st.none() | st.text(max_size=40) | st.sampled_from(["k1", "k1", "x" * 1001, "a\nb"])


def _submitted(scene: Scene, payload: Any, key: Any) -> IntakeOutcome | InvalidValueError:
    try:
        return scene.intake.submit_form(payload, form=FORM, idempotency_key=key)
    except InvalidValueError as error:
        return error


@given(payload=_payloads, key=_keys | hostile_values)
def test_arbitrary_form_payloads_give_an_outcome(payload: Any, key: Any) -> None:
    scene = _scene()
    outcome = _submitted(scene, payload, key)
    if isinstance(outcome, InvalidValueError):
        # Only the key may be refused: a payload's problems are an outcome, not an error.
        assert not isinstance(outcome, IntakeError)
        assert outcome.field == "idempotency_key", outcome
        event("refused key")
        return
    assert type(outcome) is IntakeOutcome
    event(outcome.action.value)
    assert outcome.action is not IntakeAction.IGNORED
    if outcome.action is IntakeAction.REJECTED:
        assert outcome.record_id is not None
        record = scene.store.get_rejected(outcome.record_id)
        assert record.channel == "form"
        try:
            text = json.dumps(payload, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError, RecursionError):
            assert record.raw, "a payload that is not JSON is kept as text"
        else:
            assert record.raw == text.encode("utf-8", "surrogatepass")
    else:
        assert outcome.ticket is not None
        assert scene.store.get(outcome.ticket.id) is not None
        if key is not None:
            assert scene.store.claimant(f"idempotency:{key}") == outcome.ticket.id


@given(form=hostile_values)
def test_a_form_spec_that_is_not_one_is_an_invalid_value(form: Any) -> None:
    scene = _scene()
    with pytest.raises(InvalidValueError) as raised:
        scene.intake.submit_form({}, form=form)
    assert raised.value.field == "form"


@given(data=st.data(), raw=st.none() | hostile_values, form=st.just(FORM) | hostile_values)
def test_reingest_and_dismiss_answer_or_raise_ticketflow_errors(
    data: st.DataObject, raw: Any, form: Any
) -> None:
    scene = _scene()
    kept = [
        scene.intake.ingest_email(b"").record_id,
        scene.intake.submit_form({"subject": ""}, form=FORM).record_id,
        scene.intake.submit_form(object(), form=FORM).record_id,
    ]
    record_id: Any = data.draw(st.sampled_from(kept) | hostile_values, label="record_id")
    for call in (
        lambda: scene.intake.reingest(record_id, raw=raw, form=form),
        lambda: scene.intake.dismiss(record_id),
    ):
        with contextlib.suppress(TicketflowError):  # anything else fails the test
            call()
