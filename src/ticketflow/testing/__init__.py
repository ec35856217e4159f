"""Tools for testing code that uses ticketflow, and for testing ticketflow's protocols.

:class:`FrozenClock` and :func:`check_ticket_store` (with ``max_examples=0``) work without
hypothesis. The strategies and :class:`WorkflowStateMachine` need it
(``pip install 'ticketflow[testing]'``) and are loaded on first use, so importing this package
does not import hypothesis. ``ticketflow`` itself never imports this package.
"""

import importlib
import typing

from ._clock import FrozenClock as FrozenClock
from ._store_conformance import check_ticket_store as check_ticket_store

if typing.TYPE_CHECKING:
    from ._machine import WorkflowStateMachine as WorkflowStateMachine
    from ._strategies import actors as actors
    from ._strategies import aware_datetimes as aware_datetimes
    from ._strategies import events as events
    from ._strategies import field_maps as field_maps
    from ._strategies import histories as histories
    from ._strategies import new_tickets as new_tickets
    from ._strategies import requesters as requesters
    from ._strategies import statuses as statuses
    from ._strategies import tickets as tickets
    from ._strategies import valid_paths as valid_paths

__all__ = [
    "FrozenClock",
    "WorkflowStateMachine",
    "actors",
    "aware_datetimes",
    "check_ticket_store",
    "events",
    "field_maps",
    "histories",
    "new_tickets",
    "requesters",
    "statuses",
    "tickets",
    "valid_paths",
]

# The names that need hypothesis, by the module that defines them.
_LAZY: dict[str, str] = {
    "WorkflowStateMachine": "._machine",
    **dict.fromkeys(
        (
            "actors",
            "aware_datetimes",
            "events",
            "field_maps",
            "histories",
            "new_tickets",
            "requesters",
            "statuses",
            "tickets",
            "valid_paths",
        ),
        "._strategies",
    ),
}


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        modules = {m: importlib.import_module(m, __name__) for m in sorted(set(_LAZY.values()))}
    except ModuleNotFoundError as error:
        if error.name != "hypothesis":
            raise
        raise ModuleNotFoundError(
            f"ticketflow.testing.{name} needs hypothesis: install 'ticketflow[testing]'",
            name="hypothesis",
        ) from error
    # Bind every lazy name at once: one import of hypothesis loads the whole part, and the
    # module's namespace then shows its complete public surface.
    namespace = globals()
    for lazy_name, lazy_module in _LAZY.items():
        namespace[lazy_name] = getattr(modules[lazy_module], lazy_name)
    return namespace[name]


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
