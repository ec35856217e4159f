"""Priority: the impact x urgency matrix as data, and the explained decision built on it.

Levels are numbers from 1 (lowest) to the number of labels (highest); the matrix's default is
GLPI's 5x5 table, and level 5 is labelled ``P1``. Modifiers (:mod:`._modifiers`) then move the
level one after another, each step recorded with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Protocol, cast, runtime_checkable

import attrs

from .._ticket import Ticket
from .._values import check_int, check_name, check_text, validator
from ..exceptions import InvalidValueError
from ._words import items_of

__all__ = [
    "DEFAULT_MATRIX",
    "MAX_LEVELS",
    "PriorityDecision",
    "PriorityMatrix",
    "PriorityPolicy",
    "PriorityStep",
    "check_level",
]

SCALE: Final = 5
"""Impact and urgency run from 1 to 5, as on a ticket."""
MAX_LEVELS: Final = 10


def check_level(field: str, value: object) -> int:
    """Return ``value`` if it is a priority level (1 to :data:`MAX_LEVELS`)."""
    return check_int(field, value, minimum=1, maximum=MAX_LEVELS)


def _rows(value: object) -> tuple[tuple[int, ...], ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError("cells", value, "must be 5 rows (urgency 1..5) of 5 levels")
    rows = []
    for u, row in enumerate(value, start=1):
        if isinstance(row, str | bytes) or not isinstance(row, Iterable):
            raise InvalidValueError(f"cells[{u - 1}]", row, "a row is 5 levels (impact 1..5)")
        rows.append(
            tuple(check_level(f"cells[{u - 1}][{i}]", level) for i, level in enumerate(row))
        )
        if len(rows[-1]) != SCALE or len(rows) > SCALE:
            raise InvalidValueError("cells", value, "must be 5 rows (urgency 1..5) of 5 levels")
    if len(rows) != SCALE:
        raise InvalidValueError("cells", value, "must be 5 rows (urgency 1..5) of 5 levels")
    return tuple(rows)


def _labels(value: object) -> tuple[str, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError("labels", value, "must list the labels, lowest level first")
    labels = tuple(check_name(f"labels[{i}]", label) for i, label in enumerate(value))
    if not 2 <= len(labels) <= MAX_LEVELS or len(set(labels)) != len(labels):  # noqa: PLR2004
        raise InvalidValueError("labels", value, f"must be 2 to {MAX_LEVELS} distinct labels")
    return labels


@attrs.frozen
class PriorityMatrix:
    """The ITIL impact x urgency matrix: which level each pair gets, and each level's label.

    Attributes:
        cells: Five rows, urgency 1 to 5; each five levels, impact 1 to 5. A matrix must be
            monotone: raising impact or urgency never lowers the level.
        labels: The label of each level, lowest level first (``P5`` .. ``P1`` by default).

    Raises:
        InvalidValueError: Not 5x5, a level without a label, or not monotone (named).

    .. versionadded:: 0.2
    """

    cells: tuple[tuple[int, ...], ...] = attrs.field(converter=_rows)
    labels: tuple[str, ...] = attrs.field(default=("P5", "P4", "P3", "P2", "P1"), converter=_labels)

    def __attrs_post_init__(self) -> None:
        top = len(self.labels)
        for u, row in enumerate(self.cells):
            for i, level in enumerate(row):
                where = f"cells[{u}][{i}]"
                if level > top:
                    raise InvalidValueError(where, level, f"there are only {top} labels")
                if (i and level < row[i - 1]) or (u and level < self.cells[u - 1][i]):
                    raise InvalidValueError(where, level, "raising impact or urgency lowers it")

    @property
    def top(self) -> int:
        """The highest level (the number of labels)."""
        return len(self.labels)

    def level(self, impact: int, urgency: int) -> int:
        """Return the level of the cell (``impact``, ``urgency``), each from 1 to 5."""
        row = self.cells[check_int("urgency", urgency, minimum=1, maximum=SCALE) - 1]
        return row[check_int("impact", impact, minimum=1, maximum=SCALE) - 1]

    def label(self, level: int) -> str:
        """Return the label of ``level`` (1 to :attr:`top`)."""
        return self.labels[check_int("level", level, minimum=1, maximum=self.top) - 1]


DEFAULT_MATRIX: Final = PriorityMatrix(
    (
        (1, 1, 2, 2, 2),
        (1, 2, 2, 3, 3),
        (2, 2, 3, 4, 4),
        (2, 3, 4, 4, 5),
        (2, 3, 4, 5, 5),
    )
)
"""GLPI's 5x5 matrix (rows urgency 1..5, columns impact 1..5), levels labelled ``P5``..``P1``."""


