"""The conformance kit's checks for the event feed (:class:`EventFeed`).

Each check returns at once for a store without that protocol.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import attrs

from .._events import CommentAdded, TicketEvent
from .._journal import apply
from .._ticket import Ticket
from ..exceptions import ConflictError, InvalidValueError
from ..storage import Change, EventFeed, FeedCursor, FeedPage, TicketStore
from ._store_checks import BOB, T0, created, message, raises

__all__ = ["FEED_CHECKS", "listed", "read_to_the_end"]

Key = tuple[str, int]
"""An event's ticket id and version."""


def _feed_of(store: TicketStore) -> EventFeed | None:
    return store if isinstance(store, EventFeed) else None


def listed(events: Sequence[TicketEvent]) -> list[str]:
    """Return each event as ``"<ticket id> v<version> <type>"``, for a failure's message."""
    return [f"{event.ticket_id} v{event.version} {event.type}" for event in events]


def _keys(page: FeedPage) -> list[Key]:
    return [(entry.event.ticket_id, entry.event.version) for entry in page.entries]


def read_to_the_end(
    feed: EventFeed, after: FeedCursor | None = None, *, limit: int = 500
) -> tuple[list[TicketEvent], FeedCursor]:
    """Follow the cursor from ``after`` until a page is empty, checking every page.

    Returns:
        The events read, in feed order, and the cursor to poll with.
    """
    events: list[TicketEvent] = []
    while True:
        page = feed.feed(after=after, limit=limit)
        assert len(page.entries) <= limit, f"a page of {len(page.entries)} > limit {limit}"
        if not page.entries:
            if after is not None:
                assert page.cursor == after, (
                    f"an empty page must give back the cursor it was asked from:"
                    f" asked {after.text}, got {page.cursor.text}"
                )
            return events, page.cursor
        assert page.cursor == page.entries[-1].cursor, "a page's cursor is its last entry's"
        events.extend(entry.event for entry in page.entries)
        after = page.cursor


def _commented(ticket: Ticket, at: datetime, count: int) -> Change:
    # One commit of ``count`` comments.
    events: list[TicketEvent] = []
    after = ticket
    for _ in range(count):
        event = CommentAdded(
            ticket_id=ticket.id,
            version=after.version + 1,
            at=at,
            actor=BOB,
            comment_id=f"c{after.version + 1}",
            body="x",
            public=True,
        )
        events.append(event)
        after = apply(after, event)
    return Change(
        ticket=after,
        events=tuple(events),
        expected_version=ticket.version,
        outbox=tuple(message(event) for event in events),
    )


def _check_feed_starts_empty(store: TicketStore) -> None:
    feed = _feed_of(store)
    if feed is None:
        return
    page = feed.feed()
    assert page.entries == (), f"a new store's feed holds {page.entries}"
    again = feed.feed(after=page.cursor, limit=1)
    assert again.entries == (), "an empty feed read from its cursor holds nothing"
    assert again.cursor == page.cursor, "an empty page gives back the cursor it was asked from"
    assert FeedCursor.parse(page.cursor.text) == page.cursor, "the cursor's text reads back"
    store.commit(created(1))
    later = feed.feed(after=page.cursor)
    assert _keys(later) == [("T1", 1)], f"the first commit after the cursor: {_keys(later)}"


def _check_feed_follows_commit_order(store: TicketStore) -> None:
    feed = _feed_of(store)
    if feed is None:
        return
    expected: list[Key] = []
    for number in (1, 2, 3):
        store.commit(created(number, at=T0 + timedelta(minutes=10 - number)))
        expected.append((f"T{number}", 1))
    # Interleave commits of several tickets, some of several events; the order of their
    # times is not the order of the commits.
    for number, count, minutes in [(2, 2, 30), (1, 1, 25), (3, 3, 40), (2, 1, 31), (1, 2, 26)]:
        ticket = store.get(f"T{number}")
        store.commit(_commented(ticket, T0 + timedelta(minutes=minutes), count))
        expected += [(f"T{number}", ticket.version + i) for i in range(1, count + 1)]
    later = T0 + timedelta(hours=1)
    stale = _commented(store.get("T1"), later, 1)
    store.commit(_commented(store.get("T1"), later, 1))
    expected.append(("T1", stale.ticket.version))
    raises(ConflictError, lambda: store.commit(stale), "a commit at a stale version")
    ticket = store.get("T2")
    store.commit(Change(ticket=ticket, events=(), expected_version=ticket.version, due_at=later))
    events, _ = read_to_the_end(feed)
    keys = [(event.ticket_id, event.version) for event in events]
    assert keys == expected, f"the feed is not in commit order: {keys}, committed {expected}"
    for number in (1, 2, 3):
        journal = list(store.journal(f"T{number}"))
        mine = [event for event in events if event.ticket_id == f"T{number}"]
        assert mine == journal, f"T{number}'s events in the feed differ from its journal"


