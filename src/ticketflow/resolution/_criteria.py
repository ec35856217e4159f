"""The definition of done: named, checkable criteria, configured per kind and category."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Protocol, runtime_checkable

import attrs

from .._events import TicketEvent
from .._resolution import CriterionVerdict, Resolution
from .._shown import shown
from .._ticket import Ticket, TicketKind, tag_set
from .._values import check_int, check_name, check_text, validator
from .._workflow import CheckResult
from ..exceptions import CheckFailure, InvalidValueError

__all__ = [
    "ANY",
    "DEFAULT_CODES",
    "ChecklistDone",
    "CodeInList",
    "Criterion",
    "DoneContext",
    "DoneCriteria",
    "EvidenceAttached",
    "HostCriterion",
    "ProblemLinked",
    "RootCauseGiven",
    "failures_of",
]

ANY: Final = "*"
"""The wildcard in :class:`DoneCriteria` keys: ``("*", "network")`` is every kind in network."""

DEFAULT_CODES: Final = (
    "fixed",
    "workaround",
    "answered",
    "configuration",
    "duplicate",
    "cannot_reproduce",
    "wont_fix",
)
"""The resolution codes a desk accepts unless it lists its own."""

_MAX_CRITERIA: Final = 64


class DoneContext:
    """What a criterion judges: the ticket before resolving, its journal, the resolution.

    The journal is read on first use only (most criteria never need it).
    """

    __slots__ = ("_history", "_read", "resolution", "ticket")

    def __init__(
        self,
        ticket: Ticket,
        resolution: Resolution,
        history: Callable[[], Sequence[TicketEvent]],
    ) -> None:
        if type(ticket) is not Ticket:
            raise InvalidValueError("ticket", ticket, "must be a Ticket")
        if type(resolution) is not Resolution:
            raise InvalidValueError("resolution", resolution, "must be a Resolution")
        if not callable(history):
            raise InvalidValueError("history", history, "must be callable")
        self.ticket = ticket
        self.resolution = resolution
        self._history = history
        self._read: Sequence[TicketEvent] | None = None

    @property
    def history(self) -> Sequence[TicketEvent]:
        """The ticket's journal up to now, oldest first."""
        if self._read is None:
            self._read = self._history()
        return self._read

    def __repr__(self) -> str:
        return f"DoneContext(ticket={self.ticket.id!r}, code={self.resolution.code!r})"


@runtime_checkable
class Criterion(Protocol):
    """One checkable condition of done, with a name unique within a desk's criteria."""

    @property
    def name(self) -> str:
        """Names the criterion in verdicts and errors."""
        ...

    def check(self, context: DoneContext) -> CheckResult:
        """Return whether the resolution in ``context`` meets this criterion, and why not."""
        ...


def _criterion_name(default: str) -> Any:  # noqa: ANN401 - an attrs field
    return attrs.field(default=default, validator=validator(check_name, "name", max_length=200))


def _codes(value: Iterable[str]) -> frozenset[str]:
    given: object = value
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise InvalidValueError("codes", given, "must be a collection of resolution codes")
    codes = frozenset(check_name("codes", code, max_length=64) for code in given)
    if not codes:
        raise InvalidValueError("codes", (), "list at least one resolution code")
    return codes


@attrs.frozen
class CodeInList:
    """The resolution's code is one of the desk's closed list.

    .. versionadded:: 0.2
    """

    codes: frozenset[str] = attrs.field(default=frozenset(DEFAULT_CODES), converter=_codes)
    name: str = _criterion_name("resolution_code")

    def check(self, context: DoneContext) -> CheckResult:
        """Pass when the code is listed."""
        code = context.resolution.code
        if code in self.codes:
            return CheckResult.ok()
        return CheckResult.fail(
            f"code {shown(code)} is not one of: {', '.join(sorted(self.codes))}"
        )


