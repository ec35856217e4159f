"""Each metric on hand-computed journals: wall time, then business time across a holiday and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from _journals import CUSTOMER, SYSTEM, TicketJournal

from ticketflow import TicketStatus
from ticketflow._events import SlaBreached
from ticketflow.analytics import Analytics, Metric, MetricRow, Period
from ticketflow.exceptions import InvalidValueError
from ticketflow.sla import BusinessCalendar, SlaMetric
from ticketflow.storage import InMemoryTicketStore

S = TicketStatus
H = timedelta(hours=1)
MON = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday


def desk_of_three() -> tuple[InMemoryTicketStore, dict[str, TicketJournal]]:
    """Three tickets whose every figure is worked out in the comments."""
    store = InMemoryTicketStore()
    # T1: answered after 2 h; waits on the customer 24 h; resolved at 30 h, reopened at 32 h,
    # resolved again at 34 h and closed at 40 h with CSAT 4. Two staff replies.
    t1 = TicketJournal("T1", MON, number=1, category="delivery", fields={"carrier": "acme"})
    t1.walk(MON + H, S.TRIAGED, S.IN_PROGRESS).comment(MON + 2 * H)
    t1.move(S.PENDING_CUSTOMER, MON + 3 * H).comment(MON + 20 * H, actor=CUSTOMER)
    t1.move(S.IN_PROGRESS, MON + 27 * H).comment(MON + 29 * H)
    t1.move(S.RESOLVED, MON + 30 * H).move(S.IN_PROGRESS, MON + 32 * H, reopen=True)
    t1.move(S.RESOLVED, MON + 34 * H).move(S.CLOSED, MON + 40 * H).csat(MON + 41 * H, 4)
    # T2: created at 1 h; an internal note (no answer) at 2 h; answered at 5 h; resolved at 6 h,
    # breaching its resolution clock at 5.5 h; closed at 7 h without CSAT. One staff reply.
    t2 = TicketJournal("T2", MON + H, number=2, category="billing", fields={"carrier": "bolt"})
    t2.walk(MON + H, S.TRIAGED, S.IN_PROGRESS).comment(MON + 2 * H, public=False)
    t2.comment(MON + 5 * H).breach(MON + 5.5 * H, SlaMetric.RESOLUTION)
    t2.move(S.RESOLVED, MON + 6 * H).move(S.CLOSED, MON + 7 * H)
    # T3: created at 10 h, never answered (its first-response clock breached at 12 h), open.
    t3 = TicketJournal("T3", MON + 10 * H, number=3, category="delivery")
    t3.breach(MON + 12 * H, SlaMetric.FIRST_RESPONSE)
    journals = {"T1": t1, "T2": t2, "T3": t3}
    for journal in journals.values():
        journal.commit(store)
    return store, journals


@pytest.fixture
def analytics() -> Analytics:
    store, _ = desk_of_three()
    analytics = Analytics(store)
    assert analytics.refresh() == 23
    return analytics


def test_volume_counts_created_tickets_by_group(analytics: Analytics) -> None:
    table = analytics.metric("volume", by="category")
    assert table.total == MetricRow(None, None, 3)
    assert table.as_dict() == {
        "billing": MetricRow("billing", None, 1),
        "delivery": MetricRow("delivery", None, 2),
    }


def test_time_to_first_response_counts_only_public_staff_replies(analytics: Analytics) -> None:
    total = analytics.metric(Metric.TIME_TO_FIRST_RESPONSE).total
    # T1 2 h, T2 4 h (the internal note does not count), T3 unanswered.
    assert (total.count, total.median, total.total) == (2, 3 * H, 6 * H)
    assert total.p90 == 2 * H + 0.9 * (2 * H)


def test_time_to_resolution_runs_to_the_first_resolution_pauses_included(
    analytics: Analytics,
) -> None:
    table = analytics.metric("time_to_resolution", by="carrier")
    assert table.total.count == 2
    assert table.total.median == (30 * H + 5 * H) / 2
    assert table.row("acme") == MetricRow("acme", None, 1, median=30 * H, p90=30 * H, total=30 * H)
    assert table.row("bolt") == MetricRow("bolt", None, 1, median=5 * H, p90=5 * H, total=5 * H)


def test_time_in_status_attributes_the_wait_on_the_customer(analytics: Analytics) -> None:
    waiting = analytics.metric("time_in_status", status="pending_customer").total
    assert (waiting.count, waiting.total) == (1, 24 * H)
    # T1 stood in new for 1 h; T3 stands in it from 10 h to the latest event (T1's CSAT at
    # 41 h): its stay counts so far, 31 h. So the median is 16 h, the p90 1 + 0.9 * 30 h.
    new = analytics.metric("time_in_status", status="new", by="category")
    assert new.row("delivery") == MetricRow(
        "delivery", None, 2, median=16 * H, p90=28 * H, total=32 * H
    )
    assert analytics.metric("time_in_status", status="resolved").total.total == 2 * H + 6 * H + H


def test_backlog_is_what_is_open_at_an_instant_with_its_age(analytics: Analytics) -> None:
    assert analytics.as_of == MON + 41 * H
    now = analytics.metric("backlog").total
    assert (now.count, now.median) == (1, 31 * H)  # T3 alone
    # At 31 h T1 was resolved (not open), at 33 h reopened (open).
    assert analytics.metric("backlog", as_of=MON + 31 * H).total.count == 1
    at_33 = analytics.metric("backlog", as_of=MON + 33 * H, by="category")
    assert at_33.row("delivery") == MetricRow(
        "delivery",
        None,
        2,
        median=28 * H,
        p90=32 * H,
        total=56 * H,  # ages 23 h and 33 h
    )


def test_breaches_and_attainment_come_from_breach_events(analytics: Analytics) -> None:
    breaches = analytics.metric("sla_breaches").total
    assert (breaches.count, breaches.hits) == (3, 2)
    first = analytics.metric("sla_breaches", sla="first_response").total
    assert (first.hits, first.value) == (1, 1 / 3)
    attainment = analytics.metric("sla_attainment").total
    assert (attainment.count, attainment.hits, attainment.value) == (2, 1, 0.5)


def test_reopen_rate_and_first_contact_resolution(analytics: Analytics) -> None:
    reopened = analytics.metric("reopen_rate").total
    assert (reopened.count, reopened.hits) == (2, 1)
    # T1 was reopened (and replied twice); T2 was resolved with one staff reply.
    fcr = analytics.metric("first_contact_resolution", by="carrier")
    assert fcr.row("bolt") == MetricRow("bolt", None, 1, hits=1, value=1.0)
    assert fcr.row("acme") == MetricRow("acme", None, 1, hits=0, value=0.0)


def test_csat_average_and_response_rate_over_closed_tickets(analytics: Analytics) -> None:
    assert analytics.metric("csat").total == MetricRow(None, None, 1, value=4.0)
    rate = analytics.metric("csat_response_rate").total
    assert (rate.count, rate.hits, rate.value) == (2, 1, 0.5)


def test_periods_group_by_creation_and_bounds_filter() -> None:
    store = InMemoryTicketStore()
    for number, day in enumerate([date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 9)], 1):
        at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        TicketJournal(f"W{number}", at, number=number).commit(store)
    analytics = Analytics(store)
    analytics.refresh()
    weeks = analytics.metric("volume", period="week")
    assert [(row.period, row.count) for row in weeks.rows] == [
        (date(2026, 2, 23), 1),
        (date(2026, 3, 2), 1),
        (date(2026, 3, 9), 1),
    ]
    months = analytics.metric("volume", period=Period.MONTH, since=date(2026, 3, 2))
    assert [(row.period, row.count) for row in months.rows] == [(date(2026, 3, 1), 2)]
    bounded = analytics.metric("volume", since=date(2026, 3, 2), until=date(2026, 3, 9))
    assert bounded.total.count == 1


def test_a_field_changed_later_regroups_the_ticket() -> None:
    store = InMemoryTicketStore()
    journal = TicketJournal("F1", MON, number=1, fields={"carrier": "acme"})
    journal.commit(store)
    analytics = Analytics(store)
    analytics.refresh()
    assert analytics.metric("volume", by="carrier").row("acme") is not None
    journal.fields(MON + H, carrier="bolt").assign(MON + H, "freight", "bob").commit(store)
    assert analytics.refresh() == 2
    assert set(analytics.metric("volume", by="carrier").as_dict()) == {"bolt"}
    assert set(analytics.metric("volume", by="fields.carrier").as_dict()) == {"bolt"}
    assert set(analytics.metric("volume", by="queue").as_dict()) == {"freight"}
    journal.fields(MON + 2 * H, carrier=None).commit(store)
    analytics.refresh()
    assert set(analytics.metric("volume", by="carrier").as_dict()) == {None}


BERLIN = BusinessCalendar.weekly(
    tz="Europe/Berlin",
    hours={"mon-fri": ["09:00-17:00"]},
    holidays=[date(2026, 10, 26)],  # the Monday after the clocks go back (25 October 2026)
)


def test_business_time_skips_nights_a_weekend_a_holiday_and_the_dst_change() -> None:
    store = InMemoryTicketStore()
    friday = datetime(2026, 10, 23, 13, tzinfo=UTC)  # 15:00 in Berlin (CEST)
    tuesday = datetime(2026, 10, 27, 10, tzinfo=UTC)  # 11:00 in Berlin (CET)
    journal = TicketJournal("B1", friday, number=1)
    journal.walk(friday, S.TRIAGED, S.IN_PROGRESS).comment(friday + H)
    # Waits on the customer from Friday 16:00 to Tuesday 10:00, Berlin time.
    journal.move(S.PENDING_CUSTOMER, friday + H).move(S.IN_PROGRESS, tuesday - H)
    journal.move(S.RESOLVED, tuesday).commit(store)
    business, wall = Analytics(store, calendar=BERLIN), Analytics(store)
    business.refresh()
    wall.refresh()
    # Friday 15-17 (2 h), the weekend and the holiday closed, Tuesday 09-11 (2 h).
    assert business.metric("time_to_resolution").total.median == 4 * H
    assert wall.metric("time_to_resolution").total.median == 93 * H  # 92 h local + the DST hour
    assert business.metric("time_to_first_response").total.median == H
    pending = business.metric("time_in_status", status="pending_customer").total
    assert pending.total == 2 * H  # Friday 16-17, Tuesday 09-10
    assert wall.metric("time_in_status", status="pending_customer").total.total == 91 * H
    # Periods are in the calendar's zone: Friday the 23rd.
    assert business.metric("volume", period="day").rows[0].period == date(2026, 10, 23)


def test_a_host_workflow_status_is_attributed_like_any_other() -> None:
    store = InMemoryTicketStore()
    journal = TicketJournal("V1", MON, number=1, status="open")
    journal.move("pending_vendor", MON + H).move("open", MON + 5 * H).move("done", MON + 6 * H)
    journal.commit(store)
    analytics = Analytics(store, resolved=["done"])
    analytics.refresh()
    assert analytics.metric("time_in_status", status="pending_vendor").total.total == 4 * H
    assert analytics.metric("time_to_resolution").total.median == 6 * H
    assert analytics.metric("backlog").total.count == 0


def test_refresh_reads_only_what_is_new_and_an_empty_store_gives_empty_tables() -> None:
    store = InMemoryTicketStore()
    analytics = Analytics(store)
    assert analytics.refresh() == 0
    before = analytics.cursor  # an empty feed: still at its start
    assert before is None
    assert analytics.metric("backlog").total == MetricRow(None, None, 0)
    assert analytics.metric("time_to_resolution").rows == ()
    journal = TicketJournal("N1", MON, number=1)
    journal.commit(store)
    assert analytics.refresh() == 1
    assert analytics.refresh() == 0
    assert analytics.cursor is not None
    assert analytics.tickets == 1


def test_arguments_are_checked_and_name_their_field(analytics: Analytics) -> None:
    cases = [
        ({"metric": "speed"}, "metric"),
        ({"metric": "volume", "by": ""}, "by"),
        ({"metric": "volume", "period": "year"}, "period"),
        ({"metric": "volume", "since": "2026-01-01"}, "since"),
        ({"metric": "volume", "until": datetime(2026, 1, 1)}, "until"),  # noqa: DTZ001
        ({"metric": "backlog", "as_of": 5}, "as_of"),
        ({"metric": "time_in_status"}, "status"),
        ({"metric": "volume", "status": "new"}, "status"),
        ({"metric": "volume", "sla": "first_response"}, "sla"),
        ({"metric": "sla_breaches", "sla": "speed"}, "sla"),
    ]
    for arguments, field in cases:
        with pytest.raises(InvalidValueError) as caught:
            analytics.metric(**arguments)  # type: ignore[arg-type]
        assert caught.value.field == field, arguments
    with pytest.raises(InvalidValueError) as caught:
        Analytics(object())  # type: ignore[arg-type]
    assert caught.value.field == "store"
    with pytest.raises(InvalidValueError) as caught:
        Analytics(InMemoryTicketStore(), tz="Mars/Olympus")
    assert caught.value.field == "tz"
    with pytest.raises(InvalidValueError) as caught:
        Analytics(InMemoryTicketStore(), resolved="done")
    assert caught.value.field == "resolved"


def test_final_resolution_counts_the_reopen_the_first_does_not(analytics: Analytics) -> None:
    first = analytics.metric("time_to_resolution", by="carrier")
    final = analytics.metric(Metric.TIME_TO_FINAL_RESOLUTION, by="carrier")
    # T1 first resolved at 30 h, reopened at 32 h, resolved for good at 34 h; T2 at 5 h.
    assert first.row("acme") == MetricRow("acme", None, 1, median=30 * H, p90=30 * H, total=30 * H)
    assert final.row("acme") == MetricRow("acme", None, 1, median=34 * H, p90=34 * H, total=34 * H)
    assert final.row("bolt") == first.row("bolt")
    assert (final.total.count, final.total.total) == (2, 39 * H)


def test_final_resolution_waits_while_a_reopened_ticket_is_open() -> None:
    store = InMemoryTicketStore()
    journal = TicketJournal("R1", MON, number=1)
    journal.walk(MON, S.TRIAGED, S.IN_PROGRESS).move(S.RESOLVED, MON + 2 * H)
    journal.move(S.IN_PROGRESS, MON + 3 * H, reopen=True).commit(store)
    analytics = Analytics(store)
    analytics.refresh()
    assert analytics.metric("time_to_resolution").total.total == 2 * H
    assert analytics.metric("time_to_final_resolution").total == MetricRow(None, None, 0)
    journal.move(S.RESOLVED, MON + 7 * H).commit(store)
    analytics.refresh()
    assert analytics.metric("time_to_final_resolution").total.total == 7 * H


def test_breach_minutes_run_from_the_deadline_until_the_clock_is_met(analytics: Analytics) -> None:
    # T2's resolution clock was due at 5.5 h and met at 6 h: 30 minutes. T3's first-response
    # clock was due at 12 h and still runs at the latest event (41 h): 29 h.
    minutes = analytics.metric(Metric.SLA_BREACH_MINUTES, by="carrier")
    assert minutes.row("bolt") == MetricRow("bolt", None, 1, median=H / 2, p90=H / 2, total=H / 2)
    assert minutes.row(None) == MetricRow(None, None, 1, median=29 * H, p90=29 * H, total=29 * H)
    assert (minutes.total.count, minutes.total.total) == (2, 29.5 * H)
    resolution = analytics.metric("sla_breach_minutes", sla="resolution").total
    assert (resolution.count, resolution.total) == (1, H / 2)
    earlier = analytics.metric("sla_breach_minutes", sla="first_response", as_of=MON + 20 * H)
    assert earlier.total.total == 8 * H


def _reopened_across_a_holiday_and_dst() -> InMemoryTicketStore:
    """B2: its resolution clock breached twice, paused once, across a holiday and DST.

    Berlin times: created Thursday 22 October 2026 09:00 (CEST); resolution due Thursday
    15:00; waits on the customer from Friday 10:00 to Tuesday 27 October 10:00 (CET: the
    clocks went back on Sunday the 25th; Monday the 26th is a holiday); resolved Tuesday
    12:00; reopened Wednesday 10:00; due again Wednesday 15:00; resolved Thursday 29th 11:00.
    """
    store = InMemoryTicketStore()
    created = datetime(2026, 10, 22, 7, tzinfo=UTC)
    journal = TicketJournal("B2", created, number=2)
    journal.walk(created, S.TRIAGED, S.IN_PROGRESS)
    journal.breach(datetime(2026, 10, 22, 13, tzinfo=UTC), SlaMetric.RESOLUTION)
    journal.move(S.PENDING_CUSTOMER, datetime(2026, 10, 23, 8, tzinfo=UTC))
    journal.move(S.IN_PROGRESS, datetime(2026, 10, 27, 9, tzinfo=UTC))
    journal.move(S.RESOLVED, datetime(2026, 10, 27, 11, tzinfo=UTC))
    journal.move(S.IN_PROGRESS, datetime(2026, 10, 28, 9, tzinfo=UTC), reopen=True)
    journal.breach(datetime(2026, 10, 28, 14, tzinfo=UTC), SlaMetric.RESOLUTION, cycle=1)
    journal.move(S.RESOLVED, datetime(2026, 10, 29, 10, tzinfo=UTC))
    journal.commit(store)
    return store


def test_breach_minutes_and_resolutions_across_a_reopen_a_pause_a_holiday_and_dst() -> None:
    store = _reopened_across_a_holiday_and_dst()
    business, wall = Analytics(store, calendar=BERLIN), Analytics(store)
    business.refresh()
    wall.refresh()
    # Overtime, business: Thursday 15-17 and Friday 9-10 (then paused), Tuesday 10-12 (met),
    # Wednesday 15-17 and Thursday 9-11 (met): 3 + 2 + 4 = 9 h.
    assert business.metric("sla_breach_minutes").total.total == 9 * H
    # Wall: Thursday 13:00 to Friday 08:00 UTC (19 h), Tuesday 09-11 UTC (2 h), Wednesday
    # 14:00 to Thursday 10:00 UTC (20 h).
    assert wall.metric("sla_breach_minutes").total.total == 41 * H
    # First resolution: Thursday 8 h, Friday 8 h, the holiday closed, Tuesday 9-12: 19 h.
    # Final: Thursday, Friday, Tuesday, Wednesday 8 h each and Thursday 9-11: 34 h.
    assert business.metric("time_to_resolution").total.total == 19 * H
    assert business.metric("time_to_final_resolution").total.total == 34 * H
    # In wall time the first resolution is 5 days and 3 local hours, plus the DST hour.
    assert wall.metric("time_to_resolution").total.total == 124 * H
    # Read part way, with the clock still running: by Friday 09:30 Berlin it has run 2.5
    # business hours past its deadline (as_of moves a running clock only).
    early = InMemoryTicketStore()
    created = datetime(2026, 10, 22, 7, tzinfo=UTC)
    running = TicketJournal("B3", created, number=3).walk(created, S.TRIAGED, S.IN_PROGRESS)
    running.breach(datetime(2026, 10, 22, 13, tzinfo=UTC), SlaMetric.RESOLUTION).commit(early)
    part = Analytics(early, calendar=BERLIN)
    part.refresh()
    at = datetime(2026, 10, 23, 7, 30, tzinfo=UTC)
    assert part.metric("sla_breach_minutes", as_of=at).total.total == 2.5 * H
    # Without pause statuses, the wait on the customer counts too: Friday 10-17 (7 h) and
    # Tuesday 9-10 (1 h) more.
    unpaused = Analytics(store, calendar=BERLIN, pauses={})
    unpaused.refresh()
    assert unpaused.metric("sla_breach_minutes").total.total == 17 * H


def test_a_breach_read_after_the_clock_was_met_counts_to_the_moment_it_was_met() -> None:
    # The tick that records the breach ran late: the reply came first.
    store = InMemoryTicketStore()
    journal = TicketJournal("L1", MON, number=1)
    journal.comment(MON + 3 * H)
    journal.add(
        SlaBreached, MON + 4 * H, SYSTEM, metric=SlaMetric.FIRST_RESPONSE, cycle=0, due_at=MON + H
    )
    journal.commit(store)
    analytics = Analytics(store)
    analytics.refresh()
    assert analytics.metric("sla_breach_minutes").total.total == 2 * H
    with pytest.raises(InvalidValueError) as caught:
        Analytics(store, pauses={"speed": ["new"]})  # type: ignore[dict-item]
    assert caught.value.field == "pauses"
    with pytest.raises(InvalidValueError) as caught:
        Analytics(store, pauses={"resolution": "new"})  # type: ignore[dict-item]
    assert caught.value.field == "pauses['resolution']"
    with pytest.raises(InvalidValueError) as caught:
        Analytics(store, pauses=["new"])  # type: ignore[arg-type]
    assert caught.value.field == "pauses"
