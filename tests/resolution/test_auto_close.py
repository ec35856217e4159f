"""Auto-close: resolved tickets nobody answered close after N business days, by Desk.tick."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from _resolution_desks import (
    AGENT,
    ALICE,
    at_work,
    desk_on,
    each_store,  # noqa: F401 - the fixture `store`
    fixed,
    resolved,
    types,
)

from ticketflow import (
    ResolutionAnswer,
    ResolutionAnswered,
    TicketflowError,
    TicketTransitioned,
    from_json,
    to_json,
)
from ticketflow.exceptions import CalendarError, InvalidValueError
from ticketflow.resolution import CSAT_TOPIC, AutoClose, ResolutionPolicy, business_days_after
from ticketflow.resolution._autoclose import AUTO_CLOSE_ACTOR
from ticketflow.sla import BusinessCalendar, SlaPolicy
from ticketflow.storage import TicketStore

BERLIN = ZoneInfo("Europe/Berlin")
HOLIDAY = date(2026, 11, 30)  # a Monday
OFFICE = BusinessCalendar.weekly(
    tz="Europe/Berlin", hours={"mon-fri": ["09:00-17:00"]}, holidays=[HOLIDAY]
)
# Resolved on Thursday 26 November 2026; three business days: Friday 27, (the weekend, the
# holiday on Monday 30) Tuesday 1 and Wednesday 2 December. It closes at the end of the
# Wednesday in Berlin: midnight, 23:00 UTC.
DEADLINE = datetime(2026, 12, 2, 23, tzinfo=UTC)
POLICY = ResolutionPolicy(auto_close=AutoClose(business_days=3, calendar=OFFICE, name="quiet3"))


# -- business_days_after ---------------------------------------------------------------------------


def test_business_days_skip_the_weekend_and_the_holiday() -> None:
    thursday = datetime(2026, 11, 26, 15, tzinfo=UTC)
    assert business_days_after(OFFICE, thursday, 3) == DEADLINE
    assert business_days_after(OFFICE, thursday, 1) == datetime(2026, 11, 27, 23, tzinfo=UTC)
    assert business_days_after(OFFICE, thursday, 2) == datetime(2026, 12, 1, 23, tzinfo=UTC)


def test_business_days_start_the_day_after_the_local_date() -> None:
    # 23:30 UTC on Thursday is already Friday in Berlin: Friday does not count.
    late = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    assert business_days_after(OFFICE, late, 1) == datetime(2026, 12, 1, 23, tzinfo=UTC)
    # Resolved on a Saturday: Monday is a holiday, Tuesday the first business day.
    saturday = datetime(2026, 11, 28, 12, tzinfo=UTC)
    assert business_days_after(OFFICE, saturday, 1) == datetime(2026, 12, 1, 23, tzinfo=UTC)


def test_a_day_with_any_open_time_is_a_business_day() -> None:
    saturday_morning = BusinessCalendar.weekly(
        tz="UTC", hours={"mon-fri": ["09:00-17:00"], "sat": ["10:00-11:00"]}
    )
    friday = datetime(2026, 11, 27, 12, tzinfo=UTC)
    assert business_days_after(saturday_morning, friday, 1) == datetime(2026, 11, 29, tzinfo=UTC)


def test_business_days_end_at_local_midnight_across_a_dst_change() -> None:
    # Berlin leaves summer time on Sunday 25 October 2026.
    friday = datetime(2026, 10, 23, 12, tzinfo=BERLIN)
    end = business_days_after(OFFICE, friday, 2)
    assert end == datetime(2026, 10, 28, tzinfo=BERLIN)
    assert end == datetime(2026, 10, 27, 23, tzinfo=UTC), "CET: one hour before UTC midnight"
    before = business_days_after(OFFICE, datetime(2026, 10, 20, 12, tzinfo=BERLIN), 1)
    assert before == datetime(2026, 10, 21, 22, tzinfo=UTC), "CEST: two hours before"
    assert end.tzinfo is UTC


def test_a_calendar_never_open_has_no_business_day() -> None:
    mondays = [date(2026, 11, 30) + timedelta(weeks=n) for n in range(52 * 11)]
    never = BusinessCalendar.weekly(tz="UTC", hours={"mon": ["09:00-10:00"]}, holidays=mondays)
    with pytest.raises(CalendarError):
        business_days_after(never, datetime(2026, 11, 26, tzinfo=UTC), 1)


@pytest.mark.parametrize("bad", [0, -1, 366, True, "3", 2.5])
def test_auto_close_refuses_a_bad_number_of_days(bad: object) -> None:
    with pytest.raises(InvalidValueError):
        AutoClose(business_days=bad)  # type: ignore[arg-type]


def test_auto_close_refuses_what_is_no_calendar() -> None:
    with pytest.raises(InvalidValueError):
        AutoClose(calendar="Europe/Berlin")  # type: ignore[arg-type]


# -- through the desk ------------------------------------------------------------------------------


def test_nothing_closes_before_the_deadline(store: TicketStore) -> None:
    desk, _ = desk_on(store, POLICY)
    ticket = resolved(desk)
    report = desk.tick(DEADLINE - timedelta(seconds=1))
    assert report.recorded == {}
    assert desk.get(ticket.id) == ticket


@pytest.mark.parametrize("late", [timedelta(0), timedelta(days=3)])
def test_at_or_after_the_deadline_the_ticket_closes_naming_the_policy(
    store: TicketStore, late: timedelta
) -> None:
    desk, _ = desk_on(store, POLICY)
    ticket = resolved(desk)
    report = desk.tick(DEADLINE + late)
    assert report.tickets == 1
    assert dict(report.recorded) == {"resolution_answered": 1, "transitioned": 1}
    after = desk.get(ticket.id)
    assert after.status == "closed"
    *_, answered, moved = desk.history(ticket.id)
    assert isinstance(answered, ResolutionAnswered)
    assert (answered.answer, answered.policy, answered.actor) == (
        ResolutionAnswer.AUTO_CLOSED,
        "quiet3",
        AUTO_CLOSE_ACTOR,
    )
    assert isinstance(moved, TicketTransitioned)
    assert (moved.source, moved.target, moved.actor) == ("resolved", "closed", AUTO_CLOSE_ACTOR)
    assert "quiet3" in (moved.reason or "")
    assert desk.tick(DEADLINE + late + timedelta(days=30)).tickets == 0, "closed once"


def test_an_auto_close_asks_for_csat_in_its_commit(store: TicketStore) -> None:
    desk, _ = desk_on(store, POLICY)
    ticket = resolved(desk)
    before = store.claim_outbox(worker="w", now=DEADLINE, lease=timedelta(hours=1), limit=500)
    assert CSAT_TOPIC not in [lease.message.topic for lease in before]
    for lease in before:
        store.ack_outbox(lease)
    desk.tick(DEADLINE)
    after = store.claim_outbox(worker="w", now=DEADLINE, lease=timedelta(hours=1), limit=500)
    assert sorted(lease.message.topic for lease in after).count(CSAT_TOPIC) == 1
    assert {lease.message.ticket_id for lease in after} == {ticket.id}


def test_internal_work_auto_closes_too(store: TicketStore) -> None:
    desk, _ = desk_on(store, POLICY)
    ticket = resolved(desk, external=False)
    desk.tick(DEADLINE)
    assert desk.get(ticket.id).status == "closed"


def test_a_reply_within_the_window_reopens_and_cancels_the_auto_close(
    store: TicketStore,
) -> None:
    desk, clock = desk_on(store, POLICY)
    ticket = resolved(desk)
    clock.advance(timedelta(days=1))
    desk.reply(ticket.id, "still late", actor=ALICE)
    assert desk.tick(DEADLINE + timedelta(days=1)).recorded == {}
    after = desk.get(ticket.id)
    assert (after.status, after.reopen_count) == ("in_progress", 1)


def test_a_thank_you_does_not_cancel_the_auto_close(store: TicketStore) -> None:
    desk, clock = desk_on(store, POLICY)
    ticket = resolved(desk)
    clock.advance(timedelta(days=1))
    desk.reply(ticket.id, "thanks!", actor=ALICE)
    desk.tick(DEADLINE)
    assert desk.get(ticket.id).status == "closed"


def test_a_resolution_after_a_reopen_starts_the_business_days_again(store: TicketStore) -> None:
    desk, clock = desk_on(store, POLICY)
    ticket = resolved(desk)
    clock.set(datetime(2026, 11, 27, 10, tzinfo=UTC))
    desk.reply(ticket.id, "still late", actor=ALICE)
    clock.set(datetime(2026, 12, 1, 10, tzinfo=UTC))  # Tuesday
    desk.resolve(ticket.id, fixed(), actor=AGENT)
    desk.tick(DEADLINE)
    assert desk.get(ticket.id).status == "resolved"
    # Wednesday, Thursday, Friday: the end of Friday 4 December.
    desk.tick(datetime(2026, 12, 4, 23, tzinfo=UTC) - timedelta(seconds=1))
    assert desk.get(ticket.id).status == "resolved"
    desk.tick(datetime(2026, 12, 4, 23, tzinfo=UTC))
    assert desk.get(ticket.id).status == "closed"


def test_a_confirmed_ticket_is_not_auto_closed_again(store: TicketStore) -> None:
    desk, _ = desk_on(store, POLICY)
    ticket = desk.confirm_resolution(resolved(desk).id, actor=ALICE)
    assert desk.tick(DEADLINE).recorded == {}
    assert len(desk.history(ticket.id)) == ticket.version


def test_without_a_calendar_the_sla_rule_s_calendar_counts(store: TicketStore) -> None:
    sla = SlaPolicy.by_priority({"P2": timedelta(hours=8)}, calendar=OFFICE)
    policy = ResolutionPolicy(auto_close=AutoClose(business_days=3))
    desk, _ = desk_on(store, policy, sla=sla)
    ticket = at_work(desk)
    desk.prioritize(ticket.id, priority="P2", actor=AGENT)
    desk.resolve(ticket.id, fixed(), actor=AGENT)
    # Monday to Friday in UTC would close it at the end of Tuesday 1 December.
    desk.tick(datetime(2026, 12, 2, 0, tzinfo=UTC))
    assert desk.get(ticket.id).status == "resolved"
    desk.tick(DEADLINE - timedelta(seconds=1))
    assert desk.get(ticket.id).status == "resolved"
    desk.tick(DEADLINE)
    assert desk.get(ticket.id).status == "closed"
    assert types(desk, ticket.id)[-2:] == ["resolution_answered", "transitioned"]


def test_without_any_calendar_monday_to_friday_in_utc(store: TicketStore) -> None:
    desk, _ = desk_on(store, ResolutionPolicy(auto_close=AutoClose(business_days=3)))
    ticket = resolved(desk)
    # Friday 27, Monday 30, Tuesday 1: the end of Tuesday in UTC (no holiday in this one).
    desk.tick(datetime(2026, 12, 2, tzinfo=UTC) - timedelta(seconds=1))
    assert desk.get(ticket.id).status == "resolved"
    desk.tick(datetime(2026, 12, 2, tzinfo=UTC))
    assert desk.get(ticket.id).status == "closed"


@pytest.mark.parametrize(
    ("calendar", "at", "days"),
    [
        (None, datetime(2026, 11, 26, tzinfo=UTC), 1),
        (OFFICE, datetime(2026, 11, 26), 1),  # noqa: DTZ001 - naive on purpose
        (OFFICE, "2026-11-26", 1),
        (OFFICE, datetime.max.replace(tzinfo=UTC), 1),
    ],
)
def test_business_days_after_refuses_bad_arguments_with_a_typed_error(
    calendar: object, at: object, days: object
) -> None:
    with pytest.raises(TicketflowError):
        business_days_after(calendar, at, days)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value", [AutoClose(), ResolutionPolicy()], ids=lambda value: type(value).__name__
)
def test_a_policy_writes_as_json_or_refuses_with_a_typed_error(value: object) -> None:
    try:
        text = to_json(value)
    except TicketflowError:
        return
    assert from_json(text, type(value)) == value
