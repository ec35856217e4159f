"""The report: a desk's headline figures, drivers and weekly trends, as tables.

A :class:`Report` is built once from an :class:`Analytics` (which it only reads) and holds
plain tables (:class:`ReportTable`): the headline, the top drivers with their Wilson
intervals, the time spent in each status, the backlog at the end of each week and the SLA
attainment of each week's tickets. It renders them as terminal text, CSV, JSON, or a
self-contained HTML page with charts (the last needs the ``ticketflow[report]`` extra).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, Final

import attrs

from .._status import TicketStatus
from .._values import (
    check_instances,
    check_instant,
    check_int,
    check_name,
    check_optional_name,
    check_text,
)
from ..exceptions import InvalidValueError
from ..sla._policy import STOPPED_STATUSES
from ._analytics import Analytics
from ._drivers import Outcome
from ._tables import Metric, MetricRow, Period

__all__ = ["Cell", "Report", "ReportTable"]

Cell = str | int | float | None
"""A table cell: text, a count, a figure (hours, a rate from 0 to 1), or nothing."""

_HOUR: Final = timedelta(hours=1)
_WEEK: Final = timedelta(days=7)
_DEFAULT_STATUSES: Final = tuple(s.value for s in TicketStatus if s.value not in STOPPED_STATUSES)


def _minutes(value: timedelta | None) -> float | None:
    return None if value is None else round(value / timedelta(minutes=1), 1)


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value / _HOUR, 2)


def _name(_: object, __: object, value: Any) -> None:  # noqa: ANN401 - an attrs validator
    if type(value) is not str or not value.isidentifier():
        raise InvalidValueError("name", value, "must be an identifier")


def _title(_: object, __: object, value: Any) -> None:  # noqa: ANN401 - an attrs validator
    check_text("title", value, empty=False, single_line=True, max_length=500)


def _columns(value: Iterable[str]) -> tuple[str, ...]:
    given: object = value
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise InvalidValueError("columns", given, "must be a collection of column names")
    columns = tuple(given)
    if not columns or any(type(c) is not str or not c for c in columns):
        raise InvalidValueError("columns", columns, "must be non-empty names")
    if len(set(columns)) != len(columns):
        raise InvalidValueError("columns", columns, "must differ")
    return columns


def _cells(value: Iterable[Iterable[Cell]]) -> tuple[tuple[Cell, ...], ...]:
    given: object = value
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise InvalidValueError("rows", given, "must be a collection of rows")
    rows: list[tuple[Cell, ...]] = []
    for index, row in enumerate(given):
        if isinstance(row, str | bytes) or not isinstance(row, Iterable):
            raise InvalidValueError(f"rows[{index}]", row, "must be a row of cells")
        cells = tuple(row)
        for cell in cells:
            if cell is not None and type(cell) not in (str, int, float):
                raise InvalidValueError(f"rows[{index}]", cell, "cells are str, int, float")
            if type(cell) is float and not math.isfinite(cell):
                raise InvalidValueError(f"rows[{index}]", cell, "a number cell is finite")
        rows.append(cells)
    return tuple(rows)


@attrs.frozen
class ReportTable:
    """One table of a :class:`Report`.

    Attributes:
        name: Its key in CSV file names and JSON (an identifier: ``headline``, ``drivers``).
        title: What it shows, for people.
        columns: The column names (distinct); durations are in hours, rates from 0 to 1.
        rows: The rows, each with a cell per column.

    Raises:
        InvalidValueError: An attribute is out of its domain; ``field`` names it.

    .. versionadded:: 0.2
    """

    name: str = attrs.field(validator=_name)
    title: str = attrs.field(validator=_title)
    columns: tuple[str, ...] = attrs.field(converter=_columns)
    rows: tuple[tuple[Cell, ...], ...] = attrs.field(converter=_cells)

    def __attrs_post_init__(self) -> None:
        for index, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise InvalidValueError(f"rows[{index}]", row, "must have a cell per column")

    def records(self) -> list[dict[str, Cell]]:
        """Return the rows as dictionaries by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_csv(self) -> str:
        """Return the table as CSV text with a header line (empty cells for ``None``)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(["" if c is None else c for c in row] for row in self.rows)
        return out.getvalue()

    def to_text(self) -> str:
        """Return the table as aligned text under its title."""
        shown = [list(self.columns), *([_show(c) for c in row] for row in self.rows)]
        widths = [max(len(line[i]) for line in shown) for i in range(len(self.columns))]
        lines = [self.title, "-" * len(self.title)]
        for line in shown:
            cells = [
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(line, widths, strict=True))
            ]
            lines.append("  ".join(cells).rstrip())
        if not self.rows:
            lines.append("(nothing to show)")
        return "\n".join(lines)


def _show(cell: Cell) -> str:
    if cell is None:
        return "-"
    if type(cell) is float:
        return f"{cell:,.3f}".rstrip("0").rstrip(".") if cell % 1 else f"{cell:,.0f}"
    if type(cell) is int:
        return f"{cell:,}"
    return str(cell)


def _as_of(_: object, __: object, value: Any) -> None:  # noqa: ANN401
    if value is not None:
        check_instant("as_of", value)


def _since(_: object, __: object, value: Any) -> None:  # noqa: ANN401
    if value is not None and type(value) is not date:
        raise InvalidValueError("since", value, "must be a date or None")


def _by(_: object, __: object, value: Any) -> None:  # noqa: ANN401
    check_name("by", value)


def _tables(value: Iterable[ReportTable]) -> tuple[ReportTable, ...]:
    tables = check_instances("tables", value, ReportTable)
    names = [table.name for table in tables]
    if len(set(names)) != len(names):
        raise InvalidValueError("tables", names, "table names must differ")
    return tables


@attrs.frozen
class Report:
    """A desk's report: the headline, drivers and trends, as tables; built by :meth:`build`.

    Raises:
        InvalidValueError: An attribute is out of its domain; ``field`` names it.

    Attributes:
        as_of: The instant the figures are measured at (the latest event read), or ``None``
            for an empty store.
        since: The first day of creation of the tickets reported on, or ``None`` for all.
        by: The dimension the drivers rank.
        tables: The tables: ``headline``, ``drivers``, ``time_in_status``,
            ``backlog_by_week`` and ``sla_by_week``, in that order.

    .. versionadded:: 0.2
    """

    as_of: datetime | None = attrs.field(validator=_as_of)
    since: date | None = attrs.field(validator=_since)
    by: str = attrs.field(validator=_by)
    tables: tuple[ReportTable, ...] = attrs.field(converter=_tables)

    @classmethod
    def build(
        cls,
        analytics: Analytics,
        *,
        by: str = "category",
        since: date | None = None,
        outcome: Outcome | str = Outcome.SLA_BREACH,
        min_count: int = 30,
        statuses: Iterable[str] | None = None,
        progress: Callable[[str], object] | None = None,
    ) -> Report:
        """Compute the report from what ``analytics`` has read (call its ``refresh()`` first).

        Args:
            analytics: The figures to report.
            by: The dimension the drivers rank (``category``, ``carrier``, ...).
            since: Report on the tickets created on or after this day (the backlog over time
                counts every ticket open at the end of each week from then on).
            outcome: The bad outcome the drivers look for.
            min_count: Drivers with fewer tickets are listed as not ranked.
            statuses: The statuses whose time the ``time_in_status`` table shows; by default
                the built-in ones that are not done, and any other status a ticket is in now
                (a host workflow's ``pending_vendor``, say). Statuses nobody stood in are
                left out.
            progress: Called with a short line as each part is computed.

        Returns:
            The report.

        Raises:
            InvalidValueError: An argument is out of its domain; ``field`` names it.
        """
        if type(analytics) is not Analytics:
            raise InvalidValueError("analytics", analytics, "must be an Analytics")
        if since is not None and (type(since) is not date):
            raise InvalidValueError("since", since, "must be a date or None")
        dimension = check_optional_name("by", by)
        if dimension is None:
            raise InvalidValueError("by", by, "must name a dimension")
        least = check_int("min_count", min_count, minimum=1)
        if progress is not None and not callable(progress):
            raise InvalidValueError("progress", progress, "must be a callable or None")
        wanted = _default_statuses(analytics) if statuses is None else _status_names(statuses)
        say = progress if progress is not None else _quiet
        say("headline figures")
        headline = _headline(analytics, since)
        say(f"drivers by {dimension}")
        drivers = _drivers(analytics, outcome, dimension, least, since)
        say("time in each status")
        in_status = _time_in_status(analytics, wanted, since)
        backlog = _backlog_by_week(analytics, since, say)
        say("SLA attainment by week")
        attainment = _sla_by_week(analytics, since)
        tables = (headline, drivers, in_status, backlog, attainment)
        return cls(analytics.as_of, since, dimension, tables)

    def table(self, name: str) -> ReportTable:
        """Return the table called ``name``.

        Raises:
            InvalidValueError: There is no such table (``field`` is ``name``).
        """
        for table in self.tables:
            if table.name == name:
                return table
        raise InvalidValueError("name", name, "is not a table of the report")

    def to_text(self) -> str:
        """Return the headline and drivers as terminal text (every table with ``full``)."""
        return self._text(self.tables[:2])

    def to_full_text(self) -> str:
        """Return every table as terminal text."""
        return self._text(self.tables)

    def _text(self, tables: Iterable[ReportTable]) -> str:
        when = "-" if self.as_of is None else self.as_of.isoformat(timespec="minutes")
        scope = "all tickets" if self.since is None else f"tickets created since {self.since}"
        parts = [f"ticketflow report: {scope}, as of {when}"]
        parts.extend(table.to_text() for table in tables)
        return "\n\n".join(parts) + "\n"

    def to_json(self) -> str:
        """Return every table as JSON text (durations in hours, rates from 0 to 1)."""
        document = {
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "since": None if self.since is None else self.since.isoformat(),
            "by": self.by,
            "tables": {
                t.name: {"title": t.title, "columns": list(t.columns), "rows": t.records()}
                for t in self.tables
            },
        }
        return json.dumps(document, indent=2, allow_nan=False) + "\n"

    def to_csv(self) -> dict[str, str]:
        """Return every table as CSV text, by table name."""
        return {table.name: table.to_csv() for table in self.tables}

    def to_svg(self, chart: str) -> str:
        """Return one chart as SVG text: ``backlog``, ``attainment``, ``drivers`` or ``status``.

        Raises:
            InvalidValueError: There is no such chart (``field`` is ``name``).
            ConfigurationError: The ``ticketflow[report]`` extra (matplotlib) is missing.
        """
        from ._html import chart as draw  # noqa: PLC0415 - only the charts need matplotlib

        return draw(self, chart)

    def to_html(self) -> str:
        """Return a self-contained HTML page: inline CSS, charts as inline SVG, no scripts.

        Raises:
            ConfigurationError: The ``ticketflow[report]`` extra (matplotlib) is missing.
        """
        from ._html import render  # noqa: PLC0415 - only the HTML page needs the charts

        return render(self)


def _quiet(_: str) -> None:
    return None


def _default_statuses(analytics: Analytics) -> tuple[str, ...]:
    now = analytics.metric(Metric.VOLUME, by="status").rows
    seen = [str(row.group) for row in now if row.group is not None]
    known = {*_DEFAULT_STATUSES, *STOPPED_STATUSES}
    return _DEFAULT_STATUSES + tuple(s for s in seen if s not in known)


def _status_names(value: Iterable[str]) -> tuple[str, ...]:
    given: object = value
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise InvalidValueError("statuses", given, "must be a collection of status names")
    names = tuple(given)
    for index, name in enumerate(names):
        check_optional_name(f"statuses[{index}]", name)
        if name is None:
            raise InvalidValueError(f"statuses[{index}]", name, "must be a status name")
    return names


def _rate(row: MetricRow) -> float | None:
    return row.value if row.count else None


def _headline(analytics: Analytics, since: date | None) -> ReportTable:
    def metric(which: Metric) -> MetricRow:
        return analytics.metric(which, since=since).total

    volume, backlog = metric(Metric.VOLUME), metric(Metric.BACKLOG)
    response, resolution = metric(Metric.TIME_TO_FIRST_RESPONSE), metric(Metric.TIME_TO_RESOLUTION)
    final, overtime = metric(Metric.TIME_TO_FINAL_RESOLUTION), metric(Metric.SLA_BREACH_MINUTES)
    breaches, attainment = metric(Metric.SLA_BREACHES), metric(Metric.SLA_ATTAINMENT)
    reopens, fcr = metric(Metric.REOPEN_RATE), metric(Metric.FIRST_CONTACT_RESOLUTION)
    csat, answered = metric(Metric.CSAT), metric(Metric.CSAT_RESPONSE_RATE)
    rows: list[tuple[Cell, ...]] = [
        ("volume", float(volume.count), "tickets", volume.count),
        ("backlog", float(backlog.count), "tickets", backlog.count),
        ("backlog age, median", _hours(backlog.median), "hours", backlog.count),
        ("backlog age, p90", _hours(backlog.p90), "hours", backlog.count),
        ("time to first response, median", _hours(response.median), "hours", response.count),
        ("time to first response, p90", _hours(response.p90), "hours", response.count),
        ("time to resolution, median", _hours(resolution.median), "hours", resolution.count),
        ("time to resolution, p90", _hours(resolution.p90), "hours", resolution.count),
        ("time to final resolution, median", _hours(final.median), "hours", final.count),
        ("time to final resolution, p90", _hours(final.p90), "hours", final.count),
        ("SLA attainment", _rate(attainment), "rate", attainment.count),
        ("SLA breaches", float(breaches.hits or 0), "tickets", breaches.count),
        ("SLA breach rate", _rate(breaches), "rate", breaches.count),
        ("SLA breach minutes, median", _minutes(overtime.median), "minutes", overtime.count),
        ("SLA breach minutes, total", _minutes(overtime.total), "minutes", overtime.count),
        ("reopen rate", _rate(reopens), "rate", reopens.count),
        ("first-contact resolution", _rate(fcr), "rate", fcr.count),
        ("CSAT, average", csat.value, "score 1-5", csat.count),
        ("CSAT response rate", _rate(answered), "rate", answered.count),
    ]
    return ReportTable("headline", "Headline", ("figure", "value", "unit", "tickets"), rows)


def _drivers(
    analytics: Analytics, outcome: Outcome | str, by: str, least: int, since: date | None
) -> ReportTable:
    found = analytics.drivers(outcome, by=by, min_count=least, since=since)
    rows: list[tuple[Cell, ...]] = [
        (
            None if d.group is None else str(d.group),
            d.count,
            d.hits,
            round(d.rate, 4),
            round(d.low, 4),
            round(d.high, 4),
            None if d.lift is None else round(d.lift, 2),
            ranked,
        )
        for ranked, group in (("yes", found.ranked), ("too few", found.too_few))
        for d in group
    ]
    figures = ("tickets", "hits", "rate", "low", "high", "lift", "ranked")
    columns = ("group" if by in figures else by, *figures)
    title = f"Drivers of {found.outcome.value} by {by} (95 % Wilson interval)"
    return ReportTable("drivers", title, columns, rows)


def _time_in_status(
    analytics: Analytics, statuses: tuple[str, ...], since: date | None
) -> ReportTable:
    rows: list[tuple[Cell, ...]] = []
    for status in statuses:
        total = analytics.metric(Metric.TIME_IN_STATUS, status=status, since=since).total
        if total.count:
            rows.append(
                (status, total.count, _hours(total.median), _hours(total.p90), _hours(total.total))
            )
    columns = ("status", "tickets", "median_hours", "p90_hours", "total_hours")
    return ReportTable("time_in_status", "Time in each status", columns, rows)


def _weeks(analytics: Analytics, since: date | None) -> list[date]:
    created = analytics.metric(Metric.VOLUME, period=Period.WEEK)
    starts = [row.period for row in created.rows if row.period is not None]
    if not starts or analytics.as_of is None:
        return []
    # No ticket was open before the first one was created: a ``since`` further back adds
    # only empty weeks (a century of them, for a mistyped year).
    first = starts[0] if since is None else max(starts[0], Period.WEEK.start(since))
    last = Period.WEEK.start(analytics.as_of.astimezone(analytics.tz).date())
    weeks, week = [], first
    while week <= last:
        weeks.append(week)
        week += _WEEK
    return weeks


def _backlog_by_week(
    analytics: Analytics, since: date | None, say: Callable[[str], object]
) -> ReportTable:
    latest = analytics.as_of
    weeks = _weeks(analytics, since)
    say(f"backlog over {len(weeks)} weeks")
    ends = [datetime.combine(week + _WEEK, time(), tzinfo=analytics.tz) for week in weeks]
    # The weeks that have ended, in one series (kept up to date between reports); the week
    # under way at the latest event.
    done = [end for end in ends if latest is None or end < latest]
    counts = list(analytics.backlog_at(done))
    if len(done) < len(ends):
        counts.append(analytics.metric(Metric.BACKLOG).total.count)
    rows: list[tuple[Cell, ...]] = [
        (week.isoformat(), count) for week, count in zip(weeks, counts, strict=True)
    ]
    title = "Backlog at the end of each week (open tickets)"
    return ReportTable("backlog_by_week", title, ("week", "open"), rows)


def _sla_by_week(analytics: Analytics, since: date | None) -> ReportTable:
    table = analytics.metric(Metric.SLA_ATTAINMENT, period=Period.WEEK, since=since)
    rows: list[tuple[Cell, ...]] = [
        (
            None if row.period is None else row.period.isoformat(),
            row.count,
            row.hits,
            None if row.value is None else round(row.value, 4),
        )
        for row in table.rows
    ]
    columns = ("week", "resolved", "attained", "attainment")
    title = "SLA attainment of the tickets created each week (resolved ones)"
    return ReportTable("sla_by_week", title, columns, rows)
