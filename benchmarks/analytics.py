"""How long do the analytics take, from scratch and incrementally?

Run: ``python benchmarks/analytics.py [TICKETS] [--store S] [--keep FILE]`` (default 20,000
tickets; the issue's headline is 100,000 tickets and 1,000,000 events, which take minutes to
*build*).

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

The refreshed report is checked against one built by a fresh ``Analytics``, and the SQLite
store's against the in-memory store's (the same desk).

``--store memory`` or ``--store sqlite`` measures one store only. ``--keep FILE`` keeps the
built SQLite desk in ``FILE`` (a copy taken before the incremental runs write to it) and,
when ``FILE`` exists, measures a copy of it instead of building the desk again: the
from-scratch read can then be measured again in seconds, not minutes. The kept desk must
hold ``TICKETS`` tickets (it is checked); its build time shows as ``kept``.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "analytics"))

from _logistics import generate
from _workload import copy_sqlite, sized

from ticketflow.analytics import Analytics, Report
from ticketflow.storage import InMemoryTicketStore, SQLiteTicketStore

_PARSER = argparse.ArgumentParser(description="Analytics from scratch and incrementally.")
_PARSER.add_argument("tickets", nargs="?", type=int, default=sized(20_000, 50))
_PARSER.add_argument("--keep", type=Path, help="keep the built SQLite desk here, or reuse it")
_PARSER.add_argument("--store", choices=("both", "memory", "sqlite"), default="both")
_ARGUMENTS = _PARSER.parse_args()
TICKETS: int = _ARGUMENTS.tickets
KEEP: Path | None = _ARGUMENTS.keep
STORES: str = _ARGUMENTS.store
CHATTER = 2.6  # internal notes a ticket: 10 events a ticket, the ratio
NEW_TICKETS = sized(100, 5)  # about 1,000 events (10 a ticket)
RUNS = sized(3, 1)  # the median of the incremental timings


def report(analytics: Analytics) -> Report:
    """Compute the full report, as ``python -m ticketflow report --by carrier`` does."""
    return Report.build(analytics, by="carrier")


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def measure(
    store: InMemoryTicketStore | SQLiteTicketStore,
    name: str,
    *,
    kept: bool = False,
    keep: Callable[[], object] | None = None,
) -> tuple[str, Report]:
    """Time the report from scratch and incrementally; return the line and the last report.

    ``kept``: the store already holds the desk; ``keep``: called once the desk is built,
    before the incremental runs write to it.
    """
    build = time.perf_counter()
    if not kept:
        generate(store, TICKETS, chatter=CHATTER)
    build = time.perf_counter() - build
    if keep is not None:
        keep()
    analytics = Analytics(store)
    start = time.perf_counter()
    events = analytics.refresh()
    read = time.perf_counter() - start
    full = read + timed(lambda: report(analytics))
    if analytics.tickets != TICKETS:
        raise SystemExit(f"{name}: the desk holds {analytics.tickets:,} tickets, not {TICKETS:,}")
    refreshes, updates, added = [], [], 0
    for run in range(RUNS):
        first = TICKETS + 1 + run * NEW_TICKETS
        added = generate(store, NEW_TICKETS, seed=run, first=first, chatter=CHATTER)
        refresh = timed(analytics.refresh)
        refreshes.append(refresh)
        updates.append(refresh + timed(lambda: report(analytics)))
    fresh = Analytics(store)
    fresh.refresh()
    last = report(analytics)
    if report(fresh) != last:
        raise SystemExit(f"{name}: the refreshed report differs from a fresh one")
    update, refresh = statistics.median(updates), statistics.median(refreshes)
    built = "kept" if kept else f"{build:.1f} s"
    line = (
        f"{name:<10} {TICKETS:>8,} {events:>10,} {built:>10} {read:>8.2f} s {full:>8.2f} s"
        f" {added:>6,} {refresh * 1000:>8.1f} ms {update * 1000:>8.1f} ms"
        f" {read / refresh:>7.0f}x {full / update:>7.0f}x"
    )
    return line, last


def main() -> None:
    print(f"analytics, {platform.python_implementation()} {platform.python_version()}")
    print(
        f"{'store':<10} {'tickets':>8} {'events':>10} {'build':>10} {'read all':>10}"
        f" {'+ report':>10} {'new ev':>6} {'refresh':>11} {'+ report':>11}"
        f" {'x read':>8} {'x all':>8}"
    )
    measured = []
    if STORES != "sqlite":
        measured.append(measure(InMemoryTicketStore(), "memory"))
    if STORES != "memory":
        measured.append(measure_sqlite())
    if len(measured) == 2 and measured[0][1] != measured[1][1]:
        raise SystemExit("the report read from SQLite differs from the one read from memory")
    print("\n".join(line for line, _ in measured))
    print(
        "x read: read all over refresh; x all: read all + report over refresh + report"
        " (a rebuilt report costs the tickets the refresh touched and the open tickets)"
    )


def measure_sqlite() -> tuple[str, Report]:
    """:func:`measure` on a SQLite desk: built in a temporary folder, or a copy of ``--keep``."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "desk.sqlite3"
        kept = KEEP is not None and KEEP.exists()
        if KEEP is not None and kept:
            shutil.copyfile(KEEP, path)
        keep = None if KEEP is None or kept else lambda: copy_sqlite(path, KEEP)
        with SQLiteTicketStore(path, synchronous="OFF") as store:
            return measure(store, "sqlite", kept=kept, keep=keep)


if __name__ == "__main__":
    main()
