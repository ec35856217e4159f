"""Hypothesis strategies for ticketflow's values: plural nouns, keyword-only options."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
from hypothesis import strategies as st

from .._actors import Actor, Role
from .._events import (
    CommentAdded,
    DecisionExplained,
    FieldsChanged,
    FixVerified,
    IncidentLinkChanged,
    LinkKind,
    ProblemAspect,
    ProblemUpdated,
    SlaBreached,
    SlaMetric,
    SlaWarned,
    TicketAssigned,
    TicketCategorized,
    TicketCreated,
    TicketEvent,
    TicketLinked,
    TicketPrioritized,
    TicketTagged,
    TicketTransitioned,
    VerificationMethod,
    header,
)
from .._fields import Fields, FieldValue
from .._journal import apply
from .._ticket import Channel, NewTicket, Requester, Ticket, TicketKind, TicketLinks
from .._workflow import DEFAULT_WORKFLOW, Workflow

__all__ = [
    "actors",
    "aware_datetimes",
    "events",
    "field_maps",
    "histories",
    "new_tickets",
    "requesters",
    "statuses",
    "tickets",
    "valid_paths",
]

_MIN = datetime(2000, 1, 1)  # noqa: DTZ001 - hypothesis bounds are naive by its API
_MAX = datetime(2100, 1, 1)  # noqa: DTZ001
_names = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=12)
_line = st.text(
    st.characters(
        blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
        blacklist_categories=["Cs"],
    ),
    max_size=40,
).filter(lambda s: s.strip() != "")
_bodies = st.text(max_size=100).filter(lambda s: s.strip() != "")
_tag = st.text(st.characters(categories=["L", "N", "Pd"]), min_size=1, max_size=10)


def _check_size(name: str, value: object, minimum: int = 0) -> None:
    if not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name}={value!r} must be an integer >= {minimum}")


def aware_datetimes() -> st.SearchStrategy[datetime]:
    """Return instants in UTC between 2000 and 2100, microsecond precision."""
    return st.datetimes(_MIN, _MAX, timezones=st.just(UTC))


def statuses(*, workflow: Workflow = DEFAULT_WORKFLOW) -> st.SearchStrategy[str]:
    """Return the statuses of ``workflow``."""
    return st.sampled_from(workflow.statuses)


def actors(*, roles: tuple[Role, ...] = tuple(Role)) -> st.SearchStrategy[Actor]:
    """Return actors in one of ``roles``."""
    if not roles:
        raise ValueError("roles must name at least one role")
    return st.builds(Actor, st.sampled_from(roles), _names)


def requesters() -> st.SearchStrategy[Requester]:
    """Return requesters, external and internal."""
    return st.builds(
        Requester,
        email=st.emails(),
        name=st.none() | _line,
        external=st.booleans(),
    )


_values: st.SearchStrategy[FieldValue] = (
    st.text(max_size=20)
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
)


def field_maps(*, max_size: int = 4) -> st.SearchStrategy[Fields]:
    """Return structured field maps."""
    _check_size("max_size", max_size)
    return st.dictionaries(_names, _values, max_size=max_size).map(Fields)


_levels = st.none() | st.integers(1, 5)
_labels = st.none() | _names


def new_tickets(*, workflow: Workflow = DEFAULT_WORKFLOW) -> st.SearchStrategy[NewTicket]:
    """Return submissions valid for ``workflow``."""
    return st.builds(
        NewTicket,
        subject=_line,
        requester=requesters(),
        description=st.text(max_size=200),
        kind=st.sampled_from(TicketKind),
        channel=st.sampled_from(Channel),
        category=_labels,
        priority=_labels,
        impact=_levels,
        urgency=_levels,
        queue=_labels,
        assignee=_labels,
        tags=st.frozensets(_tag, max_size=3),
        fields=field_maps(),
        links=st.builds(TicketLinks, _labels, _labels, _labels),
        status=st.sampled_from(workflow.initial),
    )


def tickets(*, workflow: Workflow = DEFAULT_WORKFLOW) -> st.SearchStrategy[Ticket]:
    """Return tickets in any status of ``workflow``, at any version."""
    return st.builds(
        _ticket,
        new_tickets(workflow=workflow),
        st.sampled_from(workflow.statuses),
        aware_datetimes(),
        st.integers(1, 10_000),
        st.integers(1, 1_000),
        st.integers(0, 5),
        st.none() | _line,
        st.uuids().map(str),
    )


def _ticket(
    draft: NewTicket,
    status: str,
    created: datetime,
    number: int,
    version: int,
    reopens: int,
    resolution: str | None,
    id_: str,
) -> Ticket:
    ticket = draft.to_ticket(id=id_, number=number, status=status, at=created)
    return attrs.evolve(
        ticket,
        updated_at=created + timedelta(minutes=version),
        version=version,
        reopen_count=reopens,
        resolution=resolution,
    )


def valid_paths(
    *, workflow: Workflow = DEFAULT_WORKFLOW, min_size: int = 1, max_size: int = 10
) -> st.SearchStrategy[list[str]]:
    """Return walks along ``workflow``'s edges starting at an initial status.

    Each list starts with an initial status; each next status is a target of the previous one.
    A walk that reaches a terminal status ends there.
    """
    _check_size("min_size", min_size, 1)
    _check_size("max_size", max_size, min_size)

    @st.composite
    def walk(draw: st.DrawFn) -> list[str]:
        path = [draw(st.sampled_from(workflow.initial))]
        target_len = draw(st.integers(min_size, max_size))
        while len(path) < target_len:
            targets = sorted(workflow.edges[path[-1]], key=workflow.statuses.index)
            if not targets:
                break
            path.append(draw(st.sampled_from(targets)))
        return path

    return walk()


def events(*, ticket_id: str | None = None) -> st.SearchStrategy[TicketEvent]:
    """Return single events of every type, well-typed but not tied to a ticket's history."""
    ids = st.just(ticket_id) if ticket_id is not None else st.uuids().map(str)
    common = {"ticket_id": ids, "version": st.integers(2, 10_000), "at": aware_datetimes()}
    created = st.builds(
        lambda t, actor: TicketCreated(
            ticket_id=t.id, version=1, at=t.created_at, actor=actor, ticket=t
        ),
        tickets().map(lambda t: _version_one(t, ticket_id)),
        actors(),
    )
    return st.one_of(
        created,
        st.builds(
            TicketTransitioned,
            **common,
            actor=actors(),
            source=statuses(),
            target=statuses(),
            reason=st.none() | _line,
            reopen=st.booleans(),
        ),
        st.builds(TicketAssigned, **common, actor=actors(), queue=_labels, assignee=_labels),
        st.builds(
            CommentAdded,
            **common,
            actor=actors(),
            comment_id=_names,
            body=_bodies,
            public=st.booleans(),
        ),
        st.builds(
            FieldsChanged,
            **common,
            actor=actors(),
            changes=st.dictionaries(_names, st.none() | _values, min_size=1, max_size=3),
        ),
        st.builds(TicketCategorized, **common, actor=actors(), category=_labels),
        st.builds(
            TicketPrioritized,
            **common,
            actor=actors(),
            priority=_labels,
            impact=_levels,
            urgency=_levels,
        ),
        st.builds(
            SlaWarned,
            **common,
            actor=actors(),
            metric=st.sampled_from(SlaMetric),
            cycle=st.integers(0, 5),
            threshold=st.sampled_from((0.5, 0.75, 0.9)),
            due_at=aware_datetimes(),
        ),
        st.builds(
            SlaBreached,
            **common,
            actor=actors(),
            metric=st.sampled_from(SlaMetric),
            cycle=st.integers(0, 5),
            due_at=aware_datetimes(),
        ),
        st.builds(
            DecisionExplained,
            **common,
            actor=actors(),
            decision=st.sampled_from(("category", "priority", "route")),
            outcome=_labels,
            reasons=st.lists(_names, max_size=3).map(tuple),
            overridden=st.booleans(),
        ),
        st.builds(
            TicketTagged,
            **common,
            actor=actors(),
            added=st.frozensets(_tag, min_size=1, max_size=3),
            removed=st.just(frozenset[str]()),
        ),
        st.builds(
            TicketLinked,
            **common,
            actor=actors(),
            link=st.sampled_from(LinkKind),
            target=_labels,
        ),
        st.builds(
            IncidentLinkChanged, **common, actor=actors(), incident=_names, linked=st.booleans()
        ),
        st.builds(
            ProblemUpdated,
            **common,
            actor=actors(),
            aspect=st.sampled_from(ProblemAspect),
            text=_bodies,
        ),
        st.builds(
            FixVerified,
            **common,
            actor=actors(),
            method=st.sampled_from(VerificationMethod),
            fix=st.integers(1, 10_000),
            evidence=st.lists(_line, max_size=3).map(tuple),
            policy=_labels,
        ),
    )


