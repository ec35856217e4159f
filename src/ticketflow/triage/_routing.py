"""Routing values: agents, what a routing decision may look at, the decision, the protocols.

Who may be given a ticket is decided in one place, :func:`unfit`, for every built-in router:
an agent of the queue who is available, under capacity, on shift at the decision instant (if
they have working hours), and has every skill and the language the ticket needs.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Protocol, cast, runtime_checkable

import attrs

from .._fields import Fields
from .._ticket import Ticket
from .._values import (
    check_bool,
    check_instant,
    check_int,
    check_name,
    check_optional_name,
    validator,
)
from ..exceptions import InvalidValueError
from ..sla._calendar import BusinessCalendar
from ..storage._rotation import next_in_turn
from ._words import items_of

__all__ = [
    "MAX_CAPACITY",
    "Agent",
    "InMemoryRoundRobinCursor",
    "Needs",
    "RoundRobinCursor",
    "RouteContext",
    "RouteDecision",
    "Router",
    "unfit",
]

MAX_CAPACITY: Final = 1_000_000


def _names(field: str, value: object) -> frozenset[str]:
    return frozenset(check_name(f"{field}[{i}]", v) for i, v in enumerate(items_of(field, value)))


def _queues(value: object) -> frozenset[str]:
    return _names("queues", value)


def _skills(value: object) -> frozenset[str]:
    return _names("skills", value)


def _languages(value: object) -> frozenset[str]:
    return frozenset(name.casefold() for name in _names("languages", value))


def _hours(_: object, __: object, value: BusinessCalendar | None) -> None:
    if value is not None and type(value) is not BusinessCalendar:
        raise InvalidValueError("hours", value, "must be a BusinessCalendar or None")


@attrs.frozen(kw_only=True)
class Agent:
    """Someone who can be given tickets.

    Attributes:
        id: The agent's id, as a ticket's assignee.
        queues: The queues they work.
        skills: What they can do (``sap``, ``german-law``); compared exactly.
        languages: Languages they work in (``de``, ``en-GB``); compared case-insensitively
            and stored case-folded.
        capacity: How many open tickets they may hold at most (0: none for now).
        available: Whether they take new tickets at all (on leave: ``False``).
        hours: Their working hours; outside them they get no new ticket. ``None``: any time.

    .. versionadded:: 0.2
    """

    id: str = attrs.field(validator=validator(check_name, "id"))
    queues: frozenset[str] = attrs.field(converter=_queues)
    skills: frozenset[str] = attrs.field(default=frozenset(), converter=_skills)
    languages: frozenset[str] = attrs.field(default=frozenset(), converter=_languages)
    capacity: int = attrs.field(
        default=10, validator=validator(check_int, "capacity", minimum=0, maximum=MAX_CAPACITY)
    )
    available: bool = attrs.field(default=True, validator=validator(check_bool, "available"))
    hours: BusinessCalendar | None = attrs.field(default=None, validator=_hours)


def _at(value: datetime) -> datetime:
    return check_instant("at", value)


def _agents(value: object) -> tuple[Agent, ...]:
    agents = items_of("agents", value)
    seen: set[str] = set()
    for index, agent in enumerate(agents):
        if type(agent) is not Agent:
            raise InvalidValueError(f"agents[{index}]", agent, "must be an Agent")
        if agent.id in seen:
            raise InvalidValueError(f"agents[{index}]", agent.id, "an agent is listed twice")
        seen.add(agent.id)
    checked = cast("list[Agent]", agents)
    return tuple(sorted(checked, key=lambda agent: agent.id))


def _loads(value: object) -> Mapping[str, int]:
    if not isinstance(value, Mapping):
        raise InvalidValueError("loads", value, "must map agent ids to open-ticket counts")
    return {
        check_name("loads", agent): check_int(f"loads[{agent!r}]", load, minimum=0)
        for agent, load in value.items()
    }


def _no_loads() -> Any:  # noqa: ANN401 - an attrs default
    return attrs.Factory(dict)


@attrs.frozen(kw_only=True)
class RouteContext:
    """What a router may look at besides the ticket: the instant, the agents and their loads.

    Attributes:
        at: The decision instant (working hours are checked at it).
        agents: The agents (any order; ids unique); kept sorted by id.
        loads: Open tickets per agent id; an agent not listed holds none.
        queue: The queue to pick an agent in, where an earlier router chose it (a chain
            sets it); ``None``: the ticket's own queue.

    .. versionadded:: 0.2
    """

    at: datetime = attrs.field(converter=_at)
    agents: tuple[Agent, ...] = attrs.field(converter=_agents)
    loads: Mapping[str, int] = attrs.field(default=_no_loads(), converter=_loads)
    queue: str | None = attrs.field(default=None, validator=validator(check_optional_name, "queue"))
    _by_queue: dict[str, tuple[Agent, ...]] = attrs.field(
        init=False, eq=False, repr=False, factory=dict
    )

    def __attrs_post_init__(self) -> None:
        by_queue: dict[str, list[Agent]] = {}
        for agent in self.agents:
            for queue in agent.queues:
                by_queue.setdefault(queue, []).append(agent)
        self._by_queue.update((queue, tuple(agents)) for queue, agents in by_queue.items())

    def agents_in(self, queue: str) -> tuple[Agent, ...]:
        """Return the agents of ``queue``, by id."""
        return self._by_queue.get(queue, ())

    def load(self, agent_id: str) -> int:
        """Return the open tickets of ``agent_id`` (0 if not listed)."""
        return self.loads.get(agent_id, 0)

    def in_queue(self, queue: str | None) -> RouteContext:
        """Return this context with ``queue`` as the queue to pick in (shares the agents)."""
        if queue == self.queue:
            return self
        # Everything but the queue is validated already: copy it rather than check it again
        # (attrs.evolve would re-check every agent on every step of a chain).
        copy = object.__new__(RouteContext)
        for name in ("at", "agents", "loads", "_by_queue"):
            object.__setattr__(copy, name, getattr(self, name))
        object.__setattr__(copy, "queue", check_optional_name("queue", queue))
        return copy

    def at_instant(self, at: datetime) -> RouteContext:
        """Return this context at another decision instant (shares the agents and loads)."""
        instant = _at(at)
        if instant == self.at:
            return self
        copy = object.__new__(RouteContext)
        for name in ("agents", "loads", "queue", "_by_queue"):
            object.__setattr__(copy, name, getattr(self, name))
        object.__setattr__(copy, "at", instant)
        return copy


@attrs.frozen(kw_only=True)
class Needs:
    """Where a ticket states the skills and the language its assignee needs.

    Attributes:
        skills_field: A structured field listing skills, separated by commas (``None``: none).
        skill_tag_prefix: Tags with this prefix name a skill each (``skill:sap``; ``None``:
            none).
        language_field: A structured field naming the language (``None``: none).

    .. versionadded:: 0.2
    """

    skills_field: str | None = attrs.field(
        default="skills", validator=validator(check_optional_name, "skills_field")
    )
    skill_tag_prefix: str | None = attrs.field(
        default="skill:", validator=validator(check_optional_name, "skill_tag_prefix")
    )
    language_field: str | None = attrs.field(
        default="language", validator=validator(check_optional_name, "language_field")
    )

    def of(self, ticket: Ticket) -> tuple[frozenset[str], str | None]:
        """Return the skills and the language (case-folded) ``ticket`` needs."""
        fields: Fields = ticket.fields
        skills: set[str] = set()
        if self.skills_field is not None and self.skills_field in fields:
            listed = str(fields[self.skills_field]).split(",")
            skills.update(skill.strip() for skill in listed if skill.strip())
        prefix = self.skill_tag_prefix
        if prefix is not None and ticket.tags:
            skills.update(
                t[len(prefix) :] for t in ticket.tags if t.startswith(prefix) and t != prefix
            )
        language = None
        if self.language_field is not None and self.language_field in fields:
            language = str(fields[self.language_field]).strip().casefold() or None
        return frozenset(skills), language


def unfit(
    agent: Agent, skills: frozenset[str], language: str | None, context: RouteContext
) -> str | None:
    """Return why ``agent`` may not be given the ticket now, or ``None`` if they may."""
    if not agent.available:
        return "unavailable"
    if context.load(agent.id) >= agent.capacity:
        return "at capacity"
    if not skills <= agent.skills:
        return "lacks skills"
    if language is not None and language not in agent.languages:
        return "lacks the language"
    if agent.hours is not None and not agent.hours.is_open(context.at):
        return "off shift"
    return None


@attrs.frozen
class RouteDecision:
    """Where a ticket goes: a queue, an agent or none, and why.

    Attributes:
        queue: The queue (``None``: none decided).
        assignee: The agent's id, or ``None`` when nobody fits (the ticket waits in its
            queue); a built-in router never names an agent who is unavailable, at capacity,
            off shift or lacks a skill or the language the ticket needs.
        reason: The explanation, for people.

    .. versionadded:: 0.2
    """

    queue: str | None = attrs.field(validator=validator(check_optional_name, "queue"))
    assignee: str | None = attrs.field(validator=validator(check_optional_name, "assignee"))
    reason: str = attrs.field(validator=validator(check_name, "reason", max_length=4096))


@runtime_checkable
class Router(Protocol):
    """Decides the queue and the agent of a ticket (the triage routing strategy)."""

    def route(self, ticket: Ticket, context: RouteContext) -> RouteDecision:
        """Return where ``ticket`` goes; an agent only if they may take it now."""
        ...


@runtime_checkable
class RoundRobinCursor(Protocol):
    """Remembers, per queue, whom round robin picked last.

    ``next`` must be atomic per queue: read the last pick, choose, and record the choice as
    one step, so that concurrent callers (threads, or processes sharing a store) never pick
    from the same last pick. Storing the last agent's id (not a counter) keeps rotation fair
    when agents come and go.
    """

    def next(self, queue: str, eligible: Sequence[str]) -> str:
        """Return the first id in ``eligible`` (sorted, not empty) after the queue's last pick.

        Wraps around to the first id; records the answer as the queue's last pick.
        """
        ...


class InMemoryRoundRobinCursor:
    """A :class:`RoundRobinCursor` in this process's memory; safe to share between threads.

    Fair within one process; a store-backed cursor keeps the rotation across processes.

    .. versionadded:: 0.2
    """

    def __init__(self) -> None:
        self._last: dict[str, str] = {}
        self._lock = threading.Lock()

    def next(self, queue: str, eligible: Sequence[str]) -> str:
        """Return the next id in ``eligible`` after the queue's last pick, and record it.

        Raises:
            InvalidValueError: ``queue`` is not a name, or ``eligible`` is empty or not a
                sorted sequence of ids.
        """
        check_name("queue", queue)
        ids = _sorted_ids(eligible)
        with self._lock:
            chosen = next_in_turn(self._last.get(queue), ids)
            self._last[queue] = chosen
        return chosen

    def last(self, queue: str) -> str | None:
        """Return the queue's last pick, or ``None`` before the first."""
        with self._lock:
            return self._last.get(queue)

    def __repr__(self) -> str:
        return f"InMemoryRoundRobinCursor({len(self._last)} queues)"


def _sorted_ids(eligible: object) -> list[str]:
    if isinstance(eligible, str) or not isinstance(eligible, Sequence):
        raise InvalidValueError("eligible", eligible, "must be a sorted sequence of agent ids")
    ids = [check_name(f"eligible[{i}]", agent) for i, agent in enumerate(eligible)]
    if not ids or any(a >= b for a, b in itertools.pairwise(ids)):
        raise InvalidValueError("eligible", eligible, "must be agent ids, sorted and distinct")
    return ids
