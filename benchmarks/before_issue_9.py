"""Issue 9's targets in microseconds, read on this machine: the code of today against the code
the issue measured, in one run.

Run: ``python benchmarks/before_issue_9.py`` (or ``nox -s bench``); it needs the repository's
history (``git``), and prints that it skipped otherwise.

Issue 9 states two targets in absolute microseconds, fractions of what it measured on its own
machine before the work began:

* journal read-back at most 3 µs per event, of the 9 µs it measured: a third;
* the SLA policy's extra cost on a fresh ticket at most 15 µs, of the 50 µs it measured: 0.3x.

Absolute figures move with the machine (on the 2-core shared machines of this project, by 2x
within a day), so this script takes the revision before that work (:data:`BEFORE`) out of git
and measures both revisions on the same workload, in child processes that take turns, round
after round. The third figure, a comment on SQLite at ``synchronous=NORMAL``, is shown beside
a bare INSERT+COMMIT of the same bytes in the same child, as issue 9 states it (from 15-19x
to at most 5x).
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _workload import sized, typical_draft

# A child imports the revision its PYTHONPATH puts first; both have these names.
import ticketflow
from ticketflow import Actor, Desk
from ticketflow.sla import BusinessCalendar, SlaPolicy, SlaTargets
from ticketflow.storage import InMemoryTicketStore, SQLiteTicketStore, TicketStore

# The last commit before the first of issue 9's (7438946).
BEFORE = "6761978454a58c7da05e484df157c34d4a05eda6"
ROUNDS = sized(3, 1)  # child runs of each revision, taking turns
JOURNAL = sized(1_000, 10)  # events in the journal read back
READS = sized(21, 2)  # journal reads timed
TICKETS = sized(200, 5)  # tickets the SQLite comments go round
COMMENTS = sized(600, 10)  # SQLite comments timed, and bare inserts
FRESH = sized(600, 5)  # fresh tickets for the policy's extra cost
HERE = Path(__file__).resolve().parent
# The bounds, as fractions of the figures it measured before (see the docstring).
BOUNDS = {"read-back per event": 3 / 9, "policy's extra cost": 15 / 50}
COMMENT = "Checked with the carrier: the parcel left the depot this morning, tracking updated."


# -- the child: one revision's figures ---------------------------------------------------------


def child() -> None:
    """Print this interpreter's ticketflow's figures as JSON (run with that revision's src)."""
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        figures = {
            "read-back per event": read_back_us(directory / "read.sqlite3"),
            **comments_us(directory),
            "policy's extra cost": policy_extra_us(),
        }
    print(json.dumps({"source": ticketflow.__file__, **figures}))


class _Clock:
    """Advances a microsecond per reading: distinct, ordered instants without the wall clock."""

    def __init__(self) -> None:
        self._now = datetime(2026, 3, 2, 9, tzinfo=UTC)

    def now(self) -> datetime:
        self._now += timedelta(microseconds=1)
        return self._now


_COUNTER = itertools.count()  # one for every desk of a child: desks may share a store


def _desk(store: TicketStore, policy: SlaPolicy | None = None) -> Desk:
    return Desk(store, clock=_Clock(), ids=lambda: f"id{next(_COUNTER):08d}", sla=policy)


def _median_us(call: Callable[[], object], count: int) -> float:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def read_back_us(path: Path) -> float:
    """Median µs per event of reading back a journal of :data:`JOURNAL` events."""

    agent = Actor.agent("bob")
    store = SQLiteTicketStore(path, synchronous="OFF")
    try:
        desk = _desk(store)
        ticket = desk.submit(typical_draft(1), actor=agent)
        for n in range(JOURNAL - 1):
            desk.comment(ticket.id, f"{COMMENT} ({n})", actor=agent, public=n % 3 != 0)
        return _median_us(lambda: store.journal(ticket.id), READS) / JOURNAL
    finally:
        store.close()


def comments_us(directory: Path) -> dict[str, float]:
    """A Desk comment at NORMAL, a bare INSERT+COMMIT of as many bytes, taking turns."""

    agent = Actor.agent("bob")
    store = SQLiteTicketStore(directory / "desk.sqlite3", synchronous="NORMAL")
    bare = sqlite3.connect(directory / "bare.sqlite3", isolation_level=None)
    try:
        desk = _desk(store)
        ids = [desk.submit(typical_draft(n), actor=agent).id for n in range(TICKETS)]
        targets = itertools.cycle(ids)
        bare.execute("PRAGMA journal_mode = WAL")
        bare.execute("PRAGMA synchronous = NORMAL")
        bare.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        row = "x" * 1_800  # about what a comment commits (the snapshot, the event, the message)
        times: dict[str, list[float]] = {"desk": [], "bare": []}
        for _ in range(COMMENTS):
            start = time.perf_counter()
            desk.comment(next(targets), COMMENT, actor=agent)
            middle = time.perf_counter()
            bare.execute("INSERT INTO rows (body) VALUES (?)", (row,))
            times["desk"].append(middle - start)
            times["bare"].append(time.perf_counter() - middle)
    finally:
        store.close()
        bare.close()
    desk_us, bare_us = (statistics.median(times[name]) * 1e6 for name in ("desk", "bare"))
    return {"comment, NORMAL": desk_us, "comment / bare insert": desk_us / bare_us}


def policy_extra_us() -> float:
    """Median µs a policy adds to the agent's first reply and the customer's follow-up."""

    office = BusinessCalendar.weekly(tz="Europe/Berlin", hours={"mon-fri": ["09:00-17:00"]})
    targets = SlaTargets(
        first_response=timedelta(hours=4),
        next_response=timedelta(hours=8),
        resolution=timedelta(hours=40),
    )
    policy = SlaPolicy.by_priority({"P2": targets, "P3": targets}, calendar=office)
    agent = Actor.agent("bob")
    store = InMemoryTicketStore()
    desks = (_desk(store), _desk(store, policy))
    times: tuple[list[float], list[float]] = ([], [])
    for n in range(FRESH):
        for desk, found in zip(desks, times, strict=True):
            ticket = desk.submit(typical_draft(n), actor=agent)
            # The agent's first reply, then the customer's follow-up (typical_draft's requester).
            for actor in (agent, Actor.customer(f"customer{n}@example.com")):
                start = time.perf_counter()
                desk.comment(ticket.id, "message", actor=actor, public=True)
                found.append(time.perf_counter() - start)
    without, with_policy = map(statistics.median, times)
    return (with_policy - without) * 1e6


# -- the parent: both revisions, taking turns --------------------------------------------------


def before_source(directory: Path) -> Path | None:
    """Extract :data:`BEFORE`'s ``src`` into ``directory``; ``None`` without that history."""
    try:
        archive = subprocess.run(  # noqa: S603 - git, with a revision of this repository
            ["git", "archive", BEFORE, "src"],  # noqa: S607 - git from PATH
            cwd=HERE.parent,
            capture_output=True,
            check=True,
        )
        subprocess.run(  # noqa: S603 - tar reading what git wrote
            ["tar", "-x", "-C", str(directory)],  # noqa: S607 - tar from PATH
            input=archive.stdout,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return directory / "src"


def figures(source: Path) -> dict[str, float]:
    """One child's figures, with ``source`` first on its path."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source), str(HERE)])}
    result = subprocess.run(  # noqa: S603 - this interpreter and this file
        [sys.executable, __file__, "--child"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(result.stdout)
    if not str(found.pop("source")).startswith(str(source)):
        raise RuntimeError(f"the child did not import ticketflow from {source}")
    return {name: float(value) for name, value in found.items()}


def main() -> None:
    started = time.perf_counter()
    print(
        f"issue 9's targets on this machine: today's code against {BEFORE[:7]} (before issue 9) -"
        f" Python {sys.version.split()[0]}, {platform.machine()}, {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory() as scratch:
        before = before_source(Path(scratch))
        if before is None:
            print(f"before_issue_9: skipped, {BEFORE[:7]} is not in this checkout's history")
            return
        today = HERE.parent / "src"
        rounds = [{"before": figures(before), "today": figures(today)} for _ in range(ROUNDS)]
    print()
    print(f"{'figure':<24} {'before':>10} {'today':>10} {'today/before':>13} {'bound':>8}  holds")
    for name in rounds[0]["before"]:
        old = statistics.median(found["before"][name] for found in rounds)
        new = statistics.median(found["today"][name] for found in rounds)
        ratio = statistics.median(found["today"][name] / found["before"][name] for found in rounds)
        bound = BOUNDS.get(name)
        verdict = "" if bound is None else f"{bound:>8.2f}  {'yes' if ratio <= bound else 'NO'}"
        print(f"{name:<24} {old:>10.2f} {new:>10.2f} {ratio:>13.2f} {verdict}")
    print()
    print(
        f"µs, but the two ratios to a bare insert (x); the median of {ROUNDS} rounds, each"
        f" revision in its own process in turn: read-back of a {JOURNAL:,}-event journal"
        f" ({READS} reads), {COMMENTS} comments over {TICKETS} tickets beside as many bare"
        f" inserts of 1,800 B, {FRESH} fresh tickets with and without a policy; bounds:"
        " issue 9's targets over the figures it measured before (3 of 9 µs, 15 of 50 µs)"
    )
    print(f"total run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child()
    else:
        main()
