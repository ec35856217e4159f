"""The command line: ``python -m ticketflow demo``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from . import (
    DEFAULT_WORKFLOW,
    Actor,
    NewTicket,
    Requester,
    TicketEvent,
    TicketStatus,
    replay,
    to_json,
    transition,
)
from .exceptions import InvalidTransitionError

S = TicketStatus


def _describe(event: TicketEvent) -> str:
    kind = type(event).type
    detail = ""
    if kind == "transitioned":
        detail = f"{event.source} -> {event.target}"  # type: ignore[union-attr]
    elif kind == "created":
        detail = f"{event.ticket.subject!r} in {event.ticket.status}"  # type: ignore[union-attr]
    return (
        f"  v{event.version:<2} {event.at:%Y-%m-%d %H:%M} {kind:<13} {event.actor!s:<24} {detail}"
    )


def demo(write: Callable[[str], object] = print) -> int:
    """Walk a few tickets through the lifecycle and print their journals."""
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    alice = Actor.customer("alice@example.com")
    bob = Actor.agent("bob")
    scenarios = {
        "straight to closed": [S.TRIAGED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED],
        "waits on the customer": [S.TRIAGED, S.IN_PROGRESS, S.PENDING_CUSTOMER, S.IN_PROGRESS],
        "reopened once": [S.TRIAGED, S.IN_PROGRESS, S.RESOLVED, S.IN_PROGRESS, S.RESOLVED],
    }
    for number, (title, path) in enumerate(scenarios.items(), start=1):
        at = start + timedelta(hours=number)
        ticket, created = DEFAULT_WORKFLOW.create(
            NewTicket(
                subject=f"Parcel {40 + number} late",
                requester=Requester("alice@example.com"),
                fields={"carrier": "ACME Freight"},
            ),
            id=f"T-{number}",
            number=number,
            actor=alice,
            at=at,
        )
        journal: list[TicketEvent] = [created]
        for status in path:
            at += timedelta(minutes=30)
            ticket, moved = transition(ticket, status, actor=bob, at=at)
            journal.append(moved)
        write(f"#{number} {title}: {ticket.status}, version {ticket.version}")
        for event in journal:
            write(_describe(event))
        if replay(journal) != ticket:  # pragma: no cover - would be a bug in the reducer
            raise RuntimeError("the journal does not replay to the ticket")
    try:
        transition(ticket, S.NEW, actor=bob, at=start)
    except InvalidTransitionError as error:
        write(f"refused: {error} (code {error.code})")
    write("last event as JSON: " + to_json(journal[-1]))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(prog="ticketflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="walk tickets through the lifecycle and print journals")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo()
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
