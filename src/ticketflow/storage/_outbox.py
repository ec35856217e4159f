"""Outbox messages: what a commit hands to other systems, checked so every store reads it back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from .._value_methods import value_repr
from ._checks import instance, instant, invalid, key_text, validator
from ._payload import json_object

__all__ = ["LeasedMessage", "OutboxMessage"]


def _key(field: str) -> Any:  # noqa: ANN401 - an attrs validator
    def check(_: object, __: object, value: object) -> None:
        key_text(field, value)

    return check


def _optional_key(field: str) -> Any:  # noqa: ANN401 - an attrs validator
    def check(_: object, __: object, value: object) -> None:
        if value is not None:
            key_text(field, value)

    return check


def _payload(value: Mapping[str, Any]) -> dict[str, Any]:
    return json_object("payload", value)


def _created_at(value: datetime) -> datetime:
    return instant("created_at", value)


def _lease_until(value: datetime) -> datetime:
    return instant("lease_until", value)


@attrs.frozen(kw_only=True)
class OutboxMessage:
    """A message for another system (a webhook, a billing adapter), delivered after commit.

    It is written in the same transaction as the change that caused it, and checked when it
    is built, so that every store reads it back equal.

    Attributes:
        id: Unique; also the idempotency key receivers dedupe on. A non-empty single line
            without lone surrogates.
        topic: What it is about, e.g. ``ticket.transitioned``; a key like ``id``.
        payload: A JSON object that reads back exactly: string keys, 64-bit integers, finite
            floats, lists (not tuples), no lone surrogates, at most 64 levels deep. Any mapping
            is accepted and kept as a plain ``dict`` copy, so later changes to the mapping
            passed in cannot reach the message.
        ticket_id: The ticket it concerns, if any; a key like ``id``.
        created_at: When it was written (UTC).

    Raises:
        InvalidValueError: An attribute is out of its domain; ``field`` names it (for the
            payload, the path inside it, such as ``payload.items[2]``).
    """

    __repr__ = value_repr

    id: str = attrs.field(validator=_key("id"))
    topic: str = attrs.field(validator=_key("topic"))
    payload: Mapping[str, Any] = attrs.field(converter=_payload)
    ticket_id: str | None = attrs.field(default=None, validator=_optional_key("ticket_id"))
    created_at: datetime = attrs.field(converter=_created_at)


_new = object.__new__
_set = object.__setattr__


def announcing(
    message_id: str,
    topic: str,
    payload: dict[str, Any],
    ticket_id: str,
    created_at: datetime,
    event: object = None,
) -> OutboxMessage:
    """Return the message announcing an event, built without checking it again (private).

    Only for what the Desk builds from an event that checked itself when it was built: the
    payload is that event's primitives (text without lone surrogates, 64-bit integers, finite
    floats, a shallow object), ``topic`` is made from its type, ``ticket_id`` and
    ``created_at`` are its own, and ``message_id`` was checked by the caller. Checking the
    payload again cost a JSON round trip on every command.

    With ``event``, the message is remembered as that event's announcement (see
    :func:`announced_event`), so that a store writing both converts the event only once.
    """
    message = _new(OutboxMessage)
    _set(message, "id", message_id)
    _set(message, "topic", topic)
    _set(message, "payload", payload)
    _set(message, "ticket_id", ticket_id)
    _set(message, "created_at", created_at)
    if event is not None:
        if len(_ANNOUNCED) >= _ANNOUNCED_KEPT:
            _ANNOUNCED.clear()
        _ANNOUNCED[id(message)] = (message, event)
    return message


# The messages `announcing` built for an event, by identity: each entry holds the message
# (so its id stays its own) and the event whose primitives are its very payload. Bounded;
# a message forgotten is only converted again. Plain dict operations: safe under the GIL.
_ANNOUNCED: Final[dict[int, tuple[OutboxMessage, object]]] = {}
_ANNOUNCED_KEPT: Final = 1024


def announced_event(message: OutboxMessage) -> object:
    """Return the event whose primitives are ``message``'s payload, if it announces one.

    ``None`` unless ``announcing`` built this very message for an event (private).
    """
    kept = _ANNOUNCED.get(id(message))
    return kept[1] if kept is not None and kept[0] is message else None


def _at_least_one(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid("attempts", value, "must be an integer >= 1")


def _message(value: object) -> None:
    instance("message", value, OutboxMessage)


@attrs.frozen(kw_only=True)
class LeasedMessage:
    """An outbox message held by one worker until ``lease_until``.

    Attributes:
        message: The message.
        lease_token: Proves the lease when acknowledging or postponing; a key like
            :attr:`OutboxMessage.id`.
        lease_until: When the lease lapses and the message may be claimed again.
        attempts: How many times it has been claimed, this claim included.

    Raises:
        InvalidValueError: An attribute is out of its domain; ``field`` names it.
    """

    __repr__ = value_repr

    message: OutboxMessage = attrs.field(validator=validator(_message))
    lease_token: str = attrs.field(validator=_key("lease_token"))
    lease_until: datetime = attrs.field(converter=_lease_until)
    attempts: int = attrs.field(validator=validator(_at_least_one))
