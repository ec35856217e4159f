"""How fast is BusinessCalendar, and is it right?  Run: python benchmarks/sla.py.

For three calendars (an office with a lunch break and holidays, a night shift, 24x7) it times
``add(start, 40 h)`` and ``between(a, a + 365 days)`` over many different start instants,
prints the median microseconds per call, compares with the ``businesstime`` package where that
can express the calendar, and checks a sample of answers against a brute-force minute walk.
"""

from __future__ import annotations

import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from _workload import sized

from ticketflow.sla import BusinessCalendar

if TYPE_CHECKING:
    from businesstime import BusinessTime

CALLS = sized(2_000, 10)  # different start instants per operation
RUNS = sized(7, 1)  # timing runs; the median is reported
THEIR_CALLS = sized(200, 10)  # businesstime is much slower; fewer calls keep the script short
THEIR_RUNS = sized(3, 1)
FORTY_HOURS = timedelta(hours=40)
YEAR = timedelta(days=365)
MINUTE = timedelta(minutes=1)


def easter(year: int) -> date:
    """Return Easter Sunday (Gregorian), by the anonymous Gregorian algorithm."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (h + m - 7 * ((a + 11 * h + 22 * m) // 451) + 114) // 31
    p = (h + m - 7 * ((a + 11 * h + 22 * m) // 451) + 114) % 31
    return date(year, n, p + 1)


def german_holidays(years: range) -> frozenset[date]:
    """Return the nationwide German public holidays plus Christmas and New Year's Eves."""
    found: set[date] = set()
    for year in years:
        sunday = easter(year)
        found |= {date(year, month, day) for month, day in ((1, 1), (5, 1), (10, 3))}
        found |= {date(year, 12, day) for day in (24, 25, 26, 31)}
        found |= {sunday + timedelta(days=n) for n in (-2, 1, 39, 50)}
    return frozenset(found)


@dataclass(frozen=True)
class Setup:
    """One calendar under test, in both libraries, and in the brute-force reference."""

    name: str
    tz: str
    hours: dict[
        int, list[tuple[int, int]]
    ]  # weekday -> (start, end) minutes; end <= start: overnight
    holidays: frozenset[date] = frozenset()
    theirs: BusinessTime | None = None  # None if businesstime cannot express the calendar
    note: str = ""
    ours: BusinessCalendar = field(init=False)

    def __post_init__(self) -> None:
        hours: dict[str, list[str]] = {}
        for weekday, spans in self.hours.items():
            key = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[weekday]
            hours[key] = [f"{clock(start)}-{clock(end)}" for start, end in spans]
        calendar = BusinessCalendar.weekly(tz=self.tz, hours=hours, holidays=self.holidays)
        object.__setattr__(self, "ours", calendar)

    def wall_is_open(self, wall: datetime) -> bool:
        """Tell whether a local wall time is open, straight from the configuration."""
        if wall.date() in self.holidays:
            return False
        minute = wall.hour * 60 + wall.minute
        for start, end in self.hours.get(wall.weekday(), []):
            if start < end and start <= minute < end:
                return True
            if end <= start <= minute:
                return True
        yesterday = (wall.weekday() - 1) % 7
        return any(end <= start and minute < end for start, end in self.hours.get(yesterday, []))

    def reference_between(self, a: datetime, b: datetime) -> timedelta:
        """Count open minutes in ``[a, b)``, minute-aligned UTC instants, one at a time."""
        zone = ZoneInfo(self.tz)
        count, moment = 0, a.astimezone(UTC)
        while moment < b:
            count += self.wall_is_open(moment.astimezone(zone).replace(tzinfo=None))
            moment += MINUTE
        return count * MINUTE

    def reference_add(self, start: datetime, duration: timedelta) -> datetime:
        """Walk minutes from ``start`` until ``duration`` of them were open."""
        zone = ZoneInfo(self.tz)
        left, moment = duration // MINUTE, start.astimezone(UTC)
        while left:
            left -= self.wall_is_open(moment.astimezone(zone).replace(tzinfo=None))
            moment += MINUTE
        return moment


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def load_businesstime() -> type[BusinessTime] | None:
    """Return the ``BusinessTime`` class, or None if the package is not installed."""
    try:
        from businesstime import BusinessTime  # noqa: PLC0415 - optional peer
    except ImportError:
        return None
    return BusinessTime


def setups() -> list[Setup]:
    holidays = german_holidays(range(2024, 2029))
    their_class = load_businesstime()
    office_theirs = None
    if their_class is not None:
        office_theirs = their_class(
            business_hours=(wall_time(9), wall_time(17)), weekends=(5, 6), holidays=sorted(holidays)
        )
    office = {day: [(9 * 60, 12 * 60), (13 * 60, 17 * 60)] for day in range(5)}
    night = {day: [(22 * 60, 6 * 60)] for day in range(5)}
    always = {day: [(0, 24 * 60)] for day in range(7)}
    return [
        Setup("office, Berlin", "Europe/Berlin", office, holidays, office_theirs, "[1]"),
        Setup("night shift, New York", "America/New_York", night, note="[2]"),
        Setup("24x7, Berlin", "Europe/Berlin", always, note="[3]"),
    ]


