"""A generated logistics desk: tickets over a year, by carrier, with a planted bad carrier.

Eight carriers: ``north`` is planted with twice the others' resolution-breach rate (30 % against
15 %), and ``tiny`` has exactly 3 tickets, 2 of them breached (a high rate on no evidence).
With ``recurring``, the last tickets are north's recurring cause: ``delivery/lost`` incidents
of north in the year's last 14 days, whose descriptions tell one story (near duplicates) and
whose breach rate is north's. The rest is noise: categories, queues, priorities, sites and the
words of each description drawn at random, a share of tickets waiting on the customer,
reopened, surveyed, or still open. Used by the tests (a few thousand tickets; the issue's
10,000 in ``test_logistics_desk.py``) and by ``benchmarks/analytics.py`` (as many as it asks
for).

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
END = START + timedelta(days=365)
RECURRING_CATEGORY = "delivery/lost"
RECURRING_STORY = (
    "The parcel left the Hamburg depot without an exit scan at gate four and the customer"
    " says it never arrived at the address"
)
CARRIERS = ("north", "acme", "bolt", "cargo", "dash", "eagle", "fleet", "tiny")
PLANTED = "north"
SMALL = "tiny"
BASE_BREACH_RATE = 0.15
PLANTED_BREACH_RATE = 0.30
CATEGORIES = ("delivery/late", "delivery/lost", "damage", "billing")
PRIORITIES = ("P1", "P2", "P3")


_WORDS = tuple(
    f"{a}{b}"
    for a in ("box", "van", "hub", "dock", "road", "scan", "crate", "label", "route", "bay")
    for b in ("", "s", "ed", "er", "ing", "ly", "al", "ish", "ward", "side")
)


def journals(
    tickets: int, *, seed: int = 13, first: int = 1, recurring: int = 0, chatter: float = 0.0
) -> Iterator[TicketJournal]:
    """Yield ``tickets`` journals numbered from ``first`` (tickets 1 to 3: the small carrier's).

    The last ``recurring`` of them are north's recurring cause (see the module). ``chatter``
    adds that many internal notes a ticket on average (the benchmark's million events at
    100,000 tickets); they change no figure, and the default adds none.
    """
    rng = random.Random(seed)
    words = random.Random(seed + 1)  # the texts: a stream of their own
    planted = random.Random(seed + 2)  # the recurring cause's tickets
    notes = random.Random(seed + 3)  # the chatter: a stream of its own, the rest unchanged
    whole, part = divmod(chatter, 1)
    last = first + tickets
    for number in range(first, last):
        if number >= last - recurring:
            breached = planted.random() < PLANTED_BREACH_RATE
            at = END - timedelta(minutes=planted.randrange(1, 14 * 24 * 60))
            journal = _journal(
                planted, number, PLANTED, breached=breached, at=at, story=RECURRING_STORY
            )
            yield _chatter(journal, int(whole) + (notes.random() < part))
            continue
        if number <= 3:
            carrier, breached = SMALL, number <= 2
        else:
            carrier = rng.choice(CARRIERS[:-1])
            rate = PLANTED_BREACH_RATE if carrier == PLANTED else BASE_BREACH_RATE
            breached = rng.random() < rate
        story = " ".join(words.choices(_WORDS, k=12))
        journal = _journal(rng, number, carrier, breached=breached, story=story)
        yield _chatter(journal, int(whole) + (notes.random() < part))


def _chatter(journal: TicketJournal, notes: int) -> TicketJournal:
    """Add ``notes`` internal notes at the ticket's last instant (no figure changes)."""
    if notes:
        at = journal.events[-1].at
        for _ in range(notes):
            journal.comment(at, public=False)
    return journal


def _journal(
    rng: random.Random,
    number: int,
    carrier: str,
    *,
    breached: bool,
    story: str,
    at: datetime | None = None,
) -> TicketJournal:
    recurring = at is not None
    if at is None:
        at = START + timedelta(minutes=rng.randrange(365 * 24 * 60))
    journal = TicketJournal(
        f"L{number}",
        at,
        number=number,
        subject=f"Parcel {number}",
        description=story,
        category=RECURRING_CATEGORY if recurring else rng.choice(CATEGORIES),
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


def generate(
    store: TicketStore,
    tickets: int,
    *,
    seed: int = 13,
    first: int = 1,
    recurring: int = 0,
    chatter: float = 0.0,
) -> int:
    """Write ``tickets`` generated journals to ``store``; return the number of events."""
    events = 0
    for journal in journals(tickets, seed=seed, first=first, recurring=recurring, chatter=chatter):
        journal.commit(store)
        events += len(journal.events)
    return events
