"""The store every resolution test runs against: the in-memory store and SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ticketflow.storage import InMemoryTicketStore, SQLiteTicketStore, TicketStore


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TicketStore]:
    if request.param == "memory":
        yield InMemoryTicketStore()
        return
    with SQLiteTicketStore(tmp_path / "desk.sqlite3", synchronous="OFF") as sqlite:
        yield sqlite
