"""The rule categorizer: conditions, weights, the descent through the tree, and its limits."""

from __future__ import annotations

import re

import pytest
from _triage import TAXONOMY, ticket
from hypothesis import given
from hypothesis import strategies as st

from ticketflow.exceptions import InvalidValueError, UnknownCategoryError
from ticketflow.triage import (
    UNCATEGORIZED,
    Categorizer,
    CategoryDecision,
    CategoryRule,
    rule_categorizer,
)


def rule(name: str, category: str, weight: float = 1.0, **conditions: object) -> CategoryRule:
    return CategoryRule(name=name, category=category, weight=weight, **conditions)


def test_a_keyword_matches_a_whole_word_in_any_case() -> None:
    categorizer = rule_categorizer(TAXONOMY, [rule("late", "delivery/late", keywords=["Late"])])
    decision = categorizer.categorize(ticket("Parcel LATE again"))
    assert decision == CategoryDecision(
        "delivery/late",
        1.0,
        ("late",),
        "rule late matched; delivery/late has 1.00 of their weight (at least 0.60 needed)",
    )
    assert categorizer.categorize(ticket("Chocolate cake")).category == UNCATEGORIZED


def test_a_phrase_matches_words_in_a_row() -> None:
    categorizer = rule_categorizer(
        TAXONOMY, [rule("missing", "delivery/lost", keywords=["not  Delivered"])]
    )
    assert categorizer.categorize(ticket("Parcel", "it was NOT delivered!")).category == (
        "delivery/lost"
    )
    assert categorizer.categorize(ticket("Parcel", "delivered, not late")).category == (
        UNCATEGORIZED
    )


def test_a_pattern_is_searched_case_insensitively() -> None:
    categorizer = rule_categorizer(
        TAXONOMY, [rule("refund", "billing/refund", patterns=[r"refund(ed|s)?\b"])]
    )
    assert categorizer.categorize(ticket("Please REFUNDED me")).category == "billing/refund"


def test_patterns_read_only_the_start_of_a_long_description() -> None:
    categorizer = rule_categorizer(
        TAXONOMY, [rule("refund", "billing/refund", patterns=["refund"])], max_text=100
    )
    far = ticket("Hello", "x " * 100 + "refund")
    assert categorizer.categorize(far).category == UNCATEGORIZED
    assert categorizer.categorize(ticket("Hello", "refund")).category == "billing/refund"


def test_a_field_condition_matches_values_of_the_same_type() -> None:
    categorizer = rule_categorizer(
        TAXONOMY,
        [
            rule("acme", "delivery", fields={"carrier": ["ACME", "Acme"]}),
            rule("flag", "outage", fields={"urgent": True}),
        ],
    )
    assert categorizer.categorize(ticket(fields={"carrier": "ACME"})).category == "delivery"
    assert categorizer.categorize(ticket(fields={"carrier": "acme"})).category == UNCATEGORIZED
    assert categorizer.categorize(ticket(fields={"urgent": True})).category == "outage"
    assert categorizer.categorize(ticket(fields={"urgent": 1})).category == UNCATEGORIZED


def test_a_domain_condition_matches_the_requesters_domain_exactly() -> None:
    categorizer = rule_categorizer(TAXONOMY, [rule("bank", "billing", domains=["Bank.Example"])])
    assert categorizer.categorize(ticket(email="cfo@BANK.example")).category == "billing"
    assert categorizer.categorize(ticket(email="cfo@eu.bank.example")).category == UNCATEGORIZED


def test_every_kind_of_condition_of_a_rule_must_hold() -> None:
    categorizer = rule_categorizer(
        TAXONOMY,
        [rule("acme-late", "delivery/late", keywords=["late"], fields={"carrier": "ACME"})],
    )
    assert categorizer.categorize(ticket("late", fields={"carrier": "ACME"})).rules == (
        "acme-late",
    )
    assert categorizer.categorize(ticket("late")).rules == ()
    assert categorizer.categorize(ticket("early", fields={"carrier": "ACME"})).rules == ()


def test_the_heaviest_category_wins_with_its_share_of_the_weight() -> None:
    categorizer = rule_categorizer(
        TAXONOMY,
        [
            rule("late", "delivery/late", 3.0, keywords=["late"]),
            rule("money", "billing", 1.0, keywords=["money"]),
        ],
    )
    decision = categorizer.categorize(ticket("late, money back?"))
    assert decision.category == "delivery/late"
    assert decision.confidence == pytest.approx(0.75)
    assert decision.rules == ("late", "money")


def test_below_the_minimum_confidence_a_person_decides() -> None:
    categorizer = rule_categorizer(
        TAXONOMY,
        [
            rule("late", "delivery/late", keywords=["late"]),
            rule("money", "billing", keywords=["money"]),
        ],
    )
    decision = categorizer.categorize(ticket("late, money back?"))
    assert decision.category == UNCATEGORIZED
    assert decision.confidence == 0.5
    assert "a person decides" in decision.reason


def test_split_weight_below_a_category_stops_at_the_category() -> None:
    # Late and lost each hold half the weight: neither is sure, but it is about delivery.
    categorizer = rule_categorizer(
        TAXONOMY,
        [
            rule("late", "delivery/late", keywords=["late"]),
            rule("lost", "delivery/lost", keywords=["lost"]),
        ],
    )
    decision = categorizer.categorize(ticket("late or lost?"))
    assert (decision.category, decision.confidence) == ("delivery", 1.0)


def test_a_tie_between_siblings_is_left_undecided() -> None:
    categorizer = rule_categorizer(
        TAXONOMY,
        [
            rule("late", "delivery/late", keywords=["late"]),
            rule("lost", "delivery/lost", keywords=["lost"]),
        ],
        min_confidence=0.5,
    )
    assert categorizer.categorize(ticket("late or lost?")).category == "delivery"


