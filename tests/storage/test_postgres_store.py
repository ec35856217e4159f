"""The PostgreSQL store passes the conformance kit against the real server."""

from __future__ import annotations

from _postgres_server import DisposableStore

from ticketflow.storage import EventFeed, PostgresTicketStore, TicketMemos, TicketStore
from ticketflow.testing import check_ticket_store


def test_the_store_passes_the_conformance_kit() -> None:
    check_ticket_store(DisposableStore)


def test_the_store_implements_every_protocol_of_the_sqlite_store() -> None:
    with DisposableStore() as store:
        assert isinstance(store, PostgresTicketStore)
        for protocol in (TicketStore, TicketMemos, EventFeed):
            assert isinstance(store, protocol)
