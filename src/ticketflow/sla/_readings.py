"""The attribute checks of what :func:`~ticketflow.sla.sla_state` reports.

:class:`~ticketflow.sla.ClockReading` and :class:`~ticketflow.sla.SlaState` are built by the
SLA arithmetic, but also by hosts (in tests, in their own reports) and from JSON, so each
checks its attributes as every other value type does: a reading that is built reads back.
The converters and validators live here, apart from the arithmetic in ``_timers``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .._events import SlaMetric
from .._values import check_enum, check_instant
from ..exceptions import InvalidValueError
from ._escalation import SlaAlert
from ._policy import SlaRule

__all__ = [
    "ALERTS",
    "OPTIONAL_RULE",
    "as_of",
    "deadline",
    "duration",
    "items",
    "met_at",
    "metric",
    "next_due_at",
    "started_at",
]


def metric(value: SlaMetric | str) -> SlaMetric:
    """Return the :class:`SlaMetric` that ``value`` is or names."""
    return check_enum("metric", value, SlaMetric)


def _instant(field: str, value: datetime) -> datetime:
    return check_instant(field, value)


def started_at(value: datetime) -> datetime:
    """Return ``value`` in UTC (it must be aware)."""
    return _instant("started_at", value)


def as_of(value: datetime) -> datetime:
    """Return ``value`` in UTC (it must be aware)."""
    return _instant("as_of", value)


def deadline(value: datetime | None) -> datetime | None:
    """Return ``None``, or ``value`` in UTC (it must be aware)."""
    return None if value is None else _instant("deadline", value)


def met_at(value: datetime | None) -> datetime | None:
    """Return ``None``, or ``value`` in UTC (it must be aware)."""
    return None if value is None else _instant("met_at", value)


def next_due_at(value: datetime | None) -> datetime | None:
    """Return ``None``, or ``value`` in UTC (it must be aware)."""
    return None if value is None else _instant("next_due_at", value)


def duration(field: str) -> Any:  # noqa: ANN401 - an attrs validator
    """Return a validator of a :class:`~datetime.timedelta`."""

    def check(_: object, __: object, value: object) -> None:
        if not isinstance(value, timedelta):
            raise InvalidValueError(field, value, "must be a timedelta")

    return check


def _optional_rule(_: object, __: object, value: object) -> None:
    if value is not None and not isinstance(value, SlaRule):
        raise InvalidValueError("rule", value, "must be an SlaRule or None")


OPTIONAL_RULE: Any = _optional_rule
"""The validator of :attr:`SlaState.rule`: ``None`` or an :class:`SlaRule`."""


def items(field: str, kind: type) -> Any:  # noqa: ANN401 - an attrs validator
    """Return a validator of a tuple of ``kind`` (as annotated, and as JSON reads it back)."""

    def check(_: object, __: object, value: object) -> None:
        if type(value) is not tuple:
            raise InvalidValueError(field, value, f"must be a tuple of {kind.__name__}s")
        for index, item in enumerate(value):
            if not isinstance(item, kind):
                raise InvalidValueError(f"{field}[{index}]", item, f"must be a {kind.__name__}")

    return check


ALERTS: Any = items("alerts_due", SlaAlert)
"""The validator of :attr:`SlaState.alerts_due`."""
