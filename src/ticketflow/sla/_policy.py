"""SLA policies: which targets apply to a ticket, chosen by explicit rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from types import MappingProxyType
from typing import Final

import attrs

from .._accounts import CrmLookup, contract_tier
from .._contracts import ContractLookup
from .._events import SlaMetric
from .._status import TicketStatus
from .._ticket import Ticket
from .._values import check_name, check_optional_name
from ..exceptions import InvalidValueError
from ._calendar import HORIZON_END, HORIZON_START, BusinessCalendar
from ._escalation import Escalation

__all__ = ["DEFAULT_PAUSES", "STOPPED_STATUSES", "SlaPolicy", "SlaRule", "SlaTargets"]

DEFAULT_PAUSES: Final[Mapping[SlaMetric, frozenset[str]]] = MappingProxyType(
    {
        SlaMetric.FIRST_RESPONSE: frozenset(),
        SlaMetric.NEXT_RESPONSE: frozenset(),
        SlaMetric.RESOLUTION: frozenset({TicketStatus.PENDING_CUSTOMER}),
    }
)
"""Statuses that pause each clock by default: waiting on the customer pauses resolution."""

STOPPED_STATUSES: Final[frozenset[str]] = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})
"""Statuses in which no clock runs and resolution is met; a reopen resumes the clocks."""

_CHOSEN: Final = 4096  # (priority, category) pairs whose rule is remembered
_LONGEST_TARGET: Final = timedelta(days=3660)  # ten years of business time is a typo, not an SLA


def _positive(_: object, attribute: attrs.Attribute[timedelta | None], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, timedelta) or not timedelta(0) < value <= _LONGEST_TARGET:
        raise InvalidValueError(
            attribute.name, value, "an SLA target is a positive timedelta of at most ten years"
        )


def _statuses(field: str, value: object) -> frozenset[str]:
    # A bare string is iterable too; "pending_customer" must not become its letters.
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError(field, value, "must be a collection of statuses, not a string")
    found: list[object] = list(value)
    if not all(isinstance(s, str) and s for s in found):
        raise InvalidValueError(field, value, "statuses are non-empty strings")
    return frozenset(str(s) for s in found)


def _collection(field: str, value: object, kind: str) -> tuple[object, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError(field, value, f"must be a collection of {kind}")
    return tuple(value)


def _rules(value: object) -> tuple[SlaRule, ...]:
    rules = _collection("rules", value, "SlaRule")
    if not rules:
        raise InvalidValueError("rules", rules, "a policy needs at least one rule")
    for index, rule in enumerate(rules):
        if not isinstance(rule, SlaRule):
            raise InvalidValueError(f"rules[{index}]", rule, "must be an SlaRule")
    names = [rule.name for rule in rules]  # type: ignore[attr-defined]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InvalidValueError("rules", duplicates, "rule names must be unique")
    return rules  # type: ignore[return-value]


def _thresholds(value: object) -> tuple[float, ...]:
    given = _collection("warn_at", value, "fractions")
    for threshold in given:
        if (
            not isinstance(threshold, float | int)
            or isinstance(threshold, bool)
            or not (0 < threshold < 1)
        ):
            raise InvalidValueError("warn_at", threshold, "a threshold is a fraction in (0, 1)")
    return tuple(sorted({float(t) for t in given}))  # type: ignore[arg-type]


def _escalations(value: object) -> tuple[Escalation, ...]:
    escalations = _collection("escalations", value, "Escalation")
    for index, escalation in enumerate(escalations):
        if not callable(getattr(escalation, "escalate", None)):
            raise InvalidValueError(
                f"escalations[{index}]", escalation, "must have an escalate(ticket, alert)"
            )
    return escalations  # type: ignore[return-value]


@attrs.frozen(kw_only=True)
class SlaTargets:
    """How much business time each clock may take; ``None`` means no target for that clock."""

    first_response: timedelta | None = attrs.field(default=None, validator=_positive)
    next_response: timedelta | None = attrs.field(default=None, validator=_positive)
    resolution: timedelta | None = attrs.field(default=None, validator=_positive)

    def get(self, metric: SlaMetric) -> timedelta | None:
        """Return the target for ``metric``."""
        value: timedelta | None = getattr(self, metric.value)
        return value


@attrs.frozen(kw_only=True)
class SlaRule:
    """One rule of a policy: the conditions it applies under and the targets it sets.

    A condition left ``None`` matches anything. A rule with a ``tier`` is a contract SLA: its
    breaches owe the customer a service credit. The name and the conditions are one-line names
    (:class:`~ticketflow.exceptions.InvalidValueError` otherwise): they travel in service
    credits.

    Every target must be reachable on the rule's calendar: counted from the start of year 9000,
    it must elapse before the start of year 9999.  Then every deadline of a ticket whose events
    come before year 9000 exists (a calendar open a minute a week cannot hold a ten-year target).

    Raises:
        InvalidValueError: An empty name, targets or calendar of the wrong type, an empty
            condition, or a target the calendar cannot reach (``field`` names the target, such
            as ``targets.resolution``, and the message names the rule).

    Attributes:
        name: Shown by :meth:`SlaPolicy.explain` and in service credits.
        targets: The targets.
        calendar: The business hours the targets count in.
        priority: Applies only to tickets of this priority.
        category: Applies only to tickets of this category.
        tier: Applies only to requesters with this contract tier.
    """

    name: str
    targets: SlaTargets
    calendar: BusinessCalendar
    priority: str | None = None
    category: str | None = None
    tier: str | None = None

    def __attrs_post_init__(self) -> None:
        # A rule's name and tier travel in service credits, so they follow the name rules.
        check_name("name", self.name)
        for field, kind in (("targets", SlaTargets), ("calendar", BusinessCalendar)):
            if not isinstance(getattr(self, field), kind):
                raise InvalidValueError(field, getattr(self, field), f"must be a {kind.__name__}")
        for name in ("priority", "category", "tier"):
            check_optional_name(name, getattr(self, name))
        self._check_reachable()

    def _check_reachable(self) -> None:
        # ``add`` is monotone in its start, so one question answers for every earlier start.
        room = self.calendar.between(HORIZON_START, HORIZON_END)
        for metric in SlaMetric:
            target = self.targets.get(metric)
            if target is not None and target > room:
                raise InvalidValueError(
                    f"targets.{metric.value}",
                    target,
                    f"rule {self.name!r} cannot meet this target on its calendar: from"
                    f" {HORIZON_START:%Y-%m-%d} to {HORIZON_END:%Y-%m-%d} it is open only"
                    f" {room}, so some deadlines would lie beyond the last representable date",
                )

    def conditions(self) -> str:
        """Return the conditions as text, e.g. ``priority=P1, tier=gold``."""
        parts = [
            f"{name}={value}"
            for name, value in (
                ("priority", self.priority),
                ("category", self.category),
                ("tier", self.tier),
            )
            if value is not None
        ]
        return ", ".join(parts) or "any ticket"

    def matches(self, ticket: Ticket, tier: str | None) -> bool:
        """Return whether the rule applies to ``ticket`` of a requester with ``tier``."""
        return (
            (self.priority is None or ticket.priority == self.priority)
            and (self.category is None or ticket.category == self.category)
            and (self.tier is None or tier == self.tier)
        )


class SlaPolicy:
    """Chooses the targets for each ticket by explicit rules: the first matching rule wins.

    Args:
        rules: The rules, most specific first.
        contracts: Looks up the requester's contract tier for rules with a ``tier``: a
            :class:`~ticketflow.integrations.CrmLookup` (the account's ``sla_tier``) or a
            :class:`~ticketflow.integrations.ContractLookup` (deprecated).
        pauses: Statuses that pause each clock (default :data:`DEFAULT_PAUSES`).
        stopped: Statuses in which no clock runs and resolution counts as met (default
            :data:`STOPPED_STATUSES`; the desk's workflow adds its terminal statuses).
        warn_at: Warning thresholds as fractions of the target, each in (0, 1).
        escalations: What to do, beyond recording the event, on a warning or a breach.

    Raises:
        InvalidValueError: No rules, a rule that is not an :class:`SlaRule`, duplicate rule
            names, pauses or stopped statuses given as a string, a threshold outside (0, 1),
            contracts without a ``tier`` method, or an escalation without an ``escalate``
            method.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        rules: Sequence[SlaRule],
        *,
        contracts: CrmLookup | ContractLookup | None = None,
        pauses: Mapping[SlaMetric, Iterable[str]] = DEFAULT_PAUSES,
        stopped: Iterable[str] = STOPPED_STATUSES,
        warn_at: Iterable[float] = (0.75, 0.9),
        escalations: Sequence[Escalation] = (),
    ) -> None:
        if (
            contracts is not None
            and not callable(getattr(contracts, "tier", None))
            and not callable(getattr(contracts, "account", None))
        ):
            raise InvalidValueError(
                "contracts", contracts, "must have an account(requester) or tier(requester) method"
            )
        if not isinstance(pauses, Mapping):
            raise InvalidValueError("pauses", pauses, "must map SLA metrics to statuses")
        rules = _rules(rules)
        thresholds = _thresholds(warn_at)
        escalations = _escalations(escalations)
        self.rules = tuple(rules)
        # The rule chosen for each (priority, category) where no contract tier counts.
        self._chosen: dict[tuple[str | None, str | None], SlaRule | None] = {}
        self.contracts = contracts
        self.pauses: Mapping[SlaMetric, frozenset[str]] = MappingProxyType(
            {
                metric: _statuses(f"pauses[{metric.value!r}]", pauses.get(metric, ()))
                for metric in SlaMetric
            }
        )
        self.stopped = _statuses("stopped", stopped)
        self.warn_at = thresholds
        self.escalations = tuple(escalations)

    @classmethod
    def by_priority(
        cls,
        targets: Mapping[str, timedelta | SlaTargets],
        *,
        calendar: BusinessCalendar,
        **options: object,
    ) -> SlaPolicy:
        """Build a policy with one rule per priority.

        A bare ``timedelta`` is the resolution target; pass :class:`SlaTargets` to set the
        response clocks too. Other keyword arguments go to :class:`SlaPolicy`.
        """
        if not isinstance(targets, Mapping):
            raise InvalidValueError("targets", targets, "must map priorities to targets")
        rules = [
            SlaRule(
                name=priority,
                priority=priority,
                calendar=calendar,
                targets=value if isinstance(value, SlaTargets) else SlaTargets(resolution=value),
            )
            for priority, value in targets.items()
        ]
        return cls(rules, **options)  # type: ignore[arg-type]

    def tier_of(self, ticket: Ticket) -> str | None:
        """Return the requester's contract tier (``None`` without a contract lookup)."""
        if self.contracts is None:
            return None
        return contract_tier(self.contracts, ticket.requester)

    def select(self, ticket: Ticket) -> SlaRule | None:
        """Return the rule in force for ``ticket``, or ``None`` if no rule applies."""
        if self.contracts is None:  # asked on every command: by what the rules look at
            key = (ticket.priority, ticket.category)
            try:
                return self._chosen[key]
            except KeyError:
                chosen = self._first_match(ticket, None)
                if len(self._chosen) < _CHOSEN:
                    self._chosen[key] = chosen
                return chosen
        return self._first_match(ticket, self.tier_of(ticket))

    def _first_match(self, ticket: Ticket, tier: str | None) -> SlaRule | None:
        for rule in self.rules:
            if rule.matches(ticket, tier):
                return rule
        return None

    def explain(self, ticket: Ticket) -> str:
        """Say which rule applies to ``ticket`` and why, in one line."""
        rule = self.select(ticket)
        facts = (
            f"priority={ticket.priority}, category={ticket.category}, tier={self.tier_of(ticket)}"
        )
        if rule is None:
            return f"no SLA rule applies to {ticket.reference} ({facts})"
        position = self.rules.index(rule) + 1
        targets = ", ".join(
            f"{metric.value} {target}"
            for metric in SlaMetric
            if (target := rule.targets.get(metric)) is not None
        )
        return (
            f"rule {position} {rule.name!r} ({rule.conditions()}) applies to {ticket.reference}"
            f" ({facts}): {targets or 'no targets'}"
        )

    def __repr__(self) -> str:
        return f"SlaPolicy(rules={[rule.name for rule in self.rules]!r})"
