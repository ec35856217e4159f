"""What a command costs on PostgreSQL, and how commands scale with processes: one run.

Run: ``python benchmarks/postgres.py`` (or ``nox -s bench``) against the server named by
``TICKETFLOW_PG_DSN`` (default ``postgresql://postgres@127.0.0.1:5432/test``). Every store
lives in a schema of its own, dropped at the end. It prints:

* **Command latency** at journal lengths 1 and 5,000: a customer conversation under an SLA
  policy, as ``_scale_commands`` runs it on the other stores (the median per command, and its
  ratio to the 1-event figure: a command that does not grow with the history stays near 1).
* **Commands per second** with 1, 2 and 4 processes, each running Desk comments on tickets of
  its own for a few seconds, against a bare psycopg ``INSERT`` + ``COMMIT`` loop of the same
  bytes with the same number of processes (target: the Desk within 3x of the bare loop).
* **Tick throughput** with 1, 2 and 4 ``python -m ticketflow worker --once`` processes on one
  schema (``--schema``), each run on a fresh schema of :data:`DUE` due tickets (one breach
  each), and its ratio to the 1-worker figure: as ``benchmarks/workers.py`` measures SQLite.
  A worker's start (interpreter, imports, opening the store) is in its time.

The machine's noise moves absolute figures more than the ratios; both sides of each ratio are
measured in this run.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import platform
import random
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _scale_commands import conversations
from _scale_sqlite import command_bytes  # what one comment commits, in bytes
from _worker_hook import NOW_VARIABLE, T0
from _worker_hook import desk as tick_desk
from _workload import MicroClock, sized, typical_draft

from ticketflow import Actor, Desk, NewTicket, Requester
from ticketflow.storage import PostgresTicketStore
from ticketflow.storage._postgres import DEFAULT_DSN, DSN_VARIABLE

DSN = os.environ.get(DSN_VARIABLE) or DEFAULT_DSN
SIZES = sized((1, 5_000), (1, 4))
PROCESSES = sized((1, 2, 4), (1, 2))
SECONDS = sized(3.0, 0.2)  # each throughput run
RUNS = sized(2, 1)  # of each kind, alternating; the best counts
TICKETS = sized(20, 3)  # per process
DUE = sized(3000, 20)  # due tickets per tick run
AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
AGENT = Actor.agent("bob")
COMMENT = "Thanks, we have filed a claim with the carrier and will update you within two days."


@contextmanager
def schema_store(**options: Any) -> Iterator[PostgresTicketStore]:  # noqa: ANN401
    """A store in a fresh schema, dropped afterwards."""
    schema = f"tf_bench_{secrets.token_hex(6)}"
    try:
        with PostgresTicketStore(DSN, schema=schema, **options) as store:
            yield store
    finally:
        drop(schema)


def drop(schema: str) -> None:
    """Drop ``schema`` and everything in it."""
    import psycopg  # noqa: PLC0415
    from psycopg import sql  # noqa: PLC0415

    with psycopg.connect(DSN, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        )


# -- latency -----------------------------------------------------------------------------------


def latencies() -> list[tuple[str, float, float]]:
    """Median milliseconds per conversation command at each journal length, and its ratio to
    the 1-event figure (the lengths taking turns, as ``_scale_commands`` measures them)."""
    with schema_store(pool_size=2) as store:
        measured = conversations(store, SIZES)
    return [
        (f"{size:,} event{'' if size == 1 else 's'}", seconds * 1e3, ratio)
        for size, (seconds, ratio) in zip(SIZES, measured, strict=True)
    ]


# -- throughput --------------------------------------------------------------------------------


def desk_worker(schema: str, start: float, results: Any) -> None:  # noqa: ANN401 - a queue
    """Comment on tickets of this process's own until ``SECONDS`` after ``start``; report."""
    with PostgresTicketStore(DSN, schema=schema, pool_size=1) as store:
        counter = itertools.count()
        prefix = secrets.token_hex(4)
        desk = Desk(store, clock=MicroClock(), ids=lambda: f"{prefix}{next(counter):08d}")
        ids = [desk.submit(typical_draft(n), actor=AGENT).id for n in range(TICKETS)]
        targets = itertools.cycle(ids)
        results.put(_loop(start, lambda: desk.comment(next(targets), COMMENT, actor=AGENT)))


def bare_worker(table: str, start: float, results: Any) -> None:  # noqa: ANN401 - a queue
    """INSERT + COMMIT rows of a comment's size until ``SECONDS`` after ``start``; report."""
    import psycopg  # noqa: PLC0415
    from psycopg import sql  # noqa: PLC0415

    # Random text, as a command's JSON does not compress to nothing (PostgreSQL compresses
    # long values): the same bytes of WAL as the Desk's commit would be the fair baseline.
    rng = random.Random(os.getpid())
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    size = command_bytes()
    bodies = itertools.cycle(["".join(rng.choices(alphabet, k=size)) for _ in range(1000)])
    insert = sql.SQL("INSERT INTO {} (body) VALUES (%s)").format(sql.Identifier(table))
    with psycopg.connect(DSN) as connection:

        def one() -> None:
            connection.execute(insert, (next(bodies),))
            connection.commit()

        results.put(_loop(start, one))


def _loop(start: float, call: Callable[[], object]) -> int:
    while time.time() < start:
        time.sleep(0.001)
    done = 0
    end = start + SECONDS
    while time.time() < end:
        call()
        done += 1
    return done


