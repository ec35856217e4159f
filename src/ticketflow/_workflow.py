"""Lifecycles as explicit edge tables, and the guard that enforces them."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Final, TypeAlias, cast

import attrs

from ._actors import Actor, Role
from ._events import TicketCreated, TicketTransitioned, fast_transitioned
from ._journal import apply_transition
from ._status import TICKET_EDGES, TicketStatus, as_status
from ._ticket import NewTicket, Ticket, to_utc
from .exceptions import (
    CheckFailedError,
    CheckFailure,
    InvalidTransitionError,
    InvalidValueError,
    PermissionDeniedError,
    WorkflowDefinitionError,
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

ANY: Final = "*"
"""The wildcard in role and check keys: ``("*", "closed")`` is every edge into ``closed``."""

_ALL_ROLES: Final = frozenset(Role)


@attrs.frozen
class CheckResult:
    """What a check says: passed, or failed with a reason."""

    passed: bool
    reason: str = ""

    @classmethod
    def ok(cls) -> CheckResult:
        """Return a passing result."""
        return _PASSED

    @classmethod
    def fail(cls, reason: str) -> CheckResult:
        """Return a failing result with the reason shown to the caller."""
        return cls(passed=False, reason=reason)


_PASSED: Final = CheckResult(passed=True)


@attrs.frozen(kw_only=True, slots=False)
class Move:
    """A requested status change, as a check sees it."""

    ticket: Ticket
    source: str
    target: str
    actor: Actor
    at: datetime
    reason: str | None


Check: TypeAlias = Callable[[Move], CheckResult]
"""A named precondition of an edge: a pure function of the requested move."""

EdgeKey: TypeAlias = tuple[str, str]


@attrs.frozen
class _EdgeRule:
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
        NaiveDatetimeError: ``at`` is naive.
    """
    source = ticket.status
    targets = _EDGE_TABLE.get(source)
    if targets is None or to not in targets:
        raise InvalidTransitionError(ticket.id, source, to)
    event = fast_transitioned(
        ticket.id,
        ticket.version + 1,
        at if at.tzinfo is UTC else to_utc(at, "at"),
        actor,
        source,
        to if type(to) is TicketStatus else as_status(to),
        reason,
    )
    return apply_transition(ticket, event), event


# A plain dict: the guard's lookup is the hot path, and the public table is a read-only proxy.
_EDGE_TABLE: Final[dict[str, frozenset[str]]] = {
    source: frozenset(targets) for source, targets in TICKET_EDGES.items()
}


