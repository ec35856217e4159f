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
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from enum import Enum
from types import FrameType, ModuleType
from typing import Any, Final, cast, get_args

import attrs
import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

import ticketflow
import ticketflow.analytics
import ticketflow.intake
import ticketflow.integrations
import ticketflow.plugins
import ticketflow.problems
import ticketflow.resolution
import ticketflow.sla
import ticketflow.storage
import ticketflow.testing
import ticketflow.triage
import ticketflow.webhooks
import ticketflow.workers
from _hostile import (
    FUNCTION_TARGETS,
    SCRATCH,
    TARGETS,
    Target,
    hostile_arguments,
    hostile_values,
    kwargs_of,
)
from ticketflow import (
    KEEP,
    Actor,
    CommentAdded,
    ConflictError,
    DeserializationError,
    Desk,
    Draft,
    LinkKind,
    NewTicket,
    Requester,
    Resolution,
    ResolutionSource,
    Ticket,
    TicketCreated,
    TicketEvent,
    TicketflowError,
    TicketKind,
    TicketLinks,
    TicketStatus,
    from_json,
    from_primitive,
    replay,
    to_json,
    to_primitive,
)
from ticketflow.intake import FormSpec
from ticketflow.integrations import RetrySchedule, ServiceCredit
from ticketflow.resolution import AutoClose, HostCriterion, ResolutionPolicy
from ticketflow.sla import BusinessCalendar, SlaPolicy, SlaRule, SlaState, SlaTargets
from ticketflow.storage import (
    Change,
    LeasedMessage,
    OutboxMessage,
    PostgresTicketStore,
    SQLiteTicketStore,
    TicketQuery,
)
from ticketflow.testing import FrozenClock, aware_datetimes, new_tickets
from ticketflow.triage import Agent, CategoryRule, RouteContext, RouteRule
from ticketflow.workers import WorkerSetup

PUBLIC_MODULES: Final[tuple[ModuleType, ...]] = (
    ticketflow,
    ticketflow.analytics,
    ticketflow.sla,
    ticketflow.storage,
    ticketflow.integrations,
    ticketflow.intake,
    ticketflow.plugins,
    ticketflow.problems,
    ticketflow.resolution,
    ticketflow.testing,
    ticketflow.triage,
    ticketflow.webhooks,
    ticketflow.workers,
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

    if not hasattr(signal, "SIGALRM"):  # pragma: no cover - Windows has no alarm
        yield
        return
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


FUNCTIONS_ELSEWHERE: Final[Mapping[str, str]] = {
    "from_json": "fuzzed by the tests of reading and writing JSON below",
    "from_primitive": "fuzzed by the tests of reading and writing JSON below",
    "to_json": "fuzzed by the tests of reading and writing JSON below",
    "to_primitive": "fuzzed by the tests of reading and writing JSON below",
    "retrying": "fuzzed as the Desk command Desk.retrying below",
    "check_ticket_store": "runs the conformance suite on a host's store factory",
    **dict.fromkeys(
        (
            "actors",
            "aware_datetimes",
            "events",
            "field_maps",
            "histories",
            "new_tickets",
            "requesters",
            "statuses",
            "tickets",
            "valid_paths",
        ),
        "a hypothesis strategy: bad options raise as hypothesis' own strategies do",
    ),
}
"""Public functions not fuzzed as FUNCTION_TARGETS, and why."""


def test_every_public_function_is_fuzzed_or_covered_elsewhere() -> None:
    public = {
        name
        for module in PUBLIC_MODULES
        for name in module.__all__
        if inspect.isfunction(getattr(module, name))
    }
    fuzzed = {target.name for target in FUNCTION_TARGETS}
    assert public - fuzzed - FUNCTIONS_ELSEWHERE.keys() == set()
    assert (fuzzed | FUNCTIONS_ELSEWHERE.keys()) - public == set()


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
    FormSpec: "configuration holding the desk's Access rules",
    Agent: "configuration holding a BusinessCalendar (working hours)",
    RouteContext: "a decision's input holding Agents",
    CategoryRule: "configuration: a field condition may mix value types, which JSON cannot sort",
    RouteRule: "configuration: a field condition may mix value types, which JSON cannot sort",
    RetrySchedule: "configuration holding its random source, a callable",
    HostCriterion: "configuration holding the host's predicate, a callable",
    AutoClose: "configuration holding a BusinessCalendar",
    ResolutionPolicy: "configuration holding DoneCriteria, which may hold host callables",
    WorkerSetup: "configuration holding the desk and the host's handlers, callables",
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
    if isinstance(value, SQLiteTicketStore | PostgresTicketStore):
        value.close()  # a PostgreSQL store of the fuzzer's drops its schema


KNOWN_BUGS: Final[Mapping[str, str]] = {}
"""Targets whose hostile test fails until a known bug is fixed (strict: a fix must drop them)."""


def _known(targets: tuple[Target, ...]) -> list[Any]:
    return [
        pytest.param(target, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[target.name]))
        if target.name in KNOWN_BUGS
        else target
        for target in targets
    ]


