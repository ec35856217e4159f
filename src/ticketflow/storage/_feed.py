"""The event feed: every ticket's events, in commit order, read page by page from a cursor.

A reader that keeps figures up to date (analytics) does not rescan every journal: it asks the
store for the events committed since its cursor, folds them in, and keeps the page's cursor
for next time, possibly in another process, days later. So the cursor is a value with a stable
text form (:attr:`FeedCursor.text`, :meth:`FeedCursor.parse`).

Commit order is the promise: if commit A returned before commit B began, every event of A
comes before every event of B, and the events of one commit come together, in version order.
Commits that overlap in time may come in either order. A store whose sequence numbers are not
commit order (PostgreSQL's sequences are handed out before commit) keeps the promise with a
position of more than one number (a transaction id and a sequence number, say), which is why a
position is a tuple; the shipped stores use one number.

The protocol is optional (:class:`EventFeed`); both shipped stores implement it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Final, Protocol, runtime_checkable

import attrs

from .._events import EVENT_TYPES, TicketEvent
from .._value_methods import value_repr
from .._values import check_instances
from ._checks import INT64_MAX, invalid, reportable, validator

__all__ = [
    "MAX_FEED_LIMIT",
    "EventFeed",
    "FeedCursor",
    "FeedEntry",
    "FeedPage",
    "FeedRun",
    "cursor_at",
    "feed_arguments",
    "feed_page",
    "feed_position",
    "feed_runs",
    "numbered_run",
    "past_the_end",
]

MAX_FEED_LIMIT: Final = 1000
"""The most events one :meth:`EventFeed.feed` call returns."""

_MAX_PARTS: Final = 4
_STORE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PREFIX: Final = "feed1:"
_TEXT: Final = re.compile(
    r"feed1:([A-Za-z0-9_-]{1,64}):(0|[1-9][0-9]{0,18})((?:\.(?:0|[1-9][0-9]{0,18})){0,3})"
)


def _store(value: object) -> None:
    if not isinstance(value, str) or _STORE.fullmatch(value) is None:
        raise invalid("store", value, "must be 1 to 64 ASCII letters, digits, '-' or '_'")


def _position(value: tuple[int, ...]) -> tuple[int, ...]:
    given: object = value
    if not isinstance(given, tuple | list) or not 1 <= len(given) <= _MAX_PARTS:
        raise invalid("position", given, f"must be a tuple of 1 to {_MAX_PARTS} integers")
    for part in given:
        if type(part) is not int or not 0 <= part <= INT64_MAX:
            raise invalid("position", given, "each part must be an integer from 0 to 2**63 - 1")
    return tuple(given)


@attrs.frozen
class FeedCursor:
    """Where a reader of a store's event feed stands: just past the last event it has read.

    Opaque to the reader: keep it (as :attr:`text`), pass it back as ``after``, compare it
    for equality. Only the store that handed it out accepts it.

    Attributes:
        store: The feed it belongs to: a store's own identity (1 to 64 ASCII letters, digits,
            ``-`` or ``_``), which a copy of the store (a backup) keeps.
        position: Where in that feed, in the store's own terms: 1 to 4 integers from 0 to
            2**63 - 1 (the shipped stores use one: the number of the last event read, the
            first event being 1).

    Raises:
        InvalidValueError: An attribute is out of its domain; ``field`` names it.

    .. versionadded:: 0.2
    """

    __repr__ = value_repr

    store: str = attrs.field(validator=validator(_store))
    position: tuple[int, ...] = attrs.field(converter=_position)

    @property
    def text(self) -> str:
        """The cursor as text, for a reader to keep: ``feed1:<store>:<position>``.

        :meth:`parse` gives the cursor back; the text of a cursor never changes.
        """
        return f"{_PREFIX}{self.store}:{'.'.join(map(str, self.position))}"

    @classmethod
    def parse(cls, text: str) -> FeedCursor:
        """Return the cursor whose :attr:`text` is ``text``.

        Raises:
            InvalidValueError: ``text`` is not the text of a cursor (field ``text``): not a
                string, damaged, or not in the canonical form :attr:`text` writes.
        """
        if not isinstance(text, str):
            raise invalid("text", text, "must be a string")
        match = _TEXT.fullmatch(text) if len(text) <= 200 else None  # noqa: PLR2004
        if match is None:
            raise invalid("text", _shortened(text), "is not the text of a FeedCursor")
        store, first, rest = match.groups()
        parts = (int(first), *(int(part) for part in rest.split(".")[1:]))
        if any(part > INT64_MAX for part in parts):
            raise invalid("text", text, "a position part is beyond 2**63 - 1")
        return cls(store, parts)


def _shortened(text: str) -> str:
    return text if len(text) <= 80 else f"{text[:77]}..."  # noqa: PLR2004


def _event(value: object) -> None:
    if not isinstance(value, EVENT_TYPES):
        raise invalid("event", value, "must be a ticketflow event")


def _cursor(field: str) -> Any:  # noqa: ANN401 - an attrs validator
    def check(value: object) -> None:
        if type(value) is not FeedCursor:
            raise invalid(field, value, "must be a FeedCursor")

    return validator(check)


@attrs.frozen
class FeedEntry:
    """One event of the feed, with the cursor that reads on after it.

    Attributes:
        event: The event, equal to the one :meth:`~TicketStore.journal` returns.
        cursor: The cursor just past this event: a reader that stops here resumes from it.

    Raises:
        InvalidValueError: An attribute is out of its domain; ``field`` names it.

    .. versionadded:: 0.2
    """

    __repr__ = value_repr

    event: TicketEvent = attrs.field(validator=validator(_event))
    cursor: FeedCursor = attrs.field(validator=_cursor("cursor"))

    @property
    def ticket_id(self) -> str:
        """The id of the ticket the event belongs to."""
        return self.event.ticket_id


def _entries(value: Iterable[FeedEntry]) -> tuple[FeedEntry, ...]:
    return check_instances("entries", value, FeedEntry)


@attrs.frozen
class FeedPage:
    """One page of the feed: events in commit order, and where to read on.

    Attributes:
        entries: The events of the page, in commit order (at most the ``limit`` asked for).
        cursor: Pass it as ``after`` for the next page: the last entry's cursor, or, for an
            empty page, the cursor the page was asked from (a reader polls with it).

    Raises:
        InvalidValueError: An attribute is out of its domain, or ``cursor`` is not the last
            entry's; ``field`` names it.

    .. versionadded:: 0.2
    """

    __repr__ = value_repr

    entries: tuple[FeedEntry, ...] = attrs.field(converter=_entries)
    cursor: FeedCursor = attrs.field(validator=_cursor("cursor"))

    @cursor.validator
    def _last(self, _: object, value: FeedCursor) -> None:
        if self.entries and self.entries[-1].cursor != value:
            raise invalid("cursor", value, "must be the cursor of the last entry")


def feed_arguments(after: object, limit: object) -> tuple[FeedCursor | None, int]:
    """Return the checked arguments of :meth:`EventFeed.feed` (``after``, then ``limit``)."""
    if after is not None and type(after) is not FeedCursor:
        raise invalid("after", after, "must be a FeedCursor (from a FeedPage) or None")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_FEED_LIMIT:
        raise invalid("limit", limit, f"must be an integer from 1 to {MAX_FEED_LIMIT}")
    return after, limit


def feed_position(after: FeedCursor | None, store: str) -> int:
    """Return the one-number position of ``after`` in the feed ``store`` (0 for ``None``).

    Raises:
        InvalidValueError: ``after`` belongs to another feed, or is not a position in it.
    """
    if after is None:
        return 0
    if after.store != store:
        raise invalid(
            "after",
            after.text,
            f"is a cursor of another store's feed (this store's feed is {store!r});"
            " start from None to read this one from its beginning",
        )
    if len(after.position) != 1:
        raise invalid("after", after.text, "is not a position in this store's feed")
    return after.position[0]


def past_the_end(after: FeedCursor, end: int) -> Exception:
    """Return the error for a cursor beyond the ``end`` of the feed (a store from a backup)."""
    return invalid(
        "after",
        reportable(after.text),
        f"is past the end of this store's feed ({end} events): the store is older than the"
        " reader's cursor (restored from a backup?); start again from None",
    )


def feed_page(
    store: str, start: int, events: Sequence[TicketEvent], after: FeedCursor | None
) -> FeedPage:
    """Return the page of ``events`` at one-number positions ``start + 1`` and on.

    The store's own values (its identity, checked by the first cursor; events it read; counted
    positions) skip the validators: a reader of a million events builds two million of these.
    """
    first = FeedCursor(store, (start,))
    if not events:
        return FeedPage((), first if after is None else after)
    # FeedEntry(event, FeedCursor(store, (position,))) from values already valid, each slot
    # set by its own descriptor (what object.__setattr__ finds, without looking it up).
    new, put_store, put_position = _new, _put_store, _put_position
    put_event, put_cursor = _put_event, _put_cursor
    entries: list[FeedEntry] = []
    append = entries.append
    for position, event in enumerate(events, start=start + 1):
        cursor = new(FeedCursor)
        put_store(cursor, store)
        put_position(cursor, (position,))
        entry = new(FeedEntry)
        put_event(entry, event)
        put_cursor(entry, cursor)
        append(entry)
    return FeedPage(tuple(entries), entries[-1].cursor)


class FeedRun:
    """A page of the feed whose events are built one by one, as its reader takes them.

    The private way a reader of the whole feed (analytics) reads a shipped store: it folds
    each event and drops it, so no entries or cursors are built, and no event outlives the
    next. (At a million events, a page of a thousand kept alive at once was promoted by the
    cyclic garbage collector to its oldest generation again and again, and the full
    collections that followed cost more than reading the events.) The store checks its
    arguments and the page's rows as :meth:`EventFeed.feed` does; an event damaged outside
    ticketflow raises where the reader reaches it, its cursor just past the events before.

    Attributes:
        count: How many events the run holds (fewer than asked: the end of the feed).
        events: The events, in commit order, built as they are taken.
    """

    __slots__ = ("_cursor", "count", "events")

    def __init__(
        self, count: int, events: Iterator[TicketEvent], cursor: Callable[[int], FeedCursor]
    ) -> None:
        self.count = count
        self.events = events
        self._cursor = cursor

    def cursor(self, read: int) -> FeedCursor:
        """Return the cursor just past the first ``read`` events of the run (1 to count)."""
        return self._cursor(read)


def numbered_run(
    store: str, start: int, events: Sequence[TicketEvent] | Iterator[TicketEvent], count: int
) -> FeedRun:
    """Return the run of ``count`` events at one-number positions ``start + 1`` and on."""
    return FeedRun(count, iter(events), lambda read: cursor_at(store, (start + read,)))


FeedRuns = Callable[[FeedCursor | None, int], FeedRun]
"""A store's ``_feed_run(after, limit)``."""


