"""Lossless JSON for every value type and event, through one configured cattrs converter.

Reading is a boundary: whatever the text or the primitives are, :func:`from_json` and
:func:`from_primitive` return a value or raise :class:`DeserializationError` listing every bad
field with its path, never another exception.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Final, TypeVar, cast, get_origin, overload

import attrs
import cattrs
from cattrs.errors import StructureHandlerNotFoundError
from cattrs.gen import make_dict_unstructure_fn

from ._events import EVENT_TYPES, TicketEvent, TicketTransitioned
from ._fields import Fields
from .exceptions import DeserializationError, IntakeProblem, InvalidValueError

__all__ = ["from_json", "from_primitive", "make_converter", "to_json", "to_primitive"]

T = TypeVar("T")


def make_converter() -> cattrs.Converter:
    """Return a new converter configured for ticketflow's types.

    Hosts that serialize ticketflow values inside their own documents start from this one
    (never from cattrs' global converter). Events are a tagged union on the key ``"type"``;
    tags are sorted lists; datetimes are ISO 8601 strings with their offset.
    """
    # Imported here, not at the top: ``import ticketflow`` need not pay for it.
    from cattrs.preconf.json import make_converter as make_json_converter  # noqa: PLC0415

    # A type no hook knows would otherwise pass through as itself, and fail later, untyped.
    converter = make_json_converter(unstructure_fallback_factory=_unwritable)
    # Sets serialize sorted, so the same value always has the same JSON (and signature).
    converter.register_unstructure_hook_func(_is_set, sorted)
    converter.register_unstructure_hook(Fields, dict)
    converter.register_structure_hook(Fields, _structure_fields)
    # Problems are reported by intake and kept with what it read (an e-mail's defects).
    converter.register_unstructure_hook(IntakeProblem, _unstructure_problem)
    converter.register_structure_hook(IntakeProblem, _structure_problem)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(float, _structure_float)
    # Durations (SLA targets, clock readings) as integer microseconds: exact, and plain JSON.
    converter.register_unstructure_hook(timedelta, _micros)
    converter.register_structure_hook(timedelta, _structure_timedelta)
    converter.register_structure_hook_factory(attrs.has, _objects_only(converter))
    # Each event carries its tag whether it is unstructured as itself or as the union. Each
    # event type's hooks are made when first needed, not here: making them all up front
    # (as cattrs' tagged-union strategy does) cost more than the rest of a first to_json.
    converter.register_unstructure_hook_factory(_is_event_type, _tagging_hooks(converter))
    converter.register_unstructure_hook(TicketEvent, _unstructure_event(converter))
    converter.register_structure_hook(TicketEvent, _structure_event(converter))
    return converter


def _unwritable(cls: type) -> Callable[[object], Any]:
    if issubclass(cls, _SCALARS):
        return _itself

    def refuse(value: object) -> Any:  # noqa: ANN401 - an unstructure hook
        problem = f"ticketflow cannot write an object of type {cls.__qualname__}"
        raise InvalidValueError("value", value, problem)

    return refuse


_SCALARS: Final = (str, int, float, type(None))  # bool is an int


def _itself(value: object) -> object:
    return value


_EVENTS_BY_TAG: Final[Mapping[str, type[TicketEvent]]] = {cls.type: cls for cls in EVENT_TYPES}


def _structure_event(converter: cattrs.Converter) -> Callable[[object, object], TicketEvent]:
    def structure(value: object, _: object) -> TicketEvent:
        if not isinstance(value, Mapping):
            raise TypeError(f"expected an event object, got {type(value).__name__}")
        if "type" not in value:
            raise InvalidValueError("type", None, "required field missing")
        tag = value["type"]
        event_type = _EVENTS_BY_TAG.get(tag) if isinstance(tag, str) else None
        if event_type is None:
            raise InvalidValueError("type", tag, f"must be one of {', '.join(_EVENTS_BY_TAG)}")
        if event_type is TicketTransitioned and "reopen" not in value:
            value = _with_legacy_reopen(value)
        return converter.structure(value, event_type)

    return structure


def _with_legacy_reopen(value: Mapping[str, object]) -> dict[str, object]:
    # Journals written before workflows named their reopen edges counted the default one,
    # resolved -> in_progress, by itself; read such an event as that reopen, so it replays.
    legacy = value.get("source") == "resolved" and value.get("target") == "in_progress"
    return {**value, "reopen": legacy}


def _is_event_type(type_: object) -> bool:
    return isinstance(type_, type) and issubclass(type_, _EVENT_CLASSES)


_EVENT_CLASSES: Final = tuple(EVENT_TYPES)


def _tagging_hooks(
    converter: cattrs.Converter,
) -> Callable[[type[Any]], Callable[[Any], dict[str, Any]]]:
    def factory(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
        # A subclass is unstructured as the event type it extends, tag and fields.
        event_type = next(base for base in cls.__mro__ if base in _EVENT_CLASSES)
        return _tagging_hook(converter, event_type)

    return factory


def _unstructure_event(converter: cattrs.Converter) -> Callable[[Any], dict[str, Any]]:
    def unstructure(event: Any) -> dict[str, Any]:  # noqa: ANN401
        if not _is_event_type(type(event)):
            raise TypeError(f"expected an event, got {type(event).__name__}")
        data: dict[str, Any] = converter.unstructure(event)
        return data

    return unstructure


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


def _micros(value: timedelta) -> int:
    return value // _MICROSECOND


_MICROSECOND: Final = timedelta(microseconds=1)


def _structure_timedelta(value: object, _: type) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a duration in microseconds, got {type(value).__name__}")
    return timedelta(microseconds=value)


def _structure_str(value: object, _: type) -> str:
    # cattrs would turn 3 into "3": a wrong type is an error, not a guess.
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    if value.bit_length() > _PRINTABLE_BITS:
        try:
            str(value)
        except ValueError:
            # Reported here, with its path: any later error about it could not show it.
            raise ValueError("an integer with too many digits to print") from None
    return value


# Below 4,300 decimal digits (the interpreter's default limit), str() never fails.
_PRINTABLE_BITS: Final = 14_000


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {type(value).__name__}")
    return value


def _structure_float(value: object, _: type) -> float:
    # cattrs would read "nan" as a number and a bool as 1.0: only numbers are numbers.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        raise ValueError("the number is too large for a float") from None


def _objects_only(
    converter: cattrs.Converter,
) -> Callable[[type[Any]], Callable[[object, type[Any]], Any]]:
    # Without this, a list where an object belongs fails as "list indices must be integers".
    def factory(cls: type[Any]) -> Callable[[object, type[Any]], Any]:
        structure = converter.gen_structure_attrs_fromdict(cls)

        def hook(value: object, type_: type[Any]) -> Any:  # noqa: ANN401
            if not isinstance(value, Mapping):
                raise TypeError(f"expected an object, got {type(value).__name__}")
            return structure(value, type_)

        return hook

    return factory


def _structure_fields(value: object, _: type) -> Fields:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object of fields, got {type(value).__name__}")
    return Fields(value)


def _unstructure_problem(problem: IntakeProblem) -> dict[str, str]:
    return {"path": problem.path, "code": problem.code, "message": problem.message}


def _structure_problem(value: object, _: type) -> IntakeProblem:
    if not isinstance(value, dict) or sorted(value) != ["code", "message", "path"]:
        raise TypeError("expected an object of exactly path, code and message")
    parts = cast("dict[str, object]", value)
    if not all(isinstance(part, str) for part in parts.values()):
        raise TypeError("expected path, code and message as strings")
    return IntakeProblem(str(parts["path"]), str(parts["code"]), str(parts["message"]))


@functools.cache
def _converter() -> cattrs.Converter:
    # Built on first use, so ``import ticketflow`` does not import cattrs' JSON converter nor
    # build anything. A race on the first call builds two equal converters; one stays.
    return make_converter()


def to_primitive(value: object) -> Any:  # noqa: ANN401 - JSON-shaped by construction
    """Return ``value`` as JSON-compatible primitives (dicts, lists, str, numbers).

    Raises:
        InvalidValueError: ``value`` holds something ticketflow cannot write: an object of a
            type it does not know, a set of values that do not sort, or nesting too deep.
    """
    try:
        return _converter().unstructure(value)
    except (TypeError, RecursionError) as error:
        problem = f"cannot be written: {_described(error)}"
        raise InvalidValueError("value", value, problem) from None


@overload
def from_primitive(data: object, cls: type[T]) -> T: ...


@overload
def from_primitive(data: object, cls: object) -> Any: ...  # noqa: ANN401 - a union alias


def from_primitive(data: object, cls: object) -> Any:
    """Return a ``cls`` built from primitives (what :func:`to_primitive` returns).

    Args:
        data: Any value; primitives of the wrong shape are reported, never trusted.
        cls: The type to build: a ticketflow class, a builtin, or a union alias such as
            :data:`~ticketflow.TicketEvent` (then the result is typed ``Any``).

    Raises:
        DeserializationError: Every bad field, each with its path (``$.requester.email``);
            data nested too deeply for the interpreter is reported at ``$``.
        InvalidValueError: ``cls`` is not a type ticketflow can build.
    """
    if cls is None or not (
        isinstance(cls, type) or get_origin(cls) is not None or cls == TicketEvent
    ):
        raise InvalidValueError("cls", cls, "ticketflow cannot build this type")
    name = _name(cls)
    try:
        return _structure(data, cls, name)
    except RecursionError:
        # Not chained: the error holds the whole stack of the too-deep structure.
        raise DeserializationError(name, [("$", _TOO_DEEP)]) from None


def _structure(data: object, cls: object, name: str) -> Any:  # noqa: ANN401
    try:
        # A union alias is not a ``type`` to mypy, but cattrs builds it all the same.
        return _converter().structure(data, cast("type[Any]", cls))
    except cattrs.BaseValidationError as error:
        raise DeserializationError(name, _paths(error)) from error
    except StructureHandlerNotFoundError as error:
        raise InvalidValueError("cls", cls, "ticketflow cannot build this type") from error
    except (TypeError, ValueError, KeyError, OverflowError, AttributeError) as error:
        raise DeserializationError(name, [_located("$", _describe(error, None))]) from error


_TOO_DEEP = "nested too deeply to read"


def _paths(error: cattrs.BaseValidationError) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for line in cattrs.transform_error(error, path="$", format_exception=_describe):
        message, _, path = line.rpartition(" @ ")
        found.append(_located(path, message))
    return found


# Our validators know the attribute they check; cattrs knows the path to the object holding it.
_LEAF = "\x00"


def _located(path: str, described: str) -> tuple[str, str]:
    message, _, leaf = described.partition(_LEAF)
    return (f"{path}.{leaf}" if leaf else path, message)


def _describe(exc: BaseException, type_: type | None) -> str:
    if isinstance(exc, InvalidValueError):
        return f"{exc.problem}{_LEAF}{exc.field.rpartition('.')[2]}"
    if isinstance(exc, KeyError):
        return "required field missing"
    expected = getattr(type_, "__name__", None) if type_ is not None else None
    detail = str(exc) or type(exc).__name__
    return f"{detail} (expected {expected})" if expected else detail


def to_json(value: object) -> str:
    """Return ``value`` as compact JSON text with sorted keys.

    Raises:
        InvalidValueError: ``value`` holds something JSON cannot: see :func:`to_primitive`;
            also NaN or infinity, an integer too long to print, or keys JSON cannot hold or sort.
    """
    data = to_primitive(value)
    try:
        return json.dumps(
            data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError, RecursionError) as error:
        problem = f"cannot be written as JSON: {_described(error)}"
        raise InvalidValueError("value", value, problem) from None


def _described(error: BaseException) -> str:
    return str(error)[:200] or type(error).__name__


@overload
def from_json(text: str | bytes | bytearray, cls: type[T]) -> T: ...


@overload
def from_json(text: str | bytes | bytearray, cls: object) -> Any: ...  # noqa: ANN401


def from_json(text: str | bytes | bytearray, cls: object) -> Any:
    """Return a ``cls`` read from JSON text.

    Args:
        text: JSON as a string, or as UTF-8 bytes.
        cls: The type to build, as for :func:`from_primitive`.

    Raises:
        DeserializationError: The text is not a string or bytes, the bytes are not UTF-8,
            the text is not JSON (or holds numbers or nesting the interpreter cannot read),
            or it lists every bad field with its path.
        InvalidValueError: ``cls`` is not a type ticketflow can build.
    """
    data = _loads(text, cls)
    return from_primitive(data, cls)


def _loads(text: object, cls: object) -> object:
    problem: str
    if isinstance(text, bytes | bytearray):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            problem = f"not UTF-8: {error.reason} at byte {error.start}"
            raise DeserializationError(_name(cls), [("$", problem)]) from None
    if not isinstance(text, str):
        problem = f"expected JSON text (str, bytes or bytearray), got {type(text).__name__}"
        raise DeserializationError(_name(cls), [("$", problem)])
    try:
        return json.loads(text)
    except RecursionError:
        raise DeserializationError(_name(cls), [("$", _TOO_DEEP)]) from None
    except ValueError as error:
        # JSONDecodeError, and the interpreter's limit on the digits of an integer.
        raise DeserializationError(_name(cls), [("$", f"not JSON: {error}")]) from error


def _name(cls: object) -> str:
    if cls == TicketEvent:
        return "TicketEvent"
    return getattr(cls, "__name__", str(cls))
