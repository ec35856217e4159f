"""The conformance kit finds stores that break the event-feed contract, and names the check."""

from __future__ import annotations

import bisect
import itertools
import threading
import time
from collections.abc import Callable

import pytest

from ticketflow import TicketAssigned, TicketEvent
from ticketflow.storage import Change, FeedCursor, FeedPage, InMemoryTicketStore, TicketStore
from ticketflow.storage._feed import feed_arguments, feed_page, feed_position, past_the_end
from ticketflow.testing import check_ticket_store


class PageBoundarySkippingStore(InMemoryTicketStore):
    """Hands out a cursor one event past a full page: the event after each full page is lost."""

    def feed(self, *, after: FeedCursor | None = None, limit: int = 500) -> FeedPage:
        page = super().feed(after=after, limit=limit)
        if len(page.entries) < limit:
            return page
        (position,) = page.cursor.position
        return _with_cursor(page, FeedCursor(page.cursor.store, (position + 1,)))


def _with_cursor(page: FeedPage, cursor: FeedCursor) -> FeedPage:
    # The last entry's cursor moves with the page's, as a store numbering its rows wrongly does.
    *rest, last = page.entries
    moved = type(last)(last.event, cursor)
    return FeedPage((*rest, moved), cursor)


class ForeignCursorReadingStore(InMemoryTicketStore):
    """Reads any cursor's position, whichever store's feed it belongs to."""

    def feed(self, *, after: FeedCursor | None = None, limit: int = 500) -> FeedPage:
        own = None if after is None else FeedCursor(self._feed_id, after.position[:1])
        return super().feed(after=own, limit=limit)


class LastEventOfACommitStore(InMemoryTicketStore):
    """Puts only the last event of each commit in the feed."""

    def commit(self, change: Change) -> None:
        before = len(self._feed)
        super().commit(change)
        with self._lock:
            if len(self._feed) > before + 1:
                del self._feed[before:-1]


class AssignmentBlindStore(InMemoryTicketStore):
    """Leaves assignments out of the feed (the targeted checks commit none)."""

    def commit(self, change: Change) -> None:
        super().commit(change)
        with self._lock:
            self._feed[:] = [e for e in self._feed if not isinstance(e, TicketAssigned)]


class EarlyNumberingStore(InMemoryTicketStore):
    """Numbers events before it commits them, as a database sequence does, and reads by number.

    A commit numbered early may become visible after one numbered later: a reader whose cursor
    has passed the later one never sees it. Every other commit takes a little longer, as a
    busy database's do.
    """

    def __init__(self) -> None:
        super().__init__()
        self._numbers = itertools.count(1)
        self._numbering = threading.Lock()
        self._numbered: list[tuple[int, TicketEvent]] = []

    def commit(self, change: Change) -> None:
        with self._numbering:
            numbers = [next(self._numbers) for _ in change.events]
        if numbers and numbers[0] % 2:
            time.sleep(0.002)
        super().commit(change)
        with self._lock:
            for number, event in zip(numbers, change.events, strict=True):
                bisect.insort(self._numbered, (number, event), key=lambda pair: pair[0])

    def feed(self, *, after: FeedCursor | None = None, limit: int = 500) -> FeedPage:
        after, limit = feed_arguments(after, limit)
        start = feed_position(after, self._feed_id)
        with self._lock:
            index = bisect.bisect_right(self._numbered, start, key=lambda pair: pair[0])
            found = self._numbered[index : index + limit]
            end = self._numbered[-1][0] if self._numbered else 0
        if not found:
            if after is not None and start > end:
                raise past_the_end(after, end)
            return feed_page(self._feed_id, start, [], after)
        page = feed_page(self._feed_id, 0, [event for _, event in found], after)
        entries = tuple(
            type(entry)(entry.event, FeedCursor(self._feed_id, (number,)))
            for entry, (number, _) in zip(page.entries, found, strict=True)
        )
        return FeedPage(entries, entries[-1].cursor)


def _kit_failure(store: Callable[[], TicketStore], check: str, max_examples: int = 0) -> str:
    with pytest.raises(AssertionError) as caught:
        check_ticket_store(store, max_examples=max_examples)
    message = str(caught.value)
    assert message.startswith(f"check_ticket_store[{check}]: "), message
    return message


def test_a_cursor_that_skips_past_a_page_boundary_fails_feed_pages_see_every_event_once() -> None:
    message = _kit_failure(PageBoundarySkippingStore, "feed_pages_see_every_event_once")
    assert "read 1 at a time, the feed gives [('T1', 1), ('T3', 1), ('T2', 2)," in message, message


def test_reading_another_stores_cursor_fails_feed_refuses_bad_cursors() -> None:
    message = _kit_failure(ForeignCursorReadingStore, "feed_refuses_bad_cursors")
    assert "a cursor of another store's feed must raise InvalidValueError" in message, message


def test_a_feed_that_drops_events_of_a_commit_fails_feed_follows_commit_order() -> None:
    message = _kit_failure(LastEventOfACommitStore, "feed_follows_commit_order")
    assert "not in commit order" in message, message


def test_numbering_events_before_they_commit_fails_feed_under_concurrent_writers() -> None:
    message = _kit_failure(EarlyNumberingStore, "feed_under_concurrent_writers")
    assert "never saw" in message, message


def test_the_early_numbering_store_passes_every_check_without_concurrent_writers() -> None:
    # Guards the test above: the concurrent check, not another, catches its bug.
    from ticketflow.testing import _feed_checks, _store_checks  # noqa: PLC0415

    checks = [
        check
        for check in _feed_checks.FEED_CHECKS
        if check is not _feed_checks._check_feed_under_concurrent_writers
    ]
    for check in (*_store_checks.TARGETED_CHECKS, *checks):
        check(EarlyNumberingStore())


def test_a_feed_that_leaves_out_a_kind_of_event_fails_the_state_machine() -> None:
    message = _kit_failure(AssignmentBlindStore, "stateful.feeds_agree", max_examples=200)
    assert "T1 v2 assigned" in message, message


def test_the_reference_store_passes_the_feed_checks() -> None:
    check_ticket_store(InMemoryTicketStore, max_examples=0)
