"""The configuration hook ``benchmarks/workers.py`` runs its workers with: ticks only.

The desk's clock stands at ``$TICKETFLOW_BENCH_NOW`` (an ISO instant), when every ticket the
benchmark submitted has its breach due.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Final

from ticketflow import Desk
from ticketflow.sla import BusinessCalendar, SlaPolicy
from ticketflow.storage import TicketStore
from ticketflow.testing import FrozenClock

NOW_VARIABLE: Final = "TICKETFLOW_BENCH_NOW"
T0: Final = datetime(2026, 3, 2, 9, tzinfo=UTC)
# One alert per ticket: its breach, an hour after it was submitted.
POLICY: Final = SlaPolicy.by_priority(
    {"P2": timedelta(hours=1)}, calendar=BusinessCalendar.always(), warn_at=()
)


def desk(store: TicketStore, now: datetime) -> Desk:
    """Return the benchmark's desk on ``store``, its clock standing at ``now``."""
    return Desk(store, clock=FrozenClock(now), sla=POLICY)


def ticks(store: TicketStore) -> Desk:
    """The hook: a desk at ``$TICKETFLOW_BENCH_NOW``."""
    return desk(store, datetime.fromisoformat(os.environ[NOW_VARIABLE]))
