"""``python -m ticketflow worker``: many processes tick and deliver one store, each thing once.

The multi-process scenario itself is in ``_workers_scenario``; the configuration hook the
workers load is ``_worker_config``. The PostgreSQL cases run in a schema of their own
(``--schema``), dropped afterwards (see ``_postgres_server``).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import ticketflow.storage
from _postgres_server import DSN, drop_schema, fresh_schema, require_server
from _worker_config import POLICY, T0
from _workers_scenario import (
    WORK_AT,
    populate,
    run_workers,
    start_worker,
    verify,
    wait_all,
)
from ticketflow import Actor, Desk, NewTicket, Requester, Ticket
from ticketflow.__main__ import main
from ticketflow.exceptions import InvalidValueError
from ticketflow.storage import (
    InMemoryTicketStore,
    LeasedMessage,
    OutboxMessage,
    SQLiteTicketStore,
    TicketQuery,
)
from ticketflow.testing import FrozenClock
from ticketflow.workers import WorkerSetup
from ticketflow.workers._loop import EX_CONFIG, WorkerOptions, parse_duration, run_worker

# -- several processes --------------------------------------------------------------------------


@pytest.fixture
def postgres_schema() -> Iterator[str]:
    """A fresh schema name on the tests' server, dropped afterwards."""
    require_server()
    schema = fresh_schema()
    try:
        yield schema
    finally:
        drop_schema(schema)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str | None]:
    """A new store the workers open: (``--db``, ``--schema``)."""
    if request.param == "sqlite":
        return str(tmp_path / "desk.sqlite3"), None
    schema: str = request.getfixturevalue("postgres_schema")
    return DSN, schema


@pytest.mark.slow
# Without coverage: the work is in the worker processes (never traced), and tracing this
# process's 10,000 submits added 12 s here and 31 s on PostgreSQL, covering nothing new.
@pytest.mark.no_cover
def test_two_workers_tick_and_deliver_10000_tickets_each_alert_once(tmp_path: Path) -> None:
    outcome = run_workers(
        str(tmp_path / "desk.sqlite3"), processes=2, tickets=10_000, workdir=tmp_path
    )
    assert outcome.alerts == 10_000
    assert outcome.events == 20_000  # each ticket: created, then breached


@pytest.mark.slow
@pytest.mark.no_cover  # as above
def test_four_workers_on_postgres_tick_and_deliver_10000_tickets_each_alert_once(
    tmp_path: Path, postgres_schema: str
) -> None:
    outcome = run_workers(
        DSN, schema=postgres_schema, processes=4, tickets=10_000, workdir=tmp_path
    )
    assert outcome.alerts == 10_000
    assert outcome.events == 20_000  # each ticket: created, then breached
    assert outcome.delivered >= 20_000


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def _wait_until(condition: Callable[[], bool], path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.002)
    raise AssertionError(f"{path} never got there")


