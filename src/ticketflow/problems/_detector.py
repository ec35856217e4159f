"""Recurring-cause detection: groups of recent incidents that arrive faster than they used to.

The detector reads the incidents in the store, groups them by ``(category, field=value)`` for
each structured field of its :class:`DetectorPolicy`, and compares each group's count in the
*window* (the last 14 days, say) with the same group's count over the *baseline* period just
before it. A group is suggested as a problem when all of these hold:

- it has at least ``min_count`` incidents in the window;
- its count is at least ``min_ratio`` times the count the baseline rate expects in the window
  (``expected = max(baseline_count, 0.5) * window / baseline``: half an incident stands in
  for a group never seen before, so that a new group needs ``min_count`` to be suggested);
- that count is unlikely under the baseline rate: the Poisson probability of seeing at least
  as many, ``P(X >= count | expected)``, is at most ``significance``;
- no open problem covers it: at most half of its window incidents are linked to open problems;
- it was not dismissed, or it has grown by ``regrowth`` incidents since it was dismissed.

Groups of two fields that hold the very same incidents are judged once, under the field the
policy names first (dismissing it dismisses them under the other field too).

A person accepts a suggestion (:meth:`RecurrenceDetector.accept` opens the problem through
:meth:`Problems.open <ticketflow.problems.Problems.open>` and links the incidents) or dismisses
it (:meth:`RecurrenceDetector.dismiss` records a :class:`Dismissal` in a
:class:`DismissalLog`, a protocol a host backs with its own storage; :class:`InMemoryDismissals`
keeps them for the process's life).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, Protocol, TypeAlias, runtime_checkable

import attrs

from .._actors import Actor, check_actor
from .._fields import FieldValue, check_field_value
from .._ticket import Ticket, TicketKind
from .._values import check_instant, check_int, check_items, check_name, check_text, validator
from ..exceptions import InvalidValueError, TicketNotFoundError
from ..storage import TicketQuery
from ._service import MAX_INCIDENTS_AT_ONCE, Problems

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "DetectorPolicy",
    "Dismissal",
    "DismissalLog",
    "InMemoryDismissals",
    "ProblemSuggestion",
    "RecurrenceDetector",
]

_MAX_FIELDS: Final = 16
_MAX_INCIDENTS: Final = 10_000
_MAX_COUNT: Final = 1_000_000
_MIN_WINDOW: Final = timedelta(hours=1)
_MAX_SPAN: Final = timedelta(days=3660)
_PSEUDO_COUNT: Final = 0.5
_LINE: Final = 2000
_PAGE: Final = 1000
_LISTED: Final = 100


# -- the policy ------------------------------------------------------------------------------


def _fields(value: tuple[str, ...]) -> tuple[str, ...]:
    given = check_items("fields", value, maximum=_MAX_FIELDS, what="field names")
    if not given:
        raise InvalidValueError("fields", given, "name at least one structured field")
    names = tuple(check_name(f"fields[{i}]", name, max_length=64) for i, name in enumerate(given))
    if len(set(names)) != len(names):
        raise InvalidValueError("fields", names, "names a field twice")
    return names


def _span(field: str, value: object, minimum: timedelta) -> timedelta:
    if type(value) is not timedelta or not minimum <= value <= _MAX_SPAN:
        raise InvalidValueError(
            field, value, f"must be a timedelta from {minimum} to {_MAX_SPAN.days} days"
        )
    return value


def _window(value: timedelta) -> timedelta:
    return _span("window", value, _MIN_WINDOW)


def _baseline(value: timedelta) -> timedelta:
    return _span("baseline", value, _MIN_WINDOW)


def _min_count(value: int) -> int:
    return check_int("min_count", value, minimum=1, maximum=_MAX_COUNT)


def _regrowth(value: int) -> int:
    return check_int("regrowth", value, minimum=1, maximum=_MAX_COUNT)


def _min_ratio(value: float) -> float:
    if type(value) not in (int, float) or not 1.0 <= value <= 1000.0:  # noqa: PLR2004
        raise InvalidValueError("min_ratio", value, "must be a number from 1 to 1000")
    return float(value)


def _significance(value: float) -> float:
    if type(value) is not float or not 0.0 < value <= 0.5:  # noqa: PLR2004
        raise InvalidValueError("significance", value, "must be a float above 0 and at most 0.5")
    return value


@attrs.frozen(kw_only=True)
class DetectorPolicy:
    """When a group of recent incidents is suggested as a problem (see :class:`RecurrenceDetector`).

    Args:
        fields: The structured fields to group by, with the category (``carrier``, ``site``,
            ...; 1 to 16 names).
        window: The recent period counted (1 hour to 3660 days).
        baseline: The period just before the window whose rate the window is compared with
            (at least the window, at most 3660 days).
        min_count: The fewest incidents in the window for a suggestion.
        min_ratio: The least ratio of the window's count to the count the baseline expects.
        significance: The largest Poisson probability, under the baseline rate, of a count at
            least as high (0.0001 by default: a detector tests every group at each run, so a
            few dozen groups at 0.0001 suggest noise in well under 1 run in 100).
        regrowth: How many incidents a dismissed group must gain, over its count when it was
            dismissed, to be suggested again.

    Raises:
        InvalidValueError: An argument is not of its kind or out of range, or the baseline is
            shorter than the window.

    .. versionadded:: 0.2
    """

    fields: tuple[str, ...] = attrs.field(default=("carrier",), converter=_fields)
    window: timedelta = attrs.field(default=timedelta(days=14), converter=_window)
    baseline: timedelta = attrs.field(default=timedelta(days=90), converter=_baseline)
    min_count: int = attrs.field(default=5, converter=_min_count)
    min_ratio: float = attrs.field(default=2.0, converter=_min_ratio)
    significance: float = attrs.field(default=0.0001, converter=_significance)
    regrowth: int = attrs.field(default=3, converter=_regrowth)

    def __attrs_post_init__(self) -> None:
        if self.baseline < self.window:
            raise InvalidValueError("baseline", self.baseline, "must be at least the window")


# -- a suggestion ----------------------------------------------------------------------------


def _poisson_tail(count: int, expected: float) -> float:
    """Return ``P(X >= count)`` for a Poisson variable ``X`` of mean ``expected`` (> 0)."""
    if count <= 0:
        return 1.0

    def pmf(i: int) -> float:
        return math.exp(i * math.log(expected) - expected - math.lgamma(i + 1))

    if count <= expected:  # the lower part is the smaller sum
        return min(1.0, max(0.0, 1.0 - math.fsum(pmf(i) for i in range(count))))
    total, i = 0.0, count
    while True:  # terms fall from here on: stop when they no longer count
        term = pmf(i)
        total += term
        if term <= total * 1e-17 or term == 0.0:
            return min(1.0, total)
        i += 1


def _category(value: str) -> str:
    return check_name("category", value)


def _field(value: str) -> str:
    return check_name("field", value, max_length=64)


def _value(value: FieldValue) -> FieldValue:
    return check_field_value("value", value)


def _incidents(value: tuple[str, ...]) -> tuple[str, ...]:
    given = check_items("incidents", value, maximum=_MAX_INCIDENTS, what="incident ids")
    if not given:
        raise InvalidValueError("incidents", given, "a suggestion has at least one incident")
    ids = tuple(check_name(f"incidents[{i}]", item) for i, item in enumerate(given))
    if len(set(ids)) != len(ids):
        raise InvalidValueError("incidents", ids, "lists an incident twice")
    return ids


def _baseline_count(value: int) -> int:
    return check_int("baseline_count", value, minimum=0, maximum=2**40)


def _baseline_start(value: datetime) -> datetime:
    return check_instant("baseline_start", value)


def _window_start(value: datetime) -> datetime:
    return check_instant("window_start", value)


def _as_of(value: datetime) -> datetime:
    return check_instant("as_of", value)


@attrs.frozen(kw_only=True)
class ProblemSuggestion:
    """A group of recent incidents that recurs more than it used to, with its evidence.

    Attributes:
        category: The incidents' category.
        field: The structured field they share a value of.
        value: That value.
        incidents: The group's incidents in the window, oldest first.
        baseline_count: The group's incidents in the baseline period.
        baseline_start: When the baseline period starts (an incident created then is not in
            it: each period holds its end, not its start).
        window_start: When the window starts (the baseline period ends here).
        as_of: When the window ends (an incident created then is in it).

    Raises:
        InvalidValueError: An attribute is not of its kind, or the periods are not in order.

    .. versionadded:: 0.2
    """

    category: str = attrs.field(converter=_category)
    field: str = attrs.field(converter=_field)
    value: FieldValue = attrs.field(converter=_value)
    incidents: tuple[str, ...] = attrs.field(converter=_incidents)
    baseline_count: int = attrs.field(converter=_baseline_count)
    baseline_start: datetime = attrs.field(converter=_baseline_start)
    window_start: datetime = attrs.field(converter=_window_start)
    as_of: datetime = attrs.field(converter=_as_of)

    def __attrs_post_init__(self) -> None:
        if not self.baseline_start < self.window_start < self.as_of:
            raise InvalidValueError(
                "window_start", self.window_start, "must fall after baseline_start, before as_of"
            )

    @property
    def count(self) -> int:
        """How many incidents the group has in the window."""
        return len(self.incidents)

    @property
    def expected(self) -> float:
        """The count the baseline rate expects in the window (half an incident at least)."""
        window = (self.as_of - self.window_start).total_seconds()
        baseline = (self.window_start - self.baseline_start).total_seconds()
        return max(self.baseline_count, _PSEUDO_COUNT) * window / baseline

    @property
    def ratio(self) -> float:
        """The window's count over the expected count."""
        return self.count / self.expected

    @property
    def p_value(self) -> float:
        """The Poisson probability of a count at least this high at the baseline rate."""
        return _poisson_tail(self.count, self.expected)

    def describe(self) -> str:
        """Say, for people, what the evidence is (two lines: the first 100 incidents listed)."""
        days = (self.as_of - self.window_start).total_seconds() / 86_400
        shown = self.incidents[:_LISTED]
        more = f" and {self.count - _LISTED} more" if self.count > _LISTED else ""
        return (
            f"{self.count} {self.category} incidents with {self.field}={self.value!r}"
            f" in the {days:g} days to {self.as_of.isoformat()},"
            f" {self.ratio:.1f} times the {self.expected:.2f} expected from"
            f" {self.baseline_count} since {self.baseline_start.isoformat()}"
            f" (Poisson p = {self.p_value:.2g}).\nIncidents: {', '.join(shown)}{more}"
        )


