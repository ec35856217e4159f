"""The SQLite store's edges: what it opens, and that no driver exception reaches a caller."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from _side_by_side import AT, LEASE, created, message, values_of_every_type
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ticketflow.exceptions import (
    DeserializationError,
    InvalidValueError,
    NotATicketflowStoreError,
    StoreError,
    TicketflowError,
)
from ticketflow.storage import LeasedMessage, SQLiteTicketStore
from ticketflow.storage import _sqlite_schema as schema

OPEN_IN_A_CHILD = """
import sys
from ticketflow.exceptions import TicketflowError
from ticketflow.storage import SQLiteTicketStore
try:
    SQLiteTicketStore(sys.argv[1]).close()
except TicketflowError as error:
    print(type(error).__name__, error.reason)
else:
    print("opened")
"""


def open_in_a_child(path: Path) -> str:
    """Open the store in another process, so that a hang fails the test instead of hanging it."""
    finished = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", OPEN_IN_A_CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    return finished.stdout.strip()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "desk.sqlite3"


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()  # the socket file stays


def _character_device(path: Path) -> None:
    path.symlink_to("/dev/null")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_fifo, "it is a FIFO"),
        (_socket, "it is a socket"),
        (_character_device, "it is a character device"),
    ],
    ids=["fifo", "socket", "char-device"],
)
def test_a_file_that_is_not_a_regular_file_is_refused_without_being_opened(
    path: Path, make: Callable[[Path], None], reason: str
) -> None:
    make(path)
    assert open_in_a_child(path) == f"NotATicketflowStoreError {reason}"


def test_a_fifo_where_sqlite_keeps_its_write_ahead_log_is_refused(path: Path) -> None:
    SQLiteTicketStore(path).close()
    os.mkfifo(f"{path}-wal")
    assert open_in_a_child(path) == "NotATicketflowStoreError -wal: it is a FIFO"


def test_a_directory_where_sqlite_keeps_its_rollback_journal_is_refused(path: Path) -> None:
    SQLiteTicketStore(path).close()
    Path(f"{path}-journal").mkdir()
    with pytest.raises(NotATicketflowStoreError) as caught:
        SQLiteTicketStore(path)
    assert caught.value.reason == "-journal: it is a directory"


def test_a_symlink_to_a_store_opens_the_store(path: Path, tmp_path: Path) -> None:
    with SQLiteTicketStore(path) as store:
        store.commit(created(1))
    link = tmp_path / "link.sqlite3"
    link.symlink_to(path)
    with SQLiteTicketStore(link) as store:
        assert store.get("T1").id == "T1"


def test_a_path_through_a_file_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreError, match="cannot examine the file"):
        SQLiteTicketStore(tmp_path / "file" / "desk.sqlite3")


def test_a_file_that_cannot_be_read_is_a_store_error(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path.write_bytes(b"x")

    def refused(*_: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", refused)
    with pytest.raises(StoreError, match="cannot read the file: Permission denied"):
        SQLiteTicketStore(path)


def test_a_file_swapped_for_a_fifo_after_the_check_is_still_refused(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path.write_bytes(b"")
    monkeypatch.setattr(schema, "_is_regular_file", lambda *_: True)
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(NotATicketflowStoreError, match="it is not a regular file"):
        SQLiteTicketStore(path)


# Mostly the right settings, so that some calls get past the first check to the next.
_timeouts = st.sampled_from([0, 0.5, 30.0]) | values_of_every_type()
_levels = st.sampled_from(["FULL", "NORMAL", "OFF"]) | values_of_every_type()
_paths = st.just("desk.sqlite3") | values_of_every_type()


class _BytesPath:
    def __fspath__(self) -> bytes:
        return b"desk.sqlite3"


@pytest.mark.parametrize(
    ("where", "problem"),
    [
        (5, "must name a file"),
        (None, "must name a file"),
        (b"desk.sqlite3", "must name a file"),
        (_BytesPath(), "must name a file"),
        ("desk\x00.sqlite3", "must not contain a NUL character"),
        ("desk\ud800.sqlite3", "must be valid Unicode (no lone surrogates)"),
        ("\udcffdesk.sqlite3", "must be valid Unicode (no lone surrogates)"),
    ],
    ids=["int", "none", "bytes", "bytes-pathlike", "nul", "surrogate", "escaped-byte"],
)
def test_a_path_sqlite_cannot_open_is_an_invalid_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: Any, problem: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidValueError) as caught:
        SQLiteTicketStore(where)
    assert caught.value.field == "path"
    assert caught.value.problem.startswith(problem)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"synchronous": ["FULL"]}, "synchronous"),
        ({"synchronous": b"FULL"}, "synchronous"),
        ({"timeout": 10**400}, "timeout"),
        ({"timeout": -(10**5000)}, "timeout"),
    ],
    ids=["list", "bytes", "huge", "hugely-negative"],
)
def test_options_of_the_wrong_type_or_size_are_invalid_values(
    path: Path, options: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidValueError) as caught:
        SQLiteTicketStore(path, **options)
    assert caught.value.field == field
    assert not path.exists()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=_paths, synchronous=_levels, timeout=_timeouts)
def test_any_options_open_a_store_or_raise_a_ticketflow_error(
    tmp_path: Path, where: Any, synchronous: Any, timeout: Any
) -> None:
    if isinstance(where, str):
        # Kept inside the test's folder, lone surrogates, NULs and all.
        where = f"{tmp_path}/{where.replace('/', '_')}"
    try:
        store = SQLiteTicketStore(where, synchronous=synchronous, timeout=timeout)
    except TicketflowError:
        return
    store.close()


def test_an_infinite_timeout_waits_as_long_as_it_takes(path: Path) -> None:
    with SQLiteTicketStore(path, timeout=float("inf")) as store:
        store.commit(created(1))
        assert store.get("T1").id == "T1"


# -- no driver exception reaches a caller ------------------------------------------------------


@pytest.fixture
def store(path: Path) -> Iterator[SQLiteTicketStore]:
    with SQLiteTicketStore(path) as opened:
        opened.commit(created(1, outbox=[message("m1")]))
        yield opened


def forged(
    leased: LeasedMessage, *, token: object = None, message_id: object = None
) -> LeasedMessage:
    # Values LeasedMessage and OutboxMessage refuse, as a buggy host might still smuggle in.
    copy = attrs.evolve(leased, message=attrs.evolve(leased.message))
    if token is not None:
        object.__setattr__(copy, "lease_token", token)
    if message_id is not None:
        object.__setattr__(copy.message, "id", message_id)
    return copy


@pytest.mark.parametrize(
    "smuggled",
    [{"token": "w:\ud800"}, {"message_id": 2**70}],
    ids=["surrogate-token", "huge-id"],
)
def test_a_value_that_slipped_past_the_checks_is_a_store_error(
    store: SQLiteTicketStore, smuggled: dict[str, object]
) -> None:
    [leased] = store.claim_outbox(worker="w", now=AT, lease=LEASE)
    with pytest.raises(StoreError, match="a value cannot be stored"):
        store.ack_outbox(forged(leased, **smuggled))
    with pytest.raises(StoreError, match="a value cannot be stored"):
        store.retry_outbox(forged(leased, **smuggled), not_before=AT)
    assert store.ack_outbox(leased), "the real lease still holds"


def test_a_change_that_slipped_past_its_checks_is_a_store_error(
    store: SQLiteTicketStore,
) -> None:
    smuggled = created(2)
    object.__setattr__(smuggled.ticket, "id", "T\ud800")
    with pytest.raises(StoreError, match="a value cannot be stored"):
        store.commit(smuggled)
    assert store.get("T1").version == 1


@pytest.mark.parametrize(
    ("column", "value"),
    [("payload", "{"), ("payload", "[1]"), ("created_at", "yesterday"), ("topic", "")],
)
def test_a_damaged_outbox_row_is_a_deserialization_error(
    store: SQLiteTicketStore, path: Path, column: str, value: str
) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute(f"UPDATE outbox SET {column} = ?", (value,))  # noqa: S608
    finally:
        connection.close()
    with pytest.raises(DeserializationError) as caught:
        store.claim_outbox(worker="w", now=AT, lease=LEASE)
    assert "m1" in str(caught.value)
