"""The recurring-cause detector on the generated logistics desk, and its decisions.

The generator (``tests/analytics/_logistics.py``) plants its carrier's *breach rate*, not its
volume: every carrier's tickets arrive at one rate, in random categories. It is the noise. The
recurring cause is planted here: a burst of the planted carrier's ``delivery/lost`` incidents
in the last two weeks of the year.
"""

from __future__ import annotations

import math
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "analytics"))

from _journals import TicketJournal
from _logistics import PLANTED, START, generate

from ticketflow import Actor, Desk, Resolution, TicketStatus
from ticketflow.exceptions import (
    AccessDeniedError,
    InvalidValueError,
    NaiveDatetimeError,
)
from ticketflow.problems import (
    DetectorPolicy,
    Dismissal,
    DismissalLog,
    InMemoryDismissals,
    ProblemPolicy,
    Problems,
    ProblemSuggestion,
    RecurrenceDetector,
)
from ticketflow.problems._detector import _poisson_tail
from ticketflow.storage import InMemoryTicketStore, TicketStore
from ticketflow.testing import FrozenClock

TICKETS: Final = 2000  # a year: about 2.7 incidents per (category, carrier) in 14 days
AS_OF: Final = START + timedelta(days=365)
BURST: Final = 10
AGENT: Final = Actor.agent("ann")
POLICY: Final = DetectorPolicy(fields=("carrier", "site"))


def _burst(store: TicketStore, count: int, *, first: int, start: datetime) -> list[str]:
    ids = []
    for index in range(count):
        n = first - index  # down from ``first``: the desk numbers its problems above it
        at = start + timedelta(hours=3 * index)
        journal = TicketJournal(
            f"B{n}",
            at,
            number=n,
            category="delivery/lost",
            priority="P2",
            queue="freight",
            fields={"carrier": PLANTED, "site": ("ham", "ber", "muc")[n % 3]},
        )
        journal.walk(at + timedelta(minutes=5), TicketStatus.TRIAGED, TicketStatus.IN_PROGRESS)
        journal.commit(store)
        ids.append(journal.ticket.id)
    return ids


class Desktop:
    """The generated desk, its detector, and the planted burst's ids."""

    def __init__(
        self, *, burst: int = BURST, dismissals: DismissalLog | None = None, tickets: int = TICKETS
    ) -> None:
        self.store = InMemoryTicketStore()
        generate(self.store, tickets)
        self.next_number = 40_000  # counting down, above the generated tickets
        self.burst = self.add(burst, start=AS_OF - timedelta(days=13))
        self.desk = Desk(self.store, clock=FrozenClock(AS_OF + timedelta(days=30)))
        self.problems = Problems(self.desk, policy=ProblemPolicy(quiet_period=None))
        self.detector = RecurrenceDetector(self.problems, policy=POLICY, dismissals=dismissals)

    def add(self, count: int, *, start: datetime) -> list[str]:
        ids = _burst(self.store, count, first=self.next_number, start=start)
        self.next_number -= count
        return ids

    def detect(self) -> tuple[ProblemSuggestion, ...]:
        return self.detector.detect(as_of=AS_OF)


@pytest.fixture
def planted() -> Desktop:
    return Desktop()


def _group(suggestion: ProblemSuggestion) -> tuple[str | None, str | None, Any]:
    return (suggestion.category, suggestion.field, suggestion.value)


def test_the_planted_carriers_recurring_category_is_suggested_with_its_evidence(
    planted: Desktop,
) -> None:
    [suggestion] = planted.detect()
    assert _group(suggestion) == ("delivery/lost", "carrier", PLANTED)
    assert set(planted.burst) <= set(suggestion.incidents)
    noise = suggestion.count - BURST
    assert 0 <= noise <= 8  # the carrier's own delivery/lost tickets in the window
    assert not any(planted.desk.get(i).links.problem for i in suggestion.incidents)
    assert suggestion.as_of == AS_OF
    assert suggestion.window_start == AS_OF - POLICY.window
    assert suggestion.baseline_start == AS_OF - POLICY.window - POLICY.baseline
    # The baseline: about 2000 / 7 / 4 * 90 / 365 = 17.6 in 90 days, 2.7 expected in 14.
    assert 8 <= suggestion.baseline_count <= 30
    assert suggestion.expected == pytest.approx(suggestion.baseline_count * 14 / 90)
    assert suggestion.ratio >= POLICY.min_ratio
    assert suggestion.p_value <= POLICY.significance
    assert "delivery/lost incidents with carrier='north'" in suggestion.describe()