@attrs.frozen
class PriorityStep:
    """One modifier's effect on the level, with its reason.

    Attributes:
        modifier: The modifier's name.
        before: The level it was given.
        after: The level it answered (equal to ``before`` where it only records why it did
            nothing, such as a customer lookup that failed).
        why: The reason, for people.

    .. versionadded:: 0.2
    """

    modifier: str = attrs.field(validator=validator(check_name, "modifier"))
    before: int = attrs.field(validator=validator(check_level, "before"))
    after: int = attrs.field(validator=validator(check_level, "after"))
    why: str = attrs.field(validator=validator(check_text, "why", empty=False))


def _impact(_: object, __: object, value: int) -> None:
    check_int("impact", value, minimum=1, maximum=SCALE)


def _urgency(_: object, __: object, value: int) -> None:
    check_int("urgency", value, minimum=1, maximum=SCALE)


def _assumed(value: object) -> frozenset[str]:
    found = items_of("assumed", value)
    if not all(isinstance(name, str) and name in {"impact", "urgency"} for name in found):
        raise InvalidValueError("assumed", value, "must be a set of 'impact' and 'urgency'")
    return frozenset(cast("list[str]", found))


def _steps(value: object) -> tuple[PriorityStep, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError("steps", value, "must be a sequence of PriorityStep")
    steps = tuple(value)
    for index, step in enumerate(steps):
        if type(step) is not PriorityStep:
            raise InvalidValueError(f"steps[{index}]", step, "must be a PriorityStep")
    return steps


@attrs.frozen(kw_only=True)
class PriorityDecision:
    """A priority and its explanation: the matrix cell, then each modifier step.

    Attributes:
        impact: The impact used (the ticket's, or the default).
        urgency: The urgency used (the ticket's, or the default).
        assumed: Which of ``impact`` and ``urgency`` were defaults (the ticket had none).
        base: The matrix level of the cell.
        steps: What each modifier did, in order; each starts where the last ended.
        level: The final level.
        label: The final level's label, e.g. ``P2``.

    Raises:
        InvalidValueError: The steps do not chain from ``base`` to ``level``.

    .. versionadded:: 0.2
    """

    impact: int = attrs.field(validator=_impact)
    urgency: int = attrs.field(validator=_urgency)
    assumed: frozenset[str] = attrs.field(default=frozenset(), converter=_assumed)
    base: int = attrs.field(validator=validator(check_level, "base"))
    steps: tuple[PriorityStep, ...] = attrs.field(default=(), converter=_steps)
    level: int = attrs.field(validator=validator(check_level, "level"))
    label: str = attrs.field(validator=validator(check_name, "label"))

    def __attrs_post_init__(self) -> None:
        at = self.base
        for index, step in enumerate(self.steps):
            if step.before != at:
                raise InvalidValueError(f"steps[{index}].before", step.before, f"must be {at}")
            at = step.after
        if self.level != at:
            raise InvalidValueError("level", self.level, f"the steps end at {at}")

    def explain(self) -> str:
        """Return the decision as lines of text: the cell, each step, the result."""
        cell = f"impact {self.impact}, urgency {self.urgency}"
        if self.assumed:
            cell += f" ({' and '.join(sorted(self.assumed))} assumed)"
        lines = [f"matrix: {cell} -> level {self.base}"]
        lines.extend(
            f"{step.modifier}: level {step.before} -> {step.after}: {step.why}"
            for step in self.steps
        )
        lines.append(f"priority {self.label} (level {self.level})")
        return "\n".join(lines)


@runtime_checkable
class PriorityPolicy(Protocol):
    """Decides the priority of a ticket (the triage prioritization strategy)."""

    def prioritize(self, ticket: Ticket) -> PriorityDecision:
        """Return the priority of ``ticket`` with its explanation."""
        ...
