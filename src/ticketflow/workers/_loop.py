"""``python -m ticketflow worker``: the store, the host's hook, and the loop (see the package).

The command line (``__main__``) only parses; :func:`serve` opens the store, loads the
:class:`WorkerSetup` and runs :func:`run_worker` until a signal stops it. Exit statuses: 0
(stopped, or done with ``--once``), 1 (``--once`` and a batch failed), :data:`EX_CONFIG` (the
store or the hook cannot be used); argparse answers a bad command line with 2.
"""

from __future__ import annotations

import importlib
import logging
import re
import signal
import threading
from datetime import timedelta
from types import FrameType
from typing import TYPE_CHECKING, Final

import attrs

from .._desk import Desk
from .._values import check_name
from ..exceptions import ConfigurationError, InvalidValueError
from ._setup import WorkerSetup

if TYPE_CHECKING:
    from ..integrations import DispatchReport
    from ..storage import TicketStore

__all__ = [
    "EX_CONFIG",
    "WorkerOptions",
    "is_postgres_url",
    "load_setup",
    "open_store",
    "parse_duration",
    "run_worker",
    "serve",
]

EX_CONFIG: Final = 78  # sysexits.h: the store or the configuration hook cannot be used

_LOG = logging.getLogger("ticketflow.worker")
_POSTGRES_SCHEMES: Final = ("postgresql://", "postgres://")
_DURATION: Final = re.compile(r"(\d+)(ms|s|m|h|d)")
_UNITS: Final = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


@attrs.frozen(kw_only=True)
class WorkerOptions:
    """How a worker runs (the command line's options, checked)."""

    tick_every: timedelta = timedelta(seconds=30)
    dispatch: bool = False
    batch: int = 100
    lease: timedelta = timedelta(minutes=5)
    worker: str | None = None
    once: bool = False


def parse_duration(text: str) -> timedelta:
    """Return the positive duration ``text`` says: ``500ms``, ``30s``, ``5m``, ``1h``, ``1h30m``.

    Raises:
        ValueError: It says something else (the message says what is expected).
    """
    spec = text.strip()
    parts = _DURATION.findall(spec)
    if not spec or "".join(number + unit for number, unit in parts) != spec:
        raise ValueError(
            f"invalid duration {text!r}: use whole numbers with units ms, s, m, h or d,"
            " like 30s, 5m, 1h or 1h30m"
        )
    seconds = sum(int(number) * _UNITS[unit] for number, unit in parts)
    if seconds <= 0:
        raise ValueError(f"invalid duration {text!r}: it must be longer than zero")
    if seconds > 366 * 86400:
        raise ValueError(f"invalid duration {text!r}: at most a year")
    return timedelta(seconds=seconds)


def is_postgres_url(db: str) -> bool:
    """Whether ``db`` names a PostgreSQL store (a ``postgresql://`` or ``postgres://`` URL)."""
    return db.startswith(_POSTGRES_SCHEMES)


def open_store(db: str, *, schema: str | None = None) -> TicketStore:
    """Open the store ``db`` names: a ``postgresql://`` URL, or else a SQLite file's path.

    Args:
        db: The URL or the path.
        schema: The PostgreSQL schema that holds the store (the store's default, ``ticketflow``,
            when ``None``); a SQLite path takes none.

    Raises:
        ConfigurationError: A PostgreSQL URL, and this installation has no PostgreSQL store
            (the extra ``ticketflow[postgres]`` is not installed); or a ``schema`` with a
            SQLite path.
        StoreError: The store cannot be opened (see the store's own errors).
    """
    storage = importlib.import_module("ticketflow.storage")
    if not is_postgres_url(db):
        if schema is not None:
            raise ConfigurationError("schema", "only a postgresql:// URL has schemas")
        return storage.SQLiteTicketStore(db)  # type: ignore[no-any-return]
    try:
        postgres = storage.PostgresTicketStore
    except AttributeError:
        raise ConfigurationError(
            "db", "this ticketflow has no PostgreSQL store (ticketflow.storage.PostgresTicketStore)"
        ) from None
    except ModuleNotFoundError as error:
        raise ConfigurationError(
            "db",
            f"a PostgreSQL store needs {error.name}: pip install 'ticketflow[postgres]'",
        ) from error
    if schema is None:
        return postgres(db)  # type: ignore[no-any-return]
    return postgres(db, schema=schema)  # type: ignore[no-any-return]


def load_setup(spec: str, store: TicketStore) -> WorkerSetup:
    """Call the hook ``MODULE:CALLABLE`` with ``store``; return the :class:`WorkerSetup`.

    Raises:
        ConfigurationError: The hook cannot be found, or it raised, or returned something else
            than a :class:`WorkerSetup` or a :class:`~ticketflow.Desk`.
    """
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError("config", f"{spec!r}: expected MODULE:CALLABLE")
    try:
        hook = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise ConfigurationError("config", f"{spec!r} cannot be loaded: {error}") from error
    if not callable(hook):
        raise ConfigurationError("config", f"{spec!r} is not callable")
    try:
        setup = hook(store)
    except Exception as error:
        raise ConfigurationError("config", f"{spec!r} failed: {error!r}") from error
    if isinstance(setup, Desk):
        setup = WorkerSetup(desk=setup)
    if not isinstance(setup, WorkerSetup):
        raise ConfigurationError(
            "config", f"{spec!r} returned {type(setup).__name__}, not a WorkerSetup or a Desk"
        )
    return setup


