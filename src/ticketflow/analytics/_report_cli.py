"""``python -m ticketflow report``: a desk's report from its SQLite store.

Prints the headline and the top drivers (or, with ``--json``, every table as JSON) on
standard output, and writes on request a self-contained HTML page (``--html``, which needs the
``ticketflow[report]`` extra) and a CSV file per table (``--csv``). Progress goes to standard
error when it is a terminal.

Durations are wall time unless the command is told the desk's business calendar, one of two
ways:

- ``--hours DAYS=HH:MM-HH:MM[,HH:MM-HH:MM]`` (repeatable; ``mon-fri=09:00-17:00``) with
  ``--tz ZONE`` (an IANA zone, the hours' and the periods'; UTC by default) and ``--holiday
  YYYY-MM-DD`` (repeatable): a weekly calendar, as :meth:`BusinessCalendar.weekly
  <ticketflow.sla.BusinessCalendar.weekly>` builds it;
- ``--calendar MODULE:ATTR``: the host's own :class:`~ticketflow.sla.BusinessCalendar` (or a
  callable that takes no argument and returns one), imported from the host's code, with its
  one-off closures and openings: the calendar the desk's SLA policy uses.

``--tz`` alone sets the zone of the periods (weeks, the ``--since`` day) with wall time.

Exit status: 0 done; 1 the store could not be read; 2 a bad argument (a missing database
file, a malformed date, an unknown dimension, a calendar that cannot be built or imported);
3 ``--html`` without the ``ticketflow[report]`` extra.
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ..exceptions import ConfigurationError, InvalidValueError, StoreError, TicketflowError

if TYPE_CHECKING:
    from ..sla import BusinessCalendar
    from ._report import Report

__all__ = [
    "EX_BAD_STORE",
    "EX_NO_EXTRA",
    "EX_OK",
    "EX_USAGE",
    "CalendarOptionError",
    "calendar_from_options",
    "csv_paths",
    "report",
]

EX_OK: Final = 0
EX_BAD_STORE: Final = 1
EX_USAGE: Final = 2  # as argparse's own usage errors
EX_NO_EXTRA: Final = 3


def csv_paths(target: Path, names: list[str]) -> dict[str, Path]:
    """Return where each table's CSV goes: ``report.csv`` gives ``report.headline.csv``, ..."""
    suffix = target.suffix or ".csv"
    return {name: target.with_name(f"{target.stem}.{name}{suffix}") for name in names}


class CalendarOptionError(ValueError):
    """An option the command cannot use (a calendar's, the date, the file), named in the message."""


def calendar_from_options(
    *,
    calendar: str | None = None,
    tz: str | None = None,
    hours: Sequence[str] = (),
    holidays: Sequence[str] = (),
) -> BusinessCalendar | None:
    """Return the business calendar the options name, or ``None`` (wall time).

    Raises:
        CalendarOptionError: The options do not name a calendar that can be built or imported.
    """
    from ..sla import BusinessCalendar  # noqa: PLC0415 - loaded with the command

    if calendar is not None:
        if hours or holidays:
            raise CalendarOptionError("--calendar: give it, or --hours and --holiday, not both")
        return _imported(calendar, BusinessCalendar)
    if not hours:
        if holidays:
            raise CalendarOptionError("--holiday: give the open hours too (--hours)")
        return None
    weekly: dict[str, list[str]] = {}
    for given in hours:
        days, sep, spans = given.partition("=")
        if not sep or not days.strip() or not spans.strip():
            raise CalendarOptionError(
                f"--hours: {given!r} is not DAYS=HH:MM-HH:MM[,HH:MM-HH:MM] (mon-fri=09:00-17:00)"
            )
        weekly.setdefault(days.strip(), []).extend(s.strip() for s in spans.split(","))
    closed = []
    for day in holidays:
        try:
            closed.append(date.fromisoformat(day))
        except ValueError:
            raise CalendarOptionError(f"--holiday: {day!r} is not a date (YYYY-MM-DD)") from None
    try:
        return BusinessCalendar.weekly(tz=tz or "UTC", hours=weekly, holidays=closed)
    except TicketflowError as error:
        raise CalendarOptionError(f"--hours: {error}") from None


