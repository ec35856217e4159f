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
from .._due import DueCheckpoint, known_checkpoint
from .._events import SlaBreached, SlaWarned, TicketAssigned, TicketEvent, TicketPrioritized
from .._ticket import Ticket
from .._workflow import Workflow
from ..exceptions import InvalidValueError
from ._checkpoint import CheckpointBasis, SlaCheckpoint
from ._escalation import EscalationStep, SlaAlert
from ._policy import SlaPolicy, SlaRule
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


def _basis(alerts: _SlaAlerts) -> CheckpointBasis:
    return CheckpointBasis(alerts.policy, alerts.policy.stopped | alerts.workflow.terminal)


@attrs.frozen
class _SlaAlerts:
    """SLA alerts as incremental due work: the clocks are a checkpoint stored with the ticket.

    Every commit advances the checkpoint by the draft's events (:meth:`checkpoint`), and a
    tick reads what is due from the same checkpoint (:meth:`run`); the journal is read only
    when the stored checkpoint cannot be used (see :mod:`ticketflow.sla._checkpoint`).
    """

    policy: SlaPolicy
    workflow: Workflow
    name: str = "sla"
    actor: Actor = SLA_ACTOR
    basis: CheckpointBasis = attrs.field(
        init=False, repr=False, eq=False, default=attrs.Factory(_basis, takes_self=True)
    )

    def next_due(self, ticket: Ticket, history: Sequence[TicketEvent]) -> datetime | None:
        return plan_alerts(history, self.policy, self.workflow, ticket.updated_at).next_due_at

    def checkpoint(self, draft: Draft) -> DueCheckpoint:
        state = self._state(draft)
        # The basis keeps the state as the text it stores: nothing may change it any more.
        return known_checkpoint(state.next_due(), self.basis.write(draft.ticket, state))

    def _state(self, draft: Draft) -> SlaCheckpoint:
        """Return the clocks after the draft's events (taken out of the draft: keep them there).

        Taken from this draft, else from the store, else from the journal: the first that can
        be used.
        """
        rule = self.policy.select(draft.ticket)
        before = draft.before
        state = draft.derived.pop(self.name, None)  # handed over, as it was kept
        if type(state) is not SlaCheckpoint or state.rule is not rule:
            # A memo of a later version than the snapshot is not used either: if another
            # writer committed meanwhile, the journal read that follows says so (a conflict);
            # if the memo is damaged, the journal repairs it. Refusing it outright would refuse
            # every command on a ticket whose memo was damaged, for good.
            state = None if before is None else self.basis.read(before, draft.memo, self.name, rule)
            if state is None:
                state = self.basis.start(rule)
                if before is not None:
                    state.advance(draft.history())
        events = draft.events
        walked = state.version - (0 if before is None else before.version)
        if walked < len(events):
            state.advance(events[walked:])
        return state

    def run(self, draft: Draft, now: datetime) -> Sequence[str]:
        checkpoint = self._state(draft)
        draft.derived[self.name] = checkpoint  # for the commit that follows (see checkpoint)
        if checkpoint.at is not None and now < checkpoint.at:
            # Asked about an instant before the last event: only the journal can say.
            state = plan_alerts([*draft.history(), *draft.events], self.policy, self.workflow, now)
            rule, alerts_due = state.rule, state.alerts_due
        else:
            rule, alerts_due = checkpoint.rule, tuple(checkpoint.alerts_due(now))
        return self.record(draft, rule, alerts_due, now)

    def record(
        self, draft: Draft, rule: SlaRule | None, alerts_due: Sequence[SlaAlert], now: datetime
    ) -> list[str]:
        """Record ``alerts_due`` under ``rule`` with their credits and escalations."""
        problems: list[str] = []
        for alert in alerts_due:
            common = {"metric": alert.metric, "cycle": alert.cycle, "due_at": alert.due_at}
            if alert.threshold is None:
                draft.record(SlaBreached, actor=self.actor, **common)
                if rule is not None and rule.tier is not None:
                    draft.emit(SERVICE_CREDIT_TOPIC, _credit(draft.ticket, rule, alert, now))
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


def _credit(ticket: Ticket, rule: SlaRule, alert: SlaAlert, at: datetime) -> dict[str, object]:
    assert rule.tier is not None  # noqa: S101 - only contract rules owe credits
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
