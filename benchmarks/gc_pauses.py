"""What Python's garbage collector costs a large in-memory store.

Run: ``python benchmarks/gc_pauses.py`` (``--tickets N`` to load another number).

An in-memory store under an SLA policy is loaded with ``--tickets`` tickets (20,000 by
default), each submitted and answered twice, the customer's and the agent's turn. Then 20,000
commands on random tickets are timed one by one: a quarter are submits, the rest public
comments. The outbox is drained every 100 commands, as a dispatcher would drain it, and the
drains are not timed. Each case runs in a fresh interpreter:

* the collector as Python sets it;
* ``gc.freeze()`` once the store is loaded (full collections then skip what was there);
* the collector off, for reference only: what the commands cost without it;
* the collector as set, with the outbox never drained (each message holds its payload).

The table shows the median, the mean, the 99th percentile and the slowest command. Full
collections are rare, so they move the mean and the slowest figure, not the median. The
figures are quoted in ``docs/storage.md``.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta

from _scale_commands import AGENT, POLICY, STEP, T0, draft, say
from _workload import sized

from ticketflow import Desk
from ticketflow.storage import InMemoryTicketStore
from ticketflow.testing import FrozenClock

CASES = {
    "default": "as Python sets it",
    "freeze": "gc.freeze() once loaded",
    "off": "off (reference)",
    "undrained": "as set, outbox never drained",
}
COMMANDS = sized(20_000, 50)
DRAIN_EVERY = sized(100, 10)


def drain_outbox(store: InMemoryTicketStore, clock: FrozenClock) -> None:
    """Deliver every message the outbox holds (acknowledge it at once)."""
    while claimed := store.claim_outbox(
        worker="bench", now=clock.now(), lease=timedelta(minutes=5), limit=500
    ):
        for leased in claimed:
            store.ack_outbox(leased)


def run_case(case: str, tickets: int) -> list[float]:
    """Seconds per timed command in this interpreter, under ``case``."""
    clock = FrozenClock(T0)
    store = InMemoryTicketStore()
    desk = Desk(store, clock=clock, sla=POLICY)
    drain = case != "undrained"
    ids: list[str] = []
    for _ in range(tickets):
        ids.append(desk.submit(draft(), actor=AGENT).id)
        for n in (2, 3):
            clock.advance(STEP)
            say(desk, ids[-1], n)
        if drain and len(ids) % DRAIN_EVERY == 0:
            drain_outbox(store, clock)
    gc.collect()
    if case == "freeze":
        gc.freeze()
    elif case == "off":
        gc.disable()
    pick = random.Random(1)
    times: list[float] = []
    for n in range(COMMANDS):
        clock.advance(STEP)
        started = time.perf_counter()
        if n % 4 == 0:
            ids.append(desk.submit(draft(), actor=AGENT).id)
        else:
            say(desk, pick.choice(ids), n)
        times.append(time.perf_counter() - started)
        if drain and n % DRAIN_EVERY == 0:
            drain_outbox(store, clock)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tickets", type=int, default=sized(20_000, 50), help="tickets loaded first"
    )
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.case is not None:  # a child: print its times, one per line, in µs
        times = run_case(options.case, options.tickets)
        sys.stdout.write("\n".join(f"{t * 1e6:.3f}" for t in times) + "\n")
        return
    started = time.perf_counter()
    print(
        f"ticketflow in-memory store and the garbage collector - Python"
        f" {sys.version.split()[0]}, {platform.machine()}; {options.tickets:,} tickets loaded,"
        f" {COMMANDS:,} commands timed"
    )
    print()
    print(f"{'collector':<32} {'median us':>10} {'mean us':>10} {'p99 us':>10} {'slowest ms':>11}")
    for case, label in CASES.items():
        child = subprocess.run(  # noqa: S603 - this very script, with fixed arguments
            [sys.executable, __file__, "--case", case, "--tickets", str(options.tickets)],
            check=True,
            capture_output=True,
            text=True,
        )
        times = sorted(float(line) for line in child.stdout.split())
        print(
            f"{label:<32} {statistics.median(times):>10.1f} {statistics.mean(times):>10.1f}"
            f" {times[int(0.99 * len(times))]:>10.1f} {times[-1] / 1e3:>11.1f}"
        )
    print()
    print(f"total run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