def _wait_for(path: Path, text: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(encoding="utf-8"):
            return
        time.sleep(0.02)
    raise AssertionError(f"{text!r} never appeared in {path}")


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_no_alert(
    tmp_path: Path, store: tuple[str, str | None]
) -> None:
    db, schema = store
    tickets = 1000
    populate(db, tickets, schema=schema)
    slow = {"TICKETFLOW_TEST_SLOW": "0.005"}
    doomed = start_worker(db, tmp_path, name="doomed", batch=20, schema=schema, environment=slow)
    _wait_for(tmp_path / "doomed.log", "delivered")
    # Killed a few messages into a batch of deliveries (5 ms each), so that it holds the
    # leases of the rest: not between batches, where it may hold none.
    record = tmp_path / "delivered" / f"{doomed.pid}.txt"
    _wait_until(lambda: 2 <= _lines(record) % 20 <= 6, record)
    doomed.send_signal(signal.SIGKILL)
    assert doomed.wait(30) == -signal.SIGKILL
    assert _lines(record) % 20, "killed mid-batch"
    # At the same instant its leases still hold: another worker leaves those alone...
    survivor = start_worker(db, tmp_path, name="survivor", batch=50, schema=schema)
    assert wait_all([survivor], 300) == [0]
    # ...and a worker whose clock is past their end takes them up.
    later = start_worker(
        db, tmp_path, name="later", at=WORK_AT + timedelta(minutes=2), schema=schema
    )
    assert wait_all([later], 300) == [0]
    # The killed worker held a batch (it always does, but for an instant between batches):
    # only the worker past the lease's end could finish it.
    taken_up = (tmp_path / "later.log").read_text(encoding="utf-8")
    assert "ticked" in taken_up or "delivered" in taken_up, taken_up
    outcome = verify(db, tmp_path, tickets, schema=schema)
    assert outcome.alerts == tickets


def _tickets(store: SQLiteTicketStore) -> list[Ticket]:
    return list(store.query(TicketQuery(limit=1000)).tickets)


@pytest.mark.slow
def test_sigterm_lets_the_batch_finish_and_exits_0(tmp_path: Path) -> None:
    db = str(tmp_path / "desk.sqlite3")
    populate(db, 60)
    worker = start_worker(
        db,
        tmp_path,
        name="w",
        once=False,
        batch=10,
        extra=["--tick-every", "1h"],
        environment={"TICKETFLOW_TEST_SLOW": "0.05"},
    )
    _wait_for(tmp_path / "delivered" / f"{worker.pid}.txt", "\n")
    worker.send_signal(signal.SIGTERM)
    assert wait_all([worker], 60) == [0]
    log = (tmp_path / "w.log").read_text(encoding="utf-8")
    assert "SIGTERM: finishing the batch at hand" in log
    assert log.rstrip().endswith("worker w stopped"), log
    delivered = (tmp_path / "delivered" / f"{worker.pid}.txt").read_text().split()
    with SQLiteTicketStore(db) as store:
        claimable = store.claim_outbox(
            worker="check", now=WORK_AT, lease=timedelta(seconds=1), limit=10**6
        )
        events = sum(len(store.journal(ticket.id)) for ticket in _tickets(store))
    # Every message the worker claimed was delivered and acknowledged: none is left leased.
    assert len(claimable) == events - len(set(delivered)), (len(claimable), events, delivered)
    assert 0 < len(set(delivered)) < events


# -- the command line ---------------------------------------------------------------------------


GOOD = ["--db", "x.sqlite3", "--config", "m:f"]


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ([], "the following arguments are required: --db, --config"),
        (["--db", "x"], "the following arguments are required: --config"),
        ([*GOOD, "--tick-every", "30"], "argument --tick-every: invalid duration '30'"),
        ([*GOOD, "--tick-every", "0s"], "it must be longer than zero"),
        ([*GOOD, "--lease", "5 minutes"], "argument --lease: invalid duration"),
        ([*GOOD, "--batch", "0"], "invalid batch '0': a whole number, 1 to 10000"),
        ([*GOOD, "--batch", "many"], "invalid batch 'many'"),
        ([*GOOD, "--log-level", "LOUD"], "argument --log-level: invalid choice"),
        ([*GOOD, "--schema", "desk"], "argument --schema: only a postgresql:// URL has schemas"),
        (
            ["--db", "postgresql://h/d", "--config", "m:f", "--schema", "Desk-1"],
            "argument --schema: invalid schema 'Desk-1': a lower-case SQL identifier",
        ),
    ],
)
def test_the_worker_command_refuses_bad_arguments(
    arguments: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["worker", *arguments])
    assert exited.value.code == 2
    assert says in capsys.readouterr().err


