"""What happened to one piece of received input: the answer of every intake command."""

from __future__ import annotations

import enum

import attrs

from .._ticket import Ticket
from .._values import check_name, check_text
from ..exceptions import IntakeProblem, InvalidValueError

__all__ = ["IntakeAction", "IntakeOutcome", "NearDuplicateAction"]


class IntakeAction(enum.StrEnum):
    """What intake did with a message or payload."""

    CREATED = "created"
    """A new ticket."""
    LINKED = "linked"
    """A new ticket, linked ``duplicate_of`` an open near duplicate."""
    APPENDED = "appended"
    """A comment on an existing ticket: a reply that threaded, or a near duplicate appended.

    A reply goes by the desk's reply rules: it may also have resumed or reopened the ticket."""
    FOLLOW_UP = "follow_up"
    """A reply to a closed ticket (or one resolved before the reopen window): a new ticket,
    linked ``follow_up_of`` it, with its requester and category."""
    DUPLICATE = "duplicate"
    """The same message or idempotency key was taken in before: nothing new was written."""
    IGNORED = "ignored"
    """Automatic mail (an auto-reply, a bounce, a list): kept as a record, no ticket, no reply."""
    REJECTED = "rejected"
    """Malformed beyond repair or over a limit: kept as a record for review."""


class NearDuplicateAction(enum.StrEnum):
    """What to do with new input that is a near duplicate of an open ticket."""

    LINK = "link"
    """Create the ticket and link it ``duplicate_of`` the open one, with the similarity."""
    APPEND = "append"
    """Add it to the open ticket as the requester's comment; no new ticket."""


def _action(value: IntakeAction) -> IntakeAction:
    try:
        return IntakeAction(value)
    except ValueError:
        raise InvalidValueError("action", value, "must be an IntakeAction") from None


def _optional_ticket(value: Ticket | None) -> Ticket | None:
    given: object = value
    if given is not None and type(given) is not Ticket:
        raise InvalidValueError("ticket", given, "must be a Ticket or None")
    return value


def _optional_name(field: str, value: object) -> str | None:
    return None if value is None else check_name(field, value, max_length=1024)


def _threaded_by(value: str | None) -> str | None:
    return _optional_name("threaded_by", value)


def _duplicate_of(value: str | None) -> str | None:
    return _optional_name("duplicate_of", value)


def _record_id(value: str | None) -> str | None:
    return _optional_name("record_id", value)


def _message_id(value: str | None) -> str | None:
    return _optional_name("message_id", value)


def _similarity(value: float | None) -> float | None:
    given: object = value
    if given is None:
        return None
    if type(given) is not float or not 0.0 <= given <= 1.0:
        raise InvalidValueError("similarity", given, "must be a float from 0.0 to 1.0 or None")
    return given


def _problems(value: object) -> tuple[IntakeProblem, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        raise InvalidValueError("problems", value, "must be a sequence of IntakeProblems")
    for problem in value:
        if type(problem) is not IntakeProblem:
            raise InvalidValueError("problems", problem, "must be an IntakeProblem")
    return tuple(value)


def _reason(value: str) -> str:
    return check_text("reason", value, empty=False, single_line=True, max_length=2000)


@attrs.frozen(kw_only=True)
class IntakeOutcome:
    """What intake did with one message or payload, and why.

    Attributes:
        action: What happened.
        reason: Why, in one line for people.
        ticket: The ticket created, appended to or found (``None`` when ignored or rejected).
        threaded_by: How a reply found its ticket: ``header``, ``token``, ``subject`` or
            ``near_duplicate`` (``None`` for a new ticket).
        similarity: The Jaccard similarity to the near duplicate, when one decided.
        duplicate_of: The id of the open ticket a new one was linked to or appended to as a
            near duplicate.
        record_id: The rejected-intake record kept (ignored or rejected input).
        message_id: The e-mail's Message-ID, if it had one.
        problems: Why input was rejected or ignored, or what was repaired in a message
            that was taken in.

    .. versionadded:: 0.2
    """

    action: IntakeAction = attrs.field(converter=_action)
    reason: str = attrs.field(converter=_reason)
    ticket: Ticket | None = attrs.field(default=None, converter=_optional_ticket)
    threaded_by: str | None = attrs.field(default=None, converter=_threaded_by)
    similarity: float | None = attrs.field(default=None, converter=_similarity)
    duplicate_of: str | None = attrs.field(default=None, converter=_duplicate_of)
    record_id: str | None = attrs.field(default=None, converter=_record_id)
    message_id: str | None = attrs.field(default=None, converter=_message_id)
    problems: tuple[IntakeProblem, ...] = attrs.field(default=(), converter=_problems)

    @property
    def acknowledge(self) -> bool:
        """Whether to send the sender an acknowledgement: only for a new ticket from a person.

        Never for automatic mail (two robots answering each other loop forever), a duplicate
        (it was acknowledged the first time), a reply or a rejected message.
        """
        return self.action in {IntakeAction.CREATED, IntakeAction.LINKED}

    def line(self) -> str:
        """Return the outcome as one line, e.g. ``created #12: new ticket from a@b``."""
        where = f" {self.ticket.reference}" if self.ticket is not None else ""
        record = f" record {self.record_id}" if self.record_id is not None else ""
        return f"{self.action.value}{where}{record}: {self.reason}"

    def to_json(self) -> dict[str, object]:
        """Return the outcome as a JSON-ready mapping (what ``mailgate --json`` prints)."""
        ticket = self.ticket
        return {
            "action": self.action.value,
            "reason": self.reason,
            "ticket_id": None if ticket is None else ticket.id,
            "ticket_number": None if ticket is None else ticket.number,
            "threaded_by": self.threaded_by,
            "similarity": self.similarity,
            "duplicate_of": self.duplicate_of,
            "record_id": self.record_id,
            "message_id": self.message_id,
            "problems": [
                {"path": p.path, "code": p.code, "message": p.message} for p in self.problems
            ],
        }