def _check_feed_pages_see_every_event_once(store: TicketStore) -> None:
    feed = _feed_of(store)
    if feed is None:
        return
    for number in range(1, 4):
        store.commit(created(number))
    for step in range(8):
        ticket = store.get(f"T{step % 3 + 1}")
        store.commit(_commented(ticket, T0 + timedelta(minutes=step), step % 3 + 1))
    whole, end = read_to_the_end(feed, limit=1000)
    assert len(whole) == 18, f"18 events were committed, the feed holds {len(whole)}"
    for limit in (1, 2, 3, 7):
        paged, cursor = read_to_the_end(feed, limit=limit)
        assert paged == whole, (
            f"read {limit} at a time, the feed gives {[(e.ticket_id, e.version) for e in paged]};"
            f" at once {[(e.ticket_id, e.version) for e in whole]}"
        )
        assert cursor == end, "the cursor at the end does not depend on the page size"
    page = feed.feed(limit=7)
    for index, entry in enumerate(page.entries):
        rest, _ = read_to_the_end(feed, entry.cursor, limit=5)
        assert rest == whole[index + 1 :], f"resuming after entry {index} of a page"
        resumed = FeedCursor.parse(entry.cursor.text)
        assert resumed == entry.cursor, f"{entry.cursor.text} reads back as {resumed}"
    store.commit(_commented(store.get("T2"), T0 + timedelta(hours=1), 2))
    news, _ = read_to_the_end(feed, FeedCursor.parse(end.text), limit=1)
    keys = [(event.ticket_id, event.version) for event in news]
    version = store.get("T2").version
    assert keys == [("T2", version - 1), ("T2", version)], f"after the end, then: {keys}"


def _check_feed_refuses_bad_cursors(store: TicketStore) -> None:
    feed = _feed_of(store)
    if feed is None:
        return
    store.commit(created(1))
    store.commit(created(2))
    cursor = feed.feed().cursor
    foreign = attrs.evolve(cursor, store=_other(cursor.store))
    for after, what in (
        (foreign, "a cursor of another store's feed"),
        (attrs.evolve(cursor, position=(*cursor.position, *cursor.position)), "a longer one"),
        (cursor.text, "a cursor's text instead of the cursor"),
        (5, "an integer"),
    ):
        try:
            feed.feed(after=after)  # type: ignore[arg-type]
        except InvalidValueError as error:
            assert error.field == "after", f"{what}: the error names {error.field!r}"
        else:
            raise AssertionError(f"{what} must raise InvalidValueError, not restart the feed")
    for limit in (0, 1001, True, 1.5, "5", None):
        try:
            feed.feed(limit=limit)  # type: ignore[arg-type]
        except InvalidValueError as error:
            assert error.field == "limit", f"limit={limit!r}: the error names {error.field!r}"
        else:
            raise AssertionError(f"feed(limit={limit!r}) must raise InvalidValueError")
    _check_past_the_end(feed, cursor)


def _check_past_the_end(feed: EventFeed, cursor: FeedCursor) -> None:
    # Where a store numbers its feed with one integer, one beyond its end is a cursor of a
    # later copy of the store: refused, since polling would skip what is committed next.
    if len(cursor.position) != 1:
        return
    ahead = attrs.evolve(cursor, position=(cursor.position[0] + 1,))
    raises(InvalidValueError, lambda: feed.feed(after=ahead), "a cursor past the feed's end")


def _other(store: str) -> str:
    # Another valid feed identity.
    return ("x" if store[-1] != "x" else "y") + store[1:]


