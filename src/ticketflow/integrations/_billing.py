"""The billing side: service credits owed when a contract SLA is breached."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from .._contracts import ServiceCredit
from ..exceptions import InvalidValueError
from ..storage import OutboxMessage

__all__ = ["BillingAdapter", "InMemoryBilling", "service_credit_handler"]


@runtime_checkable
class BillingAdapter(Protocol):
    """A host's billing system: it receives service credits, at least once each."""

    def service_credit(self, credit: ServiceCredit) -> None:
        """Book the credit; must be idempotent on ``credit.idempotency_key``."""
        ...


class InMemoryBilling:
    """A :class:`BillingAdapter` that keeps credits in a dict (deduplicated), for tests."""

    def __init__(self) -> None:
        self.credits: dict[str, ServiceCredit] = {}

    def service_credit(self, credit: ServiceCredit) -> None:
        """Record the credit once per idempotency key."""
        self.credits.setdefault(credit.idempotency_key, credit)

    def __repr__(self) -> str:
        return f"InMemoryBilling({len(self.credits)} credits)"


def service_credit_handler(adapter: BillingAdapter) -> Any:  # noqa: ANN401
    """Return an outbox handler that hands service-credit messages to ``adapter``.

    Raises:
        InvalidValueError: ``adapter`` has no ``service_credit`` method.
    """
    if not callable(getattr(adapter, "service_credit", None)):
        raise InvalidValueError("adapter", adapter, "must have a service_credit(credit) method")

    def handle(message: OutboxMessage) -> None:
        adapter.service_credit(ServiceCredit.from_payload(message.payload))

    return handle
