"""What a write and a read cost in each store, and how close SQLite commits come to bare SQLite.

Prints, for the in-memory store and the SQLite store (synchronous FULL and NORMAL):

* commits/s and tickets/s for "submit + 3 transitions" through ``Desk`` (4 commits per ticket;
  a submit numbers its ticket inside its commit);
* the median time of ``store.commit`` alone on the same changes, next to a baseline measured
  in the same run: a bare ``sqlite3`` insert-and-commit of one row as large as the ticket
  commit's JSON (snapshot + event + outbox payload), same WAL mode, same synchronous level;
* the median ``get`` latency with 100,000 tickets in the store.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TypeVar

from _workload import MicroClock, sized, typical_draft

from ticketflow import (
    DEFAULT_WORKFLOW,
    Actor,
    Desk,
    TicketEvent,
    to_json,
    to_primitive,
)
from ticketflow import TicketStatus as S
from ticketflow.resolution import Resolution
from ticketflow.storage import Change, InMemoryTicketStore, OutboxMessage, TicketStore
from ticketflow.storage._sqlite import SQLiteTicketStore

Sync = Literal["FULL", "NORMAL", "OFF"]
AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
AGENT = Actor.agent("bob")
CUSTOMER = Actor.customer("customer@example.com")
MOVES = (S.TRIAGED, S.IN_PROGRESS, S.RESOLVED)
RESOLVED = Resolution(code="fixed", summary="Replacement sent; the carrier confirmed delivery.")
LOADED = sized(100_000, 50)
DESK_TICKETS = sized(5_000, 10)  # tickets through the in-memory Desk
LEVELS: list[tuple[Sync, int]] = [("FULL", sized(300, 5)), ("NORMAL", sized(1_500, 5))]
BARE_INSERTS = sized(800, 10)
GETS = sized(20_000, 20)
SAMPLE_TICKETS = sized(200, 5)  # lifecycles whose commits are timed store.commit by store.commit


def message(event: TicketEvent, n: int) -> OutboxMessage:
    """The outbox message Desk writes for an event."""
    return OutboxMessage(
        id=f"m{n}",
        topic=f"ticket.{event.type}",
        payload=to_primitive(event),
        ticket_id=event.ticket_id,
        created_at=event.at,
    )


def lifecycle(n: int, ids: Iterator[int]) -> list[Change]:
    """The four changes of one ticket: its creation and three transitions."""
    ticket, created = DEFAULT_WORKFLOW.create(
        typical_draft(n), id=f"T{n:08d}", number=n, actor=CUSTOMER, at=AT
    )
    changes = [
        Change(
            ticket=ticket,
            events=(created,),
            expected_version=0,
            outbox=(message(created, next(ids)),),
        )
    ]
    for target in MOVES:
        before = ticket
        ticket, event = DEFAULT_WORKFLOW.transition(before, target, actor=AGENT, at=AT)
        changes.append(
            Change(
                ticket=ticket,
                events=(event,),
                expected_version=before.version,
                outbox=(message(event, next(ids)),),
            )
        )
    return changes


def change_bytes(change: Change) -> int:
    """The JSON bytes one commit stores: snapshot, events and outbox payloads."""
    return (
        len(to_json(change.ticket))
        + sum(len(to_json(event)) for event in change.events)
        + sum(len(json.dumps(m.payload)) for m in change.outbox)
    )


@contextmanager
def sqlite_store(directory: Path, name: str, sync: Sync) -> Iterator[SQLiteTicketStore]:
    with SQLiteTicketStore(directory / f"{name}.sqlite3", synchronous=sync) as store:
        yield store


def desk_rate(store: TicketStore, tickets: int) -> tuple[float, float]:
    """Commits/s and tickets/s for submit, 2 transitions and a resolve through Desk."""
    counter = itertools.count()
    desk = Desk(store, clock=MicroClock(), ids=lambda: f"id{next(counter)}")
    gc.collect()
    start = time.perf_counter()
    for n in range(tickets):
        # An agent submits: a customer may submit only in their own name.
        ticket = desk.submit(typical_draft(n), actor=AGENT)
        for target in MOVES[:-1]:
            desk.transition(ticket.id, target, actor=AGENT)
        # The Desk resolves only with a resolution that meets its done-criteria.
        desk.resolve(ticket.id, RESOLVED, actor=AGENT)
    elapsed = time.perf_counter() - start
    return 4 * tickets / elapsed, tickets / elapsed


T = TypeVar("T")


def _median_call_us(call: Callable[[T], object], arguments: Sequence[T]) -> float:
    """Median microseconds of ``call(argument)`` over ``arguments``, one timing each."""
    times: list[float] = []
    gc.collect()
    for argument in arguments:
        start = time.perf_counter()
        call(argument)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def commit_median_us(store: TicketStore, changes: Sequence[Change]) -> float:
    """Median microseconds of store.commit over pre-built changes."""
    return _median_call_us(store.commit, changes)


def bare_insert_median_us(path: Path, sync: Sync, size: int, count: int) -> float:
    """Median microseconds of one bare sqlite3 insert-and-commit of a ``size``-byte row."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute(f"PRAGMA synchronous = {sync}")
    connection.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    rng = random.Random(1)
    bodies = ["".join(rng.choices(alphabet, k=size)) for _ in range(count)]
    times: list[float] = []
    gc.collect()
    for body in bodies:
        start = time.perf_counter()
        connection.execute("INSERT INTO rows (body) VALUES (?)", (body,))
        times.append(time.perf_counter() - start)
    connection.close()
    return statistics.median(times) * 1e6