_WRITERS = 4
_COMMITS = 24  # per writer


class _Writers:
    """Four threads committing to two tickets each, recording when each commit began and ended.

    A tick is taken before each commit and after it returns, from one counter: a commit whose
    end tick is below another's begin tick returned before the other began.
    """

    def __init__(self, store: TicketStore) -> None:
        self.store = store
        self.ticks = itertools.count()
        self.spans: dict[Key, tuple[int, int]] = {}  # each commit (its first event): ticks
        self.commits: dict[Key, Key] = {}  # every committed event: its commit
        self.failures: list[Exception] = []
        self.lock = threading.Lock()
        self.barrier = threading.Barrier(_WRITERS + 1)
        self.threads = [threading.Thread(target=self.write, args=(n,)) for n in range(_WRITERS)]
        for thread in self.threads:
            thread.start()

    def write(self, writer: int) -> None:
        try:
            self.barrier.wait()
            numbers = [100 + writer * 2 + n for n in range(2)]
            for index in range(_COMMITS):
                number = numbers[index % 2]
                if index < 2:
                    change = created(number)
                else:
                    at = T0 + timedelta(seconds=index)
                    change = _commented(self.store.get(f"T{number}"), at, 1 + index % 3)
                self._commit(change)
        except Exception as error:  # noqa: BLE001 - reported by the reading thread
            self.failures.append(error)

    def _commit(self, change: Change) -> None:
        with self.lock:
            began = next(self.ticks)
        self.store.commit(change)
        with self.lock:
            ended = next(self.ticks)
            first = change.events[0]
            key = (first.ticket_id, first.version)
            self.spans[key] = (began, ended)
            for event in change.events:
                self.commits[(event.ticket_id, event.version)] = key

    def writing(self) -> bool:
        return any(thread.is_alive() for thread in self.threads)

    def join(self) -> None:
        for thread in self.threads:
            thread.join()
        if self.failures:
            raise self.failures[0]


def _check_feed_under_concurrent_writers(store: TicketStore) -> None:
    feed = _feed_of(store)
    if feed is None:
        return
    writers = _Writers(store)
    seen: list[TicketEvent] = []
    cursor: FeedCursor | None = None
    writers.barrier.wait()
    finished = False
    while True:
        # Every commit has returned before the last read begins: it must see the rest.
        last = finished
        page = feed.feed(after=cursor, limit=7)
        seen.extend(entry.event for entry in page.entries)
        cursor = page.cursor
        if last and not page.entries:
            break
        finished = not writers.writing()
    writers.join()
    keys = [(event.ticket_id, event.version) for event in seen]
    assert len(keys) == len(set(keys)), "a reader following the cursor saw an event twice"
    missing = sorted(set(writers.commits) - set(keys))
    assert not missing, f"a reader following the cursor never saw {missing[:5]}"
    _assert_commit_order(keys, writers.commits, writers.spans)


def _assert_commit_order(
    keys: list[Key], commits: dict[Key, Key], spans: dict[Key, tuple[int, int]]
) -> None:
    versions: dict[str, int] = {}
    for ticket_id, version in keys:
        assert version == versions.get(ticket_id, 0) + 1, (
            f"{ticket_id} v{version} came after v{versions.get(ticket_id, 0)} in the feed"
        )
        versions[ticket_id] = version
    order = [commits[key] for key in keys]
    runs = [commit for commit, _ in itertools.groupby(order)]
    assert len(runs) == len(set(runs)), "another commit's events came between one commit's"
    # The feed puts each commit before the later ones: none of those ended before it began.
    for index, commit in enumerate(runs):
        began = spans[commit][0]
        for other in runs[index + 1 :]:
            assert spans[other][1] > began, (
                f"commit {other} ended before {commit} began, yet comes after it in the feed"
            )


FEED_CHECKS: tuple[Callable[[TicketStore], None], ...] = (
    _check_feed_starts_empty,
    _check_feed_follows_commit_order,
    _check_feed_pages_see_every_event_once,
    _check_feed_refuses_bad_cursors,
    _check_feed_under_concurrent_writers,
)
"""The targeted checks of the event-feed half of the protocol, in the order they run."""
