"""The intake service: e-mail and forms in, tickets and comments out, through the Desk.

Every decision is made on parsed, typed values; every write goes through the Desk's seams
(:meth:`~ticketflow.Desk.submit` with a creation hook, :meth:`~ticketflow.Desk.execute`), so the
lifecycle, permissions, SLA clocks and the outbox stay the Desk's. What the store adds for intake
(:class:`~ticketflow.storage.IntakeStore`) makes the service safe with many workers: a message's
Message-ID or a form's idempotency key is claimed in the ticket's own commit, so one request is
one ticket however many workers take it in at once; near-duplicate keys are written in the same
commit, so every worker finds the same open tickets; and whatever is not taken in is kept as a
rejected-intake record, never dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Final

import attrs

from .._actors import Actor, Role
from .._events import CommentAdded, LinkKind
from .._identity import same_mailbox
from .._ids import new_id
from .._retry import retrying
from .._ticket import Channel, NewTicket, Requester, Ticket
from .._values import MAX_SUBJECT_LENGTH, MAX_TEXT_LENGTH, check_name
from ..exceptions import (
    ClaimTakenError,
    ConflictError,
    IntakeError,
    IntakeProblem,
    InvalidValueError,
    TicketNotFoundError,
)
from ..resolution._decide import follow_up
from ..resolution._decide import reply as reply_to
from ..resolution._replies import ReplyAction
from ..storage import IntakeStore, RejectedIntake, SimilarityKeys
from ..storage._received import MAX_CLAIM_LENGTH, MAX_RAW_BYTES
from ._addressing import MailIdentity, subject_tag_number
from ._email import read_email
from ._forms import FormSpec, parse_form
from ._inbound import Attachment, EmailLimits, InboundEmail
from ._outcome import IntakeAction, IntakeOutcome, NearDuplicateAction
from ._similarity import NearDuplicate, SimilaritySpec, find_near_duplicates
from ._sink import AttachmentSink

if TYPE_CHECKING:
    from .._desk import Desk
    from .._draft import Draft

__all__ = ["Intake"]

_MESSAGE_KEY: Final = "message-id:"
_FORM_KEY: Final = "idempotency:"
_NO_SUBJECT: Final = "(no subject)"
_NO_TEXT: Final = "(no text)"
_THREADED: Final = frozenset({"header", "token", "subject"})
_CANDIDATES: Final = 8  # near duplicates looked at, most similar first, for an open one


def _message_key(message_id: str | None) -> str | None:
    if message_id is None or len(_MESSAGE_KEY) + len(message_id) > MAX_CLAIM_LENGTH:
        return None
    return _MESSAGE_KEY + message_id


class Intake:
    """Takes in e-mail and web forms as tickets and comments, through a :class:`~ticketflow.Desk`.

    Args:
        desk: The desk to commit through; its store must implement
            :class:`~ticketflow.storage.IntakeStore` (both shipped stores do).
        identity: The desk's address and the secret that signs reply tokens.
        attachments: Where attachments' bytes (and each message's raw bytes) go.
        limits: The bounds of what an e-mail may be.
        similarity: How near a near duplicate is; ``None`` turns the search off.
        near_duplicates: What to do with a near duplicate of an open ticket: link a new
            ticket to it (the default) or append to it as a comment.
        actor: Who intake acts as (the creator of tickets, the author of its notes).
        ids: Makes ids for comments and rejected-intake records.

    Raises:
        InvalidValueError: An argument is not of its kind, or the desk's store does not
            implement :class:`~ticketflow.storage.IntakeStore`.

    .. versionadded:: 0.2
    """

    def __init__(
        self,
        desk: Desk,
        *,
        identity: MailIdentity,
        attachments: AttachmentSink,
        limits: EmailLimits = EmailLimits(),  # noqa: B008 - frozen
        similarity: SimilaritySpec | None = SimilaritySpec(),  # noqa: B008 - frozen
        near_duplicates: NearDuplicateAction = NearDuplicateAction.LINK,
        actor: Actor = Actor.system("intake"),  # noqa: B008 - frozen
        ids: Callable[[], str] = new_id,
    ) -> None:
        from .._desk import Desk  # noqa: PLC0415 - the desk imports storage; intake loads later

        if not isinstance(desk, Desk):
            raise InvalidValueError("desk", desk, "must be a Desk")
        if not isinstance(desk.store, IntakeStore):
            raise InvalidValueError(
                "desk", desk.store, "its store must implement IntakeStore (claims, records)"
            )
        if type(identity) is not MailIdentity:
            raise InvalidValueError("identity", identity, "must be a MailIdentity")
        if not callable(getattr(attachments, "put", None)):
            raise InvalidValueError("attachments", attachments, "must have put(attachment, data)")
        if type(limits) is not EmailLimits:
            raise InvalidValueError("limits", limits, "must be an EmailLimits")
        if similarity is not None and type(similarity) is not SimilaritySpec:
            raise InvalidValueError("similarity", similarity, "must be a SimilaritySpec or None")
        try:
            action = NearDuplicateAction(near_duplicates)
        except ValueError:
            raise InvalidValueError(
                "near_duplicates", near_duplicates, "must be 'link' or 'append'"
            ) from None
        if type(actor) is not Actor or actor.role is Role.CUSTOMER:
            raise InvalidValueError("actor", actor, "must be a staff or system Actor")
        if not callable(ids):
            raise InvalidValueError("ids", ids, "must be callable")
        self.desk = desk
        self.store: IntakeStore = desk.store
        self.identity = identity
        self.attachments = attachments
        self.limits = limits
        self.similarity = similarity
        self.near_duplicates = action
        self.actor = actor
        self._ids = ids

    def __repr__(self) -> str:
        return f"Intake(desk={self.desk!r}, identity={self.identity!r})"

    # -- e-mail -----------------------------------------------------------------------------

    def ingest_email(self, raw: bytes) -> IntakeOutcome:
        """Take in one e-mail, as an MTA delivers it.

        In this order: a message that cannot be read, or is over a limit, is kept as a
        rejected-intake record (``rejected``); automatic mail (RFC 3834: auto-replies, bounces,
        lists) and the desk's own mail are kept as records and get nothing more
        (``ignored``); a Message-ID taken in before answers with its ticket
        (``duplicate``); a reply to a known ticket (by ``In-Reply-To``/``References``, by a
        signed reply address, or by a ``[#n]`` subject tag from the requester or a
        participant) becomes the sender's public comment (``appended``); a near duplicate of
        an open ticket is linked to it or appended to it; anything else is a new ticket
        (``created``). A reply's comment is what the sender wrote this time; the whole text,
        the attachments' descriptions and the raw message's SHA-256 go into an internal note
        beside it, and the bytes into the attachment sink.

        Raises:
            IntakeError: ``raw`` is not bytes (code ``wrong_type``); nothing is kept.
            StoreError: The store or the attachment sink is unavailable; nothing was
                committed (a mail gateway answers "try again later").
            ConflictError: Other writers kept changing the ticket through every retry.
        """
        given: object = raw
        if not isinstance(given, bytes | bytearray | memoryview):
            raise IntakeError(
                [
                    IntakeProblem(
                        "raw", "wrong_type", f"an e-mail is bytes, not {type(given).__name__}"
                    )
                ]
            )
        return self._email(bytes(given), record_id=None)

    def _email(self, raw: bytes, *, record_id: str | None) -> IntakeOutcome:
        try:
            mail, payloads = read_email(raw, self.limits, keep_payloads=True)
        except IntakeError as error:
            return self._reject("email", raw, error.problems, record_id, ignored=False)
        problems = self._not_for_a_ticket(mail)
        if problems:
            return self._reject(
                "email", raw, problems, record_id, ignored=True, message_id=mail.message_id
            )
        return retrying(lambda: self._take_email(mail, raw, payloads))

    def _not_for_a_ticket(self, mail: InboundEmail) -> list[IntakeProblem]:
        if mail.auto is not None:
            return [IntakeProblem("header", "automatic", f"automatic mail: {mail.auto.value}")]
        if mail.sender is None:
            return [IntakeProblem("header[from]", "no_sender", "no sender address to answer")]
        if self.identity.is_own_address(mail.sender.address):
            return [IntakeProblem("header[from]", "own_mail", "sent by the desk itself: a loop")]
        return []

    def _take_email(self, mail: InboundEmail, raw: bytes, payloads: list[bytes]) -> IntakeOutcome:
        key = _message_key(mail.message_id)
        if key is not None:
            holder = self.store.claimant(key)
            if holder is not None:
                return self._duplicate(holder, mail.message_id, "this Message-ID was taken in")
        sender = mail.sender
        assert sender is not None  # noqa: S101 - checked by _not_for_a_ticket
        note = self._keep_bytes(mail, raw, payloads)
        if mail.reply_text.strip():
            body = mail.reply_text
        elif mail.text.strip():
            body = mail.text  # all of it quoted, say: better the whole than nothing
        else:
            body = _NO_TEXT
        found = self._thread(mail)
        if found is not None:
            ticket, how = found
            return self._append(ticket, sender.address, body, note, key, mail, how, None)
        subject = _subject(mail.subject)
        return self._new(
            NewTicket(
                subject=subject,
                description=body if body != _NO_TEXT else "",
                requester=_requester(sender.address, sender.name),
                channel=Channel.EMAIL,
            ),
            key=key,
            note=note,
            mail=mail,
        )

    def _keep_bytes(self, mail: InboundEmail, raw: bytes, payloads: list[bytes]) -> str:
        """Put the raw message and each attachment into the sink; return the internal note."""
        digest = hashlib.sha256(raw).hexdigest()
        self.attachments.put(Attachment("message.eml", "message/rfc822", len(raw), digest), raw)
        for attachment, data in zip(mail.attachments, payloads, strict=True):
            self.attachments.put(attachment, data)
        lines = [f"Received by e-mail {mail.message_id or '(no Message-ID)'}"]
        lines.append(f"raw message: {len(raw)} bytes, sha256 {digest}")
        lines.extend(
            f"attachment: {a.name or '(unnamed)'} ({a.content_type}, {a.size} bytes,"
            f" sha256 {a.sha256})"
            for a in mail.attachments
        )
        if mail.text.strip() and mail.text != mail.reply_text:
            lines += ["", "Full text as received:", "", mail.text]
        return "\n".join(lines)[:MAX_TEXT_LENGTH]

    def _thread(self, mail: InboundEmail) -> tuple[Ticket, str] | None:
        ids = [m for m in (mail.in_reply_to, *reversed(mail.references)) if m is not None]
        for message_id in dict.fromkeys(ids):
            ticket = self._by_message_id(message_id)
            if ticket is not None:
                return ticket, "header"
        for address in (*mail.to, *mail.cc):
            number = self.identity.reply_token_number(address.address)
            ticket = None if number is None else self._by_number(number)
            if ticket is not None and self.identity.signs_reply(address.address, ticket):
                return ticket, "token"
        number = subject_tag_number(mail.subject)
        ticket = None if number is None else self._by_number(number)
        sender = mail.sender
        if ticket is not None and sender is not None and self._participant(ticket, sender.address):
            return ticket, "subject"
        return None

    def _by_message_id(self, message_id: str) -> Ticket | None:
        number = self.identity.message_id_number(message_id)
        if number is not None:
            ticket = self._by_number(number)
            return ticket if ticket and self.identity.signs_message_id(message_id, ticket) else None
        key = _message_key(message_id)
        holder = None if key is None else self.store.claimant(key)
        if holder is None:
            return None
        try:
            return self.desk.store.get(holder)
        except TicketNotFoundError:
            return None

    def _by_number(self, number: int) -> Ticket | None:
        try:
            return self.desk.store.get_by_number(number)
        except TicketNotFoundError:
            return None

    def _participant(self, ticket: Ticket, address: str) -> bool:
        """The requester, or a customer who has written on the ticket (a stranger is neither)."""
        if same_mailbox(address, ticket.requester.email):
            return True
        return any(
            event.actor.role is Role.CUSTOMER and same_mailbox(address, event.actor.id)
            for event in self.desk.store.journal(ticket.id)
        )

    # -- forms ------------------------------------------------------------------------------

    def submit_form(
        self, payload: object, *, form: FormSpec, idempotency_key: str | None = None
    ) -> IntakeOutcome:
        """Take in a web form's payload (see :func:`parse_form`) as a ticket.

        A payload with problems is kept as a rejected-intake record and answered with every
        problem (``rejected``); the same ``idempotency_key`` again answers with the ticket it
        made (``duplicate``), across workers; a near duplicate of an open ticket is linked or
        appended as for e-mail.

        Raises:
            InvalidValueError: ``form`` is not a :class:`FormSpec`, or ``idempotency_key`` is
                not a single line of at most 1,000 characters.
        """
        if type(form) is not FormSpec:
            raise InvalidValueError("form", form, "must be a FormSpec")
        key = None
        if idempotency_key is not None:
            key = _FORM_KEY + check_name("idempotency_key", idempotency_key, max_length=1000)
        return self._form(payload, form, key, record_id=None)

    def _form(
        self, payload: object, form: FormSpec, key: str | None, *, record_id: str | None
    ) -> IntakeOutcome:
        if key is not None:
            holder = self.store.claimant(key)
            if holder is not None:
                return self._duplicate(holder, None, "this idempotency key was taken in")
        try:
            draft = parse_form(payload, form=form)
        except IntakeError as error:
            return self._reject("form", _payload_bytes(payload), error.problems, record_id)
        return retrying(lambda: self._take_form(draft, key))

    def _take_form(self, draft: NewTicket, key: str | None) -> IntakeOutcome:
        if key is not None:
            holder = self.store.claimant(key)
            if holder is not None:
                return self._duplicate(holder, None, "this idempotency key was taken in")
        return self._new(draft, key=key, note=None, mail=None)

    # -- rejected records -------------------------------------------------------------------

    def reingest(
        self, record_id: str, *, raw: bytes | None = None, form: FormSpec | None = None
    ) -> IntakeOutcome:
        """Take in a rejected-intake record again, after a fix; settle it if it goes through.

        Args:
            record_id: The record.
            raw: Repaired bytes to take in instead of the kept ones.
            form: The form spec, for a record of a form payload.

        Raises:
            RecordNotFoundError: No such record.
            InvalidValueError: The record was settled already, a form record is re-taken
                without ``form``, or ``raw`` is not bytes.
            IntakeError: A form record's payload is not JSON (it was kept as text).
        """
        given: object = raw
        if given is not None and type(given) is not bytes:
            # json.loads would raise its own TypeError for an int, say
            raise InvalidValueError("raw", given, "must be bytes")
        record = self.store.get_rejected(check_name("record_id", record_id))
        if not record.pending:
            raise InvalidValueError("record_id", record_id, "the record was settled already")
        data = record.raw if raw is None else raw
        if record.channel == "form":
            if type(form) is not FormSpec:
                raise InvalidValueError("form", form, "a form record needs its FormSpec")
            outcome = self._form(_payload_of(data), form, None, record_id=record.id)
        else:
            if type(data) is not bytes:
                raise InvalidValueError("raw", data, "must be bytes")
            outcome = self._email(data, record_id=record.id)
        if outcome.action not in {IntakeAction.REJECTED, IntakeAction.IGNORED}:
            ticket = outcome.ticket
            self.store.settle_rejected(
                record.id, at=self._now(), ticket_id=None if ticket is None else ticket.id
            )
        return outcome

    def dismiss(self, record_id: str) -> bool:
        """Settle a rejected-intake record without taking it in; ``False`` if settled already.

        Raises:
            RecordNotFoundError: No such record.
        """
        return self.store.settle_rejected(
            check_name("record_id", record_id), at=self._now(), ticket_id=None
        )

    # -- the decisions, committed through the Desk ------------------------------------------

    def _new(
        self, draft: NewTicket, *, key: str | None, note: str | None, mail: InboundEmail | None
    ) -> IntakeOutcome:
        keys, match = self._near(draft.subject, draft.description)
        message_id = None if mail is None else mail.message_id
        defects = () if mail is None else mail.defects
        if match is not None and self.near_duplicates is NearDuplicateAction.APPEND:
            target = self.desk.store.get(match.ticket_id)
            body = draft.description or draft.subject
            return self._append(
                target, draft.requester.email, body, note, key, mail, "near_duplicate", match
            )
        if match is not None:
            draft = _linked(draft, match.ticket_id)

        decide = self._creation(key, keys, note, match)
        try:
            ticket = self.desk.submit(draft, actor=self.actor, decide=decide)
        except ClaimTakenError as taken:
            return self._duplicate(taken.holder, message_id, "taken in at the same moment")
        except (InvalidValueError, TicketNotFoundError) as error:
            if match is None or getattr(error, "field", "target") != "target":
                raise
            # Between the search and the commit another worker linked the match as a
            # duplicate itself (or it went away): decide again, as on any conflict.
            raise ConflictError(match.ticket_id, 0, None) from error
        if match is None:
            reason = f"new ticket from {draft.requester.email}"
            return IntakeOutcome(
                action=IntakeAction.CREATED,
                reason=reason,
                ticket=ticket,
                message_id=message_id,
                problems=defects,
            )
        return IntakeOutcome(
            action=IntakeAction.LINKED,
            reason=f"near duplicate of an open ticket (similarity {match.similarity:.2f})",
            ticket=ticket,
            similarity=match.similarity,
            duplicate_of=match.ticket_id,
            message_id=message_id,
            problems=defects,
        )

    def _creation(
        self,
        key: str | None,
        keys: SimilarityKeys | None,
        note: str | None,
        match: NearDuplicate | None,
    ) -> Callable[[Draft], None]:
        """Return what intake records on a new ticket's creation: claim, keys, its note."""

        def decide(creation: Draft) -> None:
            if key is not None:
                creation.claim(key)
            if keys is not None:
                creation.index(keys)
            remarks = [] if note is None else [note]
            if match is not None:
                target = self.desk.store.get(match.ticket_id)
                remarks.insert(
                    0,
                    f"Near duplicate of {target.reference} (similarity {match.similarity:.2f}):"
                    " linked duplicate_of.",
                )
            if remarks:
                creation.record(
                    CommentAdded,
                    comment_id=check_name("ids()", self._ids()),
                    body="\n\n".join(remarks)[:MAX_TEXT_LENGTH],
                    public=False,
                    actor=self.actor,
                )

        return decide

    def _append(
        self,
        ticket: Ticket,
        sender: str,
        body: str,
        note: str | None,
        key: str | None,
        mail: InboundEmail | None,
        how: str,
        match: NearDuplicate | None,
    ) -> IntakeOutcome:
        author = _customer(sender)
        comment_id = check_name("ids()", self._ids())
        note_id = check_name("ids()", self._ids())
        policy = self.desk.resolution
        threaded = how in _THREADED
        replied: list[ReplyAction] = []

        def decide(draft: Draft) -> None:
            if key is not None:
                draft.claim(key)
            text = body[:MAX_TEXT_LENGTH]
            if threaded:
                # A reply goes by the desk's reply rules, as from any channel: it may resume
                # or reopen the ticket, or (closed, or resolved long ago) want a follow-up.
                action = reply_to(draft, policy, text, author=author, comment_id=comment_id)
                replied.append(action)
                if action is ReplyAction.FOLLOW_UP:
                    return  # nothing recorded: the follow-up ticket takes the message
            else:
                draft.record(
                    CommentAdded, comment_id=comment_id, body=text, public=True, actor=author
                )
            if note is not None:
                draft.record(
                    CommentAdded, comment_id=note_id, body=note, public=False, actor=self.actor
                )

        message_id = None if mail is None else mail.message_id
        try:
            after = self.desk.execute(ticket.id, decide, actor=self.actor, command="intake")
        except ClaimTakenError as taken:
            return self._duplicate(taken.holder, message_id, "taken in at the same moment")
        if replied and replied[-1] is ReplyAction.FOLLOW_UP:
            return self._follow_up(after, body, note, key, mail)
        reason = {
            "header": "a reply, threaded by its In-Reply-To/References",
            "token": "a reply, threaded by its signed reply address",
            "subject": "a reply from a participant, threaded by its subject tag",
        }.get(how, "a near duplicate of an open ticket, appended")
        return IntakeOutcome(
            action=IntakeAction.APPENDED,
            reason=reason,
            ticket=after,
            threaded_by=how,
            similarity=None if match is None else match.similarity,
            duplicate_of=None if match is None else match.ticket_id,
            message_id=message_id,
            problems=() if mail is None else mail.defects,
        )

    def _follow_up(
        self,
        ticket: Ticket,
        body: str,
        note: str | None,
        key: str | None,
        mail: InboundEmail | None,
    ) -> IntakeOutcome:
        """Open the follow-up of a closed (or long-resolved) ticket a reply came to."""
        draft = follow_up(ticket, body, channel=Channel.EMAIL)
        outcome = self._new(draft, key=key, note=note, mail=mail)
        if outcome.action is not IntakeAction.CREATED:
            return outcome  # a duplicate, or a near duplicate of an open follow-up
        return attrs.evolve(
            outcome,
            action=IntakeAction.FOLLOW_UP,
            reason=f"a reply to {ticket.reference} ({ticket.status}): a follow-up ticket",
        )

    def _near(self, subject: str, body: str) -> tuple[SimilarityKeys | None, NearDuplicate | None]:
        spec = self.similarity
        if spec is None:
            return None, None
        keys = spec.keys(subject, body)
        matches = find_near_duplicates(self.store, spec, keys, limit=_CANDIDATES)
        similarities = {match.ticket_id: match.similarity for match in matches}
        for match in matches:
            original = self._original(match.ticket_id)
            if original is None:
                continue
            if original.id == match.ticket_id:
                return keys, match
            # A near duplicate that is itself a duplicate stands for its original: the desk
            # links duplicate_of to originals only (the third copy of a complaint once raised).
            similarity = similarities.get(original.id, match.similarity)
            return keys, NearDuplicate(ticket_id=original.id, similarity=similarity)
        return keys, None

    def _original(self, ticket_id: str) -> Ticket | None:
        """The open ticket a near duplicate stands for: itself, or the original it duplicates."""
        seen: set[str] = set()
        while ticket_id not in seen and len(seen) < _CANDIDATES:
            seen.add(ticket_id)
            try:
                ticket = self.desk.store.get(ticket_id)
            except TicketNotFoundError:
                return None
            if ticket.status in self.desk.workflow.terminal:
                return None
            if ticket.links.duplicate_of is None:
                return ticket
            ticket_id = ticket.links.duplicate_of
        return None  # a loop of duplicate_of links, or a chain too long to follow

    def _duplicate(self, holder: str, message_id: str | None, why: str) -> IntakeOutcome:
        try:
            ticket: Ticket | None = self.desk.store.get(holder)
        except TicketNotFoundError:
            ticket = None
        return IntakeOutcome(
            action=IntakeAction.DUPLICATE,
            reason=f"{why} before: nothing new written",
            ticket=ticket,
            message_id=message_id,
        )

    def _reject(
        self,
        channel: str,
        raw: bytes,
        problems: tuple[IntakeProblem, ...] | list[IntakeProblem],
        record_id: str | None,
        *,
        ignored: bool = False,
        message_id: str | None = None,
    ) -> IntakeOutcome:
        listed = list(problems) or [IntakeProblem("$", "rejected", "not taken in")]
        if record_id is None:
            kept = raw[:MAX_RAW_BYTES]
            if len(kept) < len(raw):
                listed.append(
                    IntakeProblem("raw", "truncated", f"kept the first {MAX_RAW_BYTES} bytes")
                )
            record_id = check_name("ids()", self._ids())
            self.store.keep_rejected(
                RejectedIntake(
                    id=record_id,
                    channel=channel,
                    received_at=self._now(),
                    raw=kept,
                    size=len(raw),
                    problems=[_storable(p) for p in listed],
                )
            )
        first = listed[0]
        return IntakeOutcome(
            action=IntakeAction.IGNORED if ignored else IntakeAction.REJECTED,
            reason=f"{first.code}: {first.message}"[:2000].replace("\n", " "),
            record_id=record_id,
            message_id=message_id,
            problems=listed,
        )

    def _now(self) -> datetime:
        return self.desk._clock_now()  # noqa: SLF001 - the desk's checked clock


def _subject(subject: str) -> str:
    text = " ".join(subject.split())[:MAX_SUBJECT_LENGTH]
    return text or _NO_SUBJECT


def _requester(address: str, name: str | None) -> Requester:
    try:
        return Requester(address, name=name, external=True)
    except InvalidValueError:
        return Requester(address, external=True)  # a display name a ticket cannot hold


def _customer(address: str) -> Actor:
    return Actor.customer(address)


def _linked(draft: NewTicket, target: str) -> NewTicket:
    import attrs  # noqa: PLC0415

    links = attrs.evolve(draft.links, **{LinkKind.DUPLICATE_OF.value: target})
    return attrs.evolve(draft, links=links)


def _storable(problem: IntakeProblem) -> IntakeProblem:
    # What a record keeps must be text a store can write: no lone surrogates, bounded.
    def clean(text: str) -> str:
        return text.encode("utf-8", "replace").decode("utf-8")[:4096]

    return IntakeProblem(clean(problem.path), clean(problem.code), clean(problem.message))


def _payload_bytes(payload: object) -> bytes:
    """A form payload as JSON, or its ``repr`` when it is not JSON (kept as text)."""
    try:
        return json.dumps(payload, ensure_ascii=False, allow_nan=False).encode(
            "utf-8", "surrogatepass"
        )
    except (TypeError, ValueError, RecursionError):
        try:
            text = repr(payload)
        except Exception:  # noqa: BLE001 - a hostile __repr__
            text = f"<a {type(payload).__name__} that cannot be shown>"
        return text.encode("utf-8", "backslashreplace")


def _payload_of(data: bytes) -> object:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise IntakeError(
            [IntakeProblem("raw", "not_json", "the kept payload was not JSON; pass it fixed")]
        ) from None
