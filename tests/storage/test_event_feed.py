"""The event feed: cursors as values and text, and both shipped stores reading it alike."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from _side_by_side import created, store_pair, values_of_every_type
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ticketflow import Actor, Desk, NewTicket, Requester
from ticketflow.exceptions import InvalidValueError, TicketflowError
from ticketflow.storage import (
    EventFeed,
    FeedCursor,
    FeedEntry,
    FeedPage,
    InMemoryTicketStore,
    SQLiteTicketStore,
)
from ticketflow.storage._feed import feed_runs
from ticketflow.testing import FrozenClock, check_ticket_store

Pair = tuple[InMemoryTicketStore, SQLiteTicketStore]

stores = st.text("abcdefXYZ019-_", min_size=1, max_size=64)
positions = st.lists(st.integers(0, 2**63 - 1), min_size=1, max_size=4).map(tuple)


@pytest.fixture
def pair() -> Iterator[Pair]:
    with store_pair() as stores_:
        for store in stores_:
            for number in (1, 2, 3):
                store.commit(created(number))
        yield stores_


# -- cursors ---------------------------------------------------------------------------------


@given(store=stores, position=positions)
def test_a_cursor_reads_back_from_its_text(store: str, position: tuple[int, ...]) -> None:
    cursor = FeedCursor(store, position)
    assert FeedCursor.parse(cursor.text) == cursor
    assert FeedCursor.parse(cursor.text).text == cursor.text


def test_the_text_of_a_cursor_is_stable() -> None:
    # A reader keeps this text across releases: it must never change.
    assert FeedCursor("0a1b", (42,)).text == "feed1:0a1b:42"
    assert FeedCursor("s", (7, 0)).text == "feed1:s:7.0"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "feed1:",
        "feed1:abc",
        "feed1:abc:",
        "feed1:abc:-1",
        "feed1:abc:01",
        "feed1:abc:+1",
        "feed1:abc:1.",
        "feed1:abc:1.2.3.4.5",
        "feed1:abc:9223372036854775808",
        "feed1:abc:99999999999999999999",
        "feed1:a:b:1",
        "feed1:a.b:1",
        "feed1:é:1",
        "feed2:abc:1",
        " feed1:abc:1",
        "feed1:abc:1\n",
        "feed1:abc:\uff11",  # a full-width digit one: int() would take it
        "feed1:" + "a" * 65 + ":1",
        "feed1:abc:" + "1" * 5000,
        "\ud800",
    ],
)
def test_damaged_cursor_text_is_refused_naming_text(text: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        FeedCursor.parse(text)
    assert caught.value.field == "text"


@given(value=values_of_every_type() | st.text())
def test_parsing_any_value_gives_a_cursor_or_an_invalid_value(value: object) -> None:
    try:
        cursor = FeedCursor.parse(value)  # type: ignore[arg-type]
    except InvalidValueError as error:
        field = error.field
    else:
        field = cursor.text
    assert field in ("text", value)


@pytest.mark.parametrize(
    ("store", "position", "field"),
    [
        ("", (1,), "store"),
        ("a:b", (1,), "store"),
        ("a" * 65, (1,), "store"),
        (5, (1,), "store"),
        ("a", (), "position"),
        ("a", (1, 2, 3, 4, 5), "position"),
        ("a", (-1,), "position"),
        ("a", (2**63,), "position"),
        ("a", (True,), "position"),
        ("a", (1.0,), "position"),
        ("a", 1, "position"),
        ("a", "1", "position"),
    ],
)
def test_a_cursor_out_of_its_domain_is_refused(store: object, position: object, field: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        FeedCursor(store, position)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_page_cursor_must_be_its_last_entrys(pair: Pair) -> None:
    memory, _ = pair
    page = memory.feed()
    with pytest.raises(InvalidValueError) as caught:
        FeedPage(page.entries, page.entries[0].cursor)
    assert caught.value.field == "cursor"
    with pytest.raises(InvalidValueError) as caught:
        FeedPage([page.cursor], page.cursor)  # type: ignore[list-item]
    assert caught.value.field == "entries[0]"
    with pytest.raises(InvalidValueError) as caught:
        FeedEntry(page.entries[0], page.cursor)  # type: ignore[arg-type]
    assert caught.value.field == "event"


# -- both stores -----------------------------------------------------------------------------


def test_both_stores_have_the_feed(pair: Pair) -> None:
    for store in pair:
        assert isinstance(store, EventFeed)
        page = store.feed()
        assert [(e.ticket_id, e.event.version) for e in page.entries] == [
            ("T1", 1),
            ("T2", 1),
            ("T3", 1),
        ]
        assert [e.event for e in page.entries] == [store.journal(f"T{n}")[0] for n in (1, 2, 3)]


def test_each_store_has_a_feed_of_its_own(pair: Pair) -> None:
    memory, sqlite = pair
    assert memory.feed().cursor.store != sqlite.feed().cursor.store
    assert InMemoryTicketStore().feed().cursor.store != memory.feed().cursor.store
    for mine, theirs in ((memory, sqlite), (sqlite, memory)):
        with pytest.raises(InvalidValueError, match="another store's feed") as caught:
            mine.feed(after=theirs.feed(limit=1).cursor)
        assert caught.value.field == "after"


@pytest.mark.parametrize(
    ("after", "limit", "field"),
    [
        ("feed1:abc:1", 10, "after"),
        (1, 10, "after"),
        (None, 0, "limit"),
        (None, 1001, "limit"),
        (None, True, "limit"),
        (None, 2.0, "limit"),
        pytest.param(None, 10**5000, "limit", id="None-huge-limit"),
        ("x", "y", "after"),  # after is checked first
    ],
)
def test_a_bad_argument_is_an_invalid_value_naming_it(
    pair: Pair, after: object, limit: object, field: str
) -> None:
    for store in pair:
        with pytest.raises(InvalidValueError) as caught:
            store.feed(after=after, limit=limit)  # type: ignore[arg-type]
        assert caught.value.field == field


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(after=values_of_every_type(), limit=st.integers(-2, 1002) | values_of_every_type())
def test_any_arguments_get_a_page_or_the_same_error_from_both_stores(
    pair: Pair, after: object, limit: object
) -> None:
    answers: list[object] = []
    for store in pair:
        try:
            page = store.feed(after=after, limit=limit)  # type: ignore[arg-type]
        except TicketflowError as error:
            answers.append((type(error), getattr(error, "field", None)))
        else:
            answers.append([entry.event for entry in page.entries])
    assert answers[0] == answers[1]


def test_a_cursor_past_the_end_is_refused(pair: Pair) -> None:
    for store in pair:
        end = store.feed().cursor
        ahead = FeedCursor(end.store, (end.position[0] + 1,))
        with pytest.raises(InvalidValueError, match="past the end") as caught:
            store.feed(after=ahead)
        assert caught.value.field == "after"
        assert store.feed(after=end).entries == ()


# -- runs: the private read of a whole-feed reader (analytics) ---------------------------------


def test_a_run_reads_what_the_feed_pages_read(pair: Pair) -> None:
    for store in pair:
        for number in (4, 5, 6, 7):
            store.commit(created(number))
        run_of = feed_runs(store)
        assert run_of is not None
        cursors = [None, *(entry.cursor for entry in store.feed().entries)]
        for after, limit in itertools.product(cursors, (1, 2, 3, 1000)):
            page = store.feed(after=after, limit=limit)
            run = run_of(after, limit)
            assert run.count == len(page.entries)
            assert list(run.events) == [entry.event for entry in page.entries]
            for read, entry in enumerate(page.entries, start=1):
                assert run.cursor(read) == entry.cursor


def test_a_run_refuses_what_the_feed_refuses(pair: Pair) -> None:
    memory, sqlite = pair
    for mine, theirs in ((memory, sqlite), (sqlite, memory)):
        run_of = feed_runs(mine)
        assert run_of is not None
        end = mine.feed().cursor
        for after, limit in (
            (theirs.feed().cursor, 10),  # another store's
            (FeedCursor(end.store, (end.position[0] + 1,)), 10),  # past the end
            (None, 0),
            (None, 1001),
        ):
            with pytest.raises(InvalidValueError) as caught:
                mine.feed(after=after, limit=limit)
            with pytest.raises(InvalidValueError) as ran:
                run_of(after, limit)
            assert (ran.value.field, str(ran.value)) == (caught.value.field, str(caught.value))


def test_a_store_whose_feed_is_overridden_is_read_through_its_feed() -> None:
    class Filtered(InMemoryTicketStore):
        def feed(self, *, after: FeedCursor | None = None, limit: int = 500) -> FeedPage:
            return super().feed(after=after, limit=limit)

    class Plain(InMemoryTicketStore):
        pass

    assert feed_runs(Filtered()) is None
    assert feed_runs(Plain()) is not None
    assert feed_runs(object()) is None


def test_a_damaged_event_stops_analytics_just_past_what_it_folded(tmp_path: Path) -> None:
    import sqlite3  # noqa: PLC0415

    from ticketflow.analytics import Analytics  # noqa: PLC0415
    from ticketflow.exceptions import DeserializationError  # noqa: PLC0415

    path = tmp_path / "desk.sqlite3"
    with SQLiteTicketStore(path) as store:
        for number in (1, 2, 3):
            store.commit(created(number))
    connection = sqlite3.connect(path)
    connection.execute("UPDATE events SET body = '{\"damaged\": 1}' WHERE ticket_id = 'T2'")
    connection.commit()
    connection.close()
    with SQLiteTicketStore(path) as store:
        analytics = Analytics(store)
        with pytest.raises(DeserializationError):
            analytics.refresh()
        assert analytics.cursor == store.feed(limit=1).cursor
        assert analytics.tickets == 1


# -- SQLite ----------------------------------------------------------------------------------


def test_a_cursor_holds_across_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    with SQLiteTicketStore(path) as store:
        store.commit(created(1))
        kept = store.feed().cursor.text
    with SQLiteTicketStore(path) as store:
        store.commit(created(2))
        page = store.feed(after=FeedCursor.parse(kept))
        assert [e.ticket_id for e in page.entries] == ["T2"]


def test_a_store_restored_from_an_older_backup_refuses_a_later_cursor(tmp_path: Path) -> None:
    path, backup = tmp_path / "desk.sqlite3", tmp_path / "backup.sqlite3"
    with SQLiteTicketStore(path) as store:
        store.commit(created(1))
    shutil.copyfile(path, backup)
    with SQLiteTicketStore(path) as store:
        store.commit(created(2))
        kept = store.feed().cursor
    # Polling from the cursor would skip what the restored store commits next.
    with (
        SQLiteTicketStore(backup) as restored,
        pytest.raises(InvalidValueError, match="past the end"),
    ):
        restored.feed(after=kept)


def test_a_feed_row_without_its_event_is_reported_not_skipped(tmp_path: Path) -> None:
    import sqlite3  # noqa: PLC0415

    from ticketflow.exceptions import StoreError  # noqa: PLC0415

    path = tmp_path / "desk.sqlite3"
    with SQLiteTicketStore(path) as store:
        for number in (1, 2):
            store.commit(created(number))
    connection = sqlite3.connect(path)
    connection.execute("DELETE FROM events WHERE ticket_id = 'T1'")
    connection.commit()
    connection.close()
    with SQLiteTicketStore(path) as store, pytest.raises(StoreError, match="missing"):
        store.feed()


def test_desk_commands_reach_the_feed_in_the_order_they_committed(tmp_path: Path) -> None:
    counter = itertools.count()
    with SQLiteTicketStore(tmp_path / "desk.sqlite3") as store:
        desk = Desk(store, clock=FrozenClock(), ids=lambda: f"id{next(counter)}")
        agent = Actor.agent("bob")
        drafts = [
            NewTicket(subject=f"parcel {n} late", requester=Requester(f"c{n}@example.com"))
            for n in (1, 2)
        ]
        first = desk.submit(drafts[0], actor=agent)
        second = desk.submit(drafts[1], actor=agent)
        desk.comment(first.id, "one", actor=agent)
        desk.comment(second.id, "two", actor=agent)
        desk.comment(first.id, "three", actor=agent)
        order = [(e.ticket_id, e.event.version) for e in store.feed().entries]
    assert order == [
        (first.id, 1),
        (second.id, 1),
        (first.id, 2),
        (second.id, 2),
        (first.id, 3),
    ]


@pytest.mark.slow
def test_the_sqlite_feed_passes_the_kit_under_concurrent_writers_again_and_again(
    tmp_path: Path,
) -> None:
    from ticketflow.testing._feed_checks import (  # noqa: PLC0415
        _check_feed_under_concurrent_writers,
    )

    for run in range(10):
        with SQLiteTicketStore(tmp_path / f"{run}.sqlite3", synchronous="NORMAL") as store:
            _check_feed_under_concurrent_writers(store)


def test_check_ticket_store_passes_on_sqlite_with_the_feed(tmp_path: Path) -> None:
    counter = itertools.count()
    check_ticket_store(
        lambda: SQLiteTicketStore(tmp_path / f"{next(counter)}.sqlite3", synchronous="OFF"),
        max_examples=0,
    )
