"""Intake's value types refuse what is not a collection, and its seams refuse what is no seam.

Regressions found by the hostile-input test: these raised ``TypeError`` (a number where a
collection belongs) or ``AttributeError`` (no spec, no source).
"""

from __future__ import annotations

import attrs
import pytest

from ticketflow.exceptions import InvalidValueError
from ticketflow.intake import (
    InboundEmail,
    NearDuplicate,
    NearDuplicateIndex,
    SimilaritySpec,
    find_near_duplicates,
    parse_email,
)

MAIL = b"From: a@example.com\r\nSubject: hi\r\nMessage-ID: <m1@example.com>\r\n\r\nHello\r\n"


@pytest.mark.parametrize("field", ["references", "to", "cc", "attachments", "defects"])
@pytest.mark.parametrize("bad", [0, None, 1.5, "text", b"bytes", {}])
def test_an_e_mail_s_collections_must_be_collections(field: str, bad: object) -> None:
    fields = attrs.asdict(parse_email(MAIL), recurse=False)
    with pytest.raises(InvalidValueError) as caught:
        InboundEmail(**{**fields, field: bad})
    assert caught.value.field == field


def test_a_parsed_e_mail_keeps_its_defects_as_a_tuple() -> None:
    assert isinstance(parse_email(b"Subject: x\r\n\r\nno sender\r\n").defects, tuple)


def test_finding_near_duplicates_needs_a_spec_and_a_source() -> None:
    index = NearDuplicateIndex()
    keys = index.spec.keys("printer on fire", "the printer on floor two is on fire")
    with pytest.raises(InvalidValueError) as caught:
        find_near_duplicates(index, 3, keys)  # type: ignore[arg-type]
    assert caught.value.field == "spec"
    with pytest.raises(InvalidValueError) as caught:
        find_near_duplicates(None, SimilaritySpec(), keys)  # type: ignore[arg-type]
    assert caught.value.field == "source"


@pytest.mark.parametrize(
    ("ticket_id", "similarity", "field"),
    [("", 0.5, "ticket_id"), ("T1", 1.5, "similarity"), ("T1", 1, "similarity")],
)
def test_a_near_duplicate_is_checked_where_it_is_built(
    ticket_id: str, similarity: float, field: str
) -> None:
    with pytest.raises(InvalidValueError) as caught:
        NearDuplicate(ticket_id, similarity)
    assert caught.value.field == field


@pytest.mark.parametrize("bad", [["T1"], {"T1": 1}, 3, None])
def test_an_index_asked_about_no_ticket_id_answers_or_refuses_typed(bad: object) -> None:
    index = NearDuplicateIndex()
    assert bad not in index
    with pytest.raises(InvalidValueError) as caught:
        index.remove(bad)  # type: ignore[arg-type]
    assert caught.value.field == "ticket_id"
