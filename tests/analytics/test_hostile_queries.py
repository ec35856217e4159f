"""Hostile arguments to the queries: a table or an InvalidValueError, never another exception."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from _logistics import generate
from hypothesis import given
from hypothesis import strategies as st

from _hostile import hostile_values
from ticketflow.analytics import Analytics, DriverTable, MetricTable
from ticketflow.exceptions import InvalidValueError
from ticketflow.storage import InMemoryTicketStore


@pytest.fixture(scope="module")
def analytics() -> Analytics:
    store = InMemoryTicketStore()
    generate(store, 60)
    analytics = Analytics(store, tz="Europe/Berlin")
    analytics.refresh()
    return analytics


METRIC_ARGUMENTS: dict[str, st.SearchStrategy[Any]] = {
    "by": st.sampled_from([None, "carrier", "status", "fields.site"]),
    "period": st.sampled_from([None, "day", "week", "month"]),
    "since": st.sampled_from([None, date(2026, 3, 1), datetime(2026, 6, 1, tzinfo=UTC)]),
    "until": st.sampled_from([None, date(2026, 9, 1)]),
    "as_of": st.sampled_from([None, datetime(2026, 7, 1, tzinfo=UTC)]),
    "sla": st.sampled_from([None, "resolution"]),
}


@st.composite
def spoiled(draw: st.DrawFn, valid: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    """Valid keyword arguments with one to three swapped for hostile values."""
    kwargs = {name: draw(strategy) for name, strategy in valid.items()}
    for name in draw(st.sets(st.sampled_from(sorted(valid)), min_size=1, max_size=3)):
        kwargs[name] = draw(hostile_values)
    return kwargs


@given(
    metric=st.sampled_from(
        ["volume", "time_in_status", "sla_breaches", "sla_breach_minutes", "backlog"]
    )
    | hostile_values,
    kwargs=spoiled({**METRIC_ARGUMENTS, "status": st.just("new")}),
)
def test_metric_answers_a_table_or_refuses(
    analytics: Analytics, metric: Any, kwargs: dict[str, Any]
) -> None:
    try:
        table = analytics.metric(metric, **kwargs)
    except InvalidValueError:
        return
    assert isinstance(table, MetricTable)


@given(
    kwargs=spoiled(
        {
            "metric": st.sampled_from(["sla_breach", "reopen"]),
            "by": st.sampled_from(["carrier", "site"]),
            "min_count": st.integers(1, 100),
            "since": st.sampled_from([None, date(2026, 3, 1)]),
            "until": st.sampled_from([None, date(2026, 9, 1)]),
        }
    )
)
def test_drivers_answers_a_ranking_or_refuses(analytics: Analytics, kwargs: dict[str, Any]) -> None:
    try:
        table = analytics.drivers(**kwargs)
    except InvalidValueError:
        return
    assert isinstance(table, DriverTable)


@given(moments=hostile_values | st.lists(hostile_values, max_size=3))
def test_backlog_at_answers_counts_or_refuses(analytics: Analytics, moments: Any) -> None:
    try:
        counts = analytics.backlog_at(moments)
    except InvalidValueError:
        return
    assert isinstance(counts, tuple)
    assert all(type(count) is int for count in counts)