@pytest.mark.parametrize(
    ("db", "config", "says"),
    [
        ("desk.sqlite3", "no_such_module_here:setup", "cannot be loaded"),
        ("desk.sqlite3", "_worker_config:nothing", "cannot be loaded"),
        ("desk.sqlite3", "_worker_config", "expected MODULE:CALLABLE"),
        ("desk.sqlite3", "_worker_config:broken", "failed: RuntimeError"),
        ("desk.sqlite3", "_worker_config:T0", "is not callable"),
        ("desk.sqlite3", "_worker_config:POLICY", "is not callable"),
        ("desk.sqlite3", "_worker_config:no_due_work", "nothing to do"),
        (".", "_worker_config:setup", "cannot open the store"),
    ],
)
def test_a_store_or_configuration_that_cannot_be_used_exits_78(
    db: str,
    config: str,
    says: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TICKETFLOW_TEST_NOW", WORK_AT.isoformat())
    monkeypatch.setenv("TICKETFLOW_TEST_DELIVERED", str(tmp_path))
    with caplog.at_level(logging.ERROR, logger="ticketflow.worker"):
        status = main(["worker", "--db", db, "--config", config, "--once"])
    assert status == EX_CONFIG
    assert says in caplog.text


def test_a_postgresql_url_without_the_postgres_extra_exits_78(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # An installation without ticketflow.storage.PostgresTicketStore must say so.
    monkeypatch.delitem(ticketflow.storage._LAZY, "PostgresTicketStore", raising=False)
    monkeypatch.delitem(vars(ticketflow.storage), "PostgresTicketStore", raising=False)
    monkeypatch.setenv("TICKETFLOW_TEST_NOW", WORK_AT.isoformat())
    monkeypatch.setenv("TICKETFLOW_TEST_DELIVERED", str(tmp_path))
    with caplog.at_level(logging.ERROR, logger="ticketflow.worker"):
        status = main(["worker", "--db", DSN, "--config", "_worker_config:setup", "--once"])
    assert status == EX_CONFIG
    assert "this ticketflow has no PostgreSQL store" in caplog.text


@pytest.mark.slow
def test_an_unreachable_postgresql_server_exits_78_saying_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.setenv("TICKETFLOW_TEST_NOW", WORK_AT.isoformat())
    monkeypatch.setenv("TICKETFLOW_TEST_DELIVERED", str(tmp_path))
    url = "postgresql://desk:s3cret@127.0.0.1:1/desk?connect_timeout=1"  # nothing on port 1
    with caplog.at_level(logging.ERROR, logger="ticketflow.worker"):
        status = main(["worker", "--db", url, "--config", "_worker_config:setup", "--once"])
    assert status == EX_CONFIG
    [said] = [r.getMessage() for r in caplog.records if r.name == "ticketflow.worker"]
    # The store's location, without the URL's user and password, and what went wrong.
    assert said.startswith(
        "cannot open the store: postgresql://127.0.0.1:1/desk (schema ticketflow): cannot connect"
    ), said
    assert "s3cret" not in caplog.text


def test_a_worker_opens_the_schema_it_is_given(
    postgres_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(DSN, 3, schema=postgres_schema)
    monkeypatch.setenv("TICKETFLOW_TEST_NOW", WORK_AT.isoformat())
    command = ["worker", "--db", DSN, "--schema", postgres_schema, "--once"]
    assert main([*command, "--config", "_worker_config:ticks_only"]) == 0
    with ticketflow.storage.PostgresTicketStore(DSN, schema=postgres_schema) as opened:
        assert list(opened.due(WORK_AT)) == []
        breached = [
            e.type for t in opened.query(TicketQuery()).tickets for e in opened.journal(t.id)
        ]
    assert breached.count("sla_breached") == 3


def test_dispatch_without_anyone_to_deliver_to_exits_78(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TICKETFLOW_TEST_NOW", WORK_AT.isoformat())
    db = str(tmp_path / "desk.sqlite3")
    with caplog.at_level(logging.ERROR, logger="ticketflow.worker"):
        status = main(["worker", "--db", db, "--config", "_worker_config:ticks_only", "--dispatch"])
    assert status == EX_CONFIG
    assert "no handlers and no dispatcher" in caplog.text


def test_a_bad_worker_name_exits_78(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKETFLOW_TEST_NOW", WORK_AT.isoformat())
    db = str(tmp_path / "desk.sqlite3")
    config = "_worker_config:ticks_only"
    assert main(["worker", "--db", db, "--config", config, "--worker", " "]) == EX_CONFIG


def test_once_ticks_until_nothing_is_due(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKETFLOW_TEST_NOW", WORK_AT.isoformat())
    db = str(tmp_path / "desk.sqlite3")
    populate(db, 25)
    config = "_worker_config:ticks_only"
    assert main(["worker", "--db", db, "--config", config, "--once", "--batch", "10"]) == 0
    with SQLiteTicketStore(db) as store:
        assert list(store.due(WORK_AT)) == []


# -- the loop, in this process ------------------------------------------------------------------


def _desk_with_due_tickets(count: int) -> Desk:
    store = InMemoryTicketStore()
    creator = Desk(store, clock=FrozenClock(T0), sla=POLICY)
    for number in range(count):
        address = f"c{number}@example.com"
        creator.submit(
            NewTicket(subject="late", requester=Requester(address), priority="P2"),
            actor=Actor.customer(address),
        )
    return Desk(store, clock=FrozenClock(WORK_AT), sla=POLICY)


def test_the_loop_ticks_and_delivers_in_batches_until_stopped() -> None:
    desk = _desk_with_due_tickets(7)
    delivered: list[str] = []
    stop = threading.Event()

    def deliver(message: OutboxMessage) -> None:
        delivered.append(message.id)
        if len(delivered) == 14:  # every message: 7 created, 7 breached
            stop.set()

    setup = WorkerSetup(desk=desk, handlers={"*": deliver})
    options = WorkerOptions(dispatch=True, batch=3, tick_every=timedelta(hours=1), worker="w")
    assert run_worker(setup, options, stop) == 0
    assert len(set(delivered)) == 14
    assert list(desk.store.due(WORK_AT)) == []


def test_a_failing_batch_is_logged_and_with_once_exits_1(
    caplog: pytest.LogCaptureFixture,
) -> None:
    desk = _desk_with_due_tickets(2)

    def refuse(message: OutboxMessage) -> None:
        raise AssertionError(message.id)

    class Unreachable(InMemoryTicketStore):
        def claim_outbox(
            self, *, worker: str, now: datetime, lease: timedelta, limit: int = 10
        ) -> list[LeasedMessage]:
            raise OSError(f"the network is down ({worker}, {now}, {lease}, {limit})")

    desk.store = Unreachable()
    setup = WorkerSetup(desk=desk, handlers={"*": refuse})
    options = WorkerOptions(dispatch=True, once=True)
    with caplog.at_level(logging.ERROR, logger="ticketflow.worker"):
        assert run_worker(setup, options, threading.Event()) == 1
    assert "a batch failed" in caplog.text
    assert "the network is down" in caplog.text


# -- its values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("500ms", 0.5), ("30s", 30), ("5m", 300), ("1h", 3600), ("1h30m", 5400), ("2d", 172800)],
)
def test_durations_read_as_numbers_with_units(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "30", "s", "1.5h", "-5m", "5 m", "1y", "0m", "400d"])
def test_other_durations_are_refused_saying_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


def test_a_setup_takes_handlers_or_a_dispatcher_not_both() -> None:
    from ticketflow.webhooks import WebhookDispatcher, WebhookEndpoint  # noqa: PLC0415

    desk = _desk_with_due_tickets(0)
    endpoint = WebhookEndpoint("https://example.com/hook", "whsec_" + "A" * 32)
    dispatcher = WebhookDispatcher(desk.store, [endpoint])
    assert WorkerSetup(desk=desk, dispatcher=dispatcher).delivers
    assert not WorkerSetup(desk=desk).delivers
    with pytest.raises(InvalidValueError) as refused:
        WorkerSetup(desk=desk, dispatcher=dispatcher, handlers={"*": print})
    assert refused.value.field == "handlers"
