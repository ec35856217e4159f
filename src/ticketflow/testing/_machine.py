"""A stateful property test that host apps subclass to check their own workflow."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from .._actors import Actor
from .._events import (
    CommentAdded,
    FieldsChanged,
    TicketAssigned,
    TicketEvent,
    TicketTransitioned,
)
from .._journal import apply, replay
from .._ticket import Ticket
from .._workflow import DEFAULT_WORKFLOW, Workflow
from ..exceptions import CheckFailedError, InvalidTransitionError, PermissionDeniedError
from ._clock import FrozenClock
from ._strategies import actors, field_maps, new_tickets

__all__ = ["WorkflowStateMachine"]


class WorkflowStateMachine(RuleBasedStateMachine):
    """Drives random commands, legal and illegal, through a workflow and checks its laws.

    Subclass it, set :attr:`workflow`, and expose ``TestCase``::

        class MyWorkflowMachine(WorkflowStateMachine):
            workflow = MY_WORKFLOW

        TestMyWorkflow = MyWorkflowMachine.TestCase

    After every step it checks that: the status only ever moved along an edge; the version
    grew by exactly one per accepted change and not at all for a refused one; a refused move
    raised the error that fits (not an edge, a role not allowed, a failing check); and replaying
    each ticket's journal reproduces the ticket exactly.

    Override :meth:`actors` to draw the actors your host has.
    """

    workflow: ClassVar[Workflow] = DEFAULT_WORKFLOW

    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock()
        self.tickets: dict[str, Ticket] = {}
        self.journals: dict[str, list[TicketEvent]] = {}
        self.accepted = 0
        self.refused = 0

    def actors(self) -> st.SearchStrategy[Actor]:
        """Return the actors that issue commands (default: every role)."""
        return actors()

    def _record(self, ticket: Ticket, event: TicketEvent) -> None:
        before = self.tickets.get(ticket.id)
        expected_version = 1 if before is None else before.version + 1
        assert ticket.version == expected_version, (ticket.version, expected_version)
        self.tickets[ticket.id] = ticket
        self.journals.setdefault(ticket.id, []).append(event)
        self.accepted += 1

    @initialize(data=st.data())
    def create_first(self, data: st.DataObject) -> None:
        """Start with one ticket so that every run has something to move."""
        self.create(data)

    @rule(data=st.data())
    def create(self, data: st.DataObject) -> None:
        """Submit a new ticket in one of the workflow's initial statuses."""
        draft = data.draw(new_tickets(workflow=self.workflow), label="draft")
        number = len(self.tickets) + 1
        ticket, event = self.workflow.create(
            draft,
            id=f"T{number}",
            number=number,
            actor=data.draw(self.actors(), label="actor"),
            at=self.clock.now(),
        )
        assert ticket.status in self.workflow.initial
        self._record(ticket, event)

    def _pick(self, data: st.DataObject) -> Ticket:
        ticket_id = data.draw(st.sampled_from(sorted(self.tickets)), label="ticket")
        return self.tickets[ticket_id]

    @precondition(lambda self: bool(self.tickets))
    @rule(data=st.data(), minutes=st.integers(0, 600))
    def move(self, data: st.DataObject, minutes: int) -> None:
        """Ask for any status (an edge or not) as any actor; check the verdict fits."""
        ticket = self._pick(data)
        target = data.draw(st.sampled_from(self.workflow.statuses), label="target")
        actor = data.draw(self.actors(), label="actor")
        at = self.clock.advance(timedelta(minutes=minutes))
        try:
            moved, event = self.workflow.transition(ticket, target, actor=actor, at=at)
        except InvalidTransitionError as error:
            assert not self.workflow.can(ticket.status, target)
            assert (error.code, error.source, error.target) == (
                "invalid_transition",
                ticket.status,
                target,
            )
            self.refused += 1
        except PermissionDeniedError:
            assert self.workflow.can(ticket.status, target)
            assert actor.role not in self.workflow.allowed_roles(ticket.status, target)
            self.refused += 1
        except CheckFailedError as error:
            assert self.workflow.can(ticket.status, target)
            assert error.failures
            self.refused += 1
        else:
            assert self.workflow.can(ticket.status, target)
            assert (event.source, event.target, moved.status) == (ticket.status, target, target)
            self._record(moved, event)

    @precondition(lambda self: bool(self.tickets))
    @rule(data=st.data())
    def assign(self, data: st.DataObject) -> None:
        """Route the ticket to a queue and an agent."""
        ticket = self._pick(data)
        event = TicketAssigned(
            ticket_id=ticket.id,
            version=ticket.version + 1,
            at=self.clock.now(),
            actor=data.draw(self.actors(), label="actor"),
            queue=data.draw(st.sampled_from(["l1", "l2", "billing"]), label="queue"),
            assignee=data.draw(st.none() | st.sampled_from(["ann", "bob"]), label="assignee"),
        )
        self._record(apply(ticket, event), event)

    @precondition(lambda self: bool(self.tickets))
    @rule(data=st.data(), public=st.booleans())
    def comment(self, data: st.DataObject, public: bool) -> None:
        """Add a public or internal comment; the status does not change."""
        ticket = self._pick(data)
        event = CommentAdded(
            ticket_id=ticket.id,
            version=ticket.version + 1,
            at=self.clock.now(),
            actor=data.draw(self.actors(), label="actor"),
            comment_id=f"{ticket.id}-c{ticket.version + 1}",
            body="noted",
            public=public,
        )
        after = apply(ticket, event)
        assert after.status == ticket.status
        self._record(after, event)

    @precondition(lambda self: bool(self.tickets))
    @rule(data=st.data())
    def set_fields(self, data: st.DataObject) -> None:
        """Set structured fields."""
        ticket = self._pick(data)
        fields = data.draw(field_maps(max_size=2).filter(bool), label="fields")
        event = FieldsChanged(
            ticket_id=ticket.id,
            version=ticket.version + 1,
            at=self.clock.now(),
            actor=data.draw(self.actors(), label="actor"),
            changes=dict(fields),
        )
        self._record(apply(ticket, event), event)

    @invariant()
    def status_is_known(self) -> None:
        """Every ticket is in a status of the workflow."""
        for ticket in self.tickets.values():
            assert ticket.status in self.workflow.statuses

    @invariant()
    def journal_replays_to_the_ticket(self) -> None:
        """Replaying each journal gives the current ticket, version included."""
        for ticket_id, ticket in self.tickets.items():
            journal = self.journals[ticket_id]
            assert replay(journal) == ticket
            assert len(journal) == ticket.version

    @invariant()
    def journal_moves_only_along_edges(self) -> None:
        """Every recorded transition is an edge of the workflow."""
        for journal in self.journals.values():
            for event in journal:
                if isinstance(event, TicketTransitioned):
                    assert self.workflow.can(event.source, event.target)
