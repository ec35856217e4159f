"""Service levels: business calendars, policies, clocks derived from the journal, escalation."""

from .._events import SlaMetric as SlaMetric
from .._public import publish as _publish
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

_publish(globals(), __all__, __name__)