def test_random_noise_is_not_suggested_at_any_week_of_the_year() -> None:
    # 38 weekly runs over 4 categories x (8 carriers + 3 sites): 1,672 groups tested.
    desktop = Desktop(burst=0)
    runs = [START + timedelta(days=day) for day in range(105, 366, 7)]
    found = [s for as_of in runs for s in desktop.detector.detect(as_of=as_of)]
    assert found == []
    # At ten times the significance, noise does come through: the threshold is doing the work.
    loose = RecurrenceDetector(
        desktop.problems, policy=DetectorPolicy(fields=("carrier", "site"), significance=0.001)
    )
    assert [s for as_of in runs for s in loose.detect(as_of=as_of)] != []


def test_accepting_more_than_a_hundred_incidents_links_them_all() -> None:
    desktop = Desktop(burst=120)  # every three hours from 13 days before: 104 in the window
    [suggestion] = [s for s in desktop.detect() if s.field == "carrier"]
    assert suggestion.count > 100  # Problems.open takes 100 at once
    problem = desktop.detector.accept(suggestion, actor=AGENT, subject="Lost parcels at north")
    assert problem.subject == "Lost parcels at north"
    assert problem.description.endswith(f" and {suggestion.count - 100} more")
    assert desktop.problems.state(problem.id).incidents == suggestion.incidents


def test_a_burst_too_small_or_too_early_is_not_suggested() -> None:
    assert Desktop(burst=3).detect() == ()
    desktop = Desktop(burst=0)
    desktop.add(BURST, start=AS_OF - timedelta(days=60))  # in the baseline, not the window
    assert desktop.detect() == ()


def test_accepting_opens_a_problem_linking_the_incidents(planted: Desktop) -> None:
    [suggestion] = planted.detect()
    problem = planted.detector.accept(suggestion, actor=AGENT)
    assert problem.category == "delivery/lost"
    assert problem.subject == "Recurring delivery/lost: carrier=north"
    assert f"{suggestion.count} delivery/lost incidents" in problem.description
    assert planted.problems.state(problem.id).incidents == suggestion.incidents
    for incident_id in suggestion.incidents:
        assert planted.desk.get(incident_id).links.problem == problem.id
    # The open problem covers the group now, even as it grows.
    planted.add(5, start=AS_OF - timedelta(days=2))
    assert planted.detect() == ()


