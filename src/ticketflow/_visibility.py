"""What a customer may see: their own tickets, public comments, no internal fields.

Existence does not leak: a customer asking for someone else's ticket is told it does not exist,
exactly as for an id that was never issued.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from ._actors import Actor, Role
from ._events import CommentAdded, TicketEvent
from ._fields import Fields
from ._identity import same_mailbox
from ._ticket import Ticket

__all__ = ["Comment", "TicketView", "requested_by", "view_of"]


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

    id: str
    author: Actor
    body: str
    public: bool
    at: datetime


@attrs.frozen
class TicketView:
    """What one actor may see of a ticket.

    Attributes:
        ticket: The ticket; for a customer, without internal-only fields.
        comments: The comments the actor may read, oldest first.
    """

    ticket: Ticket
    comments: tuple[Comment, ...]


def requested_by(ticket: Ticket, actor: Actor) -> bool:
    """Return whether ``actor``'s id names the mailbox of ``ticket``'s requester."""
    return same_mailbox(ticket.requester.email, actor.id)


def view_of(
    ticket: Ticket, journal: Iterable[TicketEvent], actor: Actor, internal_fields: frozenset[str]
) -> TicketView:
    """Return what ``actor`` may see of ``ticket`` (the caller checked that they may see it)."""
    customer = actor.role is Role.CUSTOMER
    comments = tuple(
        Comment(e.comment_id, e.actor, e.body, e.public, e.at)
        for e in journal
        if type(e) is CommentAdded and (e.public or not customer)
    )
    if customer and internal_fields & ticket.fields.keys():
        visible = {k: v for k, v in ticket.fields.items() if k not in internal_fields}
        ticket = attrs.evolve(ticket, fields=Fields(visible))
    return TicketView(ticket, comments)
