"""Running a command again when another writer got there first."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from ._values import check_int
from .exceptions import ConflictError, InvalidValueError

__all__ = ["retrying"]

T = TypeVar("T")


def _seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 3600:  # noqa: PLR2004
        raise InvalidValueError(name, value, "must be a number of seconds from 0 to 3600")
    return float(value)


def retrying(
    command: Callable[[], T],
    *,
    attempts: int = 10,
    backoff: float = 0.002,
    max_backoff: float = 0.5,
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """Run ``command``, running it again on :class:`~ticketflow.exceptions.ConflictError`.

    The command must load the ticket itself (every :class:`~ticketflow.Desk` command does), so
    each attempt re-decides on the latest version; nothing the command computed in a failed
    attempt is kept. Waits grow exponentially, capped at ``max_backoff``, with jitter, so that
    writers that collided do not collide again in step.

    Args:
        command: A callable such as ``lambda: desk.comment(tid, "hi", actor=bob)``.
        attempts: How many times to try in all (1 to 1,000,000).
        backoff: The first wait in seconds; doubled after each conflict.
        max_backoff: The longest wait in seconds (before jitter).
        sleep: How to wait (injectable for tests).

    Raises:
        ConflictError: Still conflicting after ``attempts`` tries.
        InvalidValueError: An option is out of its domain.

    .. versionadded:: 0.1
    """
    if not callable(command):
        raise InvalidValueError("command", command, "must be callable")
    check_int("attempts", attempts, minimum=1, maximum=1_000_000)
    first, cap = _seconds("backoff", backoff), _seconds("max_backoff", max_backoff)
    if not callable(sleep):
        raise InvalidValueError("sleep", sleep, "must be callable")
    for attempt in range(1, attempts + 1):
        try:
            return command()
        except ConflictError:
            if attempt == attempts:
                raise
            wait = min(first * 2 ** (attempt - 1), cap)
            import random  # noqa: PLC0415 - only a conflict needs it, not import ticketflow

            sleep(wait * (0.5 + random.random()))  # noqa: S311 - jitter, not secrecy
    raise AssertionError("unreachable")  # pragma: no cover
