"""How the in-memory store's reads grow with its size.  Run: python benchmarks/_scale_memory.py.

At 1,000, 10,000 and 100,000 tickets (each with a due time and one deliverable outbox message)
it times the median of:

* ``due(limit=100)`` with half the tickets due;
* ``claim_outbox(limit=10)`` with every message deliverable, each claim released again at once
  (untimed) so that every claim sees the same store;
* ``claim_due(limit=10)`` with half the tickets due, each claim past those already leased;
* a query on a field value that ~10 tickets hold, one on a value that no ticket holds (the
  same digits as a string: field filters compare types), and one that adds a criterion every
  ticket meets (the queue), so the store must intersect;
* a Desk ``comment`` whose commit moves the ticket's due time to a scattered place in the due
  order, as every command under an SLA policy does (the due work is a stand-in that answers
  at once, so that the figure is the store's, not the policy's).

A store that scales answers each at 100,000 tickets within a small factor of its time at 1,000;
the table shows that factor beside each figure. The three stores are built first and then
measured in turn, size after size, for :data:`ROUNDS` rounds: a figure is the median of its
rounds, and a ratio the median of the ratios each round measured, so a machine that slows
down for a while moves one round's figures, not the ratio (run one size after the other, the
1,000-ticket baseline moved by 2x between runs on a noisy machine, and every ratio with it).
"""

from __future__ import annotations

import gc
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from _workload import sized

from ticketflow import (
    DEFAULT_WORKFLOW,
    Actor,
    Desk,
    Draft,
    NewTicket,
    Requester,
    Ticket,
    TicketEvent,
)
from ticketflow.storage import (
    Change,
    DueEntry,
    InMemoryTicketStore,
    LeasedMessage,
    OutboxMessage,
    Page,
    TicketQuery,
)

SIZES = sized((1_000, 10_000, 100_000), (200, 300, 400))
REPEATS = sized(21, 2)
ROUNDS = sized(7, 2)
MATCHES = 10  # tickets sharing one value of the "batch" field
AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
CUSTOMER = Actor.customer("customer@example.com")
AGENT = Actor.agent("bob")
REQUESTER = Requester("customer@example.com")
LEASE = timedelta(minutes=5)
T = TypeVar("T")


def build(size: int) -> InMemoryTicketStore:
    """A store of ``size`` new tickets, committed directly: due times and messages shuffled.

    Smaller than the typical ticket of the other benchmarks (which only makes building slower):
    what is measured here is how reads grow with the count.
    """
    store = InMemoryTicketStore()
    batches = size // MATCHES
    for n in range(1, size + 1):
        draft = NewTicket(
            subject=f"Parcel {n} arrived damaged",
            requester=REQUESTER,
            queue="logistics",
            fields={"carrier": "ACME Freight", "batch": n % batches},
        )
        # A stride coprime to the size scatters due times and creation times over the numbers.
        spread = (n * 7_919) % size
        ticket, created = DEFAULT_WORKFLOW.create(
            draft, id=f"T{n:08d}", number=n, actor=CUSTOMER, at=AT
        )
        message = OutboxMessage(
            id=f"m{n:08d}",
            topic="ticket.created",
            payload={"n": n},
            ticket_id=ticket.id,
            created_at=AT + timedelta(milliseconds=spread),
        )
        store.commit(
            Change(
                ticket=ticket,
                events=(created,),
                expected_version=0,
                outbox=(message,),
                due_at=AT + timedelta(seconds=spread),
            )
        )
    return store


class ScatteredDue:
    """Due work whose next due time falls anywhere in the store's due order, as SLA clocks do.

    It answers from the ticket alone (a pure function of its number and version), so a command's
    time is the Desk's and the store's.
    """

    name = "scattered"
    actor = Actor.system("bench")

    def __init__(self, size: int) -> None:
        self.size = size

    def next_due(self, ticket: Ticket, history: Sequence[TicketEvent]) -> datetime | None:
        del history
        return AT + timedelta(
            seconds=(ticket.number * 7_919 + ticket.version * 104_729) % self.size
        )

    def run(self, draft: Draft, now: datetime) -> Sequence[str]:
        del draft, now
        return ()


def median_ms(call: Callable[[], T], *, after: Callable[[T], object] | None = None) -> float:
    """Median ms of ``call()`` over ``REPEATS`` timings; ``after`` undoes each, untimed."""
    warm = call()  # the first call may build what later ones reuse
    if after is not None:
        after(warm)
    times: list[float] = []
    gc.collect()
    for _ in range(REPEATS):
        start = time.perf_counter()
        answer = call()
        times.append(time.perf_counter() - start)
        if after is not None:
            after(answer)
    return statistics.median(times) * 1e3


