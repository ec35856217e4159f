"""The SQLite store's write path, read-back and file size.  Run: python benchmarks/_scale_sqlite.py.

In one run, on one machine:

* the median latency of a Desk ``comment`` (and of ``submit``) on SQLite at
  ``synchronous=NORMAL``, beside a bare ``sqlite3`` INSERT + COMMIT of one row holding as many
  bytes as the command's values (the ticket, the event and its outbox message, as compact
  JSON), in the same WAL mode and at the same level; the ratio is the write path's overhead.
  The figures compared take turns in rounds (the ratio is the median of each round's own), so
  that a neighbour's burst on a shared machine falls on all of them alike;
* the same comments on the in-memory store, beside the same bare insert: the part of a
  command that is the Desk's own, which no store's write path can go under;
* the SQL a comment issues (update the ticket's row, insert the event and its outbox message,
  in one ``BEGIN IMMEDIATE`` transaction) issued bare on a copy of the same file, beside the
  same bare insert: what the store's schema, with its indexes and triggers, costs without
  any Python; and the WAL frames (pages written) per comment and per bare insert;
* at ``synchronous=FULL``, the same latencies and the number of ``fsync``/``fdatasync`` calls
  per command, counted by running the commands in a child process under ``strace -f -c``
  (minus a child that only sets up), so checkpoints are included at their amortized rate;
* journal read-back per event: the median ``store.journal`` of a ticket with 1,000 events,
  divided by 1,000, beside the same rows read bare (the same SELECT, ``json.loads`` of each
  body, no event built), the two taking turns: the ratio is what building typed, checked
  events costs over reading the bytes;
* bytes per ticket and per comment in the file (after a WAL checkpoint), before and after
  the outbox is drained (every message claimed and acknowledged).
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Literal

sys.path.insert(0, str(Path(__file__).parent))

from _workload import copy_sqlite, desk_on, median_of, sized, take_turns, typical_draft

from ticketflow import Actor, to_json
from ticketflow.storage import InMemoryTicketStore, SQLiteTicketStore, TicketStore

Sync = Literal["FULL", "NORMAL", "OFF"]
AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
AGENT = Actor.agent("bob")
COMMENT = "Checked with the carrier: the parcel left the depot this morning, tracking updated."
TICKETS = sized(200, 5)  # comments are spread over this many tickets
COMMANDS = sized(2_000, 20)
READ_EVENTS = sized(1_000, 10)
ROUNDS = sized(5, 2)  # rounds in which the figures compared take turns
FILE_TICKETS = sized(1_000, 5)
FILE_COMMENTS = sized(5_000, 10)
FSYNC_COMMANDS = sized(300, 5)
FRAME_COMMITS = sized(100, 5)
LEASE = timedelta(minutes=5)


@contextmanager
def sqlite_store(path: Path, sync: Sync) -> Iterator[SQLiteTicketStore]:
    with SQLiteTicketStore(path, synchronous=sync) as store:
        yield store


def median_us(call: Callable[[], object], count: int) -> float:
    """Median microseconds of ``count`` calls, one timing each."""
    times: list[float] = []
    gc.collect()
    for _ in range(count):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def command_bytes() -> int:
    """The bytes of what one comment commits: snapshot, event and outbox payload as JSON."""
    store = InMemoryTicketStore()
    desk = desk_on(store)
    ticket = desk.submit(typical_draft(1), actor=AGENT)
    ticket = desk.comment(ticket.id, COMMENT, actor=AGENT)
    event = store.journal(ticket.id)[-1]
    [leased, _] = store.claim_outbox(worker="w", now=AT + timedelta(days=1), lease=LEASE)
    return (
        len(to_json(ticket))
        + len(to_json(event))
        + len(json.dumps(leased.message.payload, separators=(",", ":")))
    )


@contextmanager
def desk_comments(path: Path, sync: Sync) -> Iterator[tuple[float, Callable[[], object]]]:
    """A store at ``path`` with ``TICKETS`` tickets: the median µs of a Desk submit (made
    while it fills), and a call that comments on the tickets in turn."""
    with sqlite_store(path, sync) as store:
        desk = desk_on(store)
        numbers = itertools.count()
        submit = median_us(
            lambda: desk.submit(typical_draft(next(numbers)), actor=AGENT), max(COMMANDS // 4, 50)
        )
        ids = [desk.submit(typical_draft(n), actor=AGENT).id for n in range(TICKETS)]
        targets = itertools.cycle(ids)
        yield submit, lambda: desk.comment(next(targets), COMMENT, actor=AGENT)


def memory_comments() -> Callable[[], object]:
    """The same comments on the in-memory store: the Desk's own part of a command.

    What no store's write path can go under; beside the bare insert it says how much of the
    5x a SQL store has left for itself.
    """
    desk = desk_on(InMemoryTicketStore())
    ids = [desk.submit(typical_draft(n), actor=AGENT).id for n in range(TICKETS)]
    targets = itertools.cycle(ids)
    return lambda: desk.comment(next(targets), COMMENT, actor=AGENT)


@contextmanager
def comment_sql(path: Path, sync: Sync, *, outbox: bool = True) -> Iterator[Callable[[], None]]:
    """A comment's SQL issued bare on the store at ``path``, round its tickets.

    The statements the store issues for a comment, with the values of the tickets in the file
    (each update writes the snapshot back with the next version): no Desk, no serializing.
    Without ``outbox``, no outbox row: what a comment's SQL would cost were a ticket event's
    message its row in the event feed (a design the notes of issue 9 weigh).
    """
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute(f"PRAGMA synchronous = {sync}")
    tickets = connection.execute("SELECT id, version, snapshot FROM tickets").fetchall()
    (body,) = connection.execute(
        "SELECT body FROM events WHERE type = 'commented' LIMIT 1"
    ).fetchone()
    versions = {ticket_id: version for ticket_id, version, _ in tickets}
    turns = itertools.cycle(tickets)
    messages = itertools.count()
    at = int((AT + timedelta(days=30) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1e6)

    def comment() -> None:
        ticket_id, _, snapshot = next(turns)
        version = versions[ticket_id]
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "UPDATE tickets SET version = ?, snapshot = ? WHERE id = ? AND version = ?",
            (version + 1, snapshot, ticket_id, version),
        )
        connection.execute(
            "INSERT INTO events (ticket_id, version, type, at, body) VALUES (?, ?, ?, ?, ?)",
            (ticket_id, version + 1, "commented", at, body),
        )
        if outbox:
            connection.execute(
                "INSERT INTO outbox (id, topic, ticket_id, event_version, payload, created_at,"
                " not_before) VALUES (?, ?, ?, ?, NULL, ?, ?)",
                (f"bare{next(messages):08d}", "ticket.commented", ticket_id, version + 1, at, at),
            )
        connection.execute("COMMIT")
        versions[ticket_id] = version + 1

    try:
        yield comment
    finally:
        connection.close()


def in_turns(calls: dict[str, Callable[[], object]], count: int) -> list[dict[str, float]]:
    """Each round's median µs of ``count // ROUNDS`` calls of each, the calls taking turns."""
    return take_turns(
        {name: partial(median_us, call, count // ROUNDS) for name, call in calls.items()}, ROUNDS
    )


def wal_frames_per_commit(path: Path, commit: Callable[[], object]) -> float:
    """WAL frames (pages written) per call of ``commit``, which writes the WAL-mode ``path``.

    The log is emptied first; :data:`FRAME_COMMITS` calls then append well under the 1,000
    frames at which SQLite checkpoints on its own, so every frame they write stays in it.
    """
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        (busy, _, _) = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        connection.close()
    expect(busy == 0, "an emptied write-ahead log")
    for _ in range(FRAME_COMMITS):
        commit()
    wal = Path(f"{path}-wal")
    with wal.open("rb") as log:
        page_size = int.from_bytes(log.read(32)[8:12], "big")
    frames = (wal.stat().st_size - 32) / (24 + page_size)
    expect(frames < 1_000, "no checkpoint while counting")
    return frames / FRAME_COMMITS


@contextmanager
def bare_inserts(path: Path, sync: Sync, size: int) -> Iterator[Callable[[], None]]:
    """One bare sqlite3 INSERT + COMMIT of a ``size``-byte row per call, in WAL mode."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute(f"PRAGMA synchronous = {sync}")
    connection.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    rng = random.Random(1)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    made = [
        "".join(rng.choices(alphabet, k=size)) for _ in range(COMMANDS + FRAME_COMMITS)
    ]  # before any call: making one costs more than inserting it
    bodies = itertools.cycle(made)

    def insert() -> None:
        connection.execute("BEGIN")
        connection.execute("INSERT INTO rows (body) VALUES (?)", (next(bodies),))
        connection.execute("COMMIT")

    try:
        yield insert
    finally:
        connection.close()


# -- fsyncs, counted in a child under strace ---------------------------------------------------


def fsync_child(mode: str, path: str, count: int) -> None:
    """Set up a FULL store with ``TICKETS`` tickets, then run ``count`` commands of ``mode``."""
    with sqlite_store(Path(path), "FULL") as store:
        desk = desk_on(store)
        ids = [desk.submit(typical_draft(n), actor=AGENT).id for n in range(TICKETS)]
        for n in range(count):
            if mode == "submit":
                desk.submit(typical_draft(TICKETS + n), actor=AGENT)
            elif mode == "comment":
                desk.comment(ids[n % len(ids)], COMMENT, actor=AGENT)


def fsyncs_per_command(directory: Path, mode: str) -> float | None:
    """``fsync`` + ``fdatasync`` calls per command, or ``None`` without a working strace."""
    strace = shutil.which("strace")
    if strace is None:
        return None
    calls: list[int] = []
    for count in (0, FSYNC_COMMANDS):
        path = directory / f"fsync-{mode}-{count}.sqlite3"
        report = directory / f"strace-{mode}-{count}.txt"
        finished = subprocess.run(  # noqa: S603 - our own interpreter and script
            [
                strace,
                "-f",
                "-c",
                "-e",
                "trace=fsync,fdatasync",
                "-o",
                str(report),
                sys.executable,
                __file__,
                "--fsync-child",
                mode,
                str(path),
                str(count),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if finished.returncode != 0 or not report.exists():
            return None
        calls.append(_syncs_in(report.read_text()))
    return (calls[1] - calls[0]) / FSYNC_COMMANDS


def _syncs_in(report: str) -> int:
    total = 0
    for line in report.splitlines():
        parts = line.split()
        if parts and parts[-1] in {"fsync", "fdatasync"}:
            # % time, seconds, usecs/call, calls, [errors,] syscall
            total += int(parts[3])
    return total


# -- read-back ---------------------------------------------------------------------------------


def read_back_us_per_event(path: Path) -> tuple[float, float, float]:
    """Median µs per event of reading a 1,000-event journal back, of the same rows read bare
    (the same SELECT by ``sqlite3`` and each body by ``json.loads``, no event built), and the
    ratio of the two, taking turns for :data:`ROUNDS` rounds."""
    with sqlite_store(path, "OFF") as store:
        desk = desk_on(store)
        ticket = desk.submit(typical_draft(1), actor=AGENT)
        for n in range(READ_EVENTS - 1):
            desk.comment(ticket.id, f"{COMMENT} ({n})", actor=AGENT, public=n % 3 != 0)
        expect(len(store.journal(ticket.id)) == READ_EVENTS, "the whole journal")
        connection = sqlite3.connect(path, isolation_level=None)
        select = "SELECT version, type, at, body FROM events WHERE ticket_id = ? ORDER BY version"
        loads = json.loads

        def bare() -> list[object]:
            rows = connection.execute(select, (ticket.id,)).fetchall()
            return [loads(body) for _, _, _, body in rows]

        expect(len(bare()) == READ_EVENTS, "the same rows read bare")
        try:
            rounds = in_turns(
                {"journal": lambda: store.journal(ticket.id), "bare": bare}, 10 * ROUNDS
            )
        finally:
            connection.close()
    return (
        median_of(rounds, "journal") / READ_EVENTS,
        median_of(rounds, "bare") / READ_EVENTS,
        median_of(rounds, "journal", "bare"),
    )


# -- bytes on disk -----------------------------------------------------------------------------


def file_size(path: Path) -> int:
    """The main file's size once the write-ahead log is checkpointed into it."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return path.stat().st_size


def drain(store: TicketStore) -> int:
    """Claim and acknowledge every message; return how many."""
    drained = 0
    while claimed := store.claim_outbox(
        worker="w", now=AT + timedelta(days=365), lease=LEASE, limit=500
    ):
        for leased in claimed:
            expect(store.ack_outbox(leased), "an acknowledged message")
        drained += len(claimed)
    return drained


def file_bytes(directory: Path) -> list[tuple[str, str, float]]:
    """Bytes per ticket and per comment, before and after the outbox drains."""
    sizes: dict[str, int] = {}
    for comments in (0, FILE_COMMENTS):
        path = directory / f"size-{comments}.sqlite3"
        with sqlite_store(path, "OFF") as store:
            empty = file_size(path)
            desk = desk_on(store)
            ids = [desk.submit(typical_draft(n), actor=AGENT).id for n in range(FILE_TICKETS)]
            for n in range(comments):
                desk.comment(ids[n % FILE_TICKETS], COMMENT, actor=AGENT)
            sizes[f"full-{comments}"] = file_size(path) - empty
            expect(drain(store) == FILE_TICKETS + comments, "one message per event")
            sizes[f"drained-{comments}"] = file_size(path) - empty
    per_comment = FILE_COMMENTS
    return [
        ("bytes per ticket, outbox full", "B", sizes["full-0"] / FILE_TICKETS),
        ("bytes per ticket, outbox drained", "B", sizes["drained-0"] / FILE_TICKETS),
        (
            "bytes per comment, outbox full",
            "B",
            (sizes[f"full-{per_comment}"] - sizes["full-0"]) / per_comment,
        ),
        (
            "bytes per comment, outbox drained",
            "B",
            (sizes[f"drained-{per_comment}"] - sizes["drained-0"]) / per_comment,
        ),
    ]


def expect(holds: bool, what: str) -> None:
    """Stop the benchmark if it does not measure what it says it does."""
    if not holds:
        raise RuntimeError(f"expected {what}")


def write_path(directory: Path, sync: Sync, size: int) -> list[tuple[str, str, float]]:
    """The Desk's submit and comment at ``sync`` beside a bare insert of ``size`` bytes; at
    NORMAL also the in-memory comment, the comment's SQL alone and the WAL frames of each."""
    desk_file = directory / f"desk-{sync}.sqlite3"
    bare_file = directory / f"bare-{sync}.sqlite3"
    normal = sync == "NORMAL"
    with (
        desk_comments(desk_file, sync) as (submit, comment),
        bare_inserts(bare_file, sync, size) as bare,
        ExitStack() as opened,
    ):
        calls = {"desk": comment, "bare": bare}
        if normal:
            for _ in range(TICKETS):  # a comment on each ticket, for the SQL to repeat
                comment()
            sql_file = copy_sqlite(desk_file, directory / "sql-alone.sqlite3")
            sql = opened.enter_context(comment_sql(sql_file, sync))
            unannounced = copy_sqlite(desk_file, directory / "sql-no-outbox.sqlite3")
            calls |= {
                "memory": memory_comments(),
                "sql": sql,
                "no outbox": opened.enter_context(comment_sql(unannounced, sync, outbox=False)),
            }
        rounds = in_turns(calls, COMMANDS)
        found = [
            (f"Desk.submit, {sync}", "µs", submit),
            (f"Desk.comment, {sync}", "µs", median_of(rounds, "desk")),
            (f"bare INSERT+COMMIT of {size} B, {sync}", "µs", median_of(rounds, "bare")),
            (f"Desk.comment / bare insert, {sync}", "x", median_of(rounds, "desk", "bare")),
        ]
        if not normal:
            return found
        frames = {
            name: wal_frames_per_commit(path, calls[name])
            for name, path in (("desk", desk_file), ("sql", sql_file), ("bare", bare_file))
        }
    return [
        *found,
        ("Desk.comment, in-memory store", "µs", median_of(rounds, "memory")),
        ("in-memory comment / bare insert, NORMAL", "x", median_of(rounds, "memory", "bare")),
        ("the comment's SQL alone, NORMAL", "µs", median_of(rounds, "sql")),
        ("the comment's SQL alone / bare insert", "x", median_of(rounds, "sql", "bare")),
        ("the same SQL without its outbox row", "µs", median_of(rounds, "no outbox")),
        ("the same without its outbox row / bare", "x", median_of(rounds, "no outbox", "bare")),
        ("WAL frames per Desk.comment", "pages", frames["desk"]),
        ("WAL frames per comment's SQL alone", "pages", frames["sql"]),
        ("WAL frames per bare insert", "pages", frames["bare"]),
    ]


def rows() -> list[tuple[str, str, float]]:
    """Return (figure, unit, value) for every figure, all measured in this run."""
    size = command_bytes()
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        found = [*write_path(directory, "NORMAL", size), *write_path(directory, "FULL", size)]
        for mode in ("submit", "comment"):
            syncs = fsyncs_per_command(directory, mode)
            if syncs is not None:
                found.append((f"fsync+fdatasync per {mode}, FULL", "calls", syncs))
        read_back, bare_read, ratio = read_back_us_per_event(directory / "read.sqlite3")
        found += [
            ("journal read-back per event", "µs", read_back),
            ("the same rows' SELECT + json.loads per event", "µs", bare_read),
            ("read-back / bare SELECT + json.loads", "x", ratio),
            *file_bytes(directory),
        ]
    return found


def main() -> list[tuple[str, str, float]]:
    """Print the table; return its rows (``scale.py`` checks them against issue 9's targets)."""
    started = time.perf_counter()
    print(
        f"ticketflow SQLite write path - Python {sys.version.split()[0]}, SQLite"
        f" {sqlite3.sqlite_version}, {platform.machine()}, {os.cpu_count()} CPUs"
    )
    print()
    print(f"{'figure':<44} {'unit':>6} {'value':>10}")
    table = rows()
    for figure, unit, value in table:
        print(f"{figure:<44} {unit:>6} {value:>10.2f}")
    print()
    print(
        f"latencies: the median of {ROUNDS} rounds, in which the figures compared take turns,"
        f" of the median of {COMMANDS // ROUNDS:,} comments over {TICKETS} tickets (submits:"
        f" {max(COMMANDS // 4, 50)}, once);\nratios: the median of the rounds' own; fsyncs:"
        " strace -f -c of a child running"
        f" {FSYNC_COMMANDS} commands minus one that only sets up; bytes: {FILE_TICKETS:,} tickets"
        f" and {FILE_COMMENTS:,} comments, file size after a WAL checkpoint"
    )
    print(f"total run time {time.perf_counter() - started:.0f} s")
    return table


if __name__ == "__main__":
    if sys.argv[1:2] == ["--fsync-child"]:
        fsync_child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
