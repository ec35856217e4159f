"""A categorization rule: conditions on a ticket, and the category it argues for."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, cast

import attrs

from .._fields import FieldValue
from .._values import check_name, check_text, validator
from ..exceptions import InvalidValueError
from ._category import check_code
from ._words import domain_key, field_values, items_of, keyword_set

__all__ = ["MAX_WEIGHT", "CategoryRule", "as_rules", "compile_pattern", "field_conditions"]

MAX_WEIGHT: Final = 1e6
_MAX_PATTERN: Final = 1000
_FLAGS: Final = re.IGNORECASE


def compile_pattern(field: str, value: object) -> re.Pattern[str]:
    """Return the regular expression ``value`` compiled (case-insensitive).

    Raises:
        InvalidValueError: ``value`` is not a pattern Python's ``re`` compiles.
    """
    pattern = check_text(field, value, empty=False, max_length=_MAX_PATTERN)
    try:
        return re.compile(pattern, _FLAGS)
    except (re.error, OverflowError, RecursionError, ValueError) as error:
        raise InvalidValueError(field, pattern, f"is not a regular expression: {error}") from None


def _weight(value: object) -> float:
    # NaN fails the range check as it fails every comparison; bool is no number here.
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_WEIGHT:
        raise InvalidValueError("weight", value, f"must be a number in (0, {MAX_WEIGHT:g}]")
    return float(value)


def _keywords(value: object) -> frozenset[str]:
    return keyword_set("keywords", value)


def _patterns(value: object) -> tuple[str, ...]:
    items = items_of("patterns", value)
    for index, pattern in enumerate(items):
        compile_pattern(f"patterns[{index}]", pattern)
    return tuple(dict.fromkeys(cast("list[str]", items)))


def _fields(value: object) -> Mapping[str, frozenset[FieldValue]]:
    if not isinstance(value, Mapping):
        raise InvalidValueError("fields", value, "must map field names to accepted values")
    return {
        check_name("fields", name): field_values(f"fields[{name!r}]", accepted)
        for name, accepted in value.items()
    }


def _domains(value: object) -> frozenset[str]:
    return frozenset(
        domain_key(f"domains[{i}]", d) for i, d in enumerate(items_of("domains", value))
    )


def _no_conditions() -> Any:  # noqa: ANN401 - an attrs default
    return attrs.Factory(dict)


@attrs.frozen(kw_only=True)
class CategoryRule:
    """When a ticket looks like this, it argues for ``category`` with ``weight``.

    A rule matches when every kind of condition it has holds: one of its keywords is in the
    text, one of its patterns matches the text, every named field holds one of its values,
    and the requester's domain is one of its domains. A rule has at least one condition.

    Attributes:
        name: Names the rule in decisions and explanations; unique within a categorizer.
        category: The category it argues for (checked against the taxonomy when the
            categorizer is built).
        weight: How strongly (a number in (0, 1e6]).
        keywords: Words or phrases, matched as whole words, case-folded (``"Not delivered"``
            matches ``not  DELIVERED!``); stored case-folded.
        patterns: Regular expressions searched case-insensitively in the subject and the
            start of the description (the categorizer's ``max_text`` caps what they read).
        fields: Structured field names to a value or a collection of accepted values; a value
            matches only a value of its own type (``True`` is not ``1``).
        domains: Requester domains (``example.com``; IDNA and case do not matter), exactly:
            a subdomain is another domain.

    Raises:
        InvalidValueError: A malformed part, naming it; or no condition at all.

    .. versionadded:: 0.2
    """

    name: str = attrs.field(validator=validator(check_name, "name"))
    category: str = attrs.field(validator=validator(check_code, "category"))
    weight: float = attrs.field(default=1.0, converter=_weight)
    keywords: frozenset[str] = attrs.field(default=frozenset(), converter=_keywords)
    patterns: tuple[str, ...] = attrs.field(default=(), converter=_patterns)
    fields: Mapping[str, frozenset[FieldValue]] = attrs.field(
        default=_no_conditions(), converter=_fields
    )
    domains: frozenset[str] = attrs.field(default=frozenset(), converter=_domains)

    def __attrs_post_init__(self) -> None:
        if not (self.keywords or self.patterns or self.fields or self.domains):
            raise InvalidValueError("name", self.name, "a rule needs at least one condition")


def field_conditions(
    fields: Mapping[str, frozenset[FieldValue]],
) -> tuple[tuple[str, frozenset[tuple[type, FieldValue]]], ...]:
    """Return a rule's field conditions with typed values, as the matcher compares them."""
    return tuple((name, frozenset((type(v), v) for v in values)) for name, values in fields.items())


def as_rules(value: object) -> list[CategoryRule]:
    """Return ``value`` as a list of rules with unique names.

    Raises:
        InvalidValueError: It is not a collection of :class:`CategoryRule`, or names repeat.
    """
    rules = items_of("rules", value)
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        if type(rule) is not CategoryRule:
            raise InvalidValueError(f"rules[{index}]", rule, "must be a CategoryRule")
        if rule.name in seen:
            raise InvalidValueError(f"rules[{index}]", rule.name, "a rule name is used twice")
        seen.add(rule.name)
    return rules  # type: ignore[return-value]