# -- dismissals ------------------------------------------------------------------------------


def _count(value: int) -> int:
    return check_int("count", value, minimum=1, maximum=_MAX_INCIDENTS)


def _at(value: datetime) -> datetime:
    return check_instant("at", value)


@attrs.frozen(kw_only=True)
class Dismissal:
    """A person's decision that a group is not a problem (until it grows).

    Attributes:
        category: The group's category.
        field: The group's structured field.
        value: The group's value of it.
        count: The group's count in the window when it was dismissed.
        at: When it was dismissed.
        actor: Who dismissed it (an actor's id).
        reason: Why, for people (one line; may be empty).

    Raises:
        InvalidValueError: An attribute is not of its kind.

    .. versionadded:: 0.2
    """

    category: str = attrs.field(converter=_category)
    field: str = attrs.field(converter=_field)
    value: FieldValue = attrs.field(converter=_value)
    count: int = attrs.field(converter=_count)
    at: datetime = attrs.field(converter=_at)
    actor: str = attrs.field(validator=validator(check_name, "actor"))
    reason: str = attrs.field(
        default="", validator=validator(check_text, "reason", single_line=True, max_length=_LINE)
    )


def _group(suggestion: ProblemSuggestion) -> tuple[str, str, FieldValue]:
    return (suggestion.category, suggestion.field, suggestion.value)


