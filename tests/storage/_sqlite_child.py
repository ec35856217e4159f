"""Child processes for the SQLite multi-process tests: ``python _sqlite_child.py MODE ...``.

``hammer PATH WORKER UPDATES TICKET_ID...``
    Prints ``ready``, waits for a line on stdin, then comments ``UPDATES`` times on the given
    tickets through ``Desk.retrying`` (synchronous NORMAL). Each comment body is the unique
    ``w<WORKER>-<seq>``. Prints one JSON line: ``{"worker", "accepted", "conflicts"}``.

``hot PATH WORKER COMMANDS TICKET_ID``
    Prints ``ready``, waits for a line on stdin, then runs ``COMMANDS`` comments on the one
    ticket, the customer's and the agent's in turn, on a desk with an SLA policy, each through
    ``Desk.retrying`` with its default attempts and waits. Prints one JSON line:
    ``{"worker", "done", "gave_up", "conflicts", "most_retries"}`` (``gave_up``: commands still
    conflicting after the last attempt; ``most_retries``: the most one command needed).

``claim PATH WORKER``
    Prints ``ready``, waits for a line on stdin, then claims outbox messages five at a time
    (as of 2026-03-02 10:00 UTC, with an hour's lease) until none is left. Prints the JSON list
    of the ids it claimed.

``open PATH TIMES``
    Prints ``ready``, waits for a line on stdin, then ``TIMES`` times opens the store,
    allocates a ticket number and closes it. Prints the JSON list of the numbers.

``churn PATH SEED``
    Opens the store (synchronous FULL), prints ``started`` and then writes through ``Desk``
    until it is killed: creates tickets and moves, comments, assigns and edits them.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ticketflow import Actor, Desk, NewTicket, Requester, Resolution, Ticket
from ticketflow import TicketStatus as S
from ticketflow.exceptions import ConflictError
from ticketflow.sla import BusinessCalendar, SlaPolicy, SlaTargets
from ticketflow.storage import SQLiteTicketStore

AGENT = Actor.agent("worker")


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class _Backoff:
    """Counts the conflicts ``Desk.retrying`` waits after, and keeps each wait short."""

    def __init__(self) -> None:
        self.conflicts = 0

    def __call__(self, seconds: float) -> None:
        self.conflicts += 1
        # Desk's backoff doubles without bound; under deliberate contention keep waits short.
        time.sleep(min(seconds, 0.01))


def hammer(path: str, worker: int, updates: int, ticket_ids: list[str]) -> None:
    rng = random.Random(worker)
    with SQLiteTicketStore(path, synchronous="NORMAL") as store:
        desk = Desk(store)
        _say("ready")
        sys.stdin.readline()
        accepted = 0
        backoff = _Backoff()
        for seq in range(updates):
            ticket_id = rng.choice(ticket_ids)
            body = f"w{worker}-{seq}"
            desk.retrying(
                _comment(desk, ticket_id, body),
                attempts=10_000,
                backoff=0.0005,
                sleep=backoff,
            )
            accepted += 1
    _say(json.dumps({"worker": worker, "accepted": accepted, "conflicts": backoff.conflicts}))


def _comment(desk: Desk, ticket_id: str, body: str, actor: Actor = AGENT) -> Callable[[], Ticket]:
    return lambda: desk.comment(ticket_id, body, actor=actor)


class _Counted:
    """Waits as ``Desk.retrying`` asks (really), counting the conflicts."""

    def __init__(self) -> None:
        self.conflicts = 0

    def __call__(self, seconds: float) -> None:
        self.conflicts += 1
        time.sleep(seconds)


HOT_POLICY = SlaPolicy.by_priority(
    {
        "P2": SlaTargets(
            first_response=timedelta(hours=4),
            next_response=timedelta(hours=8),
            resolution=timedelta(days=5),
        )
    },
    calendar=BusinessCalendar.weekly(tz="Europe/Berlin", hours={"mon-fri": ["09:00-17:00"]}),
)
HOT_CUSTOMER = Actor.customer("c@example.com")


def hot(path: str, worker: int, commands: int, ticket_id: str) -> None:
    done = gave_up = 0
    counted = _Counted()
    with SQLiteTicketStore(path, synchronous="NORMAL") as store:
        desk = Desk(store, sla=HOT_POLICY)
        _say("ready")
        sys.stdin.readline()
        worst = 0
        for seq in range(commands):
            actor = HOT_CUSTOMER if seq % 2 else AGENT
            before = counted.conflicts
            try:
                desk.retrying(_comment(desk, ticket_id, f"w{worker}-{seq}", actor), sleep=counted)
            except ConflictError:
                gave_up += 1
            else:
                done += 1
            worst = max(worst, counted.conflicts - before)
    report = {
        "worker": worker,
        "done": done,
        "gave_up": gave_up,
        "conflicts": counted.conflicts,
        "most_retries": worst,
    }
    _say(json.dumps(report))


def claim(path: str, worker: int) -> None:
    now = datetime(2026, 3, 2, 10, tzinfo=UTC)
    claimed: list[str] = []
    with SQLiteTicketStore(path) as store:
        _say("ready")
        sys.stdin.readline()
        while batch := store.claim_outbox(
            worker=f"w{worker}", now=now, lease=timedelta(hours=1), limit=5
        ):
            claimed += [leased.message.id for leased in batch]
            time.sleep(0.001)  # deliver, so that every worker is claiming all along
    _say(json.dumps(claimed))


def reopen(path: str, times: int) -> None:
    _say("ready")
    sys.stdin.readline()
    numbers = []
    for _ in range(times):
        with SQLiteTicketStore(path, synchronous="NORMAL") as store:
            numbers.append(store.allocate_number())
    _say(json.dumps(numbers))


def churn(path: str, seed: int) -> None:
    rng = random.Random(seed)
    store = SQLiteTicketStore(path, synchronous="FULL")
    desk = Desk(store)
    customer = Actor.customer("c@example.com")
    _say("started")
    round_ = 0
    while True:
        round_ += 1
        ticket = desk.submit(
            NewTicket(
                subject=f"seed {seed} round {round_}",
                requester=Requester("c@example.com"),
                description="x" * rng.randrange(0, 3000),
                fields={"seed": seed, "round": round_},
            ),
            actor=customer,
        )
        desk.transition(ticket.id, S.TRIAGED, actor=AGENT)
        desk.assign(ticket.id, actor=AGENT, queue="l1", assignee="ann")
        desk.comment(ticket.id, "on it " * rng.randrange(1, 200), actor=AGENT)
        desk.set_fields(ticket.id, {"weight": rng.random(), "round": None}, actor=AGENT)
        desk.transition(ticket.id, S.IN_PROGRESS, actor=AGENT)
        desk.resolve(ticket.id, Resolution(code="fixed", summary="Fixed."), actor=AGENT)


def main(argv: list[str]) -> None:
    mode, path, *rest = argv
    if mode == "hammer":
        worker, updates, *ticket_ids = rest
        hammer(path, int(worker), int(updates), ticket_ids)
    elif mode == "hot":
        worker, commands, ticket_id = rest
        hot(path, int(worker), int(commands), ticket_id)
    elif mode == "claim":
        claim(path, int(rest[0]))
    elif mode == "open":
        reopen(path, int(rest[0]))
    elif mode == "churn":
        churn(path, int(rest[0]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
