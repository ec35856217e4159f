"""``python -m ticketflow report``: a desk's report from its SQLite store.

Prints the headline and the top drivers (or, with ``--json``, every table as JSON) on
standard output, and writes on request a self-contained HTML page (``--html``, which needs the
``ticketflow[report]`` extra) and a CSV file per table (``--csv``). Progress goes to standard
error when it is a terminal. Durations are wall time (the command does not know the desk's
business calendar; a host that wants business time builds :class:`Report` itself).

Exit status: 0 done; 1 the store could not be read; 2 a bad argument (a missing database
file, a malformed date, an unknown dimension); 3 ``--html`` without the ``ticketflow[report]``
extra.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ..exceptions import ConfigurationError, InvalidValueError, StoreError

if TYPE_CHECKING:
    from ._report import Report

__all__ = ["EX_BAD_STORE", "EX_NO_EXTRA", "EX_OK", "EX_USAGE", "csv_paths", "report"]

EX_OK: Final = 0
EX_BAD_STORE: Final = 1
EX_USAGE: Final = 2  # as argparse's own usage errors
EX_NO_EXTRA: Final = 3


def csv_paths(target: Path, names: list[str]) -> dict[str, Path]:
    """Return where each table's CSV goes: ``report.csv`` gives ``report.headline.csv``, ..."""
    suffix = target.suffix or ".csv"
    return {name: target.with_name(f"{target.stem}.{name}{suffix}") for name in names}


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
    """
    try:
        day = None if since is None else date.fromisoformat(since)
    except ValueError:
        warn(f"ticketflow report: --since: {since!r} is not a date (YYYY-MM-DD)")
        return EX_USAGE
    if not db.is_file():
        warn(f"ticketflow report: --db: no database file at {str(db)!r}")
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
        built = _build(db, day, by, say)
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


def _build(db: Path, since: date | None, by: str, say: Callable[[str], object]) -> Report:
    from ..storage import SQLiteTicketStore  # noqa: PLC0415 - loaded with the command
    from ._analytics import Analytics  # noqa: PLC0415
    from ._report import Report  # noqa: PLC0415

    with SQLiteTicketStore(db) as store:
        analytics = Analytics(store)
        say("reading the event feed")
        read = analytics.refresh()
        say(f"read {read:,} events of {analytics.tickets:,} tickets")
        return Report.build(analytics, by=by, since=since, progress=say)
