"""The built-in routers: rules to a queue, and three ways to pick an agent in it, chained.

Every router that picks an agent picks only among :func:`unfit`'s fitting agents; when none
fits, it answers the queue with no assignee and says why, counting what kept each agent out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs

from .._fields import FieldValue
from .._ticket import Ticket
from .._values import check_name, check_optional_name, validator
from ..exceptions import InvalidValueError
from ._category import check_code
from ._category_rule import field_conditions
from ._routing import Agent, Needs, RoundRobinCursor, RouteContext, RouteDecision, Router, unfit
from ._taxonomy import Taxonomy
from ._words import field_values, items_of

__all__ = [
    "RouteRule",
    "chain_router",
    "least_loaded_router",
    "round_robin_router",
    "rule_router",
    "skills_router",
]


def _codes(value: object) -> frozenset[str]:
    return frozenset(
        check_code(f"categories[{i}]", code) for i, code in enumerate(items_of("categories", value))
    )


def _fields(value: object) -> Mapping[str, frozenset[FieldValue]]:
    if not isinstance(value, Mapping):
        raise InvalidValueError("fields", value, "must map field names to accepted values")
    return {
        check_name("fields", name): field_values(f"fields[{name!r}]", accepted)
        for name, accepted in value.items()
    }


def _no_fields() -> Any:  # noqa: ANN401 - an attrs default
    return attrs.Factory(dict)


@attrs.frozen(kw_only=True)
class RouteRule:
    """Tickets of these categories, with these fields, go to ``queue``.

    Attributes:
        name: Names the rule in decisions.
        queue: Where matching tickets go.
        categories: The ticket's category is one of these or lies below one (empty: any).
        fields: Each named field holds one of its accepted values, of the same type.

    .. versionadded:: 0.2
    """

    name: str = attrs.field(validator=validator(check_name, "name"))
    queue: str = attrs.field(validator=validator(check_name, "queue"))
    categories: frozenset[str] = attrs.field(default=frozenset(), converter=_codes)
    fields: Mapping[str, frozenset[FieldValue]] = attrs.field(
        default=_no_fields(), converter=_fields
    )


@attrs.frozen
class _Rule:
    rule: RouteRule
    fields: tuple[tuple[str, frozenset[tuple[type, FieldValue]]], ...]


@attrs.frozen(repr=False)
class _RuleRouter:
    rules: tuple[_Rule, ...]
    default_queue: str | None
    taxonomy: Taxonomy | None

    def route(self, ticket: Ticket, context: RouteContext) -> RouteDecision:
        lineage = self._lineage(ticket.category)
        for compiled in self.rules:
            rule = compiled.rule
            if rule.categories and rule.categories.isdisjoint(lineage):
                continue
            if all(
                (value := ticket.fields.get(name)) is not None and (type(value), value) in accepted
                for name, accepted in compiled.fields
            ):
                return _decision(rule.queue, None, f"rule {rule.name} sends it to {rule.queue}")
        if self.default_queue is not None:
            return _decision(self.default_queue, None, "no rule matched: the default queue")
        queue = context.queue or ticket.queue
        return _decision(queue, None, "no rule matched: the queue stays")

    def _lineage(self, category: str | None) -> frozenset[str]:
        if category is None:
            return frozenset()
        if self.taxonomy is not None and category in self.taxonomy:
            return frozenset((category, *self.taxonomy.ancestors(category)))
        parts = category.split("/")
        return frozenset("/".join(parts[: n + 1]) for n in range(len(parts)))

    def __repr__(self) -> str:
        return f"rule_router({len(self.rules)} rules, default_queue={self.default_queue!r})"


def rule_router(
    rules: Iterable[RouteRule],
    *,
    default_queue: str | None = None,
    taxonomy: Taxonomy | None = None,
) -> Router:
    """Return a router that sends a ticket to the queue of the first rule it matches.

    It names no agent. Without a match the ticket goes to ``default_queue``, or stays where it
    is. A category lies below another by its path (``delivery/late`` below ``delivery``), and
    by the taxonomy's parents when one is given.

    Raises:
        InvalidValueError: A rule is not a :class:`RouteRule`, or names repeat.
        UnknownCategoryError: With a ``taxonomy``, a rule names a category it does not know
            (a retired code is accepted as its successor is not: name the current one).

    .. versionadded:: 0.2
    """
    listed = items_of("rules", rules)
    seen: set[str] = set()
    compiled = []
    if taxonomy is not None and type(taxonomy) is not Taxonomy:
        raise InvalidValueError("taxonomy", taxonomy, "must be a Taxonomy or None")
    for index, rule in enumerate(listed):
        if type(rule) is not RouteRule:
            raise InvalidValueError(f"rules[{index}]", rule, "must be a RouteRule")
        if rule.name in seen:
            raise InvalidValueError(f"rules[{index}]", rule.name, "a rule name is used twice")
        seen.add(rule.name)
        if taxonomy is not None:
            for code in sorted(rule.categories):
                taxonomy.get(code)
        compiled.append(_Rule(rule, field_conditions(rule.fields)))
    return _RuleRouter(
        tuple(compiled), check_optional_name("default_queue", default_queue), taxonomy
    )


_LONGEST_REASON: Final = 4096


def _decision(queue: str | None, assignee: str | None, reason: str) -> RouteDecision:
    # Reasons are joined along a chain and list what a ticket needs: keep them a line long.
    if len(reason) > _LONGEST_REASON:
        reason = reason[: _LONGEST_REASON - 3] + "..."
    return RouteDecision(queue, assignee, reason)


def _fitting(
    ticket: Ticket, context: RouteContext, needs: Needs
) -> tuple[str | None, list[Agent], str]:
    """Return the queue, its fitting agents, and why none fits (when none does)."""
    queue = context.queue or ticket.queue
    if queue is None:
        return None, [], "no queue to pick an agent in"
    skills, language = needs.of(ticket)
    agents = context.agents_in(queue)
    fit = [agent for agent in agents if unfit(agent, skills, language, context) is None]
    if fit:
        return queue, fit, ""
    if not agents:
        return queue, [], f"queue {queue} has no agents: it waits unassigned"
    counts = Counter(unfit(agent, skills, language, context) for agent in agents)
    why = ", ".join(f"{count} {reason}" for reason, count in sorted(counts.items()))
    needed = ""
    if skills or language:
        needed = f" (needs {', '.join(sorted(skills))}{', ' if skills and language else ''}"
        needed += f"{language})" if language else ")"
    return queue, [], f"no agent of {len(agents)} in {queue} fits{needed}: {why}; it waits"


def _needs(value: object) -> Needs:
    if not isinstance(value, Needs):
        raise InvalidValueError("needs", value, "must be a Needs")
    return value


@attrs.frozen(repr=False)
class _RoundRobin:
    cursor: RoundRobinCursor
    needs: Needs

    def route(self, ticket: Ticket, context: RouteContext) -> RouteDecision:
        queue, fit, why = _fitting(ticket, context, self.needs)
        if queue is None or not fit:
            return _decision(queue, None, why)
        ids = [agent.id for agent in fit]
        chosen = self.cursor.next(queue, ids)
        if chosen not in ids:  # the cursor answers across a boundary
            raise InvalidValueError("cursor.next()", chosen, "must be one of the eligible ids")
        return _decision(queue, chosen, f"round robin in {queue}: {chosen} of {len(ids)}")

    def __repr__(self) -> str:
        return f"round_robin_router({self.cursor!r})"


def round_robin_router(cursor: RoundRobinCursor, *, needs: Needs | None = None) -> Router:
    """Return a router that takes turns among the fitting agents of the ticket's queue.

    Args:
        cursor: Remembers the last pick per queue (:class:`InMemoryRoundRobinCursor`, or one
            kept in a store so that several processes share the rotation).
        needs: Where the ticket states the skills and language it needs.

    Raises:
        InvalidValueError: ``cursor`` has no ``next`` method, or ``needs`` is no Needs. At
            decision time, a cursor that answers an id it was not offered.

    .. versionadded:: 0.2
    """
    if not callable(getattr(cursor, "next", None)):
        raise InvalidValueError("cursor", cursor, "must have a next(queue, eligible) method")
    return _RoundRobin(cursor, _needs(Needs() if needs is None else needs))


@attrs.frozen(repr=False)
class _LeastLoaded:
    needs: Needs

    def route(self, ticket: Ticket, context: RouteContext) -> RouteDecision:
        queue, fit, why = _fitting(ticket, context, self.needs)
        if queue is None or not fit:
            return _decision(queue, None, why)
        chosen = min(fit, key=lambda agent: (context.load(agent.id), agent.id))
        load = context.load(chosen.id)
        reason = f"least loaded in {queue}: {chosen.id} ({load} open of {chosen.capacity})"
        return _decision(queue, chosen.id, reason)

    def __repr__(self) -> str:
        return "least_loaded_router()"


def least_loaded_router(*, needs: Needs | None = None) -> Router:
    """Return a router that picks the fitting agent with the fewest open tickets (then by id).

    Raises:
        InvalidValueError: ``needs`` is no Needs.

    .. versionadded:: 0.2
    """
    return _LeastLoaded(_needs(Needs() if needs is None else needs))


@attrs.frozen(repr=False)
class _SkillsRouter:
    needs: Needs

    def route(self, ticket: Ticket, context: RouteContext) -> RouteDecision:
        queue, fit, why = _fitting(ticket, context, self.needs)
        if queue is None or not fit:
            return _decision(queue, None, why)
        skills, language = self.needs.of(ticket)
        chosen = min(
            fit, key=lambda agent: (len(agent.skills - skills), context.load(agent.id), agent.id)
        )
        wanted = ", ".join(sorted(skills)) or "no particular skill"
        if language:
            wanted += f", language {language}"
        return _decision(queue, chosen.id, f"best skill fit in {queue} for {wanted}: {chosen.id}")

    def __repr__(self) -> str:
        return "skills_router()"


def skills_router(*, needs: Needs | None = None) -> Router:
    """Return a router that picks the fitting agent whose skills fit the ticket most closely.

    Every fitting agent has all the skills and the language the ticket needs; among them the
    one with the fewest other skills wins (keep generalists free), then the least loaded,
    then by id.

    Raises:
        InvalidValueError: ``needs`` is no Needs.

    .. versionadded:: 0.2
    """
    return _SkillsRouter(_needs(Needs() if needs is None else needs))


@attrs.frozen(repr=False)
class _Chain:
    routers: tuple[Router, ...]
    needs: Needs

    def route(self, ticket: Ticket, context: RouteContext) -> RouteDecision:
        reasons = []
        for index, router in enumerate(self.routers):
            decision = router.route(ticket, context)
            if type(decision) is not RouteDecision:
                problem = "a router returns a RouteDecision"
                raise InvalidValueError(f"routers[{index}]", decision, problem)
            reasons.append(decision.reason)
            context = context.in_queue(decision.queue or context.queue)
            if decision.assignee is not None:
                self._check(index, decision, ticket, context)
                return _decision(decision.queue, decision.assignee, "; ".join(reasons))
        queue = context.queue or ticket.queue
        return _decision(queue, None, "; ".join(reasons))

    def _check(
        self, index: int, decision: RouteDecision, ticket: Ticket, context: RouteContext
    ) -> None:
        # A host's router answers across a boundary: it may not name an agent who cannot
        # take the ticket now.
        skills, language = self.needs.of(ticket)
        queue = decision.queue
        agent = next((a for a in context.agents_in(queue or "") if a.id == decision.assignee), None)
        why = (
            "is not an agent of the queue"
            if agent is None
            else unfit(agent, skills, language, context)
        )
        if why is not None:
            raise InvalidValueError(
                f"routers[{index}]", decision.assignee, f"may not take it: {why}"
            )

    def __repr__(self) -> str:
        return f"chain_router({', '.join(map(repr, self.routers))})"


def chain_router(routers: Iterable[Router], *, needs: Needs | None = None) -> Router:
    """Return a router that asks ``routers`` in turn until one names an agent.

    Each router sees the queue the ones before it chose (a rule router first, then pickers
    as fallbacks: skills, then least loaded). The answer is the first agent named, in the
    queue last chosen, with every reason given so far; when none names one, the queue with
    no assignee and all the reasons.

    Raises:
        InvalidValueError: A router has no ``route`` method, or there is none. At decision
            time, a router that answers no :class:`RouteDecision`, or names an agent who may
            not take the ticket now (checked with ``needs``).

    .. versionadded:: 0.2
    """
    listed = items_of("routers", routers)
    if not listed:
        raise InvalidValueError("routers", routers, "a chain needs at least one router")
    for index, router in enumerate(listed):
        if not callable(getattr(router, "route", None)):
            raise InvalidValueError(f"routers[{index}]", router, "has no route() method")
    return _Chain(tuple(listed), _needs(Needs() if needs is None else needs))  # type: ignore[arg-type]