class Workflow:
    """A lifecycle: statuses, the edges between them, who may take each edge and its checks.

    Roles per edge are matched as Request Tracker does, most specific first: the exact edge
    ``(source, target)``, then ``("*", target)``, then ``(source, "*")``, then ``("*", "*")``;
    where no rule matches, every role may take the edge. Checks of every matching key apply,
    in that order.

    Args:
        statuses: Every status, in display order.
        edges: ``source -> targets``; a status missing here has no outgoing edge.
        initial: The statuses a ticket may be created in; the first is the default.
        roles: Roles allowed per edge key.
        checks: Named checks per edge key.
        name: A label for messages and diagrams.

    Raises:
        WorkflowDefinitionError: Lists every problem: unknown statuses, statuses unreachable
            from an initial status, no terminal status, statuses with no way to a terminal
            status, rules for pairs that are not edges, unknown roles.

    .. versionadded:: 0.1
    """

    __slots__ = ("_edges", "_rules", "initial", "name", "statuses", "terminal")

    def __init__(  # noqa: C901, PLR0912 - validation lists every problem in one pass
        self,
        *,
        statuses: Iterable[str],
        edges: Mapping[str, Iterable[str]],
        initial: Iterable[str],
        roles: Mapping[EdgeKey, Iterable[Role | str]] | None = None,
        checks: Mapping[EdgeKey, Mapping[str, Check]] | None = None,
        name: str = "workflow",
    ) -> None:
        self.name = name
        self.statuses: tuple[str, ...] = tuple(dict.fromkeys(as_status(s) for s in statuses))
        known = frozenset(self.statuses)
        problems: list[str] = []
        table: dict[str, frozenset[str]] = {}
        for source, targets in edges.items():
            table[as_status(source)] = frozenset(as_status(t) for t in targets)
        unknown = sorted(
            ({s for s in table if s not in known} | {t for ts in table.values() for t in ts})
            - known
        )
        if unknown:
            problems.append(f"edges name unknown statuses: {', '.join(unknown)}")
        self.initial: tuple[str, ...] = tuple(dict.fromkeys(as_status(s) for s in initial))
        if not self.initial:
            problems.append("no initial status")
        bad_initial = [s for s in self.initial if s not in known]
        if bad_initial:
            problems.append(f"unknown initial statuses: {', '.join(bad_initial)}")
        self._edges: Mapping[str, frozenset[str]] = MappingProxyType(
            {s: table.get(s, frozenset()) & known for s in self.statuses}
        )
        self.terminal: frozenset[str] = frozenset(s for s, ts in self._edges.items() if not ts)
        reachable = _closure(self.initial, self._edges)
        unreachable = [s for s in self.statuses if s not in reachable]
        if unreachable and self.initial:
            problems.append(
                f"unreachable from the initial statuses ({', '.join(self.initial)}):"
                f" {', '.join(unreachable)}"
            )
        if not self.terminal:
            problems.append("no terminal status: every status has an outgoing edge")
        else:
            reverse: dict[str, set[str]] = {s: set() for s in self.statuses}
            for source, targets in self._edges.items():
                for target in targets:
                    reverse[target].add(source)
            finishing = _closure(self.terminal, reverse)
            stuck = [s for s in self.statuses if s not in finishing]
            if stuck:
                problems.append(f"no way to a terminal status from: {', '.join(stuck)}")
        role_rules: dict[EdgeKey, frozenset[Role]] = {}
        for key, allowed in (roles or {}).items():
            problems.extend(self._key_problems("roles", key, known))
            parsed: set[Role] = set()
            for role in allowed:
                try:
                    parsed.add(Role(role))
                except ValueError:
                    problems.append(f"roles[{key!r}]: unknown role {role!r}")
            role_rules[_norm(key)] = frozenset(parsed)
        check_rules: dict[EdgeKey, tuple[tuple[str, Check], ...]] = {}
        for key, named in (checks or {}).items():
            problems.extend(self._key_problems("checks", key, known))
            check_rules[_norm(key)] = tuple(named.items())
        if problems:
            raise WorkflowDefinitionError(problems)
        rules: dict[EdgeKey, _EdgeRule] = {}
        for source, targets in self._edges.items():
            for target in targets:
                keys = ((source, target), (ANY, target), (source, ANY), (ANY, ANY))
                allowed_roles = next((role_rules[k] for k in keys if k in role_rules), _ALL_ROLES)
                edge_checks = tuple(c for k in keys for c in check_rules.get(k, ()))
                rules[source, target] = _EdgeRule(allowed_roles, edge_checks)
        self._rules: dict[EdgeKey, _EdgeRule] = rules  # private: a plain dict reads fastest

    def _key_problems(self, what: str, key: EdgeKey, known: frozenset[str]) -> list[str]:
        source, target = _norm(key)
        names = [s for s in (source, target) if s != ANY and s not in known]
        if names:
            return [f"{what}[{key!r}] names unknown statuses: {', '.join(names)}"]
        if ANY not in (source, target) and target not in self._edges.get(source, frozenset()):
            return [f"{what}[{key!r}]: {source} -> {target} is not an edge"]
        return []

    @classmethod
    def default(
        cls,
        *,
        roles: Mapping[EdgeKey, Iterable[Role | str]] | None = None,
        checks: Mapping[EdgeKey, Mapping[str, Check]] | None = None,
    ) -> Workflow:
        """Return the default lifecycle (:data:`TICKET_EDGES`), optionally with rules."""
        return cls(
            statuses=list(TicketStatus),
            edges=cast("Mapping[str, frozenset[str]]", TICKET_EDGES),
            initial=[TicketStatus.NEW],
            roles=roles,
            checks=checks,
            name="ticketflow-default",
        )

    @property
    def edges(self) -> Mapping[str, frozenset[str]]:
        """The edge table, read-only: every status maps to its allowed targets."""
        return self._edges

    def can(self, source: str, target: str) -> bool:
        """Return whether ``source -> target`` is an edge."""
        targets = self._edges.get(source)
        return targets is not None and target in targets

    def allowed_roles(self, source: str, target: str) -> frozenset[Role]:
        """Return the roles that may take ``source -> target``.

        Raises:
            InvalidTransitionError: It is not an edge.
        """
        rule = self._rules.get((source, target))
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
        status = self.initial[0] if draft.status is None else as_status(draft.status)
        if status not in self.initial:
            raise InvalidValueError(
                "status", draft.status, f"a ticket is created in one of {', '.join(self.initial)}"
            )
        ticket = draft.to_ticket(id=id, number=number, status=status, at=to_utc(at, "at"))
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
            NaiveDatetimeError: ``at`` is naive.
        """
        source = ticket.status
        rule = self._rules.get((source, to))
        if rule is None:
            raise InvalidTransitionError(ticket.id, source, to)
        if actor.role not in rule.roles:
            raise PermissionDeniedError(ticket.id, source, to, actor.role, rule.roles)
        if at.tzinfo is not UTC:
            at = to_utc(at, "at")
        if rule.checks:
            # Built by filling its dictionary: a check runs on every guarded command.
            move = _new(Move)
            move.__dict__.update(
                ticket=ticket, source=source, target=to, actor=actor, at=at, reason=reason
            )
            failures = [
                CheckFailure(name, result.reason)
                for name, check in rule.checks
                if not (result := check(move)).passed
            ]
            if failures:
                raise CheckFailedError(ticket.id, source, to, failures)
        event = fast_transitioned(
            ticket.id,
            ticket.version + 1,
            at,
            actor,
            source,
            to if type(to) is TicketStatus else as_status(to),
            reason,
        )
        return apply_transition(ticket, event), event

    def to_mermaid(self) -> str:
        """Return the workflow as a Mermaid ``stateDiagram-v2``."""
        lines = ["stateDiagram-v2"]
        lines.extend(f"    [*] --> {s}" for s in self.initial)
        for source in self.statuses:
            for target in sorted(self._edges[source], key=self.statuses.index):
                rule = self._rules[source, target]
                labels = []
                if rule.roles != _ALL_ROLES:
                    labels.append(", ".join(sorted(rule.roles)))
                labels.extend(name for name, _ in rule.checks)
                suffix = f" : {'; '.join(labels)}" if labels else ""
                lines.append(f"    {source} --> {target}{suffix}")
        lines.extend(f"    {s} --> [*]" for s in self.statuses if s in self.terminal)
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"Workflow(name={self.name!r}, statuses={list(self.statuses)!r})"


_new = object.__new__


def _norm(key: EdgeKey) -> EdgeKey:
    source, target = key
    return as_status(source), as_status(target)


def _closure(start: Iterable[str], graph: Mapping[str, Iterable[str]]) -> set[str]:
    seen = set(start)
    queue = deque(seen)
    while queue:
        for nxt in graph.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


DEFAULT_WORKFLOW: Final = Workflow.default()
"""The default lifecycle with no role rules and no checks."""
