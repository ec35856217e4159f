"""Methods shared by the attrs value classes, instead of one compiled per class.

attrs writes and compiles ``__repr__``, ``__eq__`` and ``__hash__`` for every class it builds,
and the classes ``import ticketflow`` builds spent about a fifth of the import compiling them
(issue 9 asks the import to cost at most twice ``import attrs, cattrs``). A class that says
``__repr__ = value_repr`` (and so on) in its body gets the shared function instead: attrs
leaves out a method the class defines itself.

* :func:`value_repr` shows the same text attrs would: ``Name(field=value, ...)``, with each
  field's own ``repr`` setting (``False`` leaves it out, a callable shows it); like attrs, it
  shows an unset attribute that ``__init__`` does not set as ``NOTHING``. Values are immutable
  trees, so a value cannot contain itself and needs no guard against recursion.
* :func:`value_eq` and :func:`value_hash` are for the dict-backed frozen classes (events, the
  ticket), whose instance dictionary holds exactly their attributes: equal when of the same
  class with equal dictionaries, hashed over the attributes in their order.
"""

from __future__ import annotations

from typing import Any

from attrs import NOTHING

__all__ = ["value_eq", "value_hash", "value_repr"]


def value_repr(self: object) -> str:
    """Return ``ClassName(name=value, ...)``, as attrs' generated ``__repr__`` does."""
    cls = type(self)
    parts = []
    for field in cls.__attrs_attrs__:  # type: ignore[attr-defined]
        shows = field.repr
        if shows is False:
            continue
        # As attrs: an attribute __init__ sets must be there; one it does not may be unset.
        value = getattr(self, field.name) if field.init else getattr(self, field.name, NOTHING)
        parts.append(f"{field.name}={value!r}" if shows is True else f"{field.name}={shows(value)}")
    return f"{cls.__qualname__.rsplit('>.', 1)[-1]}({', '.join(parts)})"


def value_eq(self: object, other: object) -> Any:  # noqa: ANN401 - bool or NotImplemented
    """Equal when ``other`` is of the very same class with equal attributes (attrs' rule).

    One difference, of no consequence here: a dictionary comparison takes an attribute that
    is the very same object as equal, so a NaN would equal itself; events and tickets hold
    only finite floats (their classes check).
    """
    if other.__class__ is not self.__class__:
        return NotImplemented
    return self.__dict__ == other.__dict__


def value_hash(self: object) -> int:
    """Hash the class and the attributes in their order (equal values hash equal)."""
    cls = type(self)
    state = self.__dict__
    return hash((cls, *[state[field.name] for field in cls.__attrs_attrs__]))  # type: ignore[attr-defined]