def test_no_rule_matched_says_so() -> None:
    categorizer = rule_categorizer(TAXONOMY, [rule("late", "delivery/late", keywords=["late"])])
    assert categorizer.categorize(ticket("hello")) == CategoryDecision(
        UNCATEGORIZED, 0.0, (), "no rule matched"
    )


def test_a_rule_for_an_unknown_category_is_refused_when_built() -> None:
    with pytest.raises(UnknownCategoryError) as raised:
        rule_categorizer(TAXONOMY, [rule("x", "complaints", keywords=["angry"])])
    assert raised.value.category == "complaints"


def test_a_rule_for_a_retired_category_names_the_successor() -> None:
    with pytest.raises(InvalidValueError, match="delivery/late"):
        rule_categorizer(TAXONOMY, [rule("x", "delivery/delayed", keywords=["late"])])


@pytest.mark.parametrize(
    "arguments",
    [
        {"name": "x", "category": "delivery"},
        {"name": "x", "category": "delivery", "keywords": "late"},
        {"name": "x", "category": "delivery", "keywords": ["!!!"]},
        {"name": "x", "category": "delivery", "patterns": ["(unclosed"]},
        {"name": "x", "category": "delivery", "patterns": ["a{99999999999}"]},
        {"name": "x", "category": "delivery", "keywords": ["a"], "weight": 0},
        {"name": "x", "category": "delivery", "keywords": ["a"], "weight": float("nan")},
        {"name": "x", "category": "delivery", "keywords": ["a"], "weight": True},
        {"name": "x", "category": "delivery", "fields": {"carrier": []}},
        {"name": "x", "category": "delivery", "fields": {"carrier": [None]}},
        {"name": "x", "category": "delivery", "domains": ["not a domain"]},
        {"name": "x", "category": "Delivery", "keywords": ["a"]},
        {"name": "", "category": "delivery", "keywords": ["a"]},
    ],
)
def test_a_malformed_rule_is_an_invalid_value(arguments: dict[str, object]) -> None:
    with pytest.raises(InvalidValueError):
        CategoryRule(**arguments)  # type: ignore[arg-type]


def test_rule_names_are_unique() -> None:
    with pytest.raises(InvalidValueError, match="twice"):
        rule_categorizer(
            TAXONOMY, [rule("x", "delivery", keywords=["a"]), rule("x", "billing", keywords=["b"])]
        )


@pytest.mark.parametrize(
    "options",
    [{"min_confidence": 1.5}, {"min_confidence": "high"}, {"max_text": 0}, {"max_text": 2**40}],
)
def test_options_out_of_range_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(InvalidValueError):
        rule_categorizer(TAXONOMY, [], **options)  # type: ignore[arg-type]


def test_the_built_in_is_a_categorizer() -> None:
    assert isinstance(rule_categorizer(TAXONOMY, []), Categorizer)
    assert "0 rules" in repr(rule_categorizer(TAXONOMY, []))


# -- the index finds exactly what checking every rule finds ---------------------------------------

_words = st.sampled_from(["late", "lost", "refund", "money", "parcel", "acme", "outage", "x1"])
_codes = st.sampled_from([c.code for c in TAXONOMY.categories])


@st.composite
def rules(draw: st.DrawFn) -> list[CategoryRule]:
    made = []
    for number in range(draw(st.integers(0, 12))):
        conditions: dict[str, object] = {}
        if draw(st.booleans()):
            conditions["keywords"] = draw(
                st.lists(_words, min_size=1, max_size=2).map(lambda w: {" ".join(w)})
            )
        if draw(st.booleans()):
            conditions["patterns"] = [re.escape(draw(_words))]
        if draw(st.booleans()):
            conditions["fields"] = {"carrier": draw(st.sampled_from(["ACME", "Post", 1, True]))}
        if draw(st.booleans()) or not conditions:
            conditions["domains"] = [draw(st.sampled_from(["a.example", "b.example"]))]
        made.append(
            CategoryRule(
                name=f"r{number}",
                category=draw(_codes),
                weight=draw(st.sampled_from([0.5, 1.0, 2.0])),
                **conditions,
            )
        )
    return made


def _matches_by_brute_force(
    rules: list[CategoryRule], subject: str, email: str, carrier: object
) -> tuple[str, ...]:
    words = re.findall(r"\w+", subject.casefold())
    joined = f" {' '.join(words)} "
    domain = email.rpartition("@")[2]
    found = []
    for r in rules:
        ok = not r.keywords or any(f" {k} " in joined for k in r.keywords)
        ok = ok and (
            not r.patterns or any(re.search(p, subject, re.IGNORECASE) for p in r.patterns)
        )
        ok = ok and (
            not r.fields
            or any(type(v) is type(carrier) and v == carrier for v in r.fields["carrier"])
        )
        ok = ok and (not r.domains or domain in r.domains)
        if ok:
            found.append(r.name)
    return tuple(found)


@given(
    rules=rules(),
    subject=st.lists(_words, min_size=1, max_size=5).map(" ".join),
    email=st.sampled_from(["a@a.example", "b@b.example", "c@c.example"]),
    carrier=st.sampled_from(["ACME", "Post", 1, True, 1.0]),
)
def test_the_index_finds_every_rule_that_matches(
    rules: list[CategoryRule], subject: str, email: str, carrier: str | float | bool
) -> None:
    categorizer = rule_categorizer(TAXONOMY, rules)
    decision = categorizer.categorize(ticket(subject, email=email, fields={"carrier": carrier}))
    assert decision.rules == _matches_by_brute_force(rules, subject, email, carrier)
    assert 0.0 <= decision.confidence <= 1.0
    assert decision.category == UNCATEGORIZED or decision.category in TAXONOMY
