"""The configuration hook the worker tests run ``python -m ticketflow worker`` with.

The worker's clock stands still at ``$TICKETFLOW_TEST_NOW`` (an ISO instant), so a test says
which leases have lapsed by the instant it gives a worker; every handled message's id is
appended to ``$TICKETFLOW_TEST_DELIVERED/<pid>.txt`` before it is acknowledged.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from ticketflow import Desk
from ticketflow.sla import BusinessCalendar, SlaPolicy
from ticketflow.storage import OutboxMessage, TicketStore
from ticketflow.testing import FrozenClock
from ticketflow.workers import WorkerSetup

NOW_VARIABLE: Final = "TICKETFLOW_TEST_NOW"
DELIVERED_VARIABLE: Final = "TICKETFLOW_TEST_DELIVERED"
SLOW_VARIABLE: Final = "TICKETFLOW_TEST_SLOW"  # seconds each delivery takes

T0: Final = datetime(2026, 3, 2, 9, tzinfo=UTC)
# One alert per ticket: a breach an hour after it was created (no warnings).
POLICY: Final = SlaPolicy.by_priority(
    {"P2": timedelta(hours=1)}, calendar=BusinessCalendar.always(), warn_at=()
)


def desk(store: TicketStore, now: datetime) -> Desk:
    """Return the desk every process of a scenario uses, its clock standing at ``now``."""
    return Desk(store, clock=FrozenClock(now), sla=POLICY)


def setup(store: TicketStore) -> WorkerSetup:
    """The hook: a desk at ``$TICKETFLOW_TEST_NOW`` and a handler that records message ids."""
    now = datetime.fromisoformat(os.environ[NOW_VARIABLE])
    record = Path(os.environ[DELIVERED_VARIABLE]) / f"{os.getpid()}.txt"
    slow = float(os.environ.get(SLOW_VARIABLE, "0"))

    def deliver(message: OutboxMessage) -> None:
        if slow:
            time.sleep(slow)
        with record.open("a", encoding="utf-8") as file:
            file.write(message.id + "\n")

    return WorkerSetup(desk=desk(store, now), handlers={"*": deliver})


def ticks_only(store: TicketStore) -> Desk:
    """A hook returning a bare desk: ticks, no delivery."""
    return desk(store, datetime.fromisoformat(os.environ[NOW_VARIABLE]))


def no_due_work(store: TicketStore) -> Desk:
    """A hook whose desk has nothing that comes due."""
    return Desk(store)


def broken(store: TicketStore) -> WorkerSetup:
    """A hook that fails."""
    raise RuntimeError(f"cannot configure {store!r}")
