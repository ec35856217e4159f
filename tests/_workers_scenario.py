"""Several ``python -m ticketflow worker`` processes on one store: the scenario and its checks.

Reusable for any store the worker opens (a SQLite path, a ``postgresql://`` URL) and any number
of processes::

    result = run_workers(db, processes=4, tickets=10_000, workdir=tmp_path)
    result = run_workers(url, schema="tf_test_...", processes=4, tickets=10_000, workdir=tmp_path)

``db`` (with ``schema``, on PostgreSQL: the workers' ``--schema``) must name a new, empty store
(the checks count every ticket in it); ``workdir`` an empty directory for the workers' logs and
the handlers' records.

:func:`populate` submits ``tickets`` tickets at ``T0`` (each comes due an hour later with one
breach to record); the workers run with ``--once --dispatch`` at ``T0 + 2h`` until nothing is
left; :func:`verify` then reads every journal and the handlers' records: every breach recorded
exactly once, every outbox message delivered (at least once), nothing left in the outbox.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

import attrs

from _worker_config import DELIVERED_VARIABLE, NOW_VARIABLE, T0, desk
from ticketflow import Actor, NewTicket, Requester
from ticketflow.storage import DeadLetterStore, EventFeed, SQLiteTicketStore, TicketQuery
from ticketflow.storage import TicketStore as Store
from ticketflow.workers._loop import is_postgres_url, open_store

WORK_AT: Final = T0 + timedelta(hours=2)
"""When the workers' clocks stand: every ticket's breach is due."""

CONFIG: Final = "_worker_config:setup"
ALERTS: Final = ("sla_warned", "sla_breached")


@attrs.frozen
class Outcome:
    """What the workers left behind."""

    seconds: float
    events: int
    alerts: int
    delivered: int
    delivered_twice: int


def _open(db: str, *, schema: str | None = None, bulk: bool = False) -> Store:
    if bulk and not is_postgres_url(db):
        return SQLiteTicketStore(db, synchronous="OFF")
    if bulk:
        # As SQLite's synchronous="OFF": the server does not wait for the disk at each commit
        # (a crash could lose the last commits, which a test's throwaway schema can afford).
        from psycopg.conninfo import make_conninfo  # noqa: PLC0415 - PostgreSQL only

        from ticketflow.storage import PostgresTicketStore  # noqa: PLC0415 - the extra

        unsynced = make_conninfo(db, options="-c synchronous_commit=off")
        return PostgresTicketStore(unsynced, schema=schema or "ticketflow", pool_size=1)
    return open_store(db, schema=schema)


def _close(store: Store) -> None:
    close = getattr(store, "close", None)
    if callable(close):
        close()


def populate(db: str, tickets: int, *, schema: str | None = None) -> None:
    """Submit ``tickets`` tickets at ``T0``; each comes due at ``T0 + 1h``.

    One after the other: 4 threads took longer on PostgreSQL (12.4 s against 9.9 s for 4,000
    tickets on two cores) and more processor time (10.8 s against 7.6 s), the interpreter's
    lock held for the Python part of each submit.
    """
    store = _open(db, schema=schema, bulk=True)
    creator = desk(store, T0)

    def submit(number: int) -> None:
        address = f"c{number}@example.com"
        creator.submit(
            NewTicket(subject=f"ticket {number}", requester=Requester(address), priority="P2"),
            actor=Actor.customer(address),
        )

    try:
        for number in range(tickets):
            submit(number)
    finally:
        _close(store)


def start_worker(
    db: str,
    workdir: Path,
    *,
    name: str,
    at: datetime = WORK_AT,
    once: bool = True,
    batch: int = 100,
    lease: str = "1m",
    config: str = CONFIG,
    schema: str | None = None,
    extra: Sequence[str] = (),
    environment: dict[str, str] | None = None,
) -> subprocess.Popen[str]:
    """Start one worker process; its log goes to ``workdir/<name>.log``."""
    delivered = workdir / "delivered"
    delivered.mkdir(exist_ok=True)
    tests = str(Path(__file__).parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([tests, *sys.path]),
        NOW_VARIABLE: at.isoformat(),
        DELIVERED_VARIABLE: str(delivered),
        **(environment or {}),
    }
    command = [
        sys.executable,
        "-m",
        "ticketflow",
        "worker",
        "--db",
        db,
        "--config",
        config,
        "--dispatch",
        "--batch",
        str(batch),
        "--lease",
        lease,
        "--worker",
        name,
        *(["--once"] if once else []),
        *(["--schema", schema] if schema is not None else []),
        *extra,
    ]
    log = (workdir / f"{name}.log").open("w", encoding="utf-8")
    try:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, stdout=log, stderr=subprocess.STDOUT, env=env, text=True
        )
    finally:
        log.close()


def wait_all(workers: Sequence[subprocess.Popen[str]], timeout: float) -> list[int]:
    """Wait for every worker; kill them all and fail if they take longer than ``timeout``."""
    deadline = time.monotonic() + timeout
    try:
        return [worker.wait(max(deadline - time.monotonic(), 0.01)) for worker in workers]
    except subprocess.TimeoutExpired:
        for worker in workers:
            worker.kill()
            worker.wait()
        raise AssertionError(
            f"the workers did not finish within {timeout} s (a deadlock?)"
        ) from None


def _events(store: Store) -> list[tuple[str, str, int]]:
    # (ticket id, event type, version) of every event, through the feed when there is one.
    found: list[tuple[str, str, int]] = []
    if isinstance(store, EventFeed):
        cursor = None
        while entries := (page := store.feed(after=cursor, limit=1000)).entries:
            found.extend((e.ticket_id, e.event.type, e.event.version) for e in entries)
            cursor = page.cursor
        return found
    query = TicketQuery(limit=1000)
    while True:
        result = store.query(query)
        for ticket in result.tickets:
            found.extend((ticket.id, e.type, e.version) for e in store.journal(ticket.id))
        if result.next_cursor is None:
            return found
        query = attrs.evolve(query, after=result.next_cursor)


def verify(
    db: str, workdir: Path, tickets: int, *, schema: str | None = None, seconds: float = 0.0
) -> Outcome:
    """Check what the workers left: each breach once, every message delivered, none left."""
    store = _open(db, schema=schema)
    try:
        events = _events(store)
        left = store.claim_outbox(
            worker="verify", now=WORK_AT + timedelta(days=365), lease=timedelta(seconds=1)
        )
        dead = list(store.dead_letters()) if isinstance(store, DeadLetterStore) else []
    finally:
        _close(store)
    per_ticket = Counter(ticket_id for ticket_id, kind, _ in events if kind in ALERTS)
    twice = {ticket_id: n for ticket_id, n in per_ticket.items() if n != 1}
    assert not twice, f"tickets with other than one alert: {dict(list(twice.items())[:5])}"
    assert len(per_ticket) == tickets, f"{len(per_ticket)} of {tickets} tickets have their alert"
    versions = Counter((ticket_id, version) for ticket_id, _, version in events)
    assert max(versions.values()) == 1, "an event version appears twice in a journal"
    assert [m.message.id for m in left] == [], f"{len(left)} messages were never delivered"
    assert dead == [], f"{len(dead)} messages became dead letters"
    delivered = Counter(
        line
        for record in (workdir / "delivered").glob("*.txt")
        for line in record.read_text(encoding="utf-8").splitlines()
    )
    # Every event has one outbox message, and none is left: each was handled before its ack.
    assert len(delivered) == len(events), (
        f"{len(delivered)} distinct messages delivered for {len(events)} events"
    )
    return Outcome(
        seconds=seconds,
        events=len(events),
        alerts=sum(per_ticket.values()),
        delivered=sum(delivered.values()),
        delivered_twice=sum(1 for n in delivered.values() if n > 1),
    )


def run_workers(
    db: str,
    *,
    processes: int,
    tickets: int,
    workdir: Path,
    timeout: float = 600.0,
    batch: int = 100,
    schema: str | None = None,
) -> Outcome:
    """Populate ``db``, run ``processes`` workers on it at once, and verify what they did."""
    populate(db, tickets, schema=schema)
    started = time.monotonic()
    workers = [
        start_worker(db, workdir, name=f"w{index}", batch=batch, schema=schema)
        for index in range(processes)
    ]
    codes = wait_all(workers, timeout)
    seconds = time.monotonic() - started
    logs = {
        f"w{index}": (workdir / f"w{index}.log").read_text(encoding="utf-8")
        for index in range(processes)
    }
    assert codes == [0] * processes, f"exit statuses {codes}: {logs}"
    return verify(db, workdir, tickets, schema=schema, seconds=seconds)
