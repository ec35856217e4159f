"""How long do the analytics take, from scratch and incrementally?

Run: ``python benchmarks/analytics.py [TICKETS]`` (default 20,000; the issue's headline is
100,000 tickets and 1,000,000 events, which takes a few minutes to *build*).

Builds the generated logistics desk (``tests/analytics/_logistics.py``: tickets over a year,
8 carriers, 10 events each on average: the desk's 7.4 and 2.6 internal notes, its
``chatter``) in an in-memory store and in a SQLite store, then prints,
per store:

- **from scratch**: a new ``Analytics`` reading the whole feed (``refresh``), and the full
  report on top (``Report.build`` by carrier: the headline, the drivers, the time in each
  status, the backlog at the end of each week and the SLA attainment by week);
- **incremental**: about 1,000 new events committed (new tickets), then ``refresh`` of the same
  ``Analytics`` and ``Report.build`` again (the issue's target: under 0.5 s at 100,000
  tickets);
- the ratio of the two. A refresh reads only the new events; the report's figures are tallies
  kept ticket by ticket, so rebuilding it costs the tickets the refresh changed and the open
  tickets (whose age and current stay are measured at the latest event), not every ticket.

The refreshed report is checked against one built by a fresh ``Analytics``.
"""

from __future__ import annotations

import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "analytics"))

from _logistics import generate

from ticketflow.analytics import Analytics, Report
from ticketflow.storage import InMemoryTicketStore, SQLiteTicketStore

TICKETS = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
CHATTER = 2.6  # internal notes a ticket: 10 events a ticket, the ratio
NEW_TICKETS = 100  # about 1,000 events (10 a ticket)
RUNS = 3  # the median of the incremental timings


def report(analytics: Analytics) -> Report:
    """Compute the full report, as ``python -m ticketflow report --by carrier`` does."""
    return Report.build(analytics, by="carrier")


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def measure(store: InMemoryTicketStore | SQLiteTicketStore, name: str) -> list[str]:
    build = time.perf_counter()
    events = generate(store, TICKETS, chatter=CHATTER)
    build = time.perf_counter() - build
    analytics = Analytics(store)
    read = timed(analytics.refresh)
    full = read + timed(lambda: report(analytics))
    refreshes, updates, added = [], [], 0
    for run in range(RUNS):
        first = TICKETS + 1 + run * NEW_TICKETS
        added = generate(store, NEW_TICKETS, seed=run, first=first, chatter=CHATTER)
        refresh = timed(analytics.refresh)
        refreshes.append(refresh)
        updates.append(refresh + timed(lambda: report(analytics)))
    fresh = Analytics(store)
    fresh.refresh()
    if report(fresh) != report(analytics):
        raise SystemExit(f"{name}: the refreshed report differs from a fresh one")
    update, refresh = statistics.median(updates), statistics.median(refreshes)
    line = (
        f"{name:<10} {TICKETS:>8,} {events:>10,} {build:>8.1f} s {read:>8.2f} s {full:>8.2f} s"
        f" {added:>6,} {refresh * 1000:>8.1f} ms {update * 1000:>8.1f} ms"
        f" {read / refresh:>7.0f}x {full / update:>7.0f}x"
    )
    return [line]


def main() -> None:
    print(f"analytics, {platform.python_implementation()} {platform.python_version()}")
    print(
        f"{'store':<10} {'tickets':>8} {'events':>10} {'build':>10} {'read all':>10}"
        f" {'+ report':>10} {'new ev':>6} {'refresh':>11} {'+ report':>11}"
        f" {'x read':>8} {'x all':>8}"
    )
    lines = measure(InMemoryTicketStore(), "memory")
    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteTicketStore(Path(folder) / "desk.sqlite3", synchronous="OFF")
        with store:
            lines += measure(store, "sqlite")
    print("\n".join(lines))
    print(
        "x read: read all over refresh; x all: read all + report over refresh + report"
        " (a rebuilt report costs the tickets the refresh touched and the open tickets)"
    )


if __name__ == "__main__":
    main()
