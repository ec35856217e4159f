"""How long to wait before each new attempt at a delivery, and when to give up."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Final

import attrs

from ..exceptions import InvalidValueError

__all__ = ["STANDARD_WEBHOOKS_DELAYS", "RetrySchedule"]

STANDARD_WEBHOOKS_DELAYS: Final = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
"""The Standard Webhooks specification's example: after the first attempt, seven more."""

_MAX_DELAYS: Final = 100
_MAX_DELAY: Final = timedelta(days=365)


def _delays(value: Iterable[timedelta]) -> tuple[timedelta, ...]:
    given: object = value
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise InvalidValueError("delays", given, "must be a sequence of timedeltas")
    delays: list[timedelta] = []
    for index, delay in enumerate(given):
        if index >= _MAX_DELAYS:
            raise InvalidValueError("delays", f"<more than {_MAX_DELAYS}>", "too many delays")
        if not isinstance(delay, timedelta) or not timedelta(0) < delay <= _MAX_DELAY:
            raise InvalidValueError(
                f"delays[{index}]", delay, "must be a timedelta above zero and at most 365 days"
            )
        delays.append(delay)
    if not delays:
        raise InvalidValueError("delays", delays, "a schedule has at least one delay")
    return tuple(delays)


def _jitter(value: float) -> float:
    given: object = value
    if isinstance(given, bool) or not isinstance(given, int | float) or not 0 <= given < 1:
        raise InvalidValueError("jitter", given, "must be a fraction from 0 up to (not incl.) 1")
    return float(given)


def _random(value: Callable[[], float]) -> Callable[[], float]:
    if not callable(value):
        raise InvalidValueError("random", value, "must be callable, returning a float in [0, 1)")
    return value


def _attempts(value: object) -> int:
    if type(value) is not int or value < 1:
        raise InvalidValueError("attempts", value, "must be an integer >= 1")
    return value


@attrs.frozen
class RetrySchedule:
    """The waits between the attempts at one delivery, and the last attempt.

    After attempt ``n`` fails (``n`` from 1), the next waits ``delays[n - 1]``, stretched or
    shrunk by up to ``jitter`` of itself at random, so that the retries of many messages that
    failed together do not arrive together. After attempt ``len(delays) + 1`` fails there is
    no next: the message is a dead letter.

    Attributes:
        delays: The waits, in order (1 to 100 of them, each above zero and at most 365
            days). By default the Standard Webhooks example:
            :data:`STANDARD_WEBHOOKS_DELAYS`, eight attempts over about 27.5 hours.
        jitter: The fraction by which a wait may vary either way (0 up to 1; default 0.1).
        random: Returns a float in ``[0, 1)`` (default :func:`random.random`); pass a seeded
            ``random.Random(seed).random`` for repeatable waits. A value outside is clamped
            (NaN counts as 0).

    Raises:
        InvalidValueError: An attribute is out of its domain; ``field`` names it.

    .. versionadded:: 0.2
    """

    delays: tuple[timedelta, ...] = attrs.field(default=STANDARD_WEBHOOKS_DELAYS, converter=_delays)
    jitter: float = attrs.field(default=0.1, converter=_jitter, kw_only=True)
    random: Callable[[], float] = attrs.field(
        default=random.random, converter=_random, kw_only=True, eq=False
    )

    @property
    def max_attempts(self) -> int:
        """How many attempts a delivery gets: one more than there are delays."""
        return len(self.delays) + 1

    def delay_after(self, attempts: int) -> timedelta | None:
        """Return the wait after attempt number ``attempts`` failed, or ``None`` after the last.

        Raises:
            InvalidValueError: ``attempts`` is not an integer >= 1.
        """
        attempts = _attempts(attempts)
        if attempts > len(self.delays):
            return None
        delay = self.delays[attempts - 1]
        if not self.jitter:
            return delay
        drawn = float(self.random())
        if not drawn >= 0:  # NaN too
            drawn = 0.0
        drawn = min(drawn, 1.0)
        factor = 1 + self.jitter * (2 * drawn - 1)
        # Whole microseconds, never zero: a retry is always later than the failure.
        return max(delay * factor, timedelta(microseconds=1))
