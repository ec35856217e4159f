"""Priority modifiers: ordered adjustments to the matrix level, each with a floor and a cap.

A built-in modifier that matches moves the level by ``steps`` (up when positive, down when
negative), then into ``[floor, cap]``; it never moves against its own direction, so a raising
modifier never lowers a ticket that is already above its cap. With ``steps=0`` a modifier is a
pure bound: it lifts the level to ``floor`` and lowers it to ``cap``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol, runtime_checkable

import attrs

from .._contracts import ContractLookup
from .._fields import FieldValue
from .._identity import mailbox_key
from .._shown import shown
from .._ticket import Requester, Ticket
from .._values import check_int, check_name, check_optional_name
from ..exceptions import InvalidValueError
from ._priority import MAX_LEVELS, PriorityStep, check_level
from ._words import (
    DEFAULT_MAX_TEXT,
    TicketText,
    check_max_text,
    field_values,
    items_of,
    keyword_set,
)

__all__ = [
    "PriorityModifier",
    "field_modifier",
    "keyword_modifier",
    "tier_modifier",
    "vip_modifier",
]


@runtime_checkable
class PriorityModifier(Protocol):
    """Adjusts a priority level after the matrix (the triage priority modifier strategy)."""

    def modify(self, ticket: Ticket, level: int, top: int) -> PriorityStep | None:
        """Return the step from ``level`` (1 to ``top``), or ``None`` if it does not apply."""
        ...


@attrs.frozen
class _Bounds:
    name: str
    steps: int
    floor: int
    cap: int | None

    def step(self, level: int, top: int, why: str) -> PriorityStep:
        cap = top if self.cap is None else min(self.cap, top)
        moved = max(min(level + self.steps, cap), min(self.floor, cap))
        if self.steps > 0:
            moved = max(level, moved)
        elif self.steps < 0:
            moved = min(level, moved)
        return PriorityStep(self.name, level, moved, why)


def _bounds(name: object, steps: object, floor: object, cap: object) -> _Bounds:
    checked_steps = check_int("steps", steps, minimum=-MAX_LEVELS, maximum=MAX_LEVELS)
    checked_floor = check_level("floor", floor)
    checked_cap = None if cap is None else check_level("cap", cap)
    if checked_cap is not None and checked_cap < checked_floor:
        raise InvalidValueError("cap", cap, f"is below the floor {checked_floor}")
    if checked_steps == 0 and checked_floor == 1 and checked_cap is None:
        raise InvalidValueError("steps", steps, "a modifier moves the level or bounds it")
    return _Bounds(check_name("name", name), checked_steps, checked_floor, checked_cap)


TierLookup = ContractLookup | Callable[[Requester], "str | None"]


@attrs.frozen(repr=False)
class _TierModifier:
    bounds: _Bounds
    steps_by_tier: Mapping[str, int]
    lookup: Callable[[Requester], object]

    def modify(self, ticket: Ticket, level: int, top: int) -> PriorityStep | None:
        try:
            tier = self.lookup(ticket.requester)
        except Exception as error:  # noqa: BLE001 - a CRM that is down must not lose the ticket
            why = f"the tier lookup failed ({type(error).__name__}: {shown(str(error))}): skipped"
            return PriorityStep(self.bounds.name, level, level, why)
        tier = check_optional_name("tier lookup", tier)
        steps = self.steps_by_tier.get(tier) if tier is not None else None
        if steps is None:
            return None
        bounds = attrs.evolve(self.bounds, steps=steps)
        return bounds.step(level, top, f"the customer's tier is {tier}")

    def __repr__(self) -> str:
        return f"tier_modifier({dict(self.steps_by_tier)!r}, name={self.bounds.name!r})"


def tier_modifier(
    steps: Mapping[str, int],
    lookup: TierLookup,
    *,
    floor: int = 1,
    cap: int | None = None,
    name: str = "tier",
) -> PriorityModifier:
    """Move the level by the steps of the requester's customer tier, e.g. ``{"gold": 1}``.

    Args:
        steps: Tier to steps (negative lowers); a tier not listed changes nothing.
        lookup: A :class:`~ticketflow.integrations.ContractLookup` or a callable from the
            requester to its tier (or ``None``). If it raises, the step records the failure
            and leaves the level as it was: a CRM that is down must not lose a ticket.
        floor: The lowest level it moves to.
        cap: The highest level it moves to (``None``: the top).
        name: Names the modifier in decisions.

    Raises:
        InvalidValueError: A malformed argument. At decision time, a lookup that answers
            something other than a tier name or ``None``.

    .. versionadded:: 0.2
    """
    if not isinstance(steps, Mapping):
        raise InvalidValueError("steps", steps, "must map tiers to steps")
    by_tier = {
        check_name("steps", tier): check_int(
            f"steps[{tier!r}]", move, minimum=-MAX_LEVELS, maximum=MAX_LEVELS
        )
        for tier, move in steps.items()
    }
    tier_method = getattr(lookup, "tier", None)
    answer = tier_method if callable(tier_method) else lookup
    if not callable(answer):
        raise InvalidValueError("lookup", lookup, "must be a ContractLookup or a callable")
    return _TierModifier(_bounds(name, 1, floor, cap), by_tier, answer)


@attrs.frozen(repr=False)
class _VipModifier:
    bounds: _Bounds
    mailboxes: frozenset[str]

    def modify(self, ticket: Ticket, level: int, top: int) -> PriorityStep | None:
        if mailbox_key(ticket.requester.email) not in self.mailboxes:
            return None
        return self.bounds.step(level, top, f"{ticket.requester.email} is a VIP")

    def __repr__(self) -> str:
        return f"vip_modifier({len(self.mailboxes)} addresses, name={self.bounds.name!r})"


def vip_modifier(
    addresses: Iterable[str],
    *,
    steps: int = 1,
    floor: int = 1,
    cap: int | None = None,
    name: str = "vip",
) -> PriorityModifier:
    """Move the level for requesters at these addresses (as :func:`~ticketflow.same_mailbox`).

    Raises:
        InvalidValueError: An address is malformed, or another argument is.

    .. versionadded:: 0.2
    """
    mailboxes = set()
    for index, address in enumerate(items_of("addresses", addresses)):
        key = mailbox_key(check_name(f"addresses[{index}]", address))
        if key is None:
            raise InvalidValueError(f"addresses[{index}]", address, "is not an e-mail address")
        mailboxes.add(key)
    return _VipModifier(_bounds(name, steps, floor, cap), frozenset(mailboxes))


@attrs.frozen(repr=False)
class _KeywordModifier:
    bounds: _Bounds
    keywords: frozenset[str]
    max_text: int

    def modify(self, ticket: Ticket, level: int, top: int) -> PriorityStep | None:
        text = TicketText(ticket, self.max_text)
        found = sorted(keyword for keyword in self.keywords if text.has(keyword))
        if not found:
            return None
        return self.bounds.step(level, top, f"the text says {', '.join(map(repr, found))}")

    def __repr__(self) -> str:
        return f"keyword_modifier({sorted(self.keywords)!r}, name={self.bounds.name!r})"


def keyword_modifier(
    keywords: Iterable[str],
    *,
    steps: int = 1,
    floor: int = 1,
    cap: int | None = None,
    name: str = "keywords",
    max_text: int = DEFAULT_MAX_TEXT,
) -> PriorityModifier:
    """Move the level when the subject or description holds one of ``keywords`` ("outage").

    Keywords are words or phrases matched whole and case-folded, as in
    :class:`CategoryRule`; only the first ``max_text`` characters are read.

    Raises:
        InvalidValueError: A malformed argument, naming it.

    .. versionadded:: 0.2
    """
    found = keyword_set("keywords", keywords)
    if not found:
        raise InvalidValueError("keywords", keywords, "needs at least one keyword")
    return _KeywordModifier(_bounds(name, steps, floor, cap), found, check_max_text(max_text))


@attrs.frozen(repr=False)
class _FieldModifier:
    bounds: _Bounds
    field: str
    accepted: frozenset[tuple[type, FieldValue]]

    def modify(self, ticket: Ticket, level: int, top: int) -> PriorityStep | None:
        value = ticket.fields.get(self.field)
        if value is None or (type(value), value) not in self.accepted:
            return None
        return self.bounds.step(level, top, f"the field {self.field} is {value!r}")

    def __repr__(self) -> str:
        return f"field_modifier({self.field!r}, name={self.bounds.name!r})"


def field_modifier(
    field: str,
    values: FieldValue | Iterable[FieldValue],
    *,
    steps: int = 1,
    floor: int = 1,
    cap: int | None = None,
    name: str | None = None,
) -> PriorityModifier:
    """Move the level when the structured ``field`` holds one of ``values`` (of its type).

    Raises:
        InvalidValueError: A malformed argument, naming it.

    .. versionadded:: 0.2
    """
    checked = check_name("field", field)
    accepted = frozenset((type(v), v) for v in field_values("values", values))
    label = f"field {checked}" if name is None else name
    return _FieldModifier(_bounds(label, steps, floor, cap), checked, accepted)