def _imported(spec: str, kind: type[BusinessCalendar]) -> BusinessCalendar:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise CalendarOptionError(f"--calendar: {spec!r} is not MODULE:ATTR")
    try:
        found: object = importlib.import_module(module_name)
        for name in attribute.split("."):
            found = getattr(found, name)
    except Exception as error:  # noqa: BLE001 - the host's code: any failure is a usage error
        raise CalendarOptionError(
            f"--calendar: cannot import {spec!r}: {type(error).__name__}: {error}"
        ) from None
    if callable(found) and not isinstance(found, kind):
        try:
            found = found()
        except Exception as error:  # noqa: BLE001 - as above
            raise CalendarOptionError(
                f"--calendar: {spec!r} failed: {type(error).__name__}: {error}"
            ) from None
    if not isinstance(found, kind):
        raise CalendarOptionError(
            f"--calendar: {spec!r} is a {type(found).__name__}, not a BusinessCalendar"
        )
    return found


def report(
    db: Path,
    *,
    write: Callable[[str], object],
    warn: Callable[[str], object],
    progress: bool,
    since: str | None = None,
    by: str = "category",
    html: Path | None = None,
    csv: Path | None = None,
    as_json: bool = False,
    calendar: str | None = None,
    tz: str | None = None,
    hours: Sequence[str] = (),
    holidays: Sequence[str] = (),
) -> int:
    """Compute the report of the store at ``db`` and write what is asked; return the status.

    Args:
        db: The SQLite store (it must exist: it is read, never created).
        write: Prints the text (or JSON) report on standard output.
        warn: Prints errors, the files written and, with ``progress``, progress lines.
        progress: Report progress through ``warn`` (when standard error is a terminal).
        since: ``YYYY-MM-DD``: report on the tickets created on or after that day.
        by: The dimension the drivers rank.
        html: Write the HTML page there.
        csv: Write each table as CSV next to this path (``x.csv`` gives ``x.headline.csv``).
        as_json: Print every table as JSON instead of the text.
        calendar: ``MODULE:ATTR`` of the host's business calendar (see the module).
        tz: The IANA zone of the periods, and of ``hours``.
        hours: ``DAYS=HH:MM-HH:MM[,...]`` open hours of a weekly calendar.
        holidays: ``YYYY-MM-DD`` days that calendar is closed.
    """
    try:
        day = _since(since)
        _exists(db)
        business = calendar_from_options(calendar=calendar, tz=tz, hours=hours, holidays=holidays)
    except CalendarOptionError as error:
        warn(f"ticketflow report: {error}")
        return EX_USAGE
    if html is not None:
        try:
            from ._html import require_matplotlib  # noqa: PLC0415 - only HTML needs it

            require_matplotlib()
        except ConfigurationError as error:
            warn(f"ticketflow report: --html: {error}")
            return EX_NO_EXTRA
    say: Callable[[str], object] = (
        (lambda line: warn(f"ticketflow report: {line}")) if progress else (lambda _: None)
    )
    try:
        built = _build(db, day, by, say, business, tz)
    except InvalidValueError as error:
        warn(f"ticketflow report: {error}")
        return EX_USAGE
    except (StoreError, sqlite3.Error) as error:
        warn(f"ticketflow report: cannot read {str(db)!r}: {type(error).__name__}: {error}")
        return EX_BAD_STORE
    write(built.to_json() if as_json else built.to_text())
    if html is not None:
        page = built.to_html()
        html.write_text(page, encoding="utf-8")
        warn(f"ticketflow report: wrote {html} ({len(page.encode()):,} bytes)")
    if csv is not None:
        tables = built.to_csv()
        for name, path in csv_paths(csv, list(tables)).items():
            path.write_text(tables[name], encoding="utf-8")
            warn(f"ticketflow report: wrote {path}")
    return EX_OK


def _exists(db: Path) -> None:
    if not db.is_file():
        raise CalendarOptionError(f"--db: no database file at {str(db)!r}")


def _since(since: str | None) -> date | None:
    try:
        return None if since is None else date.fromisoformat(since)
    except ValueError:
        raise CalendarOptionError(f"--since: {since!r} is not a date (YYYY-MM-DD)") from None


def _build(
    db: Path,
    since: date | None,
    by: str,
    say: Callable[[str], object],
    calendar: BusinessCalendar | None,
    tz: str | None,
) -> Report:
    from ..storage import SQLiteTicketStore  # noqa: PLC0415 - loaded with the command
    from ._analytics import Analytics  # noqa: PLC0415
    from ._report import Report  # noqa: PLC0415

    with SQLiteTicketStore(db) as store:
        analytics = Analytics(store, calendar=calendar, tz=tz)
        if calendar is not None:
            say(f"durations in business time ({calendar.tz.key})")
        say("reading the event feed")
        read = analytics.refresh()
        say(f"read {read:,} events of {analytics.tickets:,} tickets")
        return Report.build(analytics, by=by, since=since, progress=say)
