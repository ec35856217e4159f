"""Reading is a boundary: any text or primitives give a value or a DeserializationError."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NoReturn

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketflow import (
    Actor,
    Fields,
    NewTicket,
    Requester,
    Ticket,
    TicketEvent,
    _serde,
    from_json,
    from_primitive,
    to_primitive,
)
from ticketflow._events import EVENT_TYPES, CommentAdded, SlaWarned
from ticketflow._ticket import TicketLinks
from ticketflow.exceptions import DeserializationError, InvalidValueError
from ticketflow.testing import events, tickets

DEEP = "[" * 100_000 + "]" * 100_000
TICKET = Ticket(
    id="T1",
    number=1,
    subject="s",
    requester=Requester("a@example.com"),
    created_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
    updated_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
)
EVENT = CommentAdded(
    ticket_id="T1",
    version=2,
    at=datetime(2026, 3, 2, 9, tzinfo=UTC),
    actor=Actor.agent("bob"),
    comment_id="c1",
    body="hi",
    public=True,
)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"\xff{}", "not UTF-8: invalid start byte at byte 0"),
        (b'"\xed\xa0\x80"', "not UTF-8: invalid continuation byte at byte 1"),
        ("1" * 4301, "not JSON: Exceeds the limit (4300 digits)"),
        (DEEP, "nested too deeply to read"),
        (DEEP.encode(), "nested too deeply to read"),
        ("{", "not JSON: Expecting property name"),
        (5, "expected JSON text (str, bytes or bytearray), got int"),
        (None, "expected JSON text (str, bytes or bytearray), got NoneType"),
        (memoryview(b"{}"), "expected JSON text (str, bytes or bytearray), got memoryview"),
        (["{}"], "expected JSON text (str, bytes or bytearray), got list"),
    ],
    ids=[
        "bad-utf8",
        "utf8-surrogate",
        "huge-int",
        "deep",
        "deep-bytes",
        "broken",
        "int",
        "none",
        "memoryview",
        "list",
    ],
)
def test_text_that_cannot_be_read_is_a_deserialization_error_at_the_root(
    text: Any, problem: str
) -> None:
    with pytest.raises(DeserializationError) as caught:
        from_json(text, Ticket)
    [(path, message)] = caught.value.errors
    assert path == "$"
    assert message.startswith(problem)
    assert caught.value.type_name == "Ticket"


def test_bytearray_is_read_like_bytes() -> None:
    assert from_json(bytearray(b'{"role": "agent", "id": "bob"}'), Actor) == Actor.agent("bob")


@attrs.frozen
class Node:
    child: Node | None = None


def test_primitives_nested_too_deeply_for_a_recursive_type_are_a_deserialization_error() -> None:
    data: object = None
    for _ in range(100_000):
        data = {"child": data}
    with pytest.raises(DeserializationError) as caught:
        from_primitive(data, Node)
    [(path, message)] = caught.value.errors
    assert path.startswith("$.child.child.")
    assert "recursion" in message


def test_running_out_of_stack_anywhere_while_reading_is_reported_at_the_root(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def exhausted(*_: object) -> NoReturn:
        raise RecursionError

    monkeypatch.setattr(_serde._converter(), "structure", exhausted)
    with pytest.raises(DeserializationError) as caught:
        from_primitive({}, Ticket)
    assert list(caught.value.errors) == [("$", "nested too deeply to read")]
    assert caught.value.__cause__ is None


class Opaque:
    """A plain class: cattrs has no way to build it."""


@pytest.mark.parametrize("cls", [object, 5, "Ticket", Opaque, list[Opaque]], ids=repr)
def test_a_type_ticketflow_cannot_build_is_an_invalid_value_naming_cls(cls: Any) -> None:
    with pytest.raises(InvalidValueError) as caught:
        from_primitive({}, cls)
    assert caught.value.field == "cls"


@pytest.mark.parametrize(
    ("cls", "data", "path"),
    [
        (Actor, [1], "$"),
        (Actor, "agent:bob", "$"),
        (Ticket, {"id": "T1", "requester": ["a@example.com"]}, "$.requester"),
        (TicketEvent, {**to_primitive(EVENT), "actor": 5}, "$.actor"),
    ],
    ids=["list", "str", "nested", "event"],
)
def test_a_value_where_an_object_belongs_says_an_object_was_expected(
    cls: Any, data: object, path: str
) -> None:
    with pytest.raises(DeserializationError) as caught:
        from_primitive(data, cls)
    messages = dict(caught.value.errors)
    assert messages[path].startswith("expected an object, got ")


SLA_WARNED = {
    "type": "sla_warned",
    "ticket_id": "T1",
    "version": 2,
    "at": "2026-03-02T09:00:00+00:00",
    "actor": {"role": "system", "id": "ticketflow"},
    "metric": "resolution",
    "cycle": 0,
    "due_at": "2026-03-02T10:00:00+00:00",
}


@pytest.mark.parametrize(
    ("threshold", "message"),
    [
        ("nan", "expected a number, got str"),
        ("0.5", "expected a number, got str"),
        (True, "expected a number, got bool"),
        (10**400, "the number is too large for a float"),
    ],
    ids=repr,
)
def test_a_float_field_takes_only_numbers(threshold: object, message: str) -> None:
    with pytest.raises(DeserializationError) as caught:
        from_primitive({**SLA_WARNED, "threshold": threshold}, TicketEvent)
    assert list(caught.value.errors) == [("$.threshold", message + " (expected float)")]


@pytest.mark.parametrize("external", ["yes", 1, None], ids=repr)
def test_a_bool_field_takes_only_true_or_false(external: object) -> None:
    with pytest.raises(DeserializationError) as caught:
        from_primitive({"email": "a@example.com", "external": external}, Requester)
    [(path, message)] = caught.value.errors
    assert path == "$.external"
    assert message.startswith("expected true or false")


def test_a_threshold_outside_its_domain_is_refused_with_its_path() -> None:
    with pytest.raises(DeserializationError) as caught:
        from_primitive({**SLA_WARNED, "threshold": 1}, SlaWarned)
    assert caught.value.errors[0][0] == "$.threshold"


@pytest.mark.parametrize(
    ("field", "value"),
    [("number", -(10**5000)), ("impact", 10**5000), ("reopen_count", 2**15_000)],
    ids=["number", "impact", "reopen_count"],
)
def test_an_integer_too_long_to_print_is_refused_at_its_path(field: str, value: int) -> None:
    with pytest.raises(DeserializationError) as caught:
        from_primitive({**to_primitive(TICKET), field: value}, Ticket)
    [(path, message)] = caught.value.errors
    assert path == f"$.{field}"
    assert message.startswith("an integer with too many digits to print")


def test_a_long_integer_that_can_be_printed_reaches_the_ticket_checks() -> None:
    with pytest.raises(DeserializationError) as caught:
        from_primitive({**to_primitive(TICKET), "impact": 2**14_001 // 3}, Ticket)
    assert [path for path, _ in caught.value.errors] == ["$.impact"]


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ("created", "$", "expected an event object, got str"),
        ([SLA_WARNED], "$", "expected an event object, got list"),
        ({"version": 2}, "$.type", "required field missing"),
        ({"type": ["created"]}, "$.type", "must be one of created, transitioned"),
        ({"type": "exploded"}, "$.type", "must be one of created, transitioned"),
    ],
)
def test_an_event_without_a_known_type_tag_is_refused_at_the_tag(
    data: object, path: str, message: str
) -> None:
    with pytest.raises(DeserializationError) as caught:
        from_primitive(data, TicketEvent)
    [(found_path, found_message)] = caught.value.errors
    assert (found_path, found_message[: len(message)]) == (path, message)


# -- any primitives, for every type ---------------------------------------------------------

_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([2**63, -(2**70), 10**400])
    | st.floats()
    | st.text(st.characters(exclude_categories=()), max_size=8)
    | st.binary(max_size=4)
    | st.datetimes()
    | st.sampled_from(
        ["2026-03-02T10:00:00+00:00", "2026-03-02T10:00:00", "nan", "created", "agent", "new"]
    )
)
_primitives = st.recursive(
    _leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner)
        | st.dictionaries(st.text(max_size=6) | st.integers(), inner, max_size=4)
    ),
    max_leaves=12,
)

_TYPES: list[Any] = [
    Ticket,
    TicketEvent,
    *EVENT_TYPES,
    Requester,
    TicketLinks,
    Actor,
    Fields,
    NewTicket,
    str,
    int,
    float,
    bool,
    datetime,
    frozenset[str],
    list[TicketEvent],
]


def _paths(value: object, here: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [here]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*here, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*here, index))
    return found


def _replaced(value: Any, path: tuple[object, ...], new: object) -> Any:
    if not path:
        return new
    head, *rest = path
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], tuple(rest), new)}
    copy = list(value)
    copy[head] = _replaced(copy[head], tuple(rest), new)  # type: ignore[call-overload]
    return copy


@st.composite
def _damaged(draw: st.DrawFn) -> object:
    # A valid document with one node replaced reaches every validator; pure noise does not.
    valid = draw(st.one_of(tickets().map(to_primitive), events().map(to_primitive)))
    path = draw(st.sampled_from(_paths(valid)))
    return _replaced(valid, path, draw(_primitives))


def _read_or_refused(read: Callable[[], object]) -> None:
    refusal: DeserializationError | None = None
    try:
        read()
    except DeserializationError as error:
        refusal = error
    if refusal is not None:
        assert refusal.errors, "a refusal lists at least one problem"
        assert all(path.startswith("$") for path, _ in refusal.errors), refusal.errors


@given(cls=st.sampled_from(_TYPES), data=_damaged() | _primitives)
def test_any_primitives_give_a_value_or_a_deserialization_error(cls: Any, data: object) -> None:
    _read_or_refused(lambda: from_primitive(data, cls))


@given(cls=st.sampled_from(_TYPES), text=st.text(st.characters(exclude_categories=())))
def test_any_text_gives_a_value_or_a_deserialization_error(cls: Any, text: str) -> None:
    _read_or_refused(lambda: from_json(text, cls))


@given(cls=st.sampled_from(_TYPES), data=st.binary())
def test_any_bytes_give_a_value_or_a_deserialization_error(cls: Any, data: bytes) -> None:
    _read_or_refused(lambda: from_json(data, cls))


@pytest.mark.parametrize(
    "value",
    [object(), [object()], {"a": {1, "b"}}, float("nan"), [float("inf")], {(1, 2): "tuple key"}],
    ids=["object", "nested-object", "unsortable-set", "nan", "infinity", "tuple-key"],
)
def test_writing_what_json_cannot_hold_is_an_invalid_value_error(value: object) -> None:
    with pytest.raises(InvalidValueError) as raised:
        _serde.to_json(value)
    assert raised.value.field == "value"


def test_to_primitive_of_an_unknown_type_is_an_invalid_value_error() -> None:
    # It used to hand the object back as if it were a primitive.
    with pytest.raises(InvalidValueError, match="cannot write an object of type object"):
        to_primitive({"a": [object()]})
