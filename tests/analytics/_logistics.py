"""A generated logistics desk: tickets over a year, by carrier, with a planted bad carrier.

Eight carriers: ``north`` is planted with twice the others' resolution-breach rate (30 % against
15 %), and ``tiny`` has exactly 3 tickets, 2 of them breached (a high rate on no evidence). The
rest is noise: categories, queues and priorities drawn at random, a share of tickets waiting
on the customer or a vendor, reopened, surveyed, or still open. Used by the tests (a few
thousand tickets) and by ``benchmarks/analytics.py`` (as many as it asks for).

Journals are written straight to the store, one change per ticket (or two, when ``split``
asks for the later part to be committed afterwards), so that building 10,000 tickets takes
seconds, not minutes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from _journals import CUSTOMER, TicketJournal

from ticketflow import TicketStatus
from ticketflow.sla import SlaMetric
from ticketflow.storage import TicketStore

S = TicketStatus
START = datetime(2026, 1, 1, tzinfo=UTC)
CARRIERS = ("north", "acme", "bolt", "cargo", "dash", "eagle", "fleet", "tiny")
PLANTED = "north"
SMALL = "tiny"
BASE_BREACH_RATE = 0.15
PLANTED_BREACH_RATE = 0.30
CATEGORIES = ("delivery/late", "delivery/lost", "damage", "billing")
PRIORITIES = ("P1", "P2", "P3")


def journals(tickets: int, *, seed: int = 13, first: int = 1) -> Iterator[TicketJournal]:
    """Yield ``tickets`` journals numbered from ``first`` (tickets 1 to 3: the small carrier's)."""
    rng = random.Random(seed)
    for number in range(first, first + tickets):
        if number <= 3:
            carrier, breached = SMALL, number <= 2
        else:
            carrier = rng.choice(CARRIERS[:-1])
            rate = PLANTED_BREACH_RATE if carrier == PLANTED else BASE_BREACH_RATE
            breached = rng.random() < rate
        yield _journal(rng, number, carrier, breached=breached)


def _journal(rng: random.Random, number: int, carrier: str, *, breached: bool) -> TicketJournal:
    at = START + timedelta(minutes=rng.randrange(365 * 24 * 60))
    journal = TicketJournal(
        f"L{number}",
        at,
        number=number,
        category=rng.choice(CATEGORIES),
        priority=rng.choice(PRIORITIES),
        queue=rng.choice(("freight", "parcels")),
        fields={"carrier": carrier, "site": rng.choice(("ham", "ber", "muc"))},
    )
    step = timedelta(minutes=rng.randrange(5, 600))
    at += step
    journal.walk(at, S.TRIAGED, S.IN_PROGRESS)
    at += step
    journal.comment(at)
    if rng.random() < 0.3:
        at += step
        journal.move(S.PENDING_CUSTOMER, at)
        at += 3 * step
        journal.comment(at, actor=CUSTOMER).move(S.IN_PROGRESS, at)
    if breached:
        at += step
        journal.breach(at, SlaMetric.RESOLUTION)
    if rng.random() < 0.1:
        return journal
    at += step
    journal.move(S.RESOLVED, at)
    if rng.random() < 0.08:
        at += step
        journal.move(S.IN_PROGRESS, at, reopen=True).comment(at + step)
        at += 2 * step
        journal.move(S.RESOLVED, at)
    at += step
    journal.move(S.CLOSED, at)
    if rng.random() < 0.4:
        journal.csat(at + step, rng.choice((1, 2, 3, 4, 4, 5, 5, 5)))
    return journal


def generate(store: TicketStore, tickets: int, *, seed: int = 13, first: int = 1) -> int:
    """Write ``tickets`` generated journals to ``store``; return the number of events."""
    events = 0
    for journal in journals(tickets, seed=seed, first=first):
        journal.commit(store)
        events += len(journal.events)
    return events
