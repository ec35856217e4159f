"""A change: the one atomic write of a ticket, checked so that every store can write it back."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from enum import Enum
from types import MappingProxyType
from typing import Any, Final, TypeVar, cast

import attrs

from .._events import EVENT_TYPES, TicketCreated, TicketEvent
from .._fields import Fields
from .._serde import to_primitive
from .._ticket import Ticket, evolve_unchecked
from .._value_methods import value_repr
from ._band_keys import SimilarityKeys
from ._checks import (
    INT64_MAX,
    INT64_MIN,
    instance,
    instant,
    invalid,
    key_text,
    storable,
    validator,
)
from ._outbox import OutboxMessage
from ._received import check_claims

__all__ = ["TICKET_NUMBERS", "Change"]

T = TypeVar("T")


def _sequence(field: str, value: object, kinds: tuple[type[T], ...], what: str) -> tuple[T, ...]:
    if type(value) is not tuple and (
        isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable)
    ):
        raise invalid(field, value, f"must be an iterable of {what}s")
    items: list[T] = []
    for index, item in enumerate(value):
        if not isinstance(item, kinds):
            raise invalid(f"{field}[{index}]", item, f"must be a {what}")
        items.append(item)
    return tuple(items)


def _events(value: Iterable[TicketEvent]) -> tuple[TicketEvent, ...]:
    return _sequence("events", value, EVENT_TYPES, "ticketflow event")


def _messages(value: Iterable[OutboxMessage]) -> tuple[OutboxMessage, ...]:
    return _sequence("outbox", value, (OutboxMessage,), "OutboxMessage")


def _expected_version(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT64_MAX:
        raise invalid("expected_version", value, "must be an integer >= 0 (64 bits)")


def _due_at(value: datetime | None) -> datetime | None:
    return None if value is None else instant("due_at", value)


_NO_MEMOS: Final[Mapping[str, str]] = MappingProxyType({})
_MEMO_NAMES: Final[set[str]] = set()  # names checked before (text is immutable); a few


def _memos(value: Mapping[str, str]) -> Mapping[str, str]:
    given: Any = value  # anything may come
    if type(given) is dict and not given:
        return _NO_MEMOS  # a commit without due work (immutable, so shared)
    if type(given) is not dict and not isinstance(given, Mapping):
        raise invalid("memos", given, "must map names to text")
    memos: dict[str, str] = {}
    for name, text in given.items():
        if type(name) is str and name in _MEMO_NAMES:
            key = name
        else:
            key = key_text("memos", name)
            if type(key) is str and len(_MEMO_NAMES) < 64:  # noqa: PLR2004 - a due-work kind each
                _MEMO_NAMES.add(key)
        if not isinstance(text, str):
            raise invalid(f"memos.{key}", text, "must be text")
        if not text.isascii() and not storable(text):
            raise invalid(f"memos.{key}", text, "must be valid Unicode (no lone surrogates)")
        memos[key] = text
    return MappingProxyType(memos)


def _flag(value: object) -> None:
    if not isinstance(value, bool):
        raise invalid("assign_number", value, "must be True or False")


def _claims(value: Iterable[str]) -> tuple[str, ...]:
    return value if type(value) is tuple and not value else check_claims(value)


def _similarity(value: SimilarityKeys | None) -> SimilarityKeys | None:
    if value is None:
        return None
    if type(value) is not SimilarityKeys:
        raise invalid("similarity", value, "must be SimilarityKeys or None")
    return value


def _unindex(value: object) -> None:
    if not isinstance(value, bool):
        raise invalid("unindex", value, "must be True or False")


@attrs.frozen(kw_only=True)
class Change:
    """One atomic write: a ticket's next snapshot with the events that lead to it.

    A change with no events (``ticket.version == expected_version``) only updates the due
    index, still guarded by the version; its ticket must equal the stored snapshot (nothing
    changes a ticket without a journal entry).

    Everything a store would write is checked here, so that every store reads it back: the
    ticket's id, status, queue, assignee and field names encode as UTF-8 (they are keys and
    index columns), every integer in the ticket and the events fits in 64 bits and every
    float is finite (the event classes check their own attributes as they are built, so
    only the ticket, a creation's ticket and an event subclass are scanned here).

    Attributes:
        ticket: The snapshot after ``events``.
        events: The new journal entries, in order; versions ``expected_version + 1`` onward.
        expected_version: The version the writer read; 0 for a new ticket.
        outbox: Messages to write with it.
        due_at: The ticket's next SLA due instant, or ``None`` if nothing is due.
        memos: Text to keep with the snapshot, by name (what each incremental kind of due
            work derived, such as the SLA clocks); a store that keeps memos writes them in
            the same transaction, replacing those of the same names, and may ignore them
            otherwise (see :class:`~ticketflow.storage.TicketMemos`).
        assign_number: For a new ticket: let the store number it in the same transaction,
            above every number it has handed out or holds. The ticket's own number is a
            placeholder; the store commits :meth:`numbered` with the number it picked (the
            snapshot, the creation event and the message announcing it all carry it).
        claims: Unique keys the ticket claims in this commit (an e-mail's Message-ID, a
            form's idempotency key); a store that keeps claims refuses the commit with
            :class:`~ticketflow.exceptions.ClaimTakenError` if another ticket holds one (see
            :class:`~ticketflow.storage.IntakeStore`).
        similarity: The ticket's near-duplicate keys, replacing any it had.
        unindex: Drop the ticket's near-duplicate keys (it no longer counts as open).

    .. versionchanged:: 0.2
       ``assign_number``, so that a submission is one transaction; ``claims``,
       ``similarity`` and ``unindex`` for intake.

    Raises:
        InvalidValueError: An attribute is of the wrong type (``events[1]`` is not a
            ticketflow event, say), the event versions do not lead from
            ``expected_version`` to the ticket's, an event is for another ticket, or the
            change holds something no store can write back; ``field`` names it.
    """

    __repr__ = value_repr

    ticket: Ticket = attrs.field(
        validator=validator(lambda value: instance("ticket", value, Ticket))
    )
    events: tuple[TicketEvent, ...] = attrs.field(converter=_events)
    expected_version: int = attrs.field(validator=validator(_expected_version))
    outbox: tuple[OutboxMessage, ...] = attrs.field(default=(), converter=_messages)
    due_at: datetime | None = attrs.field(default=None, converter=_due_at)
    memos: Mapping[str, str] = attrs.field(
        factory=dict, converter=_memos, hash=False, repr=lambda memos: f"<{len(memos)}>"
    )
    assign_number: bool = attrs.field(default=False, validator=validator(_flag))
    claims: tuple[str, ...] = attrs.field(default=(), converter=_claims)
    similarity: SimilarityKeys | None = attrs.field(default=None, converter=_similarity)
    unindex: bool = attrs.field(default=False, validator=validator(_unindex))

    def __attrs_post_init__(self) -> None:
        ticket = self.ticket
        if self.unindex and self.similarity is not None:
            raise invalid(
                "unindex", self.unindex, "a change either sets similarity keys or drops them"
            )
        events = self.events
        first = self.expected_version + 1
        # Compared without building the expected range: a hostile version may be huge. Plain
        # loops: a change is built on every command.
        consecutive = len(events) == ticket.version - self.expected_version and (
            bool(events) or self.expected_version != 0
        )
        others = False
        for index, event in enumerate(events):
            consecutive = consecutive and event.version == first + index
            others = others or event.ticket_id != ticket.id
        if not consecutive:
            raise invalid(
                "events",
                [event.version for event in events],
                f"must carry versions {first} to {ticket.version} (from the expected version"
                " to the ticket's)",
            )
        if others:
            raise invalid("events", ticket.id, "every event must be for the ticket")
        if self.assign_number and (
            self.expected_version != 0
            or not isinstance(events[0], TicketCreated)
            or events[0].ticket.number != ticket.number
        ):
            raise invalid(
                "assign_number",
                self.assign_number,
                "only a new ticket is numbered, its creation first, with the same placeholder",
            )
        _check_keys(ticket)
        _check_ticket_numbers(ticket)
        _remember_checked(ticket.fields)
        for index, event in enumerate(events):
            # A creation carries the very snapshot just checked; and the event classes
            # themselves refuse what no store can write (integers beyond 64 bits, floats
            # that are not finite, values of other types), so only a subclass is scanned.
            if type(event) not in _SELF_CHECKED and not _creates(event, ticket):
                _check_writable(f"events[{index}]", event)

    def numbered(self, number: int) -> Change:
        """Return the change with its new ticket numbered ``number`` (for stores).

        The snapshot, the creation event's snapshot and every message whose payload is that
        event's primitives (the one that announces it) carry the number; ``assign_number`` is
        off. Events after the creation name the ticket by id only, so they stay as they are.

        Raises:
            InvalidValueError: The change does not ask for a number, or ``number`` is not a
                ticket number (an integer from 1 to 2**63 - 1).
        """
        if not self.assign_number:
            raise invalid(
                "assign_number", self.assign_number, "the change does not ask for a number"
            )
        given: object = number
        if isinstance(given, bool) or not isinstance(given, int) or not 1 <= given <= INT64_MAX:
            raise invalid("number", number, "must be an integer from 1 to 2**63 - 1")
        created = self.events[0]
        assert isinstance(created, TicketCreated)  # noqa: S101 - checked when built
        # Only the number changes, in values already checked: copied, not built again.
        ticket = evolve_unchecked(self.ticket, {"number": number})
        # A creation recorded with more events (a note, say) carries an earlier snapshot.
        first = (
            ticket
            if created.ticket is self.ticket
            else evolve_unchecked(created.ticket, {"number": number})
        )
        renumbered = _new(TicketCreated)
        _set(renumbered, "__dict__", {**created.__dict__, "ticket": first})
        announced = to_primitive(created)
        outbox = tuple(
            _renumbered(message, number) if message.payload == announced else message
            for message in self.outbox
        )
        return attrs.evolve(
            self,
            ticket=ticket,
            events=(renumbered, *self.events[1:]),
            outbox=outbox,
            assign_number=False,
        )


_new = object.__new__
_set = object.__setattr__


def _renumbered(message: OutboxMessage, number: int) -> OutboxMessage:
    # The message announcing a creation, with the new number in its (checked) payload.
    payload = message.payload
    copy = _new(OutboxMessage)
    for field in attrs.fields(OutboxMessage):
        _set(copy, field.name, getattr(message, field.name))
    _set(copy, "payload", {**payload, "ticket": {**payload["ticket"], "number": number}})
    return copy


# Every attribute of these is checked where the event is built: text as text, integers
# within 64 bits, floats finite, levels and enums in range; a creation's ticket is scanned
# unless it is the change's own (whose numbers are checked above).
_SELF_CHECKED: Final = frozenset(set(EVENT_TYPES) - {TicketCreated})


def _creates(event: TicketEvent, ticket: Ticket) -> bool:
    return isinstance(event, TicketCreated) and event.ticket is ticket


# Fields are immutable, and a ticket's pass unchanged from snapshot to snapshot: those that
# passed both checks below are remembered (by identity, holding a reference so that the id
# stays theirs) and not scanned again.
_FIELDS_CHECKED: Final[dict[int, Fields]] = {}
_FIELDS_KEPT: Final = 4096


def _ascii(text: object) -> bool:
    return isinstance(text, str) and text.isascii()


def _fields_checked(fields: Fields) -> bool:
    if len(_FIELDS_CHECKED) >= _FIELDS_KEPT:
        _FIELDS_CHECKED.clear()
    return _FIELDS_CHECKED.get(id(fields)) is fields


def _remember_checked(fields: Fields) -> None:
    if type(fields) is Fields:  # immutable; a mapping of another kind could change
        _FIELDS_CHECKED[id(fields)] = fields


def _check_keys(ticket: Ticket) -> None:
    queue, assignee = ticket.queue, ticket.assignee
    if (
        _ascii(ticket.id)
        and _ascii(ticket.status)
        and (queue is None or _ascii(queue))
        and (assignee is None or _ascii(assignee))
        and (_fields_checked(ticket.fields) or all(_ascii(name) for name in ticket.fields))
    ):
        return  # the usual case, at a glance
    keys: list[tuple[str, object]] = [("ticket.id", ticket.id), ("ticket.status", ticket.status)]
    keys += [("ticket.queue", ticket.queue), ("ticket.assignee", ticket.assignee)]
    keys += [(f"ticket.fields.{name}", name) for name in ticket.fields]
    for field, value in keys:
        if value is None:
            continue
        if not isinstance(value, str):
            raise invalid(field, value, "must be a string")
        if not storable(value):
            raise invalid(field, value, "must be valid Unicode (no lone surrogates)")


# -- numbers every store can keep --------------------------------------------------------------

TICKET_NUMBERS: Final = ("number", "version", "reopen_count")
"""The attributes of a :class:`Ticket` that can hold an integer of any size.

Every other attribute is a string, a datetime, an enum, a level from 1 to 5 or the
structured fields, as the ticket checks when it is built; so these and the field values are
all a change must look at (the generic scan below is several times dearer, and a ticket is
written on every command). A test keeps this list in step with :class:`Ticket`.
"""


_ticket_numbers: Final = operator.attrgetter(*TICKET_NUMBERS)


def _check_ticket_numbers(ticket: Ticket) -> None:
    numbers: tuple[int, ...] = _ticket_numbers(ticket)
    for number in numbers:
        if not INT64_MIN <= number <= INT64_MAX:
            for name, each in zip(TICKET_NUMBERS, numbers, strict=True):
                _find_unwritable(f"ticket.{name}", each, 0)
    # Field values are scalars (Fields checks that): only the numbers need a look.
    if not _fields_checked(ticket.fields) and not all(
        isinstance(value, str) or _fits(value) for value in ticket.fields.values()
    ):
        for name, value in ticket.fields.items():
            _find_unwritable(f"ticket.fields.{name}", value, 0)


# What each type of part is, decided once per type: the scan runs on every commit.
_LEAF, _NUMBER, _MAPPING, _COLLECTION, _ATTRS, _UNKNOWN = 1, 2, 3, 4, 5, 6
_KINDS: dict[type, int] = {}
_GETTERS: dict[type, Callable[[object], tuple[object, ...]]] = {}
# Values hold a few dozen parts; a budget stops a scan of a (hostile) cyclic structure.
_BUDGET: Final = 100_000
_DEPTH: Final = 64


def _check_writable(field: str, value: object) -> None:
    """Raise :class:`InvalidValueError` if ``value`` holds a number no store can keep exactly.

    Every integer must fit in 64 bits (the width of SQL integers and of the JSON numbers
    most readers keep exactly), every float must be finite (JSON has no NaN, and NaN is not
    equal to itself when read back), and every part must be of a kind that converts to JSON
    (strings, numbers, datetimes, enums, mappings, collections, attrs classes). A quick scan
    clears almost every value; only one that fails it is walked again to name the path of
    the offending part.
    """
    if not _writable(value):
        _find_unwritable(field, value, 0)


def _writable(value: object) -> bool:
    pending = [value]
    budget = _BUDGET
    kinds = _KINDS
    while pending:
        budget -= 1
        item = pending.pop()
        cls = type(item)
        kind = kinds.get(cls) or _kind(cls)
        if kind == _LEAF:
            continue
        if budget == 0 or kind == _UNKNOWN or (kind == _NUMBER and not _fits(item)):
            return False
        if kind == _ATTRS:
            pending.extend(_GETTERS[cls](item))
        elif kind == _MAPPING:
            pending.extend(cast("Mapping[object, object]", item).values())
        elif kind == _COLLECTION:
            pending.extend(cast("Iterable[object]", item))
    return True


def _kind(cls: type) -> int:
    if issubclass(cls, str | bool | datetime | Enum | type(None)):
        kind = _LEAF
    elif issubclass(cls, int | float):
        kind = _NUMBER
    elif issubclass(cls, Mapping):
        kind = _MAPPING
    elif issubclass(cls, frozenset | set | tuple | list):
        kind = _COLLECTION
    elif attrs.has(cls) and attrs.fields(cls):
        names = _attribute_names(cls)
        getter = operator.attrgetter(*names)
        # attrgetter of one name returns the value itself, not a tuple of one.
        _GETTERS[cls] = getter if len(names) > 1 else lambda item: (getter(item),)
        kind = _ATTRS
    else:
        kind = _UNKNOWN  # no store knows how to write it
    _KINDS[cls] = kind
    return kind


def _fits(number: object) -> bool:
    if isinstance(number, int):
        return INT64_MIN <= number <= INT64_MAX
    return isinstance(number, float) and math.isfinite(number)


_NAMES: dict[type, tuple[str, ...]] = {}


def _attribute_names(cls: type) -> tuple[str, ...]:
    names = _NAMES.get(cls)
    if names is None:
        names = tuple(field.name for field in attrs.fields(cls)) if attrs.has(cls) else ()
        _NAMES[cls] = names
    return names


def _find_unwritable(field: str, value: object, depth: int) -> None:
    cls = type(value)
    kind = _KINDS.get(cls) or _kind(cls)
    if kind == _NUMBER and not _fits(value):
        problem = "a float must be finite" if cls is float else "an integer must fit in 64 bits"
        raise invalid(field, value, problem)
    if kind == _UNKNOWN:
        raise invalid(field, value, f"a {cls.__name__} is not a value any store can write")
    if kind in {_LEAF, _NUMBER}:
        return
    if depth == _DEPTH:
        raise invalid(field, "...", f"nested deeper than {_DEPTH} levels")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _find_unwritable(f"{field}.{key}", item, depth + 1)
    elif isinstance(value, frozenset | set | tuple | list):
        for item in value:
            _find_unwritable(field, item, depth + 1)
    else:
        for name in _attribute_names(cls):
            _find_unwritable(f"{field}.{name}", getattr(value, name), depth + 1)
