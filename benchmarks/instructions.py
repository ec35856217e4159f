"""Issue 9's relative targets counted in instructions: the code of today against the code the
issue measured, under valgrind's callgrind, which counts what runs rather than timing it.

Run: ``python benchmarks/instructions.py`` (or ``nox -s bench``); it needs ``valgrind`` and the
repository's history (``git``), and prints that it skipped otherwise.

``before_issue_9.py`` times the same figures, the two revisions taking turns, but on this
project's machines (shared virtual machines) a figure still moves by 2x within seconds and a
round's ratio of a 2 µs call by as much (0.48x to 1.86x in one run of ``transition()``). An
instruction count does not move: the same code on the same input counts the same, whatever the
machine is doing (the hash seed is fixed so that dictionaries probe alike). It is not a time: a
cache miss costs more than an instruction, so it reads beside the timed ratios, not instead of
them.

Each figure is counted as the difference between a run that repeats its operation ``n`` times
and one that does the same set-up and repeats nothing, divided by ``n``: what is left is the
operation alone. The journal that the read-back reads is written beforehand, outside valgrind.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from _workload import AT, SMOKE, copy_sqlite, desk_on, sized, typical_draft, typical_policy
from before_issue_9 import BEFORE, BOUNDS, before_source

# A child imports the revision its PYTHONPATH puts first; both have these names.
import ticketflow
from ticketflow import Actor, Desk, TicketStatus, transition
from ticketflow.sla import BusinessCalendar
from ticketflow.storage import InMemoryTicketStore, SQLiteTicketStore, TicketStore

HERE = Path(__file__).resolve().parent
AGENT = Actor.agent("bob")
COMMENT = "Checked with the carrier: the parcel left the depot this morning, tracking updated."
JOURNAL = sized(1_000, 10)  # events in the journal read back
# How often each operation repeats in its counted run.
REPEATS = {
    "transition": sized(5_000, 20),
    "read-back": sized(5, 1),
    "comment": sized(200, 3),
    "comment with policy": sized(200, 3),
    "calendar": sized(2_000, 20),
}
# What each figure divides by: the events of a read, the two comments of a repeat.
PER = {"read-back": JOURNAL, "comment": 2, "comment with policy": 2}
_COLLECTED = re.compile(r"Collected : (\d+)")


# -- the child: one revision, its set-up, then one operation repeated -------------------------


def _desk(store: TicketStore, *, policy: bool = False) -> Desk:
    return desk_on(store, sla=typical_policy() if policy else None)


def write_journal(path: Path) -> str:
    """Write the journal the read-back reads; return its ticket's id."""
    store = SQLiteTicketStore(path, synchronous="OFF")
    try:
        desk = _desk(store)
        ticket_id = desk.submit(typical_draft(1), actor=AGENT).id
        for n in range(JOURNAL - 1):
            desk.comment(ticket_id, f"{COMMENT} ({n})", actor=AGENT, public=n % 3 != 0)
    finally:
        store.close()
    return ticket_id


def operations(journal: Path, journal_id: str) -> dict[str, Callable[[int], None]]:
    """Set up every operation (whichever is counted: the baseline does the same set-up)."""
    ticket = _desk(InMemoryTicketStore()).submit(typical_draft(1), actor=AGENT)
    at = ticket.updated_at + timedelta(seconds=1)
    triaged, _ = transition(ticket, TicketStatus.TRIAGED, actor=AGENT, at=at)

    def transitions(n: int) -> None:
        for _ in range(n):
            transition(triaged, TicketStatus.IN_PROGRESS, actor=AGENT, at=at)

    store = SQLiteTicketStore(journal, synchronous="OFF")
    store.journal(journal_id)  # the first read builds the readers: not counted

    def read_back(n: int) -> None:
        for _ in range(n):
            store.journal(journal_id)

    most = max(REPEATS["comment"], REPEATS["comment with policy"]) + 1  # one to warm up

    def conversations(desk: Desk) -> Callable[[int], None]:
        # A fresh ticket each: the agent's first reply, then the customer's follow-up.
        tickets = [desk.submit(typical_draft(n), actor=AGENT).id for n in range(2, 2 + most)]
        desk.comment(tickets[0], "warm", actor=AGENT, public=True)  # first calls: not counted
        customers = [Actor.customer(f"customer{n}@example.com") for n in range(2, 2 + most)]

        def converse(n: int) -> None:
            for ticket_id, customer in zip(tickets[1 : n + 1], customers[1:], strict=False):
                desk.comment(ticket_id, "message", actor=AGENT, public=True)
                desk.comment(ticket_id, "message", actor=customer, public=True)

        return converse

    calendar = BusinessCalendar.weekly(
        tz="Europe/Berlin", hours={"mon-fri": ["09:00-12:00", "13:00-17:00"]}
    )
    starts = [AT + timedelta(minutes=97 * n) for n in range(REPEATS["calendar"])]
    calendar.add(AT, timedelta(hours=40))

    def calendar_adds(n: int) -> None:
        forty = timedelta(hours=40)
        for instant in starts[:n]:
            calendar.add(instant, forty)

    return {
        "transition": transitions,
        "read-back": read_back,
        "comment": conversations(_desk(InMemoryTicketStore())),
        "comment with policy": conversations(_desk(InMemoryTicketStore(), policy=True)),
        "calendar": calendar_adds,
    }


