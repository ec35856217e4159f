"""The value types refuse, the same way everywhere, what some store could not hold."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ticketflow import Actor, Fields, NewTicket, Requester, Ticket, TicketLinks
from ticketflow.exceptions import InvalidValueError, NaiveDatetimeError

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
LINE_BREAKS = ["\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def ticket(**changes: object) -> Ticket:
    values: dict[str, object] = {
        "id": "T1",
        "number": 1,
        "subject": "Parcel late",
        "requester": Requester("a@example.com"),
        "created_at": AT,
        "updated_at": AT,
    }
    values.update(changes)
    return Ticket(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("brk", LINE_BREAKS, ids=repr)
@pytest.mark.parametrize("field", ["subject", "id", "queue", "assignee", "category", "priority"])
def test_single_line_fields_refuse_every_kind_of_line_break(field: str, brk: str) -> None:
    with pytest.raises(InvalidValueError, match="single line") as caught:
        ticket(**{field: f"a{brk}b"})
    assert caught.value.field == field


def test_descriptions_may_span_lines() -> None:
    assert ticket(description="one\u2028two\nthree").description == "one\u2028two\nthree"


@pytest.mark.parametrize("field", ["subject", "description", "queue"])
def test_lone_surrogates_are_refused_everywhere(field: str) -> None:
    with pytest.raises(InvalidValueError, match="surrogates"):
        ticket(**{field: "half \ud800 a pair"})


def test_the_subject_length_limit_is_enforced() -> None:
    assert ticket(subject="x" * 998).subject == "x" * 998
    with pytest.raises(InvalidValueError, match="at most 998"):
        ticket(subject="x" * 999)


@pytest.mark.parametrize("number", [0, -1, 2**63, 2**64, True, 1.0, "1"])
def test_numbers_are_positive_64_bit_integers(number: object) -> None:
    with pytest.raises(InvalidValueError, match="number"):
        ticket(number=number)


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, float("nan"), float("inf"), [1], None])
def test_field_values_fit_every_store(value: object) -> None:
    with pytest.raises(InvalidValueError, match=r"fields\.k"):
        Fields({"k": value})  # type: ignore[dict-item]


def test_field_values_at_the_64_bit_edges_are_kept() -> None:
    fields = Fields({"lo": -(2**63), "hi": 2**63 - 1})
    assert (fields["lo"], fields["hi"]) == (-(2**63), 2**63 - 1)


@pytest.mark.parametrize("tags", ["urgent", b"urgent", 5, ["two words"], [""], [1]])
def test_tags_are_a_collection_of_words(tags: object) -> None:
    with pytest.raises(InvalidValueError, match="tags"):
        ticket(tags=tags)


@pytest.mark.parametrize(
    "email", ["", "no-at-sign", "@example.com", "a@", "a b@example.com", "a@exa..mple.com"]
)
def test_requesters_have_an_address(email: str) -> None:
    with pytest.raises(InvalidValueError, match=r"requester\.email"):
        Requester(email)


@pytest.mark.parametrize(
    ("kwargs", "field"), [({"role": "king"}, "actor.role"), ({"id": 5}, "actor.id")]
)
def test_actors_refuse_unknown_roles_and_odd_ids(kwargs: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"role": "agent", "id": "bob", **kwargs}
    with pytest.raises(InvalidValueError) as caught:
        Actor(**values)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_naive_datetime_is_named() -> None:
    with pytest.raises(NaiveDatetimeError) as caught:
        ticket(created_at=datetime(2026, 3, 2, 9))  # noqa: DTZ001 - the point of the test
    assert caught.value.field == "created_at"


def test_a_ticket_cannot_link_to_itself_or_change_before_it_began() -> None:
    with pytest.raises(InvalidValueError, match="itself"):
        ticket(links=TicketLinks(duplicate_of="T1"))
    with pytest.raises(InvalidValueError, match="before it was created"):
        ticket(updated_at=datetime(2026, 3, 1, tzinfo=UTC))


def test_new_tickets_follow_the_same_rules() -> None:
    with pytest.raises(InvalidValueError, match="single line"):
        NewTicket(subject="a\u2028b", requester=Requester("a@example.com"))
    with pytest.raises(InvalidValueError, match="kind"):
        NewTicket(subject="s", requester=Requester("a@example.com"), kind="saga")
