"""A stateful property test that host apps subclass to check their own workflow."""

from __future__ import annotations

import collections
import weakref
from collections.abc import Collection
from datetime import UTC, datetime, timedelta, timezone
from typing import ClassVar, Final

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from .._actors import Actor, Role
from .._events import (
    CommentAdded,
    FieldsChanged,
    TicketAssigned,
    TicketCategorized,
    TicketEvent,
    TicketTransitioned,
    header,
)
from .._fields import Fields
from .._journal import apply, replay
from .._ticket import NewTicket, Ticket, TicketLinks
from .._workflow import DEFAULT_WORKFLOW, Workflow
from ..exceptions import CheckFailedError, InvalidTransitionError, PermissionDeniedError
from ._clock import FrozenClock
from ._failures import reported_as
from ._strategies import actors, field_maps, new_tickets

__all__ = ["WorkflowStateMachine"]

_step = reported_as("WorkflowStateMachine")

# The same instant in other zones: the guard must record it in UTC, and checks see it so.
_ZONES: Final = (UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8)))
# Tickets are independent, so a few open at once test as much as many; and the fewer there
# are, the further each one gets along the workflow in a run.
_OPEN_TICKETS: Final = 2
_LABELS: Final = st.none() | st.sampled_from(["billing", "network", "l2"])

_Attempt = tuple[str, Actor]  # the target status and who asks for it


class _Draws:
    """The strategies one machine class draws from, built once.

    Built per step, hypothesis would validate every strategy again on every draw.
    """

    def __init__(self, machine: WorkflowStateMachine) -> None:
        workflow = machine.workflow
        self.drafts: st.SearchStrategy[NewTicket] = new_tickets(workflow=workflow)
        self.actors: st.SearchStrategy[Actor] = machine.actors()
        # A reason is None or non-empty text (the guard refuses "" and lone surrogates).
        self.reasons: st.SearchStrategy[str | None] = st.none() | st.text(min_size=1).filter(
            str.strip
        )
        self.zones: st.SearchStrategy[timezone] = st.sampled_from(_ZONES)
        self.fields: st.SearchStrategy[Fields] = field_maps(max_size=2).filter(bool)
        self.any_moves: st.SearchStrategy[_Attempt] = st.tuples(
            st.sampled_from(workflow.statuses), self.actors
        )
        host_roles = frozenset(machine.roles)
        by_roles: dict[frozenset[Role], st.SearchStrategy[Actor]] = {}
        self.edge_moves: dict[str, st.SearchStrategy[_Attempt]] = {}
        for source in workflow.statuses:
            targets = sorted(workflow.edges[source], key=workflow.statuses.index)
            moves = []
            for target in targets:
                permitted = workflow.allowed_roles(source, target) & host_roles
                if not permitted or permitted == host_roles:
                    # Every actor may (or none can); the host's own actors() are the best draw.
                    drawn = self.actors
                else:
                    # Half the time someone allowed, to get on; else anyone, to be refused.
                    drawn = by_roles.setdefault(
                        permitted,
                        actors(roles=tuple(r for r in Role if r in permitted)) | self.actors,
                    )
                moves.append(st.tuples(st.just(target), drawn))
            if moves:
                self.edge_moves[source] = st.one_of(moves)
        self._indexes: dict[int, st.SearchStrategy[int]] = {}

    def index(self, size: int) -> st.SearchStrategy[int]:
        """Return the strategy of an index into a sequence of ``size`` items."""
        strategy = self._indexes.get(size)
        if strategy is None:
            strategy = self._indexes[size] = st.integers(0, size - 1)
        return strategy


_DRAWS: weakref.WeakKeyDictionary[type[WorkflowStateMachine], _Draws] = weakref.WeakKeyDictionary()


