"""Exact dedupe across processes: four workers take in the same 200 messages at once.

Each worker is its own process (``spawn``) with its own SQLite connection, Desk and Intake on
one file, and the same secret; all start together at a barrier, each in its own order. A
message's Message-ID is claimed in its ticket's commit, so the workers make exactly one ticket
per message between them, and every other delivery is answered as a duplicate of it.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import time
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Final

import pytest
from _mail import DESK_ADDRESS, SECRET, mail

from ticketflow import Desk
from ticketflow.intake import InMemoryAttachmentSink, Intake, IntakeAction, MailIdentity
from ticketflow.storage import IntakeStore, SQLiteTicketStore, TicketQuery

WORKERS: Final = 4
MESSAGES: Final = 200
Result = tuple[int, str, str | None, bool]
"""One delivery: the message's index, the action, the ticket's id, and whether it lost a race
(its claim was refused in the commit, after the check before it had found the key free)."""


def _words(pick: random.Random, count: int) -> str:
    # Made-up words: no two messages share enough shingles to be near duplicates.
    letters = "abcdefghijklmnopqrstuvwxyz"
    return " ".join("".join(pick.choices(letters, k=pick.randint(4, 9))) for _ in range(count))


def messages() -> list[bytes]:
    """The 200 distinct messages every worker takes in (the same in every process)."""
    pick = random.Random(20260302)
    return [
        mail(
            sender=f"user{index}@example.com",
            subject=f"{_words(pick, 5)} ({index})",
            message_id=f"<bulk-{index}@example.com>",
            body=_words(pick, 40) + "\n",
        )
        for index in range(MESSAGES)
    ]


def _worker(
    path: str, worker: int, shuffle: bool, start: Barrier, results: multiprocessing.Queue[object]
) -> None:
    try:
        store = SQLiteTicketStore(path)
        intake = Intake(
            Desk(store),
            identity=MailIdentity(DESK_ADDRESS, SECRET),
            attachments=InMemoryAttachmentSink(),
        )
        order = list(enumerate(messages()))
        if shuffle:
            random.Random(worker).shuffle(order)
        done: list[Result] = []
        start.wait(timeout=60)
        for index, raw in order:
            outcome = intake.ingest_email(raw)
            ticket = outcome.ticket
            raced = "same moment" in outcome.reason
            done.append((index, outcome.action.value, None if ticket is None else ticket.id, raced))
        store.close()
        results.put((worker, done))
    except BaseException as error:  # reported to the test, which fails with it
        results.put((worker, repr(error)))
        raise


def _all_ticket_ids(store: SQLiteTicketStore) -> list[str]:
    ids: list[str] = []
    after: int | None = None
    while True:
        page = store.query(TicketQuery(limit=1000, after=after))
        ids.extend(ticket.id for ticket in page.tickets)
        if page.next_cursor is None:
            return ids
        after = page.next_cursor


@pytest.mark.slow
@pytest.mark.parametrize("shuffle", [True, False], ids=["each-in-its-order", "in-lockstep"])
def test_four_processes_ingesting_the_same_200_messages_make_200_tickets(
    tmp_path: Path, shuffle: bool
) -> None:
    # In lockstep, the workers race for the same message at the same moment, again and again.
    path = tmp_path / "tickets.sqlite3"
    SQLiteTicketStore(path).close()  # the schema, made once before the race
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(WORKERS)
    results: multiprocessing.Queue[object] = context.Queue()
    workers = [
        context.Process(target=_worker, args=(str(path), worker, shuffle, start, results))
        for worker in range(WORKERS)
    ]
    began = time.perf_counter()
    for process in workers:
        process.start()
    by_worker: dict[int, list[Result]] = {}
    try:
        for _ in workers:
            answer = results.get(timeout=300)
            assert isinstance(answer, tuple)
            worker, done = answer
            assert isinstance(done, list), f"worker {worker} failed: {done}"
            by_worker[worker] = done
    except queue.Empty:  # pragma: no cover - a hung worker
        pytest.fail(f"only {len(by_worker)} of {WORKERS} workers answered")
    finally:
        for process in workers:
            process.join(timeout=60)
            if process.is_alive():  # pragma: no cover
                process.kill()
    elapsed = time.perf_counter() - began
    assert all(process.exitcode == 0 for process in workers)

    created = {IntakeAction.CREATED.value, IntakeAction.LINKED.value}
    tickets_of: dict[int, set[str | None]] = {index: set() for index in range(MESSAGES)}
    made = 0
    for done in by_worker.values():
        assert sorted(index for index, *_ in done) == list(range(MESSAGES))
        for index, action, ticket_id, _ in done:
            assert action in created | {IntakeAction.DUPLICATE.value}, (index, action)
            assert ticket_id is not None
            tickets_of[index].add(ticket_id)
            made += action in created
    assert made == MESSAGES, f"{made} tickets created for {MESSAGES} messages"
    assert all(len(found) == 1 for found in tickets_of.values()), "one ticket per message"

    store = SQLiteTicketStore(path)
    try:
        assert isinstance(store, IntakeStore)
        ids = _all_ticket_ids(store)
        assert len(ids) == len(set(ids)) == MESSAGES
        for index, found in tickets_of.items():
            assert store.claimant(f"message-id:<bulk-{index}@example.com>") in found
        assert {ticket_id for found in tickets_of.values() for ticket_id in found} == set(ids)
    finally:
        store.close()
    shares = sorted(sum(a != "duplicate" for _, a, *_ in done) for done in by_worker.values())
    raced = sum(lost for done in by_worker.values() for *_, lost in done)
    print(  # noqa: T201 - shown with -s
        f"{WORKERS} processes x {MESSAGES} messages: {elapsed:.1f} s,"
        f" created per worker {shares}, {raced} refused at commit"
    )
