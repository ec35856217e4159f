"""The journal's vocabulary: one immutable event per change to a ticket.

Every event names the ticket, the version the ticket has *after* it, when it happened and who
did it. Events are facts: the guard decides, the journal records.

Events (like tickets) are dict-backed frozen attrs classes rather than slotted ones: the
reducer and the guard copy and build them on every command, and filling an instance
dictionary is several times cheaper than per-slot frozen ``__setattr__`` calls.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Final, TypeAlias, TypedDict

import attrs

from ._actors import Actor
from ._fields import MAX_FIELDS, FieldValue, check_field_value
from ._resolution import MAX_EVIDENCE, CriterionVerdict, Resolution, ResolutionAnswer
from ._ticket import Ticket, tag_set
from ._value_methods import value_eq, value_hash, value_repr
from ._values import (
    check_bool,
    check_enum,
    check_instant,
    check_int,
    check_items,
    check_name,
    check_optional_int,
    check_optional_name,
    check_optional_text,
    check_text,
    validator,
)
from .exceptions import InvalidValueError

__all__ = [
    "CommentAdded",
    "CsatRecorded",
    "DecisionExplained",
    "FieldsChanged",
    "FixVerified",
    "IncidentLinkChanged",
    "LinkKind",
    "ProblemAspect",
    "ProblemUpdated",
    "ResolutionAnswered",
    "ResolutionRecorded",
    "SlaBreached",
    "SlaMetric",
    "SlaWarned",
    "SuggestionReviewed",
    "TicketAssigned",
    "TicketCategorized",
    "TicketCreated",
    "TicketEvent",
    "TicketLinked",
    "TicketPrioritized",
    "TicketTagged",
    "TicketTransitioned",
    "VerificationMethod",
]


class EventHeader(TypedDict):
    """The fields every event starts with, for building events with ``**header``."""

    ticket_id: str
    version: int
    at: datetime
    actor: Actor


def header(ticket_id: str, version: int, at: datetime, actor: Actor) -> EventHeader:
    """Return the common fields of the event that makes a ticket ``version``."""
    return EventHeader(ticket_id=ticket_id, version=version, at=at, actor=actor)


def _instance(field: str, kind: type) -> Any:  # noqa: ANN401
    def check(_: object, __: object, value: object) -> None:
        if not isinstance(value, kind):
            raise InvalidValueError(field, value, f"must be a {kind.__name__}")

    return check


# The four fields every event starts with, each checked where the event is built.
_TICKET_ID: Final = validator(check_name, "event.ticket_id")
_VERSION: Final = validator(check_int, "event.version", minimum=1)


def _at(value: datetime) -> datetime:
    return check_instant("event.at", value)


_ACTOR: Final = _instance("event.actor", Actor)


def _name(field: str) -> Any:  # noqa: ANN401
    return attrs.field(validator=validator(check_name, field))


def _optional_name(field: str) -> Any:  # noqa: ANN401
    return attrs.field(validator=validator(check_optional_name, field))


def _level(field: str) -> Any:  # noqa: ANN401
    return attrs.field(validator=validator(check_optional_int, field, minimum=1, maximum=5))


def _changes(value: Mapping[str, FieldValue | None]) -> Mapping[str, FieldValue | None]:
    if not isinstance(value, Mapping):
        raise InvalidValueError("changes", value, "must map field names to values or None")
    if not value or len(value) > MAX_FIELDS:
        raise InvalidValueError("changes", len(value), f"set 1 to {MAX_FIELDS} fields")
    checked: dict[str, FieldValue | None] = {}
    # Names are checked before they are sorted: str() of a key may fail (a huge integer).
    named = [(check_name("changes", key), item) for key, item in value.items()]
    for name, item in sorted(named, key=lambda pair: pair[0]):
        checked[name] = None if item is None else check_field_value(f"changes.{name}", item)
    return checked


def _tag_set(field: str) -> Any:  # noqa: ANN401
    return attrs.field(default=frozenset(), converter=lambda value: tag_set(field, value))


def _cycle(_: object, __: object, value: int) -> None:
    check_int("cycle", value, minimum=0)


def _threshold(_: object, __: object, value: float) -> None:
    if type(value) is not float or not math.isfinite(value) or not 0 < value < 1:
        raise InvalidValueError("threshold", value, "a warning threshold is a float in (0, 1)")


@attrs.frozen(kw_only=True, slots=False)
class TicketCreated:
    """The ticket came into being; carries its first snapshot (version 1)."""

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "created"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    ticket: Ticket = attrs.field(validator=_instance("ticket", Ticket))


@attrs.frozen(kw_only=True, slots=False)
class TicketTransitioned:
    """The status moved along an edge (``source -> target``)."""

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "transitioned"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    source: str = _name("source")
    target: str = _name("target")
    reason: str | None = attrs.field(
        default=None, validator=validator(check_optional_text, "reason")
    )
    reopen: bool = attrs.field(default=False, validator=validator(check_bool, "reopen"))
    """Whether this edge is a reopen of the workflow in force (it counts in ``reopen_count``)."""


@attrs.frozen(kw_only=True, slots=False)
class TicketAssigned:
    """The queue and/or assignee changed; ``None`` clears."""

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "assigned"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    queue: str | None = _optional_name("queue")
    assignee: str | None = _optional_name("assignee")


@attrs.frozen(kw_only=True, slots=False)
class CommentAdded:
    """A comment: public (the requester sees it) or internal (agents only)."""

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "commented"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    comment_id: str = _name("comment_id")
    body: str = attrs.field(validator=validator(check_text, "body", empty=False))
    public: bool = attrs.field(validator=validator(check_bool, "public"))


@attrs.frozen(kw_only=True, slots=False)
class FieldsChanged:
    """Structured fields were set (a value) or removed (``None``)."""

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "field_changed"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    changes: Mapping[str, FieldValue | None] = attrs.field(converter=_changes)


@attrs.frozen(kw_only=True, slots=False)
class TicketCategorized:
    """The category was set (or cleared with ``None``)."""

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "categorized"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    category: str | None = _optional_name("category")


@attrs.frozen(kw_only=True, slots=False)
class TicketPrioritized:
    """Priority, impact and urgency were assessed."""

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "prioritized"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    priority: str | None = _optional_name("priority")
    impact: int | None = _level("impact")
    urgency: int | None = _level("urgency")


@attrs.frozen(kw_only=True, slots=False)
class TicketTagged:
    """Tags were added and/or removed."""

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "tagged"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    added: frozenset[str] = _tag_set("added")
    removed: frozenset[str] = _tag_set("removed")

    def __attrs_post_init__(self) -> None:
        if not self.added and not self.removed:
            raise InvalidValueError("tags", None, "add or remove at least one tag")
        if self.added & self.removed:
            both = sorted(self.added & self.removed)
            raise InvalidValueError("tags", both, "a tag cannot be added and removed at once")


class LinkKind(enum.StrEnum):
    """How one ticket relates to another (the attributes of :class:`~ticketflow.TicketLinks`)."""

    DUPLICATE_OF = "duplicate_of"
    """This ticket repeats the target, which carries the work."""
    PROBLEM = "problem"
    """This incident is caused by the target problem record."""
    FOLLOW_UP_OF = "follow_up_of"
    """This ticket follows up the (closed) target."""


def _link_kind(value: LinkKind | str) -> LinkKind:
    return check_enum("link", value, LinkKind)


@attrs.frozen(kw_only=True, slots=False)
class TicketLinked:
    """A link to another ticket was set, or removed (``target`` ``None``)."""

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "linked"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    link: LinkKind = attrs.field(converter=_link_kind)
    target: str | None = _optional_name("target")

    def __attrs_post_init__(self) -> None:
        if self.target == self.ticket_id:
            raise InvalidValueError("target", self.target, "a ticket cannot link to itself")


class SlaMetric(enum.StrEnum):
    """What an SLA clock measures."""

    FIRST_RESPONSE = "first_response"
    """From creation to the first public reply of an agent."""
    NEXT_RESPONSE = "next_response"
    """From the oldest unanswered customer message to the next public reply of an agent."""
    RESOLUTION = "resolution"
    """From creation to resolved, without paused time."""


def _metric(value: SlaMetric | str) -> SlaMetric:
    return check_enum("metric", value, SlaMetric)


def _due_at(value: datetime) -> datetime:
    return check_instant("due_at", value)


@attrs.frozen(kw_only=True, slots=False)
class SlaWarned:
    """An SLA clock passed a warning threshold (a fraction of its target)."""

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "sla_warned"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    metric: SlaMetric = attrs.field(converter=_metric)
    cycle: int = attrs.field(validator=_cycle)
    threshold: float = attrs.field(validator=_threshold)
    due_at: datetime = attrs.field(converter=_due_at)


@attrs.frozen(kw_only=True, slots=False)
class SlaBreached:
    """An SLA clock ran past its target."""

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "sla_breached"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    metric: SlaMetric = attrs.field(converter=_metric)
    cycle: int = attrs.field(validator=_cycle)
    due_at: datetime = attrs.field(converter=_due_at)


MAX_REASONS: Final = 64
"""The most reasons a :class:`DecisionExplained` carries."""


def _reasons(value: tuple[str, ...]) -> tuple[str, ...]:
    given = check_items("reasons", value, maximum=MAX_REASONS, what="lines")
    return tuple(
        check_text(f"reasons[{index}]", line, empty=False, single_line=True, max_length=2000)
        for index, line in enumerate(given)
    )


def _outcome(value: str | None) -> str | None:
    if value is None:
        return None
    return check_text("outcome", value, empty=False, single_line=True, max_length=1000)


@attrs.frozen(kw_only=True, slots=False)
class DecisionExplained:
    """Why an automatic decision came out as it did (or that a person overrode it).

    Staff read these in :meth:`~ticketflow.Desk.view`; customers never see them. The change
    the decision made (a category, a priority, an assignment) is its own event beside this one.

    Attributes:
        decision: What was decided: ``category``, ``priority``, ``route``, ``crm``, or a
            capability's own name.
        outcome: What it came to (a category code, a priority label, ``queue/agent``), or
            ``None`` when it was left to a person.
        reasons: The explanation, one line each (the rules that matched, the matrix cell and
            each modifier applied, why no agent fitted).
        overridden: A person replaced the automatic decision.

    .. versionadded:: 0.2
    """

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "explained"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    decision: str = attrs.field(validator=validator(check_name, "decision", max_length=64))
    outcome: str | None = attrs.field(default=None, converter=_outcome)
    reasons: tuple[str, ...] = attrs.field(default=(), converter=_reasons)
    overridden: bool = attrs.field(default=False, validator=validator(check_bool, "overridden"))


MAX_VERDICTS: Final = 64
"""The most criterion verdicts a :class:`ResolutionRecorded` carries."""


def _verdicts(value: tuple[CriterionVerdict, ...]) -> tuple[CriterionVerdict, ...]:
    given = check_items("verdicts", value, maximum=MAX_VERDICTS, what="verdicts")
    for index, verdict in enumerate(given):
        if type(verdict) is not CriterionVerdict:
            raise InvalidValueError(f"verdicts[{index}]", verdict, "must be a CriterionVerdict")
    return given  # type: ignore[return-value]


def _answer(value: ResolutionAnswer | str) -> ResolutionAnswer:
    return check_enum("answer", value, ResolutionAnswer)


@attrs.frozen(kw_only=True, slots=False)
class ResolutionRecorded:
    """A resolution, with the verdict of every done-criterion on it.

    When ``suggested`` is false every verdict passed, and the ticket moves to ``resolved`` in
    the same commit (the transition follows this event). When it is true, the resolution is an
    AI's suggestion below the confidence threshold, kept for an agent to accept or reject
    (:class:`SuggestionReviewed`); the ticket does not move.

    Attributes:
        resolution: The resolution proposed.
        verdicts: What each criterion said, in the order they were checked.
        suggested: Only a suggestion, awaiting an agent's review.

    .. versionadded:: 0.2
    """

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "resolution_recorded"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    resolution: Resolution = attrs.field(validator=_instance("resolution", Resolution))
    verdicts: tuple[CriterionVerdict, ...] = attrs.field(default=(), converter=_verdicts)
    suggested: bool = attrs.field(default=False, validator=validator(check_bool, "suggested"))


@attrs.frozen(kw_only=True, slots=False)
class SuggestionReviewed:
    """An agent accepted or rejected an AI's suggested resolution.

    Attributes:
        suggestion: The version of the :class:`ResolutionRecorded` event that suggested it.
        accepted: Accepted (the ticket is resolved in the same commit) or rejected.
        reason: Why, for the journal.

    .. versionadded:: 0.2
    """

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "suggestion_reviewed"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    suggestion: int = attrs.field(validator=validator(check_int, "suggestion", minimum=1))
    accepted: bool = attrs.field(validator=validator(check_bool, "accepted"))
    reason: str | None = attrs.field(
        default=None, validator=validator(check_optional_text, "reason")
    )


@attrs.frozen(kw_only=True, slots=False)
class ResolutionAnswered:
    """The answer to a resolution: confirmed or rejected by the customer, or auto-closed.

    A confirmation or an auto-close is followed in the same commit by the move to ``closed``;
    a rejection by the reopen.

    Attributes:
        answer: What the answer was.
        policy: The auto-close policy that closed the ticket (for ``auto_closed``).
        comment: What the customer said, if anything.

    .. versionadded:: 0.2
    """

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "resolution_answered"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    answer: ResolutionAnswer = attrs.field(converter=_answer)
    policy: str | None = attrs.field(
        default=None, validator=validator(check_optional_name, "policy")
    )
    comment: str | None = attrs.field(
        default=None, validator=validator(check_optional_text, "comment")
    )


@attrs.frozen(kw_only=True, slots=False)
class CsatRecorded:
    """A customer-satisfaction answer: a score from 1 to 5.

    Attributes:
        score: 1 (very unhappy) to 5 (very happy).
        comment: What the customer wrote, if anything.
        response_id: The survey response's id; the same response is recorded once.

    .. versionadded:: 0.2
    """

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "csat_recorded"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    score: int = attrs.field(validator=validator(check_int, "score", minimum=1, maximum=5))
    response_id: str = _name("response_id")
    comment: str | None = attrs.field(
        default=None, validator=validator(check_optional_text, "comment")
    )


class ProblemAspect(enum.StrEnum):
    """What a :class:`ProblemUpdated` records about a problem.

    .. versionadded:: 0.2
    """

    ROOT_CAUSE = "root_cause"
    """Why the incidents happen."""
    WORKAROUND = "workaround"
    """How to restore service until the fix: the problem becomes a known error."""
    FIX = "fix"
    """The change that removes the cause; it is verified before the problem closes."""


def _aspect(value: ProblemAspect | str) -> ProblemAspect:
    return check_enum("aspect", value, ProblemAspect)


class VerificationMethod(enum.StrEnum):
    """How a problem's fix was verified.

    .. versionadded:: 0.2
    """

    QUIET_PERIOD = "quiet_period"
    """No incident was linked for the policy's quiet period after the fix (automatic)."""
    EXPLICIT = "explicit"
    """A person verified it, with evidence."""


