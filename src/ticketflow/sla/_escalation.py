"""What happens on an SLA warning or breach, beyond the event and its outbox message."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol, runtime_checkable

import attrs

from .._events import SlaMetric
from .._ticket import Ticket
from .._values import (
    check_bool,
    check_enum,
    check_instant,
    check_int,
    check_name,
    check_optional_name,
    validator,
)
from ..exceptions import InvalidValueError

__all__ = [
    "Assignment",
    "Escalation",
    "EscalationStep",
    "Router",
    "SlaAlert",
    "bump_priority",
    "reassign",
]


def _threshold(value: object) -> None:
    if value is None:
        return
    if type(value) is not float or not 0 < value < 1:
        raise InvalidValueError("threshold", value, "a warning threshold is a float in (0, 1)")


def _metric(value: SlaMetric | str) -> SlaMetric:
    return check_enum("metric", value, SlaMetric)


def _due_at(value: datetime) -> datetime:
    return check_instant("due_at", value)


class AlertKind(enum.StrEnum):
    """Whether an alert is a warning or a breach."""

    WARNING = "warning"
    BREACH = "breach"


@attrs.frozen
class SlaAlert:
    """A warning threshold or the target of one clock cycle, reached at ``due_at``.

    Attributes:
        metric: The clock.
        cycle: Which cycle of the clock (next response restarts per customer message).
        threshold: The fraction of the target for a warning; ``None`` for the breach.
        due_at: When it is (or was) reached.
        live: The clock still runs: the work is still waiting, so escalating makes sense.
    """

    metric: SlaMetric = attrs.field(converter=_metric)
    cycle: int = attrs.field(validator=validator(check_int, "cycle", minimum=0))
    threshold: float | None = attrs.field(validator=lambda _, __, v: _threshold(v))
    due_at: datetime = attrs.field(converter=_due_at)
    live: bool = attrs.field(default=True, validator=validator(check_bool, "live"))

    @property
    def kind(self) -> AlertKind:
        """Warning or breach."""
        return AlertKind.BREACH if self.threshold is None else AlertKind.WARNING


@attrs.frozen(kw_only=True)
class EscalationStep:
    """A change to make to the ticket on an alert; ``None`` fields stay as they are."""

    priority: str | None = attrs.field(
        default=None, validator=validator(check_optional_name, "priority")
    )
    queue: str | None = attrs.field(default=None, validator=validator(check_optional_name, "queue"))
    assignee: str | None = attrs.field(
        default=None, validator=validator(check_optional_name, "assignee")
    )


@runtime_checkable
class Escalation(Protocol):
    """Decides what to change on a ticket when one of its SLA alerts fires."""

    def escalate(self, ticket: Ticket, alert: SlaAlert) -> EscalationStep | None:
        """Return the change to make, or ``None`` for none."""
        ...


@attrs.frozen
class Assignment:
    """Where a router sends a ticket."""

    queue: str | None = attrs.field(validator=validator(check_optional_name, "queue"))
    assignee: str | None = attrs.field(validator=validator(check_optional_name, "assignee"))


@runtime_checkable
class Router(Protocol):
    """Routes a ticket to a queue and/or an agent (the triage routing protocol)."""

    def route(self, ticket: Ticket) -> Assignment:
        """Return where ``ticket`` should go."""
        ...


@attrs.frozen
class _BumpPriority:
    mapping: Mapping[str, str]
    on: AlertKind

    def escalate(self, ticket: Ticket, alert: SlaAlert) -> EscalationStep | None:
        raised = None if ticket.priority is None else self.mapping.get(ticket.priority)
        if alert.kind is not self.on or raised is None:
            return None
        return EscalationStep(priority=raised)


@attrs.frozen
class _Reassign:
    router: Router
    on: AlertKind

    def escalate(self, ticket: Ticket, alert: SlaAlert) -> EscalationStep | None:
        if alert.kind is not self.on:
            return None
        target = self.router.route(ticket)
        if type(target) is not Assignment:
            raise InvalidValueError("route()", target, "a router returns an Assignment")
        if (target.queue, target.assignee) == (ticket.queue, ticket.assignee):
            return None
        return EscalationStep(queue=target.queue, assignee=target.assignee)


def _kind(on: str) -> AlertKind:
    return check_enum("on", on, AlertKind)


def bump_priority(mapping: Mapping[str, str], *, on: str = "breach") -> Escalation:
    """Raise the priority on a breach (or ``on="warning"``), e.g. ``{"P3": "P2", "P2": "P1"}``.

    Raises:
        InvalidValueError: ``on`` is neither ``"breach"`` nor ``"warning"``.
    """
    if not isinstance(mapping, Mapping):
        raise InvalidValueError("mapping", mapping, "must map priorities to higher priorities")
    steps = {check_name("mapping", k): check_name(f"mapping[{k!r}]", v) for k, v in mapping.items()}
    return _BumpPriority(steps, _kind(on))


def reassign(router: Router, *, on: str = "breach") -> Escalation:
    """Re-route the ticket through ``router`` on a breach (or ``on="warning"``).

    Raises:
        InvalidValueError: ``on`` is wrong, or ``router`` has no ``route`` method.
    """
    if not callable(getattr(router, "route", None)):
        raise InvalidValueError("router", router, "must have a route(ticket) method")
    return _Reassign(router, _kind(on))
