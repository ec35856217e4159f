"""The triage command: categorize, prioritize and route in one commit, each decision explained.

:class:`Triage` decides with the pure strategies (a categorizer, a priority policy, a router) on
the ticket as loaded, and commits through :meth:`~ticketflow.Desk.execute`: the category, the
priority and the assignment as their own events, one :class:`~ticketflow.DecisionExplained`
per decision (staff see them in :meth:`~ticketflow.Desk.view`, customers never), and the move
``new -> triaged`` where the workflow has it. A person overrides any decision with
:meth:`Triage.override`, recorded with who and why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final, TypeVar

import attrs

from .._actors import Actor, Role
from .._events import DecisionExplained, TicketAssigned, TicketCategorized, TicketPrioritized
from .._ticket import Ticket
from .._values import check_name, check_text
from ..exceptions import InvalidValueError
from ..storage import RotationStore, TicketQuery
from ._categorizer import Categorizer, CategoryDecision
from ._priority import PriorityDecision, PriorityPolicy
from ._routing import Agent, RouteContext, RouteDecision, Router
from ._taxonomy import Taxonomy

if TYPE_CHECKING:
    from .._desk import Desk
    from .._draft import Draft
    from ..integrations import CrmLookup

__all__ = ["StoreRoundRobinCursor", "Triage", "TriagePlan"]

T = TypeVar("T")

TRIAGED: Final = "triaged"
_LINE: Final = 2000


class StoreRoundRobinCursor:
    """A :class:`RoundRobinCursor` kept by the store, so that every worker shares the turns.

    Args:
        store: A store with round-robin turns (:class:`~ticketflow.storage.RotationStore`;
            both shipped stores are).

    .. versionadded:: 0.2
    """

    def __init__(self, store: RotationStore) -> None:
        if not isinstance(store, RotationStore):
            raise InvalidValueError("store", store, "must keep round-robin turns (rotate)")
        self.store = store

    def __repr__(self) -> str:
        return f"StoreRoundRobinCursor({self.store!r})"

    def next(self, queue: str, eligible: Sequence[str]) -> str:
        """Return whose turn it is in ``queue`` among ``eligible``, recorded by the store."""
        return self.store.rotate(queue, eligible)


@attrs.frozen
class TriagePlan:
    """What triage decided for one ticket, before it is committed.

    Attributes:
        category: The categorizer's decision.
        priority: The priority policy's decision.
        route: The router's decision (on the ticket with its new category and priority).
        crm: What the CRM said, one line (``None`` without a CRM).
    """

    category: CategoryDecision = attrs.field()
    priority: PriorityDecision = attrs.field()
    route: RouteDecision = attrs.field()
    crm: str | None = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        for name, kind in (
            ("category", CategoryDecision),
            ("priority", PriorityDecision),
            ("route", RouteDecision),
        ):
            if type(getattr(self, name)) is not kind:
                raise InvalidValueError(name, getattr(self, name), f"must be a {kind.__name__}")
        if self.crm is not None:
            check_text("crm", self.crm, empty=False, single_line=True, max_length=_LINE)


def _line(text: str) -> str:
    flat = " ".join(text.split())
    return flat[: _LINE - 3] + "..." if len(flat) > _LINE else flat or "-"


class Triage:
    """Categorizes, prioritizes and routes tickets through a :class:`~ticketflow.Desk`.

    Args:
        desk: The desk to commit through.
        categorizer: Decides the category (its codes are checked against ``taxonomy``).
        priority: Decides the priority.
        router: Decides the queue and the agent.
        taxonomy: The closed set of categories; a category from the categorizer or an
            override outside it is refused (:class:`~ticketflow.exceptions.UnknownCategoryError`),
            a retired one is replaced by its successor.
        agents: The roster the router picks from, or a callable that returns it.
        loads: Returns open tickets per agent id for a roster; by default counted through the
            store (a query per agent: give your own, cached, for large rosters).
        crm: Looked up once per triage; its answer, or that it failed, is recorded (the
            decision goes on with its defaults: a CRM outage never loses a ticket).
        actor: Who triage acts as, when a command names nobody else.

    Raises:
        InvalidValueError: An argument is not of its kind.

    .. versionadded:: 0.2
    """

    def __init__(
        self,
        desk: Desk,
        *,
        categorizer: Categorizer,
        priority: PriorityPolicy,
        router: Router,
        taxonomy: Taxonomy,
        agents: Iterable[Agent] | Callable[[], Iterable[Agent]] = (),
        loads: Callable[[Sequence[Agent]], Mapping[str, int]] | None = None,
        crm: CrmLookup | None = None,
        actor: Actor = Actor.system("triage"),  # noqa: B008 - frozen
    ) -> None:
        from .._desk import Desk  # noqa: PLC0415 - the desk module imports storage first

        if not isinstance(desk, Desk):
            raise InvalidValueError("desk", desk, "must be a Desk")
        for name, strategy, method in (
            ("categorizer", categorizer, "categorize"),
            ("priority", priority, "prioritize"),
            ("router", router, "route"),
        ):
            if not callable(getattr(strategy, method, None)):
                raise InvalidValueError(name, strategy, f"must have a {method}() method")
        if type(taxonomy) is not Taxonomy:
            raise InvalidValueError("taxonomy", taxonomy, "must be a Taxonomy")
        if not callable(agents):
            agents = _roster(agents)
        if loads is not None and not callable(loads):
            raise InvalidValueError("loads", loads, "must be callable or None")
        if crm is not None and not callable(getattr(crm, "account", None)):
            raise InvalidValueError("crm", crm, "must have an account(requester) method")
        if type(actor) is not Actor or actor.role is Role.CUSTOMER:
            raise InvalidValueError("actor", actor, "must be a staff or system Actor")
        self.desk = desk
        self.categorizer = categorizer
        self.priority = priority
        self.router = router
        self.taxonomy = taxonomy
        self._agents = agents
        self._loads = loads
        self.crm = crm
        self.actor = actor
        self._last: tuple[tuple[Agent, ...], dict[str, int], RouteContext] | None = None

    def __repr__(self) -> str:
        return f"Triage(desk={self.desk!r})"

    # -- deciding ---------------------------------------------------------------------------

    def decide(self, ticket: Ticket, *, at: datetime) -> TriagePlan:
        """Return what triage would decide for ``ticket`` at ``at``, writing nothing.

        (A round-robin router still takes its turn: deciding is picking.)

        Raises:
            UnknownCategoryError: The categorizer answered a code outside the taxonomy.
            InvalidValueError: A strategy answered something that is not its decision.
        """
        if type(ticket) is not Ticket:
            raise InvalidValueError("ticket", ticket, "must be a Ticket")
        said = self._crm_line(ticket)
        crm = None if said is None else _line(said)
        category = _answer("categorizer", self.categorizer.categorize(ticket), CategoryDecision)
        code = self.taxonomy.resolve(category.category)
        placed = attrs.evolve(ticket, category=code)
        priority = _answer("priority", self.priority.prioritize(placed), PriorityDecision)
        placed = attrs.evolve(placed, priority=priority.label)
        context = self._context(at)
        route = _answer("router", self.router.route(placed, context), RouteDecision)
        if code != category.category:
            category = attrs.evolve(
                category,
                category=code,
                reason=f"{category.reason} (retired {category.category} is now {code})",
            )
        return TriagePlan(category, priority, route, crm)

    def _context(self, at: datetime) -> RouteContext:
        # Checking 200 agents and their loads costs more than the decision; the context is
        # built again only when the roster or the loads are not the ones of the last call.
        roster = tuple(self._agents())
        loads = dict(self._count(roster))
        last = self._last
        if last is not None and (last[0] is roster or last[0] == roster) and last[1] == loads:
            return last[2].at_instant(at)
        context = RouteContext(at=at, agents=roster, loads=loads)
        self._last = (roster, loads, context)
        return context

    def _crm_line(self, ticket: Ticket) -> str | None:
        if self.crm is None:
            return None
        try:
            account = self.crm.account(ticket.requester)
        except Exception as error:  # noqa: BLE001 - a CRM that is down must not lose a ticket
            return f"lookup failed ({type(error).__name__}: {error}); decided with the defaults"
        if account is None:
            return f"no account for {ticket.requester.email}"
        return (
            f"account {account.account_id}: tier {account.tier or '-'}, contract"
            f" {account.sla_tier or '-'}, vip {'yes' if account.vip else 'no'},"
            f" language {account.language or '-'}"
        )

    def _count(self, roster: Sequence[Agent]) -> Mapping[str, int]:
        if self._loads is not None:
            return self._loads(roster)
        store = self.desk.store
        terminal = self.desk.workflow.terminal
        counts: dict[str, int] = {}
        for agent in roster:
            query: TicketQuery | None = TicketQuery(assignee=agent.id, limit=1000)
            total = 0
            while query is not None:
                page = store.query(query)
                total += sum(1 for t in page.tickets if t.status not in terminal)
                after = page.next_cursor
                query = None if after is None else attrs.evolve(query, after=after)
            counts[agent.id] = total
        return counts

    # -- committing -------------------------------------------------------------------------

    def triage(
        self, ticket_id: str, *, actor: Actor | None = None, expected_version: int | None = None
    ) -> Ticket:
        """Categorize, prioritize and route the ticket, and move it to ``triaged``, at once.

        Each decision that changes the ticket is its own event, and each is explained in a
        :class:`~ticketflow.DecisionExplained` (with the CRM's answer, or its failure). The
        move to ``triaged`` is made where the workflow has that edge from the ticket's status.

        Raises:
            AccessDeniedError: ``actor`` may not run ``triage`` (staff and system may).
            TicketNotFoundError: No such ticket.
            ConflictError: Someone else changed the ticket first; nothing was written.
        """
        who = self.actor if actor is None else actor

        def decide(draft: Draft) -> None:
            plan = self.decide(draft.ticket, at=draft.at)
            self._record(draft, plan)

        return self.desk.execute(
            ticket_id, decide, actor=who, command="triage", expected_version=expected_version
        )

    def _record(self, draft: Draft, plan: TriagePlan) -> None:
        ticket = draft.ticket
        if plan.crm is not None:
            draft.record(DecisionExplained, decision="crm", reasons=(_line(plan.crm),))
        category = plan.category
        if category.category != ticket.category:
            draft.record(TicketCategorized, category=category.category)
        reasons = [_line(category.reason), f"confidence {category.confidence:.2f}"]
        reasons += [f"rule {name}" for name in category.rules[:32]]
        draft.record(
            DecisionExplained, decision="category", outcome=category.category, reasons=reasons
        )
        priority = plan.priority
        if priority.label != draft.ticket.priority:
            draft.record(
                TicketPrioritized,
                priority=priority.label,
                impact=draft.ticket.impact,
                urgency=draft.ticket.urgency,
            )
        lines = [_line(line) for line in priority.explain().splitlines() if line.strip()][:48]
        draft.record(DecisionExplained, decision="priority", outcome=priority.label, reasons=lines)
        route = plan.route
        now = draft.ticket
        if (route.queue, route.assignee) != (now.queue, now.assignee) and (
            route.queue is not None or route.assignee is not None
        ):
            draft.record(TicketAssigned, queue=route.queue, assignee=route.assignee)
        where = "/".join(part for part in (route.queue, route.assignee) if part) or None
        draft.record(
            DecisionExplained, decision="route", outcome=where, reasons=(_line(route.reason),)
        )
        if draft.workflow.can(draft.ticket.status, TRIAGED):
            draft.transition(TRIAGED, reason="triaged")

    def override(
        self,
        ticket_id: str,
        *,
        actor: Actor,
        reason: str,
        category: str | None = None,
        priority: str | None = None,
        queue: str | None = None,
        assignee: str | None = None,
    ) -> Ticket:
        """Replace automatic decisions by a person's: recorded with who and why.

        Only the decisions given change (``queue`` and ``assignee`` together make the route;
        give either). A category must be in the taxonomy (a retired code becomes its
        successor).

        Raises:
            UnknownCategoryError: ``category`` is not in the taxonomy.
            InvalidValueError: Nothing to override, or ``reason`` is not one line of text.
            AccessDeniedError: ``actor`` may not run ``triage``.
        """
        why = check_text("reason", reason, empty=False, single_line=True, max_length=1000)
        if category is None and priority is None and queue is None and assignee is None:
            raise InvalidValueError("override", None, "name a category, priority, queue or agent")
        code = None if category is None else self.taxonomy.resolve(category)
        if priority is not None:
            check_name("priority", priority)
        line = (
            f"overridden by {actor.role.value}:{actor.id}: {why}" if type(actor) is Actor else why
        )

        def decide(draft: Draft) -> None:
            if code is not None:
                draft.record(TicketCategorized, category=code)
                draft.record(
                    DecisionExplained,
                    decision="category",
                    outcome=code,
                    reasons=(line,),
                    overridden=True,
                )
            if priority is not None:
                now = draft.ticket
                draft.record(
                    TicketPrioritized, priority=priority, impact=now.impact, urgency=now.urgency
                )
                draft.record(
                    DecisionExplained,
                    decision="priority",
                    outcome=priority,
                    reasons=(line,),
                    overridden=True,
                )
            if queue is not None or assignee is not None:
                now = draft.ticket
                target = (now.queue if queue is None else queue, assignee)
                draft.record(TicketAssigned, queue=target[0], assignee=target[1])
                where = "/".join(part for part in target if part) or None
                draft.record(
                    DecisionExplained,
                    decision="route",
                    outcome=where,
                    reasons=(line,),
                    overridden=True,
                )

        return self.desk.execute(ticket_id, decide, actor=actor, command="triage")


def _roster(agents: object) -> Callable[[], tuple[Agent, ...]]:
    if isinstance(agents, str | bytes | Mapping) or not isinstance(agents, Iterable):
        raise InvalidValueError("agents", agents, "must be a collection of Agents or a callable")
    roster = tuple(agents)
    for agent in roster:
        if type(agent) is not Agent:
            raise InvalidValueError("agents", agent, "must be an Agent")
    return lambda: roster


def _answer(strategy: str, answer: object, kind: type[T]) -> T:
    if type(answer) is not kind:
        raise InvalidValueError(f"{strategy} answer", answer, f"must be a {kind.__name__}")
    return answer