@pytest.mark.parametrize("target", _known(TARGETS), ids=lambda target: target.name)
@given(data=st.data())
def test_a_constructor_returns_a_value_that_reads_back_or_raises_a_ticketflow_error(
    target: Target, data: st.DataObject
) -> None:
    args, kwargs = data.draw(hostile_arguments(target), label="arguments")
    # Nothing may be written where a refused store would have been (relative paths land here).
    with no_hang(), contextlib.chdir(SCRATCH):
        try:
            value = target.build(*args, **kwargs)
        except TicketflowError as error:
            event(f"refused: {type(error).__name__}")
            path = kwargs.get("path")
            if target.build is SQLiteTicketStore and isinstance(path, str) and path:
                assert not os.path.lexists(path)
            return
        event("built")
        try:
            assert_reads_back(value)
        finally:
            _closing(value)


@pytest.mark.parametrize("target", _known(FUNCTION_TARGETS), ids=lambda target: target.name)
@given(data=st.data())
def test_a_function_returns_a_value_that_reads_back_or_raises_a_ticketflow_error(
    target: Target, data: st.DataObject
) -> None:
    args, kwargs = data.draw(hostile_arguments(target), label="arguments")
    with no_hang():
        try:
            value = target.build(*args, **kwargs)
        except TicketflowError as error:
            event(f"refused: {type(error).__name__}")
            return
        event("answered")
        for part in value if isinstance(value, tuple) else [value]:
            assert_reads_back(part)


@pytest.mark.parametrize("target", TARGETS + FUNCTION_TARGETS, ids=lambda target: target.name)
@settings(max_examples=5)
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


# -- reading and writing JSON ---------------------------------------------------------------------

_SPECIAL_TEXT: Final = (
    "",
    "null",
    "NaN",
    "-Infinity",
    "1" * 5000,
    "1e400",
    "[" * 100_000 + "]" * 100_000,
    '{"a": ' * 50_000 + "1" + "}" * 50_000,
    '"\\ud800"',
    '{"type": "created"}',
    '{"type": ["created"]}',
    '{"type": "nope", "ticket_id": "T1"}',
    '{"id": "T1"}',
    "[1, 2, 3]",
    '"2026-03-02T09:00:00"',
    '"2026-03-02T09:00:00+00:00"',
)
_scalar_json = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**63, -(2**63) - 1, 10**4299]),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "\ud800",
            "a\u2028b",
            "x" * 1_100_000,
            "new",
            "agent",
            "2026-03-02T09:00:00",
            "9999-12-31T23:59:59-14:00",
            "0001-01-01T00:00:00+14:00",
        ]
    ),
)
hostile_json: Final = st.recursive(
    _scalar_json,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=5,
)


