"""``parse_form`` reads a web form's payload into a ``NewTicket``, or lists every problem."""

from __future__ import annotations

import math
from typing import Any

import pytest

from ticketflow import Actor, Channel, Desk, Fields, NewTicket, TicketKind
from ticketflow.exceptions import AccessDeniedError, IntakeError, InvalidValueError
from ticketflow.intake import FormSpec, IntakeProblem, parse_form
from ticketflow.storage import InMemoryTicketStore

FORM = FormSpec(
    categories={"billing", "shipping"},
    fields={"carrier", "order", "weight", "fragile"},
    required_fields={"order"},
)


def payload(**changes: object) -> dict[str, Any]:
    data: dict[str, Any] = {
        "subject": "Parcel 42 late",
        "description": "Ordered a week ago.\nStill nothing.",
        "requester": {"email": "alice@example.com", "name": "Alice Example"},
        "category": "shipping",
        "fields": {"order": 42, "carrier": "ACME Freight"},
    }
    data.update(changes)
    return data


def problems(data: object, form: FormSpec = FORM) -> list[tuple[str, str]]:
    with pytest.raises(IntakeError) as caught:
        parse_form(data, form=form)
    assert caught.value.code == "invalid_intake"
    return [(p.path, p.code) for p in caught.value.problems]


def test_a_valid_payload_is_a_web_ticket_for_an_external_requester() -> None:
    ticket = parse_form(payload(), form=FORM)
    assert ticket == NewTicket(
        subject="Parcel 42 late",
        description="Ordered a week ago.\nStill nothing.",
        requester=ticket.requester,
        channel=Channel.WEB,
        category="shipping",
        fields=Fields({"order": 42, "carrier": "ACME Freight"}),
    )
    assert (ticket.requester.email, ticket.requester.name) == ("alice@example.com", "Alice Example")
    assert ticket.requester.external is True
    assert ticket.kind is TicketKind.INCIDENT


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    bad = payload(
        subject="",
        requester={"email": "not-an-address"},
        category="gardening",
        fields={"carrier": ["ACME"]},
    )
    assert problems(bad) == [
        ("$.subject", "empty"),
        ("$.requester.email", "not_an_email"),
        ("$.category", "unknown_category"),
        ("$.fields.order", "missing"),
        ("$.fields.carrier", "wrong_type"),
    ]


def test_missing_required_keys_are_each_reported() -> None:
    assert problems({"fields": {"order": 1}}) == [
        ("$.requester", "missing"),
        ("$.subject", "missing"),
    ]


def test_an_intake_error_is_a_value_error_whose_message_lists_the_problems() -> None:
    with pytest.raises(ValueError, match=r"\$\.subject: must not be empty \[empty\]"):
        parse_form(payload(subject="  "), form=FORM)


@pytest.mark.parametrize("key", ["queue", "assignee", "status", "links", "channel", "priority"])
def test_a_customer_form_does_not_set_what_staff_decide(key: str) -> None:
    assert problems(payload(**{key: "x"})) == [(f"$.{key}", "unknown_field")]


def test_impact_urgency_and_tags_are_keys_only_where_the_form_enables_them() -> None:
    bad = payload(impact=3, urgency=2, tags=["vip"])
    assert problems(bad) == [
        ("$.impact", "unknown_field"),
        ("$.urgency", "unknown_field"),
        ("$.tags", "unknown_field"),
    ]
    form = FormSpec(
        categories=FORM.categories,
        fields=FORM.field_names,
        impact_urgency=True,
        max_tags=2,
        priorities={"P1", "P2"},
    )
    ticket = parse_form(bad | {"priority": "P2"}, form=form)
    assert (ticket.impact, ticket.urgency, ticket.tags, ticket.priority) == (
        3,
        2,
        frozenset({"vip"}),
        "P2",
    )


def test_an_integral_number_is_a_level_but_a_boolean_is_not() -> None:
    form = FormSpec(impact_urgency=True)
    base = {"subject": "s", "requester": {"email": "a@b.example"}}
    assert parse_form(base | {"impact": 4.0}, form=form).impact == 4
    assert problems(base | {"impact": True, "urgency": 6}, form) == [
        ("$.impact", "wrong_type"),
        ("$.urgency", "out_of_range"),
    ]