def child(journal: str, journal_id: str, operation: str, repeats: int) -> None:
    found = operations(Path(journal), journal_id)
    if operation != "none":
        found[operation](repeats)


# -- the parent --------------------------------------------------------------------------------


class Revision:
    """One revision's source, with its own journal written for the read-back."""

    def __init__(self, name: str, source: Path, scratch: Path) -> None:
        self.source = source
        self.environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(source), str(HERE)]),
            "PYTHONHASHSEED": "0",
        }
        self.journal = scratch / f"journal-{name}.sqlite3"
        written = self._python(["--journal", str(self.journal)], valgrind=False)
        imported, self.journal_id = written.stdout.split()
        if not imported.startswith(str(source)):
            raise RuntimeError(f"the child imported {imported}, not the revision at {source}")

    def _python(self, arguments: list[str], *, valgrind: bool) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, __file__, *arguments]
        if valgrind:
            command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command]
        result = subprocess.run(  # noqa: S603 - this interpreter and this file, maybe in valgrind
            command, env=self.environment, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
        return result

    def count(self, operation: str, repeats: int) -> int:
        """Instructions of the set-up and ``repeats`` of ``operation``."""
        # Runs go side by side: each opens a journal of its own, so that none waits on a lock.
        journal = copy_sqlite(self.journal, self.journal.with_suffix(f".{operation}.sqlite3"))
        arguments = ["--child", str(journal), self.journal_id, operation, str(repeats)]
        found = _COLLECTED.findall(self._python(arguments, valgrind=True).stderr)
        if not found:
            raise RuntimeError("callgrind printed no count")
        return int(found[-1])

    def submit(self, pool: ThreadPoolExecutor) -> dict[str, Future[int]]:
        """Count, in ``pool``, the baseline (``"none"``) and each operation's run."""
        return {
            operation: pool.submit(self.count, operation, repeats)
            for operation, repeats in {"none": 0, **REPEATS}.items()
        }

    def smoke(self) -> None:
        """Run each operation once, outside valgrind: a smoke run checks the code, no more."""
        for operation in REPEATS:
            arguments = ["--child", str(self.journal), self.journal_id, operation, "1"]
            self._python(arguments, valgrind=False)


def per_operation(runs: dict[str, Future[int]]) -> dict[str, float]:
    """Instructions per operation: its run less the baseline, over its repeats."""
    baseline = runs["none"].result()
    return {
        operation: (runs[operation].result() - baseline) / repeats / PER.get(operation, 1)
        for operation, repeats in REPEATS.items()
    }


def figures(counts: dict[str, float]) -> dict[str, float]:
    return {
        "read-back per event": counts["read-back"],
        "comment, no policy": counts["comment"],
        "policy's extra cost": counts["comment with policy"] - counts["comment"],
        "transition()": counts["transition"],
        "SLA add(start, 40 h)": counts["calendar"],
    }


def main() -> None:
    started = time.perf_counter()
    print(f"issue 9's relative targets in instructions: today's code against {BEFORE[:7]}")
    if shutil.which("valgrind") is None and not SMOKE:
        print("instructions: skipped, valgrind is not installed")
        return
    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory)
        before = before_source(scratch)
        if before is None:
            print(f"instructions: skipped, {BEFORE[:7]} is not in this checkout's history")
            return
        revisions = (
            Revision("before", before, scratch),
            Revision("today", HERE.parent / "src", scratch),
        )
        if SMOKE:
            for revision in revisions:
                revision.smoke()
            print("SMOKE RUN: every operation ran once in each revision, outside valgrind")
            return
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            runs = [revision.submit(pool) for revision in revisions]
        old, new = (figures(per_operation(counts)) for counts in runs)
    print()
    print(f"{'figure':<32} {'before':>10} {'today':>10} {'today/before':>13} {'bound':>8}  holds")
    for name, today in new.items():
        ratio = today / old[name]
        bound = BOUNDS.get(name)
        verdict = "" if bound is None else f"{bound:>8.2f}  {'yes' if ratio <= bound else 'NO'}"
        print(f"{name:<32} {old[name]:>10,.0f} {today:>10,.0f} {ratio:>13.3f} {verdict}")
    print()
    repeats = ", ".join(f"{name} {count:,}" for name, count in REPEATS.items())
    print(
        "instructions per operation (callgrind, PYTHONHASHSEED=0): read-back of a"
        f" {JOURNAL:,}-event journal, per event; a comment on a fresh in-memory ticket (the"
        " agent's first reply and the customer's follow-up), with the typical SLA policy and"
        " without; transition(); BusinessCalendar.add; each run's count less that of a run with"
        f" the same set-up that repeats nothing, over its repeats ({repeats}); bounds as"
        " before_issue_9.py's"
    )
    print(f"total run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif sys.argv[1:2] == ["--journal"]:
        print(ticketflow.__file__, write_journal(Path(sys.argv[2])))
    else:
        main()