def test_a_group_that_an_open_problem_mostly_covers_is_not_suggested(planted: Desktop) -> None:
    [suggestion] = planted.detect()
    half = suggestion.incidents[: suggestion.count // 2]
    problem = planted.problems.open(half, subject="Lost parcels", actor=AGENT)
    assert planted.detect() == (suggestion,)  # half is not most
    planted.problems.link(problem.id, suggestion.incidents[-1], actor=AGENT)
    assert planted.detect() == ()
    # A resolved problem covers nothing: the group is suggested again.
    for status in (TicketStatus.TRIAGED, TicketStatus.IN_PROGRESS):
        planted.desk.transition(problem.id, status, actor=AGENT)
    planted.problems.record_fix(problem.id, "Scan at the depot's gate.", actor=AGENT)
    planted.problems.verify(problem.id, ["no loss since"], actor=AGENT)
    planted.problems.resolve(
        problem.id, Resolution(code="fixed", summary="Gate scan."), actor=AGENT
    )
    assert [_group(s) for s in planted.detect()] == [_group(suggestion)]


def test_a_dismissed_group_comes_back_only_once_it_has_grown() -> None:
    log = InMemoryDismissals()
    planted = Desktop(dismissals=log)
    [suggestion] = planted.detect()
    dismissal = planted.detector.dismiss(suggestion, actor=AGENT, reason="a strike, not a cause")
    assert dismissal == Dismissal(
        category="delivery/lost",
        field="carrier",
        value=PLANTED,
        count=suggestion.count,
        at=AS_OF + timedelta(days=30),
        actor=AGENT.id,
        reason="a strike, not a cause",
    )
    assert planted.detect() == ()
    planted.add(POLICY.regrowth - 1, start=AS_OF - timedelta(days=1))
    assert planted.detect() == ()
    # A detector built again from the kept dismissals (a restart) still holds it back.
    again = RecurrenceDetector(
        planted.problems, policy=POLICY, dismissals=InMemoryDismissals(list(log.all()))
    )
    assert again.detect(as_of=AS_OF) == ()
    planted.add(1, start=AS_OF - timedelta(hours=1))
    [back] = planted.detect()
    assert _group(back) == _group(suggestion)
    assert back.count == suggestion.count + POLICY.regrowth


def test_only_staff_may_dismiss(planted: Desktop) -> None:
    [suggestion] = planted.detect()
    with pytest.raises(AccessDeniedError):
        planted.detector.dismiss(suggestion, actor=Actor.customer("ann@example.com"))
    assert planted.detect() == (suggestion,)


@pytest.mark.parametrize(
    ("count", "expected", "tail"),
    [
        (0, 2.0, 1.0),
        (1, 2.0, 1 - math.exp(-2)),
        (3, 2.0, 1 - 5 * math.exp(-2)),  # 1 - e^-2 (1 + 2 + 2)
        (2, 0.5, 1 - 1.5 * math.exp(-0.5)),
        # From the lower sum in 80-digit decimals:
        (10, 2.7, 5.013_640e-4),
        (14, 2.7, 1.025_741e-6),
        (60, 10.0, 6.521_903e-27),
        (400, 300.0, 2.206_652e-8),
    ],
)
def test_the_poisson_tail(count: int, expected: float, tail: float) -> None:
    assert _poisson_tail(count, expected) == pytest.approx(tail, rel=1e-6)


# -- typed errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"fields": (), "categories": False}, "fields"),
        ({"fields": "carrier"}, "fields"),
        ({"fields": ("carrier", "carrier")}, "fields"),
        ({"fields": ("",)}, "fields[0]"),
        ({"window": 14}, "window"),
        ({"window": timedelta(minutes=5)}, "window"),
        ({"baseline": timedelta(days=7)}, "baseline"),
        ({"baseline": timedelta(days=4000)}, "baseline"),
        ({"min_count": 0}, "min_count"),
        ({"min_count": True}, "min_count"),
        ({"min_ratio": 0.5}, "min_ratio"),
        ({"min_ratio": math.nan}, "min_ratio"),
        ({"significance": 0.0}, "significance"),
        ({"significance": 1}, "significance"),
        ({"regrowth": 0}, "regrowth"),
    ],
)
def test_a_bad_policy_is_refused_by_field(arguments: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValueError) as raised:
        DetectorPolicy(**arguments)
    assert raised.value.field == field


def _suggestion(**changes: Any) -> ProblemSuggestion:
    arguments: dict[str, Any] = {
        "category": "damage",
        "field": "carrier",
        "value": "acme",
        "incidents": ("L1", "L2"),
        "baseline_count": 3,
        "baseline_start": AS_OF - timedelta(days=104),
        "window_start": AS_OF - timedelta(days=14),
        "as_of": AS_OF,
    }
    return ProblemSuggestion(**(arguments | changes))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": ""}, "category"),
        ({"value": None}, "value"),
        ({"value": math.inf}, "value"),
        ({"incidents": ()}, "incidents"),
        ({"incidents": ("L1", "L1")}, "incidents"),
        ({"incidents": "L1"}, "incidents"),
        ({"baseline_count": -1}, "baseline_count"),
        ({"as_of": AS_OF - timedelta(days=20)}, "window_start"),
        ({"as_of": datetime(2026, 12, 31)}, "as_of"),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_a_bad_suggestion_is_refused_by_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValueError) as raised:
        _suggestion(**changes)
    assert raised.value.field == field