def _checked(setup: WorkerSetup, options: WorkerOptions) -> None:
    if options.worker is not None:
        check_name("worker", options.worker)
    if options.dispatch and not setup.delivers:
        raise ConfigurationError(
            "dispatch", "the configuration has no handlers and no dispatcher to deliver to"
        )
    if not setup.desk.due_work and not options.dispatch:
        raise ConfigurationError(
            "config", "nothing to do: the desk has no due work (no SLA policy, no auto-close)"
        )


def _tick(setup: WorkerSetup, options: WorkerOptions, worker: str) -> bool:
    # Tick one batch; True if the batch was full (more may be due).
    report = setup.desk.tick(limit=options.batch, worker=worker, lease=options.lease)
    if report.tickets:
        recorded = ", ".join(f"{kind} {n}" for kind, n in sorted(report.recorded.items()))
        _LOG.info("ticked %d tickets: %s", report.tickets, recorded or "nothing due")
    for ticket_id, problem in report.failures:
        _LOG.warning("tick of ticket %s failed: %s", ticket_id, problem)
    return report.tickets >= options.batch


def _deliver(setup: WorkerSetup, options: WorkerOptions, worker: str) -> bool:
    # Deliver one batch; True if the batch was full (more may be deliverable).
    now = setup.desk.clock.now()
    report: DispatchReport
    if setup.dispatcher is not None:
        report = setup.dispatcher.run_once(now=now, limit=options.batch)
    else:
        from ..integrations import dispatch_outbox  # noqa: PLC0415 - only --dispatch needs it

        report = dispatch_outbox(
            setup.desk.store,
            setup.handlers,
            now=now,
            worker=worker,
            lease=options.lease,
            limit=options.batch,
            schedule=setup.schedule,
        )
    claimed = report.delivered + report.failed + report.unhandled
    if claimed:
        _LOG.info(
            "delivered %d messages (%d failed, %d without a handler, %d dead letters)",
            report.delivered,
            report.failed,
            report.unhandled,
            report.dead_lettered,
        )
    return claimed >= options.batch


def run_worker(setup: WorkerSetup, options: WorkerOptions, stop: threading.Event) -> int:
    """Tick and deliver until ``stop`` is set (or, with ``once``, until nothing is left).

    Each batch runs to its end; ``stop`` is looked at between batches. A batch that fails
    (the store unreachable, say) is logged, and the worker tries again after ``tick_every``.

    Returns:
        The exit status: 0, or 1 when ``once`` and a batch failed.
    """
    _checked(setup, options)
    from .._ticking import default_worker  # noqa: PLC0415 - the worker's own name

    worker = options.worker or default_worker()
    _LOG.info(
        "worker %s started: tick every %s%s, batches of %d, leases of %s",
        worker,
        options.tick_every,
        ", delivering the outbox" if options.dispatch else "",
        options.batch,
        options.lease,
    )
    status = 0
    while not stop.is_set():
        try:
            more = bool(setup.desk.due_work) and _tick(setup, options, worker)
            if options.dispatch and not stop.is_set():
                more = _deliver(setup, options, worker) or more
        except Exception:  # noqa: BLE001 - a worker outlives a batch that failed
            _LOG.exception("a batch failed; trying again in %s", options.tick_every)
            if options.once:
                status = 1
                break
            more = False
        if more:
            continue
        if options.once:
            break
        stop.wait(options.tick_every.total_seconds())
    _LOG.info("worker %s stopped", worker)
    return status


def serve(db: str, config: str, options: WorkerOptions, *, schema: str | None = None) -> int:
    """Open the store, load the setup, and run the worker until a signal stops it.

    ``schema`` is the PostgreSQL schema of the store (see :func:`open_store`).

    SIGTERM and SIGINT let the batch at hand finish; a second one stops at once. Returns the
    exit status: 0 when stopped by a signal (or done, with ``once``), :data:`EX_CONFIG` when
    the store or the configuration cannot be used.
    """
    stop = threading.Event()

    def finish(signum: int, _: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        _LOG.info("%s: finishing the batch at hand, then stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, finish) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        try:
            store = open_store(db, schema=schema)
        except Exception as error:  # noqa: BLE001 - whatever the store raised, said and 78
            # A URL may hold a password: the store's errors name its location without one.
            _LOG.error(
                "cannot open the store%s: %s", "" if is_postgres_url(db) else f" {db}", error
            )
            return EX_CONFIG
        try:
            setup = load_setup(config, store)
            _checked(setup, options)
        except (ConfigurationError, InvalidValueError) as error:
            _LOG.error("%s", error)
            _close(store)
            return EX_CONFIG
        try:
            return run_worker(setup, options, stop)
        finally:
            _close(store)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _close(store: object) -> None:
    close = getattr(store, "close", None)
    if callable(close):
        close()