def _method(value: VerificationMethod | str) -> VerificationMethod:
    return check_enum("method", value, VerificationMethod)


MAX_PROBLEM_TEXT: Final = 4000
"""The longest root cause, workaround or fix a :class:`ProblemUpdated` carries."""


@attrs.frozen(kw_only=True, slots=False)
class IncidentLinkChanged:
    """An incident was linked to (or unlinked from) this problem: the problem's side of the link.

    The incident's side is its :class:`TicketLinked` event (``link="problem"``).

    Attributes:
        incident: The incident's id.
        linked: Linked (``True``) or unlinked (``False``).

    .. versionadded:: 0.2
    """

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "incident_link_changed"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    incident: str = _name("incident")
    linked: bool = attrs.field(validator=validator(check_bool, "linked"))


@attrs.frozen(kw_only=True, slots=False)
class ProblemUpdated:
    """A problem's root cause, workaround or fix was recorded (a later one replaces it).

    Attributes:
        aspect: What is recorded.
        text: What it is, for people.

    .. versionadded:: 0.2
    """

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "problem_updated"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    aspect: ProblemAspect = attrs.field(converter=_aspect)
    text: str = attrs.field(
        validator=validator(check_text, "text", empty=False, max_length=MAX_PROBLEM_TEXT)
    )