def test_unknown_and_internal_structured_fields_are_unknown_fields() -> None:
    desk = Desk(InMemoryTicketStore(), customer_fields={"carrier"}, internal_fields={"margin"})
    form = FormSpec(access=desk.access)
    base = {"subject": "s", "requester": {"email": "a@b.example"}}
    assert parse_form(base | {"fields": {"carrier": "X"}}, form=form).fields == {"carrier": "X"}
    found = problems(base | {"fields": {"margin": 3, "colour": "red"}}, form)
    assert found == [("$.fields.margin", "unknown_field"), ("$.fields.colour", "unknown_field")]


def test_a_form_cannot_offer_an_internal_field() -> None:
    with pytest.raises(InvalidValueError, match="internal fields"):
        FormSpec(
            fields={"margin"}, access=Desk(InMemoryTicketStore(), internal_fields={"margin"}).access
        )


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"max_subject_length": 999}, "max_subject_length"),
        ({"max_tags": -1}, "max_tags"),
        ({"max_fields": 257}, "max_fields"),
        ({"categories": "billing"}, "categories"),
        ({"kinds": {"outage"}}, "kinds"),
        ({"kinds": 3}, "kinds"),
        ({"fields": {"a", "b"}, "required_fields": {"a", "b"}, "max_fields": 1}, "required_fields"),
        ({"require_category": True}, "require_category"),
        ({"required_fields": {"order"}}, "required_fields"),
        ({"impact_urgency": 1}, "impact_urgency"),
        ({"access": "everyone"}, "access"),
    ],
)
def test_a_form_spec_checks_its_options(options: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        FormSpec(**options)
    assert caught.value.field == field


def test_a_form_must_be_a_form_spec() -> None:
    with pytest.raises(InvalidValueError):
        parse_form(payload(), form="web")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "wrong_type"),
        (42, "wrong_type"),
        ("x" * 201, "too_long"),
        ("\t ", "empty"),
        ("line\nbreak", "not_single_line"),
        ("para\u2029graph", "not_single_line"),
        ("half \ud800 pair", "invalid_text"),
    ],
)
def test_subject_rules(value: object, code: str) -> None:
    assert problems(payload(subject=value)) == [("$.subject", code)]


@pytest.mark.parametrize(
    ("email", "code"),
    [
        ("alice", "not_an_email"),
        ("alice@", "not_an_email"),
        ("al ice@example.com", "not_an_email"),
        ("alice@example.com\n", "not_an_email"),
        ("a@" + "b" * 253, "too_long"),
        (["alice@example.com"], "wrong_type"),
    ],
)
def test_requester_email_rules(email: object, code: str) -> None:
    assert problems(payload(requester={"email": email})) == [("$.requester.email", code)]


def test_a_choice_or_the_fields_of_the_wrong_type() -> None:
    assert problems(payload(category=3, fields="order=42")) == [
        ("$.category", "wrong_type"),
        ("$.fields", "wrong_type"),
    ]


def test_requester_name_and_unknown_requester_keys() -> None:
    bad = payload(requester={"email": "a@b.example", "name": "", "phone": "555"})
    assert problems(bad) == [("$.requester.phone", "unknown_field"), ("$.requester.name", "empty")]
    assert problems(payload(requester="a@b.example")) == [("$.requester", "wrong_type")]


def test_structured_field_values() -> None:
    good = {"order": 7, "weight": 2.5, "fragile": True, "carrier": ""}
    assert parse_form(payload(fields=good), form=FORM).fields == good
    bad = {"order": math.nan, "weight": 2**63, "fragile": None, "carrier": "x" * 1001}
    assert problems(payload(fields=bad)) == [
        ("$.fields.carrier", "too_long"),
        ("$.fields.fragile", "wrong_type"),
        ("$.fields.order", "not_finite"),
        ("$.fields.weight", "out_of_range"),
    ]


