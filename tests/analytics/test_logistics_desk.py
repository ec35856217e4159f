"""The issue's must-show: one generated logistics desk of 10,000 tickets, two answers.

The desk (``_logistics.py``): 10,000 tickets over 2026, 8 carriers; ``north`` planted with
twice the others' breach rate and, in the year's last 14 days, a recurring cause (30 more
``delivery/lost`` incidents, their descriptions near duplicates of one another); ``tiny`` with
3 tickets and 2 breaches; the rest random noise. ``drivers`` must rank north first and not
rank tiny above it; the detector must suggest north's ``delivery/lost`` and nothing for the
noise, at the default threshold, grouping by category, by carrier and site, and by text.

The journals are committed straight to an in-memory store, one change per ticket (about a
second for the 10,000; the Desk's commands would take a minute).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Final

import pytest
from _logistics import END, PLANTED, RECURRING_CATEGORY, SMALL, START, generate

from ticketflow import Desk
from ticketflow.analytics import Analytics
from ticketflow.intake import SimilaritySpec
from ticketflow.problems import (
    DetectorPolicy,
    GroupKind,
    ProblemPolicy,
    Problems,
    RecurrenceDetector,
)
from ticketflow.storage import InMemoryTicketStore
from ticketflow.testing import FrozenClock

pytestmark = pytest.mark.slow

TICKETS: Final = 10_000
RECURRING: Final = 30  # of the 10,000: about 14 of north's delivery/lost are noise in 14 days
POLICY: Final = DetectorPolicy(fields=("carrier", "site"), similarity=SimilaritySpec())


class LogisticsDesk:
    def __init__(self) -> None:
        began = time.perf_counter()
        self.store = InMemoryTicketStore()
        self.events = generate(self.store, TICKETS, recurring=RECURRING)
        self.seconds = time.perf_counter() - began
        self.desk = Desk(self.store, clock=FrozenClock(END + timedelta(days=1)))
        problems = Problems(self.desk, policy=ProblemPolicy(quiet_period=None))
        self.detector = RecurrenceDetector(problems, policy=POLICY)


@pytest.fixture(scope="module")
def logistics() -> LogisticsDesk:
    return LogisticsDesk()


def test_drivers_rank_the_planted_carrier_first_and_the_small_one_not_above_it(
    logistics: LogisticsDesk,
) -> None:
    assert logistics.seconds < 30  # about 3 s on the development machine
    analytics = Analytics(logistics.store)
    assert analytics.refresh() == logistics.events
    assert analytics.tickets == TICKETS
    table = analytics.drivers(metric="sla_breach", by="carrier")
    assert table.ranked[0].group == PLANTED
    lift = table.ranked[0].lift
    assert lift is not None
    assert 1.6 < lift < 2.4
    assert [(d.group, d.count, d.hits) for d in table.too_few] == [(SMALL, 3, 2)]
    # Ranked even with a minimum count of one, the small carrier's 2 of 3 stays below.
    everyone = analytics.drivers(metric="sla_breach", by="carrier", min_count=1).ranked
    groups = [d.group for d in everyone]
    assert groups[0] == PLANTED
    tiny = everyone[groups.index(SMALL)]
    assert tiny.rate > everyone[0].rate
    assert tiny.low < everyone[0].low


@pytest.mark.no_cover  # 10,000 tickets: the detector's own tests cover its code, 5x faster
def test_the_detector_suggests_the_recurring_cause_and_nothing_for_the_noise(
    logistics: LogisticsDesk,
) -> None:
    [suggestion] = logistics.detector.detect(as_of=END)
    assert suggestion.kind is GroupKind.FIELD
    assert (suggestion.category, suggestion.field, suggestion.value) == (
        RECURRING_CATEGORY,
        "carrier",
        PLANTED,
    )
    planted = {f"L{n}" for n in range(TICKETS - RECURRING + 1, TICKETS + 1)}
    assert planted <= set(suggestion.incidents)
    assert suggestion.count - RECURRING <= 25  # north's own delivery/lost noise in 14 days
    # Every week of the year before the recurring cause began: noise only, nothing suggested,
    # by category, by carrier or site, or by text.
    runs = [START + timedelta(days=day) for day in range(105, 351, 7)]
    assert [s for as_of in runs for s in logistics.detector.detect(as_of=as_of)] == []