@st.composite
def _mutated(draw: st.DrawFn, data: object, depth: int = 0) -> object:
    action = draw(st.sampled_from(["keep", "replace", "descend", "delete", "add"]))
    if isinstance(data, dict) and data:
        key = draw(st.sampled_from(sorted(data)))
        if action == "descend" and depth < 4:
            return {**data, key: draw(_mutated(data[key], depth + 1))}
        if action == "delete":
            return {name: value for name, value in data.items() if name != key}
        if action == "add":
            return {**data, draw(st.text(max_size=8)): draw(hostile_json)}
        if action == "replace":
            return {**data, key: draw(hostile_json)}
    if isinstance(data, list) and data and action == "descend" and depth < 4:
        index = draw(st.integers(0, len(data) - 1))
        return [*data[:index], draw(_mutated(data[index], depth + 1)), *data[index + 1 :]]
    return draw(hostile_json) if action == "replace" else data


_VALUE_TARGETS: Final = tuple(
    target
    for target in TARGETS
    if target.build in SERIALIZED
    and target.build not in NOT_JSON
    and target.name not in KNOWN_BUGS  # they fail where their own targets are xfailed
)


@st.composite
def valid_values(draw: st.DrawFn) -> object:
    """Return a valid value of a public value type (built from its valid arguments)."""
    target = draw(st.sampled_from(_VALUE_TARGETS))
    args, kwargs = draw(target.valid)
    return target.build(*args, **kwargs)


@st.composite
def documents(draw: st.DrawFn) -> tuple[type, object]:
    """Return a value type and its primitives, often spoilt somewhere."""
    value = draw(valid_values())
    return type(value), draw(_mutated(to_primitive(value)))


_CLASSES: Final[tuple[object, ...]] = (
    *sorted(
        {
            cls
            for module in PUBLIC_MODULES
            for name in module.__all__
            if inspect.isclass(cls := getattr(module, name))
        },
        key=lambda cls: cls.__name__,
    ),
    TicketEvent,
    int,
    str,
    float,
    bool,
    bytes,
    list,
    dict,
    object,
    type,
    datetime,
    timedelta,
    list[int],
    dict[str, Ticket],
    tuple[int, ...],
    frozenset[str],
    Ticket | None,
    # not types at all
    None,
    1,
    "Ticket",
    TicketStatus.NEW,
    Any,
    object(),
)
"""Every class a caller might ask JSON to be read as, and some things that are no class."""
classes: Final = st.sampled_from(_CLASSES)

texts: Final = st.one_of(
    st.sampled_from(_SPECIAL_TEXT),
    st.text(max_size=30),
    st.binary(max_size=30),
    hostile_values,
    hostile_json.map(json.dumps),
    documents().map(lambda document: json.dumps(document[1])),
    documents().map(lambda document: json.dumps(document[1]).encode()),
)


def assert_read_value_reads_back(value: object, cls: object) -> None:
    if cls in SERIALIZED or cls == TicketEvent:
        assert_reads_back(value)


@given(text=texts, cls=classes)
@example(text="1" * 5000, cls=int)
@example(text=b"\xff", cls=Ticket)
@example(text="[" * 100_000 + "]" * 100_000, cls=list[int])
def test_from_json_returns_a_value_that_reads_back_or_raises_a_ticketflow_error(
    text: Any, cls: Any
) -> None:
    with no_hang():
        try:
            value = from_json(text, cls)
        except TicketflowError:
            return
        assert_read_value_reads_back(value, cls)


@given(document=documents(), other=classes, data=st.data())
def test_from_json_of_spoilt_documents_returns_a_value_that_reads_back_or_raises(
    document: tuple[type, object], other: object, data: st.DataObject
) -> None:
    cls = data.draw(st.sampled_from([document[0], document[0], other, TicketEvent]), label="cls")
    text = json.dumps(document[1])
    with no_hang():
        try:
            value = from_json(text, cls)
        except TicketflowError:
            return
        assert_read_value_reads_back(value, cls)


