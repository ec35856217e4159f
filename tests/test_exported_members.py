"""``__all__`` is exactly the public surface of every public package."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types
import typing

import pytest

import ticketflow
from ticketflow import Role, TicketStatus
from ticketflow.exceptions import AccessDeniedError, PermissionDeniedError

PACKAGES = [
    "ticketflow",
    "ticketflow.analytics",
    "ticketflow.exceptions",
    "ticketflow.intake",
    "ticketflow.integrations",
    "ticketflow.plugins",
    "ticketflow.problems",
    "ticketflow.sla",
    "ticketflow.storage",
    "ticketflow.testing",
    "ticketflow.triage",
    "ticketflow.webhooks",
    "ticketflow.workers",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_complete(name: str) -> None:
    module = importlib.import_module(name)
    public = {n for n in dir(module) if not n.startswith("_")}  # dir: lazy names count
    modules = {n for n in public if type(getattr(module, n)).__name__ == "module"}
    # The order is ruff's (RUF022: constants, classes, functions), enforced by the linter.
    # Nothing else leaks: no typing helpers, no `annotations` from __future__.
    assert len(set(module.__all__)) == len(module.__all__)
    assert set(module.__all__) == public - modules


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_is_documented(name: str) -> None:
    module = importlib.import_module(name)
    for attr in module.__all__:
        value = getattr(module, attr)
        if isinstance(value, type | types.FunctionType):
            assert (value.__doc__ or "").strip(), f"{name}.{attr} has no docstring"


def test_the_core_does_not_import_the_testing_kit() -> None:
    code = (
        "import sys, ticketflow, ticketflow.sla;"
        "print('ticketflow.testing' in sys.modules, 'hypothesis' in sys.modules)"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("name", [p for p in PACKAGES if p != "ticketflow.testing"])
def test_public_names_say_where_to_import_them_from(name: str) -> None:
    module = importlib.import_module(name)
    for attr in module.__all__:
        value = getattr(module, attr)
        if isinstance(value, type | types.FunctionType):
            home = importlib.import_module(value.__module__)
            assert "._" not in f".{value.__module__}", f"{name}.{attr} says {value.__module__}"
            assert getattr(home, value.__name__) is value


def test_reprs_and_hints_name_the_public_path() -> None:
    assert repr(ticketflow.Ticket) == "<class 'ticketflow.Ticket'>"
    assert typing.get_type_hints(ticketflow.Ticket)["requester"] is ticketflow.Requester
    assert typing.get_type_hints(ticketflow.Desk)


def test_error_messages_print_enum_values_not_reprs() -> None:
    denied = PermissionDeniedError(
        "T1", TicketStatus.NEW, TicketStatus.TRIAGED, Role.CUSTOMER, [Role.AGENT]
    )
    assert "customer" in str(denied)
    assert "<" not in str(denied), str(denied)
    assert "<" not in str(AccessDeniedError("assign", Role.AI, [Role.AGENT]))
