"""Refreshing from the cursor gives exactly the figures of a fresh full read of the store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from _walk import DONE
from ticketflow import Actor, Desk, NewTicket, Requester, TicketStatus
from ticketflow.analytics import Analytics, Metric, Outcome
from ticketflow.exceptions import TicketflowError
from ticketflow.sla import BusinessCalendar, SlaPolicy
from ticketflow.storage import FeedCursor, FeedPage, InMemoryTicketStore, SQLiteTicketStore
from ticketflow.testing import FrozenClock

T0 = datetime(2026, 3, 27, 8, tzinfo=UTC)  # a Friday, two days before the clocks go forward
CALENDAR = BusinessCalendar.weekly(
    tz="Europe/Berlin", hours={"mon-fri": ["09:00-17:00"]}, holidays=[date(2026, 3, 30)]
)
POLICY = SlaPolicy.by_priority(
    {"P1": timedelta(hours=1), "P2": timedelta(hours=6)}, calendar=CALENDAR
)
AGENT = Actor.agent("bob")
CUSTOMER = Actor.customer("ann@example.com")
CARRIERS = ("acme", "bolt", "cargo")

COMMANDS = st.sampled_from(
    [
        "submit",
        "advance",
        "tick",
        "reply",
        "customer",
        "note",
        "move",
        "pause",
        "resolve",
        "reopen",
        "confirm",
        "carrier",
        "assign",
        "csat",
        "refresh",
        "snapshot",
    ]
)


class PagesOnly:
    """A store's feed and nothing else: analytics reads it page by page (FeedPage)."""

    def __init__(self, store: InMemoryTicketStore | SQLiteTicketStore) -> None:
        self._store = store

    def feed(self, *, after: FeedCursor | None = None, limit: int = 500) -> FeedPage:
        return self._store.feed(after=after, limit=limit)


def figures(analytics: Analytics) -> list[object]:
    """Every metric by several dimensions and periods, and the drivers."""
    found: list[object] = [
        analytics.metric(
            metric,
            by=by,
            period="day",
            status="pending_customer" if metric is Metric.TIME_IN_STATUS else None,
        )
        for metric in Metric
        for by in (None, "carrier", "status", "assignee")
    ]
    found.extend(analytics.drivers(outcome, by="carrier", min_count=2) for outcome in Outcome)
    found.extend([analytics.as_of, analytics.tickets])
    return found


def run(  # noqa: C901, PLR0912 - one branch per command
    desk: Desk, clock: FrozenClock, analytics: Analytics, data: st.DataObject
) -> Analytics:
    """Run random commands, refreshing (or snapshotting) now and then; return the analytics."""
    ids: list[str] = []
    for step in range(data.draw(st.integers(1, 40), label="steps")):
        command = data.draw(COMMANDS, label="command")
        if command == "submit" or not ids:
            draft = NewTicket(
                subject="Parcel late",
                requester=Requester(CUSTOMER.id, external=True),
                priority=data.draw(st.sampled_from(["P1", "P2"])),
                fields={"carrier": data.draw(st.sampled_from(CARRIERS))},
            )
            ids.append(desk.submit(draft, actor=CUSTOMER).id)
            continue
        ticket = data.draw(st.sampled_from(ids), label="ticket")
        try:
            if command == "advance":
                clock.advance(timedelta(minutes=data.draw(st.integers(1, 60 * 30))))
            elif command == "tick":
                desk.tick()
            elif command in {"reply", "customer", "note"}:
                actor = CUSTOMER if command == "customer" else AGENT
                desk.comment(ticket, f"Message {step}.", actor=actor, public=command != "note")
            elif command == "move":
                status = desk.get(ticket).status
                if status in {TicketStatus.NEW, TicketStatus.TRIAGED}:
                    target = TicketStatus.TRIAGED if status == "new" else TicketStatus.IN_PROGRESS
                    desk.transition(ticket, target, actor=AGENT)
                else:
                    desk.transition(ticket, TicketStatus.IN_PROGRESS, actor=AGENT)
            elif command == "pause":
                desk.transition(ticket, TicketStatus.PENDING_CUSTOMER, actor=AGENT)
            elif command == "resolve":
                desk.resolve(ticket, DONE, actor=AGENT)
            elif command == "reopen":
                desk.reject_resolution(ticket, actor=CUSTOMER)
            elif command == "confirm":
                desk.confirm_resolution(ticket, actor=CUSTOMER)
            elif command == "carrier":
                carrier = data.draw(st.sampled_from([*CARRIERS, None]))
                desk.set_fields(ticket, {"carrier": carrier}, actor=AGENT)
            elif command == "assign":
                desk.assign(ticket, assignee=data.draw(st.sampled_from(["bob", None])), actor=AGENT)
            elif command == "csat":
                desk.record_csat(ticket, data.draw(st.integers(1, 5)), None, f"r{step}")
            elif command == "refresh":
                analytics.refresh()
                figures(analytics)  # the tallies take in what the refresh read
            else:  # stop and go on from a snapshot, as another process would
                text = analytics.snapshot()
                analytics = Analytics.from_snapshot(desk.store, text, calendar=CALENDAR)  # type: ignore[arg-type]
        except TicketflowError:
            pass  # a command the rules refuse changes nothing; the sequence goes on
    return analytics


