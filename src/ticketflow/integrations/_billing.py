"""The billing side: service credits owed when a contract SLA is breached."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, Protocol, runtime_checkable

import attrs

from .._serde import from_primitive, to_primitive
from ..storage import OutboxMessage

__all__ = [
    "SERVICE_CREDIT_TOPIC",
    "BillingAdapter",
    "InMemoryBilling",
    "ServiceCredit",
    "service_credit_handler",
]

SERVICE_CREDIT_TOPIC: Final = "billing.service_credit"
"""The outbox topic of :class:`ServiceCredit` messages."""


@attrs.frozen(kw_only=True)
class ServiceCredit:
    """A request to credit a customer because a contract SLA was breached.

    Attributes:
        ticket_id: The ticket whose SLA was breached.
        ticket_number: Its human-facing number.
        requester: The requester's e-mail address.
        tier: The contract tier whose rule was breached.
        rule: The name of the SLA rule.
        metric: Which clock breached (``first_response``, ``next_response``, ``resolution``).
        cycle: Which cycle of that clock (next response restarts per customer message).
        due_at: When the target was due.
        breached_at: When the breach was recorded.
    """

    ticket_id: str
    ticket_number: int
    requester: str
    tier: str
    rule: str
    metric: str
    cycle: int
    due_at: datetime
    breached_at: datetime

    @property
    def idempotency_key(self) -> str:
        """The same for every delivery of this credit: dedupe on it."""
        return f"{self.ticket_id}:{self.metric}:{self.cycle}"

    def to_payload(self) -> dict[str, Any]:
        """Return the credit as JSON-compatible data (the outbox payload)."""
        data: dict[str, Any] = to_primitive(self)
        return data

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> ServiceCredit:
        """Read a credit back from an outbox payload.

        Raises:
            DeserializationError: The payload is not a service credit.
        """
        credit: ServiceCredit = from_primitive(dict(payload), cls)
        return credit


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
    """Return an outbox handler that hands service-credit messages to ``adapter``."""

    def handle(message: OutboxMessage) -> None:
        adapter.service_credit(ServiceCredit.from_payload(message.payload))

    return handle
