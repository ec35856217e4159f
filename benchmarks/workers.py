"""How fast do worker processes tick due tickets together?  Run: python benchmarks/workers.py.

Prints tick throughput (tickets per second) of 1, 2 and 4 ``python -m ticketflow worker --once``
processes on one store, each run on its own batch of freshly submitted tickets that are all
due (one breach each), beside the single worker measured in the same run. A worker's start
(interpreter, imports, opening the store) is in its time; the first row shows it alone, on a
store with nothing due.

``--db`` takes a SQLite path or a ``postgresql://`` URL (default: a new SQLite file in a
temporary directory), and ``--schema`` the PostgreSQL schema that holds the store. The store
is reused from run to run: the tickets of an earlier run are no longer due. On SQLite every
commit takes the one write lock, so more processes mostly wait for it; the figure that scales
is PostgreSQL's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _worker_hook import NOW_VARIABLE, T0, desk
from _workload import sized

from ticketflow import Actor, NewTicket, Requester
from ticketflow.storage import SQLiteTicketStore, TicketStore
from ticketflow.workers._loop import open_store

PROCESSES = sized((1, 2, 4), (1, 2))
WORK_AT = T0 + timedelta(hours=2)


def _store(db: str, schema: str | None, *, bulk: bool = False) -> TicketStore:
    if bulk and not db.startswith("postgres"):
        return SQLiteTicketStore(db, synchronous="OFF")
    return open_store(db, schema=schema)


def submit(db: str, schema: str | None, count: int, run: int) -> None:
    """Submit ``count`` tickets at ``T0``, all due (their breach) by ``WORK_AT``."""
    store = _store(db, schema, bulk=True)
    try:
        creator = desk(store, T0)
        for number in range(count):
            address = f"r{run}-{number}@example.com"
            creator.submit(
                NewTicket(subject="late parcel", requester=Requester(address), priority="P2"),
                actor=Actor.customer(address),
            )
    finally:
        close = getattr(store, "close", None)
        if callable(close):
            close()


def work(db: str, schema: str | None, processes: int, batch: int) -> float:
    """Run ``processes`` workers until nothing is due; return the seconds they took."""
    here = str(Path(__file__).parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([here, *sys.path]),
        NOW_VARIABLE: WORK_AT.isoformat(),
    }
    command = [
        sys.executable,
        "-m",
        "ticketflow",
        "worker",
        "--db",
        db,
        "--config",
        "_worker_hook:ticks",
        "--once",
        "--batch",
        str(batch),
        "--log-level",
        "WARNING",
        *(["--schema", schema] if schema is not None else []),
    ]
    started = time.perf_counter()
    workers = [
        subprocess.Popen([*command, "--worker", f"bench-{n}"], env=env)  # noqa: S603
        for n in range(processes)
    ]
    codes = [worker.wait() for worker in workers]
    seconds = time.perf_counter() - started
    if codes != [0] * processes:
        raise SystemExit(f"a worker failed: exit statuses {codes}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a SQLite path or a postgresql:// URL (default: temporary)")
    parser.add_argument("--schema", help="the PostgreSQL schema (default: the store's own)")
    parser.add_argument(
        "--tickets", type=int, default=sized(4000, 20), help="due tickets per run (4000)"
    )
    parser.add_argument("--batch", type=int, default=100, help="tickets per claim (100)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        db = args.db or str(Path(scratch) / "workers.sqlite3")
        kind = "PostgreSQL" if db.startswith("postgres") else "SQLite"
        print(f"{kind}, {args.tickets} due tickets per run, batches of {args.batch}\n")
        print(f"{'workers':>8} {'tickets':>8} {'seconds':>8} {'tickets/s':>10} {'vs 1':>6}")
        idle = work(db, args.schema, 1, args.batch)
        print(f"{'1 idle':>8} {0:>8} {idle:>8.2f} {'':>10} {'':>6}")
        baseline = 0.0
        for run, processes in enumerate(PROCESSES, start=1):
            submit(db, args.schema, args.tickets, run)
            seconds = work(db, args.schema, processes, args.batch)
            rate = args.tickets / seconds
            baseline = baseline or rate
            print(
                f"{processes:>8} {args.tickets:>8} {seconds:>8.2f} {rate:>10.0f}"
                f" {rate / baseline:>5.2f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()