_Key: TypeAlias = tuple[str, str, str, FieldValue]


def _key(category: str, field: str, value: FieldValue) -> _Key:
    # 1 == True == 1.0 in Python: the value's type is part of the group.
    return (category, field, type(value).__name__, value)


@runtime_checkable
class DismissalLog(Protocol):
    """Where a :class:`RecurrenceDetector` keeps its dismissals (a host backs it durably).

    .. versionadded:: 0.2
    """

    def record(self, dismissal: Dismissal) -> None:
        """Keep ``dismissal``; it replaces an earlier one of the same group."""

    def last(self, category: str, field: str, value: FieldValue) -> Dismissal | None:
        """Return the group's last dismissal, or ``None`` if it was never dismissed."""


class InMemoryDismissals:
    """A :class:`DismissalLog` kept in memory, for tests and for hosts that persist elsewhere.

    Args:
        dismissals: Dismissals to start from (those read back from a host's storage, say),
            later ones replacing earlier ones of the same group.

    Raises:
        InvalidValueError: ``dismissals`` is not a sequence of :class:`Dismissal` values.

    .. versionadded:: 0.2
    """

    def __init__(self, dismissals: Iterable[Dismissal] = ()) -> None:
        given = check_items("dismissals", dismissals, maximum=1_000_000, what="dismissals")
        self._kept: dict[_Key, Dismissal] = {}
        for index, dismissal in enumerate(given):
            if type(dismissal) is not Dismissal:
                raise InvalidValueError(f"dismissals[{index}]", dismissal, "must be a Dismissal")
            self.record(dismissal)

    def __repr__(self) -> str:
        return f"InMemoryDismissals(<{len(self._kept)} groups>)"

    def record(self, dismissal: Dismissal) -> None:
        """Keep ``dismissal``; it replaces an earlier one of the same group.

        Raises:
            InvalidValueError: ``dismissal`` is not a :class:`Dismissal`.
        """
        if type(dismissal) is not Dismissal:
            raise InvalidValueError("dismissal", dismissal, "must be a Dismissal")
        self._kept[_key(dismissal.category, dismissal.field, dismissal.value)] = dismissal

    def last(self, category: str, field: str, value: FieldValue) -> Dismissal | None:
        """Return the group's last dismissal, or ``None`` if it was never dismissed."""
        return self._kept.get(_key(category, field, value))

    def all(self) -> tuple[Dismissal, ...]:
        """Return every group's last dismissal, in the order they were first dismissed."""
        return tuple(self._kept.values())