def _categories(value: Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    given: object = value
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise InvalidValueError("categories", given, "must be a collection of categories")
    return frozenset(check_name("categories", category) for category in given)


@attrs.frozen
class RootCauseGiven:
    """The resolution names its root cause (for the given categories; ``None``: all).

    .. versionadded:: 0.2
    """

    categories: frozenset[str] | None = attrs.field(default=None, converter=_categories)
    name: str = _criterion_name("root_cause")

    def check(self, context: DoneContext) -> CheckResult:
        """Pass when no root cause is required, or one is given."""
        category = context.ticket.category
        if self.categories is not None and category not in self.categories:
            return CheckResult.ok()
        if context.resolution.root_cause is not None:
            return CheckResult.ok()
        where = "" if category is None else f" in category {category}"
        return CheckResult.fail(f"a resolution{where} names its root cause")


def _tag(value: str) -> str:
    (tag,) = tag_set("recurring_tag", (value,))
    return tag


@attrs.frozen
class ProblemLinked:
    """A recurring incident is linked to a problem record before it is resolved.

    An incident counts as recurring when it carries ``recurring_tag`` or has been reopened
    ``min_reopens`` times or more (``None``: reopens do not count).

    .. versionadded:: 0.2
    """

    recurring_tag: str = attrs.field(default="recurring", converter=_tag)
    min_reopens: int | None = attrs.field(default=None)
    name: str = _criterion_name("problem_linked")

    def __attrs_post_init__(self) -> None:
        if self.min_reopens is not None:
            check_int("min_reopens", self.min_reopens, minimum=1, maximum=1000)

    def check(self, context: DoneContext) -> CheckResult:
        """Pass for a non-recurring ticket, or a recurring incident linked to a problem."""
        ticket = context.ticket
        if ticket.kind is not TicketKind.INCIDENT or ticket.links.problem is not None:
            return CheckResult.ok()
        reopened = self.min_reopens is not None and ticket.reopen_count >= self.min_reopens
        if self.recurring_tag in ticket.tags:
            why = f"tagged {self.recurring_tag}"
        elif reopened:
            why = f"reopened {ticket.reopen_count} times"
        else:
            return CheckResult.ok()
        return CheckResult.fail(f"a recurring incident ({why}) is linked to a problem first")


def _minimum(value: int) -> int:
    return check_int("minimum", value, minimum=1, maximum=32)


@attrs.frozen
class EvidenceAttached:
    """The resolution carries at least ``minimum`` items of evidence (links, hashes).

    .. versionadded:: 0.2
    """

    minimum: int = attrs.field(default=1, converter=_minimum)
    name: str = _criterion_name("evidence")

    def check(self, context: DoneContext) -> CheckResult:
        """Pass when enough evidence is attached."""
        found = len(context.resolution.evidence)
        if found >= self.minimum:
            return CheckResult.ok()
        return CheckResult.fail(f"needs {self.minimum} item(s) of evidence, has {found}")


def _prefix(value: str) -> str:
    return check_name("prefix", value, max_length=64)


@attrs.frozen
class ChecklistDone:
    """Every checklist item is done: each structured field named ``<prefix><item>`` is ``True``.

    A ticket with no such field has no checklist, and passes.

    .. versionadded:: 0.2
    """

    prefix: str = attrs.field(default="checklist.", converter=_prefix)
    name: str = _criterion_name("checklist")

    def check(self, context: DoneContext) -> CheckResult:
        """Pass when no checklist item is open."""
        fields = context.ticket.fields
        open_items = sorted(
            name[len(self.prefix) :]
            for name, value in fields.items()
            if name.startswith(self.prefix) and value is not True
        )
        if not open_items:
            return CheckResult.ok()
        return CheckResult.fail(f"checklist items not done: {', '.join(open_items)}")


def _predicate(value: Callable[[DoneContext], CheckResult | bool]) -> Any:  # noqa: ANN401
    if not callable(value):
        raise InvalidValueError("predicate", value, "must be callable")
    return value


def _reason(value: str) -> str:
    return check_text("reason", value, empty=False, max_length=2000)


@attrs.frozen
class HostCriterion:
    """A host's own criterion: ``predicate(context)`` returns a :class:`CheckResult` or a bool.

    A plain ``False`` fails with ``reason``.

    .. versionadded:: 0.2
    """

    name: str = attrs.field(validator=validator(check_name, "name", max_length=200))
    predicate: Callable[[DoneContext], CheckResult | bool] = attrs.field(converter=_predicate)
    reason: str = attrs.field(default="the host's condition is not met", converter=_reason)

    def check(self, context: DoneContext) -> CheckResult:
        """Ask the host's predicate."""
        result = self.predicate(context)
        if result is True:
            return CheckResult.ok()
        if result is False:
            return CheckResult.fail(self.reason)
        return result


def _judge(criterion: Criterion, context: DoneContext) -> CriterionVerdict:
    try:
        result: object = criterion.check(context)
    except Exception as error:  # noqa: BLE001 - a broken criterion fails, it never passes
        return CriterionVerdict(
            criterion.name,
            passed=False,
            reason=f"the criterion failed: {type(error).__name__}: {error}"[:2000],
        )
    if type(result) is not CheckResult:
        return CriterionVerdict(
            criterion.name,
            passed=False,
            reason=f"the criterion returned {shown(result)}, not a CheckResult",
        )
    return CriterionVerdict(criterion.name, result.passed, result.reason)


def _criteria(where: str, value: object) -> tuple[Criterion, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError(where, value, "must be a collection of criteria")
    found = tuple(value)
    if len(found) > _MAX_CRITERIA:
        raise InvalidValueError(where, len(found), f"at most {_MAX_CRITERIA} criteria")
    for index, criterion in enumerate(found):
        if not isinstance(criterion, Criterion) or not callable(criterion.check):
            raise InvalidValueError(f"{where}[{index}]", criterion, "must be a Criterion")
        check_name(f"{where}[{index}].name", criterion.name, max_length=200)
    return found


Key = tuple[str, str]


def _key(value: object) -> Key:
    if not isinstance(value, tuple) or len(value) != 2:  # noqa: PLR2004
        raise InvalidValueError("criteria", value, "a key is a (kind, category) pair")
    kind, category = value
    if kind != ANY:
        kind = check_name("criteria", kind)
        if kind not in set(TicketKind):
            raise InvalidValueError("criteria", kind, f"kind must be {ANY!r} or a TicketKind")
    return str(kind), check_name("criteria", category)


class DoneCriteria:
    """Which criteria a resolution must pass, by ticket kind and category.

    Keys are ``(kind, category)`` pairs, either part ``"*"`` (:data:`ANY`); the criteria of
    every matching key apply, most specific first (``(kind, category)``, ``(kind, "*")``,
    ``("*", category)``, ``("*", "*")``), each name once (the most specific wins).

    Args:
        criteria: The criteria per key (none: nothing is required).

    Raises:
        InvalidValueError: A key that is no ``(kind, category)`` pair, a kind that is not one,
            or an entry that is not a :class:`Criterion`.

    .. versionadded:: 0.2
    """

    __slots__ = ("_by_key",)

    def __init__(self, criteria: Mapping[Key, Iterable[Criterion]] | None = None) -> None:
        given: object = {} if criteria is None else criteria
        if not isinstance(given, Mapping):
            raise InvalidValueError("criteria", given, "must map (kind, category) to criteria")
        by_key: dict[Key, tuple[Criterion, ...]] = {}
        for key, listed in given.items():
            checked = _key(key)
            by_key[checked] = _criteria(f"criteria[{shown(checked)}]", listed)
        self._by_key = by_key

    @classmethod
    def of(cls, criteria: Iterable[Criterion]) -> DoneCriteria:
        """Return the same criteria for every ticket (``{("*", "*"): criteria}``)."""
        return cls({(ANY, ANY): criteria})

    @classmethod
    def default(cls, codes: Iterable[str] = DEFAULT_CODES) -> DoneCriteria:
        """Return the default: the resolution's code is one of ``codes``."""
        return cls({(ANY, ANY): [CodeInList(codes)]})

    def for_ticket(self, ticket: Ticket) -> tuple[Criterion, ...]:
        """Return the criteria that apply to ``ticket``, in the order they are checked."""
        category = ANY if ticket.category is None else ticket.category
        keys = ((ticket.kind.value, category), (ticket.kind.value, ANY), (ANY, category))
        chosen: dict[str, Criterion] = {}
        for key in (*keys, (ANY, ANY)):
            for criterion in self._by_key.get(key, ()):
                chosen.setdefault(criterion.name, criterion)
        return tuple(chosen.values())

    def evaluate(self, context: DoneContext) -> tuple[CriterionVerdict, ...]:
        """Return every applicable criterion's verdict on ``context`` (all are checked).

        A criterion that raises, or returns something other than a
        :class:`~ticketflow.CheckResult`, fails with a reason that says so: nothing is done on
        a broken check.
        """
        if type(context) is not DoneContext:
            raise InvalidValueError("context", context, "must be a DoneContext")
        return tuple(_judge(criterion, context) for criterion in self.for_ticket(context.ticket))

    def __repr__(self) -> str:
        return f"DoneCriteria({ {k: [c.name for c in v] for k, v in self._by_key.items()} })"


def failures_of(verdicts: Sequence[CriterionVerdict]) -> list[CheckFailure]:
    """Return the failed verdicts as :class:`~ticketflow.CheckFailure` values."""
    return [CheckFailure(v.criterion, v.reason) for v in verdicts if not v.passed]
