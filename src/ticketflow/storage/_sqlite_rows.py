"""How values become the SQLite store's column values, and how rows become values again.

Writing: a :class:`Change` becomes the rows of one commit, each value converted to primitives
and encoded to JSON exactly once. An event's body leaves out what its columns already hold
(ticket id, version, type, instant), and an outbox message that announces an event of the same
change is written as a reference to it (its payload *is* the event), so an event is stored
once however many readers it has.

Reading is a boundary (a row may have been damaged outside ticketflow), taken in two steps.
The fast path (:mod:`._sqlite_fast`) builds the value straight from the decoded JSON, checking
the shape and the type of every part; any surprise sends the row to the validating path
(ticketflow's converter), which builds the value with every rule of its class or raises
:class:`~ticketflow.exceptions.DeserializationError` naming each bad field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from .._events import TicketCreated, TicketEvent
from .._fields import FieldValue
from .._serde import from_json, from_primitive, to_primitive
from .._ticket import Ticket, evolve_unchecked
from ..exceptions import DeserializationError
from ._change import Change
from ._outbox import OutboxMessage, announced_event
from ._sqlite_fast import Unfit, event_readers, ticket_from_data
from ._sqlite_json import dumps as _dumps

if TYPE_CHECKING:
    from ._sqlite_snapshots import SnapshotMemo

__all__ = [
    "CHANGEABLE",
    "ChangeRows",
    "canonical",
    "change_rows",
    "event_from",
    "events_from",
    "feed_events",
    "from_micros",
    "message_from",
    "micros",
    "numbered_rows",
    "ticket_from",
]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)

_loads: Final = json.loads
# The C scanner without json.loads' checks for surrounding white space (a row has none):
# half the cost of decoding a small body. It gives the object and where the text ended.
_DECODER: Final[Any] = json.decoder.JSONDecoder()  # scan_once is not in the type stubs
_scan: Final[Callable[[str, int], tuple[Any, int]]] = _DECODER.scan_once


def _decode(text: str) -> Any:  # noqa: ANN401
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        raise Unfit from None  # no JSON value at the start
    if end != len(text):
        raise Unfit
    return value


_HEADER: Final = frozenset({"ticket_id", "version", "at", "type"})
"""What an event's columns hold, left out of its body."""


class ChangeRows(NamedTuple):
    """A :class:`Change` as the rows one commit writes."""

    ticket: tuple[object, ...]
    """``id, number, version, snapshot`` and then :data:`CHANGEABLE`, in that order."""
    fields: list[tuple[str, str, str]]
    """``(ticket_id, name, canonical value)`` per structured field."""
    events: list[tuple[object, ...]]
    """``(ticket_id, version, type, at, body)`` per event."""
    messages: list[tuple[object, ...]]
    """``(id, topic, ticket_id, event_version, payload, created_at, not_before)`` per
    message; a message that announces an event has ``event_version`` and no payload."""


CHANGEABLE: Final = ("fields", "status", "queue", "assignee", "due_at")
"""The ticket columns besides version and snapshot that a commit may change.

``fields`` holds the canonical text of the field index rows, so that a commit rewrites them
only when they change. The number never changes: it is the ticket's identity for people.
"""


