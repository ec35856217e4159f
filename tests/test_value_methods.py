"""The shared value methods behave exactly as the methods attrs would generate.

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
from ticketflow import Actor, Desk, NewTicket, Requester
from ticketflow._value_methods import value_eq, value_hash, value_repr
from ticketflow.storage import InMemoryTicketStore


def _every_attrs_class() -> list[type[Any]]:
    found: dict[str, type[Any]] = {}
    for module_info in pkgutil.walk_packages(ticketflow.__path__, "ticketflow."):
        try:
            module = importlib.import_module(module_info.name)
        except ImportError:  # an optional extra that is not installed
            continue
        for value in vars(module).values():
            if isinstance(value, type) and attrs.has(value):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


CLASSES = [cls for cls in _every_attrs_class() if vars(cls).get("__repr__") is value_repr]

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


DICT_BACKED = [cls for cls in _every_attrs_class() if vars(cls).get("__eq__") is value_eq]

_HASHABLE = st.one_of(
    st.none(), st.integers(), st.text(max_size=4), st.tuples(st.integers()), st.booleans()
)


def test_the_shared_eq_goes_with_the_shared_hash_on_dict_backed_classes() -> None:
    assert {"Ticket", "CommentAdded", "TicketTransitioned", "Move"} <= {
        cls.__name__ for cls in DICT_BACKED
    }
    for cls in DICT_BACKED:
        assert vars(cls)["__hash__"] is value_hash, cls
        assert "__slots__" not in vars(cls), cls
        for field in attrs.fields(cls):
            assert field.eq is True, (cls, field.name)
            assert field.eq_key is None, (cls, field.name)
            assert field.hash is None, (cls, field.name)


def test_the_instance_dictionaries_hold_exactly_the_attributes() -> None:
    """What value_eq compares: checked on what a Desk and a store really build."""
    desk = Desk(InMemoryTicketStore())
    agent = Actor.agent("bob")
    ticket = desk.submit(
        NewTicket(subject="Printer", requester=Requester("a@example.com")), actor=agent
    )
    desk.comment(ticket.id, "Looking.", actor=agent)
    desk.transition(ticket.id, "triaged", actor=agent)
    desk.assign(ticket.id, assignee="bob", actor=agent)
    values: list[Any] = [desk.get(ticket.id), *desk.history(ticket.id)]
    values += [event.ticket for event in desk.history(ticket.id) if hasattr(event, "ticket")]
    assert len(values) >= 5
    for value in values:
        assert type(value) in DICT_BACKED
        assert list(vars(value)) == [field.name for field in attrs.fields(type(value))]


def _pair(cls: type[Any], twin: type[Any], data: st.DataObject) -> tuple[object, object]:
    instance = object.__new__(cls)
    values = {field.name: data.draw(_HASHABLE, label=field.name) for field in attrs.fields(cls)}
    object.__setattr__(instance, "__dict__", values)
    return instance, twin(**values)


@pytest.mark.parametrize("cls", DICT_BACKED, ids=lambda cls: cls.__qualname__)
@given(data=st.data())
def test_eq_and_hash_agree_with_attrs(cls: type[Any], data: st.DataObject) -> None:
    twin = attrs.make_class(
        cls.__qualname__,
        {field.name: attrs.field(default=None) for field in attrs.fields(cls)},
        frozen=True,
    )
    first, first_twin = _pair(cls, twin, data)
    if data.draw(st.booleans(), label="equal"):
        second = object.__new__(cls)
        object.__setattr__(second, "__dict__", dict(vars(first)))
        second_twin = twin(**vars(first))
    else:
        second, second_twin = _pair(cls, twin, data)
    assert (first == second) == (first_twin == second_twin)
    assert (first != second) == (first_twin != second_twin)
    if first == second:
        assert hash(first) == hash(second)
    assert first != first_twin  # another class is never equal
    assert first.__eq__(first_twin) is NotImplemented
