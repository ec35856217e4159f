"""What a metric answers: a typed table of rows, one per group and period, and its total."""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from fractions import Fraction
from typing import Any, Final

import attrs

from .._fields import FieldValue
from .._values import check_enum, check_instances, check_int, check_optional_name
from ..exceptions import InvalidValueError

__all__ = ["Metric", "MetricRow", "MetricTable", "Period", "percentile"]


class Metric(enum.StrEnum):
    """A metric of :meth:`Analytics.metric`; what each row's numbers mean is said per member.

    ``count`` is always the number of tickets the row measures; ``hits`` the tickets with the
    outcome a rate counts (``value`` is then ``hits / count``).

    .. versionadded:: 0.2
    """

    VOLUME = "volume"
    """Tickets created (``count``)."""
    BACKLOG = "backlog"
    """Tickets open at ``as_of`` (``count``) and their age (``median``, ``p90``, ``total``)."""
    TIME_TO_FIRST_RESPONSE = "time_to_first_response"
    """Creation to the first public reply by an agent or supervisor, over answered tickets."""
    TIME_TO_RESOLUTION = "time_to_resolution"
    """Creation to the *first* move into a done status, over tickets ever resolved (pauses
    included: :attr:`TIME_IN_STATUS` attributes them). A reopen does not change it: it is how
    long the customer waited for the first answer that claimed to be the resolution, and it
    is known as soon as the ticket is first resolved, so the figures of past weeks do not
    move later. What reopens cost shows in :attr:`TIME_TO_FINAL_RESOLUTION` and
    :attr:`REOPEN_RATE`.

    .. versionchanged:: 0.2 documented as the first resolution."""
    TIME_TO_FINAL_RESOLUTION = "time_to_final_resolution"
    """Creation to the *last* move into a done status, over the tickets done now (a reopened
    ticket that is open again is not measured until it is resolved again). Equal to
    :attr:`TIME_TO_RESOLUTION` for a ticket never reopened.

    .. versionadded:: 0.2"""
    TIME_IN_STATUS = "time_in_status"
    """Time spent in one status (``status=``), over the tickets that stood in it; the stay in
    the current status counts up to ``as_of``."""
    SLA_BREACHES = "sla_breaches"
    """Tickets with an ``sla_breached`` event (of any clock, or of ``sla=``): ``hits`` of
    ``count`` tickets, ``value`` the breach rate."""
    SLA_BREACH_MINUTES = "sla_breach_minutes"
    """How long the breached SLA clocks ran past their deadlines (of every clock, summed, or
    of ``sla=``), over the tickets with a breach of it: business time with a calendar, paused
    time left out, up to ``as_of`` for a clock still running (``median``, ``p90``,
    ``total`` as durations; the report shows minutes).

    .. versionadded:: 0.2"""
    SLA_ATTAINMENT = "sla_attainment"
    """Resolved tickets without a resolution breach (``hits``) over resolved tickets."""
    REOPEN_RATE = "reopen_rate"
    """Resolved tickets reopened at least once (``hits``) over resolved tickets."""
    FIRST_CONTACT_RESOLUTION = "first_contact_resolution"
    """Resolved tickets with at most one public staff reply before their first resolution and
    never reopened (``hits``), over resolved tickets."""
    CSAT = "csat"
    """The average of each ticket's latest CSAT score (``value``) over tickets with one."""
    CSAT_RESPONSE_RATE = "csat_response_rate"
    """Closed tickets (in a terminal status) with a CSAT score (``hits``) over closed ones."""


class Period(enum.StrEnum):
    """A calendar period that groups tickets by when they were created (weeks from Monday).

    .. versionadded:: 0.2
    """

    DAY = "day"
    WEEK = "week"
    MONTH = "month"

    def start(self, day: date) -> date:
        """Return the first day of the period holding ``day``."""
        if self is Period.DAY:
            return day
        if self is Period.WEEK:
            return day - timedelta(days=day.weekday())
        return day.replace(day=1)


def check_period(field: str, value: object) -> Period | None:
    """Return the :class:`Period` ``value`` names, or ``None``."""
    return None if value is None else check_enum(field, value, Period)


def _group(_: object, __: object, value: Any) -> None:  # noqa: ANN401
    if value is not None and type(value) not in (str, int, float, bool):
        raise InvalidValueError("group", value, "must be a field value (str, int, float, bool)")
    if type(value) is float and not math.isfinite(value):
        raise InvalidValueError("group", value, "a field value is a finite number")


def _optional(kind: type, field: str) -> Any:  # noqa: ANN401 - an attrs validator
    def check(_: object, __: object, value: Any) -> None:  # noqa: ANN401
        if value is not None and type(value) is not kind:
            raise InvalidValueError(field, value, f"must be a {kind.__name__} or None")

    return check


