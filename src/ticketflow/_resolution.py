"""How a ticket was resolved, and what the definition of done said about it: journal values.

The values live in the core because the journal records them; the rules that judge them
(criteria, the AI policy, confirmation, reopening) are :mod:`ticketflow.resolution`.
"""

from __future__ import annotations

import enum
import math
from typing import Final

import attrs

from ._value_methods import value_repr
from ._values import (
    check_bool,
    check_enum,
    check_items,
    check_name,
    check_optional_text,
    check_text,
    validator,
)
from .exceptions import InvalidValueError

__all__ = [
    "MAX_EVIDENCE",
    "CriterionVerdict",
    "Resolution",
    "ResolutionAnswer",
    "ResolutionSource",
]

MAX_EVIDENCE: Final = 32
"""The most evidence items a :class:`Resolution` carries."""

_SUMMARY_LENGTH: Final = 4000
_LINE_LENGTH: Final = 2000


class ResolutionSource(enum.StrEnum):
    """Who proposed a resolution.

    .. versionadded:: 0.2
    """

    HUMAN = "human"
    AI = "ai"
    AUTOMATION = "automation"


class ResolutionAnswer(enum.StrEnum):
    """How a resolution was answered before the ticket closed (or reopened).

    .. versionadded:: 0.2
    """

    CONFIRMED = "confirmed"
    """The customer confirmed the work is done."""
    REJECTED = "rejected"
    """The customer said it is not done; the ticket reopens."""
    AUTO_CLOSED = "auto_closed"
    """No answer within the auto-close policy's business days; closed by the policy."""


def _source(value: ResolutionSource | str) -> ResolutionSource:
    return check_enum("source", value, ResolutionSource)


def _evidence(value: tuple[str, ...]) -> tuple[str, ...]:
    given = check_items("evidence", value, maximum=MAX_EVIDENCE, what="links or hashes")
    return tuple(
        check_text(f"evidence[{i}]", item, empty=False, single_line=True, max_length=_LINE_LENGTH)
        for i, item in enumerate(given)
    )


def _confidence(value: float | None) -> float | None:
    given: object = value
    if given is None:
        return None
    if type(given) not in (float, int) or not math.isfinite(given) or not 0 <= given <= 1:  # type: ignore[arg-type,operator]
        raise InvalidValueError("confidence", given, "must be a number from 0 to 1")
    return float(given)  # type: ignore[arg-type]


@attrs.frozen(kw_only=True)
class Resolution:
    """A proposed resolution: what was done, why it happened, and the proof.

    Attributes:
        code: A code from the desk's closed list (``fixed``, ``workaround``, ...): checked by
            the definition of done, so one desk's list is not another's.
        summary: What was done, for the customer and the next agent.
        root_cause: Why it happened (required for the categories the criteria name).
        evidence: Links or attachment hashes that show it is done (at most 32).
        source: Who proposed it: a person, an AI, or an automation.
        confidence: How sure an AI is, from 0 to 1: required when ``source`` is ``ai``, and
            only then.

    Raises:
        InvalidValueError: A part is out of its domain; ``field`` names it.

    .. versionadded:: 0.2
    """

    __repr__ = value_repr

    code: str = attrs.field(validator=validator(check_name, "code", max_length=64))
    summary: str = attrs.field(
        validator=validator(check_text, "summary", empty=False, max_length=_SUMMARY_LENGTH)
    )
    root_cause: str | None = attrs.field(
        default=None, validator=validator(check_optional_text, "root_cause")
    )
    evidence: tuple[str, ...] = attrs.field(default=(), converter=_evidence)
    source: ResolutionSource = attrs.field(default=ResolutionSource.HUMAN, converter=_source)
    confidence: float | None = attrs.field(default=None, converter=_confidence)

    def __attrs_post_init__(self) -> None:
        if self.source is ResolutionSource.AI and self.confidence is None:
            raise InvalidValueError("confidence", None, "an AI's resolution states its confidence")
        if self.source is not ResolutionSource.AI and self.confidence is not None:
            raise InvalidValueError(
                "confidence", self.confidence, "only an AI's resolution has a confidence"
            )


@attrs.frozen
class CriterionVerdict:
    """What one done-criterion said about a resolution.

    Attributes:
        criterion: The criterion's name.
        passed: Whether it passed.
        reason: Why not (or a note on why it passed), for people.

    .. versionadded:: 0.2
    """

    __repr__ = value_repr

    criterion: str = attrs.field(validator=validator(check_name, "criterion", max_length=200))
    passed: bool = attrs.field(validator=validator(check_bool, "passed"))
    reason: str = attrs.field(
        default="",
        validator=validator(check_text, "reason", single_line=False, max_length=_LINE_LENGTH),
    )
