"""The fast path from a stored row's JSON to a ticket or an event: shapes and types, no more.

What a commit wrote passed every rule of its class when it was built (and :class:`Change`
checked it can be written back), so reading it back needs only to rebuild it. A row may
still have been damaged outside ticketflow, so every part is checked for what the code that
uses it relies on: the exact set of keys, the type of each value (``bool`` is not an ``int``,
an instant is an ISO string in UTC, an enum is one of its values), numbers in their range and
the ticket's own invariants (no link to itself, not updated before it was created). The text
rules (length, single line, no lone surrogate) were checked when the value was written, and
JSON cannot carry a value that breaks the code that reads it.

Anything else raises :class:`Unfit` (or the ``KeyError``, ``TypeError`` or ``ValueError`` of a
malformed part), and the caller reads the row again by the validating path, which either
builds the value (an older row shape, say) or names every problem.

Each event type gets a reader made once from its attrs fields, so reading an event is one
dictionary fill; a type with a field of a kind this module does not know is left to the
validating path.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

import attrs

from .._actors import Actor, Role
from .._events import EVENT_TYPES, TicketEvent
from .._fields import MAX_FIELDS, Fields, FieldValue
from .._status import as_status
from .._ticket import MAX_TAGS, Channel, Requester, Ticket, TicketKind, TicketLinks, from_state

__all__ = ["TICKET_KEYS_READ", "Unfit", "event_readers", "ticket_from_data"]


class Unfit(Exception):  # noqa: N818 - internal, never escapes
    """The row is not what the fast path reads: read it by the validating path."""


_new = object.__new__
_set = object.__setattr__
_fromisoformat = datetime.fromisoformat
_INT64_MAX: Final = 2**63 - 1


# Values repeat (the same agent writes many comments; a ticket's requester is read on every
# command), and they are immutable, so each distinct one is validated once and then shared.
_CACHE_SIZE: Final = 4096
# Actors by role, then by id (no key to build per event: a journal read looks up one each).
_actors: dict[object, dict[object, Actor]] = {role.value: {} for role in Role}
_requesters: dict[tuple[object, object, object], Requester] = {}


def _actor(value: Any) -> Actor:  # noqa: ANN401
    if len(value) != 2:  # noqa: PLR2004 - role and id
        raise Unfit
    role = value["role"]
    known = _actors.get(role) if type(role) is str else None
    if known is None:
        raise Unfit
    actor = known.get(value["id"])
    if actor is None:
        actor = Actor(Role(role), value["id"])  # checks the id
        if len(known) >= _CACHE_SIZE:
            known.clear()
        known[value["id"]] = actor
    return actor


def _requester(value: Any) -> Requester:  # noqa: ANN401
    # Checked before the cache is asked: 1 and 1.0 equal True, and would find its entry.
    if len(value) != 3 or type(value["external"]) is not bool:  # noqa: PLR2004
        raise Unfit
    key = (value["email"], value["name"], value["external"])
    requester = _requesters.get(key)
    if requester is None:
        requester = Requester(*key)  # checks every part
        if len(_requesters) >= _CACHE_SIZE:
            _requesters.clear()
        _requesters[key] = requester
    return requester


def _text(value: object) -> str:
    if type(value) is not str:
        raise Unfit
    return value


def _optional_text(value: object) -> str | None:
    if value is not None and type(value) is not str:
        raise Unfit
    return value


def _flag(value: object) -> bool:
    if type(value) is not bool:
        raise Unfit
    return value


def _count(value: object) -> int:
    if type(value) is not int or not 0 <= value <= _INT64_MAX:
        raise Unfit
    return value


def _level(value: object) -> int | None:
    if value is not None and (type(value) is not int or not 1 <= value <= 5):  # noqa: PLR2004
        raise Unfit
    return value


def _fraction(value: object) -> float:
    if type(value) is not float or not 0 < value < 1:
        raise Unfit
    return value


def _instant(value: object) -> datetime:
    if type(value) is not str:
        raise Unfit
    instant = _fromisoformat(value)
    if instant.tzinfo is not UTC:
        raise Unfit  # the validating path converts other offsets
    return instant


def _tags(value: object) -> frozenset[str]:
    if (
        type(value) is not list
        or len(value) > MAX_TAGS
        or not all(type(tag) is str for tag in value)
    ):
        raise Unfit
    return frozenset(value)


_SCALARS: Final = frozenset({str, int, float, bool})


def _lines(value: object) -> tuple[str, ...]:
    # An explanation's reasons: a list of text, one line each (as the event's rule says).
    if type(value) is not list or not all(type(line) is str for line in value):
        raise Unfit
    return tuple(value)


def _scalar(item: object) -> bool:
    # JSON reads NaN, Infinity and 1e999 as floats that are not finite: no field holds one.
    return type(item) in _SCALARS and (type(item) is not float or item - item == 0)


def _changes(value: object) -> dict[str, FieldValue | None]:
    if type(value) is not dict or not value or len(value) > MAX_FIELDS:
        raise Unfit
    if not all(item is None or _scalar(item) for item in value.values()):
        raise Unfit
    return value


def _fields(value: object) -> Fields:
    if type(value) is not dict or len(value) > MAX_FIELDS:
        raise Unfit
    names = list(value)
    if names != sorted(names) or not all(_scalar(item) for item in value.values()):
        raise Unfit
    fields = _new(Fields)
    _set(fields, "_data", value)
    _set(fields, "_hash", None)
    return fields


_NO_LINKS: Final = TicketLinks()


def _links(value: Any) -> TicketLinks:  # noqa: ANN401
    if len(value) != 3:  # noqa: PLR2004
        raise Unfit
    if value["duplicate_of"] is None and value["problem"] is None and value["follow_up_of"] is None:
        return _NO_LINKS
    return TicketLinks(**value)


def _member(kind: type[enum.Enum]) -> Callable[[object], Any]:
    members: Mapping[object, enum.Enum] = kind._value2member_map_

    def read(value: object) -> Any:  # noqa: ANN401
        if type(value) is not str:
            raise Unfit
        return members[value]  # a KeyError: not one of its values

    return read


_kind = _member(TicketKind)
_channel = _member(Channel)

_TICKET_KEYS: Final = tuple(field.name for field in attrs.fields(Ticket))
TICKET_KEYS_READ: Final = (
    *("id", "number", "subject", "requester", "created_at", "updated_at", "status", "kind"),
    *("description", "channel", "category", "priority", "impact", "urgency", "queue"),
    *("assignee", "tags", "fields", "links", "reopen_count", "resolution", "version"),
)
"""The attributes :func:`ticket_from_data` fills, in order (a test holds them to Ticket's)."""
# Should Ticket gain an attribute before this reader learns it, every snapshot takes the
# validating path rather than becoming a ticket without it.
_TICKET_KNOWN: Final = _TICKET_KEYS == TICKET_KEYS_READ


def ticket_from_data(data: Any) -> Ticket:  # noqa: ANN401
    """Return the ticket of a decoded snapshot (raises :class:`Unfit` and the like)."""
    if not _TICKET_KNOWN or len(data) != len(_TICKET_KEYS):
        raise Unfit
    created_at = _instant(data["created_at"])
    updated_at = _instant(data["updated_at"])
    ticket_id = _text(data["id"])
    number = data["number"]
    if type(number) is not int or not 1 <= number <= _INT64_MAX or updated_at < created_at:
        raise Unfit
    version = data["version"]
    if type(version) is not int or not 1 <= version <= _INT64_MAX:
        raise Unfit
    links = _links(data["links"])
    if ticket_id in (links.duplicate_of, links.problem, links.follow_up_of):
        raise Unfit
    state: dict[str, object] = {
        "id": ticket_id,
        "number": number,
        "subject": _text(data["subject"]),
        "requester": _requester(data["requester"]),
        "created_at": created_at,
        "updated_at": updated_at,
        "status": as_status(_text(data["status"])),
        "kind": _kind(data["kind"]),
        "description": _text(data["description"]),
        "channel": _channel(data["channel"]),
        "category": _optional_text(data["category"]),
        "priority": _optional_text(data["priority"]),
        "impact": _level(data["impact"]),
        "urgency": _level(data["urgency"]),
        "queue": _optional_text(data["queue"]),
        "assignee": _optional_text(data["assignee"]),
        "tags": _tags(data["tags"]),
        "fields": _fields(data["fields"]),
        "links": links,
        "reopen_count": _count(data["reopen_count"]),
        "resolution": _optional_text(data["resolution"]),
        "version": version,
    }
    return from_state(state)


def _ticket(value: object) -> Ticket:
    if type(value) is not dict:
        raise Unfit
    return ticket_from_data(value)


# -- events ------------------------------------------------------------------------------------

EventReader = Callable[[str, int, datetime, Any], TicketEvent]
"""Builds an event from its header (ticket id, version, instant) and its decoded body."""

_HEADER: Final = ("ticket_id", "version", "at")

# The reader of each kind of attribute, by the attribute's type (or, for the few whose rule
# is tighter than their type, by name).
_BY_TYPE: Final[dict[object, Callable[[Any], Any]]] = {
    str: _text,
    str | None: _optional_text,
    bool: _flag,
    int: _count,
    datetime: _instant,
    Actor: _actor,
    Ticket: _ticket,
    frozenset[str]: _tags,
    Mapping[str, FieldValue | None]: _changes,
    tuple[str, ...]: _lines,
}
_BY_NAME: Final[dict[str, Callable[[Any], Any]]] = {
    "impact": _level,
    "urgency": _level,
    "threshold": _fraction,
}


def _attribute_reader(field: attrs.Attribute[Any]) -> Callable[[Any], Any] | None:
    if field.name in _BY_NAME:
        return _BY_NAME[field.name]
    kind = field.type
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return _member(kind)
    return _BY_TYPE.get(kind)


# Checks simple enough to write inline in a generated reader (a call costs as much).
_INLINE: Final[dict[Callable[[Any], Any], str]] = {
    _text: "type({v}) is str",
    _optional_text: "{v} is None or type({v}) is str",
    _flag: "type({v}) is bool",
}


def _make_reader(cls: type[Any]) -> EventReader | None:
    # Generated, like attrs' own __init__: one function per event type, with the checks of
    # its attributes written out, reads an event in about a microsecond.
    if hasattr(cls, "__attrs_post_init__"):
        return None  # rules across attributes (no self-link, ...): the validating path
    attrs.resolve_types(cls)
    body = [field for field in attrs.fields(cls) if field.name not in _HEADER]
    readers = [(field.name, _attribute_reader(field)) for field in body]
    if any(reader is None for _, reader in readers):
        return None
    namespace: dict[str, Any] = {"Unfit": Unfit, "new": _new, "put": _set, "cls": cls}
    lines = [
        "def read(ticket_id, version, at, data):",
        f"    if type(data) is not dict or len(data) != {len(readers)}:",
        "        raise Unfit",
    ]
    values = []
    for index, (name, reader) in enumerate(readers):
        lines.append(f"    v{index} = data[{name!r}]")
        check = _INLINE.get(reader)  # type: ignore[arg-type]
        if reader is _actor:
            # The actor cache asked inline; a miss (or anything odd) goes through _actor.
            namespace[f"r{index}"] = reader
            namespace["actors"] = _actors
            lines += [
                f"    a = actors.get(v{index}['role']) if len(v{index}) == 2 else None",
                f"    a = None if a is None else a.get(v{index}['id'])",
                f"    v{index} = r{index}(v{index}) if a is None else a",
            ]
        elif check is None:
            namespace[f"r{index}"] = reader
            lines.append(f"    v{index} = r{index}(v{index})")
        else:
            lines += [f"    if not ({check.format(v=f'v{index}')}):", "        raise Unfit"]
        values.append(f"{name!r}: v{index}")
    lines += [
        "    event = new(cls)",
        "    put(event, '__dict__', {'ticket_id': ticket_id, 'version': version, 'at': at, "
        + ", ".join(values)
        + "})",
        "    return event",
    ]
    exec("\n".join(lines), namespace)  # noqa: S102 - code built from attribute names above
    read: EventReader = namespace["read"]
    return read


_READERS: Final[dict[str, EventReader]] = {}


def event_readers() -> Mapping[str, EventReader]:
    """Return the fast reader of each event type that has one, by the type's tag.

    Made on first use (not on import: it resolves every event's annotations).
    """
    if not _READERS:
        for cls in EVENT_TYPES:
            reader = _make_reader(cls)
            if reader is not None:
                _READERS[cls.type] = reader
    return _READERS
