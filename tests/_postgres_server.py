"""The PostgreSQL server the tests use, and stores in schemas of their own.

The server is named by ``TICKETFLOW_PG_DSN`` (default: trust auth on 127.0.0.1:5432, database
``test``). Without it, the PostgreSQL tests skip and say why; under ``CI=true`` a missing
server fails them instead, so CI never passes by skipping.

Each store lives in a fresh schema (``tf_test_<hex>``), dropped when the store is closed: the
conformance kit asks for many new empty stores, and xdist runs tests side by side.
"""

from __future__ import annotations

import functools
import os
import re
import secrets
from typing import Any

import pytest

from ticketflow.storage._postgres import DEFAULT_DSN, DSN_VARIABLE, PostgresTicketStore

__all__ = [
    "DSN",
    "DisposableStore",
    "connect",
    "disposable_postgres_store",
    "drop_schema",
    "fresh_schema",
    "require_server",
]

DSN = os.environ.get(DSN_VARIABLE) or DEFAULT_DSN


@functools.cache
def _unreachable(dsn: str) -> str | None:
    try:
        import psycopg  # noqa: PLC0415
    except ModuleNotFoundError:
        return "psycopg is not installed (pip install 'ticketflow[postgres]')"
    try:
        with psycopg.connect(dsn, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return f"no PostgreSQL server at {DSN_VARIABLE}={dsn!r}: {str(error).strip()}"
    return None


def require_server(dsn: str = DSN) -> None:
    """Skip the test when the server is unreachable; fail it instead under ``CI=true``."""
    reason = _unreachable(dsn)
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def connect() -> Any:
    """Return a connection of the tests' own (autocommit), outside any store's pool."""
    import psycopg  # noqa: PLC0415

    return psycopg.connect(DSN, autocommit=True)


def fresh_schema() -> str:
    """Return the name of a schema no other test uses."""
    return f"tf_test_{secrets.token_hex(8)}"


def drop_schema(schema: str) -> None:
    """Drop ``schema`` and everything in it."""
    from psycopg import sql  # noqa: PLC0415

    with connect() as connection:
        connection.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        )


class DisposableStore(PostgresTicketStore):
    """A store in a fresh schema of its own, which :meth:`close` drops."""

    def __init__(self, dsn: Any = DSN, **options: Any) -> None:
        require_server()
        schema = options.pop("schema", None) or fresh_schema()
        try:
            super().__init__(dsn, schema=schema, **options)
        except BaseException:
            if isinstance(schema, str) and schema.startswith("tf_test_"):
                drop_schema(schema)
            raise

    def close(self) -> None:
        closed = self._closed
        super().close()
        if not closed:
            drop_schema(self.schema)


def disposable_postgres_store(
    dsn: object = None, *, schema: object = None, **options: Any
) -> PostgresTicketStore:
    """Build a store as ``PostgresTicketStore(dsn, schema=schema, ...)`` does, for the fuzzer.

    ``schema=None`` (left out) means a fresh schema; a name the store would accept is made
    a fresh schema's own (``tf_test_<hex>_<name>``), so that hostile input never creates or
    drops a schema another test uses. Every other value goes to the store as it is. The
    store's :meth:`~DisposableStore.close` drops its schema.
    """
    require_server()
    if schema is None or (isinstance(schema, str) and re.fullmatch(r"[a-z_][a-z0-9_]*", schema)):
        schema = f"{fresh_schema()}_{schema or ''}"[:63]
    return DisposableStore(dsn=dsn, schema=schema, **options)
