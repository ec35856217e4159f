"""The PostgreSQL store under trouble: lost connections, timeouts, deadlocks, NUL characters.

Each test makes the trouble for real on the server: a backend killed with
``pg_terminate_backend`` from another connection, a row lock held by another transaction.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from psycopg.conninfo import make_conninfo

from _postgres_server import DSN, DisposableStore, connect, require_server
from ticketflow import Actor, NewTicket, Requester, retrying
from ticketflow._workflow import DEFAULT_WORKFLOW
from ticketflow.exceptions import ConflictError, StoreError, TicketNotFoundError
from ticketflow.storage import (
    Change,
    FeedCursor,
    InMemoryTicketStore,
    OutboxMessage,
    PostgresTicketStore,
    TicketQuery,
    TicketStore,
)
from ticketflow.testing._store_checks import comment, created

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
LEASE = timedelta(minutes=5)


@pytest.fixture
def store() -> Iterator[PostgresTicketStore]:
    with DisposableStore(pool_size=2) as opened:
        yield opened


def _in_thread(call: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    failures: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as error:  # noqa: BLE001 - the test looks at it
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures


def _waiting_for(locker: Any, schema: str) -> int:
    # The pid of the store's backend that waits for a lock the locker holds.
    locker_pid = locker.info.backend_pid
    with connect() as watcher:
        for _ in range(500):
            row = watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                (locker_pid,),
            ).fetchone()
            if row is not None:
                return int(row[0])
            time.sleep(0.01)
    raise AssertionError(f"no backend of {schema} waits for the locker")


def _lock_memo(locker: Any, schema: str, ticket_id: str, name: str) -> None:
    # Hold the memo's row, so that a commit writing it waits after its ticket and events.
    locker.execute("BEGIN")
    locker.execute(
        f"SELECT 1 FROM {schema}.ticket_memos WHERE ticket_id = %s AND name = %s FOR UPDATE",  # noqa: S608
        (ticket_id, name),
    )


def _with_memo(change: Change, name: str, body: str) -> Change:
    return attrs.evolve(change, memos={name: body})


def test_a_connection_lost_mid_commit_is_a_store_error_and_writes_nothing(
    store: PostgresTicketStore,
) -> None:
    store.commit(_with_memo(created(1), "sla", "v1"))
    before = store.get("T1")
    change = _with_memo(comment(before, T0 + timedelta(minutes=1), due_at=T0), "sla", "v2")
    with connect() as locker:
        _lock_memo(locker, store.schema, "T1", "sla")
        thread, failures = _in_thread(lambda: store.commit(change))
        victim = _waiting_for(locker, store.schema)
        # By now the commit has updated the ticket and written its events and message.
        with connect() as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", (victim,))
        thread.join()
        locker.execute("ROLLBACK")
    assert len(failures) == 1
    assert type(failures[0]) is StoreError, repr(failures[0])
    assert store.get("T1") == before
    assert len(store.journal("T1")) == 1
    assert store.memos("T1") == {"sla": "v1"}
    assert store.due(T0 + timedelta(days=1)) == []
    assert [m.message.id for m in store.claim_outbox(worker="w", now=T0, lease=LEASE)] == ["m-T1-1"]
    # The next command gets a connection that works.
    store.commit(change)
    assert store.get("T1").version == 2


def test_idle_connections_killed_meanwhile_are_replaced() -> None:
    with DisposableStore(pool_size=1) as store:
        store.commit(created(1))
        pool = store._pool
        assert pool is not None
        with pool.connection() as connection:
            pid = connection.info.backend_pid
        with connect() as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
            for _ in range(100):
                if not killer.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)
                ).fetchone():
                    break
                time.sleep(0.01)
        # The server's goodbye waits on the idle connection: it is replaced, not used.
        assert store.get("T1").id == "T1"
        with pool.connection() as connection:
            assert connection.info.backend_pid != pid


def test_a_statement_timeout_is_a_store_error_and_writes_nothing() -> None:
    with DisposableStore(pool_size=1, statement_timeout=0.3) as store, connect() as locker:
        store.commit(_with_memo(created(1), "sla", "v1"))
        change = _with_memo(comment(store.get("T1"), T0), "sla", "v2")
        _lock_memo(locker, store.schema, "T1", "sla")
        with pytest.raises(StoreError, match="timed out"):
            store.commit(change)
        locker.execute("ROLLBACK")
        assert store.get("T1").version == 1
        store.commit(change)
        assert store.get("T1").version == 2


def test_a_deadlock_is_a_conflict_that_retrying_gets_past(store: PostgresTicketStore) -> None:
    store.commit(_with_memo(created(1), "sla", "v1"))
    with connect() as locker:
        # The store's side notices the deadlock: the locker waits ten seconds before checking.
        locker.execute("SET deadlock_timeout = '10s'")
        _lock_memo(locker, store.schema, "T1", "sla")
        change = _with_memo(comment(store.get("T1"), T0), "sla", "v2")
        thread, failures = _in_thread(lambda: store.commit(change))
        _waiting_for(locker, store.schema)
        # The store's commit holds the ticket's row and waits for the memo; now the locker
        # waits for the ticket's row: a deadlock, which PostgreSQL breaks on the store's side.
        locker.execute(
            f"SELECT 1 FROM {store.schema}.tickets WHERE id = 'T1' FOR UPDATE"  # noqa: S608
        )
        thread.join()
        locker.execute("ROLLBACK")
    assert len(failures) == 1
    assert isinstance(failures[0], ConflictError), repr(failures[0])
    assert failures[0].ticket_id == "T1"
    assert store.get("T1").version == 1
    # The command runs again, and wins this time.
    retrying(lambda: store.commit(_with_memo(comment(store.get("T1"), T0), "sla", "v2")))
    assert store.memos("T1") == {"sla": "v2"}


def test_a_lock_not_available_is_a_conflict_that_retrying_gets_past() -> None:
    # A host's lock_timeout (55P03, lock_not_available) gives up on a row another holds.
    dsn = make_conninfo(DSN, options="-c lock_timeout=200")
    with DisposableStore(dsn, pool_size=1) as store, connect() as locker:
        store.commit(created(1))
        change = comment(store.get("T1"), T0)
        locker.execute("BEGIN")
        locker.execute(
            f"SELECT 1 FROM {store.schema}.tickets WHERE id = 'T1' FOR UPDATE"  # noqa: S608
        )
        with pytest.raises(ConflictError) as raised:
            store.commit(change)
        assert raised.value.ticket_id == "T1"
        locker.execute("ROLLBACK")
        assert store.get("T1").version == 1
        retrying(lambda: store.commit(comment(store.get("T1"), T0)))
        assert store.get("T1").version == 2


def test_a_serialization_failure_is_a_conflict_that_retrying_gets_past() -> None:
    # A host whose transactions are serializable (40001): the ticket's row changed after the
    # commit's snapshot was taken.
    dsn = make_conninfo(DSN, options="-c default_transaction_isolation=serializable")
    with DisposableStore(dsn, pool_size=1) as store, connect() as locker:
        store.commit(created(1))
        change = comment(store.get("T1"), T0)
        locker.execute("BEGIN")
        locker.execute(
            f"UPDATE {store.schema}.tickets SET version = version WHERE id = 'T1'"  # noqa: S608
        )
        thread, failures = _in_thread(lambda: store.commit(change))
        _waiting_for(locker, store.schema)
        locker.execute("COMMIT")
        thread.join()
        assert len(failures) == 1
        assert isinstance(failures[0], ConflictError), repr(failures[0])
        assert failures[0].ticket_id == "T1"
        assert store.get("T1").version == 1
        retrying(lambda: store.commit(comment(store.get("T1"), T0)))
        assert store.get("T1").version == 2


def test_a_closed_store_raises_store_errors(store: PostgresTicketStore) -> None:
    store.close()
    store.close()
    for call in (
        lambda: store.get("T1"),
        store.allocate_number,
        lambda: store.commit(created(1)),
        store.feed,
    ):
        with pytest.raises(StoreError, match="closed"):
            call()
    assert "closed" in repr(store)


# -- NUL characters: PostgreSQL's text refuses them, the store keeps them ---------------------

NUL = "a\x00b\x01c"


def _nul_change() -> Change:
    ticket, event = DEFAULT_WORKFLOW.create(
        NewTicket(
            subject=f"subject {NUL}",
            description=f"body {NUL}",
            requester=Requester("nul@example.com"),
            queue=f"queue {NUL}",
            fields={f"field {NUL}": f"value {NUL}", "n": 1},
        ),
        id=f"T{NUL}",
        number=7,
        actor=Actor.agent(f"agent {NUL}"),
        at=T0,
    )
    return Change(
        ticket=ticket,
        events=(event,),
        expected_version=0,
        outbox=(
            OutboxMessage(
                id=f"m{NUL}",
                topic=f"topic {NUL}",
                payload={f"k{NUL}": [NUL]},
                ticket_id=ticket.id,
                created_at=T0,
            ),
        ),
        due_at=T0,
        memos={f"memo {NUL}": f"text {NUL}"},
        claims=(f"claim {NUL}",),
    )


def _answers(store: TicketStore) -> list[object]:
    change = _nul_change()
    store.commit(change)
    ticket_id = change.ticket.id
    leased = store.claim_outbox(worker=f"w{NUL}", now=T0, lease=LEASE)
    answers: list[object] = [
        store.get(ticket_id),
        store.get_by_number(7),
        list(store.journal(ticket_id)),
        store.query(TicketQuery(queue=f"queue {NUL}")),
        store.query(TicketQuery(fields={f"field {NUL}": f"value {NUL}"})),
        store.query(TicketQuery(fields={f"field {NUL}": "value a"})),
        list(store.due(T0)),
        [(m.message, m.attempts) for m in leased],
        dict(store.memos(ticket_id)),  # type: ignore[attr-defined]
        store.claimant(f"claim {NUL}"),  # type: ignore[attr-defined]
        [entry.event for entry in store.feed().entries],  # type: ignore[attr-defined]
    ]
    answers.append(store.dead_letter_outbox(leased[0], error=f"gone {NUL}", at=T0))  # type: ignore[attr-defined]
    dead = store.dead_letters()  # type: ignore[attr-defined]
    answers.append([(d.message, d.last_error) for d in dead])
    answers.append(store.resend_dead_letter(f"m{NUL}", not_before=T0))  # type: ignore[attr-defined]
    answers.append(store.rotate(f"queue {NUL}", [f"x{NUL}", f"x{NUL}y"]))  # type: ignore[attr-defined]
    answers.append(store.rotate(f"queue {NUL}", [f"x{NUL}", f"x{NUL}y"]))  # type: ignore[attr-defined]
    return answers


def test_text_with_nul_characters_reads_back_as_from_the_memory_store(
    store: PostgresTicketStore,
) -> None:
    expected = _answers(InMemoryTicketStore())
    assert _answers(store) == expected
    assert store.get(f"T{NUL}").subject == f"subject {NUL}"


def test_a_cursor_of_the_feed_has_two_parts(store: PostgresTicketStore) -> None:
    store.commit(created(1))
    page = store.feed()
    assert len(page.entries[0].cursor.position) == 2
    assert FeedCursor.parse(page.cursor.text) == page.cursor


def test_the_last_number_is_the_end_as_in_the_other_stores(store: PostgresTicketStore) -> None:
    from test_store_numbering import INT64_MAX, numbered, renumbered  # noqa: PLC0415

    store.commit(renumbered(created(1), INT64_MAX))
    with pytest.raises(StoreError, match="no ticket number is left"):
        store.commit(numbered(2))
    with pytest.raises(TicketNotFoundError):
        store.get("T2")
    store.commit(created(3))  # the store works on


def test_a_missing_server_skips_the_tests_but_fails_them_under_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nowhere = "postgresql://postgres@127.0.0.1:1/test"
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL server"):
        require_server(nowhere)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and no PostgreSQL server"):
        require_server(nowhere)