def change_rows(change: Change, memo: SnapshotMemo) -> ChangeRows:
    """Return the rows that ``change`` writes (a change is checked writable when built).

    ``memo`` encodes the snapshot (re-encoding only what changed since the last one).
    """
    ticket = change.ticket
    ticket_id = ticket.id
    creation: TicketEvent | None = None
    ticket_data: dict[str, Any] | None = None
    primitives: list[dict[str, Any]] = []
    # The Desk's message announcing an event holds the event's very primitives: use them.
    announcements = {id(announced_event(message)): message for message in change.outbox}
    for event in change.events:
        message = announcements.get(id(event))
        data: dict[str, Any] = to_primitive(event) if message is None else message.payload  # type: ignore[assignment]
        primitives.append(data)
        if type(event) is TicketCreated and event.ticket is ticket:
            creation, ticket_data = event, data["ticket"]
    # A creation carries the very snapshot: convert and encode it once, not twice.
    snapshot = memo.text(ticket, ticket_data)
    events: list[tuple[object, ...]] = []
    announced: list[tuple[TicketEvent, dict[str, Any], str]] = []
    for event, data in zip(change.events, primitives, strict=True):
        at = micros(event.at)
        if type(event.at) is datetime and event.at.tzinfo is UTC:
            # The columns give the header back exactly: the body holds the rest.
            body = _creation_body(data, snapshot) if event is creation else _dumps(_body(data))
            announced.append((event, data, body))
        else:
            body = _dumps(data)  # read back whole, by the validating path
        events.append((ticket_id, event.version, event.type, at, body))
    fields, fields_text = memo.fields(ticket)
    due_at = None if change.due_at is None else micros(change.due_at)
    return ChangeRows(
        ticket=(
            ticket_id,
            ticket.number,
            ticket.version,
            snapshot,
            fields_text,
            str(ticket.status),
            ticket.queue,
            ticket.assignee,
            due_at,
        ),
        fields=fields,
        events=events,
        messages=[_message_row(message, announced) for message in change.outbox],
    )


def _body(data: dict[str, Any]) -> dict[str, Any]:
    # An event's primitives without the header its columns hold, in order. The converter
    # writes all four keys: a copy without them costs a third of a comprehension.
    body = data.copy()
    try:
        del body["ticket_id"], body["version"], body["at"], body["type"]
    except KeyError:
        return {key: value for key, value in data.items() if key not in _HEADER}
    return body


def numbered_rows(change: Change, rows: ChangeRows, number: int, memo: SnapshotMemo) -> ChangeRows:
    """Return ``rows`` of a change that asks for a number, with the ticket numbered ``number``.

    What :func:`change_rows` gives for ``change.numbered(number)``, without converting and
    encoding the change again under the write lock: only the number's part of the snapshot
    is encoded, and the creation's body ends with the snapshot. Falls back to the whole
    work where the rows are not of that shape (a copied payload would carry the number too).
    """
    old = rows.ticket[3]
    assert isinstance(old, str)  # noqa: S101 - a snapshot text
    created = change.events[0]
    assert isinstance(created, TicketCreated)  # noqa: S101 - checked by Change
    # A creation recorded with more events (intake's note, say) carries an earlier snapshot.
    alone = created.ticket is change.ticket
    first = old if alone else memo.text(created.ticket)
    tail = f"{first}}}"
    if all(message[4] is None for message in rows.messages) and all(
        isinstance(body, str) and body.endswith(tail)
        for _, _, kind, _, body in rows.events
        if kind == TicketCreated.type
    ):
        ticket = evolve_unchecked(change.ticket, {"number": number})
        snapshot = memo.text(ticket)
        opening = (
            snapshot if alone else memo.text(evolve_unchecked(created.ticket, {"number": number}))
        )
        events = [
            (*row[:4], row[4][: -len(tail)] + opening + "}")  # type: ignore[index]
            if row[2] == TicketCreated.type
            else row
            for row in rows.events
        ]
        _, _, *rest = rows.ticket
        return rows._replace(
            ticket=(ticket.id, number, rest[0], snapshot, *rest[2:]), events=events
        )
    return change_rows(change.numbered(number), memo)


def _whole(data: dict[str, Any], body: str) -> str:
    # The event's JSON with its header, from its body (the primitives keep the header first
    # and the type last; the instant is ASCII, the version a plain integer).
    return (
        f'{{"ticket_id":{_dumps(data["ticket_id"])},"version":{data["version"]},'
        f'"at":"{data["at"]}",{body[1:-1]},"type":{_dumps(data["type"])}}}'
    )


