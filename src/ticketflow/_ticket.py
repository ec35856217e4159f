"""The ticket: an immutable snapshot of one unit of operational work."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

import attrs

from ._clock import require_aware
from ._fields import Fields, FieldValue
from ._status import TicketStatus, as_status
from .exceptions import InvalidValueError

__all__ = [
    "Channel",
    "NewTicket",
    "Requester",
    "Ticket",
    "TicketKind",
    "TicketLinks",
    "to_utc",
]

MAX_SUBJECT_LENGTH: Final = 998  # RFC 5322's line limit: a subject must survive a round trip


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
    """
    if value.tzinfo is UTC:
        return value
    return require_aware(value, field).astimezone(UTC)


def _utc(value: object, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidValueError(field, value, "must be a datetime")
    return to_utc(value, field)


def _created_at(value: datetime) -> datetime:
    return _utc(value, "created_at")


def _updated_at(value: datetime) -> datetime:
    return _utc(value, "updated_at")


def _fields(value: Mapping[str, FieldValue] | None) -> Fields:
    return Fields.coerce(value)


def _text(field: str, *, empty: bool = True, single_line: bool = False) -> Any:  # noqa: ANN401
    def check(_: object, __: object, value: object) -> None:
        if not isinstance(value, str):
            raise InvalidValueError(field, value, "must be a string")
        if not empty and not value.strip():
            raise InvalidValueError(field, value, "must not be empty")
        if single_line and ("\r" in value or "\n" in value):
            raise InvalidValueError(field, value, "must be a single line (no CR or LF)")

    return check


def _optional_text(field: str) -> Any:  # noqa: ANN401
    def check(_: object, __: object, value: object) -> None:
        if value is not None and (not isinstance(value, str) or not value):
            raise InvalidValueError(field, value, "must be a non-empty string or None")

    return check


def _level(field: str) -> Any:  # noqa: ANN401
    def check(_: object, __: object, value: object) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:  # noqa: PLR2004
            raise InvalidValueError(field, value, "must be an integer from 1 to 5")

    return check


def _at_least(field: str, minimum: int) -> Any:  # noqa: ANN401
    def check(_: object, __: object, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise InvalidValueError(field, value, f"must be an integer >= {minimum}")

    return check


def _tags(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        raise InvalidValueError("tags", value, "must be a collection of strings, not a string")
    tags = frozenset(value)
    members: frozenset[object] = tags
    for tag in members:
        if not isinstance(tag, str) or not tag or any(c.isspace() for c in tag):
            raise InvalidValueError("tags", tag, "a tag is a non-empty string without spaces")
    return tags


@attrs.frozen
class Requester:
    """The person the work is for.

    Attributes:
        email: Their address (the identity used for threading and notifications).
        name: A display name, if known.
        external: ``True`` for external-facing work (a customer): such tickets are not closed
            without the customer's confirmation.
    """

    email: str = attrs.field(validator=_text("requester.email", empty=False, single_line=True))
    name: str | None = attrs.field(default=None, validator=_optional_text("requester.name"))
    external: bool = True


@attrs.frozen
class TicketLinks:
    """Links to other tickets, by id."""

    duplicate_of: str | None = attrs.field(
        default=None, validator=_optional_text("links.duplicate_of")
    )
    problem: str | None = attrs.field(default=None, validator=_optional_text("links.problem"))
    follow_up_of: str | None = attrs.field(
        default=None, validator=_optional_text("links.follow_up_of")
    )


_NO_LINKS: Final = TicketLinks()


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

    id: str = attrs.field(validator=_text("id", empty=False, single_line=True))
    number: int = attrs.field(validator=_at_least("number", 1))
    subject: str = attrs.field(validator=_text("subject", empty=False, single_line=True))
    requester: Requester = attrs.field(validator=attrs.validators.instance_of(Requester))
    created_at: datetime = attrs.field(converter=_created_at)
    updated_at: datetime = attrs.field(converter=_updated_at)
    status: str = attrs.field(default=TicketStatus.NEW, converter=as_status)
    kind: TicketKind = attrs.field(default=TicketKind.INCIDENT, converter=TicketKind)
    description: str = attrs.field(default="", validator=_text("description"))
    channel: Channel = attrs.field(default=Channel.API, converter=Channel)
    category: str | None = attrs.field(default=None, validator=_optional_text("category"))
    priority: str | None = attrs.field(default=None, validator=_optional_text("priority"))
    impact: int | None = attrs.field(default=None, validator=_level("impact"))
    urgency: int | None = attrs.field(default=None, validator=_level("urgency"))
    queue: str | None = attrs.field(default=None, validator=_optional_text("queue"))
    assignee: str | None = attrs.field(default=None, validator=_optional_text("assignee"))
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=_tags)
    fields: Fields = attrs.field(default=Fields(), converter=_fields)
    links: TicketLinks = attrs.field(
        default=_NO_LINKS, validator=attrs.validators.instance_of(TicketLinks)
    )
    reopen_count: int = attrs.field(default=0, validator=_at_least("reopen_count", 0))
    resolution: str | None = attrs.field(default=None, validator=_optional_text("resolution"))
    version: int = attrs.field(default=1, validator=_at_least("version", 1))

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

    subject: str = attrs.field(validator=_text("subject", empty=False, single_line=True))
    requester: Requester = attrs.field(validator=attrs.validators.instance_of(Requester))
    description: str = attrs.field(default="", validator=_text("description"))
    kind: TicketKind = attrs.field(default=TicketKind.INCIDENT, converter=TicketKind)
    channel: Channel = attrs.field(default=Channel.API, converter=Channel)
    category: str | None = attrs.field(default=None, validator=_optional_text("category"))
    priority: str | None = attrs.field(default=None, validator=_optional_text("priority"))
    impact: int | None = attrs.field(default=None, validator=_level("impact"))
    urgency: int | None = attrs.field(default=None, validator=_level("urgency"))
    queue: str | None = attrs.field(default=None, validator=_optional_text("queue"))
    assignee: str | None = attrs.field(default=None, validator=_optional_text("assignee"))
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=_tags)
    fields: Fields = attrs.field(default=Fields(), converter=_fields)
    links: TicketLinks = attrs.field(
        default=_NO_LINKS, validator=attrs.validators.instance_of(TicketLinks)
    )
    status: str | None = attrs.field(default=None, validator=_optional_text("status"))

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