@given(data=hostile_values | documents().map(lambda document: document[1]), cls=classes)
@example(data=0, cls=dict[str, Ticket])  # cattrs called .items() on it: AttributeError
def test_from_primitive_returns_a_value_that_reads_back_or_raises_a_ticketflow_error(
    data: object, cls: Any
) -> None:
    with no_hang():
        try:
            value = from_primitive(data, cls)
        except TicketflowError:
            return
        assert_read_value_reads_back(value, cls)


def _refuse_constant(name: str) -> object:
    raise AssertionError(f"to_json wrote {name}, which is not JSON")


@given(value=hostile_values | valid_values())
def test_to_json_writes_strict_json_or_raises_a_ticketflow_error(value: object) -> None:
    with no_hang():
        try:
            text = to_json(value)
        except TicketflowError:
            return
        json.loads(text, parse_constant=_refuse_constant)
        assert_reads_back(value)


def _assert_primitive(data: object) -> None:
    if isinstance(data, dict):
        for key, item in data.items():
            assert key is None or isinstance(key, str | int | float)  # what json.dumps takes
            _assert_primitive(item)
    elif isinstance(data, list | tuple):
        for item in data:
            _assert_primitive(item)
    else:
        assert data is None or isinstance(data, str | int | float)  # a StrEnum is a str


@given(value=hostile_values | valid_values())
def test_to_primitive_returns_primitives_or_raises_a_ticketflow_error(value: object) -> None:
    with no_hang():
        try:
            data = to_primitive(value)
        except TicketflowError:
            return
        _assert_primitive(data)


# -- every Desk command ---------------------------------------------------------------------------

POLICY: Final = SlaPolicy.by_priority(
    {
        "P1": SlaTargets(
            first_response=timedelta(minutes=30),
            next_response=timedelta(hours=1),
            resolution=timedelta(hours=4),
        ),
        "P2": timedelta(hours=8),
    },
    calendar=BusinessCalendar.weekly(tz="Europe/Berlin", hours={"mon-fri": ["09:00-17:00"]}),
)
ALICE: Final = Actor.customer("alice@example.com")
MALLORY: Final = Actor.customer("mallory@example.com")
ACTORS: Final = (
    AGENT,
    Actor.supervisor("sue"),
    Actor.system("cron"),
    Actor.ai("bot"),
    ALICE,
    MALLORY,
)
_tags = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=8)
_resolutions = st.builds(
    lambda code, confidence: Resolution(
        code=code,
        summary="replaced the router",
        source=ResolutionSource.HUMAN if confidence is None else ResolutionSource.AI,
        confidence=confidence,
    ),
    st.sampled_from(["fixed", "workaround", "nope"]),
    st.none() | st.sampled_from([0.2, 0.95]),
)
_labels = st.none() | st.sampled_from(["l1", "l2", "bob", "P1", "P2", "billing"])


def _keep_or(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.just(KEEP) | strategy


@attrs.frozen
class Scene:
    """A desk on a SQLite store, with a fresh ticket of Alice's and a problem to link to."""

    desk: Desk
    ticket: Ticket
    problem: Ticket

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.ticket.id, self.problem.id)


def _records_a_comment(draft: Draft) -> None:
    draft.record(
        CommentAdded, comment_id=uuid.uuid4().hex, body="decided by a capability", public=True
    )


def _records_nothing(_: Draft) -> None:
    pass


def _triages(draft: Draft) -> None:
    draft.transition(TicketStatus.TRIAGED, reason="by a capability")


class _ConflictOnce:
    """A command that loses one race, then answers."""

    def __init__(self) -> None:
        self.raced = False

    def __call__(self) -> str:
        if not self.raced:
            self.raced = True
            raise ConflictError("T1", 1, 2)
        return "done"


_not_callable = hostile_values.filter(lambda value: not callable(value))