def test_a_new_group_is_expected_at_half_an_incident() -> None:
    suggestion = _suggestion(baseline_count=0)
    assert suggestion.expected == pytest.approx(0.5 * 14 / 90)
    assert suggestion.count == 2


def test_bad_detector_arguments_are_refused_by_field(planted: Desktop) -> None:
    cases: list[tuple[Any, str]] = [
        (lambda: RecurrenceDetector(planted.desk), "problems"),  # type: ignore[arg-type]
        (lambda: RecurrenceDetector(planted.problems, policy=POLICY.fields), "policy"),  # type: ignore[arg-type]
        (lambda: RecurrenceDetector(planted.problems, dismissals=[]), "dismissals"),  # type: ignore[arg-type]
        (lambda: planted.detector.detect(as_of="2026-12-31"), "as_of"),  # type: ignore[arg-type]
        (lambda: planted.detector.accept("B40000", actor=AGENT), "suggestion"),  # type: ignore[arg-type]
        (lambda: planted.detector.dismiss(None, actor=AGENT), "suggestion"),  # type: ignore[arg-type]
        (lambda: InMemoryDismissals(["x"]), "dismissals[0]"),  # type: ignore[list-item]
        (lambda: InMemoryDismissals().record("x"), "dismissal"),  # type: ignore[arg-type]
    ]
    for call, field in cases:
        with pytest.raises(InvalidValueError) as raised:
            call()
        assert raised.value.field == field
    with pytest.raises(NaiveDatetimeError):
        planted.detector.detect(as_of=datetime(2026, 12, 31))  # noqa: DTZ001 - naive on purpose
    with pytest.raises(InvalidValueError) as raised:
        planted.detector.detect(as_of=datetime.min.replace(tzinfo=UTC))
    assert raised.value.field == "as_of"
    [suggestion] = planted.detect()
    with pytest.raises(InvalidValueError) as raised:
        planted.detector.dismiss(suggestion, actor=AGENT, reason="two\nlines")
    assert raised.value.field == "reason"


def test_two_fields_with_the_same_incidents_are_judged_once() -> None:
    # Every lost parcel of bolt came through ham: one group under two fields.
    store = InMemoryTicketStore()
    for index in range(12):
        journal = TicketJournal(
            f"H{index}",
            AS_OF - timedelta(days=index + 1),
            number=index + 1,
            category="delivery/lost",
            fields={"carrier": "bolt", "site": "ham"},
        )
        journal.commit(store)
    desk = Desk(store, clock=FrozenClock(AS_OF))
    problems = Problems(desk, policy=ProblemPolicy(quiet_period=None))
    by_site_first = RecurrenceDetector(problems, policy=DetectorPolicy(fields=("site", "carrier")))
    [suggestion] = by_site_first.detect()
    assert (suggestion.field, suggestion.value, suggestion.baseline_count) == ("site", "ham", 0)
    detector = RecurrenceDetector(problems, policy=POLICY)
    [suggestion] = detector.detect()
    assert (suggestion.field, suggestion.value, suggestion.count) == ("carrier", "bolt", 12)
    # Dismissing it dismisses the same incidents under ``site`` too.
    detector.dismiss(suggestion, actor=AGENT)
    assert detector.detect() == ()


def test_the_default_subject_is_one_line_whatever_the_value_holds() -> None:
    store = InMemoryTicketStore()
    for index in range(6):
        journal = TicketJournal(
            f"V{index}",
            AS_OF - timedelta(days=index + 1),
            number=index + 1,
            category="damage",
            fields={"carrier": "two\nlines  here"},
        )
        journal.commit(store)
    desk = Desk(store, clock=FrozenClock(AS_OF))
    detector = RecurrenceDetector(Problems(desk, policy=ProblemPolicy(quiet_period=None)))
    [suggestion] = detector.detect()
    problem = detector.accept(suggestion, actor=AGENT)
    assert problem.subject == "Recurring damage: carrier=two lines here"
