"""Drivers: which values of a dimension go with a bad outcome, ranked with their uncertainty.

A value's rate alone ranks badly: a carrier with 3 tickets and 2 breaches has a 67 % rate,
above a carrier with 1,400 tickets and a 30 % rate, though the second is the one to talk to.
So each value carries the 95 % Wilson score interval of its rate, and values are ranked by the
interval's *lower* bound: the rate the evidence says the value has at least. A small sample
has a wide interval and a low lower bound, so it ranks by what is known, not by luck; a large
sample's lower bound is close to its rate. (The Wilson interval, unlike the normal
approximation, stays inside [0, 1] and behaves at rates near 0 and 1 and at small counts.)
On top, values measured on fewer than ``min_count`` tickets are not ranked at all but listed
apart (:attr:`DriverTable.too_few`).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from typing import Any, Final

import attrs

from .._fields import FieldValue
from .._values import check_enum, check_int, check_name
from ..exceptions import InvalidValueError
from ._tables import _group

__all__ = ["Driver", "DriverTable", "Outcome", "wilson"]

Z95: Final = 1.959963984540054
"""The standard normal quantile of 97.5 %: a two-sided 95 % interval."""


class Outcome(enum.StrEnum):
    """A bad outcome that :meth:`Analytics.drivers` looks for, and over which tickets.

    .. versionadded:: 0.2
    """

    SLA_BREACH = "sla_breach"
    """Any SLA clock breached (an ``sla_breached`` event), over every ticket."""
    RESOLUTION_BREACH = "resolution_breach"
    """The resolution clock breached, over every ticket."""
    FIRST_RESPONSE_BREACH = "first_response_breach"
    """The first-response clock breached, over every ticket."""
    REOPEN = "reopen"
    """Reopened at least once, over resolved tickets."""
    LOW_CSAT = "low_csat"
    """A latest CSAT score of 1 or 2, over tickets with a score."""


def wilson(hits: int, count: int, z: float = Z95) -> tuple[float, float]:
    """Return the Wilson score interval of the rate ``hits / count`` (``count`` > 0)."""
    rate = hits / count
    shrink = 1 + z * z / count
    centre = (rate + z * z / (2 * count)) / shrink
    half = z * math.sqrt(rate * (1 - rate) / count + z * z / (4 * count * count)) / shrink
    return max(0.0, centre - half), min(1.0, centre + half)


def _unit(field: str) -> Any:  # noqa: ANN401 - an attrs validator
    def check(_: object, __: object, value: Any) -> None:  # noqa: ANN401
        if type(value) is not float or not 0.0 <= value <= 1.0:
            raise InvalidValueError(field, value, "must be a float from 0 to 1")

    return check


def _lift(_: object, __: object, value: Any) -> None:  # noqa: ANN401
    if value is not None and (type(value) is not float or not math.isfinite(value) or value < 0):
        raise InvalidValueError("lift", value, "must be a finite float >= 0, or None")


def _count(_: object, __: object, value: Any) -> None:  # noqa: ANN401
    check_int("count", value, minimum=1)


def _hits(driver: Driver, _: object, value: Any) -> None:  # noqa: ANN401
    check_int("hits", value, minimum=0, maximum=driver.count)


@attrs.frozen
class Driver:
    """One value of a dimension, with how often its tickets had the outcome.

    Attributes:
        group: The dimension's value (``None``: the tickets without one).
        count: The tickets measured.
        hits: Of those, the tickets with the outcome.
        rate: ``hits / count``, which it must equal.
        low: The lower bound of the rate's 95 % Wilson score interval (the ranking key).
        high: The upper bound of that interval.
        lift: ``rate`` over the overall rate (2.0: twice as often); ``None`` when the overall
            rate is 0.

    Raises:
        InvalidValueError: An attribute is out of its domain; ``field`` names it.

    .. versionadded:: 0.2
    """

    group: FieldValue | None = attrs.field(validator=_group)
    count: int = attrs.field(validator=_count)
    hits: int = attrs.field(validator=_hits)
    rate: float = attrs.field(validator=_unit("rate"))
    low: float = attrs.field(validator=_unit("low"))
    high: float = attrs.field(validator=_unit("high"))
    lift: float | None = attrs.field(validator=_lift)

    def __attrs_post_init__(self) -> None:
        if self.rate != self.hits / self.count:
            raise InvalidValueError("rate", self.rate, "must be hits / count")
        if not self.low <= self.rate <= self.high:
            raise InvalidValueError("rate", self.rate, "must lie between low and high")


def _drivers(field: str, value: object) -> tuple[Driver, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError(field, value, "must be a collection of Driver values")
    drivers = tuple(value)
    for index, item in enumerate(drivers):
        if type(item) is not Driver:
            raise InvalidValueError(f"{field}[{index}]", item, "must be a Driver")
    return drivers


def _ranked(value: Iterable[Driver]) -> tuple[Driver, ...]:
    return _drivers("ranked", value)


def _too_few(value: Iterable[Driver]) -> tuple[Driver, ...]:
    return _drivers("too_few", value)


def _outcome(value: Outcome | str) -> Outcome:
    return check_enum("outcome", value, Outcome)


def _by(_: object, __: object, value: Any) -> None:  # noqa: ANN401
    check_name("by", value)


def _min_count(_: object, __: object, value: Any) -> None:  # noqa: ANN401
    check_int("min_count", value, minimum=1)


def _overall(_: object, __: object, value: Any) -> None:  # noqa: ANN401
    if value is not None and type(value) is not Driver:
        raise InvalidValueError("overall", value, "must be a Driver or None")


@attrs.frozen
class DriverTable:
    """The answer of :meth:`Analytics.drivers`.

    Attributes:
        outcome: The bad outcome looked for.
        by: The dimension whose values are ranked.
        min_count: The fewest tickets a value needs to be ranked.
        overall: Every ticket measured, as one driver (``group`` ``None``, ``lift`` 1.0), or
            ``None`` when no ticket was measured.
        ranked: The values with at least ``min_count`` tickets, by the lower bound of their
            interval, highest first (then by rate, count, and value).
        too_few: The values with fewer tickets, in the same order, not ranked.

    Raises:
        InvalidValueError: An attribute is out of its domain; ``field`` names it.

    .. versionadded:: 0.2
    """

    outcome: Outcome = attrs.field(converter=_outcome)
    by: str = attrs.field(validator=_by)
    min_count: int = attrs.field(validator=_min_count)
    overall: Driver | None = attrs.field(validator=_overall)
    ranked: tuple[Driver, ...] = attrs.field(converter=_ranked)
    too_few: tuple[Driver, ...] = attrs.field(converter=_too_few)


def driver(group: FieldValue | None, hits: int, count: int, overall: float | None) -> Driver:
    """Return the driver of ``group`` from its counts and the overall rate."""
    rate = hits / count
    low, high = wilson(hits, count)
    # Rounding can put the bound a hair past the rate at 0 or 1 hits.
    low, high = min(low, rate), max(high, rate)
    lift = None if not overall else rate / overall
    return Driver(group, count, hits, rate, low, high, lift)


def ranking_key(item: Driver) -> tuple[float, float, int, str]:
    """Highest lower bound first, then highest rate, then most tickets, then the value."""
    return (-item.low, -item.rate, -item.count, repr(item.group))