def _drafts() -> st.SearchStrategy[NewTicket]:
    return st.builds(
        lambda draft, requester: attrs.evolve(
            draft, requester=Requester(requester), links=TicketLinks()
        ),
        new_tickets(),
        st.sampled_from([ALICE.id, MALLORY.id]),
    )


def _common(scene: Scene) -> dict[str, st.SearchStrategy[Any]]:
    version = scene.ticket.version
    return {
        "ticket_id": st.sampled_from([scene.ticket.id, scene.ticket.id, scene.problem.id]),
        "actor": st.sampled_from(ACTORS),
        "expected_version": st.sampled_from([None, version, version + 1]),
    }


_COMMANDS: Final[Mapping[str, tuple[str, Callable[[Scene], Mapping[str, Any]]]]] = {
    # command: (the common arguments it takes, its own arguments given the scene)
    "submit": ("actor", lambda _: {"draft": _drafts()}),
    "transition": (
        "ticket_id actor expected_version",
        lambda _: {
            "to": st.sampled_from([*TicketStatus, "reopened"]),
            "reason": st.none() | st.sampled_from(["because", "customer asked"]),
        },
    ),
    "assign": (
        "ticket_id actor expected_version",
        lambda _: {"assignee": _keep_or(_labels), "queue": _keep_or(_labels)},
    ),
    "comment": (
        "ticket_id actor expected_version",
        lambda _: {
            "body": st.sampled_from(["thanks", "a\nb", "x" * 300]),
            "public": st.booleans(),
        },
    ),
    "set_fields": (
        "ticket_id actor expected_version",
        lambda _: {
            "changes": st.dictionaries(
                st.sampled_from(["order", "secret", "carrier"]),
                st.none() | st.text(max_size=8) | st.integers(-(2**63), 2**63 - 1) | st.booleans(),
                min_size=1,
                max_size=3,
            )
        },
    ),
    "categorize": ("ticket_id actor expected_version", lambda _: {"category": _labels}),
    "prioritize": (
        "ticket_id actor expected_version",
        lambda _: {
            "priority": st.sampled_from([None, "P1", "P2", "P3"]),
            "impact": _keep_or(st.none() | st.integers(1, 5)),
            "urgency": _keep_or(st.none() | st.integers(1, 5)),
        },
    ),
    "tag": (
        "ticket_id actor expected_version",
        lambda _: {
            "add": st.frozensets(_tags, max_size=3) | st.lists(_tags, max_size=3),
            "remove": st.frozensets(_tags, max_size=2),
        },
    ),
    "link": (
        "ticket_id actor expected_version",
        lambda scene: {
            "link": st.sampled_from([*LinkKind, *(kind.value for kind in LinkKind)]),
            "target": st.sampled_from([None, scene.problem.id, scene.ticket.id, "missing"]),
        },
    ),
    "execute": (
        "ticket_id actor expected_version",
        lambda _: {
            "decide": st.sampled_from([_records_a_comment, _records_nothing, _triages]),
            "command": st.sampled_from(["comment", "transition", "assign", "triage"]),
        },
    ),
    "resolve": (
        "ticket_id actor expected_version",
        lambda _: {"resolution": _resolutions},
    ),
    "review_suggestion": (
        "ticket_id actor expected_version",
        lambda _: {"accept": st.booleans(), "reason": st.none() | st.sampled_from(["ok", "no"])},
    ),
    "confirm_resolution": ("ticket_id actor", lambda _: {"comment": st.none() | st.just("ok")}),
    "reject_resolution": (
        "ticket_id actor",
        lambda _: {"comment": st.none() | st.just("still late")},
    ),
    "close": ("ticket_id actor", lambda _: {"reason": st.none() | st.just("done")}),
    "reply": (
        "ticket_id actor",
        lambda _: {"body": st.sampled_from(["thanks!", "still late", "Merci", "x" * 300])},
    ),
    "record_csat": (
        "ticket_id actor",
        lambda _: {
            "score": st.integers(1, 5),
            "comment": st.none() | st.just("quick"),
            "response_id": st.sampled_from(["r1", "r2"]),
        },
    ),
    "get": ("ticket_id", lambda _: {}),
    "history": ("ticket_id", lambda _: {}),
    "view": ("ticket_id actor", lambda _: {}),
    "tick": (
        "",
        lambda _: {
            "now": st.none()
            | st.builds(lambda d: T0 + d, st.timedeltas(timedelta(0), timedelta(days=3))),
            "limit": st.integers(1, 10),
            "worker": st.none() | st.sampled_from(["w1", "host:42"]),
            "lease": st.sampled_from([timedelta(seconds=1), timedelta(minutes=5)]),
        },
    ),
    "sla_state": (
        "ticket_id",
        lambda _: {
            "as_of": st.none()
            | aware_datetimes()
            | st.sampled_from([datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)])
        },
    ),
    "explain_sla": ("ticket_id", lambda _: {}),
    "reindex_sla": ("", lambda _: {"page_size": st.integers(1, 1000)}),
    "retrying": (
        "",
        lambda _: {
            "command": st.sampled_from([lambda: "done"]) | st.builds(_ConflictOnce),
            "attempts": st.integers(1, 5),
            "backoff": st.floats(0, 0.001),
            "max_backoff": st.floats(0, 0.001),
            "sleep": st.just(_anything_sleep),
        },
    ),
}
"""Every public Desk command with its valid arguments; callables stay host code, not hostile."""
_CALLABLE_ARGUMENTS: Final = frozenset({"decide", "command", "sleep"})


