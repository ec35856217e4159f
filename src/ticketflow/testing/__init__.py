"""Tools for testing code that uses ticketflow, and for testing ticketflow's protocols.

Needs hypothesis (``pip install ticketflow[testing]``). ``ticketflow`` itself never imports
this package.
"""

from ._clock import FrozenClock as FrozenClock
from ._machine import WorkflowStateMachine as WorkflowStateMachine
from ._store_conformance import check_ticket_store as check_ticket_store
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
