"""Fixtures for the intake service tests: a desk on each shipped store, and its intake.

A plugin module (``pytest_plugins``), not a ``conftest.py``: mypy checks the tests as one tree,
where a second ``conftest`` module would clash with ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from _mail import DESK_ADDRESS, SECRET

from ticketflow import Desk
from ticketflow.intake import InMemoryAttachmentSink, Intake, MailIdentity
from ticketflow.storage import InMemoryTicketStore, SQLiteTicketStore, TicketStore
from ticketflow.testing import FrozenClock

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TicketStore]:
    """Each shipped store: in memory, and SQLite in a fresh file."""
    if request.param == "memory":
        yield InMemoryTicketStore()
        return
    sqlite = SQLiteTicketStore(tmp_path / "tickets.sqlite3", synchronous="OFF")
    yield sqlite
    sqlite.close()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def desk(store: TicketStore, clock: FrozenClock) -> Desk:
    return Desk(store, clock=clock)


@pytest.fixture
def identity() -> MailIdentity:
    return MailIdentity(DESK_ADDRESS, SECRET)


@pytest.fixture
def sink() -> InMemoryAttachmentSink:
    return InMemoryAttachmentSink()


@pytest.fixture
def intake(desk: Desk, identity: MailIdentity, sink: InMemoryAttachmentSink) -> Intake:
    return Intake(desk, identity=identity, attachments=sink)
