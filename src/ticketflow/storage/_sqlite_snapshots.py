"""Snapshots as text and back, remembering the recent ones: a command rewrites what it just read.

Every command reads a ticket's snapshot and writes the next one, which differs in a few
attributes (a comment changes the version and ``updated_at``). So a store keeps two small
memos, both pure functions of immutable values and therefore safe to share between threads
and to keep across failed commits:

* text -> ticket: the snapshot text read (or written) last for a ticket gives back the very
  ticket without decoding it again; by ticket id where the reader knows it (the text is then
  compared, not hashed: a snapshot is a kilobyte or two, and hashing it cost more than the
  rest of the lookup), else by the text itself;
* ticket id -> (ticket, the JSON of each attribute): the next snapshot of that ticket is
  written by re-encoding only the attributes that are not the same objects as before (the
  reducer copies a ticket's attribute dictionary and replaces what changed), then joining.

The text is byte for byte what encoding the whole ticket gives (a test holds them equal).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import compress
from json.encoder import encode_basestring_ascii
from operator import is_not
from typing import Final

import attrs

from .._fields import Fields
from .._serde import to_primitive
from .._ticket import Ticket
from ._sqlite_json import dumps
from ._sqlite_rows import canonical, ticket_from

__all__ = ["SnapshotMemo"]

_NAMES: Final = tuple(field.name for field in attrs.fields(Ticket))
_KEYS: Final = tuple(json.dumps(name) + ":" for name in _NAMES)
_SIZE: Final = 2048


_INDEXES: Final = range(len(_NAMES))


def _encoded(value: object) -> str:
    # The JSON of one attribute, as encoding the whole ticket writes it.
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is datetime and value.tzinfo is UTC:  # type: ignore[attr-defined]
        return f'"{value.isoformat()}"'  # type: ignore[attr-defined]
    return dumps(to_primitive(value))


def _json(value: object) -> str:
    # One attribute's primitives as JSON: the scalars without the encoder's set-up.
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    if type(value) is int:
        return str(value)
    return dumps(value)


class SnapshotMemo:
    """The recent snapshots of one store, as text and as tickets."""

    def __init__(self) -> None:
        self._tickets: dict[str, Ticket] = {}
        self._latest: dict[str, tuple[str, Ticket]] = {}
        self._parts: dict[str, tuple[Ticket, list[str]]] = {}
        self._fields: dict[str, tuple[Fields, list[tuple[str, str, str]], str]] = {}

    def ticket(self, text: str) -> Ticket:
        """Return the ticket of a snapshot text (raises as :func:`ticket_from` does)."""
        ticket = self._tickets.get(text)
        if ticket is None:
            ticket = ticket_from(text)
            self._remember(text, ticket)
        return ticket

    def ticket_of(self, ticket_id: str, text: str) -> Ticket:
        """Return the ticket of the snapshot text read from ``ticket_id``'s row.

        Raises as :func:`ticket_from` does.
        """
        latest = self._latest.get(ticket_id)
        if latest is not None and latest[0] == text:
            return latest[1]
        ticket = self.ticket(text)
        self._keep(ticket_id, text, ticket)
        return ticket

    def text(self, ticket: Ticket, data: dict[str, object] | None = None) -> str:
        """Return the snapshot text of ``ticket``; ``data`` is its primitives, if at hand."""
        state = ticket.__dict__
        laid_out = tuple(state) == _NAMES
        known = self._parts.get(ticket.id)
        if known is not None and laid_out:
            # A ticket is kept only with its attributes in _NAMES's order (below).
            before, parts = known
            parts = parts.copy()
            # The attributes that are not the very objects of the last snapshot, found in C.
            changed = compress(_INDEXES, map(is_not, state.values(), before.__dict__.values()))
            for index in changed:
                parts[index] = _KEYS[index] + _encoded(state[_NAMES[index]])
        else:
            values = to_primitive(ticket) if data is None else data
            parts = [key + _json(values[name]) for key, name in zip(_KEYS, _NAMES, strict=True)]
        text = f"{{{','.join(parts)}}}"
        if len(self._parts) >= _SIZE:
            self._parts.clear()
        if laid_out:
            self._parts[ticket.id] = (ticket, parts)
        else:
            self._parts.pop(ticket.id, None)
        self._keep(ticket.id, text, ticket)
        return text

    def fields(self, ticket: Ticket) -> tuple[list[tuple[str, str, str]], str]:
        """Return the field index rows of ``ticket`` and their text (the ``fields`` column)."""
        known = self._fields.get(ticket.id)
        if known is not None and known[0] is ticket.fields:
            return known[1], known[2]
        rows = [(ticket.id, name, canonical(value)) for name, value in ticket.fields.items()]
        text = dumps([row[1:] for row in rows])
        if len(self._fields) >= _SIZE:
            self._fields.clear()
        self._fields[ticket.id] = (ticket.fields, rows, text)
        return rows, text

    def _keep(self, ticket_id: str, text: str, ticket: Ticket) -> None:
        if len(self._latest) >= _SIZE:
            self._latest.clear()
        self._latest[ticket_id] = (text, ticket)

    def _remember(self, text: str, ticket: Ticket) -> None:
        if len(self._tickets) >= _SIZE:
            self._tickets.clear()
        self._tickets[text] = ticket