def _anything_sleep(_: float) -> None:
    """Sleep for no time at all."""


def test_every_desk_command_is_fuzzed() -> None:
    public = {
        name
        for name, member in inspect.getmembers(Desk)
        if callable(member) and not name.startswith("_")
    }
    assert public == _COMMANDS.keys()


@functools.cache
def _desk(command: str) -> tuple[Desk, Ticket]:
    store = SQLiteTicketStore(SCRATCH / f"desk-{command}.sqlite3", synchronous="OFF")
    desk = Desk(
        store,
        clock=FrozenClock(T0),
        sla=POLICY,
        internal_fields={"secret"},
        customer_fields={"order"},
    )
    problem = desk.submit(
        NewTicket(subject="outage", requester=Requester(ALICE.id), kind=TicketKind.PROBLEM),
        actor=AGENT,
    )
    return desk, problem


@st.composite
def scenes(draw: st.DrawFn, command: str) -> Scene:
    desk, problem = _desk(command)
    draft = NewTicket(
        subject="parcel late",
        requester=Requester(ALICE.id),
        priority=draw(st.sampled_from([None, "P1", "P2"])),
    )
    ticket = desk.submit(draft, actor=ALICE)
    steps = [(), ("triaged",), ("triaged", "in_progress"), *_RESOLVING]
    for step in draw(st.sampled_from(steps)):
        if step in _RESOLUTIONS:
            actor = Actor.ai("bot") if step == "suggested" else AGENT
            ticket = desk.resolve(ticket.id, _RESOLUTIONS[step], actor=actor)
        else:
            ticket = desk.transition(ticket.id, step, actor=AGENT)
    return Scene(desk, ticket, desk.get(problem.id))


_RESOLUTIONS: Final = {
    "resolved": Resolution(code="fixed", summary="replaced the router"),
    "suggested": Resolution(code="fixed", summary="restart", source="ai", confidence=0.2),
}
_RESOLVING: Final = (
    ("triaged", "in_progress", "resolved"),
    ("triaged", "in_progress", "suggested"),
)


def _state(scene: Scene, ids: tuple[str, ...]) -> dict[str, tuple[Ticket, int]]:
    store = scene.desk.store
    return {ticket_id: (store.get(ticket_id), len(store.journal(ticket_id))) for ticket_id in ids}


