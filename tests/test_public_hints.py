"""Publishing evaluates annotations as ``typing.get_type_hints`` does, only faster.

``_hints`` is checked against ``typing.get_type_hints(cls, include_extras=True)`` on classes
with every kind of annotation the package uses, and a few it does not (those go to typing).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, ClassVar

import attrs
import pytest

from ticketflow import Actor, Ticket
from ticketflow._public import _hints

Alias = int


class Plain:
    number: int
    text: str | None
    when: datetime
    mapping: Mapping[str, tuple[int, ...]]
    extra: Annotated[int, "note"]
    constant: ClassVar[str]
    actor: Actor
    alias: Alias


class Shadowing:
    Alias = str  # the class's own name: the module's comes first, as in typing
    value: Alias  # type: ignore[valid-type]


class Child(Plain):
    own: list[Ticket]
    number: bool  # overrides the base's


@attrs.frozen
class Value:
    kind: str
    count: int = 0


class Nested:
    value: list["Plain"]  # noqa: UP037 - a quoted name inside a text: typing resolves it


@pytest.mark.parametrize("cls", [Plain, Shadowing, Child, Value, Nested])
def test_hints_are_what_typing_gives(cls: type[Any]) -> None:
    assert _hints(cls) == typing.get_type_hints(cls, include_extras=True)


def test_annotations_that_are_objects_count_too() -> None:
    class Objects:
        pass

    Objects.__annotations__ = {"a": int, "b": None, "c": list[int]}
    assert _hints(Objects) == typing.get_type_hints(Objects, include_extras=True)


def test_an_undefined_name_is_a_name_error() -> None:
    class Broken:
        value: Undefined  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(NameError):
        _hints(Broken)
