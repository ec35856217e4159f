"""Arbitrary values of arbitrary types at every public constructor and entry point.

Whatever a caller passes, the outcome is a value or a :class:`~ticketflow.TicketflowError`:
never another exception, never a hang. A value that serializes reads back equal through JSON,
and tickets, events and changes read back equal through a real SQLite store. A Desk command
either raises a ``TicketflowError`` and writes nothing, or commits a ticket that re-validates
and that its journal replays to.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import os
import signal
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from enum import Enum
from types import FrameType, ModuleType
from typing import Final, cast, get_args

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ticketflow
import ticketflow.integrations
import ticketflow.sla
import ticketflow.storage
import ticketflow.testing
from _hostile import SCRATCH, TARGETS, Target, hostile_arguments
from ticketflow import (
    Actor,
    DeserializationError,
    Draft,
    Requester,
    Ticket,
    TicketCreated,
    TicketEvent,
    TicketflowError,
    from_json,
    from_primitive,
    to_json,
)
from ticketflow.integrations import ServiceCredit
from ticketflow.sla import BusinessCalendar, SlaRule, SlaState
from ticketflow.storage import Change, SQLiteTicketStore

PUBLIC_MODULES: Final[tuple[ModuleType, ...]] = (
    ticketflow,
    ticketflow.sla,
    ticketflow.storage,
    ticketflow.integrations,
    ticketflow.testing,
)

EXCLUDED: Final[Mapping[str, str]] = {
    "CheckFailure": "an error's detail record: ticketflow builds it from a check's result",
    "WorkflowStateMachine": "a hypothesis state machine: hypothesis builds it, with no arguments",
    "Desk.retrying": "the free function ticketflow.retrying, fuzzed with the Desk commands",
}
"""Public classes and constructors that are not called with hostile values here, and why.