def _count(_: object, __: object, value: Any) -> None:  # noqa: ANN401
    check_int("count", value, minimum=0)


def _hits(row: MetricRow, _: object, value: Any) -> None:  # noqa: ANN401
    if value is not None:
        check_int("hits", value, minimum=0, maximum=row.count)


def _value(_: object, __: object, value: Any) -> None:  # noqa: ANN401
    if value is not None and (type(value) is not float or not math.isfinite(value)):
        raise InvalidValueError("value", value, "must be a finite float or None")


@attrs.frozen
class MetricRow:
    """One row of a :class:`MetricTable`: a group's figures for one period.

    Attributes:
        group: The dimension's value the row is about (``None``: the tickets without one, or
            every ticket when the table is not grouped).
        period: The first day of the creation period (``None`` when not grouped by period).
        count: The tickets measured (the denominator of a rate).
        hits: For a rate: the tickets with the outcome counted; ``None`` otherwise.
        value: The rate (``hits / count``) or the average (CSAT); ``None`` otherwise.
        median: For a duration: the median (linear between the two middle values).
        p90: For a duration: the 90th percentile (linear interpolation between ranks).
        total: For a duration: the sum over the tickets measured.

    Raises:
        InvalidValueError: An attribute is out of its domain; ``field`` names it.

    .. versionadded:: 0.2
    """

    group: FieldValue | None = attrs.field(validator=_group)
    period: date | None = attrs.field(validator=_optional(date, "period"))
    count: int = attrs.field(validator=_count)
    hits: int | None = attrs.field(default=None, validator=_hits)
    value: float | None = attrs.field(default=None, validator=_value)
    median: timedelta | None = attrs.field(default=None, validator=_optional(timedelta, "median"))
    p90: timedelta | None = attrs.field(default=None, validator=_optional(timedelta, "p90"))
    total: timedelta | None = attrs.field(default=None, validator=_optional(timedelta, "total"))


def _rows(value: Iterable[MetricRow]) -> tuple[MetricRow, ...]:
    return check_instances("rows", value, MetricRow)


def _metric(value: Metric | str) -> Metric:
    return check_enum("metric", value, Metric)


def _by(_: object, __: object, value: Any) -> None:  # noqa: ANN401
    check_optional_name("by", value)


def _period(value: Period | str | None) -> Period | None:
    return check_period("period", value)


def _total(_: object, __: object, value: Any) -> None:  # noqa: ANN401
    if type(value) is not MetricRow:
        raise InvalidValueError("total", value, "must be a MetricRow")


@attrs.frozen
class MetricTable:
    """A metric's answer: a row per group and period (sorted), and the total over all.

    Counts, hits and totals of the rows add up to :attr:`total`'s; medians, percentiles,
    rates and averages do not, so :attr:`total` computes them over all tickets.

    Attributes:
        metric: What was measured.
        by: The dimension the rows are grouped by, or ``None``.
        period: The creation period the rows are grouped by, or ``None``.
        rows: The rows, by period then group (``None`` first); groups with nothing measured
            are left out.
        total: Every ticket measured, ungrouped.

    Raises:
        InvalidValueError: An attribute is out of its domain; ``field`` names it.

    .. versionadded:: 0.2
    """

    metric: Metric = attrs.field(converter=_metric)
    by: str | None = attrs.field(validator=_by)
    period: Period | None = attrs.field(converter=_period)
    rows: tuple[MetricRow, ...] = attrs.field(converter=_rows)
    total: MetricRow = attrs.field(validator=_total)

    def row(self, group: FieldValue | None = None, period: date | None = None) -> MetricRow | None:
        """Return the row of ``group`` in ``period``, or ``None`` if there is none."""
        for row in self.rows:
            if _same(row.group, group) and row.period == period:
                return row
        return None

    def as_dict(self) -> dict[FieldValue | None, MetricRow]:
        """Return the rows by group (for a table not grouped by period)."""
        return {row.group: row for row in self.rows}


def _same(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b


_HALF: Final = Fraction(1, 2)
_NINE_TENTHS: Final = Fraction(9, 10)
MEDIAN: Final = _HALF
P90: Final = _NINE_TENTHS


def percentile(ordered: Sequence[timedelta], fraction: Fraction) -> timedelta:
    """Return the ``fraction`` percentile of sorted durations, by linear interpolation.

    The rank is ``fraction * (n - 1)`` (the "linear" method of NumPy, R's type 7); between two
    ranks the value is interpolated and rounded to the microsecond, half to even.
    """
    rank = fraction * (len(ordered) - 1)
    below = math.floor(rank)
    low = ordered[below]
    if below == rank:
        return low
    high = ordered[below + 1]
    step = Fraction(high // _US - low // _US) * (rank - below)
    return low + _US * round(step)


_US: Final = timedelta(microseconds=1)
