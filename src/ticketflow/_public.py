"""Public names say where to import them from: ``ticketflow.Ticket``, not ``ticketflow._ticket``."""

from __future__ import annotations

import importlib
import inspect
import sys
import types
import typing
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from typing import Any

import attrs

__all__ = ["load_lazily", "publish"]


def publish(namespace: MutableMapping[str, object], names: Iterable[str], module: str) -> None:
    """Set ``__module__`` of the classes and functions ``names`` in ``namespace`` to ``module``.

    Only names defined in a private module (``ticketflow._x``, ``ticketflow.sla._y``) move, so
    the first public package that exports a name owns it and a public module keeps its own.
    A class's string annotations are evaluated first: they are looked up in the globals of the
    module that ``__module__`` names; a class whose annotations cannot be evaluated stays home.
    """
    for name in names:
        value = namespace[name]
        if not isinstance(value, type | types.FunctionType):
            continue
        home = value.__module__
        if not home.startswith("ticketflow.") or "._" not in f".{home.partition('.')[2]}":
            continue
        if isinstance(value, type) and not _resolve(value):
            continue  # keep a home where its annotations still resolve
        value.__module__ = module


def load_lazily(
    namespace: MutableMapping[str, object],
    lazy: Mapping[str, str],
    names: Sequence[str],
    package: str,
    name: str,
) -> object:
    """Load every lazy name of ``package`` on first use of one; return ``name``'s value.

    A package's ``__getattr__``: ``lazy`` maps each name to the module that defines it. All
    are published in the order of ``names`` (``__all__``), as an eager package would (the first
    public package that exports a name owns it), and only then bound in ``namespace``, so
    another thread sees each name unbound (and loads it too, to the same effect) or published.

    Raises:
        AttributeError: ``name`` is not one of the lazy names.
    """
    if name not in lazy:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    loaded = {
        lazy_name: getattr(importlib.import_module(module_name, package), lazy_name)
        for lazy_name, module_name in lazy.items()
    }
    publish(loaded, [n for n in names if n in loaded], package)
    namespace.update(loaded)
    return loaded[name]


def _resolve(cls: type) -> bool:
    # typing.get_type_hints looks string annotations up in sys.modules[cls.__module__]; once
    # that names the package, the defining module's imports are out of sight. Evaluate them now.
    own = inspect.get_annotations(cls)
    if not own:
        return True
    try:
        hints = _hints(cls)
    except NameError:
        return False
    if attrs.has(cls):
        # What attrs.resolve_types does, from the hints in hand: it would evaluate them again,
        # and that evaluation was half the cost of publishing.
        for field in attrs.fields(cls):
            if field.name in hints:
                object.__setattr__(field, "type", hints[field.name])  # fields are frozen
    type.__setattr__(cls, "__annotations__", {k: hints[k] for k in own if k in hints})
    return True


# Annotation texts repeat from class to class ("str", "datetime", "Actor | None"): each is
# compiled once. typing.get_type_hints compiles every occurrence, and that was most of what
# publishing cost at import (about 3 ms).
_COMPILED: dict[str, types.CodeType] = {}


def _hints(cls: type) -> dict[str, Any]:
    """Return ``typing.get_type_hints(cls, include_extras=True)``, each text compiled once.

    The same evaluation: along the class's MRO from ``object``, each annotation in the
    globals of its class's module first, then in the class's namespace. A class whose
    annotations are not all plain texts and classes (an annotation object holding a forward
    reference, a quoted name inside a text) is left to ``typing.get_type_hints``, which
    resolves those recursively.

    Raises:
        NameError: An annotation names something undefined.
    """
    hints: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        annotations = inspect.get_annotations(base)
        if not annotations:
            continue
        module = sys.modules.get(base.__module__)
        module_names = {} if module is None else vars(module)
        class_names = dict(vars(base))
        for name, value in annotations.items():
            if value is None:
                hints[name] = type(None)
            elif type(value) is str and "'" not in value and '"' not in value:
                code = _COMPILED.get(value)
                if code is None:
                    code = _COMPILED[value] = compile(value, "<annotation>", "eval")
                hints[name] = eval(code, class_names, module_names)  # noqa: S307 - the class's own annotation
            elif isinstance(value, type):
                hints[name] = value
            else:
                return typing.get_type_hints(cls, include_extras=True)
    return hints
