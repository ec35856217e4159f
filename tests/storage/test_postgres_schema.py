"""The PostgreSQL store's schema: made once by racing processes, refused when foreign or newer."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from _postgres_server import (
    DSN,
    DisposableStore,
    connect,
    drop_schema,
    fresh_schema,
    require_server,
)
from ticketflow.exceptions import (
    InvalidValueError,
    NotATicketflowStoreError,
    SchemaVersionError,
    StoreError,
)
from ticketflow.storage import PostgresTicketStore
from ticketflow.storage._postgres_schema import SCHEMA_VERSION, escape, unescape

OPEN_ONE = """
import sys
from ticketflow.storage import PostgresTicketStore
PostgresTicketStore(sys.argv[1], schema=sys.argv[2], pool_size=1).close()
"""


@pytest.fixture
def schema() -> object:
    require_server()
    name = fresh_schema()
    yield name
    drop_schema(name)


def _applied(schema: str) -> list[tuple[int, int]]:
    with connect() as connection:
        rows: list[tuple[int, int]] = connection.execute(
            f"SELECT version, count(*) FROM {schema}.ticketflow_migrations GROUP BY version"  # noqa: S608
            " ORDER BY version"
        ).fetchall()
    return rows


@pytest.mark.slow
def test_processes_opening_a_new_schema_at_once_migrate_it_exactly_once(schema: str) -> None:
    children = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", OPEN_ONE, DSN, schema],
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for child in children:
        _, errors = child.communicate(timeout=60)
        assert child.returncode == 0, errors
    assert _applied(schema) == [(version, 1) for version in range(1, SCHEMA_VERSION + 1)]


def test_threads_opening_a_new_schema_at_once_migrate_it_exactly_once(schema: str) -> None:
    barrier = threading.Barrier(6)
    failures: list[BaseException] = []

    def open_one() -> None:
        try:
            barrier.wait()
            PostgresTicketStore(DSN, schema=schema, pool_size=1).close()
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert _applied(schema) == [(version, 1) for version in range(1, SCHEMA_VERSION + 1)]


def test_a_store_newer_than_this_release_is_refused_and_left_alone(schema: str) -> None:
    PostgresTicketStore(DSN, schema=schema, pool_size=1).close()
    with connect() as connection:
        connection.execute(
            f"INSERT INTO {schema}.ticketflow_migrations (version) VALUES (%s)",  # noqa: S608
            (SCHEMA_VERSION + 1,),
        )
    with pytest.raises(SchemaVersionError) as raised:
        PostgresTicketStore(DSN, schema=schema, pool_size=1)
    assert raised.value.found == SCHEMA_VERSION + 1
    assert raised.value.supported == SCHEMA_VERSION
    assert schema in raised.value.location
    assert _applied(schema)[-1] == (SCHEMA_VERSION + 1, 1)


def test_a_schema_of_something_else_is_refused_and_left_alone(schema: str) -> None:
    with connect() as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(f"CREATE TABLE {schema}.invoices (id int)")
    with pytest.raises(NotATicketflowStoreError):
        PostgresTicketStore(DSN, schema=schema, pool_size=1)
    with connect() as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
    assert tables == [("invoices",)]


def test_reopening_a_store_keeps_its_data_and_its_feed(schema: str) -> None:
    with PostgresTicketStore(DSN, schema=schema, pool_size=1) as store:
        number = store.allocate_number()
        cursor = store.feed().cursor
    with PostgresTicketStore(DSN, schema=schema, pool_size=1) as again:
        assert again.allocate_number() == number + 1
        assert again.feed(after=cursor).entries == ()
    assert _applied(schema) == [(version, 1) for version in range(1, SCHEMA_VERSION + 1)]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"dsn": 5}, "dsn"),
        ({"dsn": ""}, "dsn"),
        ({"dsn": "host=x\x00"}, "dsn"),
        ({"dsn": "not a = = dsn"}, "dsn"),
        ({"schema": "Public"}, "schema"),
        ({"schema": "a; DROP TABLE x"}, "schema"),
        ({"schema": "x" * 64}, "schema"),
        ({"schema": None}, "schema"),
        ({"pool_size": 0}, "pool_size"),
        ({"pool_size": True}, "pool_size"),
        ({"statement_timeout": -1}, "statement_timeout"),
        ({"statement_timeout": float("nan")}, "statement_timeout"),
        ({"connect_timeout": "5"}, "connect_timeout"),
        ({"dsn": "host=x connect_timeout=soon"}, "dsn"),
        ({"dsn": "postgresql://h/db?connect_timeout=0"}, "dsn"),
        ({"dsn": "postgresql://h/db?connect_timeout=-3"}, "dsn"),
        ({"dsn": "postgresql://h/db?connect_timeout=86401"}, "dsn"),
    ],
)
def test_bad_options_are_refused_before_connecting(options: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidValueError) as raised:
        PostgresTicketStore(**options)  # type: ignore[arg-type]
    assert raised.value.field == field


def test_a_password_never_shows_in_an_error() -> None:
    with pytest.raises(InvalidValueError) as raised:
        PostgresTicketStore("postgresql://u:sekrit@h/db", schema="Bad")
    assert "sekrit" not in str(raised.value)
    with pytest.raises(InvalidValueError) as raised:
        PostgresTicketStore("password=sekrit host = = x")
    assert "sekrit" not in str(raised.value)


def test_an_unreachable_server_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot connect"):
        PostgresTicketStore("postgresql://postgres@127.0.0.1:1/test", connect_timeout=1)


@pytest.mark.parametrize(
    ("dsn", "timeout", "at_most"),
    [
        ("postgresql://postgres@127.0.0.1:1/test?connect_timeout=1", None, 5.0),
        ("host=127.0.0.1 port=1 dbname=test connect_timeout=1", None, 5.0),
        # The argument wins over the DSN.
        ("postgresql://postgres@127.0.0.1:1/test?connect_timeout=60", 1.0, 5.0),
    ],
)
def test_the_connect_timeout_is_the_argument_else_the_dsns(
    dsn: str, timeout: float | None, at_most: float
) -> None:
    started = time.monotonic()
    with pytest.raises(StoreError, match="cannot connect"):
        PostgresTicketStore(dsn, connect_timeout=timeout)
    waited = time.monotonic() - started
    assert 0.5 <= waited <= at_most, waited


@pytest.mark.parametrize(
    "text", ["", "plain", "\x00", "\x01", "a\x00b\x01c", "\x01\x01\x00\x02", "\x00\x00"]
)
def test_escaped_text_reads_back_and_keeps_its_order(text: str) -> None:
    assert "\x00" not in escape(text)
    assert unescape(escape(text)) == text
    others = ["", "\x00", "\x01", "\x02", "a", "\x00\x01", "\x01\x00", text + "\x00", text + "\x02"]
    for other in others:
        assert (escape(text) < escape(other)) == (text < other), (text, other)
        assert (escape(text) == escape(other)) == (text == other)


def test_the_tables_are_in_the_stores_own_schema() -> None:
    with DisposableStore(pool_size=1) as store, connect() as connection:
        tables = {
            name
            for (name,) in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (store.schema,),
            ).fetchall()
        }
        assert {"tickets", "events", "outbox", "ticketflow_migrations"} <= tables
        assert store.schema in repr(store)
        assert store.location.endswith(f"(schema {store.schema})")
