"""Outbox payloads: JSON objects that read back from JSON exactly equal to what was given.

Checked in two steps: a payload the C JSON codec round-trips to an equal value, with every
integer within 64 bits and too few brackets to nest past the limit, is accepted at C speed
(that is almost every payload). Anything else is walked in Python, which finds the first
offending part and names its path.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, Final

from ._checks import INT64_MAX, INT64_MIN, invalid, storable

__all__ = ["MAX_PAYLOAD_DEPTH", "json_object"]

MAX_PAYLOAD_DEPTH: Final = 64
"""How deeply a payload may nest lists and objects: deep enough for any document, and far
from the interpreter's recursion limit when it is read back."""

# No default hook: a mapping that is not a dict, a set, bytes... all take the slow path.
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class _Wide(Exception):  # noqa: N818 - internal, never escapes
    pass


def _int64(digits: str) -> int:
    # Called by the decoder for each integer literal: a wide one takes the slow path.
    number = int(digits)
    if not INT64_MIN <= number <= INT64_MAX:
        raise _Wide
    return number


def json_object(field: str, value: object) -> dict[str, Any]:
    """Return a JSON-native copy of a mapping that reads back from JSON exactly equal.

    Nested mappings become dicts; keys are strings, integers fit in 64 bits, floats are
    finite, strings encode as UTF-8, nesting stops at :data:`MAX_PAYLOAD_DEPTH`. A tuple is
    refused rather than turned into the list it would read back as.

    Raises:
        InvalidValueError: The first part that is not so; ``field`` is its path, such as
            ``payload.items[2]``.
    """
    if not isinstance(value, Mapping):
        raise invalid(field, value, "must be a JSON object (a mapping)")
    copy = _round_trip(value)
    if copy is not None:
        return copy
    try:
        checked: dict[str, Any] = _json(value, 0)
    except _Refused as refused:
        raise invalid(field + "".join(reversed(refused.path)), *refused.args) from None
    return checked


def _round_trip(value: Mapping[Any, Any]) -> dict[str, Any] | None:
    try:
        text = _ENCODER.encode(value)
        text.encode("utf-8")  # a lone surrogate fails here
    except (TypeError, ValueError, RecursionError):
        return None
    if text.count("[") + text.count("{") > MAX_PAYLOAD_DEPTH:
        return None  # perhaps nested too deeply (or brackets in strings): look closer
    try:
        copy = json.loads(text, parse_int=_int64)
    except _Wide:
        return None
    return copy if isinstance(copy, dict) and copy == value else None


class _Refused(Exception):  # noqa: N818 - internal, never escapes
    # Raised from the depths with the offending value; each level adds its part of the path
    # as the error unwinds, so a payload that is fine builds no path at all.
    def __init__(self, value: object, problem: str) -> None:
        super().__init__(value, problem)
        self.path: list[str] = []


def _json(value: object, depth: int) -> Any:  # noqa: ANN401
    if value is None or isinstance(value, bool | int | float | str):
        return _json_scalar(value)
    if depth == MAX_PAYLOAD_DEPTH:
        raise _Refused("...", f"nested deeper than {MAX_PAYLOAD_DEPTH} levels")
    if isinstance(value, Mapping):
        return _json_object(value, depth)
    if isinstance(value, list):
        return _json_array(value, depth)
    if isinstance(value, tuple):
        raise _Refused(value, "a tuple would read back as a list: pass a list")
    raise _Refused(value, f"a {type(value).__name__} is not a JSON value")


def _json_object(value: Mapping[object, object], depth: int) -> dict[str, Any]:
    copy: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not storable(key):
            raise _Refused(key, "a key must be a string without surrogates")
        try:
            copy[str.__str__(key)] = _json(item, depth + 1)
        except _Refused as refused:
            refused.path.append(f".{key}")
            raise
    return copy


def _json_array(value: list[object], depth: int) -> list[Any]:
    items: list[Any] = []
    for index, item in enumerate(value):
        try:
            items.append(_json(item, depth + 1))
        except _Refused as refused:
            refused.path.append(f"[{index}]")
            raise
    return items


def _json_scalar(value: bool | float | str | None) -> object:
    # Subclasses (enums) become the plain value they are written as, and read back as.
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise _Refused(value, "an integer must fit in 64 bits")
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Refused(value, "NaN and infinities are not JSON")
        return float(value)
    if not storable(value):
        raise _Refused(value, "a string must not hold a lone surrogate")
    return str.__str__(value)
