"""What a triage replay reports: the values :func:`~ticketflow.triage.replay_triage` answers.

Counts of changed decisions in total, per original category and per original queue, and the
changes ticket by ticket, a page at a time; with a plain-text table for people.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, cast

import attrs

from .._values import (
    check_bool,
    check_int,
    check_name,
    check_optional_name,
    validator,
)
from ..exceptions import InvalidValueError

__all__ = [
    "DECISIONS",
    "MAX_REPLAY_PAGE",
    "ReplayChange",
    "ReplayTally",
    "TriageReplay",
    "items_of",
]

DECISIONS: Final = ("category", "priority", "queue", "assignee")
"""The decisions a replay compares, in the order it lists them."""

MAX_REPLAY_PAGE: Final = 10_000
"""The most changes one :class:`TriageReplay` lists."""


def _count(field: str, **options: Any) -> Any:  # noqa: ANN401 - an attrs field
    return attrs.field(validator=validator(check_int, field, minimum=0), **options)


def _optional_name(field: str, **options: Any) -> Any:  # noqa: ANN401 - an attrs field
    return attrs.field(validator=validator(check_optional_name, field), **options)


@attrs.frozen
class ReplayTally:
    """How many tickets a replay decided again, and how many of their decisions changed.

    Attributes:
        key: The original category or queue the tally counts (``None``: tickets that had
            none, or, for :attr:`TriageReplay.totals`, every ticket).
        tickets: Tickets replayed.
        category: Tickets whose category would change.
        priority: Tickets whose priority would change.
        queue: Tickets whose queue would change.
        assignee: Tickets whose assignee would change.
        overridden: Decisions a person later overrode with another value than triage's.
        agreed: Of those, decisions the proposal would have taken as the person did.

    .. versionadded:: 0.2
    """

    key: str | None = _optional_name("key")
    tickets: int = _count("tickets")
    category: int = _count("category")
    priority: int = _count("priority")
    queue: int = _count("queue")
    assignee: int = _count("assignee")
    overridden: int = _count("overridden")
    agreed: int = _count("agreed")

    def __attrs_post_init__(self) -> None:
        for name in DECISIONS:
            if getattr(self, name) > self.tickets:
                raise InvalidValueError(name, getattr(self, name), "more changes than tickets")
        if self.overridden > len(DECISIONS) * self.tickets:
            raise InvalidValueError("overridden", self.overridden, "more than the decisions made")
        if self.agreed > self.overridden:
            raise InvalidValueError("agreed", self.agreed, "more than the decisions overridden")

    @property
    def changes(self) -> int:
        """Return the decisions that would change, all kinds together."""
        return self.category + self.priority + self.queue + self.assignee


def _decision(_: object, __: object, value: Any) -> None:  # noqa: ANN401 - an attrs validator
    if value not in DECISIONS or type(value) is not str:
        raise InvalidValueError("decision", value, f"must be one of {', '.join(DECISIONS)}")


@attrs.frozen
class ReplayChange:
    """One decision that a replay would take otherwise.

    Attributes:
        ticket_id: The ticket.
        decision: ``category``, ``priority``, ``queue`` or ``assignee``.
        before: What triage decided then (``None``: nothing).
        after: What the proposed strategies decide (``None``: nothing).
        overridden: A person later overrode this decision.
        override: What the person chose (``None`` if nobody did, or they cleared it).

    .. versionadded:: 0.2
    """

    ticket_id: str = attrs.field(validator=validator(check_name, "ticket_id"))
    decision: str = attrs.field(validator=_decision)
    before: str | None = _optional_name("before")
    after: str | None = _optional_name("after")
    overridden: bool = attrs.field(default=False, validator=validator(check_bool, "overridden"))
    override: str | None = _optional_name("override", default=None)

    def __attrs_post_init__(self) -> None:
        if self.before == self.after:
            raise InvalidValueError("after", self.after, "a change differs from before")
        if not self.overridden and self.override is not None:
            raise InvalidValueError("override", self.override, "set only where overridden")


def _tallies(field: str, value: object) -> tuple[ReplayTally, ...]:
    tallies = items_of(field, value)
    for index, tally in enumerate(tallies):
        if type(tally) is not ReplayTally:
            raise InvalidValueError(f"{field}[{index}]", tally, "must be a ReplayTally")
    checked = cast("list[ReplayTally]", tallies)
    keys = [tally.key for tally in checked]
    if len(set(keys)) != len(keys):
        raise InvalidValueError(field, keys, "each key is tallied once")
    return tuple(sorted(checked, key=lambda tally: _order(tally.key)))


def _by_category(value: object) -> tuple[ReplayTally, ...]:
    return _tallies("by_category", value)


def _by_queue(value: object) -> tuple[ReplayTally, ...]:
    return _tallies("by_queue", value)


def _changes(value: object) -> tuple[ReplayChange, ...]:
    changes = items_of("changes", value)
    if len(changes) > MAX_REPLAY_PAGE:
        raise InvalidValueError("changes", len(changes), f"at most {MAX_REPLAY_PAGE} a page")
    for index, change in enumerate(changes):
        if type(change) is not ReplayChange:
            raise InvalidValueError(f"changes[{index}]", change, "must be a ReplayChange")
    return tuple(changes)  # type: ignore[arg-type]


def items_of(field: str, value: object) -> list[object]:
    if isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        raise InvalidValueError(field, value, "must be a collection")
    try:
        return list(value)
    except TypeError as error:
        raise InvalidValueError(field, value, f"cannot be read ({error})") from None


def _order(key: str | None) -> tuple[bool, str]:
    return (key is not None, key or "")


def _totals(_: object, __: object, value: Any) -> None:  # noqa: ANN401 - an attrs validator
    if type(value) is not ReplayTally or value.key is not None:
        raise InvalidValueError("totals", value, "must be a ReplayTally with no key")


@attrs.frozen
class TriageReplay:
    """What triage would have decided otherwise under proposed strategies.

    Attributes:
        totals: Every replayed ticket (its ``key`` is ``None``).
        by_category: One tally per original category (``None`` first), summing to ``totals``.
        by_queue: One tally per original queue (``None`` first), summing to ``totals``.
        changes: One page of the changes, ticket by ticket in the order they were triaged,
            each ticket's in the order category, priority, queue, assignee.
        offset: How many changes come before this page.
        untriaged: Journals of tickets never triaged, so not replayed.

    Raises:
        InvalidValueError: A part is not of its kind, or the tallies do not add up.

    .. versionadded:: 0.2
    """

    totals: ReplayTally = attrs.field(validator=_totals)
    by_category: tuple[ReplayTally, ...] = attrs.field(converter=_by_category)
    by_queue: tuple[ReplayTally, ...] = attrs.field(converter=_by_queue)
    changes: tuple[ReplayChange, ...] = attrs.field(default=(), converter=_changes)
    offset: int = _count("offset", default=0)
    untriaged: int = _count("untriaged", default=0)

    def __attrs_post_init__(self) -> None:
        names = ("tickets", *DECISIONS, "overridden", "agreed")
        for field in ("by_category", "by_queue"):
            tallies: tuple[ReplayTally, ...] = getattr(self, field)
            for name in names:
                added = sum(getattr(tally, name) for tally in tallies)
                if added != getattr(self.totals, name):
                    raise InvalidValueError(
                        f"{field}.{name}", added, f"must add up to totals.{name}"
                    )
        if self.offset + len(self.changes) > self.totals.changes:
            raise InvalidValueError("changes", len(self.changes), "more than the totals count")
        if self.offset > self.totals.changes:
            raise InvalidValueError("offset", self.offset, "past the last change")

    @property
    def next_offset(self) -> int | None:
        """Return the ``offset`` of the next page of changes, or ``None`` after the last."""
        shown = self.offset + len(self.changes)
        return shown if shown < self.totals.changes else None

    def lines(self) -> tuple[str, ...]:
        """Return the report as lines of text: totals, both breakdowns, this page of changes."""
        totals = self.totals
        lines = [
            f"replayed {totals.tickets} triaged tickets"
            + (f" ({self.untriaged} never triaged, left out)" if self.untriaged else ""),
            *(f"  {name:<9} {getattr(totals, name):>6} would change" for name in DECISIONS),
            (
                f"  overridden by a person later: {totals.overridden}, of which the proposal"
                f" agrees with {totals.agreed}"
            ),
        ]
        for title, tallies in (("category", self.by_category), ("queue", self.by_queue)):
            lines += ["", *_table(f"by original {title}", tallies)]
        lines.append("")
        if not self.changes:
            lines.append(
                "no changes"
                if not totals.changes
                else f"{totals.changes} changes, none listed from {self.offset}"
            )
            return tuple(lines)
        first, last = self.offset + 1, self.offset + len(self.changes)
        lines.append(f"changes {first}-{last} of {totals.changes}:")
        width = max(len(change.ticket_id) for change in self.changes)
        for change in self.changes:
            line = (
                f"  {change.ticket_id:<{width}}  {change.decision:<8}  {_shown(change.before)}"
                f" -> {_shown(change.after)}"
            )
            if change.overridden:
                line += f"  (a person chose {_shown(change.override)})"
            lines.append(line)
        return tuple(lines)

    def table(self) -> str:
        """Return the report as one text (:meth:`lines` joined)."""
        return "\n".join(self.lines())


def _shown(value: str | None) -> str:
    return "-" if value is None else value


def _table(title: str, tallies: Sequence[ReplayTally]) -> list[str]:
    heads = ("tickets", *DECISIONS, "overridden", "agreed")
    keys = [_shown(tally.key) for tally in tallies]
    width = max([len(title), *map(len, keys)])
    widths = [max(len(head), 7) for head in heads]
    rows = [f"{title:<{width}}  " + "  ".join(map(str.rjust, heads, widths))]
    for key, tally in zip(keys, tallies, strict=True):
        cells = (str(getattr(tally, head)) for head in heads)
        rows.append(f"{key:<{width}}  " + "  ".join(map(str.rjust, cells, widths)))
    return rows


# -- reading the journals -------------------------------------------------------------------------