EPOCH = date(2000, 1, 1)  # a date bound: the same tickets, read by a pass over all of them


def passes(analytics: Analytics) -> list[object]:
    """What :func:`figures` asks, computed by a full pass (a bound turns the tallies off)."""
    found: list[object] = [
        analytics.metric(
            metric,
            by=by,
            period="day",
            status="pending_customer" if metric is Metric.TIME_IN_STATUS else None,
            since=EPOCH,
        )
        for metric in Metric
        for by in (None, "carrier", "status", "assignee")
    ]
    found.extend(
        analytics.drivers(outcome, by="carrier", min_count=2, since=EPOCH) for outcome in Outcome
    )
    found.extend([analytics.as_of, analytics.tickets])
    return found


def backlogs(analytics: Analytics) -> tuple[tuple[int, ...], list[int]]:
    """The backlog every 6 hours from T0: kept as a series, and by a pass at each instant."""
    moments = [T0 + timedelta(hours=6 * step) for step in range(40)]
    by_pass = [
        analytics.metric("backlog", as_of=moment, since=EPOCH).total.count for moment in moments
    ]
    return analytics.backlog_at(moments), by_pass


@given(data=st.data())
def test_refreshing_along_the_way_equals_one_fresh_read(data: st.DataObject) -> None:
    store = InMemoryTicketStore()
    clock = FrozenClock(T0)
    desk = Desk(store, clock=clock, sla=POLICY)
    analytics = Analytics(store, calendar=CALENDAR)
    figures(analytics)  # tallies kept from the start, updated along the way
    analytics.backlog_at([T0 + timedelta(hours=6 * step) for step in range(40)])
    analytics = run(desk, clock, analytics, data)
    analytics.refresh()
    fresh = Analytics(store, calendar=CALENDAR)
    fresh.refresh()
    assert fresh.cursor == analytics.cursor
    kept = figures(analytics)
    assert kept == figures(fresh)
    # The tallies (kept along the way, or built at once) equal a full pass over the facts.
    assert kept == passes(fresh)
    series, by_pass = backlogs(analytics)
    assert list(series) == by_pass
    # The shipped stores are read by runs of events; any other feed by its pages: alike.
    paged = Analytics(PagesOnly(store), calendar=CALENDAR)
    paged.refresh()
    assert paged.cursor == fresh.cursor
    assert figures(paged) == kept


def test_refresh_goes_on_from_the_cursor_on_sqlite_too(tmp_path: object) -> None:
    clock = FrozenClock(T0)
    with SQLiteTicketStore(f"{tmp_path}/desk.sqlite3") as store:
        desk = Desk(store, clock=clock, sla=POLICY)
        analytics = Analytics(store)
        first = desk.submit(
            NewTicket(subject="Parcel late", requester=Requester(CUSTOMER.id)), actor=CUSTOMER
        )
        assert analytics.refresh() == 1
        clock.advance(timedelta(hours=2))
        desk.comment(first.id, "On it.", actor=AGENT)
        assert analytics.refresh() == 1
        assert analytics.metric("time_to_first_response").total.median == timedelta(hours=2)
        fresh = Analytics(store)
        fresh.refresh()
        assert figures(fresh) == figures(analytics)
        paged = Analytics(PagesOnly(store))
        paged.refresh()
        assert paged.cursor == fresh.cursor
        assert figures(paged) == figures(fresh)
