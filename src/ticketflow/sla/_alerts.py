"""SLA alerts as work that comes due: what a tick records, decided from the journal.

:func:`plan_alerts` is the pure part: the alerts due at an instant and the next instant anything
comes due. :func:`sla_alerts` wraps it as a :class:`~ticketflow.DueWork` for the Desk, which
records each alert, the escalations it triggers, and (for a contract rule's breach) the service
credit it owes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Final

import attrs

from .._actors import Actor
from .._contracts import SERVICE_CREDIT_TOPIC, ServiceCredit
from .._draft import Draft
from .._events import SlaBreached, SlaWarned, TicketAssigned, TicketEvent, TicketPrioritized
from .._ticket import Ticket
from .._workflow import Workflow
from ..exceptions import InvalidValueError
from ._escalation import EscalationStep, SlaAlert
from ._policy import SlaPolicy
from ._timers import SlaState, sla_state

__all__ = ["SLA_ACTOR", "plan_alerts", "sla_alerts"]

_log = logging.getLogger("ticketflow.sla")

SLA_ACTOR: Final = Actor.system("sla")
"""The actor that records SLA warnings, breaches and escalations."""


def plan_alerts(
    history: Sequence[TicketEvent], policy: SlaPolicy, workflow: Workflow, at: datetime
) -> SlaState:
    """Return the SLA state at ``at``: its ``alerts_due`` are what a tick records now.

    A pure function of the journal, the policy and the instant.
    """
    return sla_state(history, policy, as_of=at, workflow=workflow)


@attrs.frozen
class _SlaAlerts:
    policy: SlaPolicy
    workflow: Workflow
    name: str = "sla"
    actor: Actor = SLA_ACTOR

    def next_due(self, ticket: Ticket, history: Sequence[TicketEvent]) -> datetime | None:
        return plan_alerts(history, self.policy, self.workflow, ticket.updated_at).next_due_at

    def run(self, draft: Draft, now: datetime) -> Sequence[str]:
        history = [*draft.history(), *draft.events]
        state = plan_alerts(history, self.policy, self.workflow, now)
        problems: list[str] = []
        for alert in state.alerts_due:
            common = {"metric": alert.metric, "cycle": alert.cycle, "due_at": alert.due_at}
            if alert.threshold is None:
                draft.record(SlaBreached, actor=self.actor, **common)
                if state.rule is not None and state.rule.tier is not None:
                    draft.emit(SERVICE_CREDIT_TOPIC, _credit(draft.ticket, state, alert, now))
            else:
                draft.record(SlaWarned, actor=self.actor, threshold=alert.threshold, **common)
            if alert.live:  # the work still waits: escalate; otherwise record the fact only
                problems.extend(self._escalate(draft, alert))
        return problems

    def _escalate(self, draft: Draft, alert: SlaAlert) -> list[str]:
        problems: list[str] = []
        for escalation in self.policy.escalations:
            ticket = draft.ticket
            try:
                step = _step(escalation.escalate(ticket, alert))
            except Exception as error:  # noqa: BLE001 - the alert is recorded regardless
                _log.exception("SLA escalation %r failed for %s", escalation, ticket.id)
                problems.append(f"{ticket.id}: escalation {escalation!r} failed: {error!r}")
                continue
            if step is None:
                continue
            if step.priority is not None and step.priority != ticket.priority:
                draft.record(
                    TicketPrioritized,
                    actor=self.actor,
                    priority=step.priority,
                    impact=ticket.impact,
                    urgency=ticket.urgency,
                )
            queue = ticket.queue if step.queue is None else step.queue
            assignee = ticket.assignee if step.assignee is None else step.assignee
            if (queue, assignee) != (ticket.queue, ticket.assignee):
                draft.record(TicketAssigned, actor=self.actor, queue=queue, assignee=assignee)
        return problems


def _step(answer: object) -> EscalationStep | None:
    if answer is not None and type(answer) is not EscalationStep:
        raise InvalidValueError("escalate()", answer, "an escalation returns an EscalationStep")
    return answer


def _credit(ticket: Ticket, state: SlaState, alert: SlaAlert, at: datetime) -> dict[str, object]:
    rule = state.rule
    assert rule is not None  # noqa: S101 - only contract rules owe credits
    assert rule.tier is not None  # noqa: S101
    return ServiceCredit(
        ticket_id=ticket.id,
        ticket_number=ticket.number,
        requester=ticket.requester.email,
        tier=rule.tier,
        rule=rule.name,
        metric=alert.metric.value,
        cycle=alert.cycle,
        due_at=alert.due_at,
        breached_at=at,
    ).to_payload()


def sla_alerts(policy: SlaPolicy, *, workflow: Workflow) -> _SlaAlerts:
    """Return the :class:`~ticketflow.DueWork` that records ``policy``'s warnings and breaches.

    :class:`~ticketflow.Desk` builds it from its ``sla`` argument; build it yourself only to
    run SLA alerts beside other kinds of due work in your own order.

    Raises:
        InvalidValueError: ``policy`` is not an :class:`SlaPolicy` or ``workflow`` not a
            :class:`~ticketflow.Workflow`.
    """
    if not isinstance(policy, SlaPolicy):
        raise InvalidValueError("policy", policy, "must be an SlaPolicy")
    if not isinstance(workflow, Workflow):
        raise InvalidValueError("workflow", workflow, "must be a Workflow")
    return _SlaAlerts(policy, workflow)
