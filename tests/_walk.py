"""Walking a ticket along the default lifecycle in tests, by the resolution rules.

Into ``resolved`` a ticket goes with a resolution that passes the default definition of done;
into ``closed`` external work goes on its requester's confirmation, internal work by ``close``.
"""

from __future__ import annotations

from ticketflow import Actor, Desk, Resolution, Ticket, TicketStatus

DONE = Resolution(code="fixed", summary="Done.")


def walk(desk: Desk, ticket_id: str, *statuses: str, actor: Actor) -> Ticket:
    """Take each status in turn; return the ticket after the last."""
    ticket = desk.get(ticket_id)
    for status in statuses:
        if status == TicketStatus.RESOLVED:
            ticket = desk.resolve(ticket_id, DONE, actor=actor)
        elif status == TicketStatus.CLOSED and ticket.requester.external:
            customer = Actor.customer(ticket.requester.email)
            ticket = desk.confirm_resolution(ticket_id, actor=customer)
        elif status == TicketStatus.CLOSED:
            ticket = desk.close(ticket_id, actor=actor)
        else:
            ticket = desk.transition(ticket_id, status, actor=actor)
    return ticket
