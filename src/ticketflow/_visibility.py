"""What a customer may see: their own tickets, public comments, no internal fields.

Existence does not leak: a customer asking for someone else's ticket is told it does not exist,
exactly as for an id that was never issued.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs

from ._actors import Actor, Role
from ._events import CommentAdded, DecisionExplained, TicketEvent
from ._fields import Fields
from ._identity import same_mailbox
from ._ticket import Ticket
from ._value_methods import value_repr
from ._values import check_bool, check_instant, check_name, check_text, validator
from .exceptions import InvalidValueError

__all__ = ["Comment", "TicketView", "requested_by", "view_of"]


def _instance(field: str, kind: type) -> Any:  # noqa: ANN401 - an attrs validator
    def check(_: object, __: object, value: object) -> None:
        if type(value) is not kind:
            raise InvalidValueError(field, value, f"must be a {kind.__name__}")

    return check


def _comment_at(value: datetime) -> datetime:
    return check_instant("comment.at", value)


@attrs.frozen
class Comment:
    """A comment as read back from the journal.

    Attributes:
        id: The comment's id.
        author: Who wrote it.
        body: What they wrote.
        public: Whether the requester sees it.
        at: When it was written (UTC).
    """

    __repr__ = value_repr

    id: str = attrs.field(validator=validator(check_name, "comment.id"))
    author: Actor = attrs.field(validator=_instance("comment.author", Actor))
    body: str = attrs.field(validator=validator(check_text, "comment.body", empty=False))
    public: bool = attrs.field(validator=validator(check_bool, "comment.public"))
    at: datetime = attrs.field(converter=_comment_at)


def _comments(given: Iterable[Comment]) -> tuple[Comment, ...]:
    value: object = given
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError("comments", value, "must be a collection of Comments")
    comments = tuple(value)
    for comment in comments:
        if type(comment) is not Comment:
            raise InvalidValueError("comments", comment, "must be a Comment")
    return comments


def _explanations(given: Iterable[DecisionExplained]) -> tuple[DecisionExplained, ...]:
    value: object = given
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError("explanations", value, "must be a collection of explanations")
    found = tuple(value)
    for item in found:
        if type(item) is not DecisionExplained:
            raise InvalidValueError("explanations", item, "must be a DecisionExplained")
    return found


@attrs.frozen
class TicketView:
    """What one actor may see of a ticket.

    Attributes:
        ticket: The ticket; for a customer, without internal-only fields.
        comments: The comments the actor may read, oldest first.
        explanations: Why automatic decisions came out as they did, oldest first (staff
            only: a customer's view has none).

    .. versionchanged:: 0.2
       ``explanations``.
    """

    __repr__ = value_repr

    ticket: Ticket = attrs.field(validator=_instance("ticket", Ticket))
    comments: tuple[Comment, ...] = attrs.field(converter=_comments)
    explanations: tuple[DecisionExplained, ...] = attrs.field(default=(), converter=_explanations)


def requested_by(ticket: Ticket, actor: Actor) -> bool:
    """Return whether ``actor``'s id names the mailbox of ``ticket``'s requester."""
    return same_mailbox(ticket.requester.email, actor.id)


def view_of(
    ticket: Ticket, journal: Iterable[TicketEvent], actor: Actor, internal_fields: frozenset[str]
) -> TicketView:
    """Return what ``actor`` may see of ``ticket`` (the caller checked that they may see it)."""
    customer = actor.role is Role.CUSTOMER
    events = tuple(journal)
    comments = tuple(
        Comment(e.comment_id, e.actor, e.body, e.public, e.at)
        for e in events
        if type(e) is CommentAdded and (e.public or not customer)
    )
    explanations = () if customer else tuple(e for e in events if type(e) is DecisionExplained)
    if customer and internal_fields & ticket.fields.keys():
        visible = {k: v for k, v in ticket.fields.items() if k not in internal_fields}
        ticket = attrs.evolve(ticket, fields=Fields(visible))
    return TicketView(ticket, comments, explanations)