def _evidence(value: tuple[str, ...]) -> tuple[str, ...]:
    given = check_items("evidence", value, maximum=MAX_EVIDENCE, what="lines")
    return tuple(
        check_text(f"evidence[{index}]", line, empty=False, single_line=True, max_length=2000)
        for index, line in enumerate(given)
    )


@attrs.frozen(kw_only=True, slots=False)
class FixVerified:
    """A problem's fix was verified: the problem may now be resolved and closed.

    Attributes:
        method: Automatically after a quiet period, or explicitly by a person.
        fix: The version of the :class:`ProblemUpdated` event that recorded the fix verified.
        evidence: What shows it works (links, one line each; the quiet period's span).
        policy: The problem policy whose quiet period verified it (automatic verifications).

    .. versionadded:: 0.2
    """

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    type: ClassVar[str] = "fix_verified"
    ticket_id: str = attrs.field(validator=_TICKET_ID)
    version: int = attrs.field(validator=_VERSION)
    at: datetime = attrs.field(converter=_at)
    actor: Actor = attrs.field(validator=_ACTOR)
    method: VerificationMethod = attrs.field(converter=_method)
    fix: int = attrs.field(validator=validator(check_int, "fix", minimum=1))
    evidence: tuple[str, ...] = attrs.field(default=(), converter=_evidence)
    policy: str | None = attrs.field(
        default=None, validator=validator(check_optional_name, "policy")
    )