def _version_one(ticket: Ticket, ticket_id: str | None) -> Ticket:
    return attrs.evolve(
        ticket,
        id=ticket.id if ticket_id is None else ticket_id,
        version=1,
        updated_at=ticket.created_at,
        reopen_count=0,
        resolution=None,
    )


def histories(
    *, workflow: Workflow = DEFAULT_WORKFLOW, max_events: int = 20
) -> st.SearchStrategy[list[TicketEvent]]:
    """Return consistent journals: a creation, then events that each follow the previous one.

    Transitions follow ``workflow``'s edges; time never goes backward.
    """
    _check_size("max_events", max_events, 1)

    @st.composite
    def history(draw: st.DrawFn) -> list[TicketEvent]:
        draft = draw(new_tickets(workflow=workflow))
        at = draw(st.datetimes(_MIN, datetime(2090, 1, 1), timezones=st.just(UTC)))  # noqa: DTZ001
        ticket_id = str(draw(st.uuids()))
        ticket, created = workflow.create(
            draft, id=ticket_id, number=draw(st.integers(1, 10**6)), actor=draw(actors()), at=at
        )
        journal: list[TicketEvent] = [created]
        for _ in range(draw(st.integers(0, max_events - 1))):
            at += draw(st.timedeltas(timedelta(0), timedelta(days=3)))
            base = header(ticket_id, ticket.version + 1, at, draw(actors()))
            targets = sorted(workflow.edges[ticket.status], key=workflow.statuses.index)
            choice = draw(st.integers(0, 4))
            event: TicketEvent
            if choice == 0 and targets:
                target = draw(st.sampled_from(targets))
                event = TicketTransitioned(
                    **base,
                    source=ticket.status,
                    target=target,
                    reopen=(ticket.status, target) in workflow.reopen,
                )
            elif choice == 1:
                event = TicketAssigned(**base, queue=draw(_labels), assignee=draw(_labels))
            elif choice == 2:
                event = CommentAdded(
                    **base,
                    comment_id=f"c{ticket.version + 1}",
                    body=draw(_bodies),
                    public=draw(st.booleans()),
                )
            elif choice == 3:
                event = FieldsChanged(
                    **base,
                    changes=draw(
                        st.dictionaries(_names, st.none() | _values, min_size=1, max_size=2)
                    ),
                )
            else:
                event = TicketPrioritized(
                    **base, priority=draw(_labels), impact=draw(_levels), urgency=draw(_levels)
                )
            ticket = apply(ticket, event)
            journal.append(event)
        return journal

    return history()
