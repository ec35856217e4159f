"""What if: re-decide triaged tickets under proposed strategies and count what would change.

:func:`replay_triage` reads journals, never a store: each ticket is rebuilt as it stood just
before its first triage, decided again with the proposed categorizer, priority policy and
router, and compared with what triage decided then. Nothing is written anywhere. The answer,
:class:`TriageReplay`, counts the changes in total, per original category and per original
queue, and lists them ticket by ticket, a page at a time.

Where the first triage ends is read from the journal: a triage commits its events in one
change, so they share an instant and an actor; the run ends with the route's explanation (and
the move to ``triaged`` after it) or with the move to ``triaged`` itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._events import (
    DecisionExplained,
    TicketAssigned,
    TicketCategorized,
    TicketCreated,
    TicketEvent,
    TicketPrioritized,
    TicketTransitioned,
)
from .._journal import apply
from .._ticket import Ticket
from .._values import (
    check_instant,
    check_int,
)
from .._workflow import DEFAULT_WORKFLOW, Workflow
from ..exceptions import InvalidValueError, JournalError
from ._categorizer import Categorizer
from ._priority import PriorityPolicy
from ._replay_report import (
    DECISIONS,
    MAX_REPLAY_PAGE,
    ReplayChange,
    ReplayTally,
    TriageReplay,
    items_of,
)
from ._routing import Agent, Router
from ._taxonomy import Taxonomy

if TYPE_CHECKING:
    from ._service import Triage

__all__ = [
    "DECISIONS",
    "MAX_REPLAY_PAGE",
    "ReplayChange",
    "ReplayTally",
    "TriageReplay",
    "replay_triage",
]

_TRIAGED: Final = "triaged"
_TRIAGE_DECISIONS: Final = frozenset({"crm", "category", "priority", "route"})


@attrs.frozen
class _Triaged:
    """One ticket's first triage, read from its journal."""

    index: int
    ticket: Ticket  # as it stood just before the first triage
    at: datetime
    decided: tuple[str | None, ...]  # category, priority, queue, assignee right after it
    overrides: Mapping[str, str | None]  # the decisions a person overrode later, last one wins


def _read(
    index: int, journal: object, terminal: frozenset[str], loads: list[tuple[datetime, int, str]]
) -> tuple[str, _Triaged | None]:
    """Check and read one journal: its ticket and first triage (``None``: never triaged).

    Adds to ``loads`` when the ticket joined or left an agent's open tickets.
    """
    field = f"journals[{index}]"
    events = items_of(field, journal)
    if not events:
        raise InvalidValueError(field, journal, "an empty journal describes no ticket")
    first = events[0]
    if type(first) is not TicketCreated:
        raise InvalidValueError(f"{field}[0]", first, "a journal starts with TicketCreated")
    ticket: Ticket | None = None
    states: list[Ticket] = []
    holder: str | None = None
    for position, event in enumerate(events):
        try:
            ticket = apply(ticket, event)  # type: ignore[arg-type]
        except InvalidValueError as error:
            raise InvalidValueError(
                f"{field}[{position}]",
                event,
                f"ticket {first.ticket_id}: {error.problem}",
            ) from None
        states.append(ticket)
        held = ticket.assignee if ticket.status not in terminal else None
        if held != holder:
            if holder is not None:
                loads.append((ticket.updated_at, -1, holder))
            if held is not None:
                loads.append((ticket.updated_at, +1, held))
            holder = held
    start = next((i for i, e in enumerate(events) if _starts_triage(e)), None)
    if start is None:
        return first.ticket_id, None
    end = _end_of_triage(events, start)
    after = states[end]
    overrides = _overrides(events[end + 1 :], states[end + 1 :])
    return first.ticket_id, _Triaged(
        index=index,
        ticket=states[start - 1],  # start > 0: the journal starts with the creation
        at=events[start].at,  # type: ignore[attr-defined]
        decided=tuple(getattr(after, name) for name in DECISIONS),
        overrides=overrides,
    )


def _overrides(events: Sequence[object], states: Sequence[Ticket]) -> dict[str, str | None]:
    """Return what a person set each decision to, by overrides among ``events`` (last wins)."""
    overrides: dict[str, str | None] = {}
    for event, state in zip(events, states, strict=True):
        if type(event) is DecisionExplained and event.overridden:
            # The override's own change comes first in its commit: the state has it.
            if event.decision in ("category", "priority"):
                overrides[event.decision] = getattr(state, event.decision)
            elif event.decision == "route":
                overrides["queue"] = state.queue
                overrides["assignee"] = state.assignee
    return overrides


def _starts_triage(event: object) -> bool:
    if type(event) is DecisionExplained:
        return event.decision in _TRIAGE_DECISIONS
    if type(event) is TicketTransitioned:
        return event.target == _TRIAGED
    return type(event) is TicketCategorized