def starts(tz: str, count: int, seed: int) -> list[datetime]:
    """Return ``count`` instants spread over 2025-2026, to the microsecond, in ``tz``."""
    rng = random.Random(seed)
    first = datetime(2025, 1, 1, tzinfo=UTC)
    span = (datetime(2027, 1, 1, tzinfo=UTC) - first) // timedelta(microseconds=1)
    zone = ZoneInfo(tz)
    return [
        (first + timedelta(microseconds=rng.randrange(span))).astimezone(zone) for _ in range(count)
    ]


def median_micros(
    call: Callable[[datetime, Any], object], args: list[tuple[datetime, Any]], runs: int
) -> float:
    """Return the median over ``runs`` of the mean microseconds per call over ``args``."""
    for first, second in args:  # warm up: build every chunk the calls will need
        call(first, second)
    per_call: list[float] = []
    for _ in range(runs):
        began = time.perf_counter_ns()
        for first, second in args:
            call(first, second)
        per_call.append((time.perf_counter_ns() - began) / len(args) / 1000)
    return statistics.median(per_call)


def wrong_answers(setup: Setup, seed: int) -> tuple[int, int]:
    """Check a sample of answers against the brute-force walk; return (wrong, checked)."""
    rng = random.Random(seed)
    zone = ZoneInfo(setup.tz)
    first = datetime(2025, 1, 1, tzinfo=UTC)
    samples = [first + rng.randrange(2 * 365 * 24 * 60) * MINUTE for _ in range(8)]
    wrong = checked = 0
    for start in samples[:4]:
        due = setup.ours.add(start.astimezone(zone), FORTY_HOURS)
        wrong += due.astimezone(UTC) != setup.reference_add(start, FORTY_HOURS)
        checked += 1
    for start in samples[4:7]:
        end = start + rng.randrange(30 * 24 * 60) * MINUTE
        wrong += setup.ours.between(start, end) != setup.reference_between(start, end)
        checked += 1
    year_start = samples[7]
    wrong += setup.ours.between(year_start, year_start + YEAR) != setup.reference_between(
        year_start, year_start + YEAR
    )
    return wrong, checked + 1


def row(cells: list[str]) -> str:
    widths = (24, 26, 14, 14, 12)
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))


def main() -> None:
    print(f"Python {sys.version.split()[0]} ({platform.python_implementation()})")
    print(f"machine: {platform.machine()} ({platform.processor() or 'cpu unknown'})")
    print(f"platform: {platform.platform()}")
    print(f"{CALLS} different starts per operation, median of {RUNS} runs\n")
    print(row(["calendar", "operation", "ours µs/call", "theirs µs/call", "ours/theirs"]))
    print(row(["-" * 24, "-" * 26, "-" * 14, "-" * 14, "-" * 12]))
    total_wrong = total_checked = 0
    for number, setup in enumerate(setups()):
        instants = starts(setup.tz, CALLS, seed=number)
        ours_add = median_micros(setup.ours.add, [(t, FORTY_HOURS) for t in instants], RUNS)
        years = [(t, t + YEAR) for t in instants]
        ours_between = median_micros(setup.ours.between, years, RUNS)
        theirs_between = None
        if setup.theirs is not None:
            naive = [(a.replace(tzinfo=None), b.replace(tzinfo=None)) for a, b in years]
            theirs_between = median_micros(
                setup.theirs.businesstimedelta, naive[:THEIR_CALLS], THEIR_RUNS
            )
        print(row([setup.name, "add(start, 40 h)", f"{ours_add:.2f}", "n/a [4]", "n/a"]))
        theirs_text = "n/a " + setup.note if theirs_between is None else f"{theirs_between:.2f}"
        ratio = "n/a" if theirs_between is None else f"{ours_between / theirs_between:.4f}"
        label = "between(a, a + 365 d)"
        if theirs_between is not None:
            label += " " + setup.note
        print(row([setup.name, label, f"{ours_between:.2f}", theirs_text, ratio]))
        wrong, checked = wrong_answers(setup, seed=100 + number)
        total_wrong += wrong
        total_checked += checked
    print(f"\nwrong answers: {total_wrong}")
    print(f"(of {total_checked} answers checked against a minute-by-minute walk)")
    print(
        "\n[1] businesstime allows one interval a day, so its office is 09:00-17:00 without the"
        "\n    lunch break, on naive local times (it knows no zones, so no DST); same holidays."
        "\n[2] businesstime cannot express a shift that crosses midnight."
        "\n[3] businesstime cannot express a day ending at 24:00, and counts wall-clock time, so"
        "\n    it cannot give a 25-hour day in a fold."
        "\n[4] businesstime has no operation that adds business time to an instant."
    )
    if load_businesstime() is None:
        print("\nbusinesstime is not installed (pip install businesstime): its columns are n/a.")


if __name__ == "__main__":
    main()