Exceptions, protocols and enums are left out by rule (see :func:`_excluded_by_rule`).
"""

EVENT_TYPES: Final[tuple[type, ...]] = get_args(TicketEvent)

HANG_SECONDS: Final = 20
"""Far above what any example takes (milliseconds); only a hang reaches it."""


class HangError(Exception):
    """An example ran for longer than :data:`HANG_SECONDS`."""


@contextlib.contextmanager
def no_hang() -> Iterator[None]:
    """Raise :class:`HangError` inside the block if it runs longer than :data:`HANG_SECONDS`."""

    def interrupt(_: int, __: FrameType | None) -> None:
        raise HangError(f"no answer within {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.alarm(HANG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# -- which classes are public ---------------------------------------------------------------------


def _excluded_by_rule(cls: type) -> bool:
    return (
        issubclass(cls, BaseException | Enum)
        or bool(getattr(cls, "_is_protocol", False))  # typing.Protocol
    )


def _public_constructors() -> set[str]:
    names: set[str] = set()
    for module in PUBLIC_MODULES:
        for name in module.__all__:
            cls = getattr(module, name)
            if not inspect.isclass(cls) or _excluded_by_rule(cls):
                continue
            names.add(cls.__name__)
            for attribute, member in vars(cls).items():
                if isinstance(member, classmethod | staticmethod) and not attribute.startswith("_"):
                    names.add(f"{cls.__name__}.{attribute}")
    return names


def test_every_public_constructor_is_fuzzed_or_excluded_with_a_reason() -> None:
    fuzzed = {target.name for target in TARGETS}
    assert len(fuzzed) == len(TARGETS), "a constructor is listed twice"
    public = _public_constructors()
    assert public - fuzzed - EXCLUDED.keys() == set(), "public but neither fuzzed nor excluded"
    assert (fuzzed | EXCLUDED.keys()) - public == set(), "fuzzed or excluded but not public"
    assert fuzzed.isdisjoint(EXCLUDED)


# -- reading values back ---------------------------------------------------------------------------

NOT_JSON: Final[Mapping[type, str]] = {
    Draft: "a command's scratch pad: it holds the desk's callables",
    BusinessCalendar: "configuration holding a time zone, built in code",
    SlaRule: "configuration holding a BusinessCalendar",
    SlaState: "a report that holds the SlaRule in force",
}
"""Public attrs classes whose values need not convert to JSON, and why."""

SERIALIZED: Final[frozenset[type]] = frozenset(
    cls
    for module in PUBLIC_MODULES
    for name in module.__all__
    if inspect.isclass(cls := getattr(module, name)) and attrs.has(cls)
)
"""Every public value type: each reads back equal from its JSON (but those in NOT_JSON)."""


def assert_reads_back(value: object) -> None:
    """Check that ``value`` reads back equal from JSON, and ticket data from a SQLite store."""
    cls = type(value)
    try:
        text = to_json(value)
    except TicketflowError:
        assert cls in NOT_JSON or cls not in SERIALIZED
    else:
        if cls in SERIALIZED:
            assert from_json(text, cls) == value
            assert from_json(text.encode(), cls) == value
            assert from_primitive(json.loads(text), cls) == value
    if isinstance(value, Ticket):
        assert_stored_ticket_reads_back(value)
    if isinstance(value, TicketCreated):
        assert_stored_ticket_reads_back(value.ticket, value.actor)
    elif isinstance(value, EVENT_TYPES):
        assert_stored_event_reads_back(cast("TicketEvent", value))
    if isinstance(value, Change):
        assert_committed_change_reads_back(value)


@functools.cache
def shared_store() -> SQLiteTicketStore:
    """One SQLite store for every read-back check; each check writes a ticket of its own."""
    return SQLiteTicketStore(SCRATCH / "read-back.sqlite3", synchronous="OFF")


AGENT: Final = Actor.agent("bob")
T0: Final = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _own(ticket: Ticket) -> Ticket:
    # A ticket of its own in the shared store, otherwise the same.
    store = shared_store()
    return attrs.evolve(ticket, id=uuid.uuid4().hex, number=store.allocate_number(), version=1)


def assert_stored_ticket_reads_back(ticket: Ticket, actor: Actor = AGENT) -> None:
    store = shared_store()
    ticket = _own(ticket)
    created = TicketCreated(
        ticket_id=ticket.id, version=1, at=ticket.updated_at, actor=actor, ticket=ticket
    )
    store.commit(Change(ticket=ticket, events=[created], expected_version=0))
    assert store.get(ticket.id) == ticket
    assert list(store.journal(ticket.id)) == [created]


def assert_stored_event_reads_back(event: TicketEvent) -> None:
    store = shared_store()
    base = _own(
        Ticket(
            id="x",
            number=1,
            subject="base",
            requester=Requester("alice@example.com"),
            created_at=T0,
            updated_at=T0,
        )
    )
    created = TicketCreated(ticket_id=base.id, version=1, at=T0, actor=AGENT, ticket=base)
    store.commit(Change(ticket=base, events=[created], expected_version=0))
    event = attrs.evolve(event, ticket_id=base.id, version=2)
    after = attrs.evolve(base, version=2)
    store.commit(Change(ticket=after, events=[event], expected_version=1))
    assert list(store.journal(base.id)) == [created, event]


def assert_committed_change_reads_back(change: Change) -> None:
    store = shared_store()
    ticket = _own(change.ticket)
    events = [attrs.evolve(e, ticket_id=ticket.id) for e in change.events]
    events = [attrs.evolve(e, ticket=ticket) if isinstance(e, TicketCreated) else e for e in events]
    outbox = [attrs.evolve(m, id=uuid.uuid4().hex) for m in change.outbox]
    store.commit(attrs.evolve(change, ticket=ticket, events=events, outbox=outbox))
    assert store.get(ticket.id) == ticket
    assert list(store.journal(ticket.id)) == events


# -- every public constructor ----------------------------------------------------------------------


def _closing(value: object) -> None:
    if isinstance(value, SQLiteTicketStore):
        value.close()


@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.name)
@given(data=st.data())
def test_a_constructor_returns_a_value_that_reads_back_or_raises_a_ticketflow_error(
    target: Target, data: st.DataObject
) -> None:
    args, kwargs = data.draw(hostile_arguments(target), label="arguments")
    # Nothing may be written where a refused store would have been (relative paths land here).
    with no_hang(), contextlib.chdir(SCRATCH):
        try:
            value = target.build(*args, **kwargs)
        except TicketflowError:
            path = kwargs.get("path")
            if target.build is SQLiteTicketStore and isinstance(path, str) and path:
                assert not os.path.lexists(path)
            return
        try:
            assert_reads_back(value)
        finally:
            _closing(value)


@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.name)
@given(data=st.data())
def test_valid_arguments_build_a_value(target: Target, data: st.DataObject) -> None:
    # Keeps the valid arguments honest, so the test above exercises the success path too.
    args, kwargs = data.draw(target.valid, label="arguments")
    with no_hang(), contextlib.chdir(SCRATCH):
        _closing(target.build(*args, **kwargs))


@pytest.mark.parametrize("payload", [None, 3, "credit", [("ticket_id", "T1")]])
def test_a_service_credit_from_a_payload_that_is_no_mapping_is_a_deserialization_error(
    payload: object,
) -> None:
    with pytest.raises(DeserializationError):
        ServiceCredit.from_payload(payload)  # type: ignore[arg-type]
