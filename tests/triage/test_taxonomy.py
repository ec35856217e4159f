"""The taxonomy: closed codes, retirements, validation that names codes, TOML and JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketflow.exceptions import InvalidValueError, TaxonomyError, UnknownCategoryError
from ticketflow.triage import UNCATEGORIZED, Category, Taxonomy

DELIVERY = [
    Category("delivery", "Delivery"),
    Category("delivery/late", "Late delivery"),
    Category("delivery/lost", "Lost parcel"),
    Category("billing", "Billing"),
    Category("refund", "Refund", parent="billing"),
]


def test_a_path_code_takes_its_path_as_parent() -> None:
    assert Category("delivery/late", "Late").parent == "delivery"
    assert Category("delivery/late", "Late", "delivery") == Category("delivery/late", "Late")


@pytest.mark.parametrize(
    ("code", "parent"),
    [
        ("Delivery", None),
        ("delivery/", None),
        ("/late", None),
        ("a//b", None),
        ("late delivery", None),
        ("-late", None),
        ("late", "late"),
        ("delivery/late", "billing"),
        (UNCATEGORIZED, None),
        ("x" * 257, None),
    ],
)
def test_a_malformed_category_is_refused(code: str, parent: str | None) -> None:
    with pytest.raises(InvalidValueError):
        Category(code, "Label", parent)


def test_questions_about_the_tree() -> None:
    taxonomy = Taxonomy(DELIVERY, retired={"delivery/delayed": "delivery/late"})
    assert list(taxonomy) == ["billing", "delivery", "delivery/late", "delivery/lost", "refund"]
    assert len(taxonomy) == 5
    assert "delivery/late" in taxonomy
    assert "delivery/delayed" not in taxonomy
    assert taxonomy.children(None) == ("billing", "delivery")
    assert taxonomy.children("billing") == ("refund",)
    assert taxonomy.ancestors("delivery/late") == ("delivery",)
    assert taxonomy.parent("refund") == "billing"
    assert taxonomy.get("refund").label == "Refund"
    assert taxonomy.retired == {"delivery/delayed": "delivery/late"}


def test_a_retired_code_resolves_to_its_last_successor() -> None:
    taxonomy = Taxonomy(
        DELIVERY, retired={"parcel/late": "delivery/delayed", "delivery/delayed": "delivery/late"}
    )
    assert taxonomy.resolve("parcel/late") == "delivery/late"
    assert taxonomy.resolve("delivery/late") == "delivery/late"
    assert taxonomy.resolve(UNCATEGORIZED) == UNCATEGORIZED


@pytest.mark.parametrize("code", ["delivery/stolen", "Delivery", "", "complaints"])
def test_an_unknown_category_is_an_error_naming_it(code: str) -> None:
    taxonomy = Taxonomy(DELIVERY)
    with pytest.raises(UnknownCategoryError) as raised:
        taxonomy.resolve(code)
    assert raised.value.category == code
    assert raised.value.code == "unknown_category"
    with pytest.raises(UnknownCategoryError):
        taxonomy.get(code)


def test_a_category_that_is_no_string_is_an_invalid_value() -> None:
    with pytest.raises(InvalidValueError):
        Taxonomy(DELIVERY).resolve(3)  # type: ignore[arg-type]


def test_every_problem_is_listed_with_its_codes() -> None:
    with pytest.raises(TaxonomyError) as raised:
        Taxonomy(
            [
                Category("a", "A", parent="b"),
                Category("b", "B", parent="a"),
                Category("a", "A again"),
                Category("c/d", "D"),
                Category("e", "E"),
            ],
            retired={"x": "y", "y": "x", "z": "nowhere", "e": "a", "Bad": "a"},
        )
    error = raised.value
    assert error.code == "invalid_taxonomy"
    assert isinstance(error, ValueError)
    assert set(error.codes) == {"a", "c/d", "x", "z", "e", "Bad"}
    text = "\n".join(error.problems)
    assert "a: is defined more than once" in text
    assert "c/d: its parent c is not defined" in text
    assert "a: its parents loop: a -> b -> a" in text
    assert "x: its retirements loop: x -> y -> x" in text
    assert "z: its successor nowhere is neither defined nor retired" in text
    assert "e: is both defined and retired" in text
    assert "Bad: a category code is lower-case" in text


@pytest.mark.parametrize(
    ("categories", "retired"),
    [
        ([], None),
        ("delivery", None),
        ({"delivery": "Delivery"}, None),
        ([("delivery", "Delivery")], None),
        (DELIVERY, ["delivery"]),
        (DELIVERY, {"old": 3}),
        (DELIVERY, {3: "delivery"}),
        (DELIVERY, {UNCATEGORIZED: "delivery"}),
    ],
)
def test_malformed_arguments_are_a_taxonomy_error(categories: object, retired: object) -> None:
    with pytest.raises(TaxonomyError):
        Taxonomy(categories, retired=retired)  # type: ignore[arg-type]


def test_a_retirement_may_leave_the_choice_to_a_person() -> None:
    taxonomy = Taxonomy(DELIVERY, retired={"misc": UNCATEGORIZED})
    assert taxonomy.resolve("misc") == UNCATEGORIZED


TOML = """
[[categories]]
code = "delivery"
label = "Delivery"

[[categories]]
code = "delivery/late"
label = "Late delivery"

[[categories]]
code = "billing"
label = "Billing"

[[categories]]
code = "refund"
label = "Refund"
parent = "billing"

