"""Structured fields: an immutable, hashable mapping of scalar attributes."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import TypeAlias

from .exceptions import InvalidValueError

__all__ = ["FieldValue", "Fields"]

FieldValue: TypeAlias = str | int | float | bool
"""What a structured field may hold: a scalar that analytics can group and compare."""

_SCALARS = (str, int, float, bool)


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
        items: dict[str, FieldValue] = {}
        raw: list[tuple[object, object]] = list((data or {}).items())
        for key, value in sorted(raw, key=lambda item: str(item[0])):
            if not isinstance(key, str) or not key:
                raise InvalidValueError("fields", key, "field names must be non-empty strings")
            if not isinstance(value, _SCALARS):
                raise InvalidValueError(
                    f"fields.{key}", value, "a field value must be str, int, float or bool"
                )
            if isinstance(value, float) and not math.isfinite(value):
                raise InvalidValueError(f"fields.{key}", value, "a float field must be finite")
            items[key] = value
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
        if isinstance(other, Fields):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        cached = self._hash
        if cached is None:
            cached = hash(frozenset(self._data.items()))
            object.__setattr__(self, "_hash", cached)
        return cached

    def __repr__(self) -> str:
        return f"Fields({self._data!r})"

    def updated(self, changes: Mapping[str, FieldValue | None]) -> Fields:
        """Return a copy with ``changes`` applied; a ``None`` value removes the field."""
        data = dict(self._data)
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        return Fields(data)
