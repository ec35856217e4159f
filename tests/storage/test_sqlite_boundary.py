"""The SQLite store's edges: what it opens, and that no driver exception reaches a caller."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from _side_by_side import created

from ticketflow.exceptions import (
    NotATicketflowStoreError,
    StoreError,
)
from ticketflow.storage import SQLiteTicketStore
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