def measure(store: InMemoryTicketStore, size: int, round_: int = 0) -> list[tuple[str, float]]:
    """The median milliseconds of each operation on ``store``, in round ``round_`` (from 0).

    Each round claims due tickets past a cutoff a lease and a second later than the last
    round's, so the claims of the rounds before have lapsed and a round claims as the first.
    """
    now = AT + timedelta(days=1)
    cutoff = AT + timedelta(seconds=size // 2)
    claim_cutoff = cutoff + round_ * (LEASE + timedelta(seconds=1))
    some = 7 % (size // MATCHES)

    def claim() -> Sequence[LeasedMessage]:
        return store.claim_outbox(worker="bench", now=now, lease=LEASE, limit=10)

    def release(claimed: Sequence[LeasedMessage]) -> None:
        expect(len(claimed) == 10, "a claim of 10 from a full outbox")
        for leased in claimed:
            expect(store.retry_outbox(leased, not_before=now), "a release of a held lease")

    def claim_due() -> Sequence[DueEntry]:
        # 42 claims of 10 (the first untimed) take 420 of the size / 2 due tickets: each
        # claim finds 10 free ones after those already leased.
        claimed = store.claim_due(claim_cutoff, worker="bench", lease=LEASE, limit=10)
        expect(len(claimed) == 10, "a claim of 10 due tickets")
        return claimed

    desk = Desk(store, due=[ScatteredDue(size)])
    targets: Iterator[int] = iter(range(1 + round_, size + 1, max(size // (REPEATS + 1), 1)))

    def comment() -> Ticket:
        return desk.comment(f"T{next(targets):08d}", "Checked with the carrier.", actor=AGENT)

    def query(query: TicketQuery, expected: int) -> Callable[[], Page]:
        def run() -> Page:
            page = store.query(query)
            expect(len(page.tickets) == expected, f"{expected} tickets for {query!r}")
            return page

        return run

    expect(len(store.due(cutoff, limit=100)) == 100, "100 due tickets")
    return [
        ("due(limit=100)", median_ms(lambda: store.due(cutoff, limit=100))),
        ("claim_outbox(10)", median_ms(claim, after=release)),
        ("claim_due(10)", median_ms(claim_due)),
        ("comment moving a due time", median_ms(comment)),
        ("query field (~10 match)", median_ms(query(TicketQuery(fields={"batch": some}), 10))),
        ("query field (none match)", median_ms(query(TicketQuery(fields={"batch": str(some)}), 0))),
        (
            "query queue + field",
            median_ms(query(TicketQuery(queue="logistics", fields={"batch": some}), 10)),
        ),
    ]


def expect(holds: bool, what: str) -> None:
    """Stop the benchmark if it does not measure what it says it does."""
    if not holds:
        raise RuntimeError(f"expected {what}")


def rows() -> list[tuple[str, int, float, float]]:
    """Return (operation, size, median ms, ratio to the smallest size) for every operation.

    The median ms is over the rounds; the ratio is the median of the rounds' own ratios.
    """
    stores = [(size, build(size)) for size in SIZES]
    # The loaded stores are left out of the collector's scans, as docs/storage.md advises for a
    # large in-memory store: otherwise every size is timed with the full collections of all
    # three stores (gc_pauses.py measures those pauses on their own).
    gc.collect()
    gc.freeze()
    timings: dict[tuple[str, int], list[float]] = {}
    try:
        for round_ in range(ROUNDS):
            for size, store in stores:
                for operation, ms in measure(store, size, round_):
                    timings.setdefault((operation, size), []).append(ms)
    finally:
        gc.unfreeze()  # the parts of scale.py that follow collect as usual
    found = []
    for (operation, size), times in timings.items():
        base = timings[operation, SIZES[0]]
        ratio = statistics.median(t / b for t, b in zip(times, base, strict=True))
        found.append((operation, size, statistics.median(times), ratio))
    return sorted(found, key=lambda row: row[:2])


def main() -> list[tuple[str, int, float, float]]:
    """Print the table; return its rows (``scale.py`` checks them against issue 9's targets)."""
    started = time.perf_counter()
    print(
        f"ticketflow in-memory store at scale - Python {sys.version.split()[0]},"
        f" {platform.machine()}; {ROUNDS} rounds of the sizes in turn, each the median of"
        f" {REPEATS} calls; a figure is the median round, x 1,000 the median of the rounds'"
        " ratios"
    )
    print()
    print(f"{'operation':<26} {'tickets':>9} {'median ms':>10} {'x 1,000':>8}")
    table = rows()
    for operation, size, ms, ratio in table:
        print(f"{operation:<26} {size:>9,} {ms:>10.3f} {ratio:>8.1f}")
    print()
    print(f"total run time {time.perf_counter() - started:.0f} s")
    return table


if __name__ == "__main__":
    main()