def _end_of_triage(events: Sequence[object], start: int) -> int:
    """Return the position of the last event of the commit that began triage at ``start``.

    The triage command commits, in this order and at one instant by one actor: explanations
    of the CRM's answer and of each decision, the category, priority and assignment they
    changed, and last the move to ``triaged``. An override (explained as ``overridden``) or
    any other kind of event is a later commit.
    """
    first: Any = events[start]
    end = start
    for position in range(start, len(events)):
        event: Any = events[position]
        if event.at != first.at or event.actor != first.actor:
            break
        kind = type(event)
        if kind is TicketTransitioned:
            return position if event.target == _TRIAGED else end
        if kind is DecisionExplained:
            if event.decision not in _TRIAGE_DECISIONS or (position > start and event.overridden):
                break
        elif kind not in (TicketCategorized, TicketPrioritized, TicketAssigned):
            break
        end = position
        if kind is DecisionExplained and event.decision == "route":
            following: Any = events[position + 1] if position + 1 < len(events) else None
            if (
                type(following) is TicketTransitioned
                and following.target == _TRIAGED
                and following.at == first.at
                and following.actor == first.actor
            ):
                return position + 1
            return position
    return end


# -- deciding again -------------------------------------------------------------------------------


class _Loads:
    """The loads a decision sees: set before each ticket is decided (the replay is serial)."""

    def __init__(self) -> None:
        self.now: Mapping[str, int] = {}

    def __call__(self, roster: Sequence[Agent]) -> Mapping[str, int]:
        return {agent.id: self.now.get(agent.id, 0) for agent in roster}


def replay_triage(
    journals: Iterable[Iterable[TicketEvent]],
    *,
    categorizer: Categorizer,
    priority: PriorityPolicy,
    router: Router,
    taxonomy: Taxonomy,
    agents: Iterable[Agent] = (),
    at: datetime | None = None,
    workflow: Workflow = DEFAULT_WORKFLOW,
    limit: int = 100,
    offset: int = 0,
) -> TriageReplay:
    """Re-decide triaged tickets under proposed strategies and count what would change.

    Each ticket is rebuilt from its journal as it stood just before its first triage, decided
    again as :meth:`Triage.decide <ticketflow.triage.Triage.decide>` does, and its category,
    priority, queue and assignee compared with what the first triage left. Later overrides by
    a person (:class:`~ticketflow.DecisionExplained` with ``overridden``) are counted beside,
    with whether the proposal agrees with the person. Nothing is read from or written to a
    store. Tickets are decided in the order they were first triaged.

    A round-robin router takes a turn per ticket: give the proposal a router over a fresh
    :class:`~ticketflow.triage.InMemoryRoundRobinCursor`, never the cursor of the live
    triage (a :class:`~ticketflow.triage.StoreRoundRobinCursor` would write to its store).

    Example::

        journals = [desk.history(ticket_id) for ticket_id in triaged_ids]
        proposal = replay_triage(
            journals,
            categorizer=rule_categorizer(TAXONOMY, new_rules),
            priority=priority_policy(),
            router=rule_router(new_route_rules, default_queue="first-line"),
            taxonomy=TAXONOMY,
        )
        print(proposal.table())
        proposal.totals.queue  # tickets that would land in another queue

    Args:
        journals: Each ticket's journal, oldest event first (as :meth:`Desk.history
            <ticketflow.Desk.history>` answers).
        categorizer: The proposed categorizer.
        priority: The proposed priority policy.
        router: The proposed router.
        taxonomy: The categories the proposed categorizer answers in.
        agents: The roster the proposed router picks from.
        at: The instant every decision is taken at (working hours); ``None``: each ticket's
            first triage instant. Loads are always those at the first triage: each agent's
            open tickets among ``journals`` (assigned, not in a terminal status of
            ``workflow``) by the events before that instant.
        workflow: Whose terminal statuses end a ticket's load.
        limit: The most changes to list (0 to 10,000); the counts cover all changes.
        offset: How many changes to skip before listing (the previous page's
            :attr:`TriageReplay.next_offset`).

    Returns:
        The counts and one page of the changes.

    Raises:
        InvalidValueError: An argument is not of its kind; a journal is not a sequence of
            events starting with its ticket's creation (the field names the journal, as
            ``journals[2][5]``, and the problem the ticket).
        JournalError: An event does not follow its predecessor in its ticket's journal.
        UnknownCategoryError: The categorizer answered a code outside ``taxonomy``.

    .. versionadded:: 0.2
    """
    at = None if at is None else check_instant("at", at)
    if not isinstance(workflow, Workflow):
        raise InvalidValueError("workflow", workflow, "must be a Workflow")
    limit = check_int("limit", limit, minimum=0, maximum=MAX_REPLAY_PAGE)
    offset = check_int("offset", offset, minimum=0)
    loads = _Loads()
    triage = _blank_triage(
        categorizer=categorizer,
        priority=priority,
        router=router,
        taxonomy=taxonomy,
        agents=agents,
        loads=loads,
    )
    deltas: list[tuple[datetime, int, str]] = []
    tickets: list[_Triaged] = []
    seen: dict[str, int] = {}
    untriaged = 0
    for index, journal in enumerate(items_of("journals", journals)):
        ticket_id, read = _read(index, journal, workflow.terminal, deltas)
        if ticket_id in seen:
            raise JournalError(ticket_id, 1, f"journals[{seen[ticket_id]}] and [{index}] repeat it")
        seen[ticket_id] = index
        if read is None:
            untriaged += 1
        else:
            tickets.append(read)
    tickets.sort(key=lambda read: (read.at, read.index))
    deltas.sort(key=lambda delta: delta[0])
    held: dict[str, int] = {}
    applied = 0
    tally = _Tallies()
    page: list[ReplayChange] = []
    for read in tickets:
        while applied < len(deltas) and deltas[applied][0] < read.at:
            _, step, agent = deltas[applied]
            held[agent] = held.get(agent, 0) + step
            applied += 1
        loads.now = held
        plan = triage.decide(read.ticket, at=read.at if at is None else at)
        proposed = (
            plan.category.category,
            plan.priority.label,
            plan.route.queue,
            plan.route.assignee,
        )
        for change in tally.add(read, proposed):
            if offset <= tally.listed < offset + limit:
                page.append(change)
            tally.listed += 1
    return tally.replay(page, offset, untriaged)