def load(store: TicketStore, count: int) -> list[str]:
    """Commit ``count`` creations; return their ids."""
    ids: list[str] = []
    for n in range(1, count + 1):
        ticket, created = DEFAULT_WORKFLOW.create(
            typical_draft(n), id=f"L{n:08d}", number=n, actor=CUSTOMER, at=AT
        )
        store.commit(Change(ticket=ticket, events=(created,), expected_version=0))
        ids.append(ticket.id)
    return ids


def get_median_us(store: TicketStore, ids: Sequence[str], samples: int = GETS) -> float:
    rng = random.Random(7)
    picks = [rng.choice(ids) for _ in range(samples)]
    return _median_call_us(store.get, picks)


def row(*cells: object) -> str:
    widths = (26, 11, 11, 13, 13, 9, 11)
    return " ".join(
        f"{cell:<{w}}" if i == 0 else f"{cell:>{w}}"
        for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
    )


def main() -> None:
    started = time.perf_counter()
    print(
        f"ticketflow store benchmark - Python {sys.version.split()[0]}, SQLite "
        f"{sqlite3.sqlite_version}, {platform.machine()} "
        f"{platform.processor() or platform.platform()}, {os.cpu_count()} CPUs"
    )
    ids = itertools.count()
    sample = [c for n in range(1, SAMPLE_TICKETS + 1) for c in lifecycle(n, ids)]
    size = round(statistics.mean(change_bytes(c) for c in sample))
    print(f"one ticket commit stores ~{size} bytes of JSON (snapshot + event + outbox payload)")
    print()
    print(row("store", "commits/s", "tickets/s", "commit µs", "bare µs", "x bare", "get µs"))

    memory_rate = desk_rate(InMemoryTicketStore(), DESK_TICKETS)
    memory_commit = commit_median_us(InMemoryTicketStore(), sample)
    memory = InMemoryTicketStore()
    memory_get = get_median_us(memory, load(memory, LOADED))
    print(
        row(
            "in-memory",
            f"{memory_rate[0]:,.0f}",
            f"{memory_rate[1]:,.0f}",
            f"{memory_commit:.1f}",
            "-",
            "-",
            f"{memory_get:.1f}",
        )
    )
    del memory

    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        with sqlite_store(directory, "loaded", "OFF") as bulk:
            loaded = load(bulk, LOADED)
        with sqlite_store(directory, "loaded", "FULL") as reopened:
            sqlite_get = get_median_us(reopened, loaded)
        for sync, tickets in LEVELS:
            with sqlite_store(directory, f"desk-{sync}", sync) as store:
                rate = desk_rate(store, tickets)
            with sqlite_store(directory, f"commit-{sync}", sync) as store:
                ours = commit_median_us(store, sample)
            bare = bare_insert_median_us(
                directory / f"bare-{sync}.sqlite3", sync, size, BARE_INSERTS
            )
            print(
                row(
                    f"SQLite, synchronous={sync}",
                    f"{rate[0]:,.0f}",
                    f"{rate[1]:,.0f}",
                    f"{ours:.1f}",
                    f"{bare:.1f}",
                    f"{ours / bare:.2f}",
                    f"{sqlite_get:.1f}",
                )
            )
    print()
    print(
        "commits/s and tickets/s: Desk.submit, 2 Desk.transition and a Desk.resolve per ticket"
        " (a submit numbers its ticket in its one commit);\ncommit µs: median store.commit of"
        " the same changes; bare µs:"
        " median bare sqlite3 INSERT + commit of one row of the same size, same WAL mode and"
        " synchronous level;\nget µs: median store.get with"
        f" {LOADED:,} tickets in the store (SQLite loaded with synchronous=OFF, reopened FULL)."
    )
    print(f"total run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