def feed_runs(store: object) -> FeedRuns | None:
    """Return the store's ``_feed_run`` if it has one and reads the feed with it.

    A subclass that overrides :meth:`EventFeed.feed` (to filter it, say) is read through its
    own ``feed``: the run is only taken where it reads the very feed ``feed`` returns.
    """
    cls = type(store)
    owner = next((c for c in cls.__mro__ if "_feed_run" in c.__dict__), None)
    if owner is None or getattr(cls, "feed", None) is not owner.__dict__.get("feed"):
        return None
    run: FeedRuns = getattr(store, "_feed_run")  # noqa: B009 - private, by the check above
    return run


def cursor_at(store: str, position: tuple[int, ...]) -> FeedCursor:
    """Return ``FeedCursor(store, position)`` from a store's own, valid, values (unchecked)."""
    cursor = _new(FeedCursor)
    _put_store(cursor, store)
    _put_position(cursor, position)
    return cursor


_new = object.__new__
# The frozen classes' slots (attrs makes them slotted): their setters, bypassing the guard.
_put_store: Final = FeedCursor.__dict__["store"].__set__
_put_position: Final = FeedCursor.__dict__["position"].__set__
_put_event: Final = FeedEntry.__dict__["event"].__set__
_put_cursor: Final = FeedEntry.__dict__["cursor"].__set__


