"""Drivers on the generated logistics desk, and grouping that adds up to the total."""

from __future__ import annotations

import math

import pytest
from _logistics import CARRIERS, PLANTED, SMALL, generate

from ticketflow.analytics import Analytics, Driver, DriverTable, Metric, Outcome
from ticketflow.exceptions import InvalidValueError
from ticketflow.storage import InMemoryTicketStore

TICKETS = 3000  # the 10,000 in benchmarks/analytics.py; the ranking holds at 3,000


@pytest.fixture(scope="module")
def logistics() -> Analytics:
    store = InMemoryTicketStore()
    events = generate(store, TICKETS)
    analytics = Analytics(store)
    assert analytics.refresh() == events
    return analytics


def test_the_planted_carrier_ranks_first_and_the_small_one_is_not_ranked(
    logistics: Analytics,
) -> None:
    table = logistics.drivers(metric="sla_breach", by="carrier", min_count=30)
    assert table.ranked[0].group == PLANTED
    assert table.ranked[0].lift is not None
    assert 1.6 < table.ranked[0].lift < 2.4
    assert [d.group for d in table.too_few] == [SMALL]
    tiny = table.too_few[0]
    assert (tiny.count, tiny.hits) == (3, 2)
    assert {d.group for d in table.ranked} == set(CARRIERS) - {SMALL}


def test_the_wilson_lower_bound_keeps_the_small_carrier_below_even_when_ranked(
    logistics: Analytics,
) -> None:
    table = logistics.drivers(Outcome.SLA_BREACH, by="carrier", min_count=1)
    groups = [d.group for d in table.ranked]
    assert groups[0] == PLANTED
    tiny = table.ranked[groups.index(SMALL)]
    north = table.ranked[0]
    assert tiny.rate > north.rate  # 2 of 3 is a higher rate ...
    assert tiny.low < north.low  # ... on far less evidence
    assert table.too_few == ()


def test_wilson_interval_matches_the_formula(logistics: Analytics) -> None:
    table = logistics.drivers(metric="sla_breach", by="carrier", min_count=1)
    z = 1.959963984540054
    for found in table.ranked:
        n, p = found.count, found.hits / found.count
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        assert found.low == pytest.approx(centre - half)
        assert found.high == pytest.approx(centre + half)
    # The interval of 2 of 3 is about 0.21 to 0.94.
    tiny = next(d for d in table.ranked if d.group == SMALL)
    assert (round(tiny.low, 2), round(tiny.high, 2)) == (0.21, 0.94)
    overall = table.overall
    assert overall is not None
    assert overall.hits == sum(d.hits for d in table.ranked)
    assert overall.lift == 1.0


def test_other_outcomes_rank_over_their_own_tickets(logistics: Analytics) -> None:
    reopen = logistics.drivers("reopen", by="category")
    assert reopen.overall is not None
    resolved = logistics.metric(Metric.REOPEN_RATE).total
    assert (reopen.overall.count, reopen.overall.hits) == (resolved.count, resolved.hits)
    csat = logistics.drivers("low_csat", by="site")
    assert csat.overall is not None
    assert csat.overall.count == logistics.metric("csat").total.count
    first = logistics.drivers("first_response_breach", by="carrier")
    assert first.overall is not None
    assert first.overall.hits == 0
    assert all(d.lift is None for d in first.ranked)


ADDITIVE = [m for m in Metric if m is not Metric.TIME_IN_STATUS]


@pytest.mark.parametrize("metric", ADDITIVE)
@pytest.mark.parametrize("by", ["carrier", "category", "priority", "queue", "site", "status"])
def test_grouping_by_any_dimension_adds_up_to_the_total(
    logistics: Analytics, metric: Metric, by: str
) -> None:
    for period in (None, "month"):
        table = logistics.metric(metric, by=by, period=period)
        assert sum(row.count for row in table.rows) == table.total.count
        if table.total.hits is not None:
            assert sum(row.hits or 0 for row in table.rows) == table.total.hits
        if table.total.total is not None:
            assert (
                sum((row.total for row in table.rows if row.total), start=table.total.total * 0)
                == table.total.total
            )


def test_time_in_status_adds_up_too(logistics: Analytics) -> None:
    for status in ("new", "pending_customer", "resolved"):
        table = logistics.metric("time_in_status", status=status, by="carrier", period="week")
        assert sum(row.count for row in table.rows) == table.total.count > 0
        assert table.total.total is not None
        assert sum((r.total for r in table.rows if r.total), start=0 * table.total.total) == (
            table.total.total
        )


def test_driver_arguments_are_checked(logistics: Analytics) -> None:
    for arguments, field in [
        ({"metric": "speed", "by": "carrier"}, "metric"),
        ({"by": ""}, "by"),
        ({"by": "carrier", "min_count": 0}, "min_count"),
        ({"by": "carrier", "since": 3}, "since"),
    ]:
        with pytest.raises(InvalidValueError) as caught:
            logistics.drivers(**arguments)  # type: ignore[arg-type]
        assert caught.value.field == field
    with pytest.raises(InvalidValueError) as caught:
        Driver("x", 3, 2, 0.9, 0.2, 0.95, None)
    assert caught.value.field == "rate"
    with pytest.raises(InvalidValueError) as caught:
        Driver("x", 4, 2, 0.5, 0.6, 0.95, None)
    assert caught.value.field == "rate"
    with pytest.raises(InvalidValueError) as caught:
        DriverTable("sla_breach", "carrier", 1, None, [object()], [])  # type: ignore[list-item]
    assert caught.value.field == "ranked[0]"
