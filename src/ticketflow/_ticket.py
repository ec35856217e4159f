"""The ticket: an immutable snapshot of one unit of operational work."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

import attrs

from ._fields import Fields, FieldValue
from ._identity import address_problem
from ._status import TicketStatus, as_status
from ._value_methods import value_eq, value_hash, value_repr
from ._values import (
    INT64_MAX,
    MAX_SUBJECT_LENGTH,
    check_bool,
    check_enum,
    check_instant,
    check_int,
    check_name,
    check_optional_int,
    check_optional_name,
    check_optional_text,
    check_text,
    validator,
)
from .exceptions import InvalidValueError

__all__ = [
    "Channel",
    "NewTicket",
    "Requester",
    "Ticket",
    "TicketKind",
    "TicketLinks",
    "check_tag",
    "tag_set",
    "to_utc",
]

MAX_TAGS: Final = 64
"""How many tags one ticket may carry."""


class TicketKind(enum.StrEnum):
    """What kind of work a ticket is (ITIL)."""

    INCIDENT = "incident"
    SERVICE_REQUEST = "service_request"
    PROBLEM = "problem"


class Channel(enum.StrEnum):
    """Where a ticket came in."""

    WEB = "web"
    EMAIL = "email"
    API = "api"


def to_utc(value: datetime, field: str = "datetime") -> datetime:
    """Return an aware ``value`` converted to UTC.

    Raises:
        NaiveDatetimeError: ``value`` is naive.
        InvalidValueError: ``value`` is not a datetime.
    """
    if type(value) is datetime and value.tzinfo is UTC:
        return value
    return check_instant(field, value)


def tag_set(field: str, value: object) -> frozenset[str]:
    """Return ``value`` as a set of tags (see :func:`check_tag`).

    Raises:
        InvalidValueError: ``value`` is a string (not a collection of tags) or holds a non-tag.
    """
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError(field, value, "must be a collection of tags, not a string")
    try:
        tags = frozenset(value)
    except TypeError as error:
        raise InvalidValueError(field, value, f"tags must be strings ({error})") from None
    members: frozenset[object] = tags
    for tag in members:
        check_tag(field, tag)
    return tags


def _tags(value: Iterable[str]) -> frozenset[str]:
    tags = tag_set("tags", value)
    if len(tags) > MAX_TAGS:
        raise InvalidValueError("tags", len(tags), f"a ticket has at most {MAX_TAGS} tags")
    return tags


def check_tag(field: str, tag: object) -> str:
    """Return ``tag`` if it is a tag: a name without white space."""
    name = check_name(field, tag)
    if any(c.isspace() for c in name):
        raise InvalidValueError(field, name, "a tag has no white space")
    return name


def _fields(value: Mapping[str, FieldValue] | None) -> Fields:
    return Fields.coerce(value)


def _status(value: str) -> str:
    return as_status(check_name("status", value))


def _address(_: object, __: object, value: str) -> None:
    problem = address_problem(check_name("requester.email", value))
    if problem is not None:
        raise InvalidValueError("requester.email", value, problem)


def _instance(field: str, kind: type) -> Any:  # noqa: ANN401
    def check(_: object, __: object, value: object) -> None:
        if not isinstance(value, kind):
            raise InvalidValueError(field, value, f"must be a {kind.__name__}")

    return check


def _level(field: str) -> Any:  # noqa: ANN401
    return validator(check_optional_int, field, minimum=1, maximum=5)


@attrs.frozen
class Requester:
    """The person the work is for.

    Attributes:
        email: Their address (the identity used for threading and notifications).
        name: A display name, if known.
        external: ``True`` for external-facing work (a customer): such tickets are not closed
            without the customer's confirmation.
    """

    __repr__ = value_repr

    email: str = attrs.field(validator=_address)
    name: str | None = attrs.field(
        default=None, validator=validator(check_optional_name, "requester.name")
    )
    external: bool = attrs.field(
        default=True, validator=validator(check_bool, "requester.external")
    )


def _link(field: str) -> Any:  # noqa: ANN401
    return attrs.field(default=None, validator=validator(check_optional_name, field))


@attrs.frozen
class TicketLinks:
    """Links to other tickets, by id.

    Attributes:
        duplicate_of: The ticket this one duplicates (merged into).
        problem: The problem record behind this incident.
        follow_up_of: The closed ticket this one follows up.
    """

    __repr__ = value_repr

    duplicate_of: str | None = _link("links.duplicate_of")
    problem: str | None = _link("links.problem")
    follow_up_of: str | None = _link("links.follow_up_of")


_NO_LINKS: Final = TicketLinks()
_NUMBER: Final = validator(check_int, "number", minimum=1, maximum=INT64_MAX)
_SUBJECT: Final = validator(
    check_text, "subject", empty=False, single_line=True, max_length=MAX_SUBJECT_LENGTH
)
_DESCRIPTION: Final = validator(check_text, "description")


def _kind(value: TicketKind | str) -> TicketKind:
    return check_enum("kind", value, TicketKind)


def _channel(value: Channel | str) -> Channel:
    return check_enum("channel", value, Channel)


def _created_at(value: datetime) -> datetime:
    return check_instant("created_at", value)


def _updated_at(value: datetime) -> datetime:
    return check_instant("updated_at", value)


def _label(field: str) -> Any:  # noqa: ANN401
    return attrs.field(default=None, validator=validator(check_optional_name, field))


@attrs.frozen(kw_only=True, slots=False)
class Ticket:
    """An immutable snapshot of a ticket at one version.

    A ticket changes only by applying an event (:func:`ticketflow.apply`); the journal of its
    events reproduces it exactly. Timestamps are stored in UTC; a naive datetime is rejected.

    Attributes:
        id: The stable identifier (from the host's id factory).
        number: The human-facing number, shown as ``#1234``.
        subject: One line, no CR/LF.
        requester: Who the work is for.
        created_at: When it was created (UTC).
        updated_at: When its last event happened (UTC).
        status: A status of the workflow in force (a :class:`TicketStatus` for the default).
        kind: Incident, service request or problem.
        description: The free-text body.
        channel: Where it came in.
        category: A category of the host's taxonomy.
        priority: A priority label such as ``"P1"``.
        impact: 1 (lowest) to 5 (highest), if assessed.
        urgency: 1 (lowest) to 5 (highest), if assessed.
        queue: The queue it is routed to.
        assignee: The agent working on it.
        tags: Free labels (no spaces).
        fields: Structured attributes for analytics (``carrier``, ``site``, ...).
        links: Links to other tickets.
        reopen_count: How often it went from resolved back to work.
        resolution: How it was resolved, once it was.
        version: 1 at creation, one more for every event since.

    .. versionadded:: 0.1
    """

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    id: str = attrs.field(validator=validator(check_name, "id"))
    number: int = attrs.field(validator=_NUMBER)
    subject: str = attrs.field(validator=_SUBJECT)
    requester: Requester = attrs.field(validator=_instance("requester", Requester))
    created_at: datetime = attrs.field(converter=_created_at)
    updated_at: datetime = attrs.field(converter=_updated_at)
    status: str = attrs.field(default=TicketStatus.NEW, converter=_status)
    kind: TicketKind = attrs.field(default=TicketKind.INCIDENT, converter=_kind)
    description: str = attrs.field(default="", validator=_DESCRIPTION)
    channel: Channel = attrs.field(default=Channel.API, converter=_channel)
    category: str | None = _label("category")
    priority: str | None = _label("priority")
    impact: int | None = attrs.field(default=None, validator=_level("impact"))
    urgency: int | None = attrs.field(default=None, validator=_level("urgency"))
    queue: str | None = _label("queue")
    assignee: str | None = _label("assignee")
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=_tags)
    fields: Fields = attrs.field(default=Fields(), converter=_fields)
    links: TicketLinks = attrs.field(default=_NO_LINKS, validator=_instance("links", TicketLinks))
    reopen_count: int = attrs.field(
        default=0, validator=validator(check_int, "reopen_count", minimum=0)
    )
    resolution: str | None = attrs.field(
        default=None, validator=validator(check_optional_text, "resolution")
    )
    version: int = attrs.field(default=1, validator=validator(check_int, "version", minimum=1))

    def __attrs_post_init__(self) -> None:
        if self.updated_at < self.created_at:
            raise InvalidValueError(
                "updated_at", self.updated_at, "a ticket cannot change before it was created"
            )
        links = self.links
        for name in ("duplicate_of", "problem", "follow_up_of"):
            if getattr(links, name) == self.id:
                raise InvalidValueError(f"links.{name}", self.id, "a ticket cannot link to itself")

    @property
    def reference(self) -> str:
        """The human-facing reference, ``#<number>``."""
        return f"#{self.number}"


def evolve_unchecked(ticket: Ticket, changes: dict[str, object]) -> Ticket:
    """Return a copy of ``ticket`` with ``changes``, skipping validation.

    Only for the reducer, whose inputs are already-validated event values: copying the
    instance dictionary is several times cheaper than :func:`attrs.evolve`, and the
    transition hot path depends on it.
    """
    state = ticket.__dict__.copy()
    state.update(changes)
    return from_state(state)


def from_state(state: dict[str, object]) -> Ticket:
    """Return a ticket whose instance dictionary is ``state`` (already validated)."""
    new = _new(Ticket)
    _set(new, "__dict__", state)
    return new


_new = object.__new__
_set = object.__setattr__


@attrs.frozen(kw_only=True)
class NewTicket:
    """What a host submits to create a ticket: the ticket minus what the desk assigns.

    Attributes:
        subject: One line, no CR/LF.
        requester: Who the work is for.
        description: The free-text body.
        kind: Incident, service request or problem.
        channel: Where it came in.
        category: A category, if already known.
        priority: A priority label, if already known.
        impact: 1 to 5, if known.
        urgency: 1 to 5, if known.
        queue: A queue, if already known.
        assignee: An agent, if already known.
        tags: Free labels.
        fields: Structured attributes.
        links: Links to other tickets.
        status: The initial status; ``None`` for the workflow's first initial status.
    """

    __repr__ = value_repr

    subject: str = attrs.field(validator=_SUBJECT)
    requester: Requester = attrs.field(validator=_instance("requester", Requester))
    description: str = attrs.field(default="", validator=_DESCRIPTION)
    kind: TicketKind = attrs.field(default=TicketKind.INCIDENT, converter=_kind)
    channel: Channel = attrs.field(default=Channel.API, converter=_channel)
    category: str | None = _label("category")
    priority: str | None = _label("priority")
    impact: int | None = attrs.field(default=None, validator=_level("impact"))
    urgency: int | None = attrs.field(default=None, validator=_level("urgency"))
    queue: str | None = _label("queue")
    assignee: str | None = _label("assignee")
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=_tags)
    fields: Fields = attrs.field(default=Fields(), converter=_fields)
    links: TicketLinks = attrs.field(default=_NO_LINKS, validator=_instance("links", TicketLinks))
    status: str | None = attrs.field(
        default=None, validator=validator(check_optional_name, "status")
    )

    def to_ticket(self, *, id: str, number: int, status: str, at: datetime) -> Ticket:  # noqa: A002
        """Return the version-1 ticket for this submission."""
        return Ticket(
            id=id,
            number=number,
            subject=self.subject,
            requester=self.requester,
            created_at=at,
            updated_at=at,
            status=status,
            kind=self.kind,
            description=self.description,
            channel=self.channel,
            category=self.category,
            priority=self.priority,
            impact=self.impact,
            urgency=self.urgency,
            queue=self.queue,
            assignee=self.assignee,
            tags=self.tags,
            fields=self.fields,
            links=self.links,
        )
