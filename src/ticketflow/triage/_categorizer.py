"""Categorizing: the protocol, its decision, and the built-in weighted-rule categorizer.

The rule categorizer is built for hundreds of rules: each rule is filed under one of its
conditions (a keyword's first word, else a domain, else a field value), so a ticket is
checked only against the rules one of its words, its domain or its fields point at, plus
the rules that have nothing but patterns. Patterns are compiled once and read only the
first ``max_text`` characters, so one huge description costs no more than a long one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Protocol, TypeVar, runtime_checkable

import attrs

from .._fields import FieldValue
from .._identity import mailbox_key
from .._ticket import Ticket
from .._values import check_name, check_text, validator
from ..exceptions import InvalidValueError
from ._category import UNCATEGORIZED, check_code
from ._category_rule import CategoryRule, as_rules, compile_pattern, field_conditions
from ._taxonomy import Taxonomy
from ._words import DEFAULT_MAX_TEXT, TicketText, check_max_text

__all__ = ["Categorizer", "CategoryDecision", "rule_categorizer"]


def _confidence(_: object, __: object, value: float) -> None:
    if type(value) is not float or not 0.0 <= value <= 1.0:
        raise InvalidValueError("confidence", value, "must be a float from 0.0 to 1.0")


def _names(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError("rules", value, "must be a collection of rule names")
    return tuple(check_name("rules", name) for name in value)


@attrs.frozen
class CategoryDecision:
    """Where a categorizer puts a ticket, how sure it is, and why.

    Attributes:
        category: A category code, or :data:`UNCATEGORIZED` to leave the choice to a person.
        confidence: From 0.0 to 1.0; for the rule categorizer, the chosen category's share of
            the weight of every rule that matched (of the best guess, when uncategorized).
        rules: The names of the rules that matched, in the order they were given.
        reason: The explanation, for people.

    .. versionadded:: 0.2
    """

    category: str = attrs.field(validator=validator(check_code, "category"))
    confidence: float = attrs.field(validator=_confidence)
    rules: tuple[str, ...] = attrs.field(converter=_names)
    reason: str = attrs.field(validator=validator(check_text, "reason", empty=False))


@runtime_checkable
class Categorizer(Protocol):
    """Decides the category of a ticket (the triage categorization strategy)."""

    def categorize(self, ticket: Ticket) -> CategoryDecision:
        """Return the category for ``ticket``, or :data:`UNCATEGORIZED` with the reason."""
        ...


_Typed = tuple[type, FieldValue]
_K = TypeVar("_K")


@attrs.frozen
class _Compiled:
    rule: CategoryRule
    keywords: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]
    fields: tuple[tuple[str, frozenset[_Typed]], ...]
    domains: frozenset[str]
    path: tuple[str, ...]  # the category and its ancestors, top-level first

    def matches(self, text: TicketText, domain: str | None, ticket: Ticket) -> bool:
        if self.keywords and not any(text.has(keyword) for keyword in self.keywords):
            return False
        if self.domains and domain not in self.domains:
            return False
        fields = ticket.fields
        for name, accepted in self.fields:
            value = fields.get(name)
            if value is None or (type(value), value) not in accepted:
                return False
        return not self.patterns or any(p.search(text.text) for p in self.patterns)


@attrs.frozen
class _Index:
    by_word: dict[str, tuple[int, ...]]
    by_domain: dict[str, tuple[int, ...]]
    by_field: dict[tuple[str, type, FieldValue], tuple[int, ...]]
    always: tuple[int, ...]


def _index(compiled: list[_Compiled]) -> _Index:
    by_word: dict[str, list[int]] = {}
    by_domain: dict[str, list[int]] = {}
    by_field: dict[tuple[str, type, FieldValue], list[int]] = {}
    always: list[int] = []
    for number, rule in enumerate(compiled):
        if rule.keywords:
            for first in {keyword.partition(" ")[0] for keyword in rule.keywords}:
                by_word.setdefault(first, []).append(number)
        elif rule.domains:
            for domain in rule.domains:
                by_domain.setdefault(domain, []).append(number)
        elif rule.fields:
            name, accepted = rule.fields[0]
            for kind, value in accepted:
                by_field.setdefault((name, kind, value), []).append(number)
        else:
            always.append(number)

    def frozen(index: dict[_K, list[int]]) -> dict[_K, tuple[int, ...]]:
        return {key: tuple(numbers) for key, numbers in index.items()}

    return _Index(frozen(by_word), frozen(by_domain), frozen(by_field), tuple(always))


@attrs.frozen(repr=False)
class _RuleCategorizer:
    taxonomy: Taxonomy
    rules: tuple[_Compiled, ...]
    index: _Index
    parents: dict[str, str | None]
    min_confidence: float
    max_text: int

    def categorize(self, ticket: Ticket) -> CategoryDecision:
        text = TicketText(ticket, self.max_text)
        key = mailbox_key(ticket.requester.email)
        domain = None if key is None else key.rpartition("@")[2]
        index = self.index
        candidates: set[int] = set(index.always)
        by_word = index.by_word
        for word in text.words:
            found = by_word.get(word)
            if found is not None:
                candidates.update(found)
        if domain is not None and domain in index.by_domain:
            candidates.update(index.by_domain[domain])
        if index.by_field:
            for name, value in ticket.fields.items():
                found = index.by_field.get((name, type(value), value))
                if found is not None:
                    candidates.update(found)
        matched = [
            self.rules[n] for n in sorted(candidates) if self.rules[n].matches(text, domain, ticket)
        ]
        return self._decide(matched)

    def _decide(self, matched: list[_Compiled]) -> CategoryDecision:
        names = tuple(compiled.rule.name for compiled in matched)
        if not matched:
            return CategoryDecision(UNCATEGORIZED, 0.0, (), "no rule matched")
        scores: dict[str, float] = {}
        for compiled in matched:
            for code in compiled.path:
                scores[code] = scores.get(code, 0.0) + compiled.rule.weight
        total = math.fsum(compiled.rule.weight for compiled in matched)
        chosen: str | None = None
        share = 0.0
        while True:
            # Descend while one child of the current category clearly holds enough weight.
            ranked = sorted(
                ((score, code) for code, score in scores.items() if self.parents[code] == chosen),
                reverse=True,
            )
            if not ranked:
                break
            best, code = ranked[0]
            tied = len(ranked) > 1 and ranked[1][0] == best
            if tied or best / total < self.min_confidence:
                if chosen is None:
                    share = min(1.0, best / total)
                break
            chosen, share = code, min(1.0, best / total)
        listed = ("rule " if len(names) == 1 else "rules ") + ", ".join(names)
        if chosen is None:
            return CategoryDecision(
                UNCATEGORIZED,
                share,
                names,
                f"{listed} matched, but no category had {self.min_confidence:.2f} of their"
                f" weight (the best had {share:.2f}): a person decides",
            )
        return CategoryDecision(
            chosen,
            share,
            names,
            f"{listed} matched; {chosen} has {share:.2f} of their weight"
            f" (at least {self.min_confidence:.2f} needed)",
        )

    def __repr__(self) -> str:
        return (
            f"rule_categorizer({len(self.rules)} rules, {len(self.taxonomy)} categories,"
            f" min_confidence={self.min_confidence})"
        )


def _min_confidence(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InvalidValueError("min_confidence", value, "must be a number from 0 to 1")
    return float(value)


def rule_categorizer(
    taxonomy: Taxonomy,
    rules: Iterable[CategoryRule],
    *,
    min_confidence: float = 0.6,
    max_text: int = DEFAULT_MAX_TEXT,
) -> Categorizer:
    """Return a categorizer that weighs the rules a ticket matches.

    Each category scores the weight of the rules that argue for it or for a category below
    it. Starting at the top of the taxonomy, the categorizer descends into the child with the
    most weight while that child holds at least ``min_confidence`` of the weight of every
    matched rule (and no sibling ties it), and answers the deepest category reached, with
    that share as its confidence. Where not even a top-level category is reached, it answers
    :data:`UNCATEGORIZED` and says why: a person decides.

    Args:
        taxonomy: The categories rules may argue for.
        rules: The rules, with unique names.
        min_confidence: The share of matched weight a category needs (0 to 1).
        max_text: How many characters of the subject and description keywords and patterns
            read (1 to 1 MiB).

    Raises:
        InvalidValueError: A rule is not a :class:`CategoryRule`, a name repeats, a rule
            argues for a retired category (the message names the successor), or an option is
            out of range.
        UnknownCategoryError: A rule argues for a category the taxonomy does not know.

    .. versionadded:: 0.2
    """
    if type(taxonomy) is not Taxonomy:
        raise InvalidValueError("taxonomy", taxonomy, "must be a Taxonomy")
    compiled = []
    for number, rule in enumerate(as_rules(rules)):
        current = taxonomy.resolve(rule.category)
        if current != rule.category:
            problem = f"is retired: argue for {current} instead"
            raise InvalidValueError(f"rules[{number}].category", rule.category, problem)
        path = (*reversed(taxonomy.ancestors(rule.category)), rule.category)
        compiled.append(
            _Compiled(
                rule=rule,
                keywords=rule.keywords,
                patterns=tuple(
                    compile_pattern(f"rules[{number}].patterns", p) for p in rule.patterns
                ),
                fields=field_conditions(rule.fields),
                domains=rule.domains,
                path=path,
            )
        )
    parents = {category.code: category.parent for category in taxonomy.categories}
    return _RuleCategorizer(
        taxonomy,
        tuple(compiled),
        _index(compiled),
        parents,
        _min_confidence(min_confidence),
        check_max_text(max_text),
    )
