from __future__ import annotations

import math

import pytest

from ticketflow import Fields
from ticketflow.exceptions import InvalidValueError


def test_iterates_in_sorted_key_order() -> None:
    assert list(Fields({"b": 1, "a": 2})) == ["a", "b"]


@pytest.mark.parametrize("value", [[1], {"x": 1}, None, math.nan, math.inf])
def test_non_scalar_or_non_finite_values_are_rejected(value: object) -> None:
    with pytest.raises(InvalidValueError) as caught:
        Fields({"k": value})  # type: ignore[dict-item]
    assert caught.value.field == "fields.k"


@pytest.mark.parametrize("key", ["", 3])
def test_keys_must_be_nonempty_strings(key: object) -> None:
    with pytest.raises(InvalidValueError):
        Fields({key: 1})  # type: ignore[dict-item]


def test_is_immutable() -> None:
    fields = Fields({"a": 1})
    with pytest.raises(AttributeError):
        fields._data = {}
    with pytest.raises(TypeError):
        fields["a"] = 2  # type: ignore[index]


def test_updated_sets_and_removes() -> None:
    fields = Fields({"a": 1, "b": 2})
    assert fields.updated({"a": None, "c": "x"}) == {"b": 2, "c": "x"}
    assert fields == Fields({"a": 1, "b": 2})


def test_equality_and_hash() -> None:
    assert Fields({"a": 1}) == Fields({"a": 1})
    assert Fields({"a": 1}) == {"a": 1}
    assert Fields({"a": 1}) != 1
    assert hash(Fields({"a": 1})) == hash(Fields({"a": 1}))
    assert len(Fields({"a": 1})) == 1
    assert repr(Fields({"a": 1})) == "Fields({'a': 1})"


def test_coerce_keeps_fields_and_converts_mappings() -> None:
    fields = Fields({"a": 1})
    assert Fields.coerce(fields) is fields
    assert Fields.coerce({"a": 1}) == fields
    assert Fields.coerce(None) == Fields()
