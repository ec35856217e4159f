"""The detector's three kinds of group, on hand-made incidents, and no suggestion for noise.

Each test writes its incidents straight to an in-memory store (``TicketJournal``) at chosen
instants in the window (the 14 days to ``AS_OF``) or the baseline (the 90 days before it).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "analytics"))

from _journals import TicketJournal

from ticketflow import Actor, Desk
from ticketflow.exceptions import InvalidValueError
from ticketflow.intake import SimilaritySpec
from ticketflow.problems import (
    DetectorPolicy,
    Dismissal,
    GroupKind,
    ProblemPolicy,
    Problems,
    ProblemSuggestion,
    RecurrenceDetector,
)
from ticketflow.storage import InMemoryTicketStore
from ticketflow.testing import FrozenClock

AS_OF: Final = datetime(2026, 6, 1, tzinfo=UTC)
AGENT: Final = Actor.agent("ann")
SPEC: Final = SimilaritySpec()
STORY: Final = (
    "The label printer at the north dock prints every barcode twice and the scanner then"
    " rejects the whole pallet at the gate"
)


class Incidents:
    """A store of hand-made incidents and a detector over it."""

    def __init__(self, policy: DetectorPolicy) -> None:
        self.store = InMemoryTicketStore()
        self.number = 0
        desk = Desk(self.store, clock=FrozenClock(AS_OF))
        self.problems = Problems(desk, policy=ProblemPolicy(quiet_period=None))
        self.detector = RecurrenceDetector(self.problems, policy=policy)

    def add(
        self,
        days_ago: float,
        *,
        category: str | None = None,
        description: str = "",
        **fields: str,
    ) -> str:
        self.number += 1
        journal = TicketJournal(
            f"I{self.number}",
            AS_OF - timedelta(days=days_ago),
            number=self.number,
            subject=f"Incident {self.number}",
            description=description,
            category=category,
            fields=fields,
        )
        journal.commit(self.store)
        return journal.ticket.id

    def detect(self) -> tuple[ProblemSuggestion, ...]:
        return self.detector.detect(as_of=AS_OF)


def test_a_category_alone_is_a_group_when_no_field_explains_it() -> None:
    desk = Incidents(DetectorPolicy(fields=("carrier",)))
    carriers = ("acme", "bolt", "cargo", "dash", "eagle", "fleet")
    ids = [desk.add(day + 1, category="damage", carrier=c) for day, c in enumerate(carriers)]
    desk.add(50, category="damage", carrier="acme")  # one in the baseline
    [suggestion] = desk.detect()
    assert suggestion.kind is GroupKind.CATEGORY
    assert (suggestion.category, suggestion.field, suggestion.value) == ("damage", None, None)
    assert set(suggestion.incidents) == set(ids)
    assert suggestion.baseline_count == 1
    assert suggestion.describe().startswith("6 damage incidents in the 14 days")
    problem = desk.detector.accept(suggestion, actor=AGENT)
    assert problem.subject == "Recurring damage"
    # Without category groups, six carriers of one each are nothing.
    alone = RecurrenceDetector(
        desk.problems, policy=DetectorPolicy(fields=("carrier",), categories=False)
    )
    assert alone.detect(as_of=AS_OF) == ()


def test_a_field_group_explains_its_category() -> None:
    desk = Incidents(DetectorPolicy(fields=("carrier",)))
    acme = [desk.add(day + 1, category="damage", carrier="acme") for day in range(6)]
    desk.add(2, category="damage", carrier="bolt")  # the category has one more
    [suggestion] = desk.detect()  # not the category's 7 as well: acme's 6 explain them
    assert suggestion.kind is GroupKind.FIELD
    assert (suggestion.category, suggestion.field, suggestion.value) == (
        "damage",
        "carrier",
        "acme",
    )
    assert set(suggestion.incidents) == set(acme)


def test_near_duplicate_texts_are_a_group_whatever_their_category() -> None:
    desk = Incidents(DetectorPolicy(fields=("carrier",), similarity=SPEC))
    categories = ("damage", "billing", "delivery/late", None, "damage", "billing")
    ids = [
        desk.add(day + 1, category=category, description=f"{STORY}.", carrier=f"c{day}")
        for day, category in enumerate(categories)
    ]
    for day in range(6):  # unrelated texts, in the window too
        desk.add(day + 0.5, description=f"Order {day} was billed in the wrong currency twice")
    [suggestion] = desk.detect()
    assert suggestion.kind is GroupKind.TEXT
    assert suggestion.category is None
    assert suggestion.field is None
    assert isinstance(suggestion.value, str)
    assert suggestion.value in SPEC.keys(f"Incident {1}", f"{STORY}.").band_keys
    assert set(suggestion.incidents) == set(ids)
    assert suggestion.baseline_count == 0
    assert "6 near-duplicate incidents (band key " in suggestion.describe()
    # Dismissed, it stays away until it grows; its key is the band key.
    dismissal = desk.detector.dismiss(suggestion, actor=AGENT)
    assert (dismissal.kind, dismissal.value) == (GroupKind.TEXT, suggestion.value)
    assert desk.detect() == ()
    for day in range(3):
        desk.add(day + 0.25, description=f"{STORY}!")
    [back] = desk.detect()
    assert (back.kind, back.value, back.count) == (GroupKind.TEXT, suggestion.value, 9)
    problem = desk.detector.accept(back, actor=AGENT)
    assert problem.subject == "Recurring: Incident 6"  # the oldest


def test_a_text_group_counts_its_baseline_and_yields_to_a_structured_group() -> None:
    desk = Incidents(DetectorPolicy(fields=("carrier",), similarity=SPEC))
    for day in range(20, 104, 4):  # the same story all along: 21 in the baseline
        desk.add(day, description=STORY)
    for day in range(6):
        desk.add(day + 1, description=STORY)
    assert desk.detect() == ()  # 6 where 3.3 are expected: not a recurrence
    desk = Incidents(DetectorPolicy(fields=("carrier",), similarity=SPEC))
    for day in range(6):
        desk.add(day + 1, category="damage", description=STORY, carrier="acme")
    [suggestion] = desk.detect()  # one group of incidents: told once, by its field
    assert suggestion.kind is GroupKind.FIELD


def test_the_kind_must_fit_the_category_field_and_value() -> None:
    start = AS_OF - timedelta(days=104)
    window = AS_OF - timedelta(days=14)
    common: dict[str, Any] = {
        "incidents": ("I1",),
        "baseline_count": 0,
        "baseline_start": start,
        "window_start": window,
        "as_of": AS_OF,
    }
    for category, field, value, kind, wrong in [
        ("damage", None, None, GroupKind.FIELD, "field"),
        ("damage", "carrier", None, None, "value"),
        ("damage", None, "acme", GroupKind.CATEGORY, "value"),
        ("damage", None, "0:ab", GroupKind.TEXT, "category"),
        (None, "carrier", "0:ab", GroupKind.TEXT, "field"),
        (None, None, 3, None, "value"),
        (None, None, None, GroupKind.CATEGORY, "category"),
        ("damage", None, None, "size", "kind"),
    ]:
        extra: dict[str, Any] = {} if kind is None else {"kind": kind}
        with pytest.raises(InvalidValueError) as raised:
            ProblemSuggestion(category=category, field=field, value=value, **common, **extra)
        assert raised.value.field == wrong
        with pytest.raises(InvalidValueError) as raised:
            Dismissal(
                category=category, field=field, value=value, count=1, at=AS_OF, actor="ann", **extra
            )
        assert raised.value.field == wrong
    with pytest.raises(InvalidValueError) as raised:
        DetectorPolicy(fields=("carrier",), similarity="0.8")  # type: ignore[arg-type]
    assert raised.value.field == "similarity"
    with pytest.raises(InvalidValueError) as raised:
        DetectorPolicy(categories=1)  # type: ignore[arg-type]
    assert raised.value.field == "categories"


# -- noise: incidents at a steady rate are never suggested --------------------------------------

_DAYS: Final = 104  # the baseline and the window


@settings(max_examples=min(settings().max_examples, 40))
@given(
    groups=st.lists(
        st.tuples(
            st.sampled_from(("damage", "billing", None)),
            st.sampled_from(("acme", "bolt", "cargo")),
            st.sampled_from((STORY, "A crate of glass arrived broken", "")),
            st.integers(1, 45),  # incidents over the 104 days
            st.floats(0.0, 1.0),  # where in its slot the first falls
        ),
        min_size=1,
        max_size=4,
    )
)
def test_incidents_at_a_steady_rate_are_never_suggested(
    groups: list[tuple[str | None, str, str, int, float]],
) -> None:
    # Each group's incidents are spread evenly over the baseline and window (one per slot of
    # 104 / count days, at the same place in each): noise at a steady rate, whatever the mix
    # of categories, carriers and texts, is no recurrence in any kind of group.
    desk = Incidents(DetectorPolicy(fields=("carrier",), similarity=SPEC))
    for category, carrier, story, count, phase in groups:
        slot = _DAYS / count
        for index in range(count):
            days_ago = (index + phase) * slot
            desk.add(
                min(days_ago, _DAYS - 0.01), category=category, description=story, carrier=carrier
            )
    assert desk.detect() == ()
