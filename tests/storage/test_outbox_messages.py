"""Outbox messages are checked when built, so that every store reads them back equal."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from types import MappingProxyType
from typing import Any

import pytest
from _side_by_side import AT, LEASE, created, outcome, store_pair
from hypothesis import given
from hypothesis import strategies as st

from ticketflow.exceptions import InvalidValueError, NaiveDatetimeError
from ticketflow.storage import LeasedMessage, OutboxMessage, TicketStore


def build(**overrides: Any) -> OutboxMessage:
    fields: dict[str, Any] = {
        "id": "m1",
        "topic": "ticket.created",
        "payload": {"ticket_id": "T1"},
        "ticket_id": "T1",
        "created_at": AT,
    }
    return OutboxMessage(**(fields | overrides))


@pytest.mark.parametrize("name", ["id", "topic", "ticket_id"])
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (5, "must be a string"),
        (b"m1", "must be a string"),
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("m\n1", "must be a single line (no CR or LF)"),
        ("m\r1", "must be a single line (no CR or LF)"),
        ("m\ud8001", "must be valid Unicode (no lone surrogates)"),
    ],
    ids=["int", "bytes", "empty", "blank", "lf", "cr", "surrogate"],
)
def test_ids_and_topics_are_non_empty_single_lines_of_valid_unicode(
    name: str, value: object, problem: str
) -> None:
    with pytest.raises(InvalidValueError) as caught:
        build(**{name: value})
    assert (caught.value.field, caught.value.problem) == (name, problem)


def test_a_message_need_not_concern_a_ticket() -> None:
    assert build(ticket_id=None).ticket_id is None


class Colour(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


@pytest.mark.parametrize(
    ("payload", "field", "problem"),
    [
        ([("a", 1)], "payload", "must be a JSON object (a mapping)"),
        ("{}", "payload", "must be a JSON object (a mapping)"),
        ({"a": (1, 2)}, "payload.a", "a tuple would read back as a list: pass a list"),
        ({1: "a"}, "payload", "a key must be a string without surrogates"),
        ({None: "a"}, "payload", "a key must be a string without surrogates"),
        ({"\ud800": "a"}, "payload", "a key must be a string without surrogates"),
        ({"a": float("nan")}, "payload.a", "NaN and infinities are not JSON"),
        ({"a": [float("-inf")]}, "payload.a[0]", "NaN and infinities are not JSON"),
        ({"a": "x\udc80"}, "payload.a", "a string must not hold a lone surrogate"),
        ({"a": 2**63}, "payload.a", "an integer must fit in 64 bits"),
        ({"a": -(2**63) - 1}, "payload.a", "an integer must fit in 64 bits"),
        ({"a": {"b": [{1, 2}]}}, "payload.a.b[0]", "a set is not a JSON value"),
        ({"a": b"x"}, "payload.a", "a bytes is not a JSON value"),
        ({"at": AT}, "payload.at", "a datetime is not a JSON value"),
    ],
    ids=repr,
)
def test_a_payload_that_would_not_read_back_equal_is_refused_at_its_path(
    payload: object, field: str, problem: str
) -> None:
    with pytest.raises(InvalidValueError) as caught:
        build(payload=payload)
    assert (caught.value.field, caught.value.problem) == (field, problem)


def _nested(levels: int) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for _ in range(levels - 1):
        payload = {"a": payload}
    return payload


def test_a_payload_may_nest_64_levels_but_no_deeper() -> None:
    assert build(payload=_nested(64)).payload == _nested(64)
    with pytest.raises(InvalidValueError, match="nested deeper than 64 levels"):
        build(payload=_nested(65))
    with pytest.raises(InvalidValueError, match="nested deeper than 64 levels"):
        build(payload=_nested(100_000))


def test_a_cyclic_payload_is_refused_not_walked_forever() -> None:
    cycle: dict[str, Any] = {}
    cycle["self"] = cycle
    with pytest.raises(InvalidValueError, match="nested deeper than 64 levels"):
        build(payload=cycle)


@pytest.mark.parametrize(
    "payload",
    [
        {"id": "12345678901234567890123"},
        {"brackets": "[" * 100 + "{" * 100},
        {"n": 9223372036854775807, "m": -9223372036854775808},
        {"text": "ünïcödé \u2028 \x00"},
    ],
    ids=["digits-in-a-string", "brackets-in-a-string", "int64-ends", "unicode"],
)
def test_a_payload_that_only_looks_suspicious_is_kept_exactly(payload: dict[str, Any]) -> None:
    assert build(payload=payload).payload == payload


def test_a_payload_at_the_ends_of_64_bits_is_kept() -> None:
    payload = {"max": 2**63 - 1, "min": -(2**63), "bool": True, "none": None, "float": -0.0}
    assert build(payload=payload).payload == payload


def test_a_payload_is_kept_as_a_plain_copy_that_later_changes_cannot_reach() -> None:
    inner: dict[str, Any] = {"n": [1, 2.5, None, True]}
    payload = {"nested": MappingProxyType(inner), "colour": Colour.RED, "level": Level.HIGH}
    kept = build(payload=payload).payload
    inner["n"].append(float("nan"))
    assert kept == {"nested": {"n": [1, 2.5, None, True]}, "colour": "red", "level": 3}
    assert type(kept) is dict
    assert type(kept["nested"]) is dict
    assert type(kept["colour"]) is str
    assert type(kept["level"]) is int


@pytest.mark.parametrize(
    ("created_at", "error"),
    [
        ("2026-03-02T09:00:00+00:00", InvalidValueError),
        (None, InvalidValueError),
        (datetime(2026, 3, 2, 9), NaiveDatetimeError),  # noqa: DTZ001 - naive on purpose
        (datetime.max.replace(tzinfo=timezone(-timedelta(hours=1))), InvalidValueError),
    ],
    ids=["str", "none", "naive", "beyond-utc"],
)
def test_created_at_is_an_aware_datetime_within_the_utc_calendar(
    created_at: object, error: type[InvalidValueError]
) -> None:
    with pytest.raises(error) as caught:
        build(created_at=created_at)
    assert caught.value.field == "created_at"


def test_created_at_is_kept_in_utc() -> None:
    at = build(created_at=AT.astimezone(timezone(timedelta(hours=2)))).created_at
    assert at == AT
    assert at.tzinfo is UTC


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"message": "m1"}, "message"),
        ({"lease_token": None}, "lease_token"),
        ({"lease_token": ""}, "lease_token"),
        ({"lease_token": "w:\ud800"}, "lease_token"),
        ({"lease_until": AT.replace(tzinfo=None)}, "lease_until"),
        ({"attempts": 0}, "attempts"),
        ({"attempts": True}, "attempts"),
    ],
    ids=repr,
)
def test_a_leased_message_is_checked_when_built(overrides: dict[str, Any], field: str) -> None:
    fields: dict[str, Any] = {
        "message": build(),
        "lease_token": "w:1",
        "lease_until": AT,
        "attempts": 1,
    }
    with pytest.raises(InvalidValueError) as caught:
        LeasedMessage(**(fields | overrides))
    assert caught.value.field == field


# -- what constructs, reads back ------------------------------------------------------------

_keys = st.text(st.characters(exclude_categories=("Cs", "Zl", "Zp")), min_size=1, max_size=8)
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"]), max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
    max_leaves=8,
)
_any_json_ish = st.recursive(
    _json | st.floats() | st.integers() | st.text(st.characters(exclude_categories=())),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner)
        | st.dictionaries(_keys | st.integers() | st.text(st.characters()), inner, max_size=3)
    ),
    max_leaves=8,
)


def _payloads() -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(_keys, _json, max_size=4) | st.dictionaries(
        _keys, _any_json_ish, max_size=4
    )


@st.composite
def _messages_that_may_construct(draw: st.DrawFn) -> list[OutboxMessage]:
    built: list[OutboxMessage] = []
    for index in range(draw(st.integers(1, 3))):
        try:
            built.append(
                OutboxMessage(
                    id=f"m{index}:" + draw(_keys),
                    topic=draw(_keys | st.text()),
                    payload=draw(_payloads()),
                    ticket_id=draw(st.none() | _keys | st.text(st.characters(), max_size=3)),
                    created_at=AT + draw(st.timedeltas(timedelta(0), timedelta(days=1))),
                )
            )
        except InvalidValueError:
            continue
    return built


def claim_all(store: TicketStore) -> Sequence[LeasedMessage]:
    return store.claim_outbox(worker="w", now=AT + timedelta(days=2), lease=LEASE, limit=10)


@given(messages=_messages_that_may_construct())
def test_any_message_that_constructs_reads_back_equal_from_both_stores(
    messages: list[OutboxMessage],
) -> None:
    with store_pair() as stores:
        for store in stores:
            store.commit(created(1, outbox=messages))
        claims = [outcome(partial(claim_all, store)) for store in stores]
    assert claims[0] == claims[1]
    [read_back] = [claims[0][1]]
    assert isinstance(read_back, tuple)
    assert sorted(m[0].id for m in read_back) == sorted(m.id for m in messages)
    by_id = {m[0].id: m[0] for m in read_back}
    for sent in messages:
        assert by_id[sent.id] == sent
        assert json.loads(json.dumps(sent.payload)) == sent.payload


def test_a_payload_of_any_mapping_type_reads_back_as_dicts() -> None:
    payload: Mapping[str, Any] = MappingProxyType({"nested": MappingProxyType({"n": [1, 2]})})
    with store_pair() as stores:
        for store in stores:
            store.commit(created(1, outbox=[build(payload=payload)]))
            [leased] = store.claim_outbox(worker="w", now=AT, lease=LEASE)
            assert leased.message.payload == {"nested": {"n": [1, 2]}}