[retired]
"delivery/delayed" = "delivery/late"
"""


def test_a_taxonomy_reads_from_toml_and_writes_it_back() -> None:
    taxonomy = Taxonomy.from_toml(TOML)
    assert taxonomy.resolve("delivery/delayed") == "delivery/late"
    assert taxonomy.parent("refund") == "billing"
    assert Taxonomy.from_toml(taxonomy.to_toml()) == taxonomy
    assert tomllib.loads(taxonomy.to_toml()) == taxonomy.to_mapping()


def test_a_taxonomy_reads_from_json_and_writes_it_back() -> None:
    taxonomy = Taxonomy.from_toml(TOML)
    assert Taxonomy.from_json(taxonomy.to_json()) == taxonomy
    assert Taxonomy.from_json(taxonomy.to_json().encode()) == taxonomy
    assert Taxonomy.from_mapping(json.loads(taxonomy.to_json())) == taxonomy
    assert hash(Taxonomy.from_json(taxonomy.to_json())) == hash(taxonomy)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[[categories]]\ncode = 'a'\n", "a"),
        ("[[categories]]\ncode = 'a'\nlabel = 'A'\ncolour = 'red'\n", "a"),
        ("[[categories]]\nlabel = 'A'\n", "categories[0]"),
        ("categories = 'a'\n", "categories"),
        ("[[categories]]\ncode='a'\nlabel='A'\n[retired]\nb = 'nowhere'\n", "b"),
        ("[[categories]]\ncode='a'\nlabel='A'\n[extra]\n", "extra"),
        ("categories = [1]\n", "categories[0]"),
        ("retired = 1\ncategories = []\n", "retired"),
        ("[[categories\n", "$"),
    ],
)
def test_a_malformed_document_names_where(text: str, where: str) -> None:
    with pytest.raises(TaxonomyError) as raised:
        Taxonomy.from_toml(text)
    assert where in raised.value.codes


def test_a_document_reports_its_problems_and_the_taxonomys_together() -> None:
    text = "[[categories]]\ncode='a/b'\nlabel='B'\n[[categories]]\ncode='Bad'\nlabel='x'\n"
    with pytest.raises(TaxonomyError) as raised:
        Taxonomy.from_toml(text)
    assert set(raised.value.codes) == {"Bad", "a/b"}


@pytest.mark.parametrize(
    "text",
    [
        '{"categories": [{"code": "a", "label": "A"}], "categories": []}',
        '{"categories": [{"code": "a", "label": "A", "code": "b"}]}',
        "[]",
        "null",
        "{",
        b"\xff",
        3,
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_malformed_json_is_a_taxonomy_error(text: object) -> None:
    with pytest.raises(TaxonomyError):
        Taxonomy.from_json(text)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [3, b"[[categories]]", None, "x" * 1_100_000])
def test_toml_that_is_no_text_is_an_invalid_value(text: object) -> None:
    with pytest.raises(InvalidValueError):
        Taxonomy.from_toml(text)  # type: ignore[arg-type]


# -- generated taxonomies round-trip --------------------------------------------------------------

_segments = st.from_regex(r"[a-z0-9]([a-z0-9_-]{0,6}[a-z0-9])?", fullmatch=True)
_labels = st.text(
    st.characters(
        exclude_categories=["Cs"], exclude_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    ),
    min_size=1,
    max_size=20,
).filter(lambda s: s.strip() != "")


@st.composite
def taxonomies(draw: st.DrawFn) -> Taxonomy:
    """Taxonomies of path codes and explicit parents, with chains of retired codes."""
    roots = draw(st.lists(_segments, min_size=1, max_size=4, unique=True))
    codes = [r for r in roots if r != UNCATEGORIZED] or ["root"]
    categories = [Category(code, draw(_labels)) for code in codes]
    for _ in range(draw(st.integers(0, 6))):
        parent = draw(st.sampled_from(codes))
        child = f"{parent}/{draw(_segments)}"
        if child not in codes:
            codes.append(child)
            categories.append(Category(child, draw(_labels)))
    flat = draw(_segments)
    if flat not in codes and flat != UNCATEGORIZED:
        categories.append(Category(flat, draw(_labels), parent=draw(st.sampled_from(codes))))
        codes.append(flat)
    retired: dict[str, str] = {}
    successor = draw(st.sampled_from(codes))
    for old in draw(st.lists(_segments, max_size=3, unique=True)):
        code = f"old-{old}"
        retired[code] = successor
        successor = code  # a chain: each retired code points at the one retired before
    return Taxonomy(categories, retired=retired)


@given(taxonomy=taxonomies())
def test_a_taxonomy_round_trips_through_toml(taxonomy: Taxonomy) -> None:
    again = Taxonomy.from_toml(taxonomy.to_toml())
    assert again == taxonomy
    assert again.categories == taxonomy.categories
    assert dict(again.retired) == dict(taxonomy.retired)


@given(taxonomy=taxonomies())
def test_a_taxonomy_round_trips_through_json(taxonomy: Taxonomy) -> None:
    assert Taxonomy.from_json(taxonomy.to_json()) == taxonomy


@given(taxonomy=taxonomies())
def test_every_retired_code_resolves_to_a_current_category(taxonomy: Taxonomy) -> None:
    for old in taxonomy.retired:
        assert taxonomy.resolve(old) in taxonomy


def test_importing_triage_loads_its_modules_only_on_first_use() -> None:
    code = (
        "import sys, ticketflow.triage\n"
        "print(sorted(m for m in sys.modules if m.startswith('ticketflow.triage.')))\n"
        "ticketflow.triage.Taxonomy\n"
        "print('ticketflow.triage._routers' in sys.modules)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["[]", "True"]