def _creation_body(data: dict[str, Any], snapshot: str) -> str:
    # The snapshot's text goes in as it is; "ticket" is the creation's last attribute.
    rest = {key: data[key] for key in data if key not in _HEADER and key != "ticket"}
    head = _dumps(rest)[:-1] + "," if rest else "{"
    return head + '"ticket":' + snapshot + "}"


# Event types whose primitives, as the converter lays them out (the header first, the type
# last), were seen to give back their JSON from the event's row. The rest depends on the value
# only through what every announced event has: an integer version, an instant in UTC (ASCII
# text) and a body with something besides the header. A creation is checked every time: its
# body holds the snapshot's text from the memo.
_LAID_OUT: Final[set[type]] = set()


def _message_row(
    message: OutboxMessage, announced: Sequence[tuple[TicketEvent, dict[str, Any], str]]
) -> tuple[object, ...]:
    created_at = micros(message.created_at)
    payload = None
    for event, data, body in announced:
        # The payload was checked when the message was built: JSON that reads back equal. If
        # its JSON is the event's, the event's row gives it back, equal. (Python's == alone
        # would take 1 for True, and the payload would come back as the event has it.)
        if message.ticket_id != event.ticket_id:
            continue
        shared = message.payload is data  # the event's own primitives (see change_rows)
        reference = (message.id, message.topic, message.ticket_id, event.version, None)
        if shared and type(event) in _LAID_OUT and body != "{}":
            # Its JSON is the event's whenever its type's is (see _LAID_OUT).
            return (*reference, created_at, created_at)
        if shared or message.payload == data:
            payload = _dumps(message.payload)
            if payload == _whole(data, body):
                if shared and type(event) is not TicketCreated:
                    _LAID_OUT.add(type(event))
                return (*reference, created_at, created_at)
    if payload is None:
        payload = _dumps(message.payload)
    return (message.id, message.topic, message.ticket_id, None, payload, created_at, created_at)


