"""Service levels: business calendars, policies, clocks derived from the journal, escalation.

Everything but :class:`SlaMetric` is loaded on first use (``ticketflow.sla.SlaPolicy``, or
``from ticketflow.sla import SlaPolicy``), all of it at once: ``import ticketflow`` needs no
calendar, time zone or policy until a desk is given one.
"""

import typing

from .._events import SlaMetric as SlaMetric
from .._public import load_lazily as _load_lazily
from .._public import publish as _publish

if typing.TYPE_CHECKING:
    from ._alerts import SLA_ACTOR as SLA_ACTOR
    from ._alerts import plan_alerts as plan_alerts
    from ._alerts import sla_alerts as sla_alerts
    from ._calendar import BusinessCalendar as BusinessCalendar
    from ._calendar_spec import Closure as Closure
    from ._calendar_spec import Opening as Opening
    from ._calendar_spec import holidays_from as holidays_from
    from ._escalation import AlertKind as AlertKind
    from ._escalation import Assignment as Assignment
    from ._escalation import Escalation as Escalation
    from ._escalation import EscalationStep as EscalationStep
    from ._escalation import Router as Router
    from ._escalation import SlaAlert as SlaAlert
    from ._escalation import bump_priority as bump_priority
    from ._escalation import reassign as reassign
    from ._policy import DEFAULT_PAUSES as DEFAULT_PAUSES
    from ._policy import STOPPED_STATUSES as STOPPED_STATUSES
    from ._policy import SlaPolicy as SlaPolicy
    from ._policy import SlaRule as SlaRule
    from ._policy import SlaTargets as SlaTargets
    from ._timers import ClockReading as ClockReading
    from ._timers import ClockState as ClockState
    from ._timers import SlaState as SlaState
    from ._timers import sla_state as sla_state

__all__ = [
    "DEFAULT_PAUSES",
    "SLA_ACTOR",
    "STOPPED_STATUSES",
    "AlertKind",
    "Assignment",
    "BusinessCalendar",
    "ClockReading",
    "ClockState",
    "Closure",
    "Escalation",
    "EscalationStep",
    "Opening",
    "Router",
    "SlaAlert",
    "SlaMetric",
    "SlaPolicy",
    "SlaRule",
    "SlaState",
    "SlaTargets",
    "bump_priority",
    "holidays_from",
    "plan_alerts",
    "reassign",
    "sla_alerts",
    "sla_state",
]

# The names loaded on first use, by the module that defines them.
_LAZY: dict[str, str] = {
    "AlertKind": "._escalation",
    "Assignment": "._escalation",
    "BusinessCalendar": "._calendar",
    "ClockReading": "._timers",
    "ClockState": "._timers",
    "Closure": "._calendar_spec",
    "DEFAULT_PAUSES": "._policy",
    "Escalation": "._escalation",
    "EscalationStep": "._escalation",
    "Opening": "._calendar_spec",
    "Router": "._escalation",
    "SLA_ACTOR": "._alerts",
    "STOPPED_STATUSES": "._policy",
    "SlaAlert": "._escalation",
    "SlaPolicy": "._policy",
    "SlaRule": "._policy",
    "SlaState": "._timers",
    "SlaTargets": "._policy",
    "bump_priority": "._escalation",
    "holidays_from": "._calendar_spec",
    "plan_alerts": "._alerts",
    "reassign": "._escalation",
    "sla_alerts": "._alerts",
    "sla_state": "._timers",
}


def __getattr__(name: str) -> object:
    return _load_lazily(globals(), _LAZY, __all__, __name__, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


_publish(globals(), [name for name in __all__ if name not in _LAZY], __name__)
