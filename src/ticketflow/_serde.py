"""Lossless JSON for every value type and event, through one configured cattrs converter."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar, get_origin

import cattrs
from cattrs.gen import make_dict_unstructure_fn
from cattrs.preconf.json import make_converter as _make_json_converter
from cattrs.strategies import configure_tagged_union

from ._events import EVENT_TYPES, TicketEvent
from ._fields import Fields
from .exceptions import DeserializationError, InvalidValueError

__all__ = ["from_json", "from_primitive", "make_converter", "to_json", "to_primitive"]

T = TypeVar("T")


def make_converter() -> cattrs.Converter:
    """Return a new converter configured for ticketflow's types.

    Hosts that serialize ticketflow values inside their own documents start from this one
    (never from cattrs' global converter). Events are a tagged union on the key ``"type"``;
    tags are sorted lists; datetimes are ISO 8601 strings with their offset.
    """
    converter = _make_json_converter()
    # Sets serialize sorted, so the same value always has the same JSON (and signature).
    converter.register_unstructure_hook_func(_is_set, sorted)
    converter.register_unstructure_hook(Fields, dict)
    converter.register_structure_hook(Fields, _structure_fields)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(bool, _structure_bool)
    for event_type in EVENT_TYPES:
        # Each event carries its tag whether it is unstructured as itself or as the union.
        converter.register_unstructure_hook(event_type, _tagging_hook(converter, event_type))
    configure_tagged_union(
        TicketEvent,
        converter,
        tag_generator=lambda cls: cls.type,  # type: ignore[attr-defined]
        tag_name="type",
    )
    return converter


def _tagging_hook(
    converter: cattrs.Converter, event_type: type[TicketEvent]
) -> Callable[[Any], dict[str, Any]]:
    plain = make_dict_unstructure_fn(event_type, converter)
    tag = event_type.type

    def unstructure(event: Any) -> dict[str, Any]:  # noqa: ANN401
        data = plain(event)
        data["type"] = tag
        return data

    return unstructure


def _is_set(type_: object) -> bool:
    return type_ in (set, frozenset) or get_origin(type_) in (set, frozenset)


def _structure_str(value: object, _: type) -> str:
    # cattrs would turn 3 into "3": a wrong type is an error, not a guess.
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {type(value).__name__}")
    return value


def _structure_fields(value: object, _: type) -> Fields:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object of fields, got {type(value).__name__}")
    return Fields(value)


_CONVERTER = make_converter()


def to_primitive(value: object) -> Any:  # noqa: ANN401 - JSON-shaped by construction
    """Return ``value`` as JSON-compatible primitives (dicts, lists, str, numbers)."""
    return _CONVERTER.unstructure(value)


def from_primitive(data: object, cls: type[T] | Any) -> T:  # noqa: ANN401
    """Return a ``cls`` built from primitives.

    Raises:
        DeserializationError: Every bad field, each with its path (``$.requester.email``).
    """
    name = _name(cls)
    try:
        return _CONVERTER.structure(data, cls)  # type: ignore[no-any-return]
    except cattrs.BaseValidationError as error:
        raise DeserializationError(name, _paths(error)) from error
    except (TypeError, ValueError, KeyError) as error:
        raise DeserializationError(name, [("$", str(error))]) from error


def _paths(error: cattrs.BaseValidationError) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for line in cattrs.transform_error(error, path="$", format_exception=_describe):
        message, _, path = line.rpartition(" @ ")
        message, _, leaf = message.partition(_LEAF)
        found.append((f"{path}.{leaf}" if leaf else path, message))
    return found


# Our validators know the attribute they check; cattrs knows the path to the object holding it.
_LEAF = "\x00"


def _describe(exc: BaseException, type_: type | None) -> str:
    if isinstance(exc, InvalidValueError):
        return f"{exc.problem}{_LEAF}{exc.field.rpartition('.')[2]}"
    if isinstance(exc, KeyError):
        return "required field missing"
    expected = getattr(type_, "__name__", None) if type_ is not None else None
    detail = str(exc) or type(exc).__name__
    return f"{detail} (expected {expected})" if expected else detail


def to_json(value: object) -> str:
    """Return ``value`` as compact JSON text with sorted keys."""
    return json.dumps(
        to_primitive(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def from_json(text: str | bytes, cls: type[T] | Any) -> T:  # noqa: ANN401
    """Return a ``cls`` read from JSON text.

    Raises:
        DeserializationError: The text is not JSON, or lists every bad field with its path.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        name = _name(cls)
        raise DeserializationError(name, [("$", f"not JSON: {error}")]) from error
    result: T = from_primitive(data, cls)
    return result


def _name(cls: object) -> str:
    if cls == TicketEvent:
        return "TicketEvent"
    return getattr(cls, "__name__", str(cls))