def _blank_triage(
    *,
    categorizer: Categorizer,
    priority: PriorityPolicy,
    router: Router,
    taxonomy: Taxonomy,
    agents: Iterable[Agent],
    loads: _Loads,
) -> Triage:
    # The replay decides through Triage.decide, so that it decides exactly as triage does
    # (the retired-code rule, the checks on each strategy's answer). That needs a desk; this
    # one is blank, in memory, and nothing reaches it: the loads are given, nothing commits.
    from .._desk import Desk  # noqa: PLC0415 - the desk module imports storage first
    from ..storage import InMemoryTicketStore  # noqa: PLC0415
    from ._service import Triage  # noqa: PLC0415 - _service imports storage

    if isinstance(agents, Mapping) or callable(agents):
        raise InvalidValueError("agents", agents, "must be a collection of Agents")
    return Triage(
        Desk(InMemoryTicketStore()),
        categorizer=categorizer,
        priority=priority,
        router=router,
        taxonomy=taxonomy,
        agents=agents,
        loads=loads,
    )


class _Tallies:
    """Counts per original category and queue while the replay goes."""

    def __init__(self) -> None:
        self.total = _counts()
        self.by_category: dict[str | None, dict[str, int]] = {}
        self.by_queue: dict[str | None, dict[str, int]] = {}
        self.listed = 0

    def add(self, read: _Triaged, proposed: tuple[str | None, ...]) -> list[ReplayChange]:
        category, _, queue, _ = read.decided
        groups = (
            self.total,
            self.by_category.setdefault(category, _counts()),
            self.by_queue.setdefault(queue, _counts()),
        )
        changes: list[ReplayChange] = []
        counted: dict[str, int] = dict.fromkeys(("tickets", *DECISIONS, "overridden", "agreed"), 0)
        counted["tickets"] = 1
        for name, before, after in zip(DECISIONS, read.decided, proposed, strict=True):
            overridden = name in read.overrides and read.overrides[name] != before
            override = read.overrides.get(name) if overridden else None
            if overridden:
                counted["overridden"] += 1
                counted["agreed"] += after == override
            if before != after:
                counted[name] = 1
                changes.append(
                    ReplayChange(read.ticket.id, name, before, after, overridden, override)
                )
        for group in groups:
            for name, value in counted.items():
                group[name] += value
        return changes

    def replay(self, page: list[ReplayChange], offset: int, untriaged: int) -> TriageReplay:
        return TriageReplay(
            totals=ReplayTally(None, **self.total),
            by_category=[ReplayTally(key, **c) for key, c in self.by_category.items()],
            by_queue=[ReplayTally(key, **c) for key, c in self.by_queue.items()],
            changes=page,
            offset=min(offset, sum(self.total[name] for name in DECISIONS)),
            untriaged=untriaged,
        )


def _counts() -> dict[str, int]:
    return dict.fromkeys(("tickets", *DECISIONS, "overridden", "agreed"), 0)
