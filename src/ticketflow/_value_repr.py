"""One ``__repr__`` for the attrs value classes, instead of one compiled per class.

attrs writes and compiles a ``__repr__`` for every class it builds, and the classes
``import ticketflow`` builds spent about 6 ms (a seventh of the import) compiling them. A value
class says ``__repr__ = value_repr`` in its body instead (attrs then leaves its own out), and
shows the same text attrs would: ``Name(field=value, ...)`` with each field's own ``repr``
setting (``False`` leaves it out, a callable shows it), and as attrs does, shows an unset
attribute that ``__init__`` does not set as ``NOTHING``. Values are immutable trees, so a
value cannot contain itself and needs no guard against recursion.
"""

from __future__ import annotations

from attrs import NOTHING

__all__ = ["value_repr"]


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
