"""A snapshot takes analytics up again where it stopped, under the same settings only."""

from __future__ import annotations

import contextlib
import json
from datetime import date

import pytest
from _logistics import generate
from hypothesis import given
from hypothesis import strategies as st

from ticketflow.analytics import Analytics, Metric
from ticketflow.exceptions import InvalidValueError
from ticketflow.sla import BusinessCalendar
from ticketflow.storage import InMemoryTicketStore

BERLIN = BusinessCalendar.weekly(
    tz="Europe/Berlin", hours={"mon-fri": ["09:00-17:00"]}, holidays=[date(2026, 12, 25)]
)


def tables(analytics: Analytics) -> list[object]:
    return [
        analytics.metric(
            metric,
            by="carrier",
            period="month",
            status="pending_customer" if metric is Metric.TIME_IN_STATUS else None,
        )
        for metric in Metric
    ] + [analytics.drivers(by="site", min_count=5), analytics.as_of, analytics.cursor]


def test_a_snapshot_goes_on_from_its_cursor_to_the_same_figures() -> None:
    store = InMemoryTicketStore()
    generate(store, 200)
    before = Analytics(store, calendar=BERLIN)
    before.refresh()
    text = before.snapshot()
    again = Analytics.from_snapshot(store, text, calendar=BERLIN)
    assert tables(again) == tables(before)
    assert again.snapshot() == text
    generate(store, 50, seed=2, first=201)
    assert again.refresh() > 0
    fresh = Analytics(store, calendar=BERLIN)
    fresh.refresh()
    assert tables(again) == tables(fresh)


def test_a_snapshot_of_nothing_read_starts_from_the_beginning() -> None:
    store = InMemoryTicketStore()
    text = Analytics(store).snapshot()
    generate(store, 5)
    again = Analytics.from_snapshot(store, text.encode())
    assert again.cursor is None
    assert again.refresh() > 0
    assert again.tickets == 5


def test_a_snapshot_is_refused_under_other_settings() -> None:
    store = InMemoryTicketStore()
    text = Analytics(store, calendar=BERLIN).snapshot()
    other_holidays = BusinessCalendar.weekly(tz="Europe/Berlin", hours={"mon-fri": ["09:00-17:00"]})
    for settings in (
        {},
        {"calendar": other_holidays},
        {"calendar": BERLIN, "tz": "UTC"},
        {"calendar": BERLIN, "resolved": ["done"]},
    ):
        with pytest.raises(InvalidValueError) as caught:
            Analytics.from_snapshot(store, text, **settings)
        assert caught.value.field == "snapshot.settings"
    assert Analytics.from_snapshot(store, text, calendar=BERLIN).tickets == 0


def test_a_damaged_snapshot_is_refused_naming_where() -> None:
    store = InMemoryTicketStore()
    generate(store, 3)
    analytics = Analytics(store)
    analytics.refresh()
    good = json.loads(analytics.snapshot())

    def damaged(change: dict[str, object]) -> str:
        return json.dumps({**good, **change})

    first = good["tickets"]["L1"]
    cases = {
        "not json": "snapshot",
        json.dumps([1]): "snapshot",
        damaged({"format": "other/1"}): "snapshot",
        damaged({"cursor": "feed1:x"}): "snapshot.cursor",
        damaged({"latest": "yesterday"}): "snapshot.latest",
        damaged({"tickets": []}): "snapshot.tickets",
        damaged({"tickets": {"L1": first[:-1]}}): "snapshot.tickets.L1",
        damaged({"tickets": {"L1": [*first[:2], "", *first[3:]]}}): "snapshot.tickets.L1[2]",
        damaged({"tickets": {"L1": [*first[:10], {"x": [1]}, *first[11:]]}}): (
            "snapshot.tickets.L1[10].x"
        ),
        damaged({"tickets": {"L1": [*first[:11], -1, *first[12:]]}}): "snapshot.tickets.L1[11]",
        damaged({"tickets": {"L1": [*first[:15], ["late"], *first[16:]]}}): (
            "snapshot.tickets.L1[15]"
        ),
        damaged({"tickets": {"L1": [*first[:16], 9, *first[17:]]}}): "snapshot.tickets.L1[16]",
        damaged({"tickets": {"L1": [*first[:18], [["2026-01-01T00:00:00"]], *first[19:]]}}): (
            "snapshot.tickets.L1[18][0]"
        ),
        damaged({"tickets": {"L1": [*first[:18], [["2026-01-01T00:00:00", None]], *first[19:]]}}): (
            "snapshot.tickets.L1[18][0][0]"
        ),
        damaged({"tickets": {"L1": [*first[:19], -5, *first[20:]]}}): "snapshot.tickets.L1[19]",
        damaged({"tickets": {"L1": [*first[:20], "noon", *first[21:]]}}): (
            "snapshot.tickets.L1[20]"
        ),
        damaged({"tickets": {"L1": [*first[:21], {"speed": [0, None, False]}]}}): (
            "snapshot.tickets.L1[21]"
        ),
        damaged({"tickets": {"L1": [*first[:21], {"resolution": [0, None, 1]}]}}): (
            "snapshot.tickets.L1[21].resolution[2]"
        ),
        damaged({"tickets": {"L1": [*first[:21], {"resolution": [None, None, True]}]}}): (
            "snapshot.tickets.L1[21].resolution[0]"
        ),
    }
    for text, field in cases.items():
        with pytest.raises(InvalidValueError) as caught:
            Analytics.from_snapshot(store, text)
        assert caught.value.field == field, text


@given(st.text() | st.binary() | st.recursive(st.none(), st.lists, max_leaves=5).map(json.dumps))
def test_any_text_is_a_snapshot_or_refused(text: str | bytes) -> None:
    # A value or InvalidValueError: any other exception fails the test.
    with contextlib.suppress(InvalidValueError):
        Analytics.from_snapshot(InMemoryTicketStore(), text)