@runtime_checkable
class EventFeed(Protocol):
    """A store with an event feed: every ticket's events in commit order, behind a cursor.

    Commit order: if a commit returned before another began, all events of the first come
    before all events of the second; the events of one commit come together and in version
    order. An event is in the feed once its commit has returned and no commit that began
    before it is still running (the shipped stores: once its commit has returned). A reader
    that follows the cursor sees every committed event exactly once, however many writers
    commit meanwhile. Both shipped stores implement it, and
    :func:`ticketflow.testing.check_ticket_store` checks it when a store has it.

    .. versionadded:: 0.2
    """

    def feed(self, *, after: FeedCursor | None = None, limit: int = 500) -> FeedPage:
        """Return up to ``limit`` events committed after ``after``, in commit order.

        Args:
            after: Where the previous page ended (:attr:`FeedPage.cursor`, or a
                :attr:`FeedEntry.cursor`); ``None`` reads from the first event.
            limit: At most this many events (1 to :data:`MAX_FEED_LIMIT`).

        Raises:
            InvalidValueError: ``after`` is not a :class:`FeedCursor` or ``None``, or ``limit``
                not an integer from 1 to 1000 (checked in that order); or ``after`` is a
                cursor of another store's feed, or past the end of this one (a store restored
                from a backup older than the cursor). A cursor is never taken as the start.
            DeserializationError: A stored event was damaged outside ticketflow.
        """
        ...
