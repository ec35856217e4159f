"""How long do the slowest calendar questions take?  Run: python benchmarks/_scale_sla.py.

The policies that once made every command take seconds: calendars open a minute or two hours a
week (one with 1,300 holidays), ten-year targets, clocks near ``datetime.max``.  For each, the
worst milliseconds of ``add`` and of ``between`` over many starts and amounts, first in a zone
the process has not seen (learning its offset changes included), then in a known zone.
"""

from __future__ import annotations

import contextlib
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial

from ticketflow.exceptions import CalendarError
from ticketflow.sla import BusinessCalendar
from ticketflow.sla._calendar import _offsets_of

TEN_YEARS = timedelta(days=3650)
LATEST = datetime.max.replace(tzinfo=UTC)
STARTS = (
    datetime(2025, 6, 2, 9, 30, tzinfo=UTC),
    datetime(8999, 12, 31, 23, tzinfo=UTC),
    LATEST - timedelta(days=3),
    LATEST - timedelta(minutes=1),
)
AMOUNTS = (timedelta(hours=40), timedelta(days=365), TEN_YEARS)


def first_fridays(first: int, last: int) -> list[date]:
    """Return the first Friday of every month in the years ``[first, last)``."""
    found = []
    for year in range(first, last):
        for month in range(1, 13):
            day = date(year, month, 1)
            found.append(day + timedelta(days=(4 - day.weekday()) % 7))
    return found


CALENDARS: dict[str, Callable[[], BusinessCalendar]] = {
    "1 min/week, New York": lambda: BusinessCalendar.weekly(
        tz="America/New_York", hours={"mon": ["09:00-09:01"]}
    ),
    "2 h/week, Berlin": lambda: BusinessCalendar.weekly(
        tz="Europe/Berlin", hours={"wed": ["14:00-16:00"]}
    ),
    "2 h/week + 1,300 holidays, Lord Howe": lambda: BusinessCalendar.weekly(
        tz="Australia/Lord_Howe",
        hours={"sat": ["23:00-01:00"]},
        holidays=first_fridays(2025, 2125) + first_fridays(9990, 9999),
    ),
}


def milliseconds(call: Callable[[], object]) -> float:
    """Time one call; an answer beyond the datetime range (CalendarError) is an answer."""
    began = time.perf_counter()
    with contextlib.suppress(CalendarError):
        call()
    return (time.perf_counter() - began) * 1000


def worst_add(calendar: BusinessCalendar) -> float:
    """Return the worst milliseconds of ``add`` from every start, for every amount."""
    return max(
        milliseconds(partial(calendar.add, start, amount)) for start in STARTS for amount in AMOUNTS
    )


def worst_between(calendar: BusinessCalendar) -> float:
    """Return the worst milliseconds of ``between`` from every start to every later one."""
    return max(
        milliseconds(partial(calendar.between, start, end))
        for start in STARTS
        for end in (*STARTS, LATEST)
        if end > start
    )


def rows() -> list[tuple[str, float]]:
    """Return ``(what, worst milliseconds)`` for each pathological calendar and operation.

    Every figure is taken on a calendar built afresh; "new zone" ones in a zone forgotten first.
    """
    found: list[tuple[str, float]] = []
    for name, build in CALENDARS.items():
        for operation, worst in (("add", worst_add), ("between", worst_between)):
            _offsets_of.cache_clear()
            found.append((f"{name}: {operation}, new zone", worst(build())))
            found.append((f"{name}: {operation}, known zone", worst(build())))
    return found


def main() -> None:
    print(f"Python {sys.version.split()[0]} ({platform.python_implementation()})")
    print(f"machine: {platform.machine()} ({platform.processor() or 'cpu unknown'})")
    print(
        f"worst case over {len(STARTS)} starts up to datetime.max,"
        f" amounts up to ten years ({', '.join(str(amount) for amount in AMOUNTS)})\n"
    )
    table = rows()
    width = max(len(what) for what, _ in table)
    print(f"{'calendar and operation'.ljust(width)}  worst ms")
    print(f"{'-' * width}  --------")
    for what, elapsed in table:
        print(f"{what.ljust(width)}  {elapsed:8.2f}")


if __name__ == "__main__":
    main()
