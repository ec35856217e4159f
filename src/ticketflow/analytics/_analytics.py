"""Analytics: metrics and drivers from a store's event feed, kept up to date from a cursor."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from .._events import SlaMetric
from .._fields import FieldValue
from .._status import TicketStatus
from .._values import check_enum, check_instant, check_int, check_name, check_optional_name
from .._workflow import Workflow
from ..exceptions import InvalidValueError
from ..sla._calendar import BusinessCalendar
from ..sla._policy import DEFAULT_PAUSES, STOPPED_STATUSES
from ..storage._feed import MAX_FEED_LIMIT, EventFeed, FeedCursor, FeedRuns, feed_runs
from ._drivers import DriverTable, Outcome, driver, ranking_key
from ._facts import Facts, Folder
from ._snapshot import dump, fingerprint, load
from ._tables import MEDIAN, P90, Metric, MetricRow, MetricTable, Period, check_period, percentile
from ._tallies import LIVE, Backlogs, Bag, Live, Tally, merged

__all__ = ["Analytics"]

_ZERO: Final = timedelta(0)
_SLA_OUTCOMES: Final = {
    Outcome.SLA_BREACH: None,
    Outcome.RESOLUTION_BREACH: SlaMetric.RESOLUTION,
    Outcome.FIRST_RESPONSE_BREACH: SlaMetric.FIRST_RESPONSE,
}
_LOW_CSAT: Final = 2

# What one ticket contributes to a metric: None (not measured), a duration, a hit or miss
# (a rate), or a score (an average). Volume counts every ticket (True).
Observation = timedelta | bool | int | None


def _wall(a: datetime, b: datetime) -> timedelta:
    return max(b - a, _ZERO)


class Analytics:
    """Metrics and drivers of a desk, computed from its store's event feed.

    Analytics only reads: :meth:`refresh` reads the events committed since its cursor (all of
    them the first time) and folds each into a few facts per ticket; :meth:`metric` and
    :meth:`drivers` answer from those facts. A refresh costs what the new events cost, and the
    figures after it are exactly those of a new :class:`Analytics` over the same store.

    Durations are business time when a ``calendar`` is given (open hours, holidays and
    daylight-saving changes as :meth:`BusinessCalendar.between` counts them), wall time
    otherwise. Tickets are grouped by their *current* values of a dimension, and by the
    period of their creation in the zone ``tz``.

    Args:
        store: The store to read (any :class:`~ticketflow.storage.EventFeed`).
        calendar: Measure durations in this calendar's open time.
        workflow: The workflow in force: its terminal statuses count as done and closed.
        resolved: The statuses in which a ticket counts as resolved, not open (with the
            workflow's terminal ones); the default is the SLA's: ``resolved`` and ``closed``.
        tz: The zone periods and date bounds are in (default: the calendar's, else UTC).
        pauses: The statuses that pause each SLA clock, for the breach minutes: the SLA
            policy's (``policy.pauses``; by default the SLA's defaults, ``pending_customer``
            pausing resolution).

    Raises:
        InvalidValueError: An argument is out of its domain; ``field`` names it.

    .. versionadded:: 0.2
    """

    def __init__(
        self,
        store: EventFeed,
        *,
        calendar: BusinessCalendar | None = None,
        workflow: Workflow | None = None,
        resolved: Iterable[str] = STOPPED_STATUSES,
        tz: str | ZoneInfo | None = None,
        pauses: Mapping[SlaMetric, Iterable[str]] = DEFAULT_PAUSES,
    ) -> None:
        if not callable(getattr(store, "feed", None)):
            raise InvalidValueError("store", store, "must have an event feed (EventFeed)")
        if calendar is not None and type(calendar) is not BusinessCalendar:
            raise InvalidValueError("calendar", calendar, "must be a BusinessCalendar or None")
        if workflow is not None and type(workflow) is not Workflow:
            raise InvalidValueError("workflow", workflow, "must be a Workflow or None")
        terminal = frozenset({TicketStatus.CLOSED.value} if workflow is None else workflow.terminal)
        self._store = store
        self._calendar = calendar
        self._closed: frozenset[str] = terminal
        self._done = _statuses(resolved) | terminal
        self._tz = _zone(tz, calendar)
        self._pauses = _pauses(pauses)
        measure = _wall if calendar is None else calendar.between
        self._folder = Folder(measure, self._done, self._tz, self._pauses)
        self._measure: Callable[[datetime, datetime], timedelta] = measure
        self._cursor: FeedCursor | None = None
        self._tallies: dict[tuple[object, ...], Tally] = {}
        self._backlogs: Backlogs | None = None
        self._settings = fingerprint(calendar, self._done, self._closed, self._tz, self._pauses)

    @classmethod
    def from_snapshot(
        cls,
        store: EventFeed,
        snapshot: str | bytes,
        *,
        calendar: BusinessCalendar | None = None,
        workflow: Workflow | None = None,
        resolved: Iterable[str] = STOPPED_STATUSES,
        tz: str | ZoneInfo | None = None,
        pauses: Mapping[SlaMetric, Iterable[str]] = DEFAULT_PAUSES,
    ) -> Analytics:
        """Return analytics that go on from a :meth:`snapshot`, under the same settings.

        The next :meth:`refresh` reads on from the snapshot's cursor.

        Args:
            store: The store the snapshot was taken of (a cursor of another store's feed is
                refused by the first refresh).
            snapshot: The text :meth:`snapshot` returned.
            calendar: As for the constructor; the same as when the snapshot was taken.
            workflow: As for the constructor; the same as when the snapshot was taken.
            resolved: As for the constructor; the same as when the snapshot was taken.
            tz: As for the constructor; the same as when the snapshot was taken.
            pauses: As for the constructor; the same as when the snapshot was taken.

        Raises:
            InvalidValueError: An argument is out of its domain; the snapshot is not one
                (field ``snapshot``), was taken under other settings (``snapshot.settings``),
                or is damaged (``snapshot.<where>``).
        """
        analytics = cls(
            store, calendar=calendar, workflow=workflow, resolved=resolved, tz=tz, pauses=pauses
        )
        made = analytics._folder

        def empty() -> Folder:
            return Folder(made.measure, made.done, made.tz, made.pauses)

        analytics._folder, analytics._cursor = load(snapshot, analytics._settings, empty)
        return analytics

    def backlog_at(self, moments: Iterable[datetime]) -> tuple[int, ...]:
        """Return how many tickets were open at each of ``moments`` (ascending instants).

        One pass over the tickets the first time; asked again for the same instants after a
        refresh, it costs what the refresh changed (the report's weekly backlog).

        Raises:
            InvalidValueError: ``moments`` is not a collection of aware datetimes, ascending.

        .. versionadded:: 0.2
        """
        asked: object = moments
        if isinstance(asked, str | bytes) or not isinstance(asked, Iterable):
            raise InvalidValueError("moments", asked, "must be a collection of instants")
        given = tuple(check_instant(f"moments[{i}]", m) for i, m in enumerate(asked))
        if any(b < a for a, b in itertools.pairwise(given)):
            raise InvalidValueError("moments", given, "must be in ascending order")
        if self._backlogs is None or self._backlogs.moments != given:
            self._backlogs = Backlogs(self._folder, given)
        return tuple(self._backlogs.counts())

    def snapshot(self) -> str:
        """Return what has been read, and the cursor, as JSON text for :meth:`from_snapshot`.

        About 300 bytes a ticket; the text carries a fingerprint of the settings (calendar,
        done and closed statuses, zone), under which alone it can be taken up again.
        """
        return dump(self._folder, self._cursor, self._settings)

    @property
    def tz(self) -> ZoneInfo:
        """The zone the periods and date bounds are in.

        .. versionadded:: 0.2
        """
        return self._tz

    @property
    def calendar(self) -> BusinessCalendar | None:
        """The calendar durations are measured in (``None``: wall time).

        .. versionadded:: 0.2
        """
        return self._calendar

    @property
    def cursor(self) -> FeedCursor | None:
        """Where the next :meth:`refresh` reads on (``None`` before the first)."""
        return self._cursor

    @property
    def as_of(self) -> datetime | None:
        """The time of the latest event read (``None`` before any): the default ``as_of``."""
        return self._folder.latest

    @property
    def tickets(self) -> int:
        """How many tickets have been read."""
        return len(self._folder.tickets)

    def refresh(self) -> int:
        """Read the events committed since the cursor, page by page; return how many.

        Raises:
            InvalidValueError: The store refused the cursor (restored from an older backup).
            DeserializationError: The store holds a damaged event.
            JournalError: The feed is not a complete history (an event of a ticket it never
                created); the figures may then be partly updated.
        """
        runs = feed_runs(self._store)
        if runs is not None:
            return self._refresh_by_runs(runs)
        read = 0
        fold = self._folder.fold
        while True:
            page = self._store.feed(after=self._cursor, limit=MAX_FEED_LIMIT)
            for entry in page.entries:
                fold(entry.event)
                # Kept per event, so a failure leaves the cursor just past what was folded.
                self._cursor = entry.cursor
            read += len(page.entries)
            if len(page.entries) < MAX_FEED_LIMIT:
                return read

    def _refresh_by_runs(self, runs: FeedRuns) -> int:
        # A shipped store's feed, its events built one at a time and dropped once folded.
        read = 0
        fold = self._folder.fold
        while True:
            run = runs(self._cursor, MAX_FEED_LIMIT)
            folded = 0
            try:
                for event in run.events:
                    fold(event)
                    folded += 1
            finally:
                # A failure leaves the cursor just past what was folded, as feed pages do.
                if folded:
                    self._cursor = run.cursor(folded)
            read += folded
            if run.count < MAX_FEED_LIMIT:
                return read

    def metric(
        self,
        metric: Metric | str,
        *,
        by: str | None = None,
        period: Period | str | None = None,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
        as_of: datetime | None = None,
        status: str | None = None,
        sla: SlaMetric | str | None = None,
    ) -> MetricTable:
        """Return a metric, grouped by a dimension and/or a creation period.

        Args:
            metric: What to measure (see :class:`Metric` for what each row's numbers mean).
            by: Group by this dimension: ``kind``, ``channel``, ``category``, ``priority``,
                ``queue``, ``assignee``, ``status``, or a structured field's name (also as
                ``fields.<name>``, for a field named like a built-in dimension).
            period: Group by the ``day``, ``week`` (from Monday) or ``month`` of creation.
            since: Only tickets created at or after this (a date: its start in ``tz``).
            until: Only tickets created before this (a date: its start in ``tz``).
            as_of: The instant the backlog and the current status's stay are measured at
                (default: the latest event read).
            status: The status of :attr:`Metric.TIME_IN_STATUS` (required there, only there).
            sla: For :attr:`Metric.SLA_BREACHES` and :attr:`Metric.SLA_BREACH_MINUTES`: only
                this clock's breaches.

        Returns:
            The table.

        Raises:
            InvalidValueError: An argument is out of its domain; ``field`` names it.
        """
        chosen = check_enum("metric", metric, Metric)
        grouping = _dimension(by)
        periods = check_period("period", period)
        start, end = self._bound("since", since), self._bound("until", until)
        moment = self._as_of(as_of)
        observe = self._observer(chosen, status, sla, moment)
        if start is None and end is None and (chosen is not Metric.BACKLOG or as_of is None):
            clock = None if sla is None else check_enum("sla", sla, SlaMetric)
            return self._tallied(chosen, grouping, periods, status, clock, observe)
        key = _keyer(grouping, periods)
        groups: dict[Key, list[Observation]] = {}
        for facts in self._selected(start, end):
            seen = observe(facts)
            if seen is not None:
                groups.setdefault(key(facts), []).append(seen)
        rows = [
            _row(chosen, group, when, seen)
            for (when, _, group), seen in sorted(groups.items(), key=_order)
        ]
        everything = [seen for found in groups.values() for seen in found]
        return MetricTable(chosen, grouping, periods, rows, _row(chosen, None, None, everything))

    def drivers(
        self,
        metric: Outcome | str = Outcome.SLA_BREACH,
        *,
        by: str,
        min_count: int = 30,
        since: date | datetime | None = None,
        until: date | datetime | None = None,
    ) -> DriverTable:
        """Rank the values of a dimension by how much they drive a bad outcome.

        Each value gets its count, hits, rate, the rate's 95 % Wilson score interval and its
        lift over the overall rate. Values are ranked by the interval's lower bound: the rate
        the evidence shows the value has at least. A value with 3 tickets and 2 breaches
        (67 %, interval 21 % to 94 %) so ranks below one with 1,400 tickets at 30 % (about
        28 % to 32 %): the first may be luck, the second is known. Values with fewer than
        ``min_count`` tickets are listed apart (:attr:`DriverTable.too_few`), not ranked.

        Args:
            metric: The bad outcome (see :class:`Outcome` for which tickets each counts over).
            by: The dimension, as for :meth:`metric`.
            min_count: Values with fewer tickets are listed apart, not ranked (at least 1).
            since: Only tickets created at or after this.
            until: Only tickets created before this.

        Returns:
            The ranking.

        Raises:
            InvalidValueError: An argument is out of its domain; ``field`` names it.
        """
        outcome = check_enum("metric", metric, Outcome)
        grouping = check_name("by", _dimension(by))
        least = check_int("min_count", min_count, minimum=1)
        start, end = self._bound("since", since), self._bound("until", until)
        hit = _outcome(outcome)
        counts: dict[tuple[str, FieldValue | None], list[int]] = {}
        if start is None and end is None:
            tally = self._tally(("drivers", outcome, grouping), _keyer(grouping, None), _hit(hit))
            for (_, kind, value), bag in tally.groups.items():
                if bag.count:
                    counts[kind, value] = [bag.hits, bag.count]
        else:
            for facts in self._selected(start, end):
                seen = hit(facts)
                if seen is None:
                    continue
                value = facts.dimension(grouping)
                tallied = counts.setdefault((type(value).__name__, value), [0, 0])
                tallied[0] += seen
                tallied[1] += 1
        hits, total = sum(t[0] for t in counts.values()), sum(t[1] for t in counts.values())
        overall_rate = hits / total if total else None
        overall = None if not total else driver(None, hits, total, overall_rate)
        found = sorted(
            (driver(value, h, n, overall_rate) for (_, value), (h, n) in counts.items()),
            key=ranking_key,
        )
        return DriverTable(
            outcome,
            grouping,
            least,
            overall,
            [d for d in found if d.count >= least],
            [d for d in found if d.count < least],
        )

    def _tally(
        self,
        shape: tuple[object, ...],
        key: Callable[[Facts], Key],
        observe: Callable[[Facts], Observation | Live],
    ) -> Tally:
        tallies = self._tallies
        tally = tallies.pop(shape, None)
        if tally is None:
            tally = Tally(self._folder, key, observe)
            if len(tallies) >= _MAX_TALLIES:  # the least recently asked goes
                del tallies[next(iter(tallies))]
        else:
            tally.sync()
        tallies[shape] = tally
        return tally

    def _tallied(
        self,
        metric: Metric,
        by: str | None,
        period: Period | None,
        status: str | None,
        clock: SlaMetric | None,
        observe: Callable[[Facts], Observation],
    ) -> MetricTable:
        """Answer from the metric's tally (no date bounds; the backlog at the latest event)."""
        static = self._static(metric, status, clock)
        tally = self._tally((metric, by, period, status, clock), _keyer(by, period), static)
        tickets = self._folder.tickets
        latest = self._folder.latest
        if metric is Metric.BACKLOG and latest is not None:
            measure = self._measure
            # A live ticket is open now: its age at the latest event.
            observe = lambda f: measure(f.created_at, latest)  # noqa: E731
        # Each live ticket measured once, for its group's row and the total's.
        measured = {ticket_id: observe(tickets[ticket_id]) for ticket_id in tally.total.live}

        def row(group: FieldValue | None, when: date | None, bag: Bag) -> MetricRow:
            live = [measured[ticket_id] for ticket_id in bag.live]
            return _bag_row(metric, group, when, bag, live)

        filled = [(key, bag) for key, bag in tally.groups.items() if not bag.empty()]
        rows = [row(group, when, bag) for (when, _, group), bag in sorted(filled, key=_order)]
        return MetricTable(metric, by, period, rows, row(None, None, tally.total))

    def _static(
        self, metric: Metric, status: str | None, clock: SlaMetric | None
    ) -> Callable[[Facts], Observation | Live]:
        """Return a ticket's observation, or LIVE when it depends on the instant."""
        if metric is Metric.BACKLOG:
            return _open_now
        if metric is Metric.TIME_IN_STATUS:
            return lambda f: LIVE if f.status == status else f.in_status.get(str(status))
        if metric is Metric.SLA_BREACH_MINUTES:
            measure = self._measure

            def overtime(facts: Facts) -> Observation | Live:
                if not facts.overtime:
                    return None
                for found, (_, since, _) in facts.overtime.items():
                    if since is not None and (clock is None or found is clock):
                        return LIVE
                return facts.overdue(clock, None, measure)

            return overtime
        return self._observer(metric, status, clock, None)

    def _bound(self, field: str, value: object) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return check_instant(field, value)
        if isinstance(value, date):
            return datetime.combine(value, time(), tzinfo=self._tz).astimezone(UTC)
        raise InvalidValueError(field, value, "must be a date, an aware datetime, or None")

    def _as_of(self, value: object) -> datetime | None:
        if value is None:
            return self._folder.latest
        return check_instant("as_of", value)

    def _selected(self, start: datetime | None, end: datetime | None) -> Iterable[Facts]:
        tickets = self._folder.tickets.values()
        if start is None and end is None:
            return tickets
        return [
            f
            for f in tickets
            if (start is None or f.created_at >= start) and (end is None or f.created_at < end)
        ]

    def _observer(  # noqa: C901, PLR0911, PLR0912 - one small reading per metric
        self, metric: Metric, status: str | None, sla: object, as_of: datetime | None
    ) -> Callable[[Facts], Observation]:
        status = check_optional_name("status", status)
        if (status is None) == (metric is Metric.TIME_IN_STATUS):
            raise InvalidValueError("status", status, "is required by time_in_status, only there")
        clock = None if sla is None else check_enum("sla", sla, SlaMetric)
        if clock is not None and metric not in _ONE_CLOCK:
            raise InvalidValueError(
                "sla", clock, "only sla_breaches and sla_breach_minutes count one clock"
            )
        measure, closed = self._measure, self._closed
        if metric is Metric.VOLUME:
            return _always
        if metric is Metric.BACKLOG:
            if as_of is None:
                return _never
            moment = as_of
            return lambda f: measure(f.created_at, moment) if f.open_at(moment) else None
        if metric is Metric.TIME_TO_FIRST_RESPONSE:
            return lambda f: f.first_response
        if metric is Metric.TIME_TO_RESOLUTION:
            return lambda f: f.resolution
        if metric is Metric.TIME_TO_FINAL_RESOLUTION:
            return lambda f: f.final_resolution
        if metric is Metric.SLA_BREACH_MINUTES:
            return lambda f: f.overdue(clock, as_of, measure) if f.overtime else None
        if metric is Metric.TIME_IN_STATUS:
            return _time_in(str(status), measure, as_of)
        if metric is Metric.SLA_BREACHES:
            if clock is None:
                return lambda f: bool(f.breaches)
            return lambda f: clock in f.breaches
        if metric is Metric.SLA_ATTAINMENT:
            return lambda f: (
                None if f.resolution is None else SlaMetric.RESOLUTION not in f.breaches
            )
        if metric is Metric.REOPEN_RATE:
            return lambda f: None if f.resolution is None else f.reopens > 0
        if metric is Metric.FIRST_CONTACT_RESOLUTION:
            return lambda f: (
                None if f.resolution is None else f.staff_replies <= 1 and f.reopens == 0
            )
        if metric is Metric.CSAT:
            return lambda f: f.csat
        return lambda f: f.csat is not None if f.status in closed else None


Key = tuple[date | None, str, FieldValue | None]
"""A row's key: the period's first day, the value's type name (True is not 1), the value."""


def _keyer(by: str | None, period: Period | None) -> Callable[[Facts], Key]:
    """Return the function that keys a ticket's facts, built once per query (the hot loop)."""
    starts: dict[date, date] = {}

    def when(facts: Facts) -> date | None:
        if period is None:
            return None
        day = facts.day
        start = starts.get(day)
        if start is None:
            start = starts[day] = period.start(day)
        return start

    if by is None:
        return lambda facts: (when(facts), "NoneType", None)
    dimension = Facts.dimension

    def key(facts: Facts) -> Key:
        value = dimension(facts, by)
        return (when(facts), type(value).__name__, value)

    return key


def _open_now(facts: Facts) -> Observation | Live:
    spans = facts.open_spans
    return LIVE if spans and spans[-1][1] is None else None


def _hit(hit: Callable[[Facts], int | None]) -> Callable[[Facts], Observation | Live]:
    def observe(facts: Facts) -> Observation | Live:
        seen = hit(facts)
        return None if seen is None else seen == 1

    return observe


def _bag_row(
    metric: Metric,
    group: FieldValue | None,
    when: date | None,
    bag: Bag,
    live: list[Observation],
) -> MetricRow:
    """Return the row of a tallied group: what :func:`_row` gives for the same tickets."""
    if metric is Metric.VOLUME:
        return MetricRow(group, when, bag.count)
    if metric in _DURATIONS:
        measured = sorted(s for s in live if isinstance(s, timedelta))
        spans = merged(bag.spans, measured)
        if not spans:
            return MetricRow(group, when, 0)
        return MetricRow(
            group,
            when,
            len(spans),
            median=percentile(spans, MEDIAN),
            p90=percentile(spans, P90),
            total=sum(measured, bag.total),
        )
    count = bag.count
    if metric is Metric.CSAT:
        return MetricRow(group, when, count, value=bag.score / count if count else None)
    return MetricRow(group, when, count, hits=bag.hits, value=bag.hits / count if count else None)


def _always(_: Facts) -> Observation:
    return True


def _never(_: Facts) -> Observation:
    return None


def _time_in(
    status: str, measure: Callable[[datetime, datetime], timedelta], as_of: datetime | None
) -> Callable[[Facts], Observation]:
    def observe(facts: Facts) -> Observation:
        spent = facts.in_status.get(status)
        if facts.status == status:
            current = _ZERO if as_of is None else measure(facts.since, as_of)
            return current if spent is None else spent + current
        return spent

    return observe


def _outcome(outcome: Outcome) -> Callable[[Facts], int | None]:
    if outcome in _SLA_OUTCOMES:
        clock = _SLA_OUTCOMES[outcome]
        if clock is None:
            return lambda f: int(bool(f.breaches))
        return lambda f: int(clock in f.breaches)
    if outcome is Outcome.REOPEN:
        return lambda f: None if f.resolution is None else int(f.reopens > 0)
    return lambda f: None if f.csat is None else int(f.csat <= _LOW_CSAT)


def _order(item: tuple[Key, object]) -> tuple[date, bool, str, float, str]:
    (when, kind, value), _ = item
    # Values of one type compare among themselves: numbers by value, text by text.
    number = float(value) if isinstance(value, int | float) else 0.0
    text = value if isinstance(value, str) else ""
    return (when or date.min, value is not None, kind, number, text)


def _row(
    metric: Metric, group: FieldValue | None, when: date | None, seen: list[Observation]
) -> MetricRow:
    count = len(seen)
    if metric is Metric.VOLUME:
        return MetricRow(group, when, count)
    if metric in _DURATIONS:
        spans = sorted(s for s in seen if isinstance(s, timedelta))
        if not spans:
            return MetricRow(group, when, 0)
        total = sum(spans, _ZERO)
        return MetricRow(
            group,
            when,
            count,
            median=percentile(spans, MEDIAN),
            p90=percentile(spans, P90),
            total=total,
        )
    if metric is Metric.CSAT:
        scores = [s for s in seen if isinstance(s, int)]
        return MetricRow(group, when, count, value=sum(scores) / count if count else None)
    hits = sum(1 for s in seen if s is True)
    return MetricRow(group, when, count, hits=hits, value=hits / count if count else None)


_DURATIONS: Final = frozenset(
    {
        Metric.BACKLOG,
        Metric.TIME_TO_FIRST_RESPONSE,
        Metric.TIME_TO_RESOLUTION,
        Metric.TIME_TO_FINAL_RESOLUTION,
        Metric.TIME_IN_STATUS,
        Metric.SLA_BREACH_MINUTES,
    }
)
_MAX_TALLIES: Final = 64
"""The query shapes whose tallies are kept (the report asks about 30)."""
_ONE_CLOCK: Final = frozenset({Metric.SLA_BREACHES, Metric.SLA_BREACH_MINUTES})


def _pauses(value: object) -> dict[SlaMetric, frozenset[str]]:
    if not isinstance(value, Mapping):
        raise InvalidValueError("pauses", value, "must map SLA metrics to status names")
    found: dict[SlaMetric, frozenset[str]] = {}
    for metric, statuses in value.items():
        clock = check_enum("pauses", metric, SlaMetric)
        if isinstance(statuses, str | bytes) or not isinstance(statuses, Iterable):
            raise InvalidValueError(
                f"pauses[{clock.value!r}]", statuses, "must be a collection of status names"
            )
        found[clock] = frozenset(
            check_name(f"pauses[{clock.value!r}]", status) for status in statuses
        )
    return found


def _dimension(by: object) -> str | None:
    return check_optional_name("by", by)


def _statuses(value: object) -> frozenset[str]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError("resolved", value, "must be a collection of status names")
    return frozenset(check_name("resolved", status) for status in value)


def _zone(tz: object, calendar: BusinessCalendar | None) -> ZoneInfo:
    if tz is None:
        return calendar.tz if calendar is not None else ZoneInfo("UTC")
    if isinstance(tz, ZoneInfo):
        return tz
    if not isinstance(tz, str):
        raise InvalidValueError("tz", tz, "must be an IANA zone name or a ZoneInfo")
    try:
        return ZoneInfo(tz)
    except (ValueError, OSError, KeyError) as error:  # not found is a KeyError
        raise InvalidValueError("tz", tz, "is not a known zone") from error