def canonical(value: FieldValue) -> str:
    """Return the index text of a field value: equal exactly when type and value are equal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        # -0.0 == 0.0, so a filter on one finds the other (as in the memory store).
        return repr(float(value) + 0.0)
    return _dumps(str(value))


def micros(instant: datetime) -> int:
    """Return an aware instant as integer microseconds since the epoch (UTC)."""
    return (instant - _EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime:
    """Return the UTC instant of :func:`micros`."""
    return _EPOCH + _MICROSECOND * value  # a third cheaper than timedelta(0, 0, value)


def _iso(at: int) -> str:
    return from_micros(at).isoformat()


# -- reading -----------------------------------------------------------------------------------


def ticket_from(snapshot: str) -> Ticket:
    """Return the ticket of a ``snapshot`` column.

    Raises:
        DeserializationError: The snapshot was damaged outside ticketflow.
    """
    try:
        return ticket_from_data(_decode(snapshot))
    except (Unfit, *_UNFIT):
        pass
    ticket: Ticket = from_json(snapshot, Ticket)
    return ticket


def events_from(ticket_id: str, rows: Sequence[tuple[int, str, int, str]]) -> list[TicketEvent]:
    """Return the events of ``(version, type, at, body)`` rows of one ticket, in order.

    Raises:
        DeserializationError: A row was damaged outside ticketflow.
    """
    # The loop every journal read runs, once per event: everything it calls is local.
    events: list[TicketEvent] = []
    append = events.append
    readers = event_readers()
    scan = _scan
    epoch, microsecond = _EPOCH, _MICROSECOND
    last, read = None, None  # runs of one type are common: a conversation is comments
    for version, kind, at, body in rows:
        if kind != last:
            last, read = kind, readers.get(kind)
        if read is not None and type(version) is int and type(at) is int:
            try:
                data, end = scan(body, 0)
                if end == len(body):
                    append(read(ticket_id, version, epoch + microsecond * at, data))
                    continue
            except (Unfit, *_UNFIT):
                pass
        append(event_from(ticket_id, version, kind, at, body))
    return events


def feed_events(rows: Sequence[tuple[str, int, str, int, str]]) -> Iterator[TicketEvent]:
    """Yield the events of ``(ticket_id, version, type, at, body)`` rows of any tickets.

    :func:`events_from` for the feed, whose neighbouring rows are seldom of one ticket: the
    same loop, with the ticket id read from each row. Each event is built when it is taken
    (a reader of the whole feed folds it and drops it: see :class:`FeedRun`).

    Raises:
        DeserializationError: A row was damaged outside ticketflow (when it is reached).
    """
    readers = event_readers()
    scan = _scan
    epoch, microsecond = _EPOCH, _MICROSECOND
    for ticket_id, version, kind, at, body in rows:
        read = readers.get(kind)
        if read is not None and type(version) is int and type(at) is int:
            try:
                data, end = scan(body, 0)
                if end == len(body):
                    yield read(ticket_id, version, epoch + microsecond * at, data)
                    continue
            except (Unfit, *_UNFIT):
                pass
        yield event_from(ticket_id, version, kind, at, body)


# What a malformed part raises on the fast path (StopIteration: no JSON at all).
_UNFIT: Final = (
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    OverflowError,
    RecursionError,
    StopIteration,
)


def event_from(ticket_id: str, version: int, kind: str, at: int, body: str) -> TicketEvent:
    """Return the event of one row by the validating path (which names every problem).

    Raises:
        DeserializationError: The row was damaged outside ticketflow.
    """
    data = _event_data(ticket_id, version, kind, at, body)
    if data is None:
        event: TicketEvent = from_json(body, TicketEvent)  # raises, saying why
        return event
    return from_primitive(data, TicketEvent)  # type: ignore[no-any-return]


def _event_data(ticket_id: str, version: int, kind: str, at: object, body: str) -> Any:  # noqa: ANN401
    # The event's primitives (what to_primitive gives) from its row; None if the body is no
    # JSON. A body that holds its own header was written whole (by an older release, say).
    try:
        data = _loads(body)
    except (ValueError, TypeError, RecursionError):
        return None
    if not isinstance(data, dict) or "type" in data:
        return data
    try:
        instant = _iso(at) if isinstance(at, int) else at
    except (OverflowError, ValueError, TypeError):
        instant = at
    return {"ticket_id": ticket_id, "version": version, "at": instant, **data, "type": kind}


def message_from(
    message_id: str,
    topic: str,
    ticket_id: str | None,
    payload: str | None,
    created_at: int,
    event_version: int | None,
    event_kind: str | None,
    event_at: int | None,
    event_body: str | None,
) -> OutboxMessage:
    """Return the outbox message of a row (joined with its event's row, if it announces one).

    Raises:
        DeserializationError: The row was damaged outside ticketflow.
    """
    try:
        if event_version is None:
            data = json.loads(payload)  # type: ignore[arg-type]
        else:
            data = _announced(ticket_id, event_version, event_kind, event_at, event_body)
        return OutboxMessage(
            id=message_id,
            topic=topic,
            payload=data,
            ticket_id=ticket_id,
            created_at=from_micros(created_at),
        )
    except (TypeError, ValueError, OverflowError, RecursionError) as error:
        problem = f"the stored row of message {message_id!r} is damaged: {error}"
        raise DeserializationError("OutboxMessage", [("$", problem)]) from None


def _announced(
    ticket_id: str | None,
    version: int,
    kind: str | None,
    at: int | None,
    body: str | None,
) -> Any:  # noqa: ANN401
    # The payload of a message that refers to an event: the event's primitives.
    if body is None or ticket_id is None or kind is None:
        raise ValueError(f"its event (version {version}) is missing")
    data = _event_data(ticket_id, version, kind, at, body)
    if data is None:
        raise ValueError(f"the body of its event (version {version}) is not JSON")
    return data