def _assert_sound(scene: Scene, ticket_id: str) -> None:
    store = scene.desk.store
    ticket = store.get(ticket_id)
    assert Ticket(**kwargs_of(ticket)) == ticket
    assert replay(store.journal(ticket_id)) == ticket


@pytest.mark.parametrize("command", sorted(_COMMANDS))
@given(data=st.data())
def test_a_desk_command_commits_a_sound_ticket_or_raises_a_ticketflow_error_writing_nothing(
    command: str, data: st.DataObject
) -> None:
    scene = data.draw(scenes(command), label="scene")
    common_names, own = _COMMANDS[command]
    common = _common(scene)
    valid = {name: common[name] for name in common_names.split()} | dict(own(scene))
    parameters = inspect.signature(getattr(Desk, command)).parameters
    kwargs = {}
    for name, strategy in valid.items():
        hostile = _not_callable if name in _CALLABLE_ARGUMENTS else hostile_values
        optional = parameters[name].default is not inspect.Parameter.empty
        choices = ["valid", "valid", "hostile", *(["left out"] if optional else [])]
        choice = data.draw(st.sampled_from(choices), label=name)
        if choice == "valid":
            kwargs[name] = data.draw(strategy, label=name)
        elif choice == "hostile":
            kwargs[name] = data.draw(hostile, label=name)
    before = _state(scene, scene.ids)
    with no_hang():
        try:
            result = getattr(scene.desk, command)(**kwargs)
        except TicketflowError as error:
            event(f"refused: {type(error).__name__}")
            assert _state(scene, scene.ids) == before
            return
    event("answered")
    ids = {*scene.ids, *([result.id] if isinstance(result, Ticket) else [])}
    for ticket_id in ids:
        _assert_sound(scene, ticket_id)
    if isinstance(result, Ticket):
        assert scene.desk.store.get(result.id) == result
    for value in result if isinstance(result, tuple | list) else [result]:
        assert_reads_back(value)


def _sla_state_far_from_now() -> object:
    desk, problem = _desk("sla_state")
    return desk.sla_state(problem.id, as_of=datetime.max.replace(tzinfo=UTC))


_GAPS: Final[Mapping[str, Callable[[], object]]] = {
    "SQLiteTicketStore(None)": lambda: SQLiteTicketStore(None),  # type: ignore[arg-type]
    "SQLiteTicketStore(synchronous=[])": lambda: SQLiteTicketStore(
        SCRATCH / "never.sqlite3",
        synchronous=[],  # type: ignore[arg-type]
    ),
    "to_json(object())": lambda: to_json(object()),
    "to_primitive(object())": lambda: to_primitive(object()),
    "OutboxMessage(topic=0)": lambda: OutboxMessage(
        id="m1",
        topic=0,  # type: ignore[arg-type]
        payload={},
        created_at=T0,
    ),
    "LeasedMessage(message=None)": lambda: LeasedMessage(
        message=None,  # type: ignore[arg-type]
        lease_token="t",  # noqa: S106 - a lease, not a secret
        lease_until=T0,
        attempts=1,
    ),
    "TicketQuery(status=[...])": lambda: TicketQuery(status=["new", 1]),  # type: ignore[arg-type]
    "from_primitive(0, dict[str, Ticket])": lambda: from_primitive(0, dict[str, Ticket]),
}
"""Hostile calls that once escaped as TypeError, AttributeError or a pass-through."""


@pytest.mark.parametrize("call", _GAPS.values(), ids=_GAPS.keys())
def test_a_hostile_call_that_once_escaped_raises_a_ticketflow_error(
    call: Callable[[], object],
) -> None:
    with no_hang(), pytest.raises(TicketflowError):
        call()
    assert not (SCRATCH / "never.sqlite3").exists()


def test_sla_state_far_from_now_answers_promptly() -> None:
    with no_hang():
        state = _sla_state_far_from_now()
    assert_reads_back(state)