def per_second(target: Callable[..., None], argument: str, processes: int) -> float:
    """Calls per second of ``processes`` children running ``target`` at once."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start = time.time() + sized(3.0, 0.0) + processes  # after every child has opened and set up
    children = [
        context.Process(target=target, args=(argument, start, results)) for _ in range(processes)
    ]
    for child in children:
        child.start()
    counts = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join()
    return float(sum(counts)) / SECONDS


def throughput() -> list[tuple[int, float, float]]:
    """(processes, Desk comments per second, bare INSERT+COMMITs per second).

    The two alternate, twice each, and each keeps its best run: the disk's other users move
    a single run by more than the difference measured.
    """
    import psycopg  # noqa: PLC0415

    found = []
    for processes in PROCESSES:
        desk, bare = 0.0, 0.0
        for _ in range(RUNS):
            with schema_store(pool_size=1) as store:
                desk = max(desk, per_second(desk_worker, store.schema, processes))
            table = f"tf_bench_rows_{secrets.token_hex(6)}"
            with psycopg.connect(DSN, autocommit=True) as connection:
                connection.execute(f"CREATE TABLE {table} (id bigserial PRIMARY KEY, body text)")
                try:
                    bare = max(bare, per_second(bare_worker, table, processes))
                finally:
                    connection.execute(f"DROP TABLE {table}")
        found.append((processes, desk, bare))
    return found


def tick_throughput(workers: int) -> float | None:
    """Tickets ticked per second by ``workers`` processes claiming due tickets at once.

    A fresh schema gets :data:`DUE` tickets, all due (their breach) when the workers' clocks
    stand; the workers (``--once``, batches of 100) run until nothing is due. The schema is
    dropped afterwards.
    """
    with schema_store(pool_size=4) as store:
        submitter = tick_desk(store, T0)

        def submit(number: int) -> None:
            address = f"due-{number}@example.com"
            submitter.submit(
                NewTicket(subject="late parcel", requester=Requester(address), priority="P2"),
                actor=Actor.customer(address),
            )

        with ThreadPoolExecutor(4) as pool:
            for _ in pool.map(submit, range(DUE)):
                pass
        seconds = tick_workers(store.schema, workers)
        if store.due(T0 + timedelta(hours=2), limit=1):
            raise SystemExit(f"{workers} workers left due tickets behind")
    return DUE / seconds


def tick_workers(schema: str, workers: int) -> float:
    """Run ``workers`` worker processes on ``schema`` until nothing is due; their seconds."""
    here = str(Path(__file__).resolve().parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([here, *sys.path]),
        NOW_VARIABLE: (T0 + timedelta(hours=2)).isoformat(),
    }
    command = [
        sys.executable,
        "-m",
        "ticketflow",
        "worker",
        "--db",
        DSN,
        "--schema",
        schema,
        "--config",
        "_worker_hook:ticks",
        "--once",
        "--batch",
        "100",
        "--log-level",
        "WARNING",
    ]
    started = time.perf_counter()
    running = [
        subprocess.Popen([*command, "--worker", f"bench-{n}"], env=env)  # noqa: S603
        for n in range(workers)
    ]
    codes = [process.wait() for process in running]
    seconds = time.perf_counter() - started
    if codes != [0] * workers:
        raise SystemExit(f"a tick worker failed: exit statuses {codes}")
    return seconds


def main() -> None:
    started = time.perf_counter()
    import psycopg  # noqa: PLC0415

    try:
        with psycopg.connect(DSN, connect_timeout=5) as connection:
            server = connection.info.parameter_status("server_version") or "?"
    except psycopg.OperationalError as error:
        print(f"postgres: skipped, no server at {DSN_VARIABLE}={DSN!r}: {str(error).strip()}")
        return
    print(
        f"ticketflow on PostgreSQL {server} - Python {sys.version.split()[0]}, psycopg"
        f" {psycopg.__version__}, {platform.machine()}, {os.cpu_count()} CPUs"
    )
    print()
    print(f"{'command latency (conversation, SLA policy)':<46} {'ms':>10} {'x 1 event':>10}")
    for case, ms, growth in latencies():
        print(f"{case:<46} {ms:>10.3f} {growth:>10.2f}")
    print()
    print(f"{'processes':<12} {'Desk/s':>10} {'bare/s':>10} {'bare / Desk':>12}")
    for processes, desk, bare in throughput():
        print(f"{processes:<12} {desk:>10.0f} {bare:>10.0f} {bare / desk:>12.2f}")
    print()
    print(f"{'tick workers':<12} {'tickets/s':>10} {'x 1 worker':>11}")
    single = None
    for workers in PROCESSES:
        figure = tick_throughput(workers)
        single = single or figure
        shown = "not measured" if figure is None else f"{figure:.0f}"
        ratio = "" if figure is None or single is None else f"{figure / single:.2f}"
        print(f"{workers:<12} {shown:>10} {ratio:>11}", flush=True)
    print()
    print(
        "targets: 5,000 events within 1.5x of 1 event; Desk within 3x of the bare loop;"
        f" throughput: best of {RUNS} runs of {SECONDS:.0f} s, {TICKETS} tickets per process;"
        f" ticks: {DUE:,} due tickets per run, a worker's start included"
    )
    print(f"total run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
