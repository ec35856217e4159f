"""The PostgreSQL store passes the conformance kit against the real server."""

from __future__ import annotations

from hypothesis import settings

from _postgres_server import DisposableStore
from ticketflow.storage import EventFeed, PostgresTicketStore, TicketMemos, TicketStore
from ticketflow.testing import check_ticket_store

# Each run of the state machine opens a store in a new schema (about 0.5 s with its migration
# and its drop), so the ci profile's 50 runs would take half a minute: PostgreSQL gets at most
# 40 (the SQLite and in-memory stores run the profile's whole count).
MAX_STATE_MACHINE_RUNS = 40


def test_the_store_passes_the_conformance_kit() -> None:
    runs = min(settings().max_examples, MAX_STATE_MACHINE_RUNS)
    check_ticket_store(DisposableStore, max_examples=runs)


def test_the_store_implements_every_protocol_of_the_sqlite_store() -> None:
    with DisposableStore() as store:
        assert isinstance(store, PostgresTicketStore)
        for protocol in (TicketStore, TicketMemos, EventFeed):
            assert isinstance(store, protocol)
