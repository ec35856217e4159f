"""The built-in priority policy: the matrix, then the modifiers in order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import attrs

from .._ticket import Ticket
from .._values import check_int
from ..exceptions import InvalidValueError
from ._modifiers import PriorityModifier
from ._priority import (
    DEFAULT_MATRIX,
    SCALE,
    PriorityDecision,
    PriorityMatrix,
    PriorityPolicy,
    PriorityStep,
)
from ._words import items_of

__all__ = ["priority_policy"]


@attrs.frozen(repr=False)
class _MatrixPolicy:
    matrix: PriorityMatrix
    modifiers: tuple[PriorityModifier, ...]
    default_impact: int
    default_urgency: int

    def prioritize(self, ticket: Ticket) -> PriorityDecision:
        impact = self.default_impact if ticket.impact is None else ticket.impact
        urgency = self.default_urgency if ticket.urgency is None else ticket.urgency
        assumed = frozenset(
            name
            for name, given in (("impact", ticket.impact), ("urgency", ticket.urgency))
            if given is None
        )
        base = level = self.matrix.cells[urgency - 1][impact - 1]
        top = self.matrix.top
        steps: list[PriorityStep] = []
        for index, modifier in enumerate(self.modifiers):
            step = modifier.modify(ticket, level, top)
            if step is None:
                continue
            # A host's modifier answers across a boundary: check it as any value from outside.
            where = f"modifiers[{index}]"
            if type(step) is not PriorityStep:
                raise InvalidValueError(where, step, "a modifier returns a PriorityStep or None")
            if step.before != level or step.after > top:
                problem = (
                    f"a step starts at the level it was given ({level}), ends at most at {top}"
                )
                raise InvalidValueError(where, step, problem)
            steps.append(step)
            level = step.after
        return PriorityDecision(
            impact=impact,
            urgency=urgency,
            assumed=assumed,
            base=base,
            steps=tuple(steps),
            level=level,
            label=self.matrix.labels[level - 1],
        )

    def __repr__(self) -> str:
        return f"priority_policy({len(self.modifiers)} modifiers)"


def priority_policy(
    matrix: PriorityMatrix = DEFAULT_MATRIX,
    modifiers: Iterable[PriorityModifier] = (),
    *,
    default_impact: int = 3,
    default_urgency: int = 3,
) -> PriorityPolicy:
    """Return a policy that reads the matrix cell, then applies ``modifiers`` in order.

    Args:
        matrix: The impact x urgency matrix (GLPI's 5x5 by default).
        modifiers: Applied one after another, each to the level the last one left.
        default_impact: The impact of a ticket that has none (1 to 5).
        default_urgency: The urgency of a ticket that has none (1 to 5).

    Raises:
        InvalidValueError: ``matrix`` is not a :class:`PriorityMatrix`, a modifier has no
            ``modify`` method, or a default is out of range. At decision time, a modifier
            that answers something other than a :class:`PriorityStep` from the level it was
            given to a level of the matrix.

    .. versionadded:: 0.2
    """
    if type(matrix) is not PriorityMatrix:
        raise InvalidValueError("matrix", matrix, "must be a PriorityMatrix")
    checked = tuple(items_of("modifiers", modifiers))
    for index, modifier in enumerate(checked):
        if not callable(getattr(modifier, "modify", None)):
            raise InvalidValueError(f"modifiers[{index}]", modifier, "has no modify() method")
    return _MatrixPolicy(
        matrix,
        cast("tuple[PriorityModifier, ...]", checked),
        check_int("default_impact", default_impact, minimum=1, maximum=SCALE),
        check_int("default_urgency", default_urgency, minimum=1, maximum=SCALE),
    )
