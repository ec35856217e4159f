"""The PostgreSQL feed never skips an event that commits late with a lower sequence number.

Two real transactions on two connections commit out of order: the one that wrote its events
first (lower transaction id, lower sequence numbers) commits last. A reader that followed the
sequence would have moved past those events before they were visible, and never gone back.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from _postgres_server import DSN, DisposableStore, connect
from ticketflow.analytics import Analytics
from ticketflow.exceptions import InvalidValueError
from ticketflow.storage import FeedCursor, FeedPage, PostgresTicketStore
from ticketflow.storage import _postgres_feed as feed_module
from ticketflow.storage._feed import feed_runs
from ticketflow.storage._postgres_feed import writer_lock
from ticketflow.testing._feed_checks import read_to_the_end
from ticketflow.testing._store_checks import comment, created

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[PostgresTicketStore]:
    # A page waits this long for events that are committed but not yet settled.
    monkeypatch.setattr(feed_module, "SETTLE_WAIT", 0.2)
    with DisposableStore(pool_size=4) as opened:
        yield opened


def _keys(store: PostgresTicketStore, after: FeedCursor) -> list[tuple[str, int]]:
    events, _ = read_to_the_end(store, after)
    return [(event.ticket_id, event.version) for event in events]


def test_a_late_commit_with_lower_sequence_numbers_is_not_skipped(
    store: PostgresTicketStore,
) -> None:
    store.commit(attrs.evolve(created(1), memos={"sla": "v1"}))
    store.commit(created(2))
    _, start = read_to_the_end(store)
    early = attrs.evolve(comment(store.get("T1"), T0), memos={"sla": "v2"})
    failures: list[BaseException] = []

    def commit_early() -> None:
        try:
            store.commit(early)
        except BaseException as error:  # noqa: BLE001 - asserted below
            failures.append(error)

    with connect() as locker:
        # The locker holds T1's memo: the early commit writes its event, then waits for it.
        locker.execute("BEGIN")
        locker.execute(
            f"SELECT 1 FROM {store.schema}.ticket_memos WHERE ticket_id = 'T1' FOR UPDATE"  # noqa: S608
        )
        thread = threading.Thread(target=commit_early)
        thread.start()
        _wait_until_blocked(locker)
        store.commit(comment(store.get("T2"), T0))  # the late writer commits first
        with connect() as spy:
            spy.execute(f"SET search_path TO {store.schema}")
            rows = spy.execute(
                "SELECT ticket_id, seq FROM events WHERE version = 2 ORDER BY seq"
            ).fetchall()
            # Only T2's event is visible yet, with a higher sequence number than T1's to come.
            assert [ticket_id for ticket_id, _ in rows] == ["T2"]
            naive_position = rows[-1][1]
        # The reader sees nothing yet: T2's event waits for the older transaction.
        assert store.feed(after=start).entries == ()
        locker.execute("ROLLBACK")
        thread.join()
    assert not failures
    with connect() as spy:
        spy.execute(f"SET search_path TO {store.schema}")
        later = spy.execute(
            "SELECT ticket_id FROM events WHERE seq > %s ORDER BY seq", (naive_position,)
        ).fetchall()
        # A reader following sequence numbers would never see T1's event: it is behind.
        assert later == []
    assert _keys(store, start) == [("T1", 2), ("T2", 2)]
    everything, _ = read_to_the_end(store)
    keys = [(event.ticket_id, event.version) for event in everything]
    assert sorted(keys) == sorted(set(keys))
    assert len(keys) == 4


def test_a_transaction_elsewhere_does_not_hold_the_feed_back(
    store: PostgresTicketStore,
) -> None:
    store.commit(created(1))
    _, start = read_to_the_end(store)
    with connect() as other:
        other.execute("BEGIN")
        other.execute("SELECT pg_current_xact_id()")  # an older writer, of something else
        store.commit(comment(store.get("T1"), T0 + timedelta(minutes=1)))
        began = time.monotonic()
        assert [(e.event.ticket_id, e.event.version) for e in store.feed(after=start).entries] == [
            ("T1", 2)
        ]
        assert time.monotonic() - began < 0.1  # no waiting for it
        other.execute("COMMIT")


def test_a_commit_of_the_store_still_running_holds_later_ones_back(
    store: PostgresTicketStore,
) -> None:
    # The lock a commit takes first is what readers wait for, even before the commit has
    # written anything (and has a transaction id).
    store.commit(created(1))
    store.commit(created(2))
    _, start = read_to_the_end(store)
    with connect() as early:
        early.execute("BEGIN")
        early.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", writer_lock(store.schema))
        early.execute("SELECT pg_current_xact_id()")
        store.commit(comment(store.get("T2"), T0))
        assert store.feed(after=start).entries == ()
        early.execute("COMMIT")
    assert _keys(store, start) == [("T2", 2)]


def _wait_until_blocked(locker: object) -> None:
    pid = locker.info.backend_pid  # type: ignore[attr-defined]
    with connect() as watcher:
        for _ in range(500):
            if watcher.execute(
                "SELECT 1 FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", (pid,)
            ).fetchone():
                return
            threading.Event().wait(0.01)
    raise AssertionError("the early commit never waited for the locker")


def test_a_copy_on_a_server_whose_transaction_ids_are_behind_reads_on(
    store: PostgresTicketStore,
) -> None:
    # As if restored from pg_dump on a new server: its events' ids are far ahead of the
    # server's. Reopened, the store lifts new ids above them, so the reader misses nothing.
    ahead = 1_000_000_000_000
    store.commit(created(1))
    _, here = read_to_the_end(store)
    with connect() as other:
        other.execute(f"UPDATE {store.schema}.events SET xid = xid + %s", (ahead,))  # noqa: S608
    # The reader's cursor, taken on the old server.
    end = attrs.evolve(here, position=(here.position[0] + ahead, here.position[1]))
    with PostgresTicketStore(DSN, schema=store.schema, pool_size=1) as reopened:
        reopened.commit(comment(reopened.get("T1"), T0))
        assert _keys(reopened, end) == [("T1", 2)]
    with PostgresTicketStore(DSN, schema=store.schema, pool_size=1) as again:
        again.commit(comment(again.get("T1"), T0))  # the offset is kept, not raised again
        assert _keys(again, end) == [("T1", 2), ("T1", 3)]


def test_a_run_reads_what_the_feed_pages_read(store: PostgresTicketStore) -> None:
    for number in (1, 2, 3):
        store.commit(created(number))
    store.commit(comment(store.get("T2"), T0))
    run_of = feed_runs(store)
    assert run_of is not None
    cursors = [None, *(entry.cursor for entry in store.feed().entries)]
    for after, limit in itertools.product(cursors, (1, 2, 1000)):
        page = store.feed(after=after, limit=limit)
        run = run_of(after, limit)
        assert run.count == len(page.entries)
        assert list(run.events) == [entry.event for entry in page.entries]
        for read, entry in enumerate(page.entries, start=1):
            assert run.cursor(read) == entry.cursor
    end = store.feed().cursor
    ahead = attrs.evolve(end, position=(end.position[0] + 1, 0))
    with pytest.raises(InvalidValueError, match="past the end"):
        run_of(ahead, 10)
    with pytest.raises(InvalidValueError) as caught:
        run_of(None, 0)
    assert caught.value.field == "limit"


def test_analytics_reads_a_postgresql_store_as_it_reads_its_pages(
    store: PostgresTicketStore,
) -> None:
    for number in (1, 2, 3):
        store.commit(created(number))
    store.commit(comment(store.get("T2"), T0))

    class PagesOnly:
        def feed(self, *, after: FeedCursor | None = None, limit: int = 500) -> FeedPage:
            return store.feed(after=after, limit=limit)

    by_runs, by_pages = Analytics(store), Analytics(PagesOnly())
    assert by_runs.refresh() == by_pages.refresh() == 4
    assert by_runs.cursor == by_pages.cursor
    assert by_runs.metric("volume", by="queue") == by_pages.metric("volume", by="queue")
    assert by_runs.metric("time_to_first_response") == by_pages.metric("time_to_first_response")
