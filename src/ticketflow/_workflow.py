"""Lifecycles as explicit edge tables, and the guard that enforces them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Final, TypeAlias, cast

import attrs

from ._actors import Actor, Role
from ._events import TicketCreated, TicketTransitioned, fast_transitioned
from ._journal import apply_transition
from ._status import TICKET_EDGES, TicketStatus, as_status
from ._ticket import NewTicket, Ticket
from ._value_methods import value_eq, value_hash, value_repr
from ._values import (
    check_bool,
    check_instant,
    check_name,
    check_optional_text,
    check_text,
    validator,
)
from ._workflow_definition import ANY, EdgeKey, parse_definition
from .exceptions import (
    CheckFailedError,
    CheckFailure,
    InvalidTransitionError,
    InvalidValueError,
    PermissionDeniedError,
)

__all__ = [
    "ANY",
    "DEFAULT_WORKFLOW",
    "Check",
    "CheckResult",
    "Move",
    "Workflow",
    "transition",
]


@attrs.frozen
class CheckResult:
    """What a check says: passed, or failed with a reason."""

    __repr__ = value_repr

    passed: bool = attrs.field(validator=validator(check_bool, "passed"))
    reason: str = attrs.field(
        default="", validator=validator(check_text, "reason", max_length=2000)
    )

    @classmethod
    def ok(cls) -> CheckResult:
        """Return a passing result."""
        return _PASSED

    @classmethod
    def fail(cls, reason: str) -> CheckResult:
        """Return a failing result with the reason shown to the caller."""
        return cls(passed=False, reason=reason)


_PASSED: Final = CheckResult(passed=True)


def _a(field: str, kind: type) -> Any:  # noqa: ANN401 - an attrs validator
    def check(_: object, __: object, value: object) -> None:
        if type(value) is not kind:
            raise InvalidValueError(field, value, f"must be a {kind.__name__}")

    return check


def _move_at(value: datetime) -> datetime:
    return check_instant("at", value)


@attrs.frozen(kw_only=True, slots=False)
class Move:
    """A requested status change, as a check sees it.

    The guard builds it from values it checked already; built by hand, it checks its own.
    """

    __repr__ = value_repr
    __eq__ = value_eq
    __hash__ = value_hash

    ticket: Ticket = attrs.field(validator=_a("ticket", Ticket))
    source: str = attrs.field(validator=validator(check_name, "source"))
    target: str = attrs.field(validator=validator(check_name, "target"))
    actor: Actor = attrs.field(validator=_a("actor", Actor))
    at: datetime = attrs.field(converter=_move_at)
    reason: str | None = attrs.field(validator=validator(check_optional_text, "reason"))


Check: TypeAlias = Callable[[Move], CheckResult]
"""A named precondition of an edge: a pure function of the requested move."""


@attrs.frozen
class _EdgeRule:
    __repr__ = value_repr
    roles: frozenset[Role]
    checks: tuple[tuple[str, Check], ...]


def transition(
    ticket: Ticket,
    to: str,
    *,
    actor: Actor,
    at: datetime,
    reason: str | None = None,
) -> tuple[Ticket, TicketTransitioned]:
    """Move ``ticket`` to ``to`` along :data:`TICKET_EDGES`.

    Args:
        ticket: The ticket to move.
        to: The target status.
        actor: Who moves it (recorded; roles are a :class:`Workflow` matter).
        at: When (timezone-aware).
        reason: Why, for the journal.

    Returns:
        The new ticket and the event that records the move.

    Raises:
        InvalidTransitionError: ``ticket.status -> to`` is not in :data:`TICKET_EDGES`; the
            ticket is unchanged (it is immutable).
        InvalidValueError: ``ticket``, ``actor``, ``at`` or ``reason`` is not of its kind.
        NaiveDatetimeError: ``at`` is naive.
    """
    # The common call, checked inline (through _guard it costs 9% more instructions): a
    # Ticket, a status member, an Actor, a UTC instant and no reason. Anything else, a reason
    # included, takes _guard's path, which checks it and names what is wrong; the two answer
    # every input alike (tests/test_status.py).
    if (
        type(ticket) is not Ticket
        or type(to) is not TicketStatus
        or type(actor) is not Actor
        or type(at) is not datetime
        or at.tzinfo is not UTC
        or reason is not None
    ):
        return _guard(ticket, to, actor, at, reason, None, _DEFAULT_REOPEN)
    source = ticket.status
    targets = _EDGE_TABLE.get(source)
    if targets is None or to not in targets:
        raise InvalidTransitionError(ticket.id, source, to)
    reopen = to is _IN_PROGRESS and source == _RESOLVED  # the one edge of _DEFAULT_REOPEN
    event = fast_transitioned(ticket.id, ticket.version + 1, at, actor, source, to, None, reopen)
    return apply_transition(ticket, event), event


def _guard(  # noqa: C901 - the hot path, inlined: each input checked once, here
    ticket: Ticket,
    to: object,
    actor: object,
    at: object,
    reason: object,
    rules: dict[EdgeKey, _EdgeRule] | None,
    reopen: frozenset[EdgeKey],
) -> tuple[Ticket, TicketTransitioned]:
    # Every input is checked here, once: the event is then built unchecked (the hot path).
    if type(ticket) is not Ticket:
        raise InvalidValueError("ticket", ticket, "must be a Ticket")
    source = ticket.status
    if not isinstance(to, str):
        raise InvalidValueError("to", to, "a target status is a string")
    rule = None
    if rules is None:
        targets = _EDGE_TABLE.get(source)
        if targets is None or to not in targets:
            raise InvalidTransitionError(ticket.id, source, to)
    else:
        rule = rules.get((source, to))
        if rule is None:
            raise InvalidTransitionError(ticket.id, source, to)
    if type(actor) is not Actor:
        raise InvalidValueError("actor", actor, "must be an Actor")
    if rule is not None and actor.role not in rule.roles:
        raise PermissionDeniedError(ticket.id, source, to, actor.role, rule.roles)
    if type(at) is not datetime or at.tzinfo is not UTC:
        at = check_instant("at", at)
    if reason is not None:
        check_text("reason", reason, empty=False)
    if rule is not None and rule.checks:
        # Built by filling its dictionary: a check runs on every guarded command.
        move = _new(Move)
        move.__dict__.update(
            ticket=ticket, source=source, target=to, actor=actor, at=at, reason=reason
        )
        failures = [
            CheckFailure(name, result.reason)
            for name, check in rule.checks
            if not (result := _run_check(check, move, name)).passed
        ]
        if failures:
            raise CheckFailedError(ticket.id, source, to, failures)
    target = to if type(to) is TicketStatus else as_status(to)
    event = fast_transitioned(
        ticket.id,
        ticket.version + 1,
        at,
        actor,
        source,
        target,
        reason,  # type: ignore[arg-type]
        (source, target) in reopen,
    )
    return apply_transition(ticket, event), event


def _run_check(check: Check, move: Move, name: str) -> CheckResult:
    result = check(move)
    if type(result) is not CheckResult:
        raise InvalidValueError(f"checks[{name!r}]", result, "a check must return a CheckResult")
    return result


# A plain dict: the guard's lookup is the hot path, and the public table is a read-only proxy.
_EDGE_TABLE: Final[dict[str, frozenset[str]]] = {
    source: frozenset(targets) for source, targets in TICKET_EDGES.items()
}
_DEFAULT_REOPEN: Final[frozenset[EdgeKey]] = frozenset(
    {(TicketStatus.RESOLVED, TicketStatus.IN_PROGRESS)}
)
_RESOLVED: Final = TicketStatus.RESOLVED
_IN_PROGRESS: Final = TicketStatus.IN_PROGRESS
STAFF: Final = frozenset({Role.AGENT, Role.SUPERVISOR, Role.SYSTEM})
"""The roles that may take an edge no role rule names: customers and AI need explicit rules."""


class Workflow:
    """A lifecycle: statuses, the edges between them, who may take each edge and its checks.

    Roles per edge are matched as Request Tracker does, most specific first: the exact edge
    ``(source, target)``, then ``("*", target)``, then ``(source, "*")``, then ``("*", "*")``;
    where no rule matches, only staff (agents, supervisors and system actors) may take the edge:
    customers and AI actors move tickets only where a rule says so. Checks of every matching key
    apply, in that order.

    Args:
        statuses: Every status, in display order.
        edges: ``source -> targets``; a status missing here has no outgoing edge.
        initial: The statuses a ticket may be created in; the first is the default.
        roles: Roles allowed per edge key.
        checks: Named checks per edge key.
        reopen: The edges that reopen finished work; each one counts in
            :attr:`Ticket.reopen_count <ticketflow.Ticket.reopen_count>`.
        name: A label for messages and diagrams.

    Raises:
        WorkflowDefinitionError: Lists every problem: values of the wrong kind (a string where a
            collection of statuses is meant, a key that is not a ``(source, target)`` pair, a
            check that is not callable), unknown statuses, statuses unreachable from an
            initial status, no terminal status, statuses with no way to a terminal status,
            rules or reopen edges for pairs that are not edges, unknown roles.

    .. versionadded:: 0.1
    """

    __slots__ = ("_edges", "_rules", "initial", "name", "reopen", "statuses", "terminal")

    def __init__(
        self,
        *,
        statuses: Iterable[str],
        edges: Mapping[str, Iterable[str]],
        initial: Iterable[str],
        roles: Mapping[EdgeKey, Iterable[Role | str]] | None = None,
        checks: Mapping[EdgeKey, Mapping[str, Check]] | None = None,
        reopen: Iterable[EdgeKey] = (),
        name: str = "workflow",
    ) -> None:
        parsed = parse_definition(
            statuses=statuses,
            edges=edges,
            initial=initial,
            roles=roles,
            checks=checks,
            reopen=reopen,
            name=name,
        )
        self.name: str = parsed.name
        self.statuses: tuple[str, ...] = parsed.statuses
        self.initial: tuple[str, ...] = parsed.initial
        self._edges: Mapping[str, frozenset[str]] = MappingProxyType(parsed.edges)
        self.terminal: frozenset[str] = frozenset(s for s, ts in parsed.edges.items() if not ts)
        self.reopen: frozenset[EdgeKey] = parsed.reopen
        rules: dict[EdgeKey, _EdgeRule] = {}
        for source, targets in parsed.edges.items():
            for target in targets:
                keys = ((source, target), (ANY, target), (source, ANY), (ANY, ANY))
                allowed = next((parsed.roles[k] for k in keys if k in parsed.roles), STAFF)
                edge_checks = tuple(c for k in keys for c in parsed.checks.get(k, ()))
                rules[source, target] = _EdgeRule(allowed, edge_checks)
        self._rules: dict[EdgeKey, _EdgeRule] = rules  # private: a plain dict reads fastest

    @classmethod
    def default(
        cls,
        *,
        roles: Mapping[EdgeKey, Iterable[Role | str]] | None = None,
        checks: Mapping[EdgeKey, Mapping[str, Check]] | None = None,
    ) -> Workflow:
        """Return the default lifecycle (:data:`TICKET_EDGES`), optionally with rules.

        Its reopen edge is ``resolved -> in_progress``. Without ``roles``, agents, supervisors
        and system actors take every edge, and customers and AI actors none (see
        :data:`STAFF`).
        """
        return cls(
            statuses=list(TicketStatus),
            edges=cast("Mapping[str, frozenset[str]]", TICKET_EDGES),
            initial=[TicketStatus.NEW],
            roles=roles,
            checks=checks,
            reopen=_DEFAULT_REOPEN,
            name="ticketflow-default",
        )

    @property
    def edges(self) -> Mapping[str, frozenset[str]]:
        """The edge table, read-only: every status maps to its allowed targets."""
        return self._edges

    def can(self, source: str, target: str) -> bool:
        """Return whether ``source -> target`` is an edge."""
        if not _hashable(source, target):
            return False
        targets = self._edges.get(source)
        return targets is not None and target in targets

    def allowed_roles(self, source: str, target: str) -> frozenset[Role]:
        """Return the roles that may take ``source -> target``.

        Raises:
            InvalidTransitionError: It is not an edge.
        """
        rule = self._rules.get((source, target)) if _hashable(source, target) else None
        if rule is None:
            raise InvalidTransitionError("-", source, target)
        return rule.roles

    def create(
        self,
        draft: NewTicket,
        *,
        id: str,  # noqa: A002 - mirrors Ticket.id
        number: int,
        actor: Actor,
        at: datetime,
    ) -> tuple[Ticket, TicketCreated]:
        """Return the new ticket and its creation event.

        Raises:
            InvalidValueError: ``draft.status`` is not an initial status of this workflow.
            NaiveDatetimeError: ``at`` is naive.
        """
        if type(draft) is not NewTicket:
            raise InvalidValueError("draft", draft, "must be a NewTicket")
        if type(actor) is not Actor:
            raise InvalidValueError("actor", actor, "must be an Actor")
        status = self.initial[0] if draft.status is None else as_status(draft.status)
        if status not in self.initial:
            raise InvalidValueError(
                "status", draft.status, f"a ticket is created in one of {', '.join(self.initial)}"
            )
        ticket = draft.to_ticket(id=id, number=number, status=status, at=check_instant("at", at))
        event = TicketCreated(
            ticket_id=id, version=1, at=ticket.created_at, actor=actor, ticket=ticket
        )
        return ticket, event

    def transition(
        self,
        ticket: Ticket,
        to: str,
        *,
        actor: Actor,
        at: datetime,
        reason: str | None = None,
    ) -> tuple[Ticket, TicketTransitioned]:
        """Move ``ticket`` to ``to`` if the edge exists and its role rule and checks allow it.

        Returns:
            The new ticket and the event that records the move.

        Raises:
            InvalidTransitionError: Not an edge of this workflow.
            PermissionDeniedError: The actor's role may not take this edge.
            CheckFailedError: One or more checks failed; all failures are listed.
            InvalidValueError: ``ticket``, ``actor``, ``at`` or ``reason`` is not of its kind,
                or a check returned something other than a :class:`CheckResult`.
            NaiveDatetimeError: ``at`` is naive.
        """
        return _guard(ticket, to, actor, at, reason, self._rules, self.reopen)

    def to_mermaid(self) -> str:
        """Return the workflow as a Mermaid ``stateDiagram-v2``."""
        lines = ["stateDiagram-v2"]
        lines.extend(f"    [*] --> {s}" for s in self.initial)
        for source in self.statuses:
            for target in sorted(self._edges[source], key=self.statuses.index):
                rule = self._rules[source, target]
                labels = []
                if rule.roles != STAFF:
                    labels.append(", ".join(sorted(rule.roles)))
                labels.extend(name for name, _ in rule.checks)
                suffix = f" : {'; '.join(labels)}" if labels else ""
                lines.append(f"    {source} --> {target}{suffix}")
        lines.extend(f"    {s} --> [*]" for s in self.statuses if s in self.terminal)
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"Workflow(name={self.name!r}, statuses={list(self.statuses)!r})"


_new = object.__new__


def _hashable(*values: object) -> bool:
    return all(isinstance(value, str) for value in values)


DEFAULT_WORKFLOW: Final = Workflow.default()
"""The default lifecycle: staff take every edge, customers and AI actors none; no checks."""
