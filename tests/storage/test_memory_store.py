from __future__ import annotations

from ticketflow.storage import InMemoryTicketStore, TicketStore
from ticketflow.testing import check_ticket_store


def test_memory_store_passes_the_conformance_kit() -> None:
    check_ticket_store(InMemoryTicketStore)


def test_memory_store_is_a_ticket_store() -> None:
    store = InMemoryTicketStore()
    assert isinstance(store, TicketStore)
    assert repr(store) == "InMemoryTicketStore(tickets=0)"