def test_counts_are_checked_before_contents() -> None:
    form = FormSpec(max_tags=3, fields={"a"}, max_fields=2)
    base = {"subject": "s", "requester": {"email": "a@b.example"}}
    many = base | {"tags": [None] * 1_000_000, "fields": {str(i): None for i in range(10_000)}}
    assert problems(many, form) == [("$.tags", "too_many"), ("$.fields", "too_many")]


def test_tag_rules() -> None:
    form = FormSpec(max_tags=5)
    base = {"subject": "s", "requester": {"email": "a@b.example"}}
    bad = base | {"tags": ["ok", "two words", "ok", 3, ""]}
    assert problems(bad, form) == [
        ("$.tags[1]", "invalid_tag"),
        ("$.tags[2]", "duplicate"),
        ("$.tags[3]", "wrong_type"),
        ("$.tags[4]", "empty"),
    ]
    assert problems(base | {"tags": "ok"}, form) == [("$.tags", "wrong_type")]


def test_kind_and_required_description() -> None:
    form = FormSpec(require_description=True, kinds={TicketKind.SERVICE_REQUEST})
    base = {"subject": "s", "requester": {"email": "a@b.example"}}
    assert problems(base, form) == [("$.description", "missing")]
    assert problems(base | {"description": " ", "kind": "incident"}, form) == [
        ("$.description", "empty"),
        ("$.kind", "unknown_kind"),
    ]
    asked = parse_form(base | {"description": "d", "kind": "service_request"}, form=form)
    assert asked.kind is TicketKind.SERVICE_REQUEST
    assert problems(base | {"kind": "incident"}, FormSpec(kinds=())) == [
        ("$.kind", "unknown_field")
    ]


@pytest.mark.parametrize("value", [None, [], "subject", 3, b"{}"])
def test_a_payload_that_is_not_an_object_is_one_problem_at_the_root(value: object) -> None:
    assert problems(value) == [("$", "wrong_type")]


def test_keys_that_are_not_simple_names_are_quoted_and_non_strings_named_by_type() -> None:
    bad = payload() | {"two words": 1, 7: 1, ("x" * 100): 1}
    found = problems(bad)
    assert found == [
        ("$['two words']", "unknown_field"),
        ("$[<int key>]", "unknown_field"),
        ("$['" + "x" * 61 + "...']", "unknown_field"),
    ]


def test_a_flood_of_unknown_keys_is_reported_in_bounded_space() -> None:
    flood = payload() | {f"k{i}": i for i in range(10_000)}
    with pytest.raises(IntakeError) as caught:
        parse_form(flood, form=FORM)
    assert len(caught.value.problems) == 21
    assert caught.value.problems[-1] == IntakeProblem(
        "$", "unknown_field", "9980 more keys this form does not accept"
    )


def test_the_default_form_takes_a_subject_a_description_and_a_requester() -> None:
    ticket = parse_form({"subject": "Help", "requester": {"email": "a@b.example"}})
    assert (ticket.subject, ticket.description, ticket.category) == ("Help", "", None)
    assert problems(
        {"subject": "Help", "requester": {"email": "a@b.example"}, "fields": {}}, FormSpec()
    ) == [("$.fields", "unknown_field")]


def test_a_rule_the_walk_lacks_is_still_kept_by_the_value_types(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Should the value types grow a rule the walk does not know, the converter still refuses.
    monkeypatch.setattr("ticketflow.intake._forms.address_problem", lambda _: None)
    with pytest.raises(IntakeError) as caught:
        parse_form(payload(requester={"email": "alice"}), form=FORM)
    assert [(p.path, p.code) for p in caught.value.problems] == [
        ("$.requester.email", "invalid_value")
    ]


def test_a_parsed_form_is_what_a_customer_may_submit_for_themselves() -> None:
    desk = Desk(InMemoryTicketStore())
    ticket = desk.submit(
        parse_form(payload(), form=FORM), actor=Actor.customer("alice@example.com")
    )
    assert ticket.channel is Channel.WEB
    with pytest.raises(AccessDeniedError):
        desk.submit(parse_form(payload(), form=FORM), actor=Actor.customer("bob@example.com"))
