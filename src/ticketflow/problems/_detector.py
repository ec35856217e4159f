"""Recurring-cause detection: groups of recent incidents that arrive faster than they used to.

The detector reads the incidents in the store and groups them in three kinds of group
(:class:`GroupKind`), as its :class:`DetectorPolicy` asks:

- by **category** alone (``delivery/lost``);
- by **field**: a category and one value of a structured field the policy names
  (``delivery/lost`` with ``carrier='north'``), for each such field;
- by **text**: incidents whose texts are near duplicates, whatever their category, when the
  policy has a :class:`~ticketflow.intake.SimilaritySpec`. The detector makes the very
  signatures and band keys intake makes (:meth:`SimilaritySpec.keys
  <ticketflow.intake.SimilaritySpec.keys>` of the subject and description), so that two
  incidents intake would take as near-duplicate candidates (sharing a band key) are in one
  group; a group is every recent incident linked to another through shared band keys (a
  connected component), and its baseline count is the earlier incidents sharing a band key
  with it. It is named by its most shared band key (the least, among equals).

It compares each group's count in the *window* (the last 14 days, say) with the same group's
count over the *baseline* period just before it. A group is suggested as a problem when all of
these hold:

- it has at least ``min_count`` incidents in the window;
- its count is at least ``min_ratio`` times the count the baseline rate expects in the window
  (``expected = max(baseline_count, 0.5) * window / baseline``: half an incident stands in
  for a group never seen before, so that a new group needs ``min_count`` to be suggested);
- that count is unlikely under the baseline rate: the Poisson probability of seeing at least
  as many, ``P(X >= count | expected)``, is at most ``significance``;
- no open problem covers it: at most half of its window incidents are linked to open problems;
- it was not dismissed, or it has grown by ``regrowth`` incidents since it was dismissed.

Groups that hold the very same incidents (two fields, or a field and the category alone, when
every lost parcel came through one carrier) are judged once, under the most specific: a field
group first (the field the policy names first), then the category alone, then text; dismissing
it dismisses the same incidents under the other groups too. A broader group that a narrower
passing one explains is not suggested either: the category alone when a field group of that
category passes, a text group when most of its incidents are in one passing category or field
group (whether that group is suggested, covered by a problem or dismissed).

A person accepts a suggestion (:meth:`RecurrenceDetector.accept` opens the problem through
:meth:`Problems.open <ticketflow.problems.Problems.open>` and links the incidents) or dismisses
it (:meth:`RecurrenceDetector.dismiss` records a :class:`Dismissal` in a
:class:`DismissalLog`, a protocol a host backs with its own storage; :class:`InMemoryDismissals`
keeps them for the process's life).
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, Protocol, TypeAlias, runtime_checkable

import attrs

from .._actors import Actor, check_actor
from .._fields import FieldValue, check_field_value
from .._ticket import Ticket, TicketKind
from .._values import (
    check_enum,
    check_instant,
    check_int,
    check_items,
    check_name,
    check_text,
    validator,
)
from ..exceptions import InvalidValueError, TicketNotFoundError
from ..intake._similarity import SimilaritySpec
from ..storage import TicketQuery
from ._service import MAX_INCIDENTS_AT_ONCE, Problems

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "DetectorPolicy",
    "Dismissal",
    "DismissalLog",
    "GroupKind",
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
_SUBJECT: Final = 200


class GroupKind(enum.StrEnum):
    """What the incidents of a suggested group share.

    .. versionadded:: 0.2
    """

    CATEGORY = "category"
    """Their category (the suggestion's ``field`` and ``value`` are ``None``)."""
    FIELD = "field"
    """Their category and one value of a structured field (``field`` and ``value``)."""
    TEXT = "text"
    """Near-duplicate texts: ``value`` is their most shared band key; no category or field."""


# -- the policy ------------------------------------------------------------------------------


def _fields(value: tuple[str, ...]) -> tuple[str, ...]:
    given = check_items("fields", value, maximum=_MAX_FIELDS, what="field names")
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


def _categories(value: bool) -> bool:
    if type(value) is not bool:
        raise InvalidValueError("categories", value, "must be True or False")
    return value


def _similarity(value: SimilaritySpec | None) -> SimilaritySpec | None:
    if value is not None and type(value) is not SimilaritySpec:
        raise InvalidValueError("similarity", value, "must be a SimilaritySpec or None")
    return value


def _significance(value: float) -> float:
    if type(value) is not float or not 0.0 < value <= 0.5:  # noqa: PLR2004
        raise InvalidValueError("significance", value, "must be a float above 0 and at most 0.5")
    return value


@attrs.frozen(kw_only=True)
class DetectorPolicy:
    """When a group of recent incidents is suggested as a problem (see :class:`RecurrenceDetector`).

    Args:
        fields: The structured fields to group by, with the category (``carrier``, ``site``,
            ...; up to 16 names).
        categories: Group by the category alone, too.
        similarity: Group near-duplicate texts, by this spec's band keys (intake's
            :class:`~ticketflow.intake.SimilaritySpec`; pass the one the intake uses);
            ``None``: no text groups. It costs a signature per incident of the window and
            baseline at each run (about 0.1 ms each).
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
        InvalidValueError: An argument is not of its kind or out of range, the baseline is
            shorter than the window, or there is nothing to group by (no field, no category
            groups and no similarity).

    .. versionadded:: 0.2
    """

    fields: tuple[str, ...] = attrs.field(default=("carrier",), converter=_fields)
    categories: bool = attrs.field(default=True, converter=_categories)
    similarity: SimilaritySpec | None = attrs.field(default=None, converter=_similarity)
    window: timedelta = attrs.field(default=timedelta(days=14), converter=_window)
    baseline: timedelta = attrs.field(default=timedelta(days=90), converter=_baseline)
    min_count: int = attrs.field(default=5, converter=_min_count)
    min_ratio: float = attrs.field(default=2.0, converter=_min_ratio)
    significance: float = attrs.field(default=0.0001, converter=_significance)
    regrowth: int = attrs.field(default=3, converter=_regrowth)

    def __attrs_post_init__(self) -> None:
        if self.baseline < self.window:
            raise InvalidValueError("baseline", self.baseline, "must be at least the window")
        if not self.fields and not self.categories and self.similarity is None:
            raise InvalidValueError(
                "fields", self.fields, "name a field, or group by categories or similarity"
            )


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


def _category(value: str | None) -> str | None:
    return None if value is None else check_name("category", value)


def _field(value: str | None) -> str | None:
    return None if value is None else check_name("field", value, max_length=64)


def _value(value: FieldValue | None) -> FieldValue | None:
    return None if value is None else check_field_value("value", value)


def _kind(value: GroupKind | str) -> GroupKind:
    return check_enum("kind", value, GroupKind)


def _inferred_kind(group: ProblemSuggestion | Dismissal) -> GroupKind:
    if group.field is not None:
        return GroupKind.FIELD
    return GroupKind.CATEGORY if group.value is None else GroupKind.TEXT


def _check_shape(group: ProblemSuggestion | Dismissal) -> None:
    """Check that a group's category, field and value are those its kind has."""
    kind = group.kind
    if kind is GroupKind.TEXT:
        if group.category is not None or group.field is not None:
            raise InvalidValueError(
                "category" if group.category is not None else "field",
                group.category if group.category is not None else group.field,
                "a text group has no category or field",
            )
        if not isinstance(group.value, str):
            raise InvalidValueError("value", group.value, "a text group's value is a band key")
        return
    if group.category is None:
        raise InvalidValueError("category", None, f"a {kind.value} group has a category")
    if (group.field is None) != (kind is GroupKind.CATEGORY) or (
        (group.value is None) != (kind is GroupKind.CATEGORY)
    ):
        wrong = "field" if (group.field is None) != (kind is GroupKind.CATEGORY) else "value"
        need = "none" if kind is GroupKind.CATEGORY else "one"
        raise InvalidValueError(wrong, getattr(group, wrong), f"a {kind.value} group has {need}")


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
        category: The incidents' category (``None`` for a text group).
        field: The structured field they share a value of (``None`` unless a field group).
        value: That value; for a text group, the band key most of them share (``None`` for a
            category group).
        kind: What the incidents share (inferred from ``field`` and ``value`` when not given).
        incidents: The group's incidents in the window, oldest first.
        baseline_count: The group's incidents in the baseline period.
        baseline_start: When the baseline period starts (an incident created then is not in
            it: each period holds its end, not its start).
        window_start: When the window starts (the baseline period ends here).
        as_of: When the window ends (an incident created then is in it).

    Raises:
        InvalidValueError: An attribute is not of its kind, the category, field and value
            are not those of the kind, or the periods are not in order.

    .. versionadded:: 0.2
    """

    category: str | None = attrs.field(converter=_category)
    field: str | None = attrs.field(converter=_field)
    value: FieldValue | None = attrs.field(converter=_value)
    incidents: tuple[str, ...] = attrs.field(converter=_incidents)
    baseline_count: int = attrs.field(converter=_baseline_count)
    baseline_start: datetime = attrs.field(converter=_baseline_start)
    window_start: datetime = attrs.field(converter=_window_start)
    as_of: datetime = attrs.field(converter=_as_of)
    kind: GroupKind = attrs.field(
        default=attrs.Factory(_inferred_kind, takes_self=True), converter=_kind
    )

    def __attrs_post_init__(self) -> None:
        _check_shape(self)
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

    def shared(self) -> str:
        """Say what the group's incidents share: ``delivery/lost incidents with carrier='x'``."""
        if self.kind is GroupKind.TEXT:
            return f"near-duplicate incidents (band key {self.value})"
        if self.kind is GroupKind.CATEGORY:
            return f"{self.category} incidents"
        return f"{self.category} incidents with {self.field}={self.value!r}"

    def describe(self) -> str:
        """Say, for people, what the evidence is (two lines: the first 100 incidents listed)."""
        days = (self.as_of - self.window_start).total_seconds() / 86_400
        shown = self.incidents[:_LISTED]
        more = f" and {self.count - _LISTED} more" if self.count > _LISTED else ""
        return (
            f"{self.count} {self.shared()}"
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
        category: The group's category (``None`` for a text group).
        field: The group's structured field (``None`` unless a field group).
        value: The group's value of it, or a text group's band key (``None`` for a category
            group).
        count: The group's count in the window when it was dismissed.
        at: When it was dismissed.
        actor: Who dismissed it (an actor's id).
        reason: Why, for people (one line; may be empty).
        kind: What the group's incidents share (inferred from ``field`` and ``value``).

    Raises:
        InvalidValueError: An attribute is not of its kind, or the category, field and value
            are not those of the kind.

    .. versionadded:: 0.2
    """

    category: str | None = attrs.field(converter=_category)
    field: str | None = attrs.field(converter=_field)
    value: FieldValue | None = attrs.field(converter=_value)
    count: int = attrs.field(converter=_count)
    at: datetime = attrs.field(converter=_at)
    actor: str = attrs.field(validator=validator(check_name, "actor"))
    reason: str = attrs.field(
        default="", validator=validator(check_text, "reason", single_line=True, max_length=_LINE)
    )
    kind: GroupKind = attrs.field(
        default=attrs.Factory(_inferred_kind, takes_self=True), converter=_kind
    )

    def __attrs_post_init__(self) -> None:
        _check_shape(self)


def _group(
    suggestion: ProblemSuggestion,
) -> tuple[str | None, str | None, FieldValue | None]:
    return (suggestion.category, suggestion.field, suggestion.value)


_Key: TypeAlias = tuple[str | None, str | None, str, FieldValue | None]


def _key(category: str | None, field: str | None, value: FieldValue | None) -> _Key:
    # 1 == True == 1.0 in Python: the value's type is part of the group. The three kinds never
    # meet: a field group has a field, a category group no value, a text group no category.
    return (category, field, type(value).__name__, value)


@runtime_checkable
class DismissalLog(Protocol):
    """Where a :class:`RecurrenceDetector` keeps its dismissals (a host backs it durably).

    .. versionadded:: 0.2
    """

    def record(self, dismissal: Dismissal) -> None:
        """Keep ``dismissal``; it replaces an earlier one of the same group."""

    def last(
        self, category: str | None, field: str | None, value: FieldValue | None
    ) -> Dismissal | None:
        """Return the group's last dismissal, or ``None`` if it was never dismissed.

        A category group has no ``field`` and ``value``; a text group no ``category`` and
        ``field`` (see :class:`Dismissal`).
        """


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

    def last(
        self, category: str | None, field: str | None, value: FieldValue | None
    ) -> Dismissal | None:
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
        # Band keys of the last run's incidents, by id, with the text they were made of: a
        # detector run weekly computes those of the new incidents only.
        self._band_keys: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        self._band_spec: SimilaritySpec | None = None

    def __repr__(self) -> str:
        return f"RecurrenceDetector({self.problems!r}, policy={self.policy!r})"

    def detect(self, *, as_of: datetime | None = None) -> tuple[ProblemSuggestion, ...]:
        """Return the groups suggested as problems, the least likely under their baseline first.

        Reads every ticket in the store once (a page at a time); incidents without a category
        are in no category or field group, those without a field in no group of it.

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
        # The most specific group first among equals: fields in the policy's order, then the
        # category alone, then text.
        order = {field: index for index, field in enumerate(policy.fields)}
        rank = {GroupKind.FIELD: 0, GroupKind.CATEGORY: 1, GroupKind.TEXT: 2}
        suggestions.sort(
            key=lambda s: (
                s.p_value,
                -s.ratio,
                rank[s.kind],
                order.get(s.field or "", 0),
                s.category or "",
                str(s.value),
            )
        )
        # Two groups can hold the same incidents (every lost parcel of one carrier at one
        # site): they are judged once, under the first, so that dismissing that group
        # dismisses the same incidents under the other too.
        seen: set[frozenset[str]] = set()
        open_problems: dict[str, bool] = {}
        kept = []
        explained = _explained(suggestions)
        for suggestion in suggestions:
            incidents = frozenset(suggestion.incidents)
            if incidents in seen or _key(*_group(suggestion)) in explained:
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
            subject = self._subject(suggestion)
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
            kind=suggestion.kind,
            count=min(suggestion.count, _MAX_INCIDENTS),
            at=check_instant("clock.now()", desk.clock.now()),
            actor=actor.id,
            reason=reason,
        )
        self.dismissals.record(dismissal)
        return dismissal

    # -- the parts -----------------------------------------------------------------------------

    def _subject(self, suggestion: ProblemSuggestion) -> str:
        if suggestion.kind is GroupKind.TEXT:
            first = self.problems.desk.get(suggestion.incidents[0]).subject
            return f"Recurring: {first}"[:_SUBJECT]
        if suggestion.kind is GroupKind.CATEGORY:
            return f"Recurring {suggestion.category}"
        value = " ".join(str(suggestion.value).split())[:200]  # one line, whatever it holds
        return f"Recurring {suggestion.category}: {suggestion.field}={value}"

    def _count(
        self, baseline_start: datetime, window_start: datetime, end: datetime
    ) -> tuple[dict[_Key, list[Ticket]], dict[_Key, int]]:
        # Each group's incidents in the window (oldest first), and its count in the baseline.
        recent: dict[_Key, list[Ticket]] = {}
        before: dict[_Key, int] = {}
        texts: list[Ticket] = []
        policy = self.policy
        for ticket in self._tickets():
            if (
                ticket.kind is not TicketKind.INCIDENT
                or not baseline_start < ticket.created_at <= end
            ):
                continue
            if policy.similarity is not None:
                texts.append(ticket)
            if ticket.category is None:
                continue
            in_window = ticket.created_at > window_start
            keys = [
                _key(ticket.category, field, ticket.fields[field])
                for field in policy.fields
                if field in ticket.fields
            ]
            if policy.categories:
                keys.append(_key(ticket.category, None, None))
            for key in keys:
                if in_window:
                    recent.setdefault(key, []).append(ticket)
                else:
                    before[key] = before.get(key, 0) + 1
        if policy.similarity is not None:
            band_keys = self._texts(policy.similarity, texts)
            _text_groups(band_keys, texts, window_start, recent, before)
        for tickets in recent.values():
            tickets.sort(key=lambda t: (t.created_at, t.number))
        return recent, before

    def _texts(self, spec: SimilaritySpec, tickets: list[Ticket]) -> dict[str, tuple[str, ...]]:
        known = self._band_keys if spec == self._band_spec else {}
        made = {}
        for ticket in tickets:
            kept = known.get(ticket.id)
            if kept is None or kept[0] != ticket.subject or kept[1] != ticket.description:
                keys = spec.keys(ticket.subject, ticket.description).band_keys
                kept = (ticket.subject, ticket.description, keys)
            made[ticket.id] = kept
        self._band_keys, self._band_spec = made, spec
        return {ticket_id: kept[2] for ticket_id, kept in made.items()}

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


def _text_groups(
    band_keys: dict[str, tuple[str, ...]],
    tickets: list[Ticket],
    window_start: datetime,
    recent: dict[_Key, list[Ticket]],
    before: dict[_Key, int],
) -> None:
    """Add the text groups of ``tickets`` (window and baseline) to ``recent`` and ``before``.

    The window's incidents that share a band key, directly or through others, are one group
    (union-find over the band keys); the group is named by its most shared band key (the
    least among equals), and its baseline count is the baseline's incidents that share any
    of its band keys.
    """
    groups = _components(band_keys, [t for t in tickets if t.created_at > window_start])
    owner: dict[str, int] = {}  # band key -> its group's index
    shared: list[Counter[str]] = []
    for members in groups:
        counts = Counter(k for t in members for k in band_keys[t.id])
        owner.update(dict.fromkeys(counts, len(shared)))
        shared.append(counts)
    earlier: Counter[int] = Counter()
    for ticket in tickets:
        if ticket.created_at <= window_start:
            earlier.update({owner[k] for k in band_keys[ticket.id] if k in owner})
    for index, (members, counts) in enumerate(zip(groups, shared, strict=True)):
        name = min(counts, key=lambda k: (-counts[k], k))
        key = _key(None, None, name)
        recent[key] = members
        before[key] = earlier[index]


def _components(band_keys: dict[str, tuple[str, ...]], window: list[Ticket]) -> list[list[Ticket]]:
    """Return the groups of two or more tickets linked through shared band keys."""
    parent = {t.id: t.id for t in window}

    def root(ticket_id: str) -> str:
        while parent[ticket_id] != ticket_id:
            parent[ticket_id] = parent[parent[ticket_id]]
            ticket_id = parent[ticket_id]
        return ticket_id

    first_with: dict[str, str] = {}
    for ticket in window:
        for band_key in band_keys[ticket.id]:
            other = first_with.setdefault(band_key, ticket.id)
            if other != ticket.id:
                parent[root(ticket.id)] = root(other)
    groups: dict[str, list[Ticket]] = {}
    for ticket in window:
        groups.setdefault(root(ticket.id), []).append(ticket)
    return [members for members in groups.values() if len(members) > 1]


def _explained(suggestions: list[ProblemSuggestion]) -> set[_Key]:
    """Return the broader groups that a narrower passing group explains.

    A category group is explained when a field group of its category passes too (the
    carrier's lost parcels explain the surge of lost parcels); a text group when most of its
    incidents are in one passing category or field group (it is the same recurrence, told
    by its words). A passing group counts whether it is kept, covered by a problem or
    dismissed: a broader group is not a second way to suggest the same incidents.
    """
    by_field = {s.category for s in suggestions if s.kind is GroupKind.FIELD}
    structured = [frozenset(s.incidents) for s in suggestions if s.kind is not GroupKind.TEXT]
    explained: set[_Key] = set()
    for suggestion in suggestions:
        if suggestion.kind is GroupKind.CATEGORY and suggestion.category in by_field:
            explained.add(_key(*_group(suggestion)))
        elif suggestion.kind is GroupKind.TEXT:
            incidents = set(suggestion.incidents)
            if any(2 * len(incidents & group) > len(incidents) for group in structured):
                explained.add(_key(*_group(suggestion)))
    return explained
