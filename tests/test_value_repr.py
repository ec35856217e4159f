"""The shared ``value_repr`` shows exactly what attrs' generated ``__repr__`` would.

Every attrs class of the package that uses it is found by walking the package, so a class
that adopts it later is covered too. The oracle is attrs itself: a twin class made by
``attrs.make_class`` with the same fields and repr settings, which gets attrs' own method.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ticketflow
from ticketflow._value_repr import value_repr


def _classes() -> list[type[Any]]:
    found: dict[str, type[Any]] = {}
    for module_info in pkgutil.walk_packages(ticketflow.__path__, "ticketflow."):
        try:
            module = importlib.import_module(module_info.name)
        except ImportError:  # an optional extra that is not installed
            continue
        for value in vars(module).values():
            if isinstance(value, type) and attrs.has(value) and value.__repr__ is value_repr:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


CLASSES = _classes()

_VALUES = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=8),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def test_the_classes_import_ticketflow_builds_use_it() -> None:
    names = {cls.__name__ for cls in CLASSES}
    assert {"Ticket", "TicketCreated", "CommentAdded", "Actor", "Change"} <= names
    assert len(CLASSES) >= 40


def _shown(call: Callable[[], str]) -> tuple[str, str]:
    try:
        return "ok", call()
    except Exception as error:  # noqa: BLE001 - a callable repr setting may refuse a value
        return "raised", type(error).__name__


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__qualname__)
@given(data=st.data())
def test_it_matches_attrs_generated_repr(cls: type[Any], data: st.DataObject) -> None:
    fields = attrs.fields(cls)
    twin = attrs.make_class(
        cls.__qualname__,
        {field.name: attrs.field(repr=field.repr, default=None) for field in fields},
        slots=False,
    )
    instance = object.__new__(cls)
    copy = twin()
    for field in fields:
        if data.draw(st.booleans()) and field.repr is True:
            continue  # unset: attrs shows NOTHING
        value = data.draw(_VALUES, label=field.name)
        object.__setattr__(instance, field.name, value)
        setattr(copy, field.name, value)
    for field in fields:
        if not hasattr(instance, field.name):
            delattr(copy, field.name)
    assert _shown(lambda: repr(instance)) == _shown(lambda: repr(copy))