class WorkflowStateMachine(RuleBasedStateMachine):
    """Drives random commands, legal and illegal, through a workflow and checks its laws.

    Subclass it, set :attr:`workflow` (and :attr:`roles`), and expose ``TestCase``::

        class MyWorkflowMachine(WorkflowStateMachine):
            workflow = MY_WORKFLOW
            roles = (Role.AGENT, Role.SUPERVISOR)

        TestMyWorkflow = MyWorkflowMachine.TestCase

    Most moves take an edge of the ticket's status as an actor in a role the edge allows,
    with a reason (``None`` or any text) and an instant in some time zone, so that a run of
    the default settings takes every edge of the workflow; the other moves ask for any status
    as any actor, to check the refusals. Between moves, tickets are assigned, categorized,
    commented on and given fields, which is what checks usually read.

    After every step it checks that: the status only ever moved along an edge; the version
    grew by exactly one per accepted change and not at all for a refused one; a refused move
    raised the error that fits (not an edge, a role not allowed, a failing check); an accepted
    move recorded its actor, reason and instant (in UTC); and replaying each ticket's journal
    reproduces the ticket exactly. A failure's message starts with
    ``WorkflowStateMachine[<rule or invariant>]``.

    The strategies are built once per class, on its first run.

    Attributes:
        journals: Each ticket's events in this run, by ticket id.
        refusals: How many moves this run refused, by error code.

    .. versionadded:: 0.1
    """

    workflow: ClassVar[Workflow] = DEFAULT_WORKFLOW
    """The workflow under test."""
    roles: ClassVar[Collection[Role]] = tuple(Role)
    """The roles of the host's actors; an edge that allows only some of them is mostly tried
    by an actor in one of those (drawn with :func:`~ticketflow.testing.actors`)."""

    def __init__(self) -> None:
        super().__init__()
        draws = _DRAWS.get(type(self))
        if draws is None:
            draws = _DRAWS[type(self)] = _Draws(self)
        self._draws = draws
        self.clock = FrozenClock()
        self.tickets: dict[str, Ticket] = {}
        self.journals: dict[str, list[TicketEvent]] = {}
        self.accepted = 0
        self.refusals: collections.Counter[str] = collections.Counter()

    def actors(self) -> st.SearchStrategy[Actor]:
        """Return the actors that issue commands (default: one in each of :attr:`roles`).

        Called once per class. If you override it, set :attr:`roles` to the roles it draws.
        """
        return actors(roles=tuple(self.roles))

    def _record(self, ticket: Ticket, event: TicketEvent) -> None:
        before = self.tickets.get(ticket.id)
        expected_version = 1 if before is None else before.version + 1
        assert ticket.version == expected_version, (
            f"{ticket.id} is at version {ticket.version} after {event.type},"
            f" expected {expected_version}"
        )
        self.tickets[ticket.id] = ticket
        self.journals.setdefault(ticket.id, []).append(event)
        self.accepted += 1

    def _create(self, data: st.DataObject) -> None:
        number = len(self.tickets) + 1
        draft = data.draw(self._draws.drafts, label="draft")
        links = draft.links
        if f"T{number}" in (links.duplicate_of, links.problem, links.follow_up_of):
            # A drawn label can be the very id this ticket gets, and no ticket links itself.
            draft = attrs.evolve(draft, links=TicketLinks())
        ticket, event = self.workflow.create(
            draft,
            id=f"T{number}",
            number=number,
            actor=data.draw(self._draws.actors, label="actor"),
            at=self.clock.now(),
        )
        assert ticket.status in self.workflow.initial, (
            f"{ticket.id} was created in {ticket.status}, not an initial status"
        )
        self._record(ticket, event)

    @initialize(data=st.data())
    @_step
    def create_first(self, data: st.DataObject) -> None:
        """Start with one ticket so that every run has something to move."""
        self._create(data)

    @precondition(lambda self: len(self._movable()) < _OPEN_TICKETS)
    @rule(data=st.data())
    @_step
    def create(self, data: st.DataObject) -> None:
        """Submit a new ticket in one of the workflow's initial statuses."""
        self._create(data)

    def _pick(self, data: st.DataObject, ids: list[str]) -> Ticket:
        return self.tickets[ids[data.draw(self._draws.index(len(ids)), label="ticket")]]

    def _movable(self) -> list[str]:
        return [i for i, t in self.tickets.items() if t.status in self._draws.edge_moves]

    @precondition(lambda self: bool(self._movable()))
    @rule(data=st.data(), edges=st.integers(1, 4), minutes=st.integers(0, 600))
    @_step
    def walk_along_edges(self, data: st.DataObject, edges: int, minutes: int) -> None:
        """Take up to ``edges`` edges in a row, mostly as actors whose role the edge allows.

        Walking rather than stepping gets a ticket deep into the workflow within a run.
        """
        ticket = self._pick(data, self._movable())
        for _ in range(edges):
            moves = self._draws.edge_moves.get(ticket.status)
            if moves is None:
                return
            target, actor = data.draw(moves, label="edge")
            ticket = self._move(data, ticket, target, actor, minutes)

    @precondition(lambda self: bool(self.tickets))
    @rule(data=st.data(), minutes=st.integers(0, 600))
    @_step
    def attempt_any_move(self, data: st.DataObject, minutes: int) -> None:
        """Ask for any status (an edge or not) as any actor; check the verdict fits."""
        ticket = self._pick(data, list(self.tickets))
        target, actor = data.draw(self._draws.any_moves, label="move")
        self._move(data, ticket, target, actor, minutes)

    def _move(
        self, data: st.DataObject, ticket: Ticket, target: str, actor: Actor, minutes: int
    ) -> Ticket:
        source = ticket.status
        reason = data.draw(self._draws.reasons, label="reason")
        zone = data.draw(self._draws.zones, label="zone")
        at = self.clock.advance(timedelta(minutes=minutes)).astimezone(zone)
        edge = self.workflow.can(source, target)
        try:
            moved, event = self.workflow.transition(
                ticket, target, actor=actor, at=at, reason=reason
            )
        except InvalidTransitionError as error:
            assert not edge, f"{source} -> {target} is an edge, yet refused: {error}"
            verdict = (error.code, error.ticket_id, error.source, error.target)
            assert verdict == ("invalid_transition", ticket.id, source, target), verdict
            self.refusals[error.code] += 1
        except PermissionDeniedError as error:
            allowed = self.workflow.allowed_roles(source, target)
            assert edge, f"{source} -> {target} is no edge, yet refused for the role: {error}"
            assert actor.role not in allowed, f"{actor.role} may take the edge: {error}"
            assert (error.source, error.target, error.role) == (source, target, actor.role)
            self.refusals[error.code] += 1
        except CheckFailedError as error:
            assert edge, f"{source} -> {target} is no edge, yet its checks ran: {error}"
            assert error.failures, "a check refusal lists no failed check"
            assert (error.source, error.target) == (source, target), error
            self.refusals[error.code] += 1
        else:
            assert edge, f"{source} -> {target} is no edge of {self.workflow.name}, yet accepted"
            allowed = self.workflow.allowed_roles(source, target)
            assert actor.role in allowed, (
                f"{actor.role} may not take {source} -> {target}, yet the move was accepted"
            )
            recorded = (event.source, event.target, moved.status, event.actor)
            assert recorded == (source, target, target, actor), (
                f"asked {source} -> {target} as {actor}; recorded (source, target, status,"
                f" actor) {recorded}"
            )
            assert event.reason == reason, (
                f"the move was asked with reason {reason!r}, recorded with {event.reason!r}"
            )
            assert event.at == at, f"the move at {at} was recorded at {event.at}"
            assert event.at.utcoffset() == timedelta(0), f"{event.at} is not in UTC"
            self._record(moved, event)
        return self.tickets[ticket.id]

    def _change(self, data: st.DataObject, ids: list[str]) -> tuple[Ticket, datetime, Actor]:
        ticket = self._pick(data, ids)
        return ticket, self.clock.now(), data.draw(self._draws.actors, label="actor")

    @precondition(lambda self: bool(self.tickets))
    @rule(data=st.data(), queue=_LABELS, assignee=st.none() | st.sampled_from(["ann", "bob"]))
    @_step
    def assign(self, data: st.DataObject, queue: str | None, assignee: str | None) -> None:
        """Route the ticket to a queue and an agent, or clear them."""
        ticket, at, actor = self._change(data, list(self.tickets))
        event = TicketAssigned(
            **header(ticket.id, ticket.version + 1, at, actor), queue=queue, assignee=assignee
        )
        self._record(apply(ticket, event), event)

    @precondition(lambda self: bool(self.tickets))
    @rule(data=st.data(), category=_LABELS)
    @_step
    def categorize(self, data: st.DataObject, category: str | None) -> None:
        """Set or clear the category."""
        ticket, at, actor = self._change(data, list(self.tickets))
        event = TicketCategorized(
            **header(ticket.id, ticket.version + 1, at, actor), category=category
        )
        self._record(apply(ticket, event), event)

    @precondition(lambda self: bool(self.tickets))
    @rule(data=st.data(), public=st.booleans())
    @_step
    def comment(self, data: st.DataObject, public: bool) -> None:
        """Add a public or internal comment; the status does not change."""
        ticket, at, actor = self._change(data, list(self.tickets))
        event = CommentAdded(
            **header(ticket.id, ticket.version + 1, at, actor),
            comment_id=f"{ticket.id}-c{ticket.version + 1}",
            body="noted",
            public=public,
        )
        after = apply(ticket, event)
        assert after.status == ticket.status, f"a comment moved {ticket.id} to {after.status}"
        self._record(after, event)

    @precondition(lambda self: bool(self.tickets))
    @rule(data=st.data())
    @_step
    def set_fields(self, data: st.DataObject) -> None:
        """Set structured fields."""
        ticket, at, actor = self._change(data, list(self.tickets))
        fields = data.draw(self._draws.fields, label="fields")
        event = FieldsChanged(
            **header(ticket.id, ticket.version + 1, at, actor), changes=dict(fields)
        )
        self._record(apply(ticket, event), event)

    @invariant()
    @_step
    def status_is_known(self) -> None:
        """Every ticket is in a status of the workflow."""
        for ticket in self.tickets.values():
            assert ticket.status in self.workflow.statuses, f"{ticket.id} is in {ticket.status}"

    @invariant()
    @_step
    def journal_replays_to_the_ticket(self) -> None:
        """Replaying each journal gives the current ticket, version included."""
        for ticket_id, ticket in self.tickets.items():
            journal = self.journals[ticket_id]
            assert len(journal) == ticket.version, (
                f"{ticket_id} has {len(journal)} events at version {ticket.version}"
            )
            assert replay(journal) == ticket, f"replaying {ticket_id} does not give the ticket"

    @invariant()
    @_step
    def journal_moves_only_along_edges(self) -> None:
        """Every recorded transition is an edge of the workflow."""
        for journal in self.journals.values():
            for event in journal:
                if isinstance(event, TicketTransitioned):
                    assert self.workflow.can(event.source, event.target), (
                        f"{event.ticket_id} moved {event.source} -> {event.target}"
                    )
