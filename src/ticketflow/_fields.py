"""Structured fields: an immutable, hashable mapping of scalar attributes."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Final, TypeAlias

from ._values import check_int, check_name, check_text
from .exceptions import InvalidValueError

__all__ = ["MAX_FIELDS", "MAX_FIELD_TEXT", "FieldValue", "Fields", "check_field_value"]

FieldValue: TypeAlias = str | int | float | bool
"""What a structured field may hold: a scalar that analytics can group and compare."""

MAX_FIELDS: Final = 256
"""How many structured fields one ticket may carry."""
MAX_FIELD_TEXT: Final = 4096
"""The longest text a structured field may hold, in characters."""


def check_field_value(field: str, value: object) -> FieldValue:
    """Return ``value`` if a structured field can hold it.

    Raises:
        InvalidValueError: Not a ``str``, 64-bit ``int``, finite ``float`` or ``bool``.
    """
    kind = type(value)
    if kind is bool:
        return value  # type: ignore[return-value]
    if kind is int:
        return check_int(field, value)
    if kind is float:
        if not math.isfinite(value):  # type: ignore[arg-type]
            raise InvalidValueError(field, value, "a float field must be finite")
        return value  # type: ignore[return-value]
    if isinstance(value, str):
        return check_text(field, value, max_length=MAX_FIELD_TEXT)
    raise InvalidValueError(field, value, "a field value must be str, int, float or bool")


def _typed(data: Mapping[str, object]) -> dict[str, tuple[type, object]]:
    return {key: (type(value), value) for key, value in data.items()}


class Fields(Mapping[str, FieldValue]):
    """An immutable mapping of structured ticket attributes (``carrier``, ``site``, ...).

    Keys are non-empty strings; values are ``str``, ``int``, ``float`` (finite) or ``bool``.
    Iteration is in sorted key order, so serialization is stable.

    Raises:
        InvalidValueError: A key or value is not allowed; ``field`` names it.
    """

    __slots__ = ("_data", "_hash")

    _data: dict[str, FieldValue]
    _hash: int | None

    def __init__(self, data: Mapping[str, FieldValue] | None = None, /) -> None:
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise InvalidValueError("fields", data, "must be a mapping of field names to values")
        if len(data) > MAX_FIELDS:
            raise InvalidValueError(
                "fields", len(data), f"a ticket has at most {MAX_FIELDS} fields"
            )
        items: dict[str, FieldValue] = {}
        # Names are checked before they are sorted: str() of a key may fail (a huge integer).
        named = [(check_name("fields", key), value) for key, value in data.items()]
        for name, value in sorted(named, key=lambda item: item[0]):
            items[name] = check_field_value(f"fields.{name}", value)
        object.__setattr__(self, "_data", items)
        object.__setattr__(self, "_hash", None)

    @classmethod
    def coerce(cls, value: Mapping[str, FieldValue] | None) -> Fields:
        """Return ``value`` as :class:`Fields` (itself if it already is one)."""
        if isinstance(value, Fields):
            return value
        return cls(value)

    def __getitem__(self, key: str) -> FieldValue:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Fields is immutable")

    def __eq__(self, other: object) -> bool:
        # 1, 1.0 and True are equal in Python but different field values: compare types too.
        if isinstance(other, Fields):
            return _typed(self._data) == _typed(other._data)
        if isinstance(other, Mapping):
            return _typed(self._data) == _typed(dict(other))
        return NotImplemented

    def __hash__(self) -> int:
        cached = self._hash
        if cached is None:
            cached = hash(frozenset(_typed(self._data).items()))
            object.__setattr__(self, "_hash", cached)
        return cached

    def __repr__(self) -> str:
        return f"Fields({self._data!r})"

    def updated(self, changes: Mapping[str, FieldValue | None]) -> Fields:
        """Return a copy with ``changes`` applied; a ``None`` value removes the field.

        Raises:
            InvalidValueError: A change names or sets what a field cannot hold.
        """
        data = dict(self._data)
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        return Fields(data)