# -- the detector ----------------------------------------------------------------------------


class RecurrenceDetector:
    """Suggest problems for groups of recent incidents that recur (see the module's rules).

    Args:
        problems: The problem service: accepting a suggestion opens a problem through it.
        policy: When a group is suggested.
        dismissals: Where dismissals are kept (an :class:`InMemoryDismissals` by default).

    Raises:
        InvalidValueError: An argument is not of its kind.

    .. versionadded:: 0.2
    """

    def __init__(
        self,
        problems: Problems,
        *,
        policy: DetectorPolicy | None = None,
        dismissals: DismissalLog | None = None,
    ) -> None:
        if type(problems) is not Problems:
            raise InvalidValueError("problems", problems, "must be a Problems service")
        if policy is None:
            policy = DetectorPolicy()
        elif type(policy) is not DetectorPolicy:
            raise InvalidValueError("policy", policy, "must be a DetectorPolicy or None")
        if dismissals is None:
            dismissals = InMemoryDismissals()
        elif not isinstance(dismissals, DismissalLog):
            raise InvalidValueError("dismissals", dismissals, "must be a DismissalLog or None")
        self.problems = problems
        self.policy = policy
        self.dismissals = dismissals

    def __repr__(self) -> str:
        return f"RecurrenceDetector({self.problems!r}, policy={self.policy!r})"

    def detect(self, *, as_of: datetime | None = None) -> tuple[ProblemSuggestion, ...]:
        """Return the groups suggested as problems, the least likely under their baseline first.

        Reads every ticket in the store once (a page at a time); incidents without a category
        or without the field are in no group of it.

        Args:
            as_of: When the window ends (the desk's clock by default).

        Raises:
            InvalidValueError: ``as_of`` is not an aware datetime, or too early for the periods.
        """
        desk = self.problems.desk
        end = check_instant("as_of", desk.clock.now() if as_of is None else as_of)
        policy = self.policy
        try:
            window_start = end - policy.window
            baseline_start = window_start - policy.baseline
        except OverflowError:
            raise InvalidValueError(
                "as_of", end, "is too early for the window and baseline"
            ) from None
        recent, before = self._count(baseline_start, window_start, end)
        suggestions = []
        for key, tickets in recent.items():
            if len(tickets) < policy.min_count:
                continue
            category, field, _, value = key
            suggestion = ProblemSuggestion(
                category=category,
                field=field,
                value=value,
                incidents=tuple(t.id for t in tickets[:_MAX_INCIDENTS]),
                baseline_count=before.get(key, 0),
                baseline_start=baseline_start,
                window_start=window_start,
                as_of=end,
            )
            if suggestion.ratio >= policy.min_ratio and suggestion.p_value <= policy.significance:
                suggestions.append(suggestion)
        order = {field: index for index, field in enumerate(policy.fields)}
        suggestions.sort(
            key=lambda s: (s.p_value, -s.ratio, order[s.field], s.category, str(s.value))
        )
        # Two fields can make one group (every lost parcel of one carrier at one site): the
        # incidents are judged once, under the field the policy names first, so that
        # dismissing that group dismisses the same incidents under the other field too.
        seen: set[frozenset[str]] = set()
        open_problems: dict[str, bool] = {}
        kept = []
        for suggestion in suggestions:
            incidents = frozenset(suggestion.incidents)
            if incidents in seen:
                continue
            seen.add(incidents)
            tickets = recent[_key(*_group(suggestion))]
            if not self._covered(tickets, open_problems) and not self._dismissed(suggestion):
                kept.append(suggestion)
        return tuple(kept)

    def accept(
        self, suggestion: ProblemSuggestion, *, actor: Actor, subject: str | None = None
    ) -> Ticket:
        """Open a problem from the suggestion's incidents (its evidence as the description).

        Args:
            suggestion: What :meth:`detect` suggested.
            actor: Who opens the problem.
            subject: The problem's subject (``"Recurring <category>: <field>=<value>"`` by
                default).

        Raises:
            InvalidValueError: An argument is not of its kind, or an incident is no longer an
                incident.
            TicketNotFoundError: An incident no longer exists.
            AccessDeniedError: ``actor`` may not open problems or link tickets.
        """
        if type(suggestion) is not ProblemSuggestion:
            raise InvalidValueError("suggestion", suggestion, "must be a ProblemSuggestion")
        check_actor(actor)
        if subject is None:
            value = " ".join(str(suggestion.value).split())[:200]  # one line, whatever it holds
            subject = f"Recurring {suggestion.category}: {suggestion.field}={value}"
        first, rest = (
            suggestion.incidents[:MAX_INCIDENTS_AT_ONCE],
            suggestion.incidents[MAX_INCIDENTS_AT_ONCE:],
        )
        problem = self.problems.open(
            first, subject=subject, actor=actor, description=suggestion.describe()
        )
        for incident_id in rest:
            problem = self.problems.link(problem.id, incident_id, actor=actor)
        return problem

    def dismiss(
        self, suggestion: ProblemSuggestion, *, actor: Actor, reason: str = ""
    ) -> Dismissal:
        """Record that the suggestion's group is not a problem, until it grows.

        The group is not suggested again until its window holds ``policy.regrowth`` more
        incidents than now.

        Raises:
            InvalidValueError: An argument is not of its kind.
            AccessDeniedError: ``actor`` may not open problems (nor, then, decline to).
        """
        if type(suggestion) is not ProblemSuggestion:
            raise InvalidValueError("suggestion", suggestion, "must be a ProblemSuggestion")
        check_actor(actor)
        desk = self.problems.desk
        desk.access.require("open_problem", actor)
        dismissal = Dismissal(
            category=suggestion.category,
            field=suggestion.field,
            value=suggestion.value,
            count=min(suggestion.count, _MAX_INCIDENTS),
            at=check_instant("clock.now()", desk.clock.now()),
            actor=actor.id,
            reason=reason,
        )
        self.dismissals.record(dismissal)
        return dismissal

    # -- the parts -----------------------------------------------------------------------------

    def _count(
        self, baseline_start: datetime, window_start: datetime, end: datetime
    ) -> tuple[dict[_Key, list[Ticket]], dict[_Key, int]]:
        # Each group's incidents in the window (oldest first), and its count in the baseline.
        recent: dict[_Key, list[Ticket]] = {}
        before: dict[_Key, int] = {}
        for ticket in self._tickets():
            if (
                ticket.kind is not TicketKind.INCIDENT
                or ticket.category is None
                or not baseline_start < ticket.created_at <= end
            ):
                continue
            in_window = ticket.created_at > window_start
            for field in self.policy.fields:
                if field not in ticket.fields:
                    continue
                key = _key(ticket.category, field, ticket.fields[field])
                if in_window:
                    recent.setdefault(key, []).append(ticket)
                else:
                    before[key] = before.get(key, 0) + 1
        for tickets in recent.values():
            tickets.sort(key=lambda t: (t.created_at, t.number))
        return recent, before

    def _tickets(self) -> Iterator[Ticket]:
        store = self.problems.desk.store
        cursor: int | None = None
        while True:
            page = store.query(TicketQuery(limit=_PAGE, after=cursor))
            yield from page.tickets
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def _covered(self, tickets: list[Ticket], open_problems: dict[str, bool]) -> bool:
        linked = 0
        for ticket in tickets:
            problem_id = ticket.links.problem
            if problem_id is None:
                continue
            if problem_id not in open_problems:
                open_problems[problem_id] = self._is_open(problem_id)
            linked += open_problems[problem_id]
        return 2 * linked > len(tickets)

    def _is_open(self, problem_id: str) -> bool:
        desk = self.problems.desk
        try:
            problem = desk.get(problem_id)
        except TicketNotFoundError:
            return False
        policy = desk.resolution
        done = (policy.resolved, policy.closed, *desk.workflow.terminal)
        return problem.kind is TicketKind.PROBLEM and problem.status not in done

    def _dismissed(self, suggestion: ProblemSuggestion) -> bool:
        last = self.dismissals.last(suggestion.category, suggestion.field, suggestion.value)
        return last is not None and suggestion.count < last.count + self.policy.regrowth