def fast_transitioned(
    ticket_id: str,
    version: int,
    at: datetime,
    actor: Actor,
    source: str,
    target: str,
    reason: str | None,
    reopen: bool,
) -> TicketTransitioned:
    """Build a :class:`TicketTransitioned` from already-validated parts (``at`` in UTC).

    The guard is the hot path of every command; filling the instance dictionary directly
    costs a fifth of attrs' generated ``__init__`` on frozen classes.
    """
    event = _new(TicketTransitioned)
    state = event.__dict__
    state["ticket_id"] = ticket_id
    state["version"] = version
    state["at"] = at
    state["actor"] = actor
    state["source"] = source
    state["target"] = target
    state["reason"] = reason
    state["reopen"] = reopen
    return event


_new = object.__new__


TicketEvent: TypeAlias = (
    TicketCreated
    | TicketTransitioned
    | TicketAssigned
    | CommentAdded
    | FieldsChanged
    | TicketCategorized
    | TicketPrioritized
    | TicketTagged
    | TicketLinked
    | SlaWarned
    | SlaBreached
    | DecisionExplained
    | ResolutionRecorded
    | SuggestionReviewed
    | ResolutionAnswered
    | CsatRecorded
    | IncidentLinkChanged
    | ProblemUpdated
    | FixVerified
)
"""Any event of a ticket's journal."""

EVENT_TYPES: tuple[type[TicketEvent], ...] = (
    TicketCreated,
    TicketTransitioned,
    TicketAssigned,
    CommentAdded,
    FieldsChanged,
    TicketCategorized,
    TicketPrioritized,
    TicketTagged,
    TicketLinked,
    SlaWarned,
    SlaBreached,
    DecisionExplained,
    ResolutionRecorded,
    SuggestionReviewed,
    ResolutionAnswered,
    CsatRecorded,
    IncidentLinkChanged,
    ProblemUpdated,
    FixVerified,
)
